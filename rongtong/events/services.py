"""Events: planning within caps, registration and waiting list, invitations by match,
meeting requests, the scheduler's data, outcomes. Plain functions; flush, never commit."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import User
from ..core.services import ServiceError
from ..core.time import utcnow
from ..enterprises.models import Enterprise
from ..extensions import db
from ..listings.models import Listing
from ..mail.services import queue_mail
from ..matches.services import reason_dicts, taxonomy_labels
from ..outcomes.models import Outcome
from ..outcomes.services import record_outcome
from ..taxonomy.models import Chain
from . import meeting_scheduler as ms
from .models import (
    EVENT_KINDS,
    EVENT_STATUSES,
    Event,
    Invitation,
    Meeting,
    MeetingRequest,
    MeetingSlot,
    MeetingTable,
    ProgrammeSetting,
    Registration,
    Unavailability,
)

# --- settings -----------------------------------------------------------------------------

#: Setting key → (config key holding the default, label).
SETTINGS = {
    "roadshow_budget_cap": ("PROGRAMME_ROADSHOW_BUDGET_CAP", "一月一链路演年度预算上限（元）"),
    "matchmaking_budget_cap": (
        "PROGRAMME_MATCHMAKING_BUDGET_CAP",
        "专项供需对接年度预算上限（元）",
    ),
    "matchmaking_target": ("PROGRAMME_MATCHMAKING_TARGET", "专项供需对接年度场次目标"),
    "roadshow_target": ("PROGRAMME_ROADSHOW_TARGET", "路演年度场次目标"),
}
CAP_KEY = {"roadshow": "roadshow_budget_cap", "matchmaking": "matchmaking_budget_cap"}


def get_setting(key: str) -> int:
    """A programme target or cap: the admins' value, else the configured default."""
    row = db.session.get(ProgrammeSetting, key)
    if row is not None:
        return int(row.value)
    return int(current_app.config[SETTINGS[key][0]])


def all_settings() -> dict[str, int]:
    return {key: get_setting(key) for key in SETTINGS}


def set_setting(key: str, value: int, user=None) -> ProgrammeSetting:
    if key not in SETTINGS:
        raise ServiceError(f"unknown setting {key}", field="key")
    if value is None or value < 0 or value > 10**12:
        raise ServiceError(_("请输入 0 到 1 万亿之间的整数。"), field=key)
    row = db.session.get(ProgrammeSetting, key) or ProgrammeSetting(key=key)
    row.value = int(value)
    row.updated_by_id = getattr(user, "id", None)
    db.session.add(row)
    db.session.flush()
    return row


# --- time ---------------------------------------------------------------------------------


def to_utc(local: datetime, tz: str) -> datetime:
    """A wall-clock time in ``tz`` as the naive UTC the database holds."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(tz))
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def to_local(utc: datetime, tz: str) -> datetime:
    """Naive UTC to an aware datetime in ``tz``."""
    return utc.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(tz))


def local_start(event: Event) -> datetime:
    return to_local(event.starts_at, event.timezone)


def year_bounds(year: int, tz: str) -> tuple[datetime, datetime]:
    """The UTC instants at which ``year`` starts and ends in ``tz``."""
    return to_utc(datetime(year, 1, 1), tz), to_utc(datetime(year + 1, 1, 1), tz)


def money_text(value: int) -> str:
    return f"¥{value:,}"


# --- events and the plan ------------------------------------------------------------------

EVENT_FIELDS = (
    "title", "kind", "chain", "theme", "starts_at", "ends_at", "timezone", "venue",
    "online_url", "capacity", "budget", "organiser", "description", "requires_approval",
    "slot_minutes", "break_minutes", "meetings_per_person", "request_ttl_hours",
)  # fmt: skip


def _programme_events(kind: str, year: int, tz: str, exclude_id: int | None = None):
    start, end = year_bounds(year, tz)
    stmt = db.select(Event).where(
        Event.kind == kind,
        Event.status != "cancelled",
        Event.starts_at >= start,
        Event.starts_at < end,
    )
    if exclude_id is not None:
        stmt = stmt.where(Event.id != exclude_id)
    return db.session.execute(stmt.order_by(Event.starts_at)).scalars().all()


def check_budget(event: Event) -> None:
    """Refuse a budget that would take the event's programme over its yearly cap."""
    if event.status == "cancelled":
        return
    year = local_start(event).year
    others = _programme_events(event.kind, year, event.timezone, exclude_id=event.id)
    used = sum(e.budget for e in others)
    cap = get_setting(CAP_KEY[event.kind])
    over = used + event.budget - cap
    if over > 0:
        raise ServiceError(
            _(
                "超出%(year)d年%(programme)s预算上限 %(over)s：上限 %(cap)s，已安排 %(used)s，"
                "本场 %(budget)s。",
                year=year,
                programme=_("一月一链路演") if event.kind == "roadshow" else _("专项供需对接"),
                over=money_text(over),
                cap=money_text(cap),
                used=money_text(used),
                budget=money_text(event.budget),
            ),
            field="budget",
            code="over_cap",
        )


