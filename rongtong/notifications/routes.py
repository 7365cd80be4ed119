"""The notification centre: /notifications, and the bell's unread count on every page."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..core.forms import Form
from ..core.params import page_arg
from ..extensions import db
from . import services
from .notices import sentence

bp = Blueprint("notifications", __name__, url_prefix="/notifications", template_folder="templates")


@bp.app_context_processor
def bell():
    """The unread count for the header's bell (one indexed count per page)."""

    def unread() -> int:
        if not current_user.is_authenticated:
            return 0
        return services.unread_count(current_user)

    return {"unread_notifications": unread}


@bp.get("/")
@login_required
def index():
    page = db.paginate(
        services.notifications_statement(current_user),
        page=page_arg(),
        per_page=30,
        error_out=False,
    )
    items = [
        {
            "id": note.id,
            "text": sentence(note.kind, note.params),
            "link": services.link_of(note),
            "created_at": note.created_at,
            "unread": note.read_at is None,
        }
        for note in page.items
    ]
    return render_template("notifications/index.html", page=page, items=items, form=Form())


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    """Mark one notice read and go where it leads (or back to the centre)."""
    form = Form()
    if not form.validate_on_submit():
        abort(400)
    note = services.own_notification(current_user, notification_id)
    if note is None:
        abort(404)
    services.mark_read(note)
    return redirect(services.link_of(note) or url_for("notifications.index"))


@bp.post("/read-all")
@login_required
def read_all():
    form = Form()
    if not form.validate_on_submit():
        abort(400)
    services.mark_all_read(current_user)
    return redirect(url_for("notifications.index"))
