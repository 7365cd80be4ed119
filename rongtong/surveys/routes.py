"""The one-page survey behind a signed link: no login, the link is the key."""

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _

from ..core.services import ServiceError
from ..core.time import to_local
from ..core.web import service_errors
from ..events.models import Event
from ..extensions import db
from . import services
from .forms import SurveyForm

bp = Blueprint("surveys", __name__, url_prefix="/surveys", template_folder="templates")


@bp.route("/<token>", methods=["GET", "POST"])
def answer(token: str):
    try:
        survey = services.survey_for_token(token)
    except ServiceError as exc:
        abort(exc.status, str(exc.message))
    form = SurveyForm()
    done = False
    if form.validate_on_submit():
        with service_errors(form):
            services.answer_survey(
                survey,
                held=form.held.data == "yes",
                useful={"yes": True, "no": False}.get(form.useful.data),
                next_step=form.next_step.data,
            )
            done = True
    elif not form.is_submitted() and survey.answered_at is not None:
        form.held.data = "yes" if survey.held else "no"
        form.useful.data = {True: "yes", False: "no"}.get(survey.useful)
        form.next_step.data = survey.next_step
    meeting = survey.meeting
    event = db.session.get(Event, meeting.event_id)
    return render_template(
        "surveys/answer.html",
        form=form,
        survey=survey,
        event=event,
        other=services.counterpart(survey).enterprise,
        when=to_local(meeting.slot.starts_at, event.timezone),
        done=done,
        thanks=_("感谢您的反馈！"),
    )