def plan_warnings(event: Event) -> list[str]:
    """What is allowed but worth a second look: two roadshows in a month, a chain twice."""
    if event.kind != "roadshow" or event.status == "cancelled":
        return []
    start = local_start(event)
    warnings = []
    for other in _programme_events("roadshow", start.year, event.timezone, exclude_id=event.id):
        other_start = local_start(other)
        if other_start.month == start.month:
            warnings.append(
                _("%(month)d月已有路演“%(title)s”。", month=start.month, title=other.title)
            )
        if event.chain_id is not None and other.chain_id == event.chain_id:
            warnings.append(
                _(
                    "%(chain)s产业链本年已有路演“%(title)s”（%(month)d月）。",
                    chain=event.chain.label if event.chain else "",
                    title=other.title,
                    month=other_start.month,
                )
            )
    return warnings


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


@dataclass
class MonthPlan:
    month: int
    roadshows: list = field(default_factory=list)
    matchmaking: list = field(default_factory=list)


@dataclass
class Programme:
    kind: str
    count: int
    target: int
    cap: int
    spent: int
    planned: int

    @property
    def remaining(self) -> int:
        return self.cap - self.spent - self.planned


@dataclass
class YearPlan:
    year: int
    months: list[MonthPlan]
    roadshow: Programme
    matchmaking: Programme
    warnings: list[str]
    cancelled: list


def year_plan(year: int) -> YearPlan:
    """Twelve months with their events; counts, targets and budgets per programme."""
    tz = current_app.config["TIMEZONE"]
    start, end = year_bounds(year, tz)
    events = (
        db.session.execute(
            db.select(Event)
            .where(Event.starts_at >= start, Event.starts_at < end)
            .order_by(Event.starts_at)
        )
        .scalars()
        .all()
    )
    months = [MonthPlan(m) for m in range(1, 13)]
    programmes = {}
    live = [e for e in events if e.status != "cancelled"]
    for e in live:
        bucket = months[local_start(e).month - 1]
        (bucket.roadshows if e.kind == "roadshow" else bucket.matchmaking).append(e)
    for kind in EVENT_KINDS:
        mine = [e for e in live if e.kind == kind]
        programmes[kind] = Programme(
            kind=kind,
            count=len(mine),
            target=get_setting("roadshow_target" if kind == "roadshow" else "matchmaking_target"),
            cap=get_setting(CAP_KEY[kind]),
            spent=sum(e.budget for e in mine if e.status == "held"),
            planned=sum(e.budget for e in mine if e.status != "held"),
        )
    warnings = []
    chains: dict[int, list[Event]] = defaultdict(list)
    for m in months:
        if not m.roadshows:
            warnings.append(_("%(month)d月还没有路演。", month=m.month))
        elif len(m.roadshows) > 1:
            warnings.append(_("%(month)d月有 %(n)d 场路演。", month=m.month, n=len(m.roadshows)))
        for e in m.roadshows:
            if e.chain_id:
                chains[e.chain_id].append(e)
    for group in chains.values():
        if len(group) > 1:
            warnings.append(
                _("%(chain)s产业链本年有 %(n)d 场路演。", chain=group[0].chain.label, n=len(group))
            )
    mm = programmes["matchmaking"]
    if mm.count < mm.target:
        warnings.append(
            _("专项供需对接 %(n)d 场，距年度目标 %(target)d 场还差 %(gap)d 场。",
              n=mm.count, target=mm.target, gap=mm.target - mm.count)
        )  # fmt: skip
    return YearPlan(
        year=year,
        months=months,
        roadshow=programmes["roadshow"],
        matchmaking=programmes["matchmaking"],
        warnings=warnings,
        cancelled=[e for e in events if e.status == "cancelled"],
    )


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
    try:
        return url_for("events.detail", event_id=event.id, _external=True)
    except RuntimeError:
        return f"/events/{event.id}"


def _notify_registration(reg: Registration, what: str) -> None:
    event = reg.event
    subjects = {
        "confirmed": _("报名成功：%(title)s", title=event.title),
        "waitlisted": _("已进入候补名单：%(title)s", title=event.title),
        "pending": _("报名待审核：%(title)s", title=event.title),
        "promoted": _("候补转正：%(title)s", title=event.title),
        "rejected": _("报名未通过：%(title)s", title=event.title),
    }
    start = local_start(event)
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


