"""Reminders to an event's confirmed registrants, 3 days and 1 day before, each with their
personal agenda and links to it (page and .ics). Never commits."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app, render_template
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..accounts.models import User
from ..core.time import to_local
from ..extensions import db
from ..mail.services import external_url, in_recipients_language, queue_mail
from ..notifications.services import notify
from .meetings import event_meetings
from .models import Event, Registration
from .notices import members_of

#: Days before the event's (local) start day at which registrants are reminded, largest first.
REMINDER_DAYS = (3, 1)


def events_starting_within(today: date, days: int) -> list[Event]:
    """Open or closed (not cancelled, not yet held) events whose local start day is between
    tomorrow and ``days`` ahead. Read a day wider in UTC, then decided on the local day."""
    rows = db.session.execute(
        db.select(Event)
        .where(
            Event.status.in_(("open", "closed")),
            Event.starts_at >= today - timedelta(days=1),
            Event.starts_at <= today + timedelta(days=days + 2),
        )
        .order_by(Event.starts_at, Event.id)
    ).scalars()
    return [e for e in rows if 1 <= (e.local_start.date() - today).days <= days]


def remind_registrants(today: date) -> int:
    """Queue each confirmed registrant's reminder for the current reminder day; returns how
    many people were reminded now (a repeat run adds none)."""
    reminded = 0
    for event in events_starting_within(today, max(REMINDER_DAYS)):
        days_left = (event.local_start.date() - today).days
        # The smallest reminder day not yet passed: a run missed yesterday still reminds today.
        bucket = min(d for d in REMINDER_DAYS if d >= days_left)
        regs = db.session.execute(
            db.select(Registration)
            .where(Registration.event_id == event.id, Registration.status == "confirmed")
            .order_by(Registration.id)
        ).scalars()
        for reg in regs:
            meetings = event_meetings(event, reg)
            key = f"event-reminder:{event.id}:{event.local_start.date()}:{bucket}d"
            users = members_of(reg.enterprise_id)
            for user in users:
                _queue(event, reg, meetings, user, key, days_left)
            reminded += len(
                notify(
                    users,
                    kind="event_reminder",
                    key=key,
                    params={
                        "event": event.title,
                        "when": event.local_start.strftime("%Y-%m-%d %H:%M"),
                    },
                    endpoint="events.agenda",
                    values={"event_id": event.id, "mine": 1},
                    mail=False,
                )
            )
    return reminded


# --- the calendar link in the mail ------------------------------------------------------------

#: Its own salt: this link verifies nowhere else, and no other token of the platform here.
CALENDAR_SALT = "rongtong.agenda-calendar"
#: A reminder's calendar link works for this long (the event is at most days ahead).
CALENDAR_LINK_MAX_AGE = 60 * 60 * 24 * 30


def calendar_token(user: User, event: Event) -> str:
    """A link to one member's agenda of one event as .ics, openable without logging in (a
    phone's mail app or a calendar subscription has no session)."""
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CALENDAR_SALT)
    return serializer.dumps({"u": user.id, "e": event.id})


def calendar_user(token: str, event: Event) -> User | None:
    """The member the link was made for, if it is genuine, recent and for this event, and the
    member still belongs to an enterprise with a confirmed place; otherwise None."""
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CALENDAR_SALT)
    try:
        data = serializer.loads(token, max_age=CALENDAR_LINK_MAX_AGE)
    except BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict) or data.get("e") != event.id:
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or not user.is_active or user.enterprise_id is None:
        return None
    return user


def _queue(event: Event, reg: Registration, meetings, user, key: str, days_left: int) -> None:
    with in_recipients_language(user) as lang:
        rows = []
        for m in meetings:
            other = m.b if m.a_id == reg.id else m.a
            start = to_local(m.slot.starts_at, event.timezone).strftime("%H:%M")
            rows.append({"time": start, "table": m.table.name, "with": other.enterprise.name})
        context = {
            "event": event,
            "reg": reg,
            "user": user,
            "lang": lang,
            "days_left": days_left,
            "meetings": rows,
            "agenda_url": external_url("events.agenda", event_id=event.id, mine=1),
            "ics_url": external_url(
                "events.agenda_ics", event_id=event.id, token=calendar_token(user, event)
            ),
            "event_url": external_url("events.detail", event_id=event.id),
        }
        subject = _(
            "活动提醒：%(title)s 将于 %(when)s 开始",
            title=event.title[:80],
            when=event.local_start.strftime("%Y-%m-%d %H:%M"),
        )
        text = render_template("events/mail/reminder.txt", **context)
    queue_mail(
        key=f"{key}:user:{user.id}",
        purpose="event_reminder",
        to=user.email,
        subject=subject,
        text=text,
        user=user,
    )
