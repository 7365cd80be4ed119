"""/api/v1/taxonomies: the five vocabularies, with their codes and labels."""

from flask import abort

from ..api import errors
from ..api.common import Blueprint, respond
from ..api.schemas import TaxonomiesSchema, TaxonomyTermSchema, VocabularySchema
from ..extensions import db
from ..taxonomy.models import VOCABULARIES

bp = Blueprint(
    "api_taxonomies",
    __name__,
    url_prefix="/api/v1/taxonomies",
    description="Vocabularies: " + ", ".join(VOCABULARIES) + ". Inputs take a code or label_zh.",
)
errors.install(bp)


def _terms(model) -> list[dict]:
    rows = db.session.execute(
        db.select(model).where(model.active.is_(True)).order_by(model.position, model.id)
    ).scalars()
    return TaxonomyTermSchema(many=True).dump(rows)


@bp.route("", methods=["GET"])
@bp.response(200, TaxonomiesSchema)
@bp.doc(security=[{}])
def all_vocabularies():
    """Every vocabulary's active terms, in order."""
    return respond({name: _terms(model) for name, model in VOCABULARIES.items()})


@bp.route("/<string:vocabulary>", methods=["GET"])
@bp.response(200, VocabularySchema)
@bp.doc(security=[{}])
@errors.error_responses(bp, 404)
def vocabulary(vocabulary):
    """One vocabulary's active terms: `chains`, `districts`, `categories`,
    `enterprise_kinds` or `tiers`."""
    model = VOCABULARIES.get(vocabulary)
    if model is None:
        abort(404, f"Unknown vocabulary; one of: {', '.join(VOCABULARIES)}.")
    return respond({"vocabulary": vocabulary, "items": _terms(model)})
