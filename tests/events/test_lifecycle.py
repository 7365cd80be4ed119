"""Events follow the clock: registration opens and closes, events are held when they end,
stale events catch up, an organizer's override stands; windows for registration, check-in,
requests, expiry, slots and moves; unverified enterprises; links only from PUBLIC_URL.

The clock is the conftest's (10 March 2026, 10:00 in Shanghai; the default event is on
18 March, 14:00–18:00); ``clock.move_to`` travels, services also take ``now=``.
"""

import json
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from rongtong.core.services import ServiceError
from rongtong.core.time import to_utc, utcnow
from rongtong.events import lifecycle, services
from rongtong.events import meetings as meeting_ops
from rongtong.events import registrations as registration_ops
from rongtong.events.jobs import advance_events_job
from rongtong.events.models import Event, Meeting
from rongtong.events.seeding import _load_one
from rongtong.extensions import db
from rongtong.mail.models import OutboxMail
from rongtong.scheduler.cli import build_scheduler
from rongtong.scheduler.schedule import JOBS
from tests.api.conftest import assert_error
from tests.conftest import CSRF_RE, PASSWORD
from tests.events.conftest import shanghai

API = "/api/v1"
SEED = Path(__file__).resolve().parents[2] / "seed_data" / "events" / "events.jsonl"


def utc(*args) -> datetime:
    """A Shanghai wall-clock time as the naive UTC the database holds."""
    return to_utc(datetime(*args), "Asia/Shanghai")


# --- the lifecycle by the clock -------------------------------------------------------------


def test_registration_opens_at_its_time(make_event):
    event = make_event(status="planned", registration_opens_at=datetime(2026, 3, 12, 9, 0))
    assert lifecycle.advance_events(now=utc(2026, 3, 12, 8, 59)) == []
    assert event.status == "planned"
    moved = lifecycle.advance_events(now=utc(2026, 3, 12, 9, 0))
    assert moved == [(event, "planned", "open")] and event.status == "open"
    # Without an opening time a planned event waits for an organizer.
    by_hand = make_event(status="planned", starts_at=datetime(2026, 3, 20, 9))
    lifecycle.advance_events(now=utc(2026, 3, 19, 9, 0))
    assert by_hand.status == "planned"


def test_registration_closes_at_the_start_or_its_own_time(make_event):
    at_start = make_event()
    early = make_event(
        chain="auto", registration_closes_at=datetime(2026, 3, 16, 18, 0), budget=10_000
    )
    lifecycle.advance_events(now=utc(2026, 3, 16, 17, 59))
    assert at_start.status == early.status == "open"
    lifecycle.advance_events(now=utc(2026, 3, 16, 18, 0))
    assert (at_start.status, early.status) == ("open", "closed")
    lifecycle.advance_events(now=utc(2026, 3, 18, 14, 0))
    assert at_start.status == "closed"


def test_an_event_is_held_when_it_ends(make_event):
    event = make_event()
    lifecycle.advance_events(now=utc(2026, 3, 18, 17, 59))
    assert event.status == "closed"
    lifecycle.advance_events(now=utc(2026, 3, 18, 18, 0))
    assert event.status == "held"
    cancelled = make_event(chain="auto", status="cancelled", budget=1)
    lifecycle.advance_events(now=utc(2026, 4, 1, 9, 0))
    assert cancelled.status == "cancelled"  # the clock never revives a cancelled event