def register(event: Event, enterprise: Enterprise, user=None, listings=()) -> Registration:
    """Register an enterprise: confirmed, waitlisted when full, or pending approval."""
    if event.status != "open":
        raise ServiceError(_("该活动当前不接受报名。"), code="not_open", status=409)
    if enterprise is None:
        raise ServiceError(_("只有企业成员可以报名。"), status=403, code="forbidden")
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
    if event.requires_approval:
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


def cancel_registration(reg: Registration) -> list[Registration]:
    """Cancel a registration; its place goes to the waiting list. Returns who moved up."""
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
    return promote_waitlist(reg.event) if was_confirmed else []


def check_in(reg: Registration, *, undo: bool = False) -> Registration:
    if reg.status != "confirmed":
        raise ServiceError(_("只有报名成功的单位可以签到。"), code="bad_state", status=409)
    reg.checked_in_at = None if undo else (reg.checked_in_at or utcnow())
    db.session.flush()
    return reg


def check_in_by_code(event: Event, code: str) -> Registration:
    code = (code or "").strip().upper()
    reg = db.session.execute(
        db.select(Registration).where(Registration.event_id == event.id, Registration.code == code)
    ).scalar_one_or_none()
    if reg is None:
        raise ServiceError(_("签到码不存在。"), field="code", code="not_found", status=404)
    return check_in(reg)


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


# --- matching: suggestions and pair scores ------------------------------------------------


@dataclass
class Suggestion:
    """An enterprise to invite, why, and the pair of listings that says so."""

    enterprise: Enterprise
    role: str
    score: float
    reasons: list[dict]
    listing: Listing | None = None
    counterpart: Listing | None = None


def _ranked_pairs(seeds: list[Listing], k: int):
    """(seed, counterpart listing, score, reasons) for each seed's k best published
    counterparts of another enterprise."""
    from ..matches.services import current_matcher, listing_doc

    matcher = current_matcher()
    if matcher is None or not seeds:
        return []
    ranked = {s.id: matcher.rank(listing_doc(s), k=k) for s in seeds}
    ids = {m.id for found in ranked.values() for m in found}
    rows = {
        row.id: row
        for row in db.session.execute(
            db.select(Listing)
            .where(Listing.id.in_(ids), Listing.status == "published")
            .options(joinedload(Listing.enterprise))
        )
        .unique()
        .scalars()
    }
    out = []
    for seed in seeds:
        for m in ranked[seed.id]:
            row = rows.get(m.id)
            if row is not None and row.enterprise_id != seed.enterprise_id:
                out.append((seed, row, float(m.score), m.reasons))
    return out


def suggestions(event: Event, limit: int = 30) -> list[Suggestion]:
    """Whom to invite, best first, one entry per enterprise.

    Roadshow: SMEs whose capabilities best match the chain's open challenges, those
    challenges' owners, and investors of the chain. Matchmaking: both sides of the best
    pairs under the theme (and chain, if set).
    """
    stmt = db.select(Listing).where(Listing.status == "published", Listing.kind == "challenge")
    if event.kind == "roadshow":
        stmt = stmt.where(Listing.chain_id == event.chain_id)
    else:
        stmt = stmt.where(Listing.category_id == event.theme_id)
        if event.chain_id:
            stmt = stmt.where(Listing.chain_id == event.chain_id)
    challenges = db.session.execute(stmt.order_by(Listing.id)).scalars().all()
    labels = taxonomy_labels()
    best: dict[int, Suggestion] = {}

    def offer(enterprise, role, score, reasons, listing, counterpart):
        old = best.get(enterprise.id)
        if old is None or score > old.score:
            best[enterprise.id] = Suggestion(
                enterprise, role, round(score, 4), reason_dicts(reasons, labels),
                listing, counterpart,
            )  # fmt: skip

    for challenge, capability, score, reasons in _ranked_pairs(challenges, k=10):
        if event.kind == "roadshow":
            if capability.enterprise.kind.code != "sme" and capability.enterprise.kind.code != (
                "investor"
            ):
                continue
            if event.chain_id not in {c.id for c in capability.enterprise.chains} and (
                capability.chain_id != event.chain_id
            ):
                continue
            role = "investor" if capability.enterprise.kind.code == "investor" else "sme"
            offer(capability.enterprise, role, score, reasons, capability, challenge)
            offer(challenge.enterprise, "challenge_owner", score, reasons, challenge, capability)
        else:
            if event.theme_id and capability.category_id != event.theme_id:
                continue
            offer(capability.enterprise, "supply", score, reasons, capability, challenge)
            offer(challenge.enterprise, "demand", score, reasons, challenge, capability)
    if event.kind == "roadshow" and event.chain is not None:
        investors = db.session.execute(
            db.select(Enterprise).where(
                Enterprise.kind.has(code="investor"),
                Enterprise.chains.any(Chain.id == event.chain_id),
                Enterprise.verified_at.is_not(None),
            )
        ).scalars()
        for investor in investors:
            if investor.id not in best:
                best[investor.id] = Suggestion(
                    investor,
                    "investor",
                    0.0,
                    [{"code": "chain_investor", "text": _(
                        "关注%(chain)s产业链的投资机构", chain=event.chain.label)}],
                )  # fmt: skip
    invited = set(
        db.session.execute(
            db.select(Invitation.enterprise_id).where(Invitation.event_id == event.id)
        ).scalars()
    )
    result = [s for s in best.values() if s.enterprise.id not in invited]
    result.sort(key=lambda s: (-s.score, s.enterprise.id))
    return result[:limit]


