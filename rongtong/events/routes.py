from flask import (
    Blueprint,
    Response,
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

from ..audit import services as audit
from ..core.auth import admin_required, member_required, organizer_required
from ..core.forms import select_choices
from ..core.services import ServiceError, find_term
from ..core.time import local_today
from ..extensions import db
from ..listings.models import Listing
from ..taxonomy.models import Category, Chain
from . import charts, exports, services
from .forms import (
    ActionForm,
    CheckinForm,
    EventForm,
    MoveForm,
    OutcomeForm,
    RegisterForm,
    RequestForm,
    SettingsForm,
    SlotsForm,
)
from .models import Event, Meeting, MeetingRequest, Registration

bp = Blueprint("events", __name__, url_prefix="/events", template_folder="templates")


def _event(event_id: int) -> Event:
    event = db.get_or_404(Event, event_id)
    if not services.can_view_event(current_user, event):
        abort(404)
    return event


def _my_registration(event: Event) -> Registration | None:
    if not current_user.is_authenticated:
        return None
    return services.registration_for(event, current_user.enterprise_id)


def _fail(exc: ServiceError) -> None:
    db.session.rollback()
    flash(str(exc.message), "error")


# --- list, plan, dashboard, settings -------------------------------------------------------


@bp.get("/")
def index():
    year = request.args.get("year", type=int) or local_today().year
    events = services.visible_events(current_user, year)
    return render_template("events/index.html", events=events, year=year, services=services)


@bp.get("/plan/<int:year>")
@organizer_required
def plan(year: int):
    if not 2000 <= year <= 2100:
        abort(404)
    p = services.year_plan(year)
    budget_chart = charts.progress(
        [
            (_("一月一链路演"), p.roadshow.spent, p.roadshow.planned, p.roadshow.cap),
            (_("专项供需对接"), p.matchmaking.spent, p.matchmaking.planned, p.matchmaking.cap),
        ],
        _("预算：已用、已安排与上限"),
    )
    count_chart = charts.progress(
        [
            (_("路演场次"), p.roadshow.count, 0, p.roadshow.target),
            (_("专项对接场次"), p.matchmaking.count, 0, p.matchmaking.target),
        ],
        _("场次与目标"),
    )
    month_chart = charts.bars(
        [f"{m.month}月" for m in p.months],
        {
            _("路演"): [len(m.roadshows) for m in p.months],
            _("专项对接"): [len(m.matchmaking) for m in p.months],
        },
        _("每月活动"),
    )
    return render_template(
        "events/plan.html",
        plan=p,
        services=services,
        budget_chart=budget_chart,
        count_chart=count_chart,
        month_chart=month_chart,
    )


@bp.get("/dashboard")
@organizer_required
def dashboard():
    year = request.args.get("year", type=int) or local_today().year
    d = services.dashboard(year)
    stage_names = {"contact": _("对接"), "intent": _("意向"), "contract": _("合同")}

    def ledger_chart(rows, title):
        return charts.bars(
            [r.label for r in rows],
            {stage_names[s]: [r.counts[s] for r in rows] for s in stage_names},
            title,
            stacked=False,
        )

    month_rows = {r.key: r for r in d.by_month[0]}
    months = [month_rows.get(m) for m in range(1, 13)]
    return render_template(
        "events/dashboard.html",
        d=d,
        stage_names=stage_names,
        chain_chart=ledger_chart(d.by_chain[0], _("各产业链成果")),
        month_chart=charts.bars(
            [f"{m}月" for m in range(1, 13)],
            {stage_names[s]: [r.counts[s] if r else 0 for r in months] for s in stage_names},
            _("每月成果"),
            stacked=False,
        ),
        participation_chart=charts.bars(
            [f"{m}月" for m, _r, _c in d.participation],
            {
                _("报名成功"): [r for _m, r, _c in d.participation],
                _("签到"): [c for _m, _r, c in d.participation],
            },
            _("每月参与"),
            stacked=False,
        ),
        budget_chart=charts.progress(
            [
                (
                    _("一月一链路演"),
                    d.plan.roadshow.spent,
                    d.plan.roadshow.planned,
                    d.plan.roadshow.cap,
                ),
                (
                    _("专项供需对接"),
                    d.plan.matchmaking.spent,
                    d.plan.matchmaking.planned,
                    d.plan.matchmaking.cap,
                ),
            ],
            _("预算"),
        ),
    )


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    form = SettingsForm(data=services.all_settings())
    if form.validate_on_submit():
        try:
            with audit.tracked(current_user, "programme.settings", read=services.all_settings):
                for key in services.SETTINGS:
                    services.set_setting(key, getattr(form, key).data, user=current_user)
        except ServiceError as exc:
            _fail(exc)
        else:
            db.session.commit()
            flash(_("已保存。"), "success")
            return redirect(url_for("events.settings"))
    return render_template("events/settings.html", form=form)


# --- create and edit ----------------------------------------------------------------------


def _event_form(**kwargs) -> EventForm:
    form = EventForm(**kwargs)
    form.chain.choices = select_choices(Chain, blank=_("（无）"))
    form.theme.choices = select_choices(Category, blank=_("（无）"))
    return form


def _save_event(form: EventForm, event: Event):
    data = {
        key: getattr(form, key).data
        for key in services.EVENT_FIELDS
        if key not in ("chain", "theme") and hasattr(form, key)
    }
    data["chain"] = find_term(Chain, form.chain.data)
    data["theme"] = find_term(Category, form.theme.data)
    data["timezone"] = (form.timezone.data or current_app.config["TIMEZONE"]).strip()
    for key in ("title", "venue", "online_url", "organiser", "description"):
        data[key] = (data.get(key) or "").strip()
    try:
        with audit.tracked(current_user, "event.budget", event, ("budget",)):
            warnings = services.save_event(event, data, user=current_user)
    except ServiceError as exc:
        db.session.rollback()
        target = getattr(form, exc.field or "", None)
        (target.errors if target is not None else form.form_errors).append(str(exc.message))
        return None
    db.session.commit()
    flash(_("已保存。"), "success")
    for w in warnings:
        flash(w, "warning")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.route("/new", methods=["GET", "POST"])
@organizer_required
def create():
    form = _event_form()
    if form.validate_on_submit():
        response = _save_event(form, Event())
        if response is not None:
            return response
    return render_template("events/edit.html", form=form, event=None)


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@organizer_required
def edit(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = _event_form(obj=event)
    if request.method == "GET":
        form.chain.data = event.chain.code if event.chain else ""
        form.theme.data = event.theme.code if event.theme else ""
        form.starts_at.data = services.to_local(event.starts_at, event.timezone).replace(
            tzinfo=None
        )
        form.ends_at.data = services.to_local(event.ends_at, event.timezone).replace(tzinfo=None)
    if form.validate_on_submit():
        response = _save_event(form, event)
        if response is not None:
            return response
    return render_template("events/edit.html", form=form, event=event)


@bp.post("/<int:event_id>/status")
@organizer_required
def set_status(event_id: int):
    event = db.get_or_404(Event, event_id)
    if ActionForm().validate_on_submit():
        try:
            with audit.tracked(current_user, "event.status", event, ("status",)):
                services.set_status(event, request.form.get("status", ""))
        except ServiceError as exc:
            _fail(exc)
        else:
            promoted = services.promote_waitlist(event) if event.status == "open" else []
            db.session.commit()
            flash(_("状态已更新。") + (f" +{len(promoted)}" if promoted else ""), "success")
    return redirect(url_for("events.detail", event_id=event.id))


# --- detail and registration --------------------------------------------------------------


def _register_form(event: Event) -> RegisterForm | None:
    if not current_user.is_authenticated or current_user.enterprise_id is None:
        return None
    form = RegisterForm()
    mine = db.session.execute(
        db.select(Listing)
        .where(Listing.enterprise_id == current_user.enterprise_id, Listing.status == "published")
        .order_by(Listing.id)
    ).scalars()
    form.listings.choices = [(lst.id, lst.title) for lst in mine]
    return form


@bp.get("/<int:event_id>")
def detail(event_id: int):
    event = _event(event_id)
    reg = _my_registration(event)
    return render_template(
        "events/detail.html",
        event=event,
        reg=reg,
        register_form=_register_form(event),
        action_form=ActionForm(),
        services=services,
        confirmed=services.confirmed_count(event),
        waitlist=len(services.registrations(event, ("waitlisted",))),
    )


@bp.post("/<int:event_id>/register")
@member_required
def register(event_id: int):
    event = _event(event_id)
    form = _register_form(event)
    if form.validate_on_submit():
        listings = [db.session.get(Listing, i) for i in form.listings.data]
        try:
            reg = services.register(event, current_user.enterprise, current_user, listings)
        except ServiceError as exc:
            _fail(exc)
        else:
            reg.note = (form.note.data or "").strip()
            db.session.commit()
            flash(
                {
                    "confirmed": _("报名成功。"),
                    "waitlisted": _("名额已满，已进入候补名单。"),
                    "pending": _("已提交，等待主办方审核。"),
                }[reg.status],
                "success",
            )
    else:
        flash(_("请检查所选条目。"), "error")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.post("/<int:event_id>/cancel")
@member_required
def cancel(event_id: int):
    event = _event(event_id)
    reg = _my_registration(event)
    if reg is None:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            services.cancel_registration(reg)
        except ServiceError as exc:
            _fail(exc)
        else:
            db.session.commit()
            flash(_("已取消报名。"), "success")
    return redirect(url_for("events.detail", event_id=event.id))


# --- organizer: registrations, check-in, invitations --------------------------------------


@bp.get("/<int:event_id>/manage")
@organizer_required
def manage(event_id: int):
    event = db.get_or_404(Event, event_id)
    return render_template(
        "events/manage.html",
        event=event,
        regs=services.registrations(event),
        action_form=ActionForm(),
        checkin_form=CheckinForm(),
        services=services,
    )


@bp.post("/<int:event_id>/registrations/<int:reg_id>/<action>")
@organizer_required
def registration_action(event_id: int, reg_id: int, action: str):
    event = db.get_or_404(Event, event_id)
    reg = db.get_or_404(Registration, reg_id)
    if reg.event_id != event.id:
        abort(404)
    actions = {
        "approve": services.approve,
        "reject": services.reject,
        "cancel": services.cancel_registration,
        "checkin": services.check_in,
        "uncheck": lambda r: services.check_in(r, undo=True),
    }
    if action not in actions:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            actions[action](reg)
        except ServiceError as exc:
            _fail(exc)
        else:
            db.session.commit()
    return redirect(url_for("events.manage", event_id=event.id) + f"#reg-{reg.id}")


@bp.post("/<int:event_id>/checkin")
@organizer_required
def checkin_code(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = CheckinForm()
    if form.validate_on_submit():
        try:
            reg = services.check_in_by_code(event, form.code.data)
        except ServiceError as exc:
            _fail(exc)
        else:
            db.session.commit()
            flash(_("%(name)s 已签到。", name=reg.enterprise.name), "success")
    return redirect(url_for("events.manage", event_id=event.id))


@bp.route("/<int:event_id>/invite", methods=["GET", "POST"])
@organizer_required
def invite(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            created = services.invite(
                event, request.form.getlist("enterprise_ids", type=int), user=current_user
            )
        except ServiceError as exc:
            _fail(exc)
        else:
            db.session.commit()
            flash(_("已发出 %(n)d 份邀请。", n=len(created)), "success")
            return redirect(url_for("events.invite", event_id=event.id))
    from .models import Invitation

    invited = db.session.execute(
        db.select(Invitation).where(Invitation.event_id == event.id).order_by(Invitation.id)
    ).scalars()
    return render_template(
        "events/invite.html",
        event=event,
        suggestions=services.suggestions(event),
        invited=list(invited),
        form=form,
    )


# --- meetings -----------------------------------------------------------------------------


@bp.get("/<int:event_id>/meetings")
@login_required
def meetings(event_id: int):
    event = _event(event_id)
    reg = _my_registration(event)
    if current_user.is_organizer:
        scheduled = services.event_meetings(event)
        grid = {(m.slot_id, m.table_id): m for m in scheduled}
        move_form = MoveForm()
        move_form.slot_id.choices = [
            (s.id, services.to_local(s.starts_at, event.timezone).strftime("%H:%M"))
            for s in event.slots
        ]
        move_form.table_id.choices = [(t.id, t.name) for t in event.tables]
        return render_template(
            "events/schedule.html",
            event=event,
            meetings=scheduled,
            grid=grid,
            slots_form=SlotsForm(),
            action_form=ActionForm(),
            move_form=move_form,
            services=services,
        )
    if reg is None or reg.status != "confirmed":
        abort(403)
    scores = services.pair_scores(event)
    return render_template(
        "events/my_meetings.html",
        event=event,
        reg=reg,
        partners=services.suggested_partners(reg, scores)[:30],
        requests=services.requests_for(reg),
        agenda=services.event_meetings(event, reg),
        unavailable=services.unavailable_slots(reg),
        request_form=RequestForm(),
        action_form=ActionForm(),
        services=services,
    )


def _confirmed_reg(event: Event) -> Registration:
    reg = _my_registration(event)
    if reg is None or reg.status != "confirmed":
        abort(403)
    return reg


@bp.post("/<int:event_id>/requests")
@member_required
def send_request(event_id: int):
    event = _event(event_id)
    reg = _confirmed_reg(event)
    form = RequestForm()
    if form.validate_on_submit():
        other = db.session.get(Registration, form.recipient_id.data)
        if other is None or other.event_id != event.id:
            abort(404)
        try:
            services.request_meeting(reg, other, form.message.data or "")
        except ServiceError as exc:
            _fail(exc)
        else:
            db.session.commit()
            flash(_("已发出洽谈邀约。"), "success")
    return redirect(url_for("events.meetings", event_id=event.id))


@bp.post("/<int:event_id>/requests/<int:request_id>/<action>")
@member_required
def request_action(event_id: int, request_id: int, action: str):
    event = _event(event_id)
    reg = _confirmed_reg(event)
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
        try:
            if action == "withdraw":
                services.withdraw_request(rq)
            else:
                services.respond_to_request(rq, action == "accept")
        except ServiceError as exc:
            # An expired request is worth keeping as such.
            db.session.commit()
            flash(str(exc.message), "error")
        else:
            db.session.commit()
    return redirect(url_for("events.meetings", event_id=event.id))


@bp.post("/<int:event_id>/unavailable")
@member_required
def unavailable(event_id: int):
    event = _event(event_id)
    reg = _confirmed_reg(event)
    if ActionForm().validate_on_submit():
        try:
            services.set_unavailable(reg, request.form.getlist("slot_ids", type=int))
        except ServiceError as exc:
            _fail(exc)
        else:
            db.session.commit()
            flash(_("已保存。"), "success")
    return redirect(url_for("events.meetings", event_id=event.id))


@bp.post("/<int:event_id>/slots")
@organizer_required
def slots(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = SlotsForm()
    if form.validate_on_submit():
        try:
            services.set_up_meetings(
                event, form.first_start.data, form.n_slots.data, form.n_tables.data
            )
        except ServiceError as exc:
            _fail(exc)
        else:
            db.session.commit()
            flash(_("已设置时段和桌位。"), "success")
    else:
        flash(_("请检查时段设置。"), "error")
    return redirect(url_for("events.meetings", event_id=event.id))


@bp.post("/<int:event_id>/schedule")
@organizer_required
def run_schedule(event_id: int):
    event = db.get_or_404(Event, event_id)
    if ActionForm().validate_on_submit():
        try:
            result = services.schedule_event(event)
        except ServiceError as exc:
            _fail(exc)
        else:
            db.session.commit()
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
        try:
            if action == "move":
                services.move_meeting(meeting, form.slot_id.data, form.table_id.data)
            elif action == "delete":
                db.session.delete(meeting)
            else:
                meeting.pinned = action == "pin"
        except ServiceError as exc:
            _fail(exc)
        else:
            db.session.commit()
    return redirect(url_for("events.meetings", event_id=event.id))


@bp.route("/<int:event_id>/meetings/<int:meeting_id>/outcome", methods=["GET", "POST"])
@login_required
def outcome(event_id: int, meeting_id: int):
    event = _event(event_id)
    meeting = db.get_or_404(Meeting, meeting_id)
    if meeting.event_id != event.id:
        abort(404)
    if not services.can_record_outcome(current_user, meeting):
        abort(403)
    form = OutcomeForm(obj=meeting)
    if form.validate_on_submit():
        try:
            services.record_meeting_outcome(
                meeting,
                attendance=form.attendance.data,
                stage=form.stage.data,
                follow_up=form.follow_up.data,
                deal_type=form.deal_type.data or None,
                amount=form.amount.data,
                note=(form.note.data or "").strip(),
                user=current_user,
            )
        except ServiceError as exc:
            db.session.rollback()
            target = getattr(form, exc.field or "", None)
            (target.errors if target is not None else form.form_errors).append(str(exc.message))
        else:
            db.session.commit()
            flash(_("已记录洽谈成果。"), "success")
            return redirect(url_for("events.outcomes", event_id=event.id))
    return render_template("events/outcome.html", event=event, meeting=meeting, form=form)


@bp.get("/<int:event_id>/outcomes")
@login_required
def outcomes(event_id: int):
    event = _event(event_id)
    if current_user.is_organizer:
        rows = services.outcomes_for(event)
        mine = services.event_meetings(event)
    else:
        reg = _my_registration(event)
        if reg is None:
            abort(403)
        rows = services.outcomes_for(event, current_user.enterprise_id)
        mine = services.event_meetings(event, reg)
    from ..outcomes.services import ledger

    _rows, total = ledger(event_id=event.id) if current_user.is_organizer else (None, None)
    return render_template(
        "events/outcomes.html", event=event, outcomes=rows, meetings=mine, total=total
    )


# --- exports ------------------------------------------------------------------------------


def _ics(body: bytes, name: str) -> Response:
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/<int:event_id>/calendar.ics")
def calendar(event_id: int):
    event = _event(event_id)
    shown = (
        services.event_meetings(event)
        if current_user.is_authenticated and current_user.is_organizer
        else ()
    )
    return _ics(exports.event_calendar(event, request.host, shown), f"event-{event.id}.ics")


@bp.get("/<int:event_id>/agenda.ics")
@member_required
def agenda_ics(event_id: int):
    event = _event(event_id)
    reg = _confirmed_reg(event)
    body = exports.personal_agenda(event, reg, services.event_meetings(event, reg), request.host)
    return _ics(body, f"agenda-{event.id}.ics")


@bp.get("/<int:event_id>/agenda")
@login_required
def agenda(event_id: int):
    """A printable agenda: one's own, or (for organizers) the whole schedule."""
    event = _event(event_id)
    if current_user.is_organizer and not request.args.get("mine"):
        reg, shown = None, services.event_meetings(event)
    else:
        reg = _confirmed_reg(event)
        shown = services.event_meetings(event, reg)
    return render_template(
        "events/agenda.html", event=event, reg=reg, meetings=shown, services=services
    )


@bp.get("/<int:event_id>/export/<what>.<fmt>")
@organizer_required
def export(event_id: int, what: str, fmt: str):
    event = db.get_or_404(Event, event_id)
    if what == "registrations":
        header = exports.REGISTRATION_HEADER
        rows = exports.registration_rows(event, services.registrations(event))
    elif what == "meetings":
        header = exports.MEETING_HEADER
        rows = exports.meeting_rows(event, services.event_meetings(event))
    else:
        abort(404)
    name = f"event-{event.id}-{what}.{fmt}"
    if fmt == "csv":
        body, mimetype = exports.to_csv(header, rows), "text/csv"
    elif fmt == "xlsx":
        body = exports.to_xlsx(what, header, rows)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        abort(404)
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