def test_the_job_catches_up_the_seeds_stale_events(clock):
    """The seed's November events, loaded as the file has them (open, planned), are brought
    into line by one run of the job, as at scheduler start on 7 December 2026."""
    rows = [json.loads(line) for line in SEED.read_text(encoding="utf-8").splitlines() if line]
    stale = [r for r in rows if r["starts_at"][:7] in ("2026-11", "2026-12")]
    loaded = {r["starts_at"]: _load_one(r) for r in stale}
    assert {e.status for e in loaded.values()} == {"open", "planned"}
    clock.move_to(shanghai(2026, 12, 7, 10, 0))
    assert advance_events_job() == 2
    assert {k: e.status for k, e in loaded.items()} == {
        "2026-11-05T09:30": "held",  # was 计划中 a month after it took place
        "2026-11-20T14:00": "held",  # was 报名中
        "2026-12-08T09:30": "planned",  # tomorrow, not opened by hand
        "2026-12-17T14:00": "open",
    }
    assert advance_events_job() == 0  # nothing left to do


def test_the_job_runs_every_few_minutes_and_at_scheduler_start(app):
    definition = next(j for j in JOBS if j.id == "events.lifecycle")
    assert definition.func == "events.jobs:advance_events_job" and definition.at_start
    assert definition.trigger == "interval" and definition.trigger_args == {"minutes": 5}
    pending = {job.id: (job, kw) for job, _store, kw in build_scheduler(app)._pending_jobs}
    assert "events.lifecycle" in pending
    job = pending["events.lifecycle"][0]
    assert job.next_run_time is not None  # set at build: runs as soon as the scheduler starts


def test_an_organizers_override_is_kept_with_its_reason(make_event, organizer, client, auth):
    event = make_event()
    lifecycle.advance_events(now=utc(2026, 3, 18, 14, 0))
    assert event.status == "closed"
    # Reopening after the close is against the clock: a reason is asked for.
    with pytest.raises(ServiceError) as info:
        services.set_status(event, "open", user=organizer, now=utc(2026, 3, 18, 14, 5))
    assert info.value.field == "status_reason"
    services.set_status(
        event, "open", reason="现场补充报名", user=organizer, now=utc(2026, 3, 18, 14, 5)
    )
    assert event.status_set_at == utc(2026, 3, 18, 14, 5)
    assert event.status_set_by_id == organizer.id
    lifecycle.advance_events(now=utc(2026, 3, 18, 15, 0))
    assert event.status == "open"  # the close had passed before the organizer's decision
    db.session.commit()
    html = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "现场补充报名" in html and 'id="status-reason"' in html
    # Registration is open again on the organizer's word, until the event ends.
    assert registration_ops.registration_refusal(event, now=utc(2026, 3, 18, 15, 0)) is None
    lifecycle.advance_events(now=utc(2026, 3, 18, 18, 0))
    assert event.status == "held" and event.status_reason == ""


def test_pulling_an_event_back_is_not_undone(make_event, organizer):
    event = make_event(status="planned", registration_opens_at=datetime(2026, 3, 11, 9, 0))
    lifecycle.advance_events(now=utc(2026, 3, 11, 9, 0))
    assert event.status == "open"
    services.set_status(
        event, "planned", reason="议程调整", user=organizer, now=utc(2026, 3, 11, 10, 0)
    )
    lifecycle.advance_events(now=utc(2026, 3, 12, 10, 0))
    assert event.status == "planned"  # the opening time had passed before the override


def test_status_override_on_web_and_api_needs_a_reason(
    make_event, organizer, auth, client, api_token
):
    event = make_event()
    headers = api_token(organizer)
    db.session.commit()
    refused = client.patch(f"{API}/events/{event.id}", json={"status": "closed"}, headers=headers)
    assert assert_error(refused, 422, "status_reason")["code"] == "reason_required"
    ok = client.patch(
        f"{API}/events/{event.id}",
        json={"status": "closed", "status_reason": "名额已满"},
        headers=headers,
    )
    assert ok.status_code == 200
    body = ok.get_json()
    assert body["status"] == "closed" and body["status_reason"] == "名额已满"
    assert body["status_set_at"] is not None
    auth.login(organizer)
    page = auth.post(f"/events/{event.id}/status", {"status": "cancelled"}, follow_redirects=True)
    assert "请填写原因" in page.get_data(as_text=True)
    db.session.refresh(event)
    assert event.status == "closed"
    auth.post(
        f"/events/{event.id}/status", {"status": "cancelled", "reason": "台风", "confirm": "1"}
    )
    db.session.refresh(event)
    assert (event.status, event.status_reason) == ("cancelled", "台风")


