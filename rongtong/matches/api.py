"""/api/v1/listings/{id}/matches: a listing's best counterparts, with score and reasons."""

from marshmallow import Schema, fields, validate

from ..api import errors
from ..api.auth import OPTIONAL_AUTH, api_user
from ..api.common import Blueprint, respond
from ..core.labels import label
from ..listings.api import _visible
from ..listings.schemas import ListingSchema
from ..matches.services import matches_for

bp = Blueprint(
    "api_matches",
    __name__,
    url_prefix="/api/v1/listings",
    description="Matches: the matcher's ranked counterparts of a listing, with reasons.",
)
errors.install(bp)


class MatchQuerySchema(Schema):
    k = fields.Integer(
        load_default=10,
        validate=validate.Range(min=1, max=50, error="k 应在 {min} 到 {max} 之间。"),
        metadata={"description": "How many matches, 1–50."},
    )


class MatchReasonSchema(Schema):
    code = fields.String(
        metadata={"description": "Stable reason code: shared_terms, same_chain, …"}
    )
    text = fields.String(metadata={"description": "The reason in the caller's language."})


class MatchSchema(Schema):
    listing = fields.Nested(ListingSchema)
    score = fields.Float(metadata={"description": "Blended match score in [0, 1]."})
    band = fields.String(
        metadata={
            "description": "The score's calibrated band: strong, medium or weak (强 / 中 / 弱), "
            "from how often scores in that range were relevant on judged pairs."
        }
    )
    band_label = fields.String(metadata={"description": "The band in the caller's language."})
    above_floor = fields.Boolean(
        metadata={"description": "False under the floor: too weak to offer (pages fold these)."}
    )
    reasons = fields.List(fields.Nested(MatchReasonSchema))
    terms = fields.List(fields.String(), metadata={"description": "Shared terms, best first."})


@bp.route("/<int:listing_id>/matches", methods=["GET"])
@bp.arguments(MatchQuerySchema, location="query")
@bp.response(200, MatchSchema(many=True))
@bp.doc(security=OPTIONAL_AUTH)
@errors.error_responses(bp, 401, 404)
def matches(args, listing_id):
    """The listing's best published counterparts (challenge → capabilities and back).

    Pairs the listing's enterprise marked "not relevant" are left out. Reasons are worded
    for the listing's owner when the caller is of its enterprise.
    """
    user = api_user()
    listing = _visible(listing_id, user)
    schema = ListingSchema(viewer=user)
    owner = user is not None and user.enterprise_id == listing.enterprise_id
    return respond(
        [
            {
                "listing": schema.dump(m.listing),
                "score": m.score,
                "band": m.band,
                "band_label": label("match_band", m.band),
                "above_floor": m.above_floor,
                "reasons": m.reasons,
                "terms": m.terms,
            }
            for m in matches_for(listing, k=args["k"], reader="a" if owner else None)
        ]
    )
