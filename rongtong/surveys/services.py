"""Follow-up surveys: who is asked about which meeting and when, the signed link, and the
answers into the outcome ledger. Never commits.

Right after an event each side of each of its meetings is asked (round 0): held? useful? next
step: none, negotiation started, agreement reached. A meeting for which any side reported a
next step is asked again 3 and 6 months after the event (rounds 3 and 6), as b2match does.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..accounts.models import User
from ..core.services import ServiceError
from ..core.time import to_local, utcnow
from ..events.models import Event, Meeting, Registration
from ..extensions import db
from ..outcomes.models import Outcome
from ..outcomes.services import record_outcome
from .models import NEXT_STEPS, ROUNDS, MeetingSurvey

SALT = "rongtong.surveys.answer"
PURPOSE = "meeting-survey"
#: The stages of the ledger each answer reaches (a held meeting is a first contact).
STAGES_FOR = {"none": ("contact",), "negotiation": ("contact", "intent"),
              "agreement": ("contact", "intent", "contract")}  # fmt: skip
#: How long after the event a round-0 survey is still sent (a scheduler down for days).
FIRST_ROUND_WINDOW = timedelta(days=14)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- the signed link ---------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    # Its own salt: a survey link verifies nowhere else, and no other token verifies here.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def survey_token(survey: MeetingSurvey) -> str:
    return _serializer().dumps({"p": PURPOSE, "s": survey.id})


def survey_for_token(token: str) -> MeetingSurvey:
    """The survey the link was made for; ServiceError if forged, altered or too old."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["SURVEY_LINK_MAX_AGE"])
    except SignatureExpired as exc:
        raise ServiceError(_("问卷链接已过期。"), code="token_expired", status=400) from exc
    except BadSignature as exc:
        raise ServiceError(_("问卷链接无效。"), code="token_invalid", status=400) from exc
    if not isinstance(data, dict) or data.get("p") != PURPOSE:
        raise ServiceError(_("问卷链接无效。"), code="token_invalid", status=400)
    survey = db.session.get(MeetingSurvey, data.get("s"))
    if survey is None:
        raise ServiceError(_("问卷链接无效。"), code="token_invalid", status=400)
    return survey


# --- who is asked ------------------------------------------------------------------------------


def due_surveys(now: datetime | None = None) -> list[MeetingSurvey]:
    """Create the surveys due by ``now`` that do not exist yet (one per meeting, side and
    round) and return them; existing ones are never returned again."""
    now = now or utcnow()
    created = []
    first = db.session.execute(
        db.select(Meeting, Event)
        .join(Event, Event.id == Meeting.event_id)
        .where(
            Event.status != "cancelled",
            Event.ends_at <= now,
            Event.ends_at > now - FIRST_ROUND_WINDOW,
            db.or_(Meeting.attendance.is_(None), Meeting.attendance == "held"),
        )
        .order_by(Meeting.id)
    ).all()
    for meeting, _event in first:
        created += _ensure(meeting, 0)
    with_next_step = db.session.execute(
        db.select(Meeting, Event)
        .join(Event, Event.id == Meeting.event_id)
        .where(
            Meeting.id.in_(
                db.select(MeetingSurvey.meeting_id).where(
                    MeetingSurvey.next_step.in_(("negotiation", "agreement"))
                )
            )
        )
        .order_by(Meeting.id)
    ).all()
    today = to_local(now, current_app.config["TIMEZONE"]).date()
    for meeting, event in with_next_step:
        for months in ROUNDS[1:]:
            if today >= add_months(event.local_start.date(), months):
                created += _ensure(meeting, months)
    return created


def _ensure(meeting: Meeting, months: int) -> list[MeetingSurvey]:
    made = []
    for reg in (meeting.a, meeting.b):
        exists = db.session.execute(
            db.select(MeetingSurvey.id).where(
                MeetingSurvey.meeting_id == meeting.id,
                MeetingSurvey.enterprise_id == reg.enterprise_id,
                MeetingSurvey.round == months,
            )
        ).first()
        if exists is None:
            survey = MeetingSurvey(
                meeting_id=meeting.id, enterprise_id=reg.enterprise_id, round=months
            )
            db.session.add(survey)
            made.append(survey)
    db.session.flush()
    return made


def respondents(survey: MeetingSurvey) -> list[User]:
    return list(
        db.session.execute(
            db.select(User)
            .where(User.enterprise_id == survey.enterprise_id, User.active.is_(True))
            .order_by(User.id)
        ).scalars()
    )


def counterpart(survey: MeetingSurvey) -> Registration:
    meeting = survey.meeting
    return meeting.b if meeting.a.enterprise_id == survey.enterprise_id else meeting.a


# --- answers ---------------------------------------------------------------------------------


def answer_survey(
    survey: MeetingSurvey, *, held: bool, useful: bool | None, next_step: str, user=None
) -> list[Outcome]:
    """Store the answers and add the stages they reach to the ledger (each once per meeting);
    returns the new ledger rows. A meeting that did not take place has no next step."""
    if next_step not in NEXT_STEPS:
        raise ServiceError(_("请选择下一步进展。"), field="next_step")
    if not held and next_step != "none":
        raise ServiceError(_("未进行的洽谈不能有后续进展。"), field="next_step")
    survey.held = held
    survey.useful = useful if held else None
    survey.next_step = next_step
    survey.answered_at = utcnow()
    meeting = survey.meeting
    if meeting.attendance is None:
        meeting.attendance = "held" if held else "no_show"
    if next_step != "none":
        meeting.follow_up = True
    db.session.flush()
    if not held:
        return []
    return _feed_ledger(survey, STAGES_FOR[next_step], user)


def _feed_ledger(survey: MeetingSurvey, stages, user) -> list[Outcome]:
    meeting = survey.meeting
    event = db.session.get(Event, meeting.event_id)
    have = set(
        db.session.execute(
            db.select(Outcome.stage).where(
                Outcome.source == "meeting", Outcome.source_id == meeting.id
            )
        ).scalars()
    )
    # The side that brought a challenge is the demand (as the organizers' outcome form has it).
    a, b = meeting.a, meeting.b
    brought_challenge = {r.id: any(x.kind == "challenge" for x in r.listings) for r in (a, b)}
    demand, supply = (b, a) if brought_challenge[b.id] and not brought_challenge[a.id] else (a, b)
    listing = next((x for x in demand.listings if x.kind == "challenge"), None) or next(
        iter(demand.listings or supply.listings), None
    )
    # Right after the event, what the meeting reached is dated on the event's day, as the
    # organizers' outcome form dates it: an answer given days later (or in the new year) counts
    # in the year and quarter of its event. A later round reports progress made since then.
    on = event.local_start.date() if survey.round == 0 else None
    created = []
    for stage in stages:
        if stage in have:
            continue
        created.append(
            record_outcome(
                stage=stage,
                source="meeting",
                source_id=meeting.id,
                event_id=event.id,
                occurred_on=on,
                listing=listing,
                chain=event.chain or (listing.chain if listing else None),
                demand_enterprise=demand.enterprise,
                supply_enterprise=supply.enterprise,
                note=_survey_note(survey),
                user=user,
            )
        )
    return created


def _survey_note(survey: MeetingSurvey) -> str:
    # Stored text for the ledger: written in the platform's language, whoever answered.
    return f"问卷（活动后 {survey.round} 个月）" if survey.round else "问卷（活动后）"