# --- windows ------------------------------------------------------------------------------


def test_registration_window_on_web_and_api(make_event, make_user, auth, client, api_token, clock):
    early = make_event(status="planned", registration_opens_at=datetime(2026, 3, 12, 9, 0))
    user = make_user()
    headers = api_token(user)
    db.session.commit()
    refused = client.post(f"{API}/events/{early.id}/registrations", json={}, headers=headers)
    error = assert_error(refused, 409)
    assert error["code"] == "not_open" and "2026-03-12 09:00" in error["message"]
    late = make_event(chain="auto", budget=1)
    db.session.commit()
    clock.move_to(shanghai(2026, 3, 18, 14, 0))  # the start: registration has closed
    refused = client.post(f"{API}/events/{late.id}/registrations", json={}, headers=headers)
    error = assert_error(refused, 409)
    assert error["code"] == "registration_closed" and "2026-03-18 14:00" in error["message"]
    auth.login(user)
    page = auth.post(f"/events/{late.id}/register", {}, follow_redirects=True)
    assert "报名已于 2026-03-18 14:00 截止" in page.get_data(as_text=True)
    assert registration_ops.registration_for(late, user.enterprise_id) is None
    # The page says so instead of offering the form.
    html = client.get(f"/events/{late.id}").get_data(as_text=True)
    assert 'id="registration-closed"' in html
    assert f'action="/events/{late.id}/register"' not in html
    refused_mail = db.select(OutboxMail).where(OutboxMail.purpose == "event_registration")
    assert db.session.execute(refused_mail).first() is None  # no confirmation sent


def test_check_in_window(make_event, participant, app):
    event = make_event()
    _user, reg = participant(event)
    with pytest.raises(ServiceError) as info:
        registration_ops.check_in(reg, now=utc(2026, 3, 18, 11, 59))
    assert info.value.code == "checkin_not_open" and "2026-03-18 12:00" in info.value.message
    registration_ops.check_in(reg, now=utc(2026, 3, 18, 12, 0))
    assert reg.checked_in_at == utc(2026, 3, 18, 12, 0)
    registration_ops.check_in(reg, undo=True)
    with pytest.raises(ServiceError) as info:
        registration_ops.check_in(reg, now=utc(2026, 3, 18, 18, 0))
    assert info.value.code == "checkin_closed"
    app.config["EVENT_CHECKIN_HOURS_BEFORE"] = 4
    try:
        registration_ops.check_in(reg, now=utc(2026, 3, 18, 10, 0))
    finally:
        app.config["EVENT_CHECKIN_HOURS_BEFORE"] = 2
    assert reg.checked_in_at is not None


def test_check_in_by_api_outside_the_window_is_409(make_event, participant, organizer, client,
                                                   api_token):  # fmt: skip
    event = make_event()
    _user, reg = participant(event)
    headers = api_token(organizer)
    db.session.commit()
    url = f"{API}/events/{event.id}/registrations/{reg.id}/checkin"
    assert assert_error(client.post(url, headers=headers), 409)["code"] == "checkin_not_open"


def test_requests_until_the_event_ends_and_expiry_never_outlives_it(make_event, participant):
    event = make_event()
    event.request_ttl_hours = 48
    _a, a = participant(event)
    _b, b = participant(event)
    _c, c = participant(event)
    early = meeting_ops.request_meeting(a, b, now=utc(2026, 3, 12, 9, 0))
    assert early.expires_at == utc(2026, 3, 14, 9, 0)  # the TTL, well before the event
    late = meeting_ops.request_meeting(a, c, now=utc(2026, 3, 18, 16, 0))
    assert late.expires_at == event.ends_at == utc(2026, 3, 18, 18, 0)
    mail = db.session.execute(
        db.select(OutboxMail).where(OutboxMail.key.like(f"%meeting-request:{late.id}:%"))
    ).scalar_one()
    assert "2026-03-18 18:00" in mail.text_body
    with pytest.raises(ServiceError) as info:
        meeting_ops.request_meeting(b, c, now=utc(2026, 3, 18, 18, 0))
    assert info.value.code == "event_over"


