from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.auth import member_required, organizer_required
from ..core.forms import select_choices, taxonomy_choices
from ..core.params import page_arg
from ..core.services import find_term
from ..core.web import service_errors
from ..extensions import db
from ..taxonomy.models import Category, Chain, District, Tier
from . import services
from .forms import ActionForm, ListingForm, ReasonForm, RenewForm
from .models import KINDS, STATUSES, Listing

bp = Blueprint("listings", __name__, url_prefix="/listings", template_folder="templates")


def filters_from_args(args) -> services.BrowseFilters:
    status = args.get("status") or "published"
    return services.BrowseFilters(
        kind=args.get("kind") or None,
        category=args.get("category") or None,
        chain=args.get("chain") or None,
        district=args.get("district") or None,
        tier=args.get("tier") or None,
        status=status if status in services.PUBLIC_STATUSES else "published",
        q=(args.get("q") or "")[:100],
        sort=args.get("sort") or None,
    )


@bp.get("/")
def index():
    filters = filters_from_args(request.args)
    page = services.paginate(
        services.browse_statement(filters),
        page_arg(),
        20,
    )
    return render_template(
        "listings/index.html",
        page=page,
        filters=filters,
        choices={
            "category": taxonomy_choices(Category),
            "chain": taxonomy_choices(Chain),
            "district": taxonomy_choices(District),
            "tier": taxonomy_choices(Tier),
        },
        kinds=KINDS,
        statuses=services.PUBLIC_STATUSES,
    )


@bp.get("/mine")
@member_required
def mine():
    listings = (
        db.session.execute(
            db.select(Listing)
            .where(Listing.enterprise_id == current_user.enterprise_id)
            .order_by(Listing.updated_at.desc())
        )
        .scalars()
        .all()
    )
    return render_template("listings/mine.html", listings=listings, statuses=STATUSES)


def _get_visible(listing_id: int) -> Listing:
    listing = db.get_or_404(Listing, listing_id)
    if not services.can_view(current_user, listing):
        abort(404)
    return listing


def _get_editable(listing_id: int) -> Listing:
    listing = _get_visible(listing_id)
    if not services.can_edit(current_user, listing):
        abort(403)
    return listing


def _logs_views(listing: Listing) -> bool:
    """Whether showing the confidential details to the current user is logged: a challenge's,
    to anyone but its own enterprise's members (the owner sees who has seen them)."""
    return listing.is_challenge and current_user.enterprise_id != listing.enterprise_id


def _owns(listing: Listing) -> bool:
    enterprise_id = getattr(current_user, "enterprise_id", None)
    return enterprise_id is not None and enterprise_id == listing.enterprise_id


def _detail_page(listing: Listing, *, revealed: bool = False):
    from ..matches.services import matches_for

    may_see = services.can_see_confidential(current_user, listing)
    # A logged showing is a write, so it takes a POST (the reveal button), never a GET.
    logged = may_see and _logs_views(listing)
    return render_template(
        "listings/detail.html",
        listing=listing,
        # Worded for the owner when the owner reads (about the counterpart, never praising the
        # owner's own firm); for anyone else as a third party would put it.
        matches=matches_for(listing, k=10, reader="a" if _owns(listing) else None),
        can_edit=services.can_edit(current_user, listing),
        show_confidential=may_see and (revealed or not logged),
        offer_reveal=logged and not revealed,
        action_form=ActionForm(),
        reason_form=ReasonForm(),
        renew_form=RenewForm(),
    )


@bp.get("/<int:listing_id>")
def detail(listing_id: int):
    return _detail_page(_get_visible(listing_id))


@bp.post("/<int:listing_id>/confidential")
@login_required
def reveal(listing_id: int):
    """Show a challenge's confidential details, and log that they were shown."""
    from .confidential import log_confidential_view

    listing = _get_visible(listing_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("listings.detail", listing_id=listing.id))
    if not services.can_see_confidential(current_user, listing):
        abort(403)
    log_confidential_view(current_user, listing, via="web")
    return _detail_page(listing, revealed=True)


