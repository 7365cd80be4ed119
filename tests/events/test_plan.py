"""The year's plan: caps refused with the amount, warnings, targets as settings, pages."""

from datetime import datetime

import pytest

from rongtong.core.services import ServiceError
from rongtong.events import programme, services
from rongtong.events.models import Event
from rongtong.extensions import db
from tests.events.conftest import event_form_data


def test_budget_over_cap_is_refused_with_the_amount(make_event):
    make_event(budget=600_000, starts_at=datetime(2026, 1, 10, 9))
    make_event(budget=300_000, starts_at=datetime(2026, 2, 10, 9), chain="auto")
    with pytest.raises(ServiceError) as info:
        make_event(budget=150_000, starts_at=datetime(2026, 3, 10, 9), chain="rail")
    assert info.value.code == "over_cap"
    assert info.value.field == "budget"
    message = str(info.value.message)
    assert "¥50,000" in message and "¥1,000,000" in message and "¥900,000" in message
    # Exactly at the cap is fine; the other programme has its own cap.
    make_event(budget=100_000, starts_at=datetime(2026, 3, 10, 9), chain="rail")
    make_event(kind="matchmaking", budget=1_000_000, starts_at=datetime(2026, 3, 12, 9))


def test_budget_cap_counts_the_year_in_shanghai_and_skips_cancelled(make_event):
    # 2026-12-31 23:30 in Shanghai is 15:30 UTC: still 2026.
    make_event(
        budget=900_000, starts_at=datetime(2026, 12, 31, 23, 30), ends_at=datetime(2027, 1, 1, 1, 0)
    )
    make_event(budget=900_000, starts_at=datetime(2027, 1, 1, 9), chain="auto")
    cancelled = make_event(budget=100_000, starts_at=datetime(2026, 6, 1, 9), chain="rail")
    services.set_status(cancelled, "cancelled", reason="场地变更")
    make_event(budget=100_000, starts_at=datetime(2026, 7, 1, 9), chain="ai")
    with pytest.raises(ServiceError, match="¥100,000"):
        services.set_status(cancelled, "planned", reason="恢复")  # reviving it would exceed the cap


def test_caps_and_targets_are_settings(make_event, admin_user=None):
    programme.set_setting("roadshow_budget_cap", 200_000)
    with pytest.raises(ServiceError, match="¥200,000"):
        make_event(budget=250_000)
    programme.set_setting("matchmaking_target", 12)
    plan = programme.year_plan(2026)
    assert plan.matchmaking.target == 12
    assert plan.roadshow.cap == 200_000


def test_second_roadshow_in_a_month_and_same_chain_are_warned(make_event):
    make_event(title="三月机器人路演", starts_at=datetime(2026, 3, 5, 9))
    event = Event()
    warnings = services.save_event(
        event,
        {
            "title": "三月第二场",
            "kind": "roadshow",
            "chain": make_event(starts_at=datetime(2026, 5, 5, 9), chain="auto").chain,
            "starts_at": datetime(2026, 3, 20, 9),
            "ends_at": datetime(2026, 3, 20, 12),
            "budget": 10_000,
        },
    )
    assert any("3月已有路演" in w for w in warnings)
    assert any("产业链本年已有路演" in w for w in warnings)


def test_year_plan_counts_and_budgets(make_event):
    held = make_event(budget=80_000, starts_at=datetime(2026, 1, 8, 9), status="held")
    make_event(budget=70_000, starts_at=datetime(2026, 2, 8, 9), chain="auto")
    for i in range(3):
        make_event(kind="matchmaking", budget=50_000, starts_at=datetime(2026, 4, 2 + i, 9))
    plan = programme.year_plan(2026)
    assert plan.roadshow.count == 2
    assert plan.roadshow.spent == 80_000 and plan.roadshow.planned == 70_000
    assert plan.roadshow.remaining == 850_000
    assert plan.matchmaking.count == 3
    assert plan.months[0].roadshows == [held]
    assert len(plan.months[3].matchmaking) == 3
    assert any("还差 7 场" in w for w in plan.warnings)
    assert any("3月还没有路演" in w for w in plan.warnings)


def test_plan_page_shows_months_charts_and_is_for_organizers(client, auth, make_user, make_event):
    make_event(title="机器人路演", starts_at=datetime(2026, 3, 5, 9))
    member = make_user()
    auth.login(member)
    assert client.get("/events/plan/2026").status_code == 403
    auth.logout()
    auth.login(make_user(role="organizer", enterprise=None))
    html = client.get("/events/plan/2026").get_data(as_text=True)
    assert "机器人路演" in html and "<svg" in html and "12月" in html
    assert "¥1,000,000" in html


def test_organizer_creates_event_through_the_form_and_is_refused_over_cap(
    client, auth, make_user, make_event
):
    make_event(budget=990_000, starts_at=datetime(2026, 1, 5, 9))
    auth.login(make_user(role="organizer", enterprise=None))
    data = event_form_data()
    response = auth.post("/events/new", data)
    assert response.status_code == 200
    assert "超出2026年" in response.get_data(as_text=True)
    assert "¥10,000" in response.get_data(as_text=True)
    response = auth.post("/events/new", {**data, "budget": "10000"})
    assert response.status_code == 302
    event = db.session.execute(db.select(Event).where(Event.title == "新能源路演")).scalar_one()
    # Stored in UTC: 14:00 in Shanghai is 06:00 UTC.
    assert event.starts_at == datetime(2026, 4, 15, 6, 0)


def test_members_cannot_create_or_edit_events(client, auth, make_user, make_event):
    event = make_event()
    auth.login(make_user())
    assert client.get("/events/new").status_code == 403
    assert client.get(f"/events/{event.id}/edit").status_code == 403
    assert auth.post(f"/events/{event.id}/status", {"status": "cancelled"}).status_code == 403
    assert client.get(f"/events/{event.id}/manage").status_code == 403
    assert client.get(f"/events/{event.id}/invite").status_code == 403
    assert auth.post(f"/events/{event.id}/schedule").status_code == 403
    assert client.get("/events/settings").status_code == 403


def test_admin_edits_settings_page(client, auth, make_user):
    auth.login(make_user(role="admin", enterprise=None))
    response = auth.post(
        "/events/settings",
        {
            "roadshow_budget_cap": "1200000",
            "matchmaking_budget_cap": "900000",
            "matchmaking_target": "11",
            "roadshow_target": "12",
        },
    )
    assert response.status_code == 302
    assert programme.get_setting("matchmaking_target") == 11
    assert programme.get_setting("roadshow_budget_cap") == 1_200_000