def test_slots_must_lie_within_the_events_hours(make_event):
    event = make_event()  # 14:00–18:00; slots of 20 minutes and 5 of break
    with pytest.raises(ServiceError) as info:
        meeting_ops.set_up_meetings(event, datetime(2026, 3, 18, 13, 30), 3, 2)
    assert info.value.field == "first_start" and "14:00" in info.value.message
    with pytest.raises(ServiceError) as info:
        # 10 slots from 14:00 end at 18:05.
        meeting_ops.set_up_meetings(event, datetime(2026, 3, 18, 14, 0), 10, 2)
    assert "18:05" in info.value.message
    meeting_ops.set_up_meetings(event, datetime(2026, 3, 18, 14, 0), 9, 2)  # ends 17:40
    assert len(event.slots) == 9 and event.slots[-1].ends_at <= event.ends_at


@pytest.fixture
def scheduled(make_event, participant):
    """Three participants, two slots and two tables; A meets B in slot 0, C is free."""
    event = make_event()
    regs = [participant(event)[1] for _ in range(3)]
    meeting_ops.set_up_meetings(event, datetime(2026, 3, 18, 14, 0), 2, 2)
    a, b, c = regs
    slot0, slot1 = (s.id for s in event.slots)
    table0, table1 = (t.id for t in event.tables)
    ab = meeting_ops.add_meeting(event, a, b, slot0, table0)
    ac = meeting_ops.add_meeting(event, a, c, slot1, table0)
    return SimpleNamespace(
        event=event, a=a, b=b, c=c, slot0=slot0, slot1=slot1, table0=table0, table1=table1,
        ab=ab, ac=ac,
    )  # fmt: skip


def test_a_move_into_an_unavailable_slot_needs_confirmation(scheduled, organizer):
    a, b, ab, ac = scheduled.a, scheduled.b, scheduled.ab, scheduled.ac
    slot0, slot1, table1 = scheduled.slot0, scheduled.slot1, scheduled.table1
    meeting_ops.set_unavailable(b, [slot1])
    with pytest.raises(ServiceError) as info:
        meeting_ops.move_meeting(ab, slot1, table1)
    assert info.value.code == "conflict" and b.enterprise.name in info.value.message
    assert ab.slot_id == slot0 and ab.forced_at is None
    # A and C meet in slot 1 too: A already holds it.
    assert a.enterprise.name in info.value.message
    meeting_ops.move_meeting(ab, slot1, table1, force=True, user=organizer)
    assert ab.slot_id == slot1 and ab.pinned and ab.forced_by_id == organizer.id
    assert ab.forced_at is not None and b.enterprise.name in ab.forced_note
    # A's other meeting in that slot gave way: nobody is in two places at once.
    assert db.session.get(Meeting, ac.id) is None


def test_a_taken_table_is_never_forced(scheduled):
    with pytest.raises(ServiceError) as info:
        # A and C already sit at table 0 in slot 1.
        meeting_ops.move_meeting(scheduled.ab, scheduled.slot1, scheduled.table0, force=True)
    assert info.value.code == "clash"


