"""Meetings, member side and organizer side: the request's message on the web, the opt-in
attendee directory, the organizer's slot × table grid with pending and unplaced requests,
and the per-event cut-off that the organizer sees and lowers."""

from datetime import datetime

from rongtong.events import meetings as meeting_ops
from rongtong.events import registrations as registration_ops
from rongtong.events.models import Meeting, Registration
from rongtong.extensions import db
from rongtong.matches import services as match_services

from .test_meetings import _register_all, world  # noqa: F401


def test_recipient_sees_the_message_and_requests_from_the_directory(world, client, auth):  # noqa: F811
    event, owners, smes = world
    regs = _register_all(event, owners, smes)
    owner, sme, other = owners[0][0], smes[0][0], smes[2][0]
    meeting_ops.request_meeting(regs[owner.id], regs[sme.id], "想聊聊焊接变形的工艺参数")
    auth.login(sme)
    html = client.get(f"/events/{event.id}/meetings").get_data(as_text=True)
    assert "想聊聊焊接变形的工艺参数" in html
    # Nobody is listed until they opt in.
    assert "还没有参会单位选择在名录中列出" in html
    regs[other.id].directory_visible = True
    db.session.flush()
    html = client.get(f"/events/{event.id}/meetings").get_data(as_text=True)
    assert other.enterprise.name in html.split('id="directory"')[1].split("</section>")[0]
    response = auth.post(
        f"/events/{event.id}/requests", {"recipient_id": regs[other.id].id, "message": "名录里看到"}
    )
    assert response.status_code == 302
    rows = meeting_ops.attendee_directory(regs[sme.id])
    assert [r["reg"].id for r in rows] == [regs[other.id].id]
    assert rows[0]["requested"] is True


def test_directory_visibility_is_opt_in_and_toggled_by_the_member(world, client, auth):  # noqa: F811
    event, owners, smes = world
    regs = _register_all(event, owners, smes)
    sme = smes[0][0]
    assert regs[sme.id].directory_visible is False
    auth.login(sme)
    auth.post(f"/events/{event.id}/directory", {"visible": "1"})
    db.session.refresh(regs[sme.id])
    assert regs[sme.id].directory_visible is True
    auth.post(f"/events/{event.id}/directory", {"visible": "0"})
    db.session.refresh(regs[sme.id])
    assert regs[sme.id].directory_visible is False


def test_registering_with_the_directory_box_ticked(make_event, make_user, client, auth):
    event = make_event()
    user = make_user()
    auth.login(user)
    response = auth.post(f"/events/{event.id}/register", {"directory_visible": "y"})
    assert response.status_code == 302
    reg = db.session.execute(
        db.select(Registration).where(Registration.enterprise_id == user.enterprise_id)
    ).scalar_one()
    assert reg.directory_visible is True


def test_organizer_grid_lists_pending_and_unplaced_requests(world, client, auth, organizer):  # noqa: F811
    event, owners, smes = world
    regs = _register_all(event, owners, smes)
    meeting_ops.set_up_meetings(event, datetime(2026, 3, 18, 14, 0), 2, 1)
    waiting = meeting_ops.request_meeting(regs[owners[1][0].id], regs[smes[1][0].id], "稍后回复")
    accepted = meeting_ops.request_meeting(regs[owners[0][0].id], regs[smes[0][0].id])
    meeting_ops.respond_to_request(accepted, accept=True)
    pending, unplaced = meeting_ops.open_requests(event)
    assert pending == [waiting] and unplaced == [accepted]
    meeting_ops.schedule_event(event)
    pending, unplaced = meeting_ops.open_requests(event)
    assert unplaced == []
    auth.login(organizer)
    html = client.get(f"/events/{event.id}/meetings").get_data(as_text=True)
    assert "时段 × 桌位" in html and "1 号桌" in html
    assert "待回复的邀约（1）" in html and "稍后回复" in html
    assert "已接受但未安排的邀约（0）" in html
    grid = html.split('class="table meeting-grid"')[1].split("</table>")[0]
    seated = db.session.execute(db.select(Meeting).where(Meeting.event_id == event.id)).scalars()
    for m in seated:
        assert m.a.enterprise.name in grid and m.b.enterprise.name in grid


def test_four_firms_cutoff_seen_and_lowered(
    make_event, make_user, make_listing, client, auth, organizer
):
    """4 firms, 8 slots, 5 tables: the default cut-off leaves weak pairs out; the organizer
    sees it, lowers it, and the scheduler fills up to each person's cap."""
    event = make_event(chain="robotics")
    event.meetings_per_person = 6
    regs = []
    for kind, title, words in (
        ("challenge", "寻求激光焊接变形控制方案", ["激光焊接", "焊接变形"]),
        ("challenge", "寻求焊接机器人产线方案", ["激光焊接", "机器人"]),
        ("capability", "激光焊接变形控制服务", ["激光焊接", "焊接变形"]),
        ("capability", "焊接机器人集成", ["激光焊接", "机器人"]),
    ):
        user = make_user()
        listing = make_listing(
            enterprise=user.enterprise, kind=kind, chain="robotics", title=title,
            summary=f"{title}，" + "、".join(words), keywords=words,
        )  # fmt: skip
        regs.append(registration_ops.register(event, user.enterprise, user, [listing]))
    match_services.rebuild_index()
    meeting_ops.set_up_meetings(event, datetime(2026, 3, 18, 14, 0), 8, 5)
    scores = meeting_ops.pair_scores(event)
    # Every challenge owner matches every SME: four pairs, two per firm.
    assert len(scores) == 4
    # A cut-off above the weakest pairs seats fewer than six; the page says what is lost.
    weakest = min(ps.score for ps in scores.values())
    meeting_ops.set_good_score(event, min(1.0, weakest + 1e-3))
    fewer = meeting_ops.schedule_event(event)
    assert len(fewer.meetings) < 6
    assert meeting_ops.meetings_below_cutoff(event) == 4 - len(fewer.meetings)
    auth.login(organizer)
    html = client.get(f"/events/{event.id}/meetings").get_data(as_text=True)
    assert "推荐洽谈的分数线" in html and f'value="{weakest + 1e-3:.2f}"' in html
    response = auth.post(f"/events/{event.id}/meetings/cutoff", {"good_score": "0"})
    assert response.status_code == 302
    assert event.meeting_good_score == 0.0
    response = auth.post(f"/events/{event.id}/schedule", follow_redirects=True)
    assert "已安排 4 场洽谈" in response.get_data(as_text=True)
    assert event.schedule_optimal is True
    counts = {r.id: 0 for r in regs}
    for m in db.session.execute(db.select(Meeting).where(Meeting.event_id == event.id)).scalars():
        counts[m.a_id] += 1
        counts[m.b_id] += 1
    assert set(counts.values()) == {2}
    bad = auth.post(
        f"/events/{event.id}/meetings/cutoff", {"good_score": "2"}, follow_redirects=True
    )
    assert "须在 0 到 1 之间" in bad.get_data(as_text=True)
    assert event.meeting_good_score == 0.0
