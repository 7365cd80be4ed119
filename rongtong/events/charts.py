"""Server-side SVG charts: no JavaScript, no CDN, nothing but escaped text.

Each chart is a ``<figure>``: its caption, the SVG (an image named by that caption) and the
same figures as a table for screen readers and for anyone who wants the numbers. The SVG
has a value axis with gridlines, and is laid out in its own coordinates (``viewBox``) so it
scales to any width, a 390 px phone included. Text widths are estimated here, generously,
and a label that would not fit its room is shortened with "…" and keeps its full text in a
``<title>``: no two pieces of text overlap, which tests/browser/test_charts.py measures.

pygal was weighed against this and not taken: its SVG carries an inline ``<style>``, a
``<script>`` and ``style=`` attributes, all refused by our CSP (``style-src 'self'``), and it
places axis labels at fixed steps with no collision check, so long chain names overlap.

Colours come from CSS classes (``chart-s0`` …) in app.css; SVG presentation attributes
(x, y, width …) are not styles and are allowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from babel.dates import get_month_names
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..core.labels import label
from ..core.web import money

WIDTH = 480
FONT = 12  # user units; the SVG scales, so text keeps its proportions to the bars
LINE = 18  # a line of 12-unit text: CJK glyph boxes are about 1.4 em high
PLOT_HEIGHT = 170
GAP = 6


# --- words and numbers in the reader's language -----------------------------------------


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "zh"


def month_names() -> list[str]:
    """Jan … Dec, or 1月 … 12月."""
    names = get_month_names("abbreviated", context="stand-alone", locale=get_locale() or "zh")
    return [names[m] for m in range(1, 13)]


def _trim(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def short_money(value: float) -> str:
    """A compact amount for an axis: 96万 / 1.2亿 in Chinese, ¥960k / ¥1.2M in English."""
    value = float(value)
    if _language() == "zh":
        if value >= 10**8:
            return f"{_trim(value / 10**8)}亿"
        if value >= 10**4:
            return f"{_trim(value / 10**4)}万"
        return f"{value:,.0f}"
    for size, suffix in ((10**9, "B"), (10**6, "M"), (10**3, "k")):
        if value >= size:
            return f"¥{_trim(value / size)}{suffix}"
    return f"¥{value:,.0f}"


def _count(value: float) -> str:
    return f"{value:,.0f}"


def text_width(text: str, size: float = FONT) -> float:
    """A generous estimate of rendered width: CJK a full em, Latin about 0.62 em."""
    width = 0.0
    for ch in text:
        if ord(ch) >= 0x2E80 or ch in "，。、：；（）“”…":
            width += 1.0
        elif ch in " .,:;'|!il":
            width += 0.36
        elif ch.isupper() or ch in "%¥$mwMW@&":
            width += 0.75
        else:
            width += 0.62
    return width * size


def fit(text: str, room: float, size: float = FONT) -> tuple[str, bool]:
    """``text`` shortened with "…" to ``room`` user units; and whether it was shortened."""
    if text_width(text, size) <= room:
        return text, False
    while text and text_width(text + "…", size) > room:
        text = text[:-1]
    return text.rstrip() + "…", True


def _wrap(text: str, room: float, lines: int = 2) -> tuple[list[str], bool]:
    """Up to ``lines`` lines of ``room`` width (at spaces for Latin, anywhere for CJK)."""
    out: list[str] = []
    rest = text
    if all(ord(c) >= 0x2E80 for c in text) and text_width(text[: (len(text) + 1) // 2]) <= room:
        # Chinese that fits on two lines is split in the middle, not as 8 + 1 characters.
        half = (len(text) + 1) // 2
        return ([text] if text_width(text) <= room else [text[:half], text[half:]]), False
    while rest and len(out) < lines - 1:
        if text_width(rest) <= room:
            break
        cut = len(rest)
        while cut > 1 and text_width(rest[:cut]) > room:
            cut -= 1
        if not any(ord(c) >= 0x2E80 for c in rest[:cut]):
            # Latin breaks after a space or a hyphen; a word longer than the line is cut short.
            space = max(rest.rfind(" ", 0, cut + 1), rest.rfind("-", 0, cut) + 1)
            if space <= 0:
                break
            cut = space
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    last, cut_short = fit(rest, room)
    out.append(last)
    return out, cut_short


def ticks(top: float, *, whole: bool = True) -> list[float]:
    """0 and four or five round steps (1, 2, 2.5, 5 × 10ⁿ) up to at least ``top``."""
    top = max(top, 1)
    raw = top / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        step = m * magnitude
        if step >= raw and not (whole and step != int(step)):
            break
    step = max(step, 1) if whole else step
    return [step * i for i in range(math.ceil(top / step - 1e-9) + 1)]


# --- pieces of SVG ----------------------------------------------------------------------


def _text(x, y, text, cls="chart-label", anchor="start", full=None) -> str:
    tooltip = f"<title>{escape(full)}</title>" if full else ""
    return (
        f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">'
        f"{tooltip}{escape(text)}</text>"
    )


def _legend(names, y0: float, classes=None) -> tuple[list[str], float]:
    """Swatches and names in rows across the width; returns the parts and the height used."""
    parts, x, y = [], 0.0, y0
    for k, name in enumerate(names):
        room = min(text_width(name), WIDTH - 40)
        item = 16 + room + 18
        if x and x + item > WIDTH:
            x, y = 0.0, y + LINE + 4
        shown, cut = fit(name, room + 1)
        cls = classes[k] if classes else f"chart-s{k % 6}"
        parts.append(f'<rect class="{cls}" x="{x:.1f}" y="{y - 10:.1f}" width="11" height="11"/>')
        parts.append(_text(x + 16, y, shown, "chart-legend", full=name if cut else None))
        x += item
    return parts, y - y0 + LINE


def _svg(title_id: str, height: float, parts: list[str]) -> Markup:
    head = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'aria-labelledby="{title_id}" xmlns="http://www.w3.org/2000/svg" '
        f'preserveAspectRatio="xMinYMin meet">'
    )
    # Every piece of text went through escape(); the rest are numbers and our own names.
    return Markup(head + "".join(parts) + "</svg>")  # noqa: S704


# --- the charts -------------------------------------------------------------------------


@dataclass
class Chart:
    """A chart with its caption and its figures as a table; renders as a ``<figure>``."""

    key: str
    caption: str
    svg: Markup
    header: list[str]
    rows: list[list[str]]

    def __html__(self) -> str:
        cid = f"chart-{self.key}"
        data = _("数据表")
        head = "".join(f'<th scope="col">{escape(h)}</th>' for h in self.header)
        body = "".join(
            f'<tr><th scope="row">{escape(r[0])}</th>'
            + "".join(f"<td>{escape(c)}</td>" for c in r[1:])
            + "</tr>"
            for r in self.rows
        )
        return (
            f'<figure class="chart-figure" id="{cid}">'
            f'<figcaption id="{cid}-caption">{escape(self.caption)}</figcaption>'
            f"{self.svg}"
            f'<details class="chart-data"><summary>{escape(data)}</summary>'
            f'<table class="table"><caption class="visually-hidden">{escape(self.caption)}'
            f"</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>"
            "</figure>"
        )


def bars(key, caption, labels, series: dict, *, is_money=False, category="") -> Chart:
    """Vertical bars side by side per label (a few short labels: months), a value axis."""
    labels = [str(x) for x in labels]
    names = list(series)
    fmt = short_money if is_money else _count
    top_value = max([max(v, default=0) for v in series.values()] + [0])
    marks = ticks(top_value, whole=not is_money)
    top = marks[-1]
    legend, legend_h = _legend(names, 14)
    y0 = legend_h + 12
    left = max(text_width(fmt(m)) for m in marks) + 8
    base = y0 + PLOT_HEIGHT
    parts = [*legend]
    for m in marks:
        y = base - PLOT_HEIGHT * m / top
        parts.append(
            f'<line class="chart-grid-line" x1="{left}" y1="{y:.1f}" x2="{WIDTH}" y2="{y:.1f}"/>'
        )
        parts.append(_text(left - 5, y + 4, fmt(m), "chart-tick", "end"))
    n = max(len(labels), 1)
    slot = (WIDTH - left) / n
    for i, lab in enumerate(labels):
        x0 = left + i * slot + slot * 0.12
        bw = slot * 0.76 / max(len(names), 1)
        for k, name in enumerate(names):
            value = series[name][i]
            if value:
                h = PLOT_HEIGHT * value / top
                parts.append(
                    f'<rect class="chart-s{k % 6}" x="{x0 + k * bw:.1f}" y="{base - h:.1f}" '
                    f'width="{bw:.1f}" height="{h:.1f}"><title>{escape(lab)} · {escape(name)}: '
                    f"{escape(money(value) if is_money else _count(value))}</title></rect>"
                )
        shown, cut = fit(lab, slot - 4)
        parts.append(
            _text(
                left + (i + 0.5) * slot,
                base + 18,
                shown,
                anchor="middle",
                full=lab if cut else None,
            )
        )
    parts.append(f'<line class="chart-axis" x1="{left}" y1="{base}" x2="{WIDTH}" y2="{base}"/>')
    return Chart(
        key,
        caption,
        _svg(f"chart-{key}-caption", base + 26, parts),
        [category, *names],
        [
            [lab, *((money(series[s][i]) if is_money else _count(series[s][i])) for s in names)]
            for i, lab in enumerate(labels)
        ],
    )


def hbars(key, caption, labels, series: dict, *, is_money=False, category="") -> Chart:
    """Horizontal bars per label (long labels: chains), names wrapped to two lines at left."""
    labels = [str(x) for x in labels]
    names = list(series)
    fmt = short_money if is_money else _count
    top_value = max([max(v, default=0) for v in series.values()] + [0])
    marks = ticks(top_value, whole=not is_money)
    top = marks[-1]
    legend, legend_h = _legend(names, 14)
    y0 = legend_h + 10
    label_room = 118
    left = label_room + 10
    right = WIDTH - text_width(fmt(top)) / 2 - 2
    span = right - left
    bar = 9
    group = max(len(names), 1) * bar + 12
    group = max(group, 2 * LINE + 6)
    parts = [*legend]
    base = y0 + group * len(labels)
    for m in marks:
        x = left + span * m / top
        parts.append(
            f'<line class="chart-grid-line" x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" y2="{base}"/>'
        )
        parts.append(_text(x, base + 16, fmt(m), "chart-tick", "middle"))
    for i, lab in enumerate(labels):
        gy = y0 + i * group
        lines, cut = _wrap(lab, label_room)
        ty = gy + group / 2 - (len(lines) - 1) * LINE / 2 + 4
        for j, line in enumerate(lines):
            parts.append(
                _text(left - 8, ty + j * LINE, line, anchor="end", full=lab if cut else None)
            )
        by = gy + (group - len(names) * bar) / 2
        for k, name in enumerate(names):
            value = series[name][i]
            if value:
                parts.append(
                    f'<rect class="chart-s{k % 6}" x="{left}" y="{by + k * bar:.1f}" '
                    f'width="{span * value / top:.1f}" height="{bar - 1}"><title>{escape(lab)} · '
                    f"{escape(name)}: {escape(money(value) if is_money else _count(value))}"
                    "</title></rect>"
                )
    parts.append(f'<line class="chart-axis" x1="{left}" y1="{y0}" x2="{left}" y2="{base}"/>')
    return Chart(
        key,
        caption,
        _svg(f"chart-{key}-caption", base + 24, parts),
        [category, *names],
        [
            [lab, *((money(series[s][i]) if is_money else _count(series[s][i])) for s in names)]
            for i, lab in enumerate(labels)
        ],
    )


def progress(key, caption, rows, *, is_money=False, done=None, limit_name=None) -> Chart:
    """Horizontal bars of value against a target or cap: rows of (label, value, planned, limit).

    ``value`` is the solid part (done or spent), ``planned`` the lighter part after it, and
    a mark shows the limit; going past it turns the bar red. All rows share one axis.
    """
    rows = list(rows)
    fmt = short_money if is_money else _count
    exact = money if is_money else _count
    done = done or _("已完成")
    limit_name = limit_name or _("目标")
    planned_name = _("已安排")
    with_planned = any(r[2] for r in rows)
    names = [done, *([planned_name] if with_planned else []), limit_name]
    classes = ["chart-s0", *(["chart-planned"] if with_planned else []), "chart-limit-key"]
    legend, legend_h = _legend(names, 14, classes)
    y0 = legend_h + 10
    marks = ticks(max([max(r[3], r[1] + r[2]) for r in rows] + [0]), whole=not is_money)
    top = marks[-1]
    values = [f"{fmt(r[1] + r[2])} / {fmt(r[3])}" for r in rows]
    value_room = max(text_width(v) for v in values) + 8 if values else 0
    label_room = 118
    left = label_room + 10
    right = WIDTH - value_room
    span = right - left
    group = 2 * LINE + 10
    base = y0 + group * len(rows)
    parts = [*legend]
    for m in marks:
        x = left + span * m / top
        parts.append(
            f'<line class="chart-grid-line" x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" y2="{base}"/>'
        )
        shown, cut = fit(fmt(m), span / max(len(marks) - 1, 1) - 2)
        parts.append(
            _text(x, base + 16, shown, "chart-tick", "middle", full=fmt(m) if cut else None)
        )
    for i, (lab, value, planned, limit) in enumerate(rows):
        gy = y0 + i * group
        y = gy + (group - 20) / 2
        over = value + planned > limit
        w1 = span * value / top
        w2 = span * planned / top
        lines, cut = _wrap(lab, label_room)
        ty = gy + group / 2 - (len(lines) - 1) * LINE / 2 + 4
        for j, line in enumerate(lines):
            parts.append(
                _text(left - 8, ty + j * LINE, line, anchor="end", full=lab if cut else None)
            )
        parts.append(
            f'<rect class="chart-track" x="{left}" y="{y:.1f}" width="{span:.1f}" height="20"/>'
        )
        parts.append(
            f'<rect class="{"chart-over" if over else "chart-s0"}" x="{left}" y="{y:.1f}" '
            f'width="{w1:.1f}" height="20"><title>{escape(lab)} · {escape(done)}: '
            f"{escape(exact(value))}</title></rect>"
        )
        if planned:
            parts.append(
                f'<rect class="chart-planned" x="{left + w1:.1f}" y="{y:.1f}" width="{w2:.1f}" '
                f'height="20"><title>{escape(lab)} · {escape(planned_name)}: '
                f"{escape(exact(planned))}</title></rect>"
            )
        lx = left + span * limit / top
        parts.append(
            f'<line class="chart-limit" x1="{lx:.1f}" y1="{y - 4:.1f}" x2="{lx:.1f}" '
            f'y2="{y + 24:.1f}"/>'
        )
        parts.append(_text(right + 6, y + 14, values[i], "chart-tick"))
    parts.append(f'<line class="chart-axis" x1="{left}" y1="{y0}" x2="{left}" y2="{base}"/>')
    header = ["", done, *([planned_name] if with_planned else []), limit_name]
    table = [
        [lab, exact(value), *([exact(planned)] if with_planned else []), exact(limit)]
        for lab, value, planned, limit in rows
    ]
    return Chart(key, caption, _svg(f"chart-{key}-caption", base + 24, parts), header, table)


# --- the pages' charts ----------------------------------------------------------------------

STAGES = ("contact", "intent", "contract")


def stage_names() -> dict[str, str]:
    return {s: label("stage", s) for s in STAGES}


def _budget(key, caption, plan) -> Chart:
    return progress(
        key,
        caption,
        [
            (
                label("event_kind", "roadshow"),
                plan.roadshow.spent,
                plan.roadshow.planned,
                plan.roadshow.cap,
            ),
            (
                label("event_kind", "matchmaking"),
                plan.matchmaking.spent,
                plan.matchmaking.planned,
                plan.matchmaking.cap,
            ),
        ],
        is_money=True,
        done=_("已用"),
        limit_name=_("上限"),
    )


def plan_charts(p) -> dict[str, Chart]:
    """The year plan's charts: budget against caps, events against targets, events a month."""
    return {
        "budget_chart": _budget("plan-budget", _("预算：已用、已安排与上限"), p),
        "count_chart": progress(
            "plan-count",
            _("场次与目标"),
            [
                (_("路演场次"), p.roadshow.count, 0, p.roadshow.target),
                (_("专项对接场次"), p.matchmaking.count, 0, p.matchmaking.target),
            ],
            done=_("场次"),
        ),
        "month_chart": bars(
            "plan-months",
            _("每月活动"),
            month_names(),
            {
                _("路演"): [len(m.roadshows) for m in p.months],
                _("专项对接"): [len(m.matchmaking) for m in p.months],
            },
            category=_("月份"),
        ),
    }