def test_moves_on_web_and_api_with_and_without_confirmation(
    scheduled, organizer, auth, client, api_token
):
    event, b, ab = scheduled.event, scheduled.b, scheduled.ab
    slot0, slot1, table0, table1 = (
        scheduled.slot0, scheduled.slot1, scheduled.table0, scheduled.table1
    )  # fmt: skip
    meeting_ops.set_unavailable(b, [slot1])
    headers = api_token(organizer)
    db.session.commit()
    url = f"{API}/events/{event.id}/meetings/{ab.id}/move"
    refused = client.post(url, json={"slot_id": slot1, "table_id": table1}, headers=headers)
    assert assert_error(refused, 409)["code"] == "conflict"
    auth.login(organizer)
    web_url = f"/events/{event.id}/meetings/{ab.id}/move"
    page = auth.post(web_url, {"slot_id": slot1, "table_id": table1}, follow_redirects=True)
    assert "确认覆盖" in page.get_data(as_text=True)
    db.session.refresh(ab)
    assert ab.slot_id == slot0
    auth.post(web_url, {"slot_id": slot1, "table_id": table1, "force": "y"})
    db.session.refresh(ab)
    assert ab.slot_id == slot1 and ab.forced_by_id == organizer.id
    back = client.post(
        url, json={"slot_id": slot0, "table_id": table0, "force": True}, headers=headers
    )
    assert back.status_code == 200 and back.get_json()["table"] == event.tables[0].name


# --- unverified enterprises -----------------------------------------------------------------


@pytest.fixture
def unverified(make_user, make_enterprise, api_token):
    user = make_user(enterprise=make_enterprise(verified=False))
    return user, api_token(user)


def test_an_unverified_enterprise_waits_for_approval_web_and_api(
    make_event, make_user, make_enterprise, unverified, organizer, auth, client, api_token
):
    event = make_event()
    _user, headers = unverified
    db.session.commit()
    body = client.post(f"{API}/events/{event.id}/registrations", json={}, headers=headers)
    assert body.status_code == 201 and body.get_json()["status"] == "pending"
    web_user = make_user(enterprise=make_enterprise(verified=False))
    auth.login(web_user)
    page = auth.post(f"/events/{event.id}/register", {}, follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "等待主办方审核" in html and "尚未通过主办方认证" in html
    assert registration_ops.registration_for(event, web_user.enterprise_id).status == "pending"
    assert 'id="unverified-notice"' in client.get(f"/events/{event.id}").get_data(as_text=True)
    auth.logout()
    # A verified firm at the same event is confirmed at once and sees no notice.
    verified = make_user()
    auth.login(verified)
    auth.post(f"/events/{event.id}/register", {})
    assert registration_ops.registration_for(event, verified.enterprise_id).status == "confirmed"
    assert 'id="unverified-notice"' not in client.get(f"/events/{event.id}").get_data(as_text=True)


def test_an_unverified_enterprise_sends_no_requests_and_records_no_outcomes(
    make_event, participant, unverified, organizer, auth, client
):
    event = make_event()
    user, headers = unverified
    reg = registration_ops.register(event, user.enterprise, user)
    registration_ops.approve(reg)  # the organizer lets it attend
    _other_user, other = participant(event)
    meeting_ops.set_up_meetings(event, datetime(2026, 3, 18, 14, 0), 2, 2)
    meeting = meeting_ops.add_meeting(event, reg, other, event.slots[0].id, event.tables[0].id)
    db.session.commit()
    mails_before = db.session.execute(db.select(db.func.count(OutboxMail.id))).scalar_one()
    api = client.post(
        f"{API}/events/{event.id}/meeting-requests",
        json={"recipient_id": other.id, "message": "你好"},
        headers=headers,
    )
    assert assert_error(api, 403)["code"] == "unverified"
    outcome = client.post(
        f"{API}/events/{event.id}/meetings/{meeting.id}/outcome",
        json={"attendance": "held", "stage": "contact"},
        headers=headers,
    )
    assert assert_error(outcome, 403)["code"] == "unverified"
    auth.login(user)
    page = auth.post(
        f"/events/{event.id}/requests", {"recipient_id": other.id}, follow_redirects=True
    )
    assert "暂不能发出洽谈邀约" in page.get_data(as_text=True)
    page = client.get(f"/events/{event.id}/meetings").get_data(as_text=True)
    assert 'id="unverified-notice"' in page and 'name="recipient_id"' not in page
    web = auth.post(
        f"/events/{event.id}/meetings/{meeting.id}/outcome",
        {"attendance": "held", "stage": "contact", "deal_type": "", "note": ""},
    )
    assert "暂不能记录洽谈成果" in web.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.execute(db.select(db.func.count(OutboxMail.id))).scalar_one() == (
        mails_before
    )
    assert db.session.get(Meeting, meeting.id).attendance is None
    # Organizers record outcomes for any meeting.
    created = meeting_ops.record_meeting_outcome(
        db.session.get(Meeting, meeting.id), attendance="held", stage="contact", user=organizer
    )
    assert len(created) == 1


# --- links ----------------------------------------------------------------------------------


EVIL = "http://evil.example"


def _login_at(client, user, base_url: str) -> str:
    """Log in through the form on ``base_url`` (its own cookies); returns the CSRF token."""
    html = client.get("/login", base_url=base_url).get_data(as_text=True)
    token = CSRF_RE.search(html).group(1)
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
        base_url=base_url,
    )
    assert response.status_code == 302
    return CSRF_RE.search(client.get("/", base_url=base_url).get_data(as_text=True)).group(1)


