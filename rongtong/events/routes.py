"""Event pages over one blueprint ``bp``: this module has the list, the plan, the
dashboard, an event and its exports; ``routes_registrations`` and ``routes_meetings`` add theirs."""

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
from ..core.auth import admin_required, organizer_required
from ..core.confirm import confirm_first
from ..core.forms import select_choices
from ..core.params import year_arg
from ..core.services import find_term
from ..core.time import to_local
from ..core.web import service_errors
from ..extensions import db
from ..listings.models import Listing
from ..taxonomy.models import Category, Chain
from . import charts, exports, programme, reminders, services
from . import meetings as meeting_ops
from . import registrations as registration_ops
from .forms import (
    ActionForm,
    EventForm,
    RegisterForm,
    SettingsForm,
    StatusForm,
)
from .models import Event, Registration

bp = Blueprint("events", __name__, url_prefix="/events", template_folder="templates")


def event_or_404(event_id: int) -> Event:
    event = db.get_or_404(Event, event_id)
    if not services.can_view_event(current_user, event):
        abort(404)
    return event


def my_registration(event: Event) -> Registration | None:
    if not current_user.is_authenticated:
        return None
    return registration_ops.registration_for(event, current_user.enterprise_id)


def confirmed_registration(event: Event) -> Registration:
    reg = my_registration(event)
    if reg is None or reg.status != "confirmed":
        abort(403)
    return reg


# --- list, plan, dashboard, settings -------------------------------------------------------


@bp.get("/")
def index():
    year = year_arg()
    events = services.visible_events(current_user, year)
    return render_template("events/index.html", events=events, year=year)


@bp.get("/plan/<int:year>")
@organizer_required
def plan(year: int):
    if not 2000 <= year <= 2100:
        abort(404)
    p = programme.year_plan(year)
    return render_template("events/plan.html", plan=p, **charts.plan_charts(p))


@bp.get("/dashboard")
@organizer_required
def dashboard():
    year = year_arg()
    d = programme.dashboard(year)
    return render_template(
        "events/dashboard.html", d=d, stage_names=charts.stage_names(), **charts.dashboard_charts(d)
    )


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    form = SettingsForm(data=programme.all_settings())
    if form.validate_on_submit():
        with (
            service_errors(),
            audit.tracked(current_user, "programme.settings", read=programme.all_settings),
        ):
            for key in programme.SETTINGS:
                programme.set_setting(key, getattr(form, key).data, user=current_user)
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
    with service_errors(form):
        with audit.tracked(current_user, "event.budget", event, ("budget",)):
            warnings = services.save_event(event, data, user=current_user)
        flash(_("已保存。"), "success")
        for w in warnings:
            flash(w, "warning")
        return redirect(url_for("events.detail", event_id=event.id))
    return None


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
        form.starts_at.data = to_local(event.starts_at, event.timezone).replace(tzinfo=None)
        form.ends_at.data = to_local(event.ends_at, event.timezone).replace(tzinfo=None)
        for key in ("registration_opens_at", "registration_closes_at"):
            value = getattr(event, key)
            getattr(form, key).data = (
                to_local(value, event.timezone).replace(tzinfo=None) if value else None
            )
    if form.validate_on_submit():
        response = _save_event(form, event)
        if response is not None:
            return response
    return render_template("events/edit.html", form=form, event=event)