def invite(event: Event, enterprise_ids, user=None) -> list[Invitation]:
    """Invite the picked enterprises (from the current suggestions) and queue the mails."""
    wanted = {int(i) for i in enterprise_ids}
    if not wanted:
        raise ServiceError(_("请至少选择一家单位。"), field="enterprise_ids")
    if event.status in ("held", "cancelled"):
        raise ServiceError(_("活动已结束或已取消。"), code="bad_state", status=409)
    found = {s.enterprise.id: s for s in suggestions(event, limit=10_000)}
    unknown = wanted - set(found)
    if unknown:
        raise ServiceError(
            _("这些单位不在推荐名单中：%(ids)s", ids=", ".join(map(str, sorted(unknown)))),
            field="enterprise_ids",
        )
    created = []
    for eid in sorted(wanted):
        s = found[eid]
        inv = Invitation(
            event_id=event.id,
            enterprise_id=eid,
            role=s.role,
            score=s.score,
            reasons=s.reasons,
            listing_id=s.listing.id if s.listing else None,
            counterpart_id=s.counterpart.id if s.counterpart else None,
            invited_by_id=getattr(user, "id", None),
        )
        db.session.add(inv)
        db.session.flush()
        start = local_start(event)
        why = "；".join(r["text"] for r in s.reasons)
        subject = _("活动邀请：%(title)s", title=event.title)
        for email, member in _recipients(s.enterprise):
            text = "\n".join(
                [
                    _("%(name)s：", name=s.enterprise.name),
                    _("诚邀贵单位参加“%(title)s”。", title=event.title),
                    _("时间：%(time)s", time=start.strftime("%Y-%m-%d %H:%M")),
                    _("地点：%(venue)s", venue=event.venue or event.online_url),
                    _("推荐理由：%(why)s", why=why) if why else "",
                    (s.counterpart and _("可对接：%(title)s", title=s.counterpart.title)) or "",
                    _event_url(event),
                ]
            )
            queue_mail(
                key=f"event:{event.id}:invitation:{eid}:{email}",
                purpose="event_invitation",
                to=email,
                subject=subject,
                text=text,
                user=member,
            )
        created.append(inv)
    return created


@dataclass
class PairScore:
    score: float
    reasons: list[dict]


def pair_scores(event: Event) -> dict[frozenset, PairScore]:
    """Match score of every two confirmed registrations: the best pair of their listings."""
    regs = registrations(event, ("confirmed",))
    owner = {listing.id: reg.id for reg in regs for listing in reg.listings}
    seeds = [listing for reg in regs for listing in reg.listings]
    labels = None
    result: dict[frozenset, PairScore] = {}
    seed_owner = {listing.id: reg.id for reg in regs for listing in reg.listings}
    for seed, other, score, reasons in _ranked_pairs(seeds, k=200):
        b = owner.get(other.id)
        a = seed_owner[seed.id]
        if b is None or a == b:
            continue
        key = frozenset((a, b))
        if key not in result or score > result[key].score:
            labels = labels or taxonomy_labels()
            result[key] = PairScore(round(score, 4), reason_dicts(reasons, labels))
    return result


def suggested_partners(reg: Registration, scores=None) -> list[tuple[Registration, PairScore]]:
    """Confirmed registrations of the event ranked by match score with ``reg``."""
    scores = pair_scores(reg.event) if scores is None else scores
    others = {r.id: r for r in registrations(reg.event, ("confirmed",)) if r.id != reg.id}
    ranked = [
        (others[oid], ps)
        for key, ps in scores.items()
        if reg.id in key
        for oid in key - {reg.id}
        if oid in others
    ]
    ranked.sort(key=lambda t: (-t[1].score, t[0].id))
    return ranked


