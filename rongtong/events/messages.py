"""Organizers write to an event's registrants: an audience, a subject and a text, previewed,
then one outbox mail per person. Never commits.

Policy on unsubscribes: what concerns the event itself (time, place, agenda, changes) is
transactional and reaches everyone in the audience; a message the organizer marks as
promotional (another event, a programme, a call) skips those who turned digests off.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..audit import services as audit
from ..core.services import ServiceError
from ..digests.models import DigestPreference
from ..extensions import db
from ..mail.services import external_url, in_recipients_language, queue_mail
from ..notifications.services import notify
from .models import Event, Registration

AUDIENCES = {
    "all": _l("全部报名单位（已报名、候补、待审核）"),
    "confirmed": _l("报名成功的单位"),
    "waitlisted": _l("候补名单"),
    "checked_in": _l("已签到的单位"),
    "no_show": _l("报名成功但未签到的单位"),
}
MAX_SUBJECT = 120
MAX_BODY = 5000


def audience_registrations(event: Event, audience: str) -> list[Registration]:
    """The registrations an audience names, in the order they registered."""
    if audience not in AUDIENCES:
        raise ServiceError(_("请选择收件范围。"), field="audience")
    stmt = db.select(Registration).where(Registration.event_id == event.id)
    confirmed = Registration.status == "confirmed"
    stmt = stmt.where(
        {
            "all": Registration.status.in_(("confirmed", "waitlisted", "pending")),
            "confirmed": confirmed,
            "waitlisted": Registration.status == "waitlisted",
            "checked_in": confirmed & Registration.checked_in_at.is_not(None),
            "no_show": confirmed & Registration.checked_in_at.is_(None),
        }[audience]
    )
    return list(db.session.execute(stmt.order_by(Registration.id)).scalars())


@dataclass
class Recipient:
    user: User
    registration: Registration


def recipients(event: Event, audience: str, *, promotional: bool) -> list[Recipient]:
    """Active members of the audience's enterprises; a promotional message leaves out those
    who turned their digests off."""
    regs = {r.enterprise_id: r for r in audience_registrations(event, audience)}
    if not regs:
        return []
    stmt = (
        db.select(User)
        .where(User.enterprise_id.in_(regs), User.active.is_(True))
        .order_by(User.enterprise_id, User.id)
    )
    if promotional:
        off = db.select(DigestPreference.user_id).where(DigestPreference.frequency == "off")
        stmt = stmt.where(User.id.not_in(off))
    return [Recipient(u, regs[u.enterprise_id]) for u in db.session.execute(stmt).scalars()]


def _clean(subject: str, body: str) -> tuple[str, str]:
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject:
        raise ServiceError(_("请填写邮件主题。"), field="subject")
    if not body:
        raise ServiceError(_("请填写邮件正文。"), field="body")
    if len(subject) > MAX_SUBJECT or len(body) > MAX_BODY:
        raise ServiceError(_("主题或正文过长。"), field="body")
    return subject, body


def message_key(event: Event, audience: str, subject: str, body: str) -> str:
    """The same message to the same audience is one message: sending it twice sends once."""
    digest = hashlib.sha256(f"{audience}\n{subject}\n{body}".encode()).hexdigest()[:16]
    return f"event-message:{event.id}:{digest}"


def render_message(event: Event, user: User, subject: str, body: str) -> tuple[str, str]:
    """(subject, text) as ``user`` reads them: the organizer's words framed in their language."""
    with in_recipients_language(user) as lang:
        text = render_template(
            "events/mail/message.txt",
            event=event,
            user=user,
            body=body,
            lang=lang,
            link=external_url("events.detail", event_id=event.id),
        )
        framed = _("【%(event)s】%(subject)s", event=event.title, subject=subject)
    return framed[:255], text


def send_message(
    event: Event, *, audience: str, subject: str, body: str, promotional: bool, sender
) -> int:
    """Queue the message for every recipient (once per recipient); returns how many."""
    subject, body = _clean(subject, body)
    key = message_key(event, audience, subject, body)
    people = recipients(event, audience, promotional=promotional)
    for person in people:
        framed, text = render_message(event, person.user, subject, body)
        queue_mail(
            key=f"{key}:user:{person.user.id}",
            purpose="event_message",
            to=person.user.email,
            subject=framed,
            text=text,
            user=person.user,
        )
    notify(
        [p.user for p in people],
        kind="event_message",
        key=key,
        params={"event": event.title, "subject": subject},
        endpoint="events.detail",
        values={"event_id": event.id},
        mail=False,
    )
    audit.record(
        sender,
        "event.message",
        event,
        note=f"{AUDIENCES[audience]} · {len(people)} · {subject}",
    )
    return len(people)
