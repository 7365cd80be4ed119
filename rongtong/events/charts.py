"""Small server-side SVG charts: no JavaScript, no CDN, nothing but escaped text.

Colours come from CSS classes (``chart-s0`` …) in app.css, since the CSP forbids inline
styles; SVG presentation attributes (x, y, width …) are not styles and are allowed.
"""

from flask_babel import gettext as _
from markupsafe import Markup, escape

WIDTH = 640
BAR_AREA = 200
LEFT = 48
TOP = 16


def _fmt(value: float) -> str:
    if value >= 10_000:
        return f"{value / 10_000:,.0f}万" if value >= 100_000 else f"{value / 10_000:,.1f}万"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def bars(labels, series: dict, title: str, *, stacked: bool = True) -> Markup:
    """Vertical bars per label; several series stack (or stand side by side)."""
    labels = [str(x) for x in labels]
    names = list(series)
    n = max(len(labels), 1)
    slot = (WIDTH - LEFT - 8) / n
    totals = [
        sum(series[s][i] for s in names)
        if stacked
        else max((series[s][i] for s in names), default=0)
        for i in range(len(labels))
    ]
    top = max([*totals, 1])
    height = TOP + BAR_AREA + 60 + 18 * ((len(names) + 2) // 3)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line class="chart-axis" x1="{LEFT}" y1="{TOP + BAR_AREA}" x2="{WIDTH - 4}" '
        f'y2="{TOP + BAR_AREA}"/>',
        f'<text class="chart-tick" x="{LEFT - 4}" y="{TOP + 8}" text-anchor="end">'
        f"{escape(_fmt(top))}</text>",
    ]
    for i, label in enumerate(labels):
        x0 = LEFT + i * slot + slot * 0.15
        w = slot * 0.7
        base = TOP + BAR_AREA
        for k, name in enumerate(names):
            value = series[name][i]
            h = BAR_AREA * value / top
            if stacked:
                y = base - h
                bx, bw = x0, w
                base = y
            else:
                bw = w / len(names)
                bx = x0 + k * bw
                y = TOP + BAR_AREA - h
            if value:
                parts.append(
                    f'<rect class="chart-s{k % 6}" x="{bx:.1f}" y="{y:.1f}" width="{bw:.1f}" '
                    f'height="{h:.1f}"><title>{escape(label)} · {escape(name)}: '
                    f"{escape(_fmt(value))}</title></rect>"
                )
        parts.append(
            f'<text class="chart-label" x="{x0 + w / 2:.1f}" y="{TOP + BAR_AREA + 14}" '
            f'text-anchor="middle">{escape(label[:8])}</text>'
        )
    for k, name in enumerate(names):
        lx = LEFT + (k % 3) * 190
        ly = TOP + BAR_AREA + 36 + 18 * (k // 3)
        parts.append(
            f'<rect class="chart-s{k % 6}" x="{lx}" y="{ly - 10}" width="12" height="12"/>'
        )
        parts.append(f'<text class="chart-legend" x="{lx + 16}" y="{ly}">{escape(name)}</text>')
    parts.append("</svg>")
    # Every piece of text above went through escape(); the rest are numbers.
    return Markup("".join(parts))  # noqa: S704


def progress(rows, title: str) -> Markup:
    """Horizontal bars of value against target or cap: rows of (label, value, planned, limit).

    ``value`` is the solid part (done or spent), ``planned`` the hatched part after it, and
    a mark shows the limit; going past it turns the bar red.
    """
    rows = list(rows)
    height = TOP + 34 * len(rows) + 8
    left = 150
    span = WIDTH - left - 90
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value, planned, limit) in enumerate(rows):
        y = TOP + i * 34
        scale = max(limit, value + planned, 1)
        over = value + planned > limit
        w1 = span * value / scale
        w2 = span * planned / scale
        parts.append(
            f'<text class="chart-label" x="{left - 6}" y="{y + 14}" text-anchor="end">'
            f"{escape(label)}</text>"
        )
        parts.append(f'<rect class="chart-track" x="{left}" y="{y}" width="{span}" height="20"/>')
        parts.append(
            f'<rect class="{"chart-over" if over else "chart-s0"}" x="{left}" y="{y}" '
            f'width="{w1:.1f}" height="20"/>'
        )
        parts.append(
            f'<rect class="chart-planned" x="{left + w1:.1f}" y="{y}" '
            f'width="{w2:.1f}" height="20"/>'
        )
        lx = left + span * limit / scale
        parts.append(
            f'<line class="chart-limit" x1="{lx:.1f}" y1="{y - 3}" x2="{lx:.1f}" y2="{y + 23}"/>'
        )
        parts.append(
            f'<text class="chart-tick" x="{left + span + 6}" y="{y + 14}">'
            f"{escape(_fmt(value + planned))} / {escape(_fmt(limit))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704


# --- the pages' charts ----------------------------------------------------------------------


def stage_names() -> dict[str, str]:
    return {"contact": _("对接"), "intent": _("意向"), "contract": _("合同")}


def plan_charts(p) -> dict[str, Markup]:
    """The year plan's charts: budget against caps, events against targets, events a month."""
    return {
        "budget_chart": progress(
            [
                (_("一月一链路演"), p.roadshow.spent, p.roadshow.planned, p.roadshow.cap),
                (_("专项供需对接"), p.matchmaking.spent, p.matchmaking.planned, p.matchmaking.cap),
            ],
            _("预算：已用、已安排与上限"),
        ),
        "count_chart": progress(
            [
                (_("路演场次"), p.roadshow.count, 0, p.roadshow.target),
                (_("专项对接场次"), p.matchmaking.count, 0, p.matchmaking.target),
            ],
            _("场次与目标"),
        ),
        "month_chart": bars(
            [f"{m.month}月" for m in p.months],
            {
                _("路演"): [len(m.roadshows) for m in p.months],
                _("专项对接"): [len(m.matchmaking) for m in p.months],
            },
            _("每月活动"),
        ),
    }


def dashboard_charts(d) -> dict[str, Markup]:
    """The dashboard's charts: outcomes by chain and by month, participation, budget."""
    names = stage_names()
    month_rows = {r.key: r for r in d.by_month[0]}
    months = [month_rows.get(m) for m in range(1, 13)]
    chains = d.by_chain[0]
    return {
        "chain_chart": bars(
            [r.label for r in chains],
            {names[s]: [r.counts[s] for r in chains] for s in names},
            _("各产业链成果"),
            stacked=False,
        ),
        "month_chart": bars(
            [f"{m}月" for m in range(1, 13)],
            {names[s]: [r.counts[s] if r else 0 for r in months] for s in names},
            _("每月成果"),
            stacked=False,
        ),
        "participation_chart": bars(
            [f"{m}月" for m, _r, _c in d.participation],
            {
                _("报名成功"): [r for _m, r, _c in d.participation],
                _("签到"): [c for _m, _r, c in d.participation],
            },
            _("每月参与"),
            stacked=False,
        ),
        "budget_chart": progress(
            [
                (
                    _("一月一链路演"),
                    d.plan.roadshow.spent,
                    d.plan.roadshow.planned,
                    d.plan.roadshow.cap,
                ),
                (
                    _("专项供需对接"),
                    d.plan.matchmaking.spent,
                    d.plan.matchmaking.planned,
                    d.plan.matchmaking.cap,
                ),
            ],
            _("预算"),
        ),
    }
