"""The programme report agrees with the dashboard: the same query layer, cut to a year or a
quarter, over the seeded city's full year; its workbook and page in the reader's language."""

import io
from datetime import UTC, datetime

import pytest
import time_machine
from flask_babel import force_locale
from flask_migrate import upgrade
from openpyxl import load_workbook

from rongtong import create_app
from rongtong.events import programme, report
from rongtong.extensions import db
from tests.conftest import TEST_CONFIG, Auth

pytestmark = [pytest.mark.nodb, pytest.mark.slow]

YEAR = 2025  # the seed's held year: events, registrations, meetings, outcomes


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "seed.db"
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    yield app
    with app.app_context():
        db.engine.dispose()


def test_the_years_report_totals_equal_the_dashboards(seeded):
    with seeded.test_request_context():
        d = programme.dashboard(YEAR)
        t = programme.programme_report(YEAR).totals
        assert t.roadshows == d.plan.roadshow.count > 0
        assert t.matchmaking == d.plan.matchmaking.count > 0
        assert t.registrations == sum(r for _m, r, _c in d.participation) > 0
        assert t.checked_in == sum(c for _m, _r, c in d.participation) > 0
        assert (t.meetings, t.held_meetings) == (d.meetings, d.held_meetings)
        assert t.held_meetings > 0
        assert t.outcomes == dict(d.by_chain[1].counts) == dict(d.by_month[1].counts)
        assert t.amount == d.by_chain[1].amount == d.by_event[1].amount > 0


def test_four_quarters_add_up_to_the_year(seeded):
    with seeded.test_request_context():
        year = programme.programme_report(YEAR)
        quarters = [programme.programme_report(YEAR, q) for q in (1, 2, 3, 4)]
    for name in ("roadshows", "matchmaking", "registrations", "meetings", "amount", "proposals"):
        assert sum(getattr(q.totals, name) for q in quarters) == getattr(year.totals, name), name
    assert sum(len(q.events) for q in quarters) == len(year.events)
    for stage in ("contact", "intent", "contract"):
        assert sum(q.totals.outcomes[stage] for q in quarters) == year.totals.outcomes[stage]


@pytest.mark.parametrize(
    ("lang", "sheets"),
    [
        ("zh", ["汇总", "活动", "参与单位", "洽谈", "成果", "揭榜与成功"]),
        (
            "en",
            ["Summary", "Events", "Participants", "Meetings", "Outcomes", "Proposals and awards"],
        ),
    ],
)
def test_the_workbook_holds_the_same_figures_in_the_readers_language(seeded, lang, sheets):
    with seeded.test_request_context(), force_locale(lang):
        r = programme.programme_report(YEAR)
        book = load_workbook(io.BytesIO(report.workbook(r)))
        summary = report.summary_rows(r)
    assert book.sheetnames == sheets
    rows = list(book[sheets[0]].iter_rows(min_row=2, values_only=True))
    assert [row[1] for row in rows] == [value for _item, value, _limit in summary]
    assert book[sheets[1]].max_row - 1 == len(r.events)
    assert book[sheets[2]].max_row - 1 == r.totals.registrations
    assert book[sheets[3]].max_row - 1 == r.totals.meetings
    outcomes = list(book[sheets[4]].iter_rows(min_row=2, values_only=True))
    assert len(outcomes) == sum(r.totals.outcomes.values())
    assert (
        sum(row[6] or 0 for row in outcomes if row[1] == ("合同" if lang == "zh" else "Contract"))
        == r.totals.amount
    )


def test_the_file_is_named_for_the_shanghai_day(seeded):
    client = seeded.test_client()
    # 20:30 UTC on 7 December is already the 8th in Shanghai.
    with time_machine.travel(datetime(2026, 12, 7, 20, 30, tzinfo=UTC), tick=False):
        Auth(client).login("organizer@rongtong.example", "rongtong-demo-2026")
        response = client.get(f"/events/report/{YEAR}.xlsx?quarter=2")
    assert response.status_code == 200
    assert 'filename="programme-2025-q2-2026-12-08.xlsx"' in response.headers["Content-Disposition"]


def test_the_printable_page_shows_the_report_totals(seeded):
    client = seeded.test_client()
    Auth(client).login("organizer@rongtong.example", "rongtong-demo-2026")
    html = client.get(f"/events/report/{YEAR}").get_data(as_text=True)
    with seeded.test_request_context():
        t = programme.programme_report(YEAR).totals
    assert f"<td>{t.amount:,}</td>" in html and f"<td>{t.meetings:,}</td>" in html
    assert 'id="chart-report-budget"' in html and "@page" not in html
    assert client.get(f"/events/report/{YEAR}?quarter=5").status_code == 404
