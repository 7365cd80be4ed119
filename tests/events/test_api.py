"""The events API: same rules as the pages, documented, 4xx in the one error shape."""

from datetime import datetime

import pytest
from icalendar import Calendar

from rongtong.events import meetings as meeting_ops
from rongtong.extensions import db
from rongtong.matches import services as match_services
from tests.api.conftest import assert_error

API = "/api/v1"


@pytest.fixture
def org(make_user, api_token):
    user = make_user(role="organizer", enterprise=None)
    headers = api_token(user)
    db.session.commit()
    return user, headers


@pytest.fixture
def member(make_user, api_token):
    def make():
        user = make_user()
        headers = api_token(user)
        db.session.commit()
        return user, headers

    return make


EVENT = {
    "title": "智能装备路演",
    "kind": "roadshow",
    "chain": "robotics",
    "starts_at": "2026-05-20T14:00:00",
    "ends_at": "2026-05-20T17:00:00",
    "capacity": 1,
    "budget": 60000,
}


def test_create_list_patch_and_plan(client, org, member):
    _user, headers = org
    created = client.post(f"{API}/events", json=EVENT, headers=headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["starts_at"] == "2026-05-20T06:00:00+00:00" and body["warnings"] == []
    second = client.post(
        f"{API}/events",
        json={
            **EVENT,
            "title": "五月第二场",
            "starts_at": "2026-05-27T14:00:00+08:00",
            "ends_at": "2026-05-27T17:00:00+08:00",
        },
        headers=headers,
    ).get_json()
    assert any("5月已有路演" in w for w in second["warnings"])
    over = client.post(
        f"{API}/events", json={**EVENT, "budget": 900_000, "chain": "auto"}, headers=headers
    )
    error = assert_error(over, 422, "budget")
    assert error["code"] == "over_cap" and "¥20,000" in error["message"]
    patched = client.patch(f"{API}/events/{body['id']}", json={"status": "open"}, headers=headers)
    assert patched.status_code == 200 and patched.get_json()["status"] == "open"
    bad = client.patch(f"{API}/events/{body['id']}", json={"status": "held"}, headers=headers)
    assert_error(bad, 409)
    listed = client.get(f"{API}/events?year=2026").get_json()
    assert listed["total"] == 2
    plan = client.get(f"{API}/plan/2026", headers=headers).get_json()
    assert plan["roadshow"]["count"] == 2 and plan["roadshow"]["planned"] == 120_000
    assert plan["matchmaking"]["target"] == 10 and len(plan["months"]) == 12
    _m, member_headers = member()
    assert_error(client.get(f"{API}/plan/2026", headers=member_headers), 403)
    assert_error(client.post(f"{API}/events", json=EVENT, headers=member_headers), 403)
    assert_error(client.post(f"{API}/events", json=EVENT), 401)
    assert_error(
        client.post(f"{API}/events", json={**EVENT, "kind": "party"}, headers=headers), 422, "kind"
    )


def test_registrations_waitlist_meetings_schedule_and_ics(
    client, org, member, make_listing, make_event
):
    _org, oh = org
    event = make_event(capacity=2, chain="robotics")
    (u1, h1), (u2, h2), (_u3, h3) = member(), member(), member()
    l1 = make_listing(
        enterprise=u1.enterprise,
        kind="challenge",
        chain="robotics",
        title="寻求机器视觉检测",
        keywords=["机器视觉"],
    )
    l2 = make_listing(
        enterprise=u2.enterprise,
        kind="capability",
        chain="robotics",
        title="机器视觉检测系统",
        keywords=["机器视觉"],
    )
    match_services.rebuild_index()
    db.session.commit()
    r1 = client.post(
        f"{API}/events/{event.id}/registrations", json={"listing_ids": [l1.id]}, headers=h1
    ).get_json()
    r2 = client.post(
        f"{API}/events/{event.id}/registrations", json={"listing_ids": [l2.id]}, headers=h2
    ).get_json()
    r3 = client.post(f"{API}/events/{event.id}/registrations", json={}, headers=h3).get_json()
    assert [r["status"] for r in (r1, r2, r3)] == ["confirmed", "confirmed", "waitlisted"]
    # Someone else's listing is refused; a member sees only their own registration.
    assert_error(
        client.post(
            f"{API}/events/{event.id}/registrations", json={"listing_ids": [l1.id]}, headers=h3
        ),
        422,
        "listings",
    )
    assert_error(client.post(f"{API}/events/{event.id}/registrations", json={}, headers=h3), 409)
    mine = client.get(f"{API}/events/{event.id}/registrations", headers=h1).get_json()["items"]
    assert [r["id"] for r in mine] == [r1["id"]]
    everyone = client.get(f"{API}/events/{event.id}/registrations", headers=oh).get_json()
    assert len(everyone["items"]) == 3
    suggestions = client.get(f"{API}/events/{event.id}/suggestions", headers=oh).get_json()
    assert all("score" in s and "reasons" in s for s in suggestions["items"])
    assert_error(client.get(f"{API}/events/{event.id}/suggestions", headers=h1), 403)
    # Meeting request, answered by the recipient only.
    rq = client.post(
        f"{API}/events/{event.id}/meeting-requests",
        json={"recipient_id": r2["id"], "message": "聊聊"},
        headers=h1,
    )
    assert rq.status_code == 201, rq.get_json()
    rq = rq.get_json()
    assert_error(
        client.post(
            f"{API}/events/{event.id}/meeting-requests/{rq['id']}/respond",
            json={"accept": True},
            headers=h1,
        ),
        403,
    )
    ok = client.post(
        f"{API}/events/{event.id}/meeting-requests/{rq['id']}/respond",
        json={"accept": True},
        headers=h2,
    )
    assert ok.get_json()["status"] == "accepted"
    meeting_ops.set_up_meetings(
        db.session.get(type(event), event.id), datetime(2026, 3, 18, 14), n_slots=2, n_tables=2
    )
    db.session.commit()
    assert_error(client.post(f"{API}/events/{event.id}/schedule", headers=h1), 403)
    result = client.post(f"{API}/events/{event.id}/schedule", headers=oh).get_json()
    assert result["meetings"] == 1 and result["unplaced_requests"] == 0
    assert 0 < result["score"] <= result["bound"]
    schedule = client.get(f"{API}/events/{event.id}/meetings", headers=h2).get_json()
    assert len(schedule["meetings"]) == 1 and schedule["meetings"][0]["source"] == "request"
    assert_error(client.get(f"{API}/events/{event.id}/meetings", headers=h3), 403)  # waitlisted
    meeting_id = schedule["meetings"][0]["id"]
    assert_error(
        client.post(
            f"{API}/events/{event.id}/meetings/{meeting_id}/outcome",
            json={"attendance": "held"},
            headers=h3,
        ),
        403,
    )
    recorded = client.post(
        f"{API}/events/{event.id}/meetings/{meeting_id}/outcome",
        json={"attendance": "held", "stage": "intent"},
        headers=h1,
    )
    assert recorded.status_code == 201
    assert [o["stage"] for o in recorded.get_json()["items"]] == ["contact", "intent"]
    assert client.get(f"{API}/events/{event.id}/outcomes", headers=h3).get_json()["items"] == []
    assert len(client.get(f"{API}/events/{event.id}/outcomes", headers=h2).get_json()["items"]) == 2
    # Cancelling moves the waiting list up.
    client.post(f"{API}/events/{event.id}/registrations/{r1['id']}/cancel", headers=h1)
    assert (
        client.get(f"{API}/events/{event.id}/registrations", headers=h3).get_json()["items"][0][
            "status"
        ]
        == "confirmed"
    )
    assert_error(
        client.post(f"{API}/events/{event.id}/registrations/{r2['id']}/cancel", headers=h3), 403
    )
    ics = client.get(f"{API}/events/{event.id}/agenda.ics", headers=h2)
    assert ics.mimetype == "text/calendar"
    cal = Calendar.from_ical(ics.data)
    assert cal.walk("VTIMEZONE") and len(cal.walk("VEVENT")) == 1  # the meeting went with r1
    whole = Calendar.from_ical(client.get(f"{API}/events/{event.id}/calendar.ics").data)
    assert str(whole.walk("VEVENT")[0]["SUMMARY"]) == event.title


def test_events_are_in_the_openapi_document(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    paths = spec["paths"]
    for path in (
        "/api/v1/events",
        "/api/v1/plan/{year}",
        "/api/v1/events/{event_id}/registrations",
        "/api/v1/events/{event_id}/suggestions",
        "/api/v1/events/{event_id}/meetings",
        "/api/v1/events/{event_id}/schedule",
        "/api/v1/events/{event_id}/calendar.ics",
        "/api/v1/events/{event_id}/agenda.ics",
    ):
        assert path in paths, path
    assert paths["/api/v1/events"]["post"]["security"] == [{"bearerAuth": []}]
    assert (
        "text/calendar"
        in paths["/api/v1/events/{event_id}/calendar.ics"]["get"]["responses"]["200"]["content"]
    )


def test_unknown_event_is_a_json_404(client):
    assert_error(client.get(f"{API}/events/999999"), 404)
    assert_error(client.get(f"{API}/events/99999999999999999999"), 404)


def test_budgets_are_shown_to_organizers_only(client, org, member):
    _user, headers = org
    created = client.post(f"{API}/events", json=EVENT, headers=headers).get_json()
    assert created["budget"] == EVENT["budget"]
    _member, member_headers = member()
    for caller in ({}, member_headers):
        listed = client.get(f"{API}/events", headers=caller).get_json()["items"]
        mine = [e for e in listed if e["id"] == created["id"]]
        assert mine and mine[0]["budget"] is None
        one = client.get(f"{API}/events/{created['id']}", headers=caller).get_json()
        assert one["budget"] is None
    shown = client.get(f"{API}/events/{created['id']}", headers=headers).get_json()
    assert shown["budget"] == EVENT["budget"]
