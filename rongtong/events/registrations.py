"""Registration: the waiting list, approval, cancellation and check-in."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..core.services import ServiceError
from ..core.time import utcnow
from ..enterprises.models import Enterprise
from ..extensions import db
from ..mail.services import external_url, queue_mail
from . import notices
from .lifecycle import check_checkin_window, check_registration_window
from .models import (
    Event,
    Meeting,
    MeetingRequest,
    Registration,
)

# --- registration -------------------------------------------------------------------------

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        taken = db.session.execute(
            db.select(Registration.id).where(Registration.code == code)
        ).first()
        if taken is None:
            return code


def _lock_event(event: Event) -> Event:
    """Serialise capacity decisions on PostgreSQL (SQLite serialises writers anyway)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(db.select(Event.id).where(Event.id == event.id).with_for_update())
    return event


def confirmed_count(event: Event) -> int:
    return db.session.execute(
        db.select(db.func.count(Registration.id)).where(
            Registration.event_id == event.id, Registration.status == "confirmed"
        )
    ).scalar_one()


def _has_room(event: Event) -> bool:
    return not event.capacity or confirmed_count(event) < event.capacity


def registration_for(event: Event, enterprise_id: int | None) -> Registration | None:
    if enterprise_id is None:
        return None
    return db.session.execute(
        db.select(Registration).where(
            Registration.event_id == event.id, Registration.enterprise_id == enterprise_id
        )
    ).scalar_one_or_none()


def _recipients(enterprise: Enterprise) -> list[tuple[str, User | None]]:
    users = db.session.execute(
        db.select(User).where(User.enterprise_id == enterprise.id, User.active.is_(True))
    ).scalars()
    found = [(u.email, u) for u in users]
    if not found and enterprise.contact_email:
        found = [(enterprise.contact_email, None)]
    return found


def _event_url(event: Event) -> str:
    """The event's page on PUBLIC_URL: mail goes to other firms, so never the request's Host."""
    return external_url("events.detail", event_id=event.id)


# --- enterprises not yet verified ---------------------------------------------------------
#
# An unverified enterprise is anyone who filled in a form. It may register (the event is
# where many meet the organizers first), but the registration waits for an organizer's
# approval rather than being refused: the organizer sees the firm and decides. Until an
# organizer verifies it, it may not send meeting requests (mail to other firms in the
# platform's name) nor write outcomes into the programme's ledger. Answering a request another
# firm sent it is allowed: that firm chose to meet it.


def is_verified(enterprise: Enterprise | None) -> bool:
    return enterprise is not None and enterprise.verified


def unverified_notice() -> str:
    """What the event pages tell an unverified enterprise, and why."""
    return _(
        "贵单位尚未通过主办方认证：报名须经主办方审核；认证前不能发出洽谈邀约，"
        "也不能记录洽谈成果。认证由主办方核对企业信息后完成。"
    )


def require_verified(enterprise: Enterprise | None, what: str) -> None:
    """Refuse ``what`` ("request" or "outcome") to an enterprise not yet verified."""
    if is_verified(enterprise):
        return
    messages = {
        "request": _("贵单位尚未通过认证，暂不能发出洽谈邀约。"),
        "outcome": _("贵单位尚未通过认证，暂不能记录洽谈成果。"),
    }
    raise ServiceError(messages[what], code="unverified", status=403)


def _notify_registration(reg: Registration, what: str) -> None:
    event = reg.event
    subjects = {
        "confirmed": _("报名成功：%(title)s", title=event.title),
        "waitlisted": _("已进入候补名单：%(title)s", title=event.title),
        "pending": _("报名待审核：%(title)s", title=event.title),
        "promoted": _("候补转正：%(title)s", title=event.title),
        "rejected": _("报名未通过：%(title)s", title=event.title),
    }
    start = event.local_start
    text = "\n".join(
        [
            subjects[what],
            _("时间：%(time)s", time=start.strftime("%Y-%m-%d %H:%M")),
            _("地点：%(venue)s", venue=event.venue or event.online_url),
            _("签到码：%(code)s", code=reg.code) if what in ("confirmed", "promoted") else "",
            _event_url(event),
        ]
    )
    stamp = reg.decided_at or reg.requested_at
    for email, user in _recipients(reg.enterprise):
        queue_mail(
            key=f"event:{event.id}:registration:{reg.id}:{what}:{stamp:%Y%m%d%H%M%S}:{email}",
            purpose="event_registration",
            to=email,
            subject=subjects[what],
            text=text,
            user=user,
        )
    notices.registration_decided(reg, what)


def registration_refusal(event: Event, now: datetime | None = None) -> str | None:
    """Why the event takes no registration now (for its page), or None."""
    try:
        check_registration_window(event, now)
    except ServiceError as exc:
        return str(exc.message)
    return None


