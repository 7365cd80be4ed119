"""Scheduled work on listings: reminders before a deadline (expiry is ``expire_listings``)."""

from datetime import date, timedelta

from flask import render_template
from flask_babel import gettext as _

from ..accounts.models import User
from ..core.time import local_today
from ..extensions import db
from ..mail.services import external_url, in_recipients_language, queue_mail
from ..notifications.services import notify
from .models import Listing

#: Days before the deadline at which the owners hear about it, largest first.
REMINDER_DAYS = (7, 1)


def remind_deadlines(today: date | None = None) -> int:
    """Queue one reminder per owner, listing and reminder day; safe to run again."""
    today = today or local_today()
    horizon = today + timedelta(days=max(REMINDER_DAYS))
    rows = db.session.execute(
        db.select(Listing, User)
        .join(User, User.enterprise_id == Listing.enterprise_id)
        .where(
            Listing.status == "published",
            Listing.deadline >= today,
            Listing.deadline <= horizon,
            User.active.is_(True),
        )
        .order_by(Listing.id, User.id)
    )
    queued = 0
    for listing, user in rows:
        days_left = (listing.deadline - today).days
        # The smallest reminder day not yet passed: a run missed yesterday still reminds today.
        bucket = min(d for d in REMINDER_DAYS if d >= days_left)
        with in_recipients_language(user) as lang:
            context = {
                "listing": listing,
                "user": user,
                "days_left": days_left,
                "url": external_url("listings.detail", listing_id=listing.id),
                "lang": lang,
            }
            subject = _(
                "“%(title)s”将于 %(deadline)s 截止（还剩 %(days)d 天）",
                title=listing.title[:60],
                deadline=listing.deadline.isoformat(),
                days=days_left,
            )
            text = render_template("listings/mail/deadline_reminder.txt", **context)
            html = render_template("listings/mail/deadline_reminder.html", **context)
        queue_mail(
            key=f"listing-deadline:{listing.id}:{listing.deadline}:{bucket}d:user:{user.id}",
            purpose="deadline_reminder",
            to=user.email,
            subject=subject,
            text=text,
            html=html,
            user=user,
        )
        # The same reminder in the notification centre; the mail above is the one sent.
        notify(
            [user],
            kind="listing_expiring",
            key=f"listing-deadline:{listing.id}:{listing.deadline}:{bucket}d",
            params={"title": listing.title, "deadline": listing.deadline.isoformat()},
            endpoint="listings.detail",
            values={"listing_id": listing.id},
            mail=False,
        )
        queued += 1
    return queued