# --- slots, unavailability, requests ------------------------------------------------------


def set_up_meetings(event: Event, first_start: datetime, n_slots: int, n_tables: int) -> None:
    """Slots of ``event.slot_minutes`` with ``event.break_minutes`` between, from a local
    wall-clock start; tables "1" … "n". Refused once meetings exist."""
    if not (1 <= n_slots <= 48 and 1 <= n_tables <= 500):
        raise ServiceError(_("时段 1–48 个，桌位 1–500 张。"), field="n_slots")
    if event.slot_minutes <= 0 or event.break_minutes < 0:
        raise ServiceError(_("时段长度须大于 0。"), field="slot_minutes")
    has_meetings = db.session.execute(
        db.select(Meeting.id).where(Meeting.event_id == event.id).limit(1)
    ).first()
    if has_meetings is not None:
        raise ServiceError(_("已有洽谈安排，不能重设时段。"), code="bad_state", status=409)
    event.slots.clear()
    event.tables.clear()
    db.session.flush()
    start = to_utc(first_start, event.timezone)
    step = timedelta(minutes=event.slot_minutes + event.break_minutes)
    for i in range(n_slots):
        begins = start + i * step
        event.slots.append(
            MeetingSlot(starts_at=begins, ends_at=begins + timedelta(minutes=event.slot_minutes))
        )
    for i in range(n_tables):
        event.tables.append(MeetingTable(name=str(i + 1), position=i))
    db.session.flush()


def set_unavailable(reg: Registration, slot_ids) -> None:
    wanted = {int(s) for s in slot_ids}
    valid = {s.id for s in reg.event.slots}
    if wanted - valid:
        raise ServiceError(_("时段不属于该活动。"), field="slot_ids")
    db.session.execute(db.delete(Unavailability).where(Unavailability.registration_id == reg.id))
    for sid in sorted(wanted):
        db.session.add(Unavailability(registration_id=reg.id, slot_id=sid))
    db.session.flush()


def unavailable_slots(reg: Registration) -> set[int]:
    return set(
        db.session.execute(
            db.select(Unavailability.slot_id).where(Unavailability.registration_id == reg.id)
        ).scalars()
    )


def _open_request_between(a: Registration, b: Registration) -> MeetingRequest | None:
    return db.session.execute(
        db.select(MeetingRequest).where(
            MeetingRequest.status.in_(("pending", "accepted")),
            db.or_(
                db.and_(MeetingRequest.requester_id == a.id, MeetingRequest.recipient_id == b.id),
                db.and_(MeetingRequest.requester_id == b.id, MeetingRequest.recipient_id == a.id),
            ),
        )
    ).scalar_one_or_none()


def request_meeting(requester: Registration, recipient: Registration, message: str = ""):
    """Ask another participant for a 1:1 meeting; the request lapses after the event's TTL."""
    event = requester.event
    if recipient.event_id != event.id or recipient.id == requester.id:
        raise ServiceError(_("对方不是本活动的其他参会单位。"), field="recipient_id")
    if requester.status != "confirmed" or recipient.status != "confirmed":
        raise ServiceError(_("双方都须报名成功。"), code="bad_state", status=409)
    if event.status in ("held", "cancelled"):
        raise ServiceError(_("活动已结束或已取消。"), code="bad_state", status=409)
    if _open_request_between(requester, recipient) is not None:
        raise ServiceError(_("与对方已有洽谈邀约。"), code="duplicate", status=409)
    score = pair_scores(event).get(frozenset((requester.id, recipient.id)))
    rq = MeetingRequest(
        event_id=event.id,
        requester_id=requester.id,
        recipient_id=recipient.id,
        message=(message or "").strip()[:500],
        score=score.score if score else None,
        expires_at=utcnow() + timedelta(hours=event.request_ttl_hours),
    )
    db.session.add(rq)
    db.session.flush()
    for email, user in _recipients(recipient.enterprise):
        queue_mail(
            key=f"event:{event.id}:meeting-request:{rq.id}:{email}",
            purpose="meeting_request",
            to=email,
            subject=_("洽谈邀约：%(name)s", name=requester.enterprise.name),
            text="\n".join(
                [
                    _(
                        "%(name)s 希望在“%(title)s”与贵单位一对一洽谈。",
                        name=requester.enterprise.name,
                        title=event.title,
                    ),
                    rq.message,
                    _("请在 %(hours)d 小时内回复。", hours=event.request_ttl_hours),
                    _event_url(event),
                ]
            ),
            user=user,
        )
    return rq


