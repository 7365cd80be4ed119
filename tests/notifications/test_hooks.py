"""Every state change that concerns someone leaves an entry in their notification centre,
and a mail in their language where no other mail already says it."""

from datetime import datetime

import pytest

from rongtong.enterprises import merge
from rongtong.enterprises import services as enterprises
from rongtong.events import meetings as meeting_ops
from rongtong.events import registrations as registration_ops
from rongtong.extensions import db
from rongtong.listings import services as listings
from rongtong.mail.models import OutboxMail
from rongtong.notifications.models import Notification
from rongtong.notifications.notices import sentence
from rongtong.proposals import review
from rongtong.proposals import services as proposals


def notes(user, kind=None):
    stmt = db.select(Notification).where(Notification.user_id == user.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return db.session.scalars(stmt.order_by(Notification.id)).all()


def mails(user, purpose):
    return db.session.scalars(
        db.select(OutboxMail).where(
            OutboxMail.recipient == user.email, OutboxMail.purpose == purpose
        )
    ).all()


def test_verification_decisions_are_entries_without_a_second_mail(
    make_user, make_enterprise, organizer
):
    member = make_user(enterprise=make_enterprise(verified=False))
    enterprises.verify_enterprise(member.enterprise, organizer)
    (note,) = notes(member, "enterprise_verified")
    assert member.enterprise.name in sentence(note.kind, note.params)
    assert note.endpoint == "enterprises.detail"
    assert mails(member, "notice_enterprise_verified") == []
    assert len(mails(member, "enterprise_approved")) == 1

    other = make_user(enterprise=make_enterprise(verified=False))
    enterprises.reject_enterprise(other.enterprise, organizer, "营业执照不清晰")
    assert [n.kind for n in notes(other)] == ["enterprise_rejected"]
    assert mails(other, "notice_enterprise_rejected") == []


def test_a_merge_tells_the_duplicates_members_where_they_now_belong(
    make_user, make_enterprise, organizer, client, auth
):
    original = make_enterprise(name="广州市星瀚精密机械有限公司")
    duplicate = make_enterprise(name="星瀚精密机械（广州）股份有限公司", verified=False)
    zh = make_user(enterprise=duplicate)
    en = make_user(enterprise=duplicate, locale="en")
    colleague = make_user(enterprise=original)
    merge.merge_enterprises(duplicate, original, organizer)
    for member in (zh, en):
        (note,) = notes(member, "enterprise_merged")
        assert note.endpoint == "enterprises.detail"
        assert note.endpoint_values == {"enterprise_id": original.id}
        (mail,) = mails(member, "notice_enterprise_merged")
        assert "星瀚精密机械（广州）股份有限公司" in mail.subject
        assert "广州市星瀚精密机械有限公司" in mail.subject
    assert "并入" in mails(zh, "notice_enterprise_merged")[0].subject
    assert "has merged" in mails(en, "notice_enterprise_merged")[0].subject
    assert notes(colleague, "enterprise_merged") == []  # not moved anywhere, but told:
    (joined,) = notes(colleague, "enterprise_merged_in")
    assert joined.endpoint == "enterprises.members"
    assert "星瀚精密机械（广州）股份有限公司" in sentence(joined.kind, joined.params)
    auth.login(en)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "you are now a member of “广州市星瀚精密机械有限公司”" in page


def test_listing_taken_down_tells_the_owners_why(make_user, make_listing, organizer, client, auth):
    owner = make_user(locale="en")
    listing = make_listing(enterprise=owner.enterprise)
    listings.unpublish_listing(listing, "联系方式不实", organizer)
    (note,) = notes(owner, "listing_taken_down")
    assert "联系方式不实" in sentence(note.kind, note.params)
    (mail,) = mails(owner, "notice_listing_taken_down")
    assert "was taken down" in mail.subject and "联系方式不实" in mail.text_body
    auth.login(owner)
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "联系方式不实" in page


def test_an_organizer_cancelling_a_place_tells_the_enterprise_but_self_cancel_does_not(
    make_event, participant, organizer
):
    event = make_event(title="焊接专场")
    user, reg = participant(event)
    registration_ops.cancel_registration(reg, by=organizer)
    (note,) = notes(user, "registration_cancelled")
    assert "焊接专场" in sentence(note.kind, note.params)
    assert len(mails(user, "notice_registration_cancelled")) == 1

    other, other_reg = participant(event)
    registration_ops.cancel_registration(other_reg, by=other)
    assert notes(other, "registration_cancelled") == []


def test_confirmed_and_promoted_places_are_entries_beside_the_registration_mail(
    make_event, participant
):
    event = make_event(capacity=1)
    first, first_reg = participant(event)
    second, second_reg = participant(event)
    assert second_reg.status == "waitlisted"
    assert len(notes(first, "registration_confirmed")) == 1
    assert notes(second, "registration_confirmed") == []
    registration_ops.cancel_registration(first_reg, by=first)
    assert second_reg.status == "confirmed"
    assert len(notes(second, "registration_confirmed")) == 1
    # The registration mail stays the one mail about the place.
    assert mails(second, "notice_registration_confirmed") == []


@pytest.fixture
def meeting_world(make_event, participant):
    event = make_event(title="对接会")
    a_user, a = participant(event)
    b_user, b = participant(event)
    meeting_ops.set_up_meetings(event, datetime(2026, 3, 18, 14), 3, 2)
    return event, (a_user, a), (b_user, b)


def test_meeting_requests_received_accepted_declined_carry_the_message(meeting_world):
    _event, (a_user, a), (b_user, b) = meeting_world
    rq = meeting_ops.request_meeting(a, b, "想聊聊焊接方案")
    (received,) = notes(b_user, "meeting_request_received")
    assert "想聊聊焊接方案" in sentence(received.kind, received.params)
    assert mails(b_user, "notice_meeting_request_received") == []  # its own mail exists
    meeting_ops.respond_to_request(rq, True)
    (accepted,) = notes(a_user, "meeting_request_accepted")
    assert "想聊聊焊接方案" in sentence(accepted.kind, accepted.params)
    (mail,) = mails(a_user, "notice_meeting_request_accepted")
    assert "想聊聊焊接方案" in mail.text_body and "想聊聊" not in mail.subject

    meeting_ops.withdraw_request(rq)
    rq2 = meeting_ops.request_meeting(b, a, "")
    meeting_ops.respond_to_request(rq2, False)
    (declined,) = notes(b_user, "meeting_request_declined")
    assert b.enterprise.name not in sentence(declined.kind, declined.params)
    assert a.enterprise.name in sentence(declined.kind, declined.params)


def test_schedule_published_and_a_moved_meeting_tell_both_sides(meeting_world):
    event, (a_user, a), (b_user, b) = meeting_world
    rq = meeting_ops.request_meeting(a, b, "")
    meeting_ops.respond_to_request(rq, True)
    meeting_ops.schedule_event(event)
    for user in (a_user, b_user):
        (note,) = notes(user, "schedule_published")
        assert note.endpoint == "events.agenda"
        assert len(mails(user, "notice_schedule_published")) == 1
    meeting_ops.schedule_event(event)  # the same agenda again: nobody is told twice
    for user in (a_user, b_user):
        assert len(notes(user, "schedule_published")) == 1
        assert len(mails(user, "notice_schedule_published")) == 1
    meeting = db.session.scalars(db.select(meeting_ops.Meeting)).one()
    meeting_ops.move_meeting(meeting, meeting.slot_id, meeting.table_id)
    assert notes(a_user, "meeting_moved") == []  # not moved at all
    other_slot = next(s for s in event.slots if s.id != meeting.slot_id)
    meeting_ops.move_meeting(meeting, other_slot.id, meeting.table_id)
    (moved,) = notes(a_user, "meeting_moved")
    assert b.enterprise.name in sentence(moved.kind, moved.params)
    assert a.enterprise.name in sentence(notes(b_user, "meeting_moved")[0].kind,
                                         notes(b_user, "meeting_moved")[0].params)  # fmt: skip


def test_proposal_status_changes_are_entries_beside_their_mails(app, make_user, make_listing):
    owner = make_user()
    challenge = make_listing(enterprise=owner.enterprise)
    proposer = make_user()
    with app.test_request_context():
        proposal = proposals.create_proposal(
            proposer,
            challenge,
            {"summary": "方案", "approach": "路线", "team": "团队", "timeline": "四个月",
             "quote": 100000},
            accept=True,
        )  # fmt: skip
        review.shortlist_proposal(proposal, owner)
    (submitted,) = notes(owner, "proposal_submitted")
    assert challenge.title in sentence(submitted.kind, submitted.params)
    (shortlisted,) = notes(proposer, "proposal_shortlisted")
    assert shortlisted.endpoint_values == {"proposal_id": proposal.id}
    assert mails(proposer, "notice_proposal_shortlisted") == []
    assert len(mails(proposer, "proposal_shortlisted")) == 1
