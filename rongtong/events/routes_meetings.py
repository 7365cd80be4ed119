"""Meeting pages: the schedule, requests between participants, slots, outcomes."""

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.auth import member_required, organizer_required
from ..core.time import to_local
from ..core.web import service_errors
from ..extensions import db
from . import meetings as meeting_ops
from . import registrations as registration_ops
from .forms import (
    ActionForm,
    CutoffForm,
    MoveForm,
    OutcomeForm,
    RequestForm,
    SlotsForm,
)
from .models import Event, Meeting, MeetingRequest, Registration
from .routes import bp, confirmed_registration, event_or_404, my_registration

# --- meetings -----------------------------------------------------------------------------


@bp.get("/<int:event_id>/meetings")
@login_required
def meetings(event_id: int):
    event = event_or_404(event_id)
    reg = my_registration(event)
    if current_user.is_organizer:
        scheduled = meeting_ops.event_meetings(event)
        grid = {(m.slot_id, m.table_id): m for m in scheduled}
        move_form = MoveForm()
        move_form.slot_id.choices = [
            (s.id, to_local(s.starts_at, event.timezone).strftime("%H:%M")) for s in event.slots
        ]
        move_form.table_id.choices = [(t.id, t.name) for t in event.tables]
        pending, unplaced = meeting_ops.open_requests(event)
        good = meeting_ops.good_score(event)
        return render_template(
            "events/schedule.html",
            event=event,
            meetings=scheduled,
            grid=grid,
            pending=pending,
            unplaced=unplaced,
            good_score=good,
            default_good_score=float(current_app.config["MEETING_GOOD_SCORE"]),
            cutoff_form=CutoffForm(good_score=good),
            slots_form=SlotsForm(),
            action_form=ActionForm(),
            move_form=move_form,
        )
    if reg is None or reg.status != "confirmed":
        abort(403)
    scores = meeting_ops.pair_scores(event)
    return render_template(
        "events/my_meetings.html",
        event=event,
        reg=reg,
        partners=meeting_ops.suggested_partners(reg, scores)[:30],
        directory=meeting_ops.attendee_directory(reg, scores),
        requests=meeting_ops.requests_for(reg),
        agenda=meeting_ops.event_meetings(event, reg),
        unavailable=meeting_ops.unavailable_slots(reg),
        request_form=RequestForm(),
        action_form=ActionForm(),
        may_request=registration_ops.is_verified(reg.enterprise),
        unverified_notice=registration_ops.unverified_notice(),
    )


@bp.post("/<int:event_id>/requests")
@member_required
def send_request(event_id: int):
    event = event_or_404(event_id)
    reg = confirmed_registration(event)
    form = RequestForm()
    if form.validate_on_submit():
        other = db.session.get(Registration, form.recipient_id.data)
        if other is None or other.event_id != event.id:
            abort(404)
        with service_errors():
            meeting_ops.request_meeting(reg, other, form.message.data or "")
            flash(_("已发出洽谈邀约。"), "success")
    return redirect(url_for("events.meetings", event_id=event.id))


@bp.post("/<int:event_id>/requests/<int:request_id>/<action>")
@member_required
def request_action(event_id: int, request_id: int, action: str):
    event = event_or_404(event_id)
    reg = confirmed_registration(event)
    rq = db.get_or_404(MeetingRequest, request_id)
    if rq.event_id != event.id:
        abort(404)
    if action in ("accept", "decline") and rq.recipient_id != reg.id:
        abort(403)
    if action == "withdraw" and rq.requester_id != reg.id:
        abort(403)
    if action not in ("accept", "decline", "withdraw"):
        abort(404)
    if ActionForm().validate_on_submit():
        with service_errors():
            if action == "withdraw":
                meeting_ops.withdraw_request(rq)
            else:
                meeting_ops.respond_to_request(rq, action == "accept")
    return redirect(url_for("events.meetings", event_id=event.id))


@bp.post("/<int:event_id>/directory")
@member_required
def directory_visibility(event_id: int):
    event = event_or_404(event_id)
    reg = confirmed_registration(event)
    if ActionForm().validate_on_submit():
        visible = request.form.get("visible") == "1"
        meeting_ops.set_directory_visible(reg, visible)
        flash(_("已在参会名录中列出本单位。") if visible else _("已从参会名录中隐藏本单位。"),
              "success")  # fmt: skip
    return redirect(url_for("events.meetings", event_id=event.id))


