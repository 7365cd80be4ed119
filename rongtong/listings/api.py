"""/api/v1/listings: browse, read, create, update and close listings."""

from flask import abort

from ..api import errors
from ..api.auth import OPTIONAL_AUTH, TOKEN_AUTH, api_user, require_api_user
from ..api.common import Blueprint, get_or_404, page_body, respond
from ..api.schemas import ListingPageSchema, ListingQuerySchema
from ..listings import services
from ..listings.models import Listing
from ..listings.schemas import (
    ListingInSchema,
    ListingPatchSchema,
    ListingSchema,
    check_listing_update,
)

bp = Blueprint(
    "api_listings",
    __name__,
    url_prefix="/api/v1/listings",
    description="Challenges (发榜) and capabilities: browse, search, create, update, close.",
)
errors.install(bp)


def _visible(listing_id: int, user) -> Listing:
    """The listing if the caller may see it; a draft of someone else's is a 404."""
    listing = get_or_404(Listing, listing_id)
    if not services.can_view(user, listing):
        abort(404, f"No listing with id {listing_id}.")
    return listing


def _editable(listing_id: int, user) -> Listing:
    listing = _visible(listing_id, user)
    if not services.can_edit(user, listing):
        abort(403, "Only members of the owning enterprise (and admins) may change this listing.")
    return listing


@bp.route("", methods=["GET"])
@bp.arguments(ListingQuerySchema, location="query")
@bp.response(200, ListingPageSchema)
@bp.doc(security=OPTIONAL_AUTH)
@errors.error_responses(bp, 401)
def browse(args):
    """Browse and search listings.

    Anonymous callers see public listings; a token adds its enterprise's drafts
    (`status=draft`). `confidential` is null unless the caller may see it.
    """
    user = api_user()
    status = args["status"]
    filters = services.BrowseFilters(
        kind=args.get("kind"),
        category=_code(args.get("category")),
        chain=_code(args.get("chain")),
        district=_code(args.get("district")),
        tier=_code(args.get("tier")),
        status=None if status == "all" else status,
        q=args.get("q", ""),
        sort=args.get("sort"),
        ref=args.get("ref"),
    )
    own = user.enterprise_id if user is not None else None
    stmt = services.browse_statement(filters, include_drafts_of=own)
    pagination = services.paginate(stmt, args["page"], args["per_page"])
    items = ListingSchema(viewer=user, many=True).dump(pagination.items)
    return respond(page_body(items, pagination, args))


def _code(term):
    return term.code if term is not None else None


@bp.route("/<int:listing_id>", methods=["GET"])
@bp.response(200, ListingSchema)
@bp.doc(security=OPTIONAL_AUTH)
@errors.error_responses(bp, 401, 404)
def detail(listing_id):
    """One listing. Drafts are visible to their enterprise's members and organizers only."""
    user = api_user()
    listing = _visible(listing_id, user)
    return respond(ListingSchema(viewer=user).dump(listing))


@bp.route("", methods=["POST"])
@bp.arguments(ListingInSchema)
@bp.response(201, ListingSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 400, 401, 403, 409)
def create(data):
    """Create a listing for the token user's enterprise.

    It is a draft unless `status` is `published`, which needs a verified enterprise
    (409 `not_verified` otherwise).
    """
    user = require_api_user()
    if user.enterprise is None:
        abort(403, "Only members of an enterprise can post listings.")
    status = data.pop("status", "draft")
    listing = services.apply_listing(Listing(), {**data, "enterprise": user.enterprise}, user=user)
    if status == "published":
        services.publish_listing(listing)
    return respond(ListingSchema(viewer=user).dump(listing), 201)


@bp.route("/<int:listing_id>", methods=["PATCH"])
@bp.arguments(ListingPatchSchema)
@bp.response(200, ListingSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 400, 401, 403, 404, 409)
def update(data, listing_id):
    """Change some fields of a listing (owning enterprise's members and admins).

    `status` may move the listing between `draft` and `published`; `kind` cannot change.
    """
    user = require_api_user()
    listing = _editable(listing_id, user)
    check_listing_update(listing, data)
    status = data.pop("status", None)
    services.apply_listing(listing, data, user=user)
    if status is not None:
        services.set_status(listing, status)
    return respond(ListingSchema(viewer=user).dump(listing))


@bp.route("/<int:listing_id>/close", methods=["POST"])
@bp.response(200, ListingSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 401, 403, 404, 409)
def close(listing_id):
    """Close a draft or published listing (409 `bad_state` for others)."""
    user = require_api_user()
    listing = _editable(listing_id, user)
    services.close_listing(listing)
    return respond(ListingSchema(viewer=user).dump(listing))
