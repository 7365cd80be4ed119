"""The audit log at /admin/audit: admins read every entry, organizers all but accounts."""

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from ..core.auth import organizer_required
from ..core.time import local_today
from ..extensions import db
from . import exports, services
from .forms import AuditFilterForm

bp = Blueprint("audit", __name__, url_prefix="/admin/audit", template_folder="templates")


def _filters() -> tuple[AuditFilterForm, services.Filters, bool]:
    """The form as typed, the filters it gives, and whether it is valid (bad input: none)."""
    admin = current_user.is_admin
    form = AuditFilterForm(request.args, actor_choices=services.actors(admin=admin), admin=admin)
    if not form.validate():
        return form, services.Filters(), False
    filters = services.Filters(
        actor_id=int(form.actor.data) if form.actor.data else None,
        action=form.action.data or None,
        object_type=form.object_type.data or None,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
    )
    return form, filters, True


@bp.get("/")
@organizer_required
def index():
    form, filters, valid = _filters()
    page = db.paginate(
        services.entries_statement(filters, admin=current_user.is_admin),
        page=request.args.get("page", 1, type=int),
        per_page=50,
        error_out=False,
    )
    return render_template("audit/index.html", form=form, page=page, services=services), (
        200 if valid else 422
    )


@bp.get("/export.<fmt>")
@organizer_required
def export(fmt: str):
    if fmt not in exports.MIMETYPES:
        abort(404)
    form, filters, valid = _filters()
    if not valid:
        return render_template("audit/index.html", form=form, page=None, services=services), 422
    entries = db.session.execute(
        services.entries_statement(filters, admin=current_user.is_admin)
    ).scalars()
    response = Response(exports.export(entries, fmt), mimetype=exports.MIMETYPES[fmt])
    name = f"audit-{local_today().isoformat()}.{fmt}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
