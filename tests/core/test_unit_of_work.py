"""One unit of work per page request (core/web.py): commit once at the edge when a write
succeeds; roll back a failure and every read; a ServiceError becomes a message."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from rongtong.core.services import ServiceError
from rongtong.events import meetings as meeting_ops
from rongtong.events import registrations as registration_ops
from rongtong.events import services as event_services
from rongtong.events.models import Event, MeetingRequest, ProgrammeSetting, Registration
from rongtong.extensions import db
from rongtong.taxonomy.models import Chain
from tests.events.conftest import event_form_data

API = "/api/v1"


@pytest.fixture(autouse=True)
def _before_the_event():
    """Registration for the event of 18 March 2026 is open a week before it (events follow
    the clock)."""
    with time_machine.travel(datetime(2026, 3, 10, 2, 0, tzinfo=UTC), tick=True):
        yield


def _event(**overrides) -> Event:
    chain = db.session.execute(db.select(Chain).where(Chain.code == "robotics")).scalar_one()
    event = Event()
    event_services.save_event(
        event,
        {
            "title": "测试活动",
            "kind": "roadshow",
            "chain": chain,
            "theme": None,
            "starts_at": datetime(2026, 3, 18, 14, 0),
            "ends_at": datetime(2026, 3, 18, 18, 0),
            "timezone": "Asia/Shanghai",
            "venue": "广州国际创新城",
            "capacity": 0,
            "budget": 50_000,
            "organiser": "广州市中小企业服务中心",
            "requires_approval": False,
            **overrides,
        },
    )
    event.status = "open"
    db.session.flush()
    return event


def _registrations(event: Event) -> int:
    return db.session.execute(
        db.select(db.func.count(Registration.id)).where(Registration.event_id == event.id)
    ).scalar_one()


def test_a_view_that_fails_after_writing_leaves_nothing(client, auth, make_user, monkeypatch):
    event = _event()
    auth.login(make_user())
    real_register = registration_ops.register

    def register_then_fail(*args, **kwargs):
        real_register(*args, **kwargs)  # the registration row is flushed
        raise RuntimeError("boom")

    monkeypatch.setattr(registration_ops, "register", register_then_fail)
    response = auth.post(f"/events/{event.id}/register", {"note": ""})
    assert response.status_code == 500
    assert _registrations(event) == 0


def test_a_service_error_after_writing_leaves_nothing_and_flashes(
    client, auth, make_user, monkeypatch
):
    event = _event()
    auth.login(make_user())
    real_register = registration_ops.register

    def register_then_refuse(*args, **kwargs):
        real_register(*args, **kwargs)
        raise ServiceError("测试：拒绝报名。")

    monkeypatch.setattr(registration_ops, "register", register_then_refuse)
    response = auth.post(f"/events/{event.id}/register", {"note": ""}, follow_redirects=True)
    assert response.status_code == 200
    assert "测试：拒绝报名。" in response.get_data(as_text=True)
    assert _registrations(event) == 0


def test_a_successful_post_is_committed(client, auth, make_user):
    event = _event()
    auth.login(make_user())
    assert auth.post(f"/events/{event.id}/register", {"note": ""}).status_code == 302
    db.session.rollback()  # what the request committed survives a rollback of this session
    assert _registrations(event) == 1


def test_a_get_writes_nothing(client, monkeypatch):
    real_visible = event_services.visible_events

    def visible_and_write(*args, **kwargs):
        db.session.add(ProgrammeSetting(key="roadshow_target", value=99))
        db.session.flush()
        return real_visible(*args, **kwargs)

    monkeypatch.setattr(event_services, "visible_events", visible_and_write)
    assert client.get("/events/").status_code == 200
    assert db.session.get(ProgrammeSetting, "roadshow_target") is None


def test_a_service_error_rerenders_the_form_with_the_message_on_its_field(client, auth, make_user):
    _event(budget=990_000, starts_at=datetime(2026, 1, 5, 9), ends_at=datetime(2026, 1, 5, 12))
    auth.login(make_user(role="organizer", enterprise=None))
    data = event_form_data(title="新能源路演（超预算）")
    response = auth.post("/events/new", data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # The message sits on the budget field, and what was typed is still in the form.
    error = re.search(r'<p class="error" id="budget-error">([^<]*)</p>', html)
    assert error is not None and "超出2026年" in error.group(1)
    assert 'value="新能源路演（超预算）"' in html and 'value="20000"' in html
    assert (
        db.session.execute(
            db.select(Event).where(Event.title == "新能源路演（超预算）")
        ).scalar_one_or_none()
        is None
    )


@pytest.fixture
def lapsed_request(make_user, api_token):
    """A pending meeting request past its expiry (the job has not run), and its recipient."""
    event = _event()
    requester, recipient = make_user(), make_user()
    a = registration_ops.register(event, requester.enterprise, requester)
    b = registration_ops.register(event, recipient.enterprise, recipient)
    rq = meeting_ops.request_meeting(a, b, "想聊聊")
    rq.expires_at = rq.created_at - timedelta(minutes=1)
    headers = api_token(recipient)
    db.session.commit()
    return event, rq, recipient, headers


def _status(rq_id: int) -> str:
    db.session.expire_all()
    return db.session.get(MeetingRequest, rq_id).status


def test_answering_a_lapsed_request_is_refused_alike_on_web_and_api(client, auth, lapsed_request):
    event, rq, recipient, headers = lapsed_request
    api = client.post(
        f"{API}/events/{event.id}/meeting-requests/{rq.id}/respond",
        json={"accept": True},
        headers=headers,
    )
    assert api.status_code == 409 and api.get_json()["error"]["code"] == "bad_state"
    after_api = _status(rq.id)

    auth.login(recipient)
    web = auth.post(f"/events/{event.id}/requests/{rq.id}/accept", follow_redirects=True)
    assert web.status_code == 200 and "该邀约已不能回复（已过期）" in web.get_data(as_text=True)
    after_web = _status(rq.id)

    # Neither writes: the lapse is the job's to record, and then both see it.
    assert after_api == after_web == "pending"
    assert meeting_ops.expire_meeting_requests() == 1
    assert _status(rq.id) == "expired"