def _links(text: str) -> list[str]:
    return [word for word in text.split() if "://" in word]


def test_event_mail_links_only_to_public_url_whatever_the_host(
    app, make_event, make_user, participant, client
):
    """A member posts a registration and a meeting request with a crafted Host header: every
    mail queued links to PUBLIC_URL only."""
    event = make_event()
    sender = make_user()
    _recipient, other = participant(event)
    db.session.commit()
    token = _login_at(client, sender, EVIL)
    registered = client.post(
        f"/events/{event.id}/register", data={"csrf_token": token}, base_url=EVIL
    )
    assert registered.status_code == 302
    sent = client.post(
        f"/events/{event.id}/requests",
        data={"csrf_token": token, "recipient_id": other.id, "message": "想聊聊"},
        base_url=EVIL,
    )
    assert sent.status_code == 302
    db.session.expire_all()
    mails = db.session.execute(db.select(OutboxMail)).scalars().all()
    purposes = {m.purpose for m in mails}
    assert {"event_registration", "meeting_request"} <= purposes
    public = app.config["PUBLIC_URL"]
    for mail in mails:
        assert "evil.example" not in mail.text_body
        assert _links(mail.text_body) == [f"{public}/events/{event.id}"]


def test_api_meeting_request_mail_ignores_the_host_header(
    app, make_event, participant, client, api_token
):
    event = make_event()
    sender, _reg = participant(event)
    _recipient, other = participant(event)
    headers = {**api_token(sender), "Host": "evil.example"}
    db.session.commit()
    response = client.post(
        f"{API}/events/{event.id}/meeting-requests",
        json={"recipient_id": other.id, "message": ""},
        headers=headers,
    )
    assert response.status_code == 201
    db.session.expire_all()
    mail = db.session.execute(
        db.select(OutboxMail).where(OutboxMail.purpose == "meeting_request")
    ).scalar_one()
    assert _links(mail.text_body) == [f"{app.config['PUBLIC_URL']}/events/{event.id}"]


def test_now_defaults_to_the_clock(make_event, clock):
    event = make_event()
    clock.move_to(shanghai(2026, 3, 18, 18, 1))
    assert utcnow() >= event.ends_at
    assert lifecycle.advance_events() == [(event, "open", "held")]
    assert db.session.get(Event, event.id).status == "held"
    assert lifecycle.request_expiry(event, now=event.ends_at - timedelta(hours=1)) == (
        event.ends_at
    )
