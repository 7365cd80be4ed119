"""Owners hear 7 days (and 1 day) before their listing expires: one mail and one entry in the
notification centre per reminder day, decided on the Shanghai day."""

from datetime import UTC, date, datetime

import time_machine

from rongtong.extensions import db
from rongtong.listings.jobs import remind_deadlines
from rongtong.mail.models import OutboxMail
from rongtong.notifications.models import Notification


def test_expiry_seven_days_ahead_reaches_the_owners_once(make_user, make_listing):
    owner = make_user()
    colleague = make_user(enterprise=owner.enterprise)
    outsider = make_user()
    listing = make_listing(enterprise=owner.enterprise, deadline=date(2027, 1, 15))
    make_listing(enterprise=outsider.enterprise, deadline=date(2027, 2, 15))
    # 17:00 UTC on 7 January is 01:00 on 8 January in Shanghai: 7 local days ahead.
    with time_machine.travel(datetime(2027, 1, 7, 17, 0, tzinfo=UTC), tick=False):
        assert remind_deadlines() == 2
        remind_deadlines()
    entries = db.session.scalars(
        db.select(Notification).where(Notification.kind == "listing_expiring")
    ).all()
    assert sorted(n.user_id for n in entries) == sorted([owner.id, colleague.id])
    assert entries[0].params == {"title": listing.title, "deadline": "2027-01-15"}
    mails = db.session.scalars(
        db.select(OutboxMail).where(OutboxMail.purpose == "deadline_reminder")
    ).all()
    assert sorted(m.recipient for m in mails) == sorted([owner.email, colleague.email])
    # 23:00 on 6 January in Shanghai: 9 days ahead, outside the window.
    with time_machine.travel(datetime(2027, 1, 6, 15, 0, tzinfo=UTC), tick=False):
        assert remind_deadlines() == 0
