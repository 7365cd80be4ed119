"""The seeded events: a held 2025 with outcomes, a planned 2026 within caps and targets,
and an open event that an organizer can run end to end on the seeded data."""

from datetime import UTC, datetime

import pytest
import time_machine
from flask_migrate import upgrade

from rongtong import create_app
from rongtong.events import invitations as invitation_ops
from rongtong.events import meetings as meeting_ops
from rongtong.events import programme
from rongtong.events import registrations as registration_ops
from rongtong.events.lifecycle import advance_events
from rongtong.events.models import Event
from rongtong.extensions import db
from rongtong.listings.models import Listing
from rongtong.outcomes.services import ledger
from tests.conftest import TEST_CONFIG, Auth

pytestmark = [pytest.mark.nodb, pytest.mark.slow]


@pytest.fixture(scope="module")
def seeded_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("events-seed") / "seed.db"
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    app.instance_path = str(tmp_path_factory.mktemp("events-instance"))
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "events: 48" in result.output
    yield app
    with app.app_context():
        db.engine.dispose()


def test_past_year_is_held_with_outcomes(seeded_app):
    with seeded_app.app_context():
        plan = programme.year_plan(2025)
        assert plan.roadshow.count == 12 and all(len(m.roadshows) == 1 for m in plan.months)
        assert plan.matchmaking.count >= plan.matchmaking.target == 10
        assert plan.roadshow.spent <= plan.roadshow.cap
        assert plan.matchmaking.spent <= plan.matchmaking.cap
        assert plan.roadshow.planned == plan.matchmaking.planned == 0  # all held
        _rows, total = ledger(year=2025)
        assert total.counts["contact"] > total.counts["intent"] > total.counts["contract"] > 0
        assert total.amount > 0


def test_next_year_is_planned_within_caps_and_targets(seeded_app):
    with seeded_app.app_context():
        plan = programme.year_plan(2026)
        assert plan.roadshow.count == 12
        chains = [m.roadshows[0].chain_id for m in plan.months]
        assert len(set(chains)) == 12
        assert plan.matchmaking.count >= 10
        assert plan.roadshow.remaining >= 0 and plan.matchmaking.remaining >= 0
        assert plan.warnings == []


def test_dashboard_and_plan_pages_are_alive(seeded_app):
    client = seeded_app.test_client()
    auth = Auth(client)
    auth.login("organizer@rongtong.example", "rongtong-demo-2026")
    html = client.get("/events/dashboard?year=2025").get_data(as_text=True)
    assert html.count("<svg") >= 4 and "智能网联与新能源汽车" in html
    assert client.get("/events/plan/2026").status_code == 200
    assert client.get("/events/?year=2026").status_code == 200


def test_an_open_seeded_event_runs_end_to_end(seeded_app):
    # The seed is dated: on 7 December 2026 the lifecycle job has made November's events
    # held, and December's roadshow is the one still taking registrations.
    clock = time_machine.travel(datetime(2026, 12, 7, 2, 0, tzinfo=UTC), tick=True)
    with clock, seeded_app.app_context(), seeded_app.test_request_context():
        advance_events()
        event = (
            db.session.execute(
                db.select(Event).where(Event.status == "open").order_by(Event.starts_at)
            )
            .scalars()
            .first()
        )
        assert event is not None and event.slots
        suggestions = invitation_ops.suggestions(event)
        assert suggestions and suggestions[0].score > 0 and suggestions[0].reasons
        invitation_ops.invite(event, [s.enterprise.id for s in suggestions[:6]])
        for s in suggestions[:12]:
            listings = (
                db.session.execute(
                    db.select(Listing).where(
                        Listing.enterprise_id == s.enterprise.id, Listing.status == "published"
                    )
                )
                .scalars()
                .all()
            )
            registration_ops.register(event, s.enterprise, None, listings)
        result = meeting_ops.schedule_event(event)
        assert result.meetings and 0 < result.score <= result.bound
        db.session.rollback()
