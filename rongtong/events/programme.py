"""The programme: targets and budget caps, the year plan against them, the dashboard."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _

from ..core.services import ServiceError
from ..core.time import to_local, to_utc, year_bounds
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


def _participation(start, end) -> tuple[list[int], list[int]]:
    """Confirmed registrations and check-ins per month (1–12) of events in [start, end)."""
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
    return regs, checked


def _meetings_stmt(start, end):
    """Meetings of the events that start in [start, end), in time order."""
    return (
        db.select(Meeting)
        .join(Event, Event.id == Meeting.event_id)
        .where(Event.starts_at >= start, Event.starts_at < end)
        .order_by(Event.starts_at, Meeting.id)
    )


def dashboard(year: int) -> Dashboard:
    from ..outcomes.services import ledger

    plan = year_plan(year)
    start, end = year_bounds(year, current_app.config["TIMEZONE"])
    regs, checked = _participation(start, end)
    meetings = [m.attendance for m in db.session.execute(_meetings_stmt(start, end)).scalars()]
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


# --- the programme report: the dashboard's figures for a year or a quarter, with the rows ---


QUARTERS = {1: (1, 2, 3), 2: (4, 5, 6), 3: (7, 8, 9), 4: (10, 11, 12)}


@dataclass
class ReportTotals:
    roadshows: int
    matchmaking: int
    registrations: int
    checked_in: int
    meetings: int
    held_meetings: int
    outcomes: dict  # stage → count
    amount: int  # contract amount
    proposals: int  # 揭榜 submissions
    awards: int  # accepted proposals
    awarded_amount: int


@dataclass
class ProgrammeReport:
    year: int
    quarter: int | None
    months: tuple[int, ...]
    dashboard: Dashboard
    events: list
    registrations: list
    meetings: list
    outcomes: list
    proposals: list
    totals: ReportTotals


def period_bounds(year: int, quarter: int | None):
    """The UTC instants that bound a year or one of its quarters in the programme's zone."""
    tz = current_app.config["TIMEZONE"]
    if quarter is None:
        return year_bounds(year, tz)
    first = QUARTERS[quarter][0]
    start = to_utc(datetime(year, first, 1), tz)
    end = to_utc(datetime(year + (quarter == 4), 1 if quarter == 4 else first + 3, 1), tz)
    return start, end


def programme_report(year: int, quarter: int | None = None) -> ProgrammeReport:
    """What the dashboard shows for ``year``, cut to ``quarter`` if given, with every row."""
    from ..outcomes.models import Outcome
    from ..proposals.models import Proposal

    if quarter is not None and quarter not in QUARTERS:
        raise ServiceError(_("季度应为 1 到 4。"), field="quarter")
    d = dashboard(year)
    months = QUARTERS[quarter] if quarter else tuple(range(1, 13))
    start, end = period_bounds(year, quarter)
    events = [
        e
        for m in months
        for e in (d.plan.months[m - 1].roadshows + d.plan.months[m - 1].matchmaking)
    ]
    events.sort(key=lambda e: e.starts_at)
    registrations = (
        db.session.execute(
            db.select(Registration)
            .join(Event, Event.id == Registration.event_id)
            .where(
                Event.starts_at >= start,
                Event.starts_at < end,
                Event.status != "cancelled",
                Registration.status == "confirmed",
            )
            .order_by(Event.starts_at, Registration.id)
        )
        .scalars()
        .all()
    )
    meetings = db.session.execute(_meetings_stmt(start, end)).scalars().all()
    first, last = date(year, months[0], 1), date(year, months[-1], 1)
    last = date(year + (last.month == 12), 1 if last.month == 12 else last.month + 1, 1)
    outcomes = (
        db.session.execute(
            db.select(Outcome)
            .where(Outcome.occurred_on >= first, Outcome.occurred_on < last)
            .order_by(Outcome.occurred_on, Outcome.id)
        )
        .scalars()
        .all()
    )
    proposals = (
        db.session.execute(
            db.select(Proposal)
            .where(Proposal.submitted_at >= start, Proposal.submitted_at < end)
            .order_by(Proposal.submitted_at)
        )
        .scalars()
        .all()
    )
    counts = dict.fromkeys(("contact", "intent", "contract"), 0)
    for o in outcomes:
        counts[o.stage] = counts.get(o.stage, 0) + 1
    awards = [p for p in proposals if p.status == "accepted"]
    totals = ReportTotals(
        roadshows=sum(e.kind == "roadshow" for e in events),
        matchmaking=sum(e.kind == "matchmaking" for e in events),
        registrations=sum(d.participation[m - 1][1] for m in months),
        checked_in=sum(d.participation[m - 1][2] for m in months),
        meetings=len(meetings),
        held_meetings=sum(m.attendance == "held" for m in meetings),
        outcomes=counts,
        amount=sum(o.amount or 0 for o in outcomes if o.stage == "contract"),
        proposals=len(proposals),
        awards=len(awards),
        awarded_amount=sum(p.accepted_amount or 0 for p in awards),
    )
    return ProgrammeReport(
        year=year,
        quarter=quarter,
        months=months,
        dashboard=d,
        events=events,
        registrations=registrations,
        meetings=meetings,
        outcomes=outcomes,
        proposals=proposals,
        totals=totals,
    )