def dashboard_charts(d) -> dict[str, Chart]:
    """The dashboard's charts: outcomes by chain and by month, participation, budget."""
    names = stage_names()
    month_rows = {r.key: r for r in d.by_month[0]}
    months = [month_rows.get(m) for m in range(1, 13)]
    chains = d.by_chain[0]
    return {
        "budget_chart": _budget("budget", _("预算：已用、已安排与上限"), d.plan),
        "participation_chart": bars(
            "participation",
            _("每月参与：报名成功与签到"),
            month_names(),
            {
                _("报名成功"): [r for _m, r, _c in d.participation],
                _("签到"): [c for _m, _r, c in d.participation],
            },
            category=_("月份"),
        ),
        "chain_chart": hbars(
            "chains",
            _("各产业链成果（对接 → 意向 → 合同）"),
            [r.label for r in chains],
            {names[s]: [r.counts[s] for r in chains] for s in names},
            category=_("产业链"),
        ),
        "month_chart": bars(
            "months",
            _("每月成果"),
            month_names(),
            {names[s]: [r.counts[s] if r else 0 for r in months] for s in names},
            category=_("月份"),
        ),
    }


def report_charts(r) -> dict[str, Chart]:
    """The report's charts: budget against caps, and the period's outcomes a month."""
    names = stage_names()
    months = month_names()
    by_month = {m: dict.fromkeys(names, 0) for m in r.months}
    for o in r.outcomes:
        by_month[o.occurred_on.month][o.stage] += 1
    return {
        "budget_chart": _budget("report-budget", _("预算：已用、已安排与上限"), r.dashboard.plan),
        "month_chart": bars(
            "report-months",
            _("每月成果"),
            [months[m - 1] for m in r.months],
            {names[s]: [by_month[m][s] for m in r.months] for s in names},
            category=_("月份"),
        ),
    }
