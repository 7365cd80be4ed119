from flask import Blueprint, abort, redirect, request, url_for
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
    # Back to the same place, where the row now reads "已标记不相关 · 撤销".
    return redirect(
        url_for(
            "listings.detail",
            listing_id=listing.id,
            hidden=counterpart.id,
            _anchor=f"match-{counterpart.id}",
        )
    )


@bp.post("/<int:listing_id>/matches/<int:counterpart_id>/restore")
@login_required
def restore(listing_id: int, counterpart_id: int):
    listing = _owned(listing_id)
    if not services.restore_match(listing, counterpart_id):
        abort(404)  # nothing hidden under that id: any id would otherwise "succeed"
    return redirect(
        url_for("listings.detail", listing_id=listing.id, _anchor=f"match-{counterpart_id}")
    )


@bp.app_template_global()
def just_hidden_match(listing: Listing) -> Listing | None:
    """The counterpart the owner has just marked not relevant (``?hidden=``), so that its row
    stays on the page with an undo; None unless it is indeed hidden from this listing."""
    counterpart_id = request.args.get("hidden", type=int)
    if counterpart_id is None or not current_user.is_authenticated:
        return None
    if not can_edit(current_user, listing):
        return None
    if not services.is_hidden(listing, counterpart_id):
        return None
    return db.session.get(Listing, counterpart_id)