def request_status_labels() -> dict[str, str]:
    """The words for a meeting request's status (never the code itself)."""
    return {
        "pending": _("待回复"),
        "accepted": _("已接受"),
        "declined": _("已婉拒"),
        "expired": _("已过期"),
        "withdrawn": _("已撤回"),
    }


def respond_to_request(rq: MeetingRequest, accept: bool, now: datetime | None = None):
    """Accept or decline a pending request. A refusal writes nothing, not even the lapse of an
    expired request: the job (``expire_meeting_requests``) records that, so that the web and
    the API, which roll a refused request back, leave the same state."""
    now = now or utcnow()
    state = "expired" if rq.status == "pending" and rq.expires_at <= now else rq.status
    if state != "pending":
        raise ServiceError(
            _("该邀约已不能回复（%(s)s）。", s=request_status_labels()[state]),
            code="bad_state",
            status=409,
        )
    rq.status = "accepted" if accept else "declined"
    rq.responded_at = now
    db.session.flush()
    return rq


def withdraw_request(rq: MeetingRequest) -> MeetingRequest:
    if rq.status not in ("pending", "accepted"):
        raise ServiceError(_("该邀约已结束。"), code="bad_state", status=409)
    rq.status = "withdrawn"
    db.session.execute(
        db.delete(Meeting).where(Meeting.request_id == rq.id, Meeting.pinned.is_(False))
    )
    db.session.flush()
    return rq


