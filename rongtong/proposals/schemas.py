"""Proposal schemas for the JSON API."""

from flask import url_for
from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError

from ..enterprises.schemas import BaseSchema, EnterpriseRefSchema, Text, UtcDateTime, Yuan
from .models import ATTACHMENT_KINDS, DECLINE_REASONS, STATUSES
from .services import DECISIONS, LIMITS


class ProposalInSchema(BaseSchema):
    """A new proposal. ``status`` ``submitted`` (the default) needs summary, approach, quote
    and the challenge's terms accepted (``accept_terms: true`` accepts them now)."""

    summary = Text(max_length=LIMITS["summary"])
    approach = Text(max_length=LIMITS["approach"])
    team = Text(max_length=LIMITS["team"])
    timeline = Text(max_length=LIMITS["timeline"])
    quote = Yuan(allow_none=True, metadata={"description": "Whole yuan (CNY)."})
    status = fields.String(
        load_default="submitted",
        validate=validate.OneOf(("draft", "submitted"), error="应为 {choices} 之一。"),
    )
    accept_terms = fields.Boolean(
        load_default=False,
        metadata={"description": "Accept the challenge's confidentiality terms now."},
    )


class SubmitSchema(BaseSchema):
    accept_terms = fields.Boolean(load_default=False)


class DecisionSchema(BaseSchema):
    """The owner's decision: ``shortlist``, ``accept`` (optional ``amount``, ``award``) or
    ``decline`` (``reason`` code and ``note`` required)."""

    decision = fields.String(
        required=True, validate=validate.OneOf(DECISIONS, error="应为 {choices} 之一。")
    )
    reason = fields.String(
        validate=validate.OneOf(DECLINE_REASONS, error="应为 {choices} 之一。"),
        metadata={"description": "Decline only: why."},
    )
    note = Text(max_length=5000, metadata={"description": "Decline only: shown to the proposer."})
    amount = Yuan(
        allow_none=True, metadata={"description": "Accept only: agreed amount; default the quote."}
    )
    award = fields.Boolean(
        load_default=False,
        metadata={"description": "Accept only: award the challenge now (outcome ledger)."},
    )

    @validates_schema
    def decline_needs_reason_and_note(self, data, **kwargs):
        if data.get("decision") != "decline":
            return
        errors = {}
        if not data.get("reason"):
            errors["reason"] = ["不予采纳时须选择原因。"]
        if not data.get("note"):
            errors["note"] = ["不予采纳时须写明说明。"]
        if errors:
            raise SchemaError(errors)


class MessageInSchema(BaseSchema):
    body = Text(required=True, required_text=True, max_length=5000)


class AttachmentSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    kind = fields.String(metadata={"enum": list(ATTACHMENT_KINDS)})
    size = fields.Integer()
    sha256 = fields.String()
    url = fields.Method("_url", metadata={"type": "string"})

    def _url(self, attachment):
        return url_for(
            "api_proposals.attachment",
            proposal_id=attachment.proposal_id,
            attachment_id=attachment.id,
        )


class MessageSchema(Schema):
    id = fields.Integer()
    side = fields.String(metadata={"enum": ["owner", "proposer"]})
    body = fields.String()
    created_at = UtcDateTime()


class ProposalSchema(Schema):
    """A proposal, to those who may read it (its enterprise, the challenge owner once it is
    submitted, reviewers, admins)."""

    id = fields.Integer()
    listing_id = fields.Integer()
    enterprise = fields.Nested(EnterpriseRefSchema)
    status = fields.String(metadata={"enum": list(STATUSES)})
    summary = fields.String()
    approach = fields.String()
    team = fields.String()
    timeline = fields.String()
    quote = fields.Integer(allow_none=True, metadata={"description": "Whole yuan."})
    decline_reason = fields.String(allow_none=True, metadata={"enum": list(DECLINE_REASONS)})
    decline_note = fields.String()
    accepted_amount = fields.Integer(allow_none=True)
    submitted_at = UtcDateTime(allow_none=True)
    decided_at = UtcDateTime(allow_none=True)
    withdrawn_at = UtcDateTime(allow_none=True)
    response_due_at = UtcDateTime(
        allow_none=True, metadata={"description": "When the owner's answer is due."}
    )
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    attachments = fields.List(fields.Nested(AttachmentSchema))
    messages = fields.List(fields.Nested(MessageSchema))


class ProposalListSchema(Schema):
    items = fields.List(fields.Nested(ProposalSchema))
    total = fields.Integer()


class TermsSchema(Schema):
    listing_id = fields.Integer()
    terms_text = fields.String()
    accepted_at = UtcDateTime()
