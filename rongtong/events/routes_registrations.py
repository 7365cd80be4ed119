"""Registration pages: registering and cancelling, the organizer's list, check-in, invitations."""

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..core.auth import member_required, organizer_required
from ..core.confirm import confirm_first
from ..core.params import ListPage, page_arg
from ..core.web import service_errors
from ..extensions import db
from ..listings.models import Listing
from . import invitations as invitation_ops
from . import registrations as registration_ops
from .forms import (
    ActionForm,
    CheckinForm,
)
from .models import Event, Registration
from .routes import bp, event_or_404, my_registration, register_form


@bp.post("/<int:event_id>/register")
@member_required
def register(event_id: int):
    event = event_or_404(event_id)
    form = register_form(event)
    if form.validate_on_submit():
        listings = [db.session.get(Listing, i) for i in form.listings.data]
        with service_errors():
            reg = registration_ops.register(event, current_user.enterprise, current_user, listings)
            reg.note = (form.note.data or "").strip()
            reg.directory_visible = bool(form.directory_visible.data)
            flash(
                {
                    "confirmed": _("报名成功。"),
                    "waitlisted": _("名额已满，已进入候补名单。"),
                    "pending": _("已提交，等待主办方审核。"),
                }[reg.status],
                "success",
            )
            if not registration_ops.is_verified(current_user.enterprise):
                flash(registration_ops.unverified_notice(), "warning")
    else:
        flash(_("请检查所选条目。"), "error")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.post("/<int:event_id>/cancel")
@member_required
def cancel(event_id: int):
    event = event_or_404(event_id)
    reg = my_registration(event)
    if reg is None:
        abort(404)
    if ActionForm().validate_on_submit():
        with service_errors():
            page = confirm_first(
                lambda: registration_ops.cancel_registration(reg, by=current_user),
                title=_("取消报名"),
                question=_("取消后名额会让给候补单位，已排定的洽谈作废。确定取消报名吗？"),
                button=_("确认取消报名"),
                back=url_for("events.detail", event_id=event.id),
            )
            if page is not None:
                return page
            registration_ops.cancel_registration(reg, by=current_user)
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
        regs=registration_ops.registrations(event),
        action_form=ActionForm(),
        checkin_form=CheckinForm(),
    )


@bp.post("/<int:event_id>/registrations/<int:reg_id>/<action>")
@organizer_required
def registration_action(event_id: int, reg_id: int, action: str):
    event = db.get_or_404(Event, event_id)
    reg = db.get_or_404(Registration, reg_id)
    if reg.event_id != event.id:
        abort(404)
    actions = {
        "approve": registration_ops.approve,
        "reject": registration_ops.reject,
        "cancel": lambda r: registration_ops.cancel_registration(r, by=current_user),
        "checkin": registration_ops.check_in,
        "uncheck": lambda r: registration_ops.check_in(r, undo=True),
    }
    if action not in actions:
        abort(404)
    if ActionForm().validate_on_submit():
        with service_errors():
            if action == "cancel":
                page = confirm_first(
                    lambda: actions[action](reg),
                    title=_("取消报名"),
                    question=_(
                        "取消“%(name)s”的报名后名额会让给候补单位，其洽谈作废。确定吗？",
                        name=reg.enterprise.name,
                    ),
                    button=_("确认取消报名"),
                    back=url_for("events.manage", event_id=event.id) + f"#reg-{reg.id}",
                )
                if page is not None:
                    return page
            actions[action](reg)
    return redirect(url_for("events.manage", event_id=event.id) + f"#reg-{reg.id}")


@bp.post("/<int:event_id>/checkin")
@organizer_required
def checkin_code(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = CheckinForm()
    if form.validate_on_submit():
        with service_errors():
            reg = registration_ops.check_in_by_code(event, form.code.data)
            flash(_("%(name)s 已签到。", name=reg.enterprise.name), "success")
    return redirect(url_for("events.manage", event_id=event.id))


#: Suggestions per page of the invite page (an event may call for hundreds).
INVITE_PAGE_SIZE = 25


@bp.route("/<int:event_id>/invite", methods=["GET", "POST"])
@organizer_required
def invite(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = ActionForm()
    if form.validate_on_submit():
        with service_errors():
            created = invitation_ops.invite(
                event, request.form.getlist("enterprise_ids", type=int), user=current_user
            )
            flash(_("已发出 %(n)d 份邀请。", n=len(created)), "success")
            return redirect(url_for("events.invite", event_id=event.id))
    from .models import Invitation

    invited = db.session.execute(
        db.select(Invitation).where(Invitation.event_id == event.id).order_by(Invitation.id)
    ).scalars()
    found = invitation_ops.suggestions(event)
    page = ListPage(found, page_arg(), INVITE_PAGE_SIZE)
    return render_template(
        "events/invite.html",
        event=event,
        suggestions=page.items,
        page=page,
        invited=list(invited),
        form=form,
    )
