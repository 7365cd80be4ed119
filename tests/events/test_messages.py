"""Organizers' bulk mail: the audiences, the preview, one mail per person in their language,
sent once however often it is submitted, and promotional mail honouring unsubscribes."""

from datetime import datetime

from rongtong.digests import services as digests
from rongtong.events import messages
from rongtong.events import registrations as registration_ops
from rongtong.extensions import db
from rongtong.mail.models import OutboxMail
from rongtong.notifications.models import Notification


def _world(make_event, participant, make_user):
    event = make_event(title="机器人专场", capacity=2)
    here, here_reg = participant(event)
    away, _away_reg = participant(event)
    waiting, waiting_reg = participant(event)
    colleague = make_user(enterprise=here.enterprise, locale="en")
    # Check-in opens on the event's day (two hours before its start).
    registration_ops.check_in(here_reg, now=datetime(2026, 3, 18, 5, 30))  # 13:30 Shanghai
    assert waiting_reg.status == "waitlisted"
    return event, {"here": here, "away": away, "waiting": waiting, "colleague": colleague}


def _to(audience, event, promotional=False):
    return sorted(
        p.user.email for p in messages.recipients(event, audience, promotional=promotional)
    )


def test_each_audience_names_its_registrants(make_event, participant, make_user):
    event, u = _world(make_event, participant, make_user)
    email = {k: v.email for k, v in u.items()}
    assert _to("all", event) == sorted(email.values())
    assert _to("confirmed", event) == sorted([email["here"], email["colleague"], email["away"]])
    assert _to("waitlisted", event) == [email["waiting"]]
    assert _to("checked_in", event) == sorted([email["here"], email["colleague"]])
    assert _to("no_show", event) == [email["away"]]


def test_send_queues_one_mail_per_person_once_in_their_language(
    make_event, participant, make_user, organizer
):
    event, u = _world(make_event, participant, make_user)
    args = {"audience": "confirmed", "subject": "会场变更", "body": "改到 B 厅。"}
    assert messages.send_message(event, promotional=False, sender=organizer, **args) == 3
    assert messages.send_message(event, promotional=False, sender=organizer, **args) == 3
    mails = db.session.scalars(
        db.select(OutboxMail).where(OutboxMail.purpose == "event_message")
    ).all()
    assert len(mails) == 3
    english = next(m for m in mails if m.recipient == u["colleague"].email)
    assert english.subject == "[机器人专场] 会场变更"
    assert "The organizers of “机器人专场” write to you" in english.text_body
    chinese = next(m for m in mails if m.recipient == u["here"].email)
    assert chinese.subject == "【机器人专场】会场变更"
    assert "你好" in chinese.text_body and "改到 B 厅。" in chinese.text_body
    entries = db.session.scalars(
        db.select(Notification).where(Notification.kind == "event_message")
    ).all()
    assert sorted(n.user_id for n in entries) == sorted(
        u[k].id for k in ("here", "away", "colleague")
    )


def test_promotional_mail_skips_the_unsubscribed_transactional_does_not(
    make_event, participant, make_user
):
    event, u = _world(make_event, participant, make_user)
    digests.unsubscribe(u["away"])
    assert u["away"].email not in _to("confirmed", event, promotional=True)
    assert u["away"].email in _to("confirmed", event, promotional=False)


def test_the_page_previews_then_sends_and_is_organizers_only(
    client, auth, make_event, participant, make_user, organizer
):
    event, u = _world(make_event, participant, make_user)
    auth.login(u["here"])
    assert client.get(f"/events/{event.id}/message").status_code == 403
    auth.logout()
    auth.login(organizer)
    page = client.get(f"/events/{event.id}/message").get_data(as_text=True)
    assert "事务性邮件" in page
    form = {"audience": "no_show", "subject": "请补签到", "body": "明天上午仍可签到。"}
    empty = auth.post(f"/events/{event.id}/message", {**form, "subject": ""})
    assert "请填写邮件主题。" in empty.get_data(as_text=True)
    assert "明天上午仍可签到。" in empty.get_data(as_text=True)
    preview = auth.post(f"/events/{event.id}/message", {**form, "preview": "1"})
    text = preview.get_data(as_text=True)
    assert "将发送给 1 位收件人" in text and u["away"].enterprise.name in text
    assert db.session.scalars(db.select(OutboxMail).filter_by(purpose="event_message")).all() == []
    sent = auth.post(f"/events/{event.id}/message", {**form, "send": "1"})
    assert sent.status_code == 302
    (mail,) = db.session.scalars(db.select(OutboxMail).filter_by(purpose="event_message")).all()
    assert mail.recipient == u["away"].email
