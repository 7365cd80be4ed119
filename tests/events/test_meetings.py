"""Meetings end to end: invitations by match, requests and expiry, the scheduler on an
event (pinned kept), iCalendar parsed back, exports, outcomes into the ledger, access."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from icalendar import Calendar
from openpyxl import load_workbook

from rongtong.core.services import ServiceError
from rongtong.core.time import to_local, utcnow
from rongtong.events import invitations as invitation_ops
from rongtong.events import meetings as meeting_ops
from rongtong.events import registrations as registration_ops
from rongtong.events.models import Meeting
from rongtong.extensions import db
from rongtong.mail.models import OutboxMail
from rongtong.matches import services as match_services
from rongtong.outcomes.services import ledger

TOPICS = [
    ("激光焊接变形控制", ["激光焊接", "焊接变形"]),
    ("机器视觉缺陷检测", ["机器视觉", "缺陷检测"]),
    ("协作机器人装配", ["协作机器人", "柔性装配"]),
]


@pytest.fixture
def world(make_event, make_user, make_enterprise, make_listing):
    """A roadshow with three challenge owners and three SMEs whose capabilities match."""
    event = make_event(chain="robotics", capacity=0)
    owners, smes = [], []
    for title, keywords in TOPICS:
        owner = make_user(enterprise=make_enterprise(kind="large", tier=None))
        ch = make_listing(
            enterprise=owner.enterprise,
            kind="challenge",
            chain="robotics",
            title=f"寻求{title}方案",
            summary=f"产线需要{title}，" + "、".join(keywords),
            keywords=keywords,
        )
        sme = make_user()
        cap = make_listing(
            enterprise=sme.enterprise, kind="capability", chain="robotics", title=f"{title}服务",
            summary=f"提供{title}，" + "、".join(keywords), keywords=keywords,
        )  # fmt: skip
        owners.append((owner, ch))
        smes.append((sme, cap))
    match_services.rebuild_index()
    return event, owners, smes


def _register_all(event, owners, smes):
    regs = {}
    for user, listing in owners + smes:
        regs[user.id] = registration_ops.register(event, user.enterprise, user, [listing])
    return regs


def test_suggestions_and_invitations_queue_mail(world, organizer):
    event, owners, smes = world
    found = invitation_ops.suggestions(event)
    by_enterprise = {s.enterprise.id: s for s in found}
    for sme, cap in smes:
        s = by_enterprise[sme.enterprise_id]
        assert s.role == "sme" and s.score > 0 and s.reasons
        assert s.listing == cap
    for owner, _ch in owners:
        assert by_enterprise[owner.enterprise_id].role == "challenge_owner"
    picked = [smes[0][0].enterprise_id, owners[0][0].enterprise_id]
    created = invitation_ops.invite(event, picked, user=organizer)
    assert len(created) == 2
    queued = (
        db.session.execute(db.select(OutboxMail).where(OutboxMail.purpose == "event_invitation"))
        .scalars()
        .all()
    )
    assert {m.recipient for m in queued} == {smes[0][0].email, owners[0][0].email}
    assert all("推荐理由" in m.text_body for m in queued)
    # Invited enterprises leave the suggestions; strangers cannot be invited.
    assert smes[0][0].enterprise_id not in {
        s.enterprise.id for s in invitation_ops.suggestions(event)
    }
    with pytest.raises(ServiceError):
        invitation_ops.invite(event, [999_999], user=organizer)


def test_meeting_requests_accept_decline_and_expiry(world):
    event, owners, smes = world
    regs = _register_all(event, owners, smes)
    a, b, c = regs[owners[0][0].id], regs[smes[0][0].id], regs[smes[1][0].id]
    rq = meeting_ops.request_meeting(a, b, "想聊聊焊接")
    assert rq.status == "pending" and rq.score and rq.score > 0
    assert rq.expires_at > utcnow() + timedelta(hours=47)
    with pytest.raises(ServiceError):
        meeting_ops.request_meeting(b, a)  # one open request per pair
    meeting_ops.respond_to_request(rq, accept=True)
    assert rq.status == "accepted"
    late = meeting_ops.request_meeting(a, c)
    late.expires_at = utcnow() - timedelta(minutes=1)
    assert meeting_ops.expire_meeting_requests() == 1
    db.session.refresh(late)
    assert late.status == "expired"
    with pytest.raises(ServiceError):
        meeting_ops.respond_to_request(late, accept=True)
    # Answering a request after its time, before the job ran, also finds it expired; the
    # refusal writes nothing, and the job records the lapse.
    d = meeting_ops.request_meeting(c, b)
    with pytest.raises(ServiceError):
        meeting_ops.respond_to_request(d, accept=False, now=d.expires_at + timedelta(seconds=1))
    assert d.status == "pending"
    assert meeting_ops.expire_meeting_requests(now=d.expires_at + timedelta(seconds=1)) == 1
    db.session.refresh(d)
    assert d.status == "expired"


def test_schedule_event_seats_requests_keeps_pinned_and_reports_bound(world):
    event, owners, smes = world
    regs = _register_all(event, owners, smes)
    meeting_ops.set_up_meetings(event, datetime(2026, 3, 18, 14, 0), n_slots=3, n_tables=2)
    assert len(event.slots) == 3 and len(event.tables) == 2
    # 14:00, 14:25, 14:50 in Shanghai (20 minutes + 5 of break).
    assert [to_local(s.starts_at, event.timezone).strftime("%H:%M") for s in event.slots] == [
        "14:00",
        "14:25",
        "14:50",
    ]
    o0, s0, s1 = regs[owners[0][0].id], regs[smes[0][0].id], regs[smes[1][0].id]
    rq = meeting_ops.request_meeting(o0, s1)
    meeting_ops.respond_to_request(rq, accept=True)
    meeting_ops.set_unavailable(s0, [event.slots[0].id])
    pinned = meeting_ops.add_meeting(event, o0, s0, event.slots[2].id, event.tables[1].id)
    result = meeting_ops.schedule_event(event)
    assert 0 < result.score <= result.bound
    meetings = meeting_ops.event_meetings(event)
    assert pinned in meetings and pinned.slot_id == event.slots[2].id
    pairs = {frozenset((m.a_id, m.b_id)): m for m in meetings}
    assert pairs[frozenset((o0.id, s1.id))].source == "request"
    places, busy = set(), set()
    for m in meetings:
        assert (m.slot_id, m.table_id) not in places
        places.add((m.slot_id, m.table_id))
        for reg_id in (m.a_id, m.b_id):
            assert (reg_id, m.slot_id) not in busy
            busy.add((reg_id, m.slot_id))
        if s0.id in (m.a_id, m.b_id):
            assert m.slot_id != event.slots[0].id
    # Run again: the pinned one stays, nothing doubles.
    meeting_ops.schedule_event(event)
    assert db.session.get(Meeting, pinned.id) is not None
    assert len(meeting_ops.event_meetings(event)) == len(meetings)
    # Moving by hand into a taken place is refused; into a free one pins it.
    other = next(m for m in meeting_ops.event_meetings(event) if m.id != pinned.id)
    with pytest.raises(ServiceError):
        meeting_ops.move_meeting(other, pinned.slot_id, pinned.table_id)
    assert event.schedule_score == result.score


def test_icalendar_has_vtimezone_and_parses_back(world, client, auth):
    event, owners, smes = world
    regs = _register_all(event, owners, smes)
    meeting_ops.set_up_meetings(event, datetime(2026, 3, 18, 14, 0), n_slots=2, n_tables=3)
    meeting_ops.schedule_event(event)
    db.session.flush()
    owner = owners[0][0]
    auth.login(owner)
    body = client.get(f"/events/{event.id}/agenda.ics")
    assert body.status_code == 200 and body.mimetype == "text/calendar"
    cal = Calendar.from_ical(body.data)
    tz = cal.walk("VTIMEZONE")
    assert tz and str(tz[0]["TZID"]) == "Asia/Shanghai"
    vevents = cal.walk("VEVENT")
    mine = meeting_ops.event_meetings(event, regs[owner.id])
    assert len(vevents) == 1 + len(mine)
    first = vevents[0]
    assert str(first["SUMMARY"]) == event.title
    start = first.decoded("DTSTART")
    assert start.utcoffset() == timedelta(hours=8) and start.hour == 14
    assert first["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert all("UID" in v and "DTSTAMP" in v for v in vevents)
    whole = Calendar.from_ical(client.get(f"/events/{event.id}/calendar.ics").data)
    assert len(whole.walk("VEVENT")) == 1  # members get the event, not everyone's meetings


def test_exports_csv_and_xlsx(world, client, auth, organizer):
    event, owners, smes = world
    _register_all(event, owners, smes)
    meeting_ops.set_up_meetings(event, datetime(2026, 3, 18, 14, 0), n_slots=2, n_tables=3)
    meeting_ops.schedule_event(event)
    auth.login(organizer)
    response = client.get(f"/events/{event.id}/export/meetings.csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:6] == ["编号", "开始时间", "结束时间", "桌号", "甲方", "乙方"]
    assert len(rows) == 1 + len(meeting_ops.event_meetings(event))
    sources = {row[7] for row in rows[1:]}
    assert sources and sources <= {"邀约", "推荐", "手工"}
    local_day = to_local(utcnow(), event.timezone).date().isoformat()
    disposition = response.headers["Content-Disposition"]
    assert f'filename="event-{event.id}-meetings-{local_day}.csv"' in disposition
    wb = load_workbook(io.BytesIO(client.get(f"/events/{event.id}/export/registrations.xlsx").data))
    sheet = wb.active
    assert sheet.max_row == 1 + 6 and sheet.title == "报名"
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["编号", "单位名称", "统一社会信用代码", "报名状态"]
    assert header[-3:] == ["联系人", "联系电话", "联系邮箱"]  # organizers export contacts
    first = dict(zip(header, next(sheet.iter_rows(min_row=2, values_only=True)), strict=True))
    assert first["报名状态"] == "报名成功" and first["联系邮箱"]
    assert client.get(f"/events/{event.id}/agenda").status_code == 200


def test_exports_in_english_show_no_raw_code(world, client, auth, organizer):
    from tests.conftest import csrf_token

    event, owners, smes = world
    _register_all(event, owners, smes)
    meeting_ops.set_up_meetings(event, datetime(2026, 3, 18, 14, 0), n_slots=2, n_tables=3)
    meeting_ops.schedule_event(event)
    auth.login(organizer)
    client.post("/language/en", data={"csrf_token": csrf_token(client, "/"), "next": "/"})
    raw = {"confirmed", "pending", "suggested", "request", "manual", "held", "no_show", "yes"}
    for what in ("registrations", "meetings"):
        data = client.get(f"/events/{event.id}/export/{what}.csv").data.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(data)))
        assert rows[0][0] == "Ref"
        assert not raw & {cell for row in rows[1:] for cell in row}, what
    rows = list(csv.DictReader(io.StringIO(
        client.get(f"/events/{event.id}/export/registrations.csv").data.decode("utf-8-sig")
    )))  # fmt: skip
    assert {row["Registration status"] for row in rows} == {"Confirmed"}


def test_outcomes_go_into_the_ledger_and_enterprises_see_only_their_own(
    world, client, auth, organizer
):
    event, owners, smes = world
    regs = _register_all(event, owners, smes)
    meeting_ops.set_up_meetings(event, datetime(2026, 3, 18, 14, 0), n_slots=2, n_tables=3)
    meeting_ops.schedule_event(event)
    meetings = meeting_ops.event_meetings(event)
    m = next(x for x in meetings if regs[owners[0][0].id].id in (x.a_id, x.b_id))
    created = meeting_ops.record_meeting_outcome(
        m, attendance="held", stage="contract", deal_type="order", amount=300_000, user=organizer
    )
    assert [o.stage for o in created] == ["contact", "intent", "contract"]
    assert created[-1].demand_enterprise_id == owners[0][0].enterprise_id
    # Recording again adds nothing twice.
    assert (
        meeting_ops.record_meeting_outcome(
            m, attendance="held", stage="contract", deal_type="order", amount=300_000
        )
        == []
    )
    rows, total = ledger(event_id=event.id)
    assert total.counts == {"contact": 1, "intent": 1, "contract": 1}
    assert total.amount == 300_000
    rows, _total = ledger(year=2026, by="chain")
    assert any(r.label == "智能装备与机器人" and r.amount == 300_000 for r in rows)
    with pytest.raises(ServiceError):
        meeting_ops.record_meeting_outcome(m, attendance="no_show", stage="intent")
    # A party sees it; a stranger in the same event does not, nor can record.
    other = next(
        x for x in meetings if m.a_id not in (x.a_id, x.b_id) and m.b_id not in (x.a_id, x.b_id)
    )
    outsider = next(u for u, _l in owners + smes if regs[u.id].id not in (m.a_id, m.b_id))
    auth.login(outsider)
    html = client.get(f"/events/{event.id}/outcomes").get_data(as_text=True)
    assert "300,000" not in html and "30 万元" not in html
    assert client.get(f"/events/{event.id}/meetings/{m.id}/outcome").status_code == 403
    if outsider.enterprise_id in (other.a.enterprise_id, other.b.enterprise_id):
        assert client.get(f"/events/{event.id}/meetings/{other.id}/outcome").status_code == 200
    # Members cannot run the scheduler or see the whole schedule's exports.
    assert auth.post(f"/events/{event.id}/schedule").status_code == 403
    assert client.get(f"/events/{event.id}/export/meetings.csv").status_code == 403
    auth.logout()
    party = next(u for u, _l in owners + smes if regs[u.id].id == m.a_id)
    auth.login(party)
    assert "30 万元" in client.get(f"/events/{event.id}/outcomes").get_data(as_text=True)


def test_member_meetings_page_and_request_flow(world, client, auth):
    event, owners, smes = world
    regs = _register_all(event, owners, smes)
    meeting_ops.set_up_meetings(event, datetime(2026, 3, 18, 14, 0), n_slots=2, n_tables=3)
    owner, sme = owners[0][0], smes[0][0]
    auth.login(owner)
    html = client.get(f"/events/{event.id}/meetings").get_data(as_text=True)
    assert sme.enterprise.name in html  # suggested partner, ranked by score
    assert (
        auth.post(
            f"/events/{event.id}/requests", {"recipient_id": regs[sme.id].id, "message": "你好"}
        ).status_code
        == 302
    )
    rq = meeting_ops.requests_for(regs[owner.id])[0]
    # The requester cannot accept their own request.
    assert auth.post(f"/events/{event.id}/requests/{rq.id}/accept").status_code == 403
    auth.post(f"/events/{event.id}/unavailable", {"slot_ids": [event.slots[0].id]})
    assert meeting_ops.unavailable_slots(regs[owner.id]) == {event.slots[0].id}
    auth.logout()
    auth.login(sme)
    assert auth.post(f"/events/{event.id}/requests/{rq.id}/accept").status_code == 302
    assert rq.status == "accepted"


def test_organizer_schedule_page_runs_and_dashboard_shows(world, client, auth, organizer):
    event, owners, smes = world
    _register_all(event, owners, smes)
    auth.login(organizer)
    assert (
        auth.post(
            f"/events/{event.id}/slots",
            {"first_start": "2026-03-18T14:00", "n_slots": "3", "n_tables": "2"},
        ).status_code
        == 302
    )
    assert auth.post(f"/events/{event.id}/schedule").status_code == 302
    html = client.get(f"/events/{event.id}/meetings").get_data(as_text=True)
    assert "上次排程" in html
    m = meeting_ops.event_meetings(event)[0]
    free = next(
        (s.id, t.id)
        for s in event.slots
        for t in event.tables
        if not any(
            x.slot_id == s.id and x.table_id == t.id for x in meeting_ops.event_meetings(event)
        )
        and not any(
            x.slot_id == s.id and {x.a_id, x.b_id} & {m.a_id, m.b_id}
            for x in meeting_ops.event_meetings(event)
        )
    )
    auth.post(f"/events/{event.id}/meetings/{m.id}/move", {"slot_id": free[0], "table_id": free[1]})
    assert (m.slot_id, m.table_id) == free and m.pinned
    meeting_ops.record_meeting_outcome(m, attendance="held", stage="intent")
    dash = client.get("/events/dashboard?year=2026").get_data(as_text=True)
    assert "<svg" in dash and "智能装备与机器人" in dash
