"""After an event each side of each meeting gets a one-page survey through a signed link;
the answers feed the outcome ledger, and a reported next step brings the survey back at 3 and
6 months. A frozen clock decides who gets what, once."""

import re
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import pytest
import time_machine
from itsdangerous import URLSafeTimedSerializer

from rongtong.digests.services import unsubscribe_token
from rongtong.events import meetings as meeting_ops
from rongtong.extensions import db
from rongtong.mail.models import OutboxMail
from rongtong.notifications.models import Notification
from rongtong.outcomes.models import Outcome
from rongtong.surveys import jobs, services
from rongtong.surveys.models import MeetingSurvey
from tests.conftest import csrf_token


@pytest.fixture
def met(make_event, participant, make_user):
    """One meeting at a roadshow on 18 March 2027, 14:00–18:00 in Shanghai."""
    event = make_event(title="机器人路演", starts_at=datetime(2027, 3, 18, 14, 0))
    a_user, a = participant(event)
    b_user, b = participant(event)
    colleague = make_user(enterprise=b_user.enterprise, locale="en")
    meeting_ops.set_up_meetings(event, datetime(2027, 3, 18, 14), 2, 1)
    rq = meeting_ops.request_meeting(a, b, "")
    meeting_ops.respond_to_request(rq, True)
    meeting_ops.schedule_event(event)
    meeting = db.session.scalars(db.select(meeting_ops.Meeting)).one()
    return {"event": event, "meeting": meeting, "a": a_user, "b": b_user, "colleague": colleague}


def _at(*args):
    return time_machine.travel(datetime(*args, tzinfo=UTC), tick=False)


def _survey_mails():
    return db.session.scalars(
        db.select(OutboxMail).where(OutboxMail.purpose == "meeting_survey").order_by(OutboxMail.id)
    ).all()


def _link(mail) -> str:
    return urlsplit(re.search(r"http\S+/surveys/\S+", mail.text_body).group(0)).path


def test_after_the_event_each_side_is_asked_once(met):
    with _at(2027, 3, 18, 9, 0):  # 17:00 in Shanghai: the event is still on
        assert jobs.send_surveys() == 0
    with _at(2027, 3, 18, 11, 0):  # 19:00: it has ended
        assert jobs.send_surveys() == 2
        assert jobs.send_surveys() == 0
    mails = _survey_mails()
    assert sorted(m.recipient for m in mails) == sorted(
        [met["a"].email, met["b"].email, met["colleague"].email]
    )
    to_a = next(m for m in mails if m.recipient == met["a"].email)
    assert met["b"].enterprise.name in to_a.subject and "/surveys/" in to_a.text_body
    english = next(m for m in mails if m.recipient == met["colleague"].email)
    assert "How did your meeting" in english.subject
    entries = db.session.scalars(
        db.select(Notification).where(Notification.kind == "meeting_survey")
    ).all()
    assert len(entries) == 3 and all(n.endpoint == "surveys.answer" for n in entries)
    with _at(2027, 4, 20, 2, 0):  # a month on, no next step reported: nothing more
        assert jobs.send_surveys() == 0


