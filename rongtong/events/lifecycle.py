"""The clock's part in an event's life, and the windows the services check against it.

An event moves forward by the clock: registration opens (at ``registration_opens_at``, when
set; otherwise an organizer opens it by hand), closes (at ``registration_closes_at``, default
the start) and the event is held when it ends. The job ``advance_events`` runs every few
minutes and once when the scheduler starts, so that an event the platform slept through (the
seed's past events included) catches up in one run.

The clock moves an event only forward (planned → open → closed → held), never touches a
cancelled one, and counts only the moments after an organizer's last decision by hand
(``Event.status_set_at``): an organizer who reopens registration after it closed keeps it
open until the event ends, and one who pulls an event back is not overruled by a moment that
had already passed.

The services check the windows against the clock itself rather than the status, which the
job may bring up to date a few minutes late. Plain functions; flush, never commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _

from ..core.services import ServiceError
from ..core.time import to_local, utcnow
from ..extensions import db
from .models import Event

#: The order of the statuses the clock moves through; cancelled is outside it.
RANK = {"planned": 0, "open": 1, "closed": 2, "held": 3}


def _passed(moment: datetime | None, now: datetime, since: datetime | None) -> bool:
    return moment is not None and moment <= now and (since is None or moment > since)


def clock_status(event: Event, now: datetime, *, since: datetime | None = None) -> str | None:
    """The status the clock gives ``event`` at ``now``, counting only the moments after
    ``since``; None when the clock changes nothing."""
    if event.status not in RANK:
        return None
    if _passed(event.ends_at, now, since):
        target = "held"
    elif event.status == "open" and _passed(event.registration_closes, now, since):
        target = "closed"
    elif (
        event.status == "planned"
        and _passed(event.registration_opens_at, now, since)
        and now < event.registration_closes
    ):
        target = "open"
    else:
        return None
    return target if RANK[target] > RANK[event.status] else None


def advance_events(now: datetime | None = None) -> list[tuple[Event, str, str]]:
    """Bring every event in line with the clock; returns (event, from, to) for each move."""
    now = now or utcnow()
    candidates = db.session.execute(
        db.select(Event)
        .where(
            Event.status.in_(("planned", "open", "closed")),
            db.or_(
                Event.ends_at <= now,
                Event.starts_at <= now,
                Event.registration_opens_at <= now,
                Event.registration_closes_at <= now,
            ),
        )
        .order_by(Event.starts_at, Event.id)
    ).scalars()
    moved = []
    for event in candidates:
        target = clock_status(event, now, since=event.status_set_at)
        if target is None:
            continue
        moved.append((event, event.status, target))
        event.status = target
        # The organizer's reason explained the status they set, not this one.
        event.status_reason = ""
    db.session.flush()
    return moved


# --- windows ------------------------------------------------------------------------------


def _at(moment: datetime, event: Event) -> str:
    return to_local(moment, event.timezone).strftime("%Y-%m-%d %H:%M")


def check_registration_window(event: Event, now: datetime | None = None) -> None:
    """Refuse a registration outside the event's registration window."""
    now = now or utcnow()
    if event.status == "cancelled":
        raise ServiceError(_("活动已取消。"), code="cancelled", status=409)
    if event.status in ("held",) or now >= event.ends_at:
        raise ServiceError(_("活动已结束，不再接受报名。"), code="registration_closed", status=409)
    if event.status == "planned":
        if event.registration_opens_at is not None and event.registration_opens_at > now:
            raise ServiceError(
                _("报名将于 %(time)s 开始。", time=_at(event.registration_opens_at, event)),
                code="not_open",
                status=409,
            )
        raise ServiceError(_("该活动尚未开放报名。"), code="not_open", status=409)
    closes = event.registration_closes
    reopened = event.status_set_at is not None and event.status_set_at >= closes
    if event.status == "closed" or (now >= closes and not reopened):
        raise ServiceError(
            _("报名已于 %(time)s 截止。", time=_at(closes, event)),
            code="registration_closed",
            status=409,
        )


def checkin_opens(event: Event) -> datetime:
    hours = float(current_app.config.get("EVENT_CHECKIN_HOURS_BEFORE", 2))
    return event.starts_at - timedelta(hours=hours)


def check_checkin_window(event: Event, now: datetime | None = None) -> None:
    """Check-in is open from a little before the start (config) until the end."""
    now = now or utcnow()
    opens = checkin_opens(event)
    if now < opens:
        raise ServiceError(
            _("签到将于 %(time)s 开始。", time=_at(opens, event)),
            code="checkin_not_open",
            status=409,
        )
    if now >= event.ends_at:
        raise ServiceError(_("活动已结束，不能再签到。"), code="checkin_closed", status=409)


def check_request_window(event: Event, now: datetime | None = None) -> None:
    """Meeting requests are taken until the event ends."""
    now = now or utcnow()
    if event.status == "cancelled":
        raise ServiceError(_("活动已取消。"), code="cancelled", status=409)
    if event.status == "held" or now >= event.ends_at:
        raise ServiceError(_("活动已结束，不能再发出洽谈邀约。"), code="event_over", status=409)


def request_expiry(event: Event, now: datetime | None = None) -> datetime:
    """A request lapses after the event's TTL, and never after the event ends."""
    now = now or utcnow()
    return min(now + timedelta(hours=event.request_ttl_hours), event.ends_at)
