"""The programme: targets and budget caps, the year plan against them, the dashboard."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _

from ..core.services import ServiceError
from ..core.time import to_local, year_bounds
from ..core.web import money
from ..extensions import db
from .models import (
    EVENT_KINDS,
    Event,
    Meeting,
    ProgrammeSetting,
    Registration,
)

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
    year = event.local_start.year
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
                over=money(over, exact=True),
                cap=money(cap, exact=True),
                used=money(used, exact=True),
                budget=money(event.budget, exact=True),
            ),
            field="budget",
            code="over_cap",
        )


def plan_warnings(event: Event) -> list[str]:
    """What is allowed but worth a second look: two roadshows in a month, a chain twice."""
    if event.kind != "roadshow" or event.status == "cancelled":
        return []
    start = event.local_start
    warnings = []
    for other in _programme_events("roadshow", start.year, event.timezone, exclude_id=event.id):
        other_start = other.local_start
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
        bucket = months[e.local_start.month - 1]
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