@bp.post("/<int:event_id>/status")
@organizer_required
def set_status(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = StatusForm()
    if form.validate_on_submit():
        with service_errors():
            wanted = form.status.data or request.form.get("status", "")
            reason = form.reason.data or ""
            if wanted == "cancelled":
                page = confirm_first(
                    lambda: services.set_status(event, wanted, reason=reason, user=current_user),
                    title=_("取消活动"),
                    question=_(
                        "取消后活动不再接受报名，已排定的洽谈作废，取消不能撤销。"
                        "确定取消“%(title)s”吗？",
                        title=event.title,
                    ),
                    button=_("确认取消活动"),
                    back=url_for("events.detail", event_id=event.id),
                )
                if page is not None:
                    return page
            with audit.tracked(current_user, "event.status", event, ("status",)):
                services.set_status(event, wanted, reason=reason, user=current_user)
            promoted = registration_ops.promote_waitlist(event) if event.status == "open" else []
            flash(_("状态已更新。") + (f" +{len(promoted)}" if promoted else ""), "success")
    elif form.reason.errors:
        flash(_("原因不能超过 500 字。"), "error")
    return redirect(url_for("events.detail", event_id=event.id))


# --- detail and registration --------------------------------------------------------------


def register_form(event: Event) -> RegisterForm | None:
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
    event = event_or_404(event_id)
    reg = my_registration(event)
    return render_template(
        "events/detail.html",
        event=event,
        reg=reg,
        register_form=register_form(event),
        action_form=ActionForm(),
        confirmed=registration_ops.confirmed_count(event),
        transitions=services.TRANSITIONS[event.status],
        status_label=services.status_label,
        unverified_notice=(
            registration_ops.unverified_notice()
            if current_user.is_authenticated
            and current_user.enterprise_id is not None
            and not registration_ops.is_verified(current_user.enterprise)
            else None
        ),
        registration_error=registration_ops.registration_refusal(event),
        waitlist=len(registration_ops.registrations(event, ("waitlisted",))),
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
    event = event_or_404(event_id)
    shown = (
        meeting_ops.event_meetings(event)
        if current_user.is_authenticated and current_user.is_organizer
        else ()
    )
    return _ics(
        exports.event_calendar(event, exports.public_host(), shown), f"event-{event.id}.ics"
    )


@bp.get("/<int:event_id>/agenda.ics")
def agenda_ics(event_id: int):
    """One's agenda as .ics: for the member logged in, or for the one a reminder's signed
    link names (the mail app that opens it has no session)."""
    event = event_or_404(event_id)
    token = request.args.get("token")
    user = reminders.calendar_user(token, event) if token else None
    if user is not None:
        reg = registration_ops.registration_for(event, user.enterprise_id)
        if reg is None or reg.status != "confirmed":
            abort(404)
    elif current_user.is_authenticated:  # one's own, as on the agenda page
        if current_user.enterprise_id is None:
            abort(403)
        reg = confirmed_registration(event)
    elif token:  # forged, altered, too old, or for another event
        abort(404)
    else:
        return current_app.login_manager.unauthorized()
    body = exports.personal_agenda(
        event, reg, meeting_ops.event_meetings(event, reg), exports.public_host()
    )
    return _ics(body, f"agenda-{event.id}.ics")


@bp.get("/<int:event_id>/agenda")
@login_required
def agenda(event_id: int):
    """A printable agenda: one's own, or (for organizers) the whole schedule."""
    event = event_or_404(event_id)
    if current_user.is_organizer and not request.args.get("mine"):
        reg, shown = None, meeting_ops.event_meetings(event)
    else:
        reg = confirmed_registration(event)
        shown = meeting_ops.event_meetings(event, reg)
    return render_template("events/agenda.html", event=event, reg=reg, meetings=shown)


@bp.get("/<int:event_id>/export/<what>.<fmt>")
@organizer_required
def export(event_id: int, what: str, fmt: str):
    event = db.get_or_404(Event, event_id)
    if what == "registrations":
        header = exports.REGISTRATION_HEADER
        rows = exports.registration_rows(event, registration_ops.registrations(event))
    elif what == "meetings":
        header = exports.MEETING_HEADER
        rows = exports.meeting_rows(event, meeting_ops.event_meetings(event))
    else:
        abort(404)
    name = exports.export_filename(event, what, fmt)
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


# The views of the other sub-features join ``bp`` when their modules are imported.
from . import (  # noqa: E402, F401
    routes_meetings,
    routes_messages,
    routes_registrations,
    routes_report,
)
