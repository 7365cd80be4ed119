from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..listings.models import Listing
from ..listings.services import can_edit, can_view
from . import services

bp = Blueprint("matches", __name__, url_prefix="/listings", template_folder="templates")


def _owned(listing_id: int) -> Listing:
    listing = db.get_or_404(Listing, listing_id)
    if not can_edit(current_user, listing):
        abort(403)
    return listing


@bp.post("/<int:listing_id>/matches/<int:counterpart_id>/not-relevant")
@login_required
def not_relevant(listing_id: int, counterpart_id: int):
    """The owner hides a suggested counterpart; the judgement is kept for tuning."""
    listing = _owned(listing_id)
    counterpart = db.get_or_404(Listing, counterpart_id)
    if not can_view(current_user, counterpart):
        # Another enterprise's draft is as good as missing: no judgement, no title echoed.
        abort(404)
    services.mark_not_relevant(listing, counterpart, current_user)
    flash(_("已标记为不相关：%(title)s", title=counterpart.title), "info")
    return redirect(url_for("listings.detail", listing_id=listing.id, _anchor="matches"))


@bp.post("/<int:listing_id>/matches/<int:counterpart_id>/restore")
@login_required
def restore(listing_id: int, counterpart_id: int):
    listing = _owned(listing_id)
    if not services.restore_match(listing, counterpart_id):
        abort(404)  # nothing hidden under that id: any id would otherwise "succeed"
    flash(_("已恢复该匹配。"), "info")
    return redirect(url_for("listings.detail", listing_id=listing.id, _anchor="matches"))
