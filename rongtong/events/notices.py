"""Who hears of what happens to registrations and meetings: entries in the notification
centre (and a mail where no other mail says it already). Never commits.

Each hook in ``registrations``/``meetings`` is one call here, so that the rules of who is
told, with which words, stay in one place.
"""

from __future__ import annotations

import hashlib

from ..accounts.models import User
from ..core.time import to_local, utcnow
from ..extensions import db
from ..notifications.services import notify
from .models import Event, Meeting, MeetingRequest, Registration


def members_of(enterprise_id: int | None) -> list[User]:
    """The enterprise's active members, who are the ones a notice concerns."""
    if enterprise_id is None:
        return []
    return list(
        db.session.execute(
            db.select(User)
            .where(User.enterprise_id == enterprise_id, User.active.is_(True))
            .order_by(User.id)
        ).scalars()
    )


def _event_link(event: Event) -> dict:
    return {"endpoint": "events.detail", "values": {"event_id": event.id}}


def registration_decided(reg: Registration, what: str) -> None:
    """A place confirmed (at once, on approval, or from the waiting list): an entry; the
    registration mail with the check-in code is already queued."""
    if what not in ("confirmed", "promoted"):
        return
    event = reg.event
    notify(
        members_of(reg.enterprise_id),
        kind="registration_confirmed",
        key=f"registration:{reg.id}:{what}:{reg.decided_at:%Y%m%d%H%M%S%f}",
        params={"event": event.title},
        mail=False,
        **_event_link(event),
    )


def registration_cancelled(reg: Registration, by) -> None:
    """Someone other than the enterprise itself (an organizer) cancelled its place."""
    if by is None or by.enterprise_id == reg.enterprise_id:
        return
    event = reg.event
    notify(
        members_of(reg.enterprise_id),
        kind="registration_cancelled",
        key=f"registration:{reg.id}:cancelled:{reg.decided_at:%Y%m%d%H%M%S%f}",
        params={"event": event.title},
        **_event_link(event),
    )


def _meetings_link(event: Event) -> dict:
    return {"endpoint": "events.meetings", "values": {"event_id": event.id}}


def request_received(rq: MeetingRequest) -> None:
    """An entry for the recipient (its mail is queued by ``request_meeting``)."""
    event = db.session.get(Event, rq.event_id)
    notify(
        members_of(rq.recipient.enterprise_id),
        kind="meeting_request_received",
        key=f"meeting-request:{rq.id}:received",
        params={
            "name": rq.requester.enterprise.name,
            "event": event.title,
            "message": rq.message,
        },
        mail=False,
        **_meetings_link(event),
    )


def request_answered(rq: MeetingRequest) -> None:
    """The requester hears whether the other side accepted, with the request's message."""
    if rq.status not in ("accepted", "declined"):
        return
    event = db.session.get(Event, rq.event_id)
    notify(
        members_of(rq.requester.enterprise_id),
        kind=f"meeting_request_{rq.status}",
        key=f"meeting-request:{rq.id}:{rq.status}",
        params={
            "name": rq.recipient.enterprise.name,
            "event": event.title,
            "message": rq.message,
        },
        **_meetings_link(event),
    )


def schedule_published(event: Event) -> None:
    """Everyone with a confirmed place hears that the agenda is out, once per agenda.

    The notice is keyed by the enterprise's own meetings (when, where, with whom): running
    the scheduler again tells those whose agenda changed, not everyone again.
    """
    registrations = db.session.execute(
        db.select(Registration).where(
            Registration.event_id == event.id, Registration.status == "confirmed"
        )
    ).scalars()
    meetings = db.session.execute(db.select(Meeting).where(Meeting.event_id == event.id)).scalars()
    agendas: dict[int, list] = {}
    for meeting in meetings:
        for side, other in ((meeting.a, meeting.b), (meeting.b, meeting.a)):
            entry = (meeting.slot.starts_at.isoformat(), meeting.table.name, other.enterprise_id)
            agendas.setdefault(side.enterprise_id, []).append(entry)
    for registration in registrations:
        agenda = sorted(agendas.get(registration.enterprise_id, []))
        fingerprint = hashlib.sha256(repr(agenda).encode()).hexdigest()[:16]
        notify(
            members_of(registration.enterprise_id),
            kind="schedule_published",
            key=f"schedule:{event.id}:{registration.enterprise_id}:{fingerprint}",
            params={"event": event.title},
            endpoint="events.agenda",
            values={"event_id": event.id},
        )


def meeting_moved(meeting: Meeting) -> None:
    """Both sides hear of the new time and table, each naming the other."""
    event = db.session.get(Event, meeting.event_id)
    when = to_local(meeting.slot.starts_at, event.timezone).strftime("%Y-%m-%d %H:%M")
    for side, other in ((meeting.a, meeting.b), (meeting.b, meeting.a)):
        notify(
            members_of(side.enterprise_id),
            kind="meeting_moved",
            key=f"meeting:{meeting.id}:moved:{utcnow():%Y%m%d%H%M%S%f}",
            params={
                "event": event.title,
                "name": other.enterprise.name,
                "when": f"{when} {meeting.table.name}",
            },
            endpoint="events.agenda",
            values={"event_id": event.id},
        )