def test_answers_feed_the_ledger_and_bring_the_3_and_6_month_rounds(client, met):
    with _at(2027, 3, 19, 2, 0):
        jobs.send_surveys()
    with _at(2027, 3, 19, 3, 0):  # the links are answered after they were sent
        link = _link(next(m for m in _survey_mails() if m.recipient == met["a"].email))
        page = client.get(link)
        assert page.status_code == 200 and met["b"].enterprise.name in page.get_data(as_text=True)
        token = csrf_token(client, link)
        bad = client.post(link, data={"csrf_token": token, "held": "no", "next_step": "agreement"})
        assert "未进行的洽谈不能有后续进展。" in bad.get_data(as_text=True)
        assert db.session.scalars(db.select(Outcome)).all() == []
        done = client.post(
            link,
            data={"csrf_token": token, "held": "yes", "useful": "yes", "next_step": "negotiation"},
        )
        assert "感谢您的反馈" in done.get_data(as_text=True)
        stages = sorted(o.stage for o in db.session.scalars(db.select(Outcome)))
        assert stages == ["contact", "intent"]
        outcome = db.session.scalars(db.select(Outcome).filter_by(stage="intent")).one()
        assert (outcome.source, outcome.source_id) == ("meeting", met["meeting"].id)
        assert outcome.event_id == met["event"].id
        assert met["meeting"].attendance == "held" and met["meeting"].follow_up

    with _at(2027, 6, 17, 2, 0):  # 17 June: not yet three months
        assert jobs.send_surveys() == 0
    with _at(2027, 6, 17, 16, 30):  # 00:30 on 18 June in Shanghai
        assert jobs.send_surveys() == 2
        assert jobs.send_surveys() == 0
    later = db.session.scalars(db.select(MeetingSurvey).filter_by(round=3)).all()
    assert len(later) == 2
    services.answer_survey(later[0], held=True, useful=True, next_step="agreement")
    stages = sorted(o.stage for o in db.session.scalars(db.select(Outcome)))
    assert stages == ["contact", "contract", "intent"]  # each stage once per meeting
    with _at(2027, 9, 18, 2, 0):
        assert jobs.send_surveys() == 2
    rounds = db.session.scalars(db.select(MeetingSurvey.round)).all()
    assert sorted(rounds) == [0, 0, 3, 3, 6, 6]


def test_ledger_dates_what_the_meeting_reached_on_the_event_day(met):
    """Answered a week after the event, the meeting's stages are dated on the event's day (as
    the organizers' outcome form dates them); progress reported at 3 months on that day."""
    with _at(2027, 3, 19, 2, 0):
        jobs.send_surveys()
    first = db.session.scalars(db.select(MeetingSurvey).order_by(MeetingSurvey.id)).first()
    with _at(2027, 3, 25, 17, 0):  # 01:00 on 26 March in Shanghai
        created = services.answer_survey(first, held=True, useful=True, next_step="negotiation")
    assert met["event"].local_start.date() == date(2027, 3, 18)
    assert {(o.stage, o.occurred_on) for o in created} == {
        ("contact", date(2027, 3, 18)),
        ("intent", date(2027, 3, 18)),
    }
    with _at(2027, 6, 18, 2, 0):
        jobs.send_surveys()
    later = db.session.scalars(db.select(MeetingSurvey).filter_by(round=3)).first()
    with _at(2027, 6, 20, 17, 0):  # 01:00 on 21 June in Shanghai
        created = services.answer_survey(later, held=True, useful=True, next_step="agreement")
    assert [(o.stage, o.occurred_on) for o in created] == [("contract", date(2027, 6, 21))]


def test_links_are_signed_for_this_purpose_only(app, client, met):
    with _at(2027, 3, 19, 2, 0):
        jobs.send_surveys()
    survey = db.session.scalars(db.select(MeetingSurvey)).first()
    assert client.get("/surveys/not-a-token").status_code == 400
    # An unsubscribe link (another salt) and a token for another purpose do not open a survey.
    assert client.get(f"/surveys/{unsubscribe_token(met['a'])}").status_code == 400
    other = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=services.SALT).dumps(
        {"p": "something-else", "s": survey.id}
    )
    assert client.get(f"/surveys/{other}").status_code == 400
    assert client.get(f"/surveys/{services.survey_token(survey)}").status_code == 200
    with _at(2027, 12, 31, 0, 0):  # a link works for 90 days from when it was made
        assert client.get(f"/surveys/{services.survey_token(survey)}").status_code == 200
    token = services.survey_token(survey)
    with _at(2028, 3, 1, 0, 0):
        assert client.get(f"/surveys/{token}").status_code == 400
