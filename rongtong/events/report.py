"""The programme report for the people it answers to: a workbook and a printable page.

Both are read from ``programme.programme_report``, which is the dashboard's own query layer
cut to a year or a quarter, so that the report and the dashboard cannot disagree. Headers
and values are in the reader's language; dates are Asia/Shanghai days.
"""

from flask_babel import gettext as _

from ..core import sheets
from ..core.labels import label
from ..core.time import to_local
from .programme import ProgrammeReport


def period_name(r: ProgrammeReport) -> str:
    if r.quarter:
        return _("%(year)d 年第 %(q)d 季度", year=r.year, q=r.quarter)
    return _("%(year)d 年", year=r.year)


def filename(r: ProgrammeReport, fmt: str) -> str:
    """``programme-2025-q1-2026-12-08.xlsx``: the period, then the Asia/Shanghai day."""
    stem = f"programme-{r.year}" + (f"-q{r.quarter}" if r.quarter else "")
    return sheets.dated_filename(stem, fmt)


def _day(value, tz="Asia/Shanghai"):
    return to_local(value, tz).date() if value else None


def summary_rows(r: ProgrammeReport) -> list[tuple[str, object, object]]:
    """(item, figure, target or cap) — the first sheet, and the top of the printed page."""
    t, plan = r.totals, r.dashboard.plan
    return [
        (_("一月一链路演（场）"), t.roadshows, plan.roadshow.target),
        (_("专项供需对接（场）"), t.matchmaking, plan.matchmaking.target),
        (_("一月一链路演预算：已用（元）"), plan.roadshow.spent, plan.roadshow.cap),
        (_("一月一链路演预算：已安排（元）"), plan.roadshow.planned, plan.roadshow.cap),
        (_("专项供需对接预算：已用（元）"), plan.matchmaking.spent, plan.matchmaking.cap),
        (_("专项供需对接预算：已安排（元）"), plan.matchmaking.planned, plan.matchmaking.cap),
        (_("报名成功（家次）"), t.registrations, None),
        (_("签到（家次）"), t.checked_in, None),
        (_("一对一洽谈（场）"), t.meetings, None),
        (_("其中已进行（场）"), t.held_meetings, None),
        (label("stage", "contact"), t.outcomes["contact"], None),
        (label("stage", "intent"), t.outcomes["intent"], None),
        (label("stage", "contract"), t.outcomes["contract"], None),
        (_("签约金额（元）"), t.amount, None),
        (_("揭榜方案（份）"), t.proposals, None),
        (_("揭榜成功（项）"), t.awards, None),
        (_("揭榜成功金额（元）"), t.awarded_amount, None),
    ]


def workbook(r: ProgrammeReport) -> bytes:
    """Six sheets: summary, events, participants, meetings, outcomes, 揭榜."""
    counts: dict[int, list[int]] = {}
    for reg in r.registrations:
        c = counts.setdefault(reg.event_id, [0, 0, 0])
        c[0] += 1
        c[1] += reg.checked_in_at is not None
    for m in r.meetings:
        counts.setdefault(m.event_id, [0, 0, 0])[2] += 1
    titles = {e.id: e.title for e in r.events}
    return sheets.to_xlsx_book(
        [
            (
                _("汇总"),
                [period_name(r), _("数值"), _("年度目标或上限")],
                summary_rows(r),
            ),
            (
                _("活动"),
                [
                    _("日期"),
                    _("活动"),
                    _("类型"),
                    _("产业链或主题"),
                    _("状态"),
                    _("预算（元）"),
                    _("地点"),
                    _("报名成功"),
                    _("签到"),
                    _("洽谈"),
                ],
                [
                    (
                        e.local_start.date(),
                        e.title,
                        label("event_kind", e.kind),
                        (e.chain or e.theme).label if (e.chain or e.theme) else "",
                        label("event_status", e.status),
                        e.budget,
                        e.venue,
                        *counts.get(e.id, [0, 0, 0]),
                    )
                    for e in r.events
                ],
            ),
            (
                _("参与单位"),
                [_("活动"), _("单位名称"), _("统一社会信用代码"), _("签到")],
                [
                    (
                        titles.get(reg.event_id, ""),
                        reg.enterprise.name,
                        reg.enterprise.credit_code,
                        label("yes_no", reg.checked_in_at is not None),
                    )
                    for reg in r.registrations
                ],
            ),
            (
                _("洽谈"),
                [_("活动"), _("时间"), _("单位甲"), _("单位乙"), _("来源"), _("到场")],
                [
                    (
                        titles.get(m.event_id, ""),
                        to_local(m.slot.starts_at, "Asia/Shanghai").replace(tzinfo=None),
                        m.a.enterprise.name,
                        m.b.enterprise.name,
                        label("meeting_source", m.source),
                        label("attendance", m.attendance),
                    )
                    for m in r.meetings
                ],
            ),
            (
                _("成果"),
                [
                    _("日期"),
                    _("阶段"),
                    _("类型"),
                    _("需求方"),
                    _("供给方"),
                    _("产业链"),
                    _("金额（元）"),
                    _("来源"),
                ],
                [
                    (
                        o.occurred_on,
                        label("stage", o.stage),
                        label("deal_type", o.deal_type),
                        o.demand_enterprise.name if o.demand_enterprise else "",
                        o.supply_enterprise.name if o.supply_enterprise else "",
                        o.chain.label if o.chain else "",
                        o.amount,
                        label("outcome_source", o.source),
                    )
                    for o in r.outcomes
                ],
            ),
            (
                _("揭榜与成功"),
                [
                    _("提交日期"),
                    _("榜单"),
                    _("发榜单位"),
                    _("揭榜单位"),
                    _("状态"),
                    _("报价（元）"),
                    _("揭榜金额（元）"),
                ],
                [
                    (
                        _day(p.submitted_at),
                        p.listing.title,
                        p.owner_enterprise.name,
                        p.enterprise.name,
                        label("proposal_status", p.status),
                        p.quote,
                        p.accepted_amount,
                    )
                    for p in r.proposals
                ],
            ),
        ]
    )


def outcomes_by_chain(r: ProgrammeReport) -> list[tuple[str, dict, int]]:
    """(chain, stage → count, contract amount) for the printed page, chains in order."""
    rows: dict[str, tuple[dict, list]] = {}
    for o in r.outcomes:
        name = o.chain.label if o.chain else "—"
        counts, amount = rows.setdefault(
            name, (dict.fromkeys(("contact", "intent", "contract"), 0), [0])
        )
        counts[o.stage] = counts.get(o.stage, 0) + 1
        if o.stage == "contract":
            amount[0] += o.amount or 0
    return [(name, counts, amount[0]) for name, (counts, amount) in rows.items()]