def expire_meeting_requests(now: datetime | None = None) -> int:
    """Pending requests past their expiry lapse, so that they block no one. The job."""
    now = now or utcnow()
    result = db.session.execute(
        db.update(MeetingRequest)
        .where(MeetingRequest.status == "pending", MeetingRequest.expires_at <= now)
        .values(status="expired")
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()
    return result.rowcount or 0


def requests_for(reg: Registration) -> list[MeetingRequest]:
    return (
        db.session.execute(
            db.select(MeetingRequest)
            .where(
                db.or_(MeetingRequest.requester_id == reg.id, MeetingRequest.recipient_id == reg.id)
            )
            .order_by(MeetingRequest.created_at.desc(), MeetingRequest.id.desc())
        )
        .scalars()
        .all()
    )


# --- scheduling ---------------------------------------------------------------------------


def event_meetings(event: Event, reg: Registration | None = None) -> list[Meeting]:
    stmt = (
        db.select(Meeting)
        .join(MeetingSlot, Meeting.slot_id == MeetingSlot.id)
        .join(MeetingTable, Meeting.table_id == MeetingTable.id)
        .where(Meeting.event_id == event.id)
        .options(joinedload(Meeting.a), joinedload(Meeting.b))
        .order_by(MeetingSlot.starts_at, MeetingTable.position)
    )
    if reg is not None:
        stmt = stmt.where(db.or_(Meeting.a_id == reg.id, Meeting.b_id == reg.id))
    return db.session.execute(stmt).unique().scalars().all()


def build_problem(event: Event, scores=None) -> tuple[ms.Problem, list, list]:
    """The scheduler's plain data for ``event``: slots and tables by index."""
    slots = list(event.slots)
    tables = list(event.tables)
    slot_index = {s.id: i for i, s in enumerate(slots)}
    table_index = {t.id: i for i, t in enumerate(tables)}
    regs = registrations(event, ("confirmed",))
    blocked = defaultdict(set)
    for reg_id, slot_id in db.session.execute(
        db.select(Unavailability.registration_id, Unavailability.slot_id)
        .join(MeetingSlot, MeetingSlot.id == Unavailability.slot_id)
        .where(MeetingSlot.event_id == event.id)
    ):
        blocked[reg_id].add(slot_index[slot_id])
    people = [ms.Person(r.id, event.meetings_per_person, frozenset(blocked[r.id])) for r in regs]
    scores = pair_scores(event) if scores is None else scores
    pairs = [ms.Pair(*sorted(key), ps.score) for key, ps in scores.items()]
    for rq in db.session.execute(
        db.select(MeetingRequest).where(
            MeetingRequest.event_id == event.id, MeetingRequest.status == "accepted"
        )
    ).scalars():
        ps = scores.get(frozenset((rq.requester_id, rq.recipient_id)))
        pairs.append(
            ms.Pair(rq.requester_id, rq.recipient_id, ps.score if ps else 0.0, required=True)
        )
    pinned = [
        ms.Placed(m.a_id, m.b_id, slot_index[m.slot_id], table_index[m.table_id], m.score,
                  "pinned")
        for m in event_meetings(event)
        if m.pinned
    ]  # fmt: skip
    good = float(current_app.config.get("MEETING_GOOD_SCORE", 0.1))
    return (
        ms.Problem(people, len(slots), len(tables), pairs, pinned, good_score=good),
        slots,
        tables,
    )


def schedule_event(event: Event) -> ms.Schedule:
    """Run the scheduler: keep pinned meetings, replace the rest, store score and bound."""
    if not event.slots or not event.tables:
        raise ServiceError(_("请先设置洽谈时段和桌位。"), code="no_slots", status=409)
    if event.status in ("held", "cancelled"):
        raise ServiceError(_("活动已结束或已取消。"), code="bad_state", status=409)
    expire_meeting_requests()
    problem, slots, tables = build_problem(event)
    schedule = ms.schedule_meetings(problem)
    db.session.execute(
        db.delete(Meeting).where(Meeting.event_id == event.id, Meeting.pinned.is_(False))
    )
    requests = {
        frozenset((rq.requester_id, rq.recipient_id)): rq.id
        for rq in db.session.execute(
            db.select(MeetingRequest).where(
                MeetingRequest.event_id == event.id, MeetingRequest.status == "accepted"
            )
        ).scalars()
    }
    for m in schedule.meetings:
        if m.source == "pinned":
            continue
        db.session.add(
            Meeting(
                event_id=event.id,
                slot_id=slots[m.slot].id,
                table_id=tables[m.table].id,
                a_id=m.a,
                b_id=m.b,
                score=m.score,
                source="request" if m.source == "request" else "suggested",
                request_id=requests.get(frozenset((m.a, m.b))),
            )
        )
    event.schedule_score = schedule.score
    event.schedule_bound = schedule.bound
    event.scheduled_at = utcnow()
    db.session.flush()
    return schedule


def _check_place(event: Event, a_id: int, b_id: int, slot_id: int, table_id: int, skip=None):
    if slot_id not in {s.id for s in event.slots}:
        raise ServiceError(_("时段不属于该活动。"), field="slot_id")
    if table_id not in {t.id for t in event.tables}:
        raise ServiceError(_("桌位不属于该活动。"), field="table_id")
    clash = (
        db.session.execute(
            db.select(Meeting).where(
                Meeting.event_id == event.id,
                Meeting.slot_id == slot_id,
                db.or_(
                    Meeting.table_id == table_id,
                    Meeting.a_id.in_((a_id, b_id)),
                    Meeting.b_id.in_((a_id, b_id)),
                ),
                Meeting.id != (skip or 0),
            )
        )
        .scalars()
        .first()
    )
    if clash is not None:
        raise ServiceError(
            _("该时段桌位已被占用，或一方在该时段已有洽谈。"), code="clash", status=409
        )


def move_meeting(meeting: Meeting, slot_id: int, table_id: int, pin: bool = True) -> Meeting:
    """Put a meeting in another slot or at another table by hand; it is pinned."""
    _check_place(meeting_event(meeting), meeting.a_id, meeting.b_id, slot_id, table_id,
                 skip=meeting.id)  # fmt: skip
    meeting.slot_id = slot_id
    meeting.table_id = table_id
    meeting.pinned = pin
    db.session.flush()
    return meeting


def meeting_event(meeting: Meeting) -> Event:
    return db.session.get(Event, meeting.event_id)


def add_meeting(event: Event, a: Registration, b: Registration, slot_id: int, table_id: int):
    """A meeting the organizer places by hand (pinned)."""
    if a.event_id != event.id or b.event_id != event.id or a.id == b.id:
        raise ServiceError(_("双方须是本活动的不同参会单位。"), field="b_id")
    if a.status != "confirmed" or b.status != "confirmed":
        raise ServiceError(_("双方都须报名成功。"), code="bad_state", status=409)
    _check_place(event, a.id, b.id, slot_id, table_id)
    ps = pair_scores(event).get(frozenset((a.id, b.id)))
    meeting = Meeting(
        event_id=event.id, slot_id=slot_id, table_id=table_id, a_id=a.id, b_id=b.id,
        score=ps.score if ps else 0.0, source="manual", pinned=True,
    )  # fmt: skip
    db.session.add(meeting)
    db.session.flush()
    return meeting


# --- outcomes -----------------------------------------------------------------------------

OUTCOME_STAGES = ("none", "contact", "intent", "contract")


def _sides(meeting: Meeting) -> tuple[Registration, Registration]:
    """(demand side, supply side): the side that brought a challenge is the demand."""
    a, b = meeting.a, meeting.b
    if any(lst.kind == "challenge" for lst in b.listings) and not any(
        lst.kind == "challenge" for lst in a.listings
    ):
        return b, a
    return a, b


def record_meeting_outcome(
    meeting: Meeting,
    *,
    attendance: str,
    stage: str = "none",
    follow_up: bool = False,
    deal_type: str | None = None,
    amount: int | None = None,
    note: str = "",
    occurred_on: date | None = None,
    user=None,
) -> list[Outcome]:
    """Record how a meeting went; each stage reached goes into the ledger once."""
    event = meeting_event(meeting)
    if attendance not in ("held", "no_show"):
        raise ServiceError(_("请选择洽谈是否进行。"), field="attendance")
    if stage not in OUTCOME_STAGES:
        raise ServiceError(_("未知的阶段。"), field="stage")
    if attendance == "no_show" and stage != "none":
        raise ServiceError(_("未进行的洽谈不能有成果。"), field="stage")
    if stage == "contract" and not deal_type:
        raise ServiceError(_("请选择签约类型。"), field="deal_type")
    if amount is not None and amount < 0:
        raise ServiceError(_("金额不能为负数。"), field="amount")
    meeting.attendance = attendance
    meeting.follow_up = follow_up
    meeting.outcome_note = note
    reached = OUTCOME_STAGES[1 : OUTCOME_STAGES.index(stage) + 1] if attendance == "held" else ()
    have = set(
        db.session.execute(
            db.select(Outcome.stage).where(
                Outcome.source == "meeting", Outcome.source_id == meeting.id
            )
        ).scalars()
    )
    demand, supply = _sides(meeting)
    listing = next((lst for lst in demand.listings if lst.kind == "challenge"), None) or next(
        iter(demand.listings or supply.listings), None
    )
    on = occurred_on or local_start(event).date()
    created = []
    for st in reached:
        if st in have:
            continue
        created.append(
            record_outcome(
                stage=st,
                source="meeting",
                source_id=meeting.id,
                event_id=event.id,
                listing=listing,
                chain=event.chain or (listing.chain if listing else None),
                demand_enterprise=demand.enterprise,
                supply_enterprise=supply.enterprise,
                deal_type=deal_type if st == "contract" else None,
                amount=amount if st == "contract" else None,
                occurred_on=on,
                note=note,
                user=user,
            )
        )
    db.session.flush()
    return created


def outcomes_for(event: Event, enterprise_id: int | None = None) -> list[Outcome]:
    """The ledger rows an event produced; for an enterprise only those it is a party to."""
    stmt = db.select(Outcome).where(Outcome.event_id == event.id).order_by(Outcome.id)
    if enterprise_id is not None:
        stmt = stmt.where(
            db.or_(
                Outcome.demand_enterprise_id == enterprise_id,
                Outcome.supply_enterprise_id == enterprise_id,
            )
        )
    return db.session.execute(stmt).scalars().all()


def can_record_outcome(user, meeting: Meeting) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return user.is_organizer or meeting.involves(user.enterprise_id)


# --- dashboard ----------------------------------------------------------------------------


@dataclass
class Dashboard:
    year: int
    plan: YearPlan
    by_chain: tuple
    by_month: tuple
    by_event: tuple
    participation: list[tuple[str, int, int]]  # (month label, registrations, checked in)
    meetings: int
    held_meetings: int


def dashboard(year: int) -> Dashboard:
    from ..outcomes.services import ledger

    plan = year_plan(year)
    start, end = year_bounds(year, current_app.config["TIMEZONE"])
    rows = db.session.execute(
        db.select(Event.starts_at, Event.timezone, Registration.status, Registration.checked_in_at)
        .join(Registration, Registration.event_id == Event.id)
        .where(Event.starts_at >= start, Event.starts_at < end, Event.status != "cancelled")
    ).all()
    regs = [0] * 12
    checked = [0] * 12
    for starts_at, tz, status, checked_in in rows:
        if status != "confirmed":
            continue
        m = to_local(starts_at, tz).month - 1
        regs[m] += 1
        checked[m] += checked_in is not None
    meetings = (
        db.session.execute(
            db.select(Meeting.attendance)
            .join(Event, Event.id == Meeting.event_id)
            .where(Event.starts_at >= start, Event.starts_at < end)
        )
        .scalars()
        .all()
    )
    by_event_rows, by_event_total = ledger(year=year, by="event")
    titles = dict(db.session.execute(db.select(Event.id, Event.title)).all())
    for row in by_event_rows:
        row.label = titles.get(row.key, row.label)
    return Dashboard(
        year=year,
        plan=plan,
        by_chain=ledger(year=year, by="chain"),
        by_month=ledger(year=year, by="month"),
        by_event=(by_event_rows, by_event_total),
        participation=[(str(i + 1), regs[i], checked[i]) for i in range(12)],
        meetings=len(meetings),
        held_meetings=sum(1 for a in meetings if a == "held"),
    )
