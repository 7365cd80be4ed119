"""Stars on listings, the member's list at /favourites, and saved searches."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.auth import member_required
from ..core.web import service_errors
from ..extensions import db
from ..listings.models import Listing
from ..listings.services import can_view
from . import services
from .forms import ActionForm, SaveSearchForm

bp = Blueprint("favourites", __name__, url_prefix="/favourites", template_folder="templates")


@bp.app_context_processor
def stars():
    """For listing pages: whether the member starred a listing."""

    def starred(listing_id: int) -> bool:
        return (
            current_user.is_authenticated
            and current_user.enterprise_id is not None
            and services.favourite_for(current_user, listing_id) is not None
        )

    return {"starred": starred}


@bp.get("/")
@member_required
def index():
    searches = services.searches_of(current_user)
    return render_template(
        "favourites/index.html",
        favourites=services.favourites_of(current_user),
        searches=[(s, services.new_results(s, limit=5)) for s in searches],
    )


@bp.post("/listings/<int:listing_id>/<action>")
@member_required
def listing_action(listing_id: int, action: str):
    if action not in ("add", "remove"):
        abort(404)
    listing = db.get_or_404(Listing, listing_id)
    if not can_view(current_user, listing):
        abort(404)
    if ActionForm().validate_on_submit():
        with service_errors():
            if action == "add":
                services.star(current_user, listing)
                flash(_("已收藏。"), "success")
            else:
                services.unstar(current_user, listing.id)
                flash(_("已取消收藏。"), "success")
    if request.form.get("back") == "favourites":
        return redirect(url_for("favourites.index"))
    return redirect(url_for("listings.detail", listing_id=listing.id))


@bp.post("/searches")
@member_required
def save_search():
    form = SaveSearchForm()
    if form.validate_on_submit():
        with service_errors():
            services.save_search(current_user, name=form.name.data, params=request.form)
            flash(_("已保存搜索；有新结果时会通知您。"), "success")
            return redirect(url_for("favourites.index"))
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")
    return redirect(url_for("listings.index", **services.clean_params(request.form)))


@bp.post("/searches/<int:search_id>/delete")
@member_required
def delete_search(search_id: int):
    search = services.own_search(current_user, search_id)
    if search is None:
        abort(404)
    if ActionForm().validate_on_submit():
        services.delete_search(search)
        flash(_("已删除保存的搜索。"), "success")
    return redirect(url_for("favourites.index"))