def register(
    event: Event, enterprise: Enterprise, user=None, listings=(), *, now: datetime | None = None
) -> Registration:
    """Register an enterprise: confirmed, waitlisted when full, or pending approval (always
    for an enterprise not yet verified)."""
    if enterprise is None:
        raise ServiceError(_("只有企业成员可以报名。"), status=403, code="forbidden")
    check_registration_window(event, now)
    listings = list(listings)
    for listing in listings:
        if listing.enterprise_id != enterprise.id or listing.status != "published":
            raise ServiceError(_("只能带上本单位已发布的条目。"), field="listings")
    _lock_event(event)
    reg = registration_for(event, enterprise.id)
    if reg is not None and reg.status not in ("cancelled", "rejected"):
        raise ServiceError(_("本单位已报名该活动。"), code="already_registered", status=409)
    if reg is None:
        code = _new_code()
        reg = Registration(event_id=event.id, enterprise_id=enterprise.id, code=code)
        db.session.add(reg)
    reg.user_id = getattr(user, "id", None)
    reg.listings = listings
    reg.requested_at = utcnow()
    reg.decided_at = None
    reg.checked_in_at = None
    if event.requires_approval or not is_verified(enterprise):
        reg.status = "pending"
    else:
        reg.status = "confirmed" if _has_room(event) else "waitlisted"
        reg.decided_at = utcnow()
    db.session.add(reg)
    db.session.flush()
    _notify_registration(reg, reg.status)
    return reg


def approve(reg: Registration) -> Registration:
    """Organizer approval: confirmed if there is room, else onto the waiting list."""
    if reg.status != "pending":
        raise ServiceError(_("只有待审核的报名可以通过。"), code="bad_state", status=409)
    _lock_event(reg.event)
    reg.status = "confirmed" if _has_room(reg.event) else "waitlisted"
    reg.decided_at = utcnow()
    db.session.flush()
    _notify_registration(reg, reg.status)
    return reg


def reject(reg: Registration) -> Registration:
    if reg.status not in ("pending", "waitlisted"):
        raise ServiceError(_("只有待审核或候补的报名可以驳回。"), code="bad_state", status=409)
    reg.status = "rejected"
    reg.decided_at = utcnow()
    db.session.flush()
    _notify_registration(reg, "rejected")
    return reg


def promote_waitlist(event: Event) -> list[Registration]:
    """Fill free places from the waiting list, first come first served."""
    _lock_event(event)
    promoted = []
    while _has_room(event):
        nxt = db.session.execute(
            db.select(Registration)
            .where(Registration.event_id == event.id, Registration.status == "waitlisted")
            .order_by(Registration.requested_at, Registration.id)
            .limit(1)
        ).scalar_one_or_none()
        if nxt is None:
            break
        nxt.status = "confirmed"
        nxt.decided_at = utcnow()
        db.session.flush()
        _notify_registration(nxt, "promoted")
        promoted.append(nxt)
    return promoted


def cancel_registration(reg: Registration, *, by=None) -> list[Registration]:
    """Cancel a registration; its place goes to the waiting list. Returns who moved up.

    ``by``: who cancels; the enterprise's members are told when it is not one of them."""
    if reg.status in ("cancelled", "rejected"):
        raise ServiceError(_("该报名已取消。"), code="bad_state", status=409)
    was_confirmed = reg.status == "confirmed"
    reg.status = "cancelled"
    reg.decided_at = utcnow()
    reg.checked_in_at = None
    # Their pending requests lapse and their meetings free the slots.
    for rq in db.session.execute(
        db.select(MeetingRequest).where(
            MeetingRequest.status.in_(("pending", "accepted")),
            db.or_(MeetingRequest.requester_id == reg.id, MeetingRequest.recipient_id == reg.id),
        )
    ).scalars():
        rq.status = "withdrawn"
    db.session.execute(
        db.delete(Meeting).where(db.or_(Meeting.a_id == reg.id, Meeting.b_id == reg.id))
    )
    db.session.flush()
    notices.registration_cancelled(reg, by)
    return promote_waitlist(reg.event) if was_confirmed else []


def check_in(reg: Registration, *, undo: bool = False, now: datetime | None = None) -> Registration:
    """Check in at the door (from a little before the start to the end), or undo it."""
    if reg.status != "confirmed":
        raise ServiceError(_("只有报名成功的单位可以签到。"), code="bad_state", status=409)
    if not undo:
        check_checkin_window(reg.event, now)
    reg.checked_in_at = None if undo else (reg.checked_in_at or now or utcnow())
    db.session.flush()
    return reg


def check_in_by_code(event: Event, code: str, *, now: datetime | None = None) -> Registration:
    code = (code or "").strip().upper()
    reg = db.session.execute(
        db.select(Registration).where(Registration.event_id == event.id, Registration.code == code)
    ).scalar_one_or_none()
    if reg is None:
        raise ServiceError(_("签到码不存在。"), field="code", code="not_found", status=404)
    return check_in(reg, now=now)


def registrations(event: Event, statuses=None) -> list[Registration]:
    stmt = (
        db.select(Registration)
        .where(Registration.event_id == event.id)
        .options(selectinload(Registration.listings))
        .order_by(Registration.requested_at, Registration.id)
    )
    if statuses:
        stmt = stmt.where(Registration.status.in_(statuses))
    return db.session.execute(stmt).unique().scalars().all()
