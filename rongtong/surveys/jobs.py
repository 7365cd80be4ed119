"""Scheduled work for follow-up surveys; the scheduler gives the job an app context and
commits once after it."""

from __future__ import annotations

from datetime import datetime

from flask import render_template
from flask_babel import gettext as _

from ..core.time import to_local, utcnow
from ..events.models import Event
from ..extensions import db
from ..mail.services import external_url, in_recipients_language, queue_mail
from ..notifications.services import notify
from . import services


def send_surveys(now: datetime | None = None) -> int:
    """Ask about each meeting once per side and round (after the event, then at 3 and 6
    months where a next step was reported). Returns the surveys sent now."""
    now = now or utcnow()
    surveys = services.due_surveys(now)
    for survey in surveys:
        meeting = survey.meeting
        event = db.session.get(Event, meeting.event_id)
        other = services.counterpart(survey).enterprise
        url = external_url("surveys.answer", token=services.survey_token(survey))
        people = services.respondents(survey)
        for user in people:
            with in_recipients_language(user) as lang:
                context = {
                    "user": user,
                    "event": event,
                    "other": other,
                    "survey": survey,
                    "when": to_local(meeting.slot.starts_at, event.timezone),
                    "url": url,
                    "lang": lang,
                }
                subject = (
                    _("%(n)d 个月后回访：与 %(name)s 的洽谈进展如何？", n=survey.round,
                      name=other.name)
                    if survey.round
                    else _("与 %(name)s 的洽谈情况如何？（%(event)s）", name=other.name,
                           event=event.title)
                )  # fmt: skip
                text = render_template("surveys/mail/survey.txt", **context)
            queue_mail(
                key=f"meeting-survey:{survey.id}:user:{user.id}",
                purpose="meeting_survey",
                to=user.email,
                subject=subject[:255],
                text=text,
                user=user,
            )
        notify(
            people,
            kind="meeting_survey",
            key=f"meeting-survey:{survey.id}",
            params={"event": event.title, "name": other.name},
            endpoint="surveys.answer",
            values={"token": services.survey_token(survey)},
            mail=False,
        )
    return len(surveys)
