"""Events themselves: create and edit within the plan, their status, who sees them.

Sub-features live beside this module: ``programme`` (settings, caps, year plan,
dashboard), ``registrations``, ``invitations`` and ``meetings``. Plain functions; flush,
never commit."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _

from ..core.services import ServiceError
from ..core.time import to_utc, utcnow, year_bounds
from ..extensions import db
from .lifecycle import clock_status
from .models import (
    EVENT_KINDS,
    EVENT_STATUSES,
    Event,
)
from .programme import check_budget, plan_warnings

# --- events and the plan ------------------------------------------------------------------

EVENT_FIELDS = (
    "title", "kind", "chain", "theme", "starts_at", "ends_at", "timezone", "venue",
    "online_url", "capacity", "budget", "organiser", "description", "requires_approval",
    "slot_minutes", "break_minutes", "meetings_per_person", "request_ttl_hours",
    "registration_opens_at", "registration_closes_at",
)  # fmt: skip


TIME_FIELDS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")


def save_event(event: Event, data: dict, user=None) -> list[str]:
    """Apply ``data`` (times as naive local wall-clock in ``timezone``, or aware) and check
    the rules. Returns warnings; raises ServiceError for what is refused."""
    for key in EVENT_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if key in TIME_FIELDS and value is not None:
            tz = data.get("timezone") or event.timezone or current_app.config["TIMEZONE"]
            value = to_utc(value, tz)
        if key == "chain":
            event.chain = value
            continue
        if key == "theme":
            event.theme = value
            continue
        setattr(event, key, value)
    event.timezone = event.timezone or current_app.config["TIMEZONE"]
    try:
        ZoneInfo(event.timezone)
    except (KeyError, ValueError) as exc:
        raise ServiceError(_("未知的时区。"), field="timezone") from exc
    if event.kind not in EVENT_KINDS:
        raise ServiceError(_("活动类型应为路演或专项对接。"), field="kind")
    if not (event.title or "").strip():
        raise ServiceError(_("请填写活动名称。"), field="title")
    if event.kind == "roadshow" and event.chain is None:
        raise ServiceError(_("一月一链路演须选择产业链。"), field="chain")
    if event.kind == "matchmaking" and event.theme is None:
        raise ServiceError(_("专项供需对接须选择对接类别作为主题。"), field="theme")
    if event.starts_at is None or event.ends_at is None:
        raise ServiceError(_("请填写开始和结束时间。"), field="starts_at")
    if event.ends_at <= event.starts_at:
        raise ServiceError(_("结束时间须晚于开始时间。"), field="ends_at")
    if event.registration_closes_at is not None and event.registration_closes_at > event.ends_at:
        raise ServiceError(_("报名截止时间不能晚于活动结束。"), field="registration_closes_at")
    if (
        event.registration_opens_at is not None
        and event.registration_opens_at >= event.registration_closes
    ):
        raise ServiceError(_("报名开放时间须早于报名截止时间。"), field="registration_opens_at")
    for key in ("capacity", "budget"):
        if (getattr(event, key) or 0) < 0:
            raise ServiceError(_("不能为负数。"), field=key)
    if event.id is None:
        event.created_by_id = getattr(user, "id", None)
    check_budget(event)
    db.session.add(event)
    db.session.flush()
    return plan_warnings(event)


#: Moves organizers may make by hand; the clock makes its own (``lifecycle``). Since the
#: clock marks an event held when it ends, an organizer who knows it did not take place can
#: still cancel it.
TRANSITIONS = {
    "planned": {"open", "cancelled"},
    "open": {"closed", "planned", "cancelled"},
    "closed": {"open", "held", "cancelled"},
    "held": {"cancelled"},
    "cancelled": {"planned"},
}


def needs_reason(event: Event, status: str, now: datetime | None = None) -> bool:
    """A move the clock would not make now is an override: it needs a reason. Opening a
    planned event by hand before registration closes is the ordinary way to open it."""
    now = now or utcnow()
    if event.status == "planned" and status == "open" and now < event.registration_closes:
        return False
    return status != clock_status(event, now)


def set_status(
    event: Event, status: str, *, reason: str = "", user=None, now: datetime | None = None
) -> None:
    """An organizer's move, recorded (when, who, why) so that the clock never undoes it."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if status not in EVENT_STATUSES:
        raise ServiceError(_("未知的状态。"), field="status")
    if status == event.status:
        return
    if status not in TRANSITIONS[event.status]:
        raise ServiceError(
            _("活动不能从“%(a)s”改为“%(b)s”。", a=status_label(event.status),
              b=status_label(status)),
            field="status",
            code="bad_state",
            status=409,
        )  # fmt: skip
    if len(reason) > 500:
        raise ServiceError(_("原因不能超过 500 字。"), field="status_reason")
    if not reason and needs_reason(event, status, now):
        raise ServiceError(
            _("改为“%(b)s”与活动时间安排不一致，请填写原因。", b=status_label(status)),
            field="status_reason",
            code="reason_required",
        )
    if event.status == "cancelled":
        event.status = status
        check_budget(event)  # a revived event counts against the cap again
    event.status = status
    event.status_set_at = now
    event.status_set_by_id = getattr(user, "id", None)
    event.status_reason = reason
    db.session.flush()


def status_label(status: str) -> str:
    return {
        "planned": _("计划中"),
        "open": _("报名中"),
        "closed": _("报名截止"),
        "held": _("已举办"),
        "cancelled": _("已取消"),
    }[status]


def visible_events(user, year: int | None = None):
    """Events a user may see: all for organizers; others see those not planned-only drafts
    of cancelled status."""
    stmt = db.select(Event).order_by(Event.starts_at)
    if year is not None:
        start, end = year_bounds(year, current_app.config["TIMEZONE"])
        stmt = stmt.where(Event.starts_at >= start, Event.starts_at < end)
    if not (user is not None and user.is_authenticated and user.is_organizer):
        stmt = stmt.where(Event.status != "cancelled")
    return db.session.execute(stmt).scalars().all()


def can_view_event(user, event: Event) -> bool:
    if event.status != "cancelled":
        return True
    return user is not None and user.is_authenticated and user.is_organizer
