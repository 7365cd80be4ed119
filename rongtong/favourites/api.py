"""/api/v1/favourites: the caller's starred listings; star (PUT) and unstar (DELETE) one.

As on the web (/favourites), stars belong to members of an enterprise: organizers and admins
get 403 `not_member`. A listing the caller may not see is a 404, starred or not.
"""

from flask import abort
from marshmallow import Schema, fields

from ..api import errors
from ..api.auth import TOKEN_AUTH, require_api_user
from ..api.common import Blueprint, respond
from ..core.services import ServiceError
from ..extensions import db
from ..listings.models import Listing
from ..listings.services import can_view
from . import services

bp = Blueprint(
    "api_favourites",
    __name__,
    url_prefix="/api/v1",
    description="The caller's starred listings: changes to them reach the digest.",
)
errors.install(bp)


class FavouriteSchema(Schema):
    listing_id = fields.Integer()
    title = fields.String()
    kind = fields.String(metadata={"description": "challenge or capability."})
    status = fields.String(metadata={"description": "The listing's status."})
    starred_at = fields.DateTime()
    changed = fields.Boolean(
        metadata={"description": "Changed since the caller last heard of it (digest, alert)."}
    )


class FavouriteListSchema(Schema):
    items = fields.List(fields.Nested(FavouriteSchema))
    total = fields.Integer()


def _member():
    user = require_api_user()
    if user.enterprise_id is None:
        message = "Stars belong to members of an enterprise."
        raise ServiceError(message, code="not_member", status=403)
    return user


def _body(favourite) -> dict:
    listing = favourite.listing
    return FavouriteSchema().dump(
        {
            "listing_id": listing.id,
            "title": listing.title,
            "kind": listing.kind,
            "status": listing.status,
            "starred_at": favourite.created_at,
            "changed": listing.updated_at > favourite.seen_version,
        }
    )


def _visible_listing(user, listing_id: int) -> Listing:
    listing = db.session.get(Listing, listing_id)
    if listing is None or not can_view(user, listing):
        abort(404, "No such listing.")
    return listing


@bp.route("/favourites", methods=["GET"])
@bp.response(200, FavouriteListSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 401, 403)
def list_favourites():
    """The caller's starred listings, newest star first (those it may still see)."""
    user = _member()
    items = [_body(f) for f in services.favourites_of(user) if can_view(user, f.listing)]
    return respond({"items": items, "total": len(items)})


@bp.route("/favourites/<int:listing_id>", methods=["PUT"])
@bp.response(200, FavouriteSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 401, 403, 404)
def star(listing_id):
    """Star a listing the caller may see; starring it again changes nothing."""
    user = _member()
    favourite = services.star(user, _visible_listing(user, listing_id))
    return respond(_body(favourite))


@bp.route("/favourites/<int:listing_id>", methods=["DELETE"])
@bp.response(204, description="Not starred (any more).")
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 401, 403, 404)
def unstar(listing_id):
    """Remove the star; a listing that is not starred is answered the same."""
    user = _member()
    _visible_listing(user, listing_id)
    services.unstar(user, listing_id)
    return "", 204
