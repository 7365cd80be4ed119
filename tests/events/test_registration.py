"""Registration: capacity, waiting list moving up, approval, check-in by list and code."""

import pytest

from rongtong.core.services import ServiceError
from rongtong.events import registrations as registration_ops
from rongtong.extensions import db
from rongtong.mail.models import OutboxMail
from tests.events.conftest import shanghai


def mails(purpose):
    return (
        db.session.execute(
            db.select(OutboxMail).where(OutboxMail.purpose == purpose).order_by(OutboxMail.id)
        )
        .scalars()
        .all()
    )


def test_capacity_and_waiting_list_moves_up_on_cancellation(make_event, participant):
    event = make_event(capacity=2)
    _u1, r1 = participant(event)
    _u2, r2 = participant(event)
    _u3, r3 = participant(event)
    _u4, r4 = participant(event)
    assert [r.status for r in (r1, r2, r3, r4)] == [
        "confirmed",
        "confirmed",
        "waitlisted",
        "waitlisted",
    ]
    moved = registration_ops.cancel_registration(r2)
    assert moved == [r3]
    assert r3.status == "confirmed" and r4.status == "waitlisted"
    assert registration_ops.confirmed_count(event) == 2
    assert any(m.subject.startswith("候补转正") for m in mails("event_registration"))
    # Cancelling a waitlisted one moves nobody.
    assert registration_ops.cancel_registration(r4) == []


def test_registration_codes_are_unique_and_listings_must_be_own(
    make_event, participant, make_listing, make_user
):
    event = make_event()
    user = make_user()
    foreign = make_listing()
    with pytest.raises(ServiceError, match="本单位已发布"):
        registration_ops.register(event, user.enterprise, user, [foreign])
    own = make_listing(enterprise=user.enterprise)
    reg = registration_ops.register(event, user.enterprise, user, [own])
    assert reg.listings == [own]
    codes = {participant(event)[1].code for _ in range(5)} | {reg.code}
    assert len(codes) == 6 and all(len(c) == 8 for c in codes)
    with pytest.raises(ServiceError) as info:
        registration_ops.register(event, user.enterprise, user)
    assert info.value.code == "already_registered"


def test_closed_event_refuses_registration(make_event, make_user):
    event = make_event(status="planned")
    user = make_user()
    with pytest.raises(ServiceError) as info:
        registration_ops.register(event, user.enterprise, user)
    assert info.value.code == "not_open" and info.value.status == 409


def test_approval_then_waiting_list(make_event, participant):
    event = make_event(capacity=1, requires_approval=True)
    _u1, r1 = participant(event)
    _u2, r2 = participant(event)
    assert r1.status == r2.status == "pending"
    registration_ops.approve(r2)
    registration_ops.approve(r1)
    assert r2.status == "confirmed" and r1.status == "waitlisted"
    registration_ops.cancel_registration(r2)
    assert r1.status == "confirmed"
    _u3, r3 = participant(event)
    registration_ops.reject(r3)
    assert r3.status == "rejected"


def test_check_in_by_code_and_list(make_event, participant, clock):
    event = make_event(capacity=1)
    _u1, r1 = participant(event)
    _u2, r2 = participant(event)
    clock.move_to(shanghai(2026, 3, 18, 13, 30))  # the event's day, doors open
    registration_ops.check_in_by_code(event, r1.code.lower())
    assert r1.checked_in_at is not None
    with pytest.raises(ServiceError):
        registration_ops.check_in(r2)  # waitlisted
    with pytest.raises(ServiceError) as info:
        registration_ops.check_in_by_code(event, "NOPE1234")
    assert info.value.status == 404
    registration_ops.check_in(r1, undo=True)
    assert r1.checked_in_at is None


def test_pages_register_cancel_and_organizer_checkin(client, auth, make_user, make_event, clock):
    event = make_event(capacity=1)
    member = make_user()
    auth.login(member)
    assert auth.post(f"/events/{event.id}/register", {}).status_code == 302
    reg = registration_ops.registration_for(event, member.enterprise_id)
    assert reg.status == "confirmed"
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert reg.code in page
    auth.logout()
    other = make_user()
    auth.login(other)
    auth.post(f"/events/{event.id}/register", {})
    assert registration_ops.registration_for(event, other.enterprise_id).status == "waitlisted"
    # The waitlisted member does not see the other's code.
    assert reg.code not in client.get(f"/events/{event.id}").get_data(as_text=True)
    auth.logout()
    clock.move_to(shanghai(2026, 3, 18, 13, 30))  # the event's day, doors open
    auth.login(make_user(role="organizer", enterprise=None))
    html = client.get(f"/events/{event.id}/manage").get_data(as_text=True)
    assert reg.code in html and html.count('id="csrf_token"') <= 1
    assert auth.post(f"/events/{event.id}/checkin", {"code": reg.code}).status_code == 302
    assert reg.checked_in_at is not None
    auth.post(f"/events/{event.id}/registrations/{reg.id}/cancel", {"confirm": "1"})
    assert reg.status == "cancelled"
    assert registration_ops.registration_for(event, other.enterprise_id).status == "confirmed"
    csv = client.get(f"/events/{event.id}/export/registrations.csv")
    assert csv.status_code == 200 and other.enterprise.name in csv.get_data(as_text=True)


def test_cancelling_an_event_or_a_registration_asks_first(
    make_event, make_user, client, auth, organizer
):
    event = make_event()
    member = make_user()
    reg = registration_ops.register(event, member.enterprise, member, [])
    auth.login(member)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert 'data-confirm="取消后名额会让给候补单位' in page
    asked = auth.post(f"/events/{event.id}/cancel")
    assert asked.status_code == 200 and "确认取消报名" in asked.get_data(as_text=True)
    assert reg.status == "confirmed"
    auth.post(f"/events/{event.id}/cancel", {"confirm": "1"})
    assert reg.status == "cancelled"
    auth.logout()
    auth.login(organizer)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    # Status changes are buttons named for what they do, the cancelling one apart.
    assert "截止报名" in page and ">取消活动</button>" in page
    # (An organizer's change the clock would not make needs a reason: the lifecycle's rule.)
    asked = auth.post(f"/events/{event.id}/status", {"status": "cancelled", "reason": "台风"})
    assert "确认取消活动" in asked.get_data(as_text=True)
    assert event.status == "open"
    auth.post(
        f"/events/{event.id}/status", {"status": "cancelled", "reason": "台风", "confirm": "1"}
    )
    assert event.status == "cancelled"
    # Other changes need no second step.
    auth.post(f"/events/{event.id}/status", {"status": "planned", "reason": "改期"})
    assert event.status == "planned"
