"""Enterprise schemas: the profile as the import and the API take it, and as the API shows it.

The field types they are built from live in ``core/schemas.py``.
"""

from marshmallow import Schema, ValidationError, fields, validates_schema

from ..core.schemas import (
    MAX_TEXT,
    BaseSchema,
    CreditCode,
    Email,
    Mobile,
    TaxonomyTerm,
    TaxonomyTermList,
    TermSchema,
    Text,
    UtcDateTime,
    Viewed,
    Website,
)
from ..taxonomy.models import Chain, District, EnterpriseKind, Tier


class EnterpriseInSchema(BaseSchema):
    """An enterprise profile as the import (and the API's enterprise line) gives it."""

    credit_code = CreditCode(required=True, metadata={"example": "91440300708461136T"})
    name = Text(required=True, required_text=True, max_length=120)
    kind = TaxonomyTerm(EnterpriseKind, required=True)
    tier = TaxonomyTerm(
        Tier, allow_none=True, metadata={"description": "SMEs only; null for the others."}
    )
    district = TaxonomyTerm(District, required=True)
    chains = TaxonomyTermList(Chain)
    description = Text(max_length=MAX_TEXT, multiline=True)
    website = Website()
    contact_name = Text(max_length=80)
    contact_email = Email()
    contact_mobile = Mobile()

    @validates_schema
    def tier_only_for_smes(self, data, **kwargs):
        kind, tier = data.get("kind"), data.get("tier")
        if tier is not None and kind is not None and kind.code != "sme":
            raise ValidationError({"tier": ["只有中小企业填写梯度培育层级；其他单位请留空。"]})


class EnterpriseImportSchema(EnterpriseInSchema):
    """The import line: the profile plus ``verified`` (organizers' imports only)."""

    verified = fields.Boolean(
        allow_none=True,
        truthy={*fields.Boolean.truthy, "是", "已认证"},
        falsy={*fields.Boolean.falsy, "否", "未认证"},
    )


#: Profile fields an import row without them resets (an import line is the whole record).
ENTERPRISE_DEFAULTS = {
    "tier": None,
    "chains": [],
    "description": "",
    "website": "",
    "contact_name": "",
    "contact_email": "",
    "contact_mobile": "",
}

CONTACT_FIELDS = ("contact_name", "contact_email", "contact_mobile")


def may_see_contact(user, enterprise) -> bool:
    """Organizers and the enterprise's own members see its contact details."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.is_organizer or (
        user.enterprise_id is not None and user.enterprise_id == enterprise.id
    )


class EnterpriseRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    credit_code = fields.String()


class EnterpriseSchema(Viewed, Schema):
    """An enterprise as the API shows it.

    ``contact_name``, ``contact_email`` and ``contact_mobile`` are null unless the caller
    is an organizer or a member of this enterprise.
    """

    id = fields.Integer()
    credit_code = fields.String()
    name = fields.String()
    kind = fields.Nested(TermSchema)
    tier = fields.Nested(TermSchema, allow_none=True)
    district = fields.Nested(TermSchema)
    chains = fields.List(fields.Nested(TermSchema))
    description = fields.String()
    website = fields.String()
    verified = fields.Boolean()
    contact_name = fields.Method(
        "_contact_name", allow_none=True, metadata={"type": "string", "nullable": True}
    )
    contact_email = fields.Method(
        "_contact_email", allow_none=True, metadata={"type": "string", "nullable": True}
    )
    contact_mobile = fields.Method(
        "_contact_mobile", allow_none=True, metadata={"type": "string", "nullable": True}
    )
    created_at = UtcDateTime()
    updated_at = UtcDateTime()

    def _contact(self, enterprise, name):
        return getattr(enterprise, name) if may_see_contact(self.viewer, enterprise) else None

    def _contact_name(self, enterprise):
        return self._contact(enterprise, "contact_name")

    def _contact_email(self, enterprise):
        return self._contact(enterprise, "contact_email")

    def _contact_mobile(self, enterprise):
        return self._contact(enterprise, "contact_mobile")
