"""Listing schemas: one set of rules for the JSON API and the import."""

from marshmallow import Schema, ValidationError, fields, post_dump, validate, validates_schema

from ..core.schemas import (
    LIST_SEPARATORS,
    MAX_TEXT,
    BaseSchema,
    CreditCode,
    TaxonomyTerm,
    TermSchema,
    Text,
    UtcDateTime,
    Viewed,
    Yuan,
    plain_text,
)
from ..enterprises.schemas import EnterpriseRefSchema
from ..enterprises.services import find_by_credit_code
from ..taxonomy.models import Category, Chain
from .confidential import accepted_listing_ids, log_confidential_views
from .models import KINDS, STATUSES
from .services import can_see_confidential

MAX_KEYWORDS = 500
REF_RE = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"


class Keywords(fields.List):
    """A list of keywords; an item holding separators (, 、 ，) is split. 500 characters in all."""

    def __init__(self, **kwargs):
        super().__init__(fields.String(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, (list, tuple)):
            raise ValidationError("关键词应为文本列表。")
        words: list[str] = []
        for item in value:
            if not isinstance(item, str) or "\x00" in item:
                raise ValidationError("关键词应为文本列表。")
            words.extend(plain_text(w.strip()) for w in LIST_SEPARATORS.split(item) if w.strip())
        words = list(dict.fromkeys(words))
        total = len(",".join(words))
        if total > MAX_KEYWORDS:
            raise ValidationError(f"关键词合计最多 {MAX_KEYWORDS} 个字符，当前 {total} 个。")
        return words


class EnterpriseByCreditCode(CreditCode):
    """An existing enterprise named by its credit code; loads to the row."""

    def _deserialize(self, value, attr, data, **kwargs):
        code = super()._deserialize(value, attr, data, **kwargs)
        enterprise = find_by_credit_code(code)
        if enterprise is None:
            raise ValidationError(f"找不到统一社会信用代码为 {code} 的单位（请先导入单位）。")
        return enterprise


def listing_rule_errors(values: dict) -> dict[str, list[str]]:
    """Rules across fields: budgets only on challenges, and the lower bound not above the upper."""
    errors: dict[str, list[str]] = {}
    low, high = values.get("budget_min"), values.get("budget_max")
    if values.get("kind") == "capability" and (low is not None or high is not None):
        field = "budget_min" if low is not None else "budget_max"
        errors[field] = ["只有发榜需求（challenge）可以填写预算；能力（capability）请留空。"]
    elif low is not None and high is not None and low > high:
        errors["budget_max"] = ["预算上限不能低于下限。"]
    return errors


def check_listing_update(listing, data: dict) -> None:
    """Raise ValidationError if ``data`` applied to ``listing`` would break a cross-field rule."""
    merged = {
        "kind": listing.kind,
        "budget_min": listing.budget_min,
        "budget_max": listing.budget_max,
        **data,
    }
    errors = listing_rule_errors(merged)
    if "kind" in data and data["kind"] != listing.kind:
        errors["kind"] = ["类型创建后不能更改。"]
    if errors:
        raise ValidationError(errors)


class ListingInSchema(BaseSchema):
    """A new listing as the API takes it. ``status`` may be ``published`` only for verified
    enterprises (409 ``not_verified`` otherwise); it defaults to ``draft``."""

    kind = fields.String(
        required=True, validate=validate.OneOf(KINDS, error="应为 {choices} 之一。")
    )
    category = TaxonomyTerm(Category, required=True)
    chain = TaxonomyTerm(Chain, required=True)
    title = Text(required=True, required_text=True, max_length=120)
    summary = Text(max_length=500, multiline=True)
    description = Text(max_length=MAX_TEXT, multiline=True)
    confidential = Text(
        max_length=MAX_TEXT,
        multiline=True,
        metadata={"description": "Shown to the owner, organizers and verified members only."},
    )
    keywords = Keywords(metadata={"example": ["激光焊接", "电池托盘"]})
    budget_min = Yuan(allow_none=True, metadata={"description": "Whole yuan; challenges only."})
    budget_max = Yuan(allow_none=True, metadata={"description": "Whole yuan; challenges only."})
    deadline = fields.Date(allow_none=True, error_messages={"invalid": "日期格式应为 YYYY-MM-DD。"})
    status = fields.String(
        validate=validate.OneOf(("draft", "published"), error="应为 {choices} 之一。")
    )

    @validates_schema
    def cross_field_rules(self, data, partial=None, **kwargs):
        if partial:
            # Without the stored listing only the order of two given bounds can be checked;
            # the route checks the rest against the listing (check_listing_update).
            data = {k: data[k] for k in ("budget_min", "budget_max") if k in data}
        errors = listing_rule_errors(data)
        if errors:
            raise ValidationError(errors)


class ListingPatchSchema(ListingInSchema):
    """Changes to a listing: any subset of the fields; ``kind`` cannot change."""

    def __init__(self, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(**kwargs)


class ListingImportSchema(ListingInSchema):
    """An import line: the listing plus its ``ref``, its enterprise and any ``status``."""

    ref = Text(
        required=True,
        required_text=True,
        max_length=64,
        validate=[validate.Regexp(REF_RE, error="编号只能含字母、数字、-、_ 和 .。")],
    )
    enterprise = EnterpriseByCreditCode(required=True)
    status = fields.String(validate=validate.OneOf(STATUSES, error="应为 {choices} 之一。"))


#: Optional fields an import line without them resets (a line is the whole listing).
LISTING_DEFAULTS = {
    "summary": "",
    "description": "",
    "confidential": "",
    "keywords": [],
    "budget_min": None,
    "budget_max": None,
    "deadline": None,
}


class ListingSchema(Viewed, Schema):
    """A listing as the API shows it.

    ``confidential`` is null unless the caller may see it: the owning enterprise's members,
    organizers, and members of verified enterprises (of a challenge: only those whose
    enterprise accepted its terms).
    """

    id = fields.Integer()
    ref = fields.String()
    kind = fields.String(metadata={"enum": list(KINDS)})
    enterprise = fields.Nested(EnterpriseRefSchema)
    category = fields.Nested(TermSchema)
    chain = fields.Nested(TermSchema)
    title = fields.String()
    summary = fields.String()
    description = fields.String()
    keywords = fields.List(fields.String(), attribute="keyword_list")
    budget_min = fields.Integer(allow_none=True)
    budget_max = fields.Integer(allow_none=True)
    deadline = fields.Date(allow_none=True)
    status = fields.String(metadata={"enum": list(STATUSES)})
    published_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    confidential = fields.Method(
        "_confidential",
        allow_none=True,
        metadata={
            "type": "string",
            "nullable": True,
            "description": "Null unless the caller may see it (owner, organizers; for a "
            "challenge, members of verified enterprises that accepted its terms, each showing "
            "logged; for a capability, members of verified enterprises).",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._accepted: set[int] | None = None
        self._shown: list = []

    def _confidential(self, listing):
        if self._accepted is None:
            # Read once per schema, not once per listing of a page.
            self._accepted = accepted_listing_ids(self.viewer)
        if not can_see_confidential(self.viewer, listing, accepted=self._accepted):
            return None
        self._shown.append(listing)
        return listing.confidential

    @post_dump(pass_collection=True)
    def _log_views(self, data, **kwargs):
        """Every showing is logged (the owner sees who saw what), a page in one INSERT; the
        API's commit at the edge keeps it, or its rollback drops it with a failed request."""
        shown, self._shown = self._shown, []
        log_confidential_views(self.viewer, shown, via="api")
        return data
