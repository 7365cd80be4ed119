"""The charts' words and numbers: months and money in the reader's language, round axes."""

from itertools import pairwise

import pytest
from flask_babel import force_locale

from rongtong.events import charts

pytestmark = pytest.mark.nodb


@pytest.mark.parametrize(
    ("lang", "value", "shown"),
    [
        ("zh", 960_000, "96万"),
        ("zh", 968_000, "96.8万"),
        ("zh", 120_000_000, "1.2亿"),
        ("zh", 5_000, "5,000"),
        ("en", 960_000, "¥960k"),
        ("en", 1_000_000, "¥1M"),
        ("en", 1_200_000, "¥1.2M"),
        ("en", 0, "¥0"),
    ],
)
def test_axis_money_in_the_readers_language(app, lang, value, shown):
    with app.test_request_context(), force_locale(lang):
        assert charts.short_money(value) == shown


def test_months_in_the_readers_language(app):
    with app.test_request_context():
        with force_locale("en"):
            assert charts.month_names()[0] == "Jan" and charts.month_names()[11] == "Dec"
        with force_locale("zh"):
            assert charts.month_names()[0] == "1月" and charts.month_names()[11] == "12月"


@pytest.mark.parametrize("top", [1, 3, 7, 19, 26, 99, 1_000_000, 968_000, 1_234_567])
def test_ticks_are_round_and_reach_the_top(top):
    marks = charts.ticks(top)
    assert marks[0] == 0 and marks[-1] >= top and 1 <= len(marks) - 1 <= 5
    steps = {b - a for a, b in pairwise(marks)}
    assert len(steps) == 1 and all(m == int(m) for m in marks)


def test_a_long_label_is_shortened_with_its_full_text_kept(app):
    with app.test_request_context():
        chart = charts.hbars(
            "t", "标题", ["Intelligent connected and new energy vehicles"], {"A": [3]}
        )
    svg = str(chart.svg)
    assert "…" in svg and "<title>Intelligent connected and new energy vehicles</title>" in svg
    html = chart.__html__()
    assert html.startswith('<figure class="chart-figure" id="chart-t">')
    assert '<figcaption id="chart-t-caption">标题</figcaption>' in html
    assert 'aria-labelledby="chart-t-caption"' in html and "<table" in html
