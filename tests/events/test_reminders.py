"""Registrants are reminded 3 days and 1 day before the event (the Shanghai day), each once,
with their personal agenda and its .ics linked."""

from datetime import UTC, datetime

import time_machine

from rongtong.events import jobs
from rongtong.events import meetings as meeting_ops
from rongtong.events import registrations as registration_ops
from rongtong.extensions import db
from rongtong.mail.models import OutboxMail
from rongtong.notifications.models import Notification


def _reminders():
    return db.session.scalars(
        db.select(OutboxMail).where(OutboxMail.purpose == "event_reminder").order_by(OutboxMail.id)
    ).all()


def test_reminders_three_days_and_one_day_before_each_once(make_event, participant, make_user):
    # 14:00 on 18 March 2027 in Shanghai is 06:00 UTC.
    event = make_event(title="机器人路演", starts_at=datetime(2027, 3, 18, 14, 0))
    a_user, a = participant(event)
    b_user, b = participant(event)
    colleague = make_user(enterprise=a_user.enterprise, locale="en")
    _gone, gone = participant(event)
    registration_ops.cancel_registration(gone, by=_gone)
    meeting_ops.set_up_meetings(event, datetime(2027, 3, 18, 14), 2, 1)
    rq = meeting_ops.request_meeting(a, b, "")
    meeting_ops.respond_to_request(rq, True)
    meeting_ops.schedule_event(event)

    # 20:30 UTC on 14 March is 04:30 on 15 March in Shanghai: three local days ahead.
    with time_machine.travel(datetime(2027, 3, 14, 20, 30, tzinfo=UTC), tick=False):
        assert jobs.remind_registrants_job() == 3
        assert jobs.remind_registrants_job() == 0
    mails = _reminders()
    assert sorted(m.recipient for m in mails) == sorted(
        [a_user.email, b_user.email, colleague.email]
    )
    mine = next(m for m in mails if m.recipient == a_user.email)
    assert "机器人路演" in mine.subject and "2027-03-18 14:00" in mine.subject
    assert b.enterprise.name in mine.text_body  # the personal agenda: whom, when, where
    assert f"/events/{event.id}/agenda.ics" in mine.text_body
    assert a.code in mine.text_body
    english = next(m for m in mails if m.recipient == colleague.email)
    assert english.subject.startswith("Reminder:")

    # 16 March (local): between the reminders, nothing; 17 March: the one-day reminder.
    with time_machine.travel(datetime(2027, 3, 16, 1, 0, tzinfo=UTC), tick=False):
        assert jobs.remind_registrants_job() == 0
    with time_machine.travel(datetime(2027, 3, 16, 16, 30, tzinfo=UTC), tick=False):
        assert jobs.remind_registrants_job() == 3
    assert len(_reminders()) == 6
    entries = db.session.scalars(
        db.select(Notification).where(Notification.kind == "event_reminder")
    ).all()
    assert len(entries) == 6 and {n.user_id for n in entries} == {
        a_user.id, b_user.id, colleague.id,
    }  # fmt: skip


def test_cancelled_and_past_events_are_not_reminded(make_event, participant):
    cancelled = make_event(starts_at=datetime(2027, 3, 18, 14, 0))
    participant(cancelled)
    cancelled.status = "cancelled"
    participant(make_event(starts_at=datetime(2027, 3, 15, 14, 0)))
    with time_machine.travel(datetime(2027, 3, 15, 3, 0, tzinfo=UTC), tick=False):
        assert jobs.remind_registrants_job() == 0  # the other one is today: too late
    assert _reminders() == []


def test_the_reminders_calendar_link_opens_without_a_session_and_only_as_signed(
    app, make_event, participant
):
    import re
    from urllib.parse import urlsplit

    event = make_event(title="机器人路演", starts_at=datetime(2027, 3, 18, 14, 0))
    other_event = make_event(title="另一场", starts_at=datetime(2027, 3, 18, 14, 0))
    a_user, a = participant(event)
    _b_user, b = participant(event)
    meeting_ops.set_up_meetings(event, datetime(2027, 3, 18, 14), 2, 1)
    meeting_ops.respond_to_request(meeting_ops.request_meeting(a, b, ""), True)
    meeting_ops.schedule_event(event)
    client = app.test_client()  # a phone's mail app: no session
    with time_machine.travel(datetime(2027, 3, 14, 20, 30, tzinfo=UTC), tick=False):
        jobs.remind_registrants_job()
        db.session.flush()
        mail = next(m for m in _reminders() if m.recipient == a_user.email)
        link = urlsplit(re.search(r"http\S+/agenda\.ics\?token=\S+", mail.text_body).group(0))
        path = f"{link.path}?{link.query}"
        found = client.get(path)
        assert found.status_code == 200 and found.mimetype == "text/calendar"
        body = found.get_data(as_text=True)
        assert "BEGIN:VCALENDAR" in body and b.enterprise.name in body
        token = path.split("token=", 1)[1]
        assert client.get(f"/events/{event.id}/agenda.ics?token={token[:-2]}xx").status_code == 404
        assert client.get(f"/events/{other_event.id}/agenda.ics?token={token}").status_code == 404
        assert client.get(f"/events/{event.id}/agenda.ics").status_code == 302  # to the login
        registration_ops.cancel_registration(a, by=a_user)
        db.session.flush()
        assert client.get(path).status_code == 404  # no place, no agenda
