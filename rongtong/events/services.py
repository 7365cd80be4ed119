"""Events themselves: create and edit within the plan, their status, who sees them.

Sub-features live beside this module: ``programme`` (settings, caps, year plan,
dashboard), ``registrations``, ``invitations`` and ``meetings``. Plain functions; flush,
never commit."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _

from ..core.services import ServiceError
from ..core.time import to_utc, year_bounds
from ..extensions import db
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
)  # fmt: skip


def save_event(event: Event, data: dict, user=None) -> list[str]:
    """Apply ``data`` (times as naive local wall-clock in ``timezone``, or aware) and check
    the rules. Returns warnings; raises ServiceError for what is refused."""
    for key in EVENT_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if key in ("starts_at", "ends_at") and value is not None:
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
    for key in ("capacity", "budget"):
        if (getattr(event, key) or 0) < 0:
            raise ServiceError(_("不能为负数。"), field=key)
    if event.id is None:
        event.created_by_id = getattr(user, "id", None)
    check_budget(event)
    db.session.add(event)
    db.session.flush()
    return plan_warnings(event)


#: Moves organizers may make; cancelling is possible until the event is held.
TRANSITIONS = {
    "planned": {"open", "cancelled"},
    "open": {"closed", "planned", "cancelled"},
    "closed": {"open", "held", "cancelled"},
    "held": set(),
    "cancelled": {"planned"},
}


def set_status(event: Event, status: str) -> None:
    if status not in EVENT_STATUSES:
        raise ServiceError(_("未知的状态。"), field="status")
    if status == event.status:
        return
    if status not in TRANSITIONS[event.status]:
        raise ServiceError(
            _("活动不能从“%(a)s”改为“%(b)s”。", a=event.status, b=status),
            field="status",
            code="bad_state",
            status=409,
        )
    if event.status == "cancelled":
        event.status = status
        check_budget(event)  # a revived event counts against the cap again
    event.status = status
    db.session.flush()


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