def _form_with_choices(**kwargs) -> ListingForm:
    form = ListingForm(**kwargs)
    form.category.choices = select_choices(Category, blank=_("请选择"))
    form.chain.choices = select_choices(Chain, blank=_("请选择"))
    return form


def _save(form: ListingForm, listing: Listing):
    """Apply the form; publish when asked. Returns a redirect, or None to re-render."""
    data = {
        "category": find_term(Category, form.category.data),
        "chain": find_term(Chain, form.chain.data),
        "title": form.title.data.strip(),
        "summary": form.summary.data.strip(),
        "description": (form.description.data or "").strip(),
        "confidential": (form.confidential.data or "").strip(),
        "keywords": form.keywords.data or "",
        "budget_min": form.budget_min.data,
        "budget_max": form.budget_max.data,
        "deadline": form.deadline.data,
    }
    if listing.id is None:
        data["kind"] = form.kind.data
        data["enterprise"] = current_user.enterprise
    with service_errors(form):
        services.apply_listing(listing, data, user=current_user)
        if form.publish.data:
            services.publish_listing(listing)
        flash(_("已发布。") if listing.status == "published" else _("已保存为草稿。"), "success")
        return redirect(url_for("listings.detail", listing_id=listing.id))
    return None


@bp.route("/new", methods=["GET", "POST"])
@member_required
def create():
    form = _form_with_choices()
    if request.method == "GET" and request.args.get("kind") in KINDS:
        form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        response = _save(form, Listing())
        if response is not None:
            return response
    return render_template("listings/edit.html", form=form, listing=None)


@bp.route("/<int:listing_id>/edit", methods=["GET", "POST"])
@login_required
def edit(listing_id: int):
    listing = _get_editable(listing_id)
    form = _form_with_choices(obj=listing)
    del form.kind
    if request.method == "GET":
        form.category.data = listing.category.code
        form.chain.data = listing.chain.code
        form.keywords.data = "、".join(listing.keyword_list)
    if form.validate_on_submit():
        response = _save(form, listing)
        if response is not None:
            return response
    return render_template("listings/edit.html", form=form, listing=listing)


@bp.post("/<int:listing_id>/publish")
@login_required
def publish(listing_id: int):
    listing = _get_editable(listing_id)
    with service_errors():
        services.publish_listing(listing)
        flash(_("已发布。"), "success")
    return redirect(url_for("listings.detail", listing_id=listing.id))


@bp.post("/<int:listing_id>/close")
@login_required
def close(listing_id: int):
    listing = _get_editable(listing_id)
    with service_errors():
        services.close_listing(listing)
        flash(_("已关闭。"), "success")
    return redirect(url_for("listings.detail", listing_id=listing.id))


@bp.post("/<int:listing_id>/renew")
@login_required
def renew(listing_id: int):
    form = RenewForm()
    if not form.validate():
        listing = _get_editable(listing_id)
        for error in form.deadline.errors:
            flash(str(error), "error")
        return redirect(url_for("listings.detail", listing_id=listing.id))
    listing = _get_editable(listing_id)
    with service_errors():
        services.renew_listing(listing, form.deadline.data)
        flash(_("已续期并重新发布。"), "success")
    return redirect(url_for("listings.detail", listing_id=listing.id))


@bp.post("/<int:listing_id>/unpublish")
@organizer_required
def unpublish(listing_id: int):
    listing = db.get_or_404(Listing, listing_id)
    form = ReasonForm()
    if not form.validate():
        flash(_("请填写下架原因。"), "error")
        return redirect(url_for("listings.detail", listing_id=listing.id))
    services.unpublish_listing(listing, form.reason.data, current_user)
    flash(_("已下架，发布单位将看到原因。"), "success")
    return redirect(url_for("listings.detail", listing_id=listing.id))
