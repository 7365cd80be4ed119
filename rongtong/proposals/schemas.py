"""Proposal schemas for the JSON API."""

from flask import url_for
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError

from ..core.schemas import BaseSchema, Text, UtcDateTime, Yuan
from ..enterprises.schemas import EnterpriseRefSchema
from .models import ATTACHMENT_KINDS, DECLINE_REASONS, STATUSES
from .services import CONTENT_TYPES, DECISIONS, LIMITS


class ProposalContentSchema(BaseSchema):
    """What the proposing enterprise writes (``services.CONTENT_FIELDS``), all optional."""

    summary = Text(max_length=LIMITS["summary"], multiline=True)
    approach = Text(max_length=LIMITS["approach"], multiline=True)
    team = Text(max_length=LIMITS["team"], multiline=True)
    timeline = Text(max_length=LIMITS["timeline"], multiline=True)
    quote = Yuan(allow_none=True, metadata={"description": "Whole yuan (CNY)."})


class ProposalPatchSchema(ProposalContentSchema):
    """Changes to a draft: any subset of its content; fields left out keep their value, and
    ``quote: null`` clears the quote. Completeness is checked when the draft is submitted."""


class ProposalInSchema(ProposalContentSchema):
    """A new proposal. ``status`` ``submitted`` (the default) needs summary, approach, quote
    and the challenge's terms accepted (``accept_terms: true`` accepts them now)."""

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
    note = Text(
        max_length=5000,
        multiline=True,
        metadata={"description": "Decline only: shown to the proposer."},
    )
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
    body = Text(required=True, required_text=True, max_length=5000, multiline=True)


class AttachmentUploadSchema(BaseSchema):
    """One file, sent as the ``file`` part of a ``multipart/form-data`` body."""

    file = Upload(
        required=True,
        metadata={
            "description": "PDF, DOCX, XLSX, PNG or JPEG, at most PROPOSAL_ATTACHMENT_MAX_BYTES "
            "(10 MB by default). The type is checked by content: it must match the extension."
        },
    )


class AttachmentSchema(Schema):
    id = fields.Integer()
    filename = fields.String(metadata={"description": "The uploader's name, checked."})
    kind = fields.String(metadata={"enum": list(ATTACHMENT_KINDS)})
    content_type = fields.Method(
        "_content_type",
        metadata={"type": "string", "enum": sorted(set(CONTENT_TYPES.values()))},
    )
    size = fields.Integer(metadata={"description": "Bytes."})
    sha256 = fields.String()
    url = fields.Method(
        "_url", metadata={"type": "string", "description": "Where to download the file."}
    )

    def _content_type(self, attachment):
        return CONTENT_TYPES[attachment.kind]

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
