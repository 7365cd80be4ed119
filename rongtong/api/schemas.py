"""Query arguments and envelopes of the API; the resources' own schemas live with them."""

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates

from ..core.schemas import BaseSchema, TaxonomyTerm, TermSchema, Text
from ..enterprises.schemas import EnterpriseSchema
from ..listings.models import KINDS, STATUSES
from ..listings.schemas import ListingSchema
from ..listings.services import SORTS
from ..taxonomy.models import Category, Chain, District, EnterpriseKind, Tier

MAX_PAGE = 100_000


class PageArgs(BaseSchema):
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=MAX_PAGE, error="页码应在 {min} 到 {max} 之间。"),
        metadata={"description": "1-based page number; past the last page gives no items."},
    )
    per_page = fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=100, error="每页条数应在 {min} 到 {max} 之间。"),
        metadata={"description": "Items per page, at most 100 (more is a 422, not clamped)."},
    )

    @validates("per_page")
    def within_configured_cap(self, value, **kwargs):
        cap = current_app.config.get("API_MAX_PER_PAGE", 100)
        if value > cap:
            raise ValidationError(f"每页条数最多 {cap}。")


class ListingQuerySchema(PageArgs):
    kind = fields.String(validate=validate.OneOf(KINDS, error="应为 {choices} 之一。"))
    category = TaxonomyTerm(Category)
    chain = TaxonomyTerm(Chain)
    district = TaxonomyTerm(District, metadata={"description": "The enterprise's district."})
    tier = TaxonomyTerm(Tier, metadata={"description": "The enterprise's SME tier."})
    status = fields.String(
        load_default="published",
        validate=validate.OneOf((*STATUSES, "all"), error="应为 {choices} 之一。"),
        metadata={
            "description": "Default `published`. `all`: every public status. Drafts are "
            "listed only to members of the owning enterprise."
        },
    )
    q = Text(
        max_length=200,
        metadata={"description": "Chinese full-text search (segmented: 激光焊接 finds 焊接)."},
    )
    ref = Text(max_length=64, metadata={"example": "CH-AUTO-001"})
    sort = fields.String(
        validate=validate.OneOf(SORTS, error="应为 {choices} 之一。"),
        metadata={"description": "Default: `relevance` with `q`, else `newest`."},
    )


class EnterpriseQuerySchema(PageArgs):
    q = Text(max_length=120, metadata={"description": "Part of the name."})
    kind = TaxonomyTerm(EnterpriseKind)
    district = TaxonomyTerm(District)
    chain = TaxonomyTerm(Chain)
    verified = fields.Boolean(
        metadata={"description": "Unverified enterprises are listed to organizers only."}
    )


class PageSchema(Schema):
    total = fields.Integer(metadata={"description": "Items matching, on all pages."})
    page = fields.Integer()
    per_page = fields.Integer()


class ListingPageSchema(PageSchema):
    items = fields.List(fields.Nested(ListingSchema))


class EnterprisePageSchema(PageSchema):
    items = fields.List(fields.Nested(EnterpriseSchema))


class TaxonomyTermSchema(TermSchema):
    position = fields.Integer()
    group = fields.String(metadata={"description": "Chains only: the cluster group."})


class VocabularySchema(Schema):
    vocabulary = fields.String()
    items = fields.List(fields.Nested(TaxonomyTermSchema))


class TaxonomiesSchema(Schema):
    chains = fields.List(fields.Nested(TaxonomyTermSchema))
    districts = fields.List(fields.Nested(TaxonomyTermSchema))
    categories = fields.List(fields.Nested(TaxonomyTermSchema))
    enterprise_kinds = fields.List(fields.Nested(TaxonomyTermSchema))
    tiers = fields.List(fields.Nested(TaxonomyTermSchema))