@bp.post("/<int:event_id>/meetings/cutoff")
@organizer_required
def meeting_cutoff(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = CutoffForm()
    if form.validate_on_submit():
        with service_errors(form):
            meeting_ops.set_good_score(event, form.good_score.data)
            flash(_("已保存分数线，重新运行排程后生效。"), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    return redirect(url_for("events.meetings", event_id=event.id))


@bp.post("/<int:event_id>/unavailable")
@member_required
def unavailable(event_id: int):
    event = event_or_404(event_id)
    reg = confirmed_registration(event)
    if ActionForm().validate_on_submit():
        with service_errors():
            meeting_ops.set_unavailable(reg, request.form.getlist("slot_ids", type=int))
            flash(_("已保存。"), "success")
    return redirect(url_for("events.meetings", event_id=event.id))


@bp.post("/<int:event_id>/slots")
@organizer_required
def slots(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = SlotsForm()
    if form.validate_on_submit():
        with service_errors():
            meeting_ops.set_up_meetings(
                event, form.first_start.data, form.n_slots.data, form.n_tables.data
            )
            flash(_("已设置时段和桌位。"), "success")
    else:
        flash(_("请检查时段设置。"), "error")
    return redirect(url_for("events.meetings", event_id=event.id))


@bp.post("/<int:event_id>/schedule")
@organizer_required
def run_schedule(event_id: int):
    event = db.get_or_404(Event, event_id)
    if ActionForm().validate_on_submit():
        with service_errors():
            result = meeting_ops.schedule_event(event)
            flash(
                _(
                    "已安排 %(n)d 场洽谈，匹配总分 %(score).2f，上界 %(bound).2f（%(pct).0f%%）。",
                    n=len(result.meetings),
                    score=result.score,
                    bound=result.bound,
                    pct=result.ratio * 100,
                ),
                "success",
            )
            if result.optimal:
                flash(_("排程已证明为最优：同样规则下没有得分更高的安排。"), "success")
            more = meeting_ops.meetings_below_cutoff(event)
            if more:
                flash(
                    _(
                        "分数线 %(cut).2f 以下还有 %(n)d 场洽谈可以安排；"
                        "降低分数线后重新排程即可安排。",
                        cut=meeting_ops.good_score(event),
                        n=more,
                    ),
                    "warning",
                )
            if result.unplaced_requests:
                flash(
                    _("%(n)d 个已接受的邀约没有空位。", n=len(result.unplaced_requests)),
                    "warning",
                )
    return redirect(url_for("events.meetings", event_id=event.id))


@bp.post("/<int:event_id>/meetings/<int:meeting_id>/<action>")
@organizer_required
def meeting_action(event_id: int, meeting_id: int, action: str):
    event = db.get_or_404(Event, event_id)
    meeting = db.get_or_404(Meeting, meeting_id)
    if meeting.event_id != event.id or action not in ("move", "pin", "unpin", "delete"):
        abort(404)
    form = MoveForm()
    form.slot_id.choices = [(s.id, "") for s in event.slots]
    form.table_id.choices = [(t.id, "") for t in event.tables]
    valid = form.validate_on_submit() if action == "move" else ActionForm().validate_on_submit()
    if valid:
        with service_errors():
            if action == "move":
                meeting_ops.move_meeting(
                    meeting,
                    form.slot_id.data,
                    form.table_id.data,
                    force=form.force.data,
                    user=current_user,
                )
            elif action == "delete":
                db.session.delete(meeting)
            else:
                meeting.pinned = action == "pin"
    return redirect(url_for("events.meetings", event_id=event.id))


@bp.route("/<int:event_id>/meetings/<int:meeting_id>/outcome", methods=["GET", "POST"])
@login_required
def outcome(event_id: int, meeting_id: int):
    event = event_or_404(event_id)
    meeting = db.get_or_404(Meeting, meeting_id)
    if meeting.event_id != event.id:
        abort(404)
    if not meeting_ops.can_record_outcome(current_user, meeting):
        abort(403)
    form = OutcomeForm(obj=meeting)
    if form.validate_on_submit():
        with service_errors(form):
            meeting_ops.record_meeting_outcome(
                meeting,
                attendance=form.attendance.data,
                stage=form.stage.data,
                follow_up=form.follow_up.data,
                deal_type=form.deal_type.data or None,
                amount=form.amount.data,
                note=(form.note.data or "").strip(),
                user=current_user,
            )
            flash(_("已记录洽谈成果。"), "success")
            return redirect(url_for("events.outcomes", event_id=event.id))
    return render_template("events/outcome.html", event=event, meeting=meeting, form=form)


@bp.get("/<int:event_id>/outcomes")
@login_required
def outcomes(event_id: int):
    event = event_or_404(event_id)
    if current_user.is_organizer:
        rows = meeting_ops.outcomes_for(event)
        mine = meeting_ops.event_meetings(event)
    else:
        reg = my_registration(event)
        if reg is None:
            abort(403)
        rows = meeting_ops.outcomes_for(event, current_user.enterprise_id)
        mine = meeting_ops.event_meetings(event, reg)
    from ..outcomes.services import ledger

    _rows, total = ledger(event_id=event.id) if current_user.is_organizer else (None, None)
    return render_template(
        "events/outcomes.html", event=event, outcomes=rows, meetings=mine, total=total
    )
