"""/api/v1: proposals (揭榜) on challenges: submit, edit, files, list, read, withdraw, decide."""

import io

from flask import abort, current_app

from ..api import errors
from ..api.auth import TOKEN_AUTH, require_api_user
from ..api.common import Blueprint, get_or_404, respond
from ..core.services import ServiceError
from ..listings import services as listing_services
from ..listings.models import Listing
from ..proposals import services
from ..proposals.attachments import send_attachment
from ..proposals.models import Proposal, ProposalAttachment
from ..proposals.schemas import (
    AttachmentSchema,
    AttachmentUploadSchema,
    DecisionSchema,
    MessageInSchema,
    MessageSchema,
    ProposalInSchema,
    ProposalListSchema,
    ProposalPatchSchema,
    ProposalSchema,
    SubmitSchema,
    TermsSchema,
)

bp = Blueprint(
    "api_proposals",
    __name__,
    url_prefix="/api/v1",
    description="Proposals (揭榜) on challenges: submit, edit drafts and their files, list, "
    "read, withdraw, decide.",
)
errors.install(bp)


def _challenge(listing_id: int, user) -> Listing:
    listing = get_or_404(Listing, listing_id)
    if not listing_services.can_view(user, listing) or not listing.is_challenge:
        abort(404, f"No challenge with id {listing_id}.")
    return listing


def _readable(proposal_id: int, user) -> Proposal:
    proposal = get_or_404(Proposal, proposal_id)
    if not services.can_read(user, proposal):
        abort(
            403,
            "Only the proposing enterprise, the challenge owner and its reviewers "
            "may read this proposal.",
        )
    return proposal


def _dump(proposal: Proposal, status: int = 200):
    return respond(ProposalSchema().dump(proposal), status)


def _attachment_of(proposal: Proposal, attachment_id: int) -> ProposalAttachment:
    item = get_or_404(ProposalAttachment, attachment_id)
    if item.proposal_id != proposal.id:
        abort(404, f"No attachment with id {attachment_id} on this proposal.")
    return item


@bp.route("/listings/<int:listing_id>/proposals", methods=["GET"])
@bp.response(200, ProposalListSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 401, 404)
def list_proposals(listing_id):
    """Proposals on a challenge that the caller may read.

    The owner's members (and the challenge's reviewers) see every submitted proposal; a
    proposing enterprise sees its own, drafts included; others see none.
    """
    user = require_api_user()
    listing = _challenge(listing_id, user)
    items = services.visible_proposals(user, listing)
    return respond({"items": ProposalSchema(many=True).dump(items), "total": len(items)})


@bp.route("/listings/<int:listing_id>/proposals", methods=["POST"])
@bp.arguments(ProposalInSchema)
@bp.response(201, ProposalSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 400, 401, 403, 404, 409)
def submit(data, listing_id):
    """Submit a proposal (or save a draft with `status: draft`).

    Members of verified SMEs and universities/institutes only (403 `not_verified`,
    `wrong_kind`), never on their own challenge (403 `own_challenge`), before the deadline of
    a published challenge (409 `closed`). One proposal per enterprise per challenge: a second
    one, even sent at the same moment, is a 409 `duplicate`.
    """
    user = require_api_user()
    submit_now = data.pop("status") == "submitted"
    accept = data.pop("accept_terms")
    listing = _challenge(listing_id, user)
    proposal = services.create_proposal(user, listing, data, submit=submit_now, accept=accept)
    return _dump(proposal, 201)


@bp.route("/listings/<int:listing_id>/terms", methods=["POST"])
@bp.response(200, TermsSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 401, 403, 404, 409)
def accept_terms(listing_id):
    """Accept the challenge's confidentiality terms for the caller's enterprise.

    Afterwards the listing's `confidential` field is shown to the enterprise's members, and
    each showing is logged for the owner to see.
    """
    user = require_api_user()
    listing = _challenge(listing_id, user)
    acceptance = services.accept_terms(user, listing)
    return respond(TermsSchema().dump(acceptance))


@bp.route("/proposals/<int:proposal_id>", methods=["GET"])
@bp.response(200, ProposalSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 401, 403, 404)
def read(proposal_id):
    """One proposal: to its enterprise, the challenge owner (once submitted), the challenge's
    reviewers and admins; 403 for everyone else, organizers included."""
    user = require_api_user()
    return _dump(_readable(proposal_id, user))


@bp.route("/proposals/<int:proposal_id>", methods=["PATCH"])
@bp.arguments(ProposalPatchSchema)
@bp.response(200, ProposalSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 400, 401, 403, 404, 409)
def update_draft(data, proposal_id):
    """Change a draft's content (the proposing enterprise's members).

    Only the fields sent change. Once submitted a proposal cannot be edited: 409 `bad_state`.
    """
    user = require_api_user()
    proposal = _readable(proposal_id, user)
    services.update_draft(proposal, user, data)
    return _dump(proposal)


@bp.route("/proposals/<int:proposal_id>/attachments", methods=["POST"])
@bp.arguments(AttachmentUploadSchema, location="files")
@bp.response(201, AttachmentSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 401, 403, 404, 409, 413)
def upload_attachment(data, proposal_id):
    """Attach one file to a draft (the proposing enterprise's members).

    The same checks as the web form: a plain file name with an allowed extension, content of
    that type, not empty, within the size limit, at most PROPOSAL_ATTACHMENTS_MAX files. A
    refused file is a 422 naming `file` (codes `bad_filename`, `unsupported_type`,
    `type_mismatch`, `too_large`, `empty`, `too_many_files`) and nothing is stored. 409
    `bad_state` once submitted.
    """
    user = require_api_user()
    proposal = _readable(proposal_id, user)
    upload = data["file"]
    limit = int(current_app.config["PROPOSAL_ATTACHMENT_MAX_BYTES"])
    # Read once (limit + 1 bytes tells "too large"), so that a retried unit of work sees them.
    name, content = upload.filename, upload.stream.read(limit + 1)
    try:
        item, _path = services.add_attachment(proposal, user, name, io.BytesIO(content))
    except ServiceError as exc:
        if exc.field != "attachments":
            raise
        # The web form's field is "attachments" and some refusals carry 413/415 there; here
        # every refused file is a 422 on the request's one part.
        raise ServiceError(exc.message, field="file", code=exc.code, status=422) from exc
    return respond(AttachmentSchema().dump(item), 201)


@bp.route("/proposals/<int:proposal_id>/attachments/<int:attachment_id>", methods=["DELETE"])
@bp.response(204, description="Deleted.")
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 401, 403, 404, 409)
def delete_attachment(proposal_id, attachment_id):
    """Remove a draft's file (the proposing enterprise's members); 409 `bad_state` once
    submitted."""
    user = require_api_user()
    proposal = _readable(proposal_id, user)
    services.delete_attachment(_attachment_of(proposal, attachment_id), user)  # file on commit
    return "", 204


@bp.route("/proposals/<int:proposal_id>/submit", methods=["POST"])
@bp.arguments(SubmitSchema)
@bp.response(200, ProposalSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 401, 403, 404, 409)
def submit_draft(data, proposal_id):
    """Submit a draft (the proposing enterprise), before the challenge's deadline."""
    user = require_api_user()
    proposal = _readable(proposal_id, user)
    services.submit_proposal(proposal, user, accept=data["accept_terms"])
    return _dump(proposal)


@bp.route("/proposals/<int:proposal_id>/withdraw", methods=["POST"])
@bp.response(200, ProposalSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 401, 403, 404, 409)
def withdraw(proposal_id):
    """Withdraw a proposal until it is decided (the proposing enterprise)."""
    user = require_api_user()
    proposal = _readable(proposal_id, user)
    services.withdraw_proposal(proposal, user)
    return _dump(proposal)


@bp.route("/proposals/<int:proposal_id>/decision", methods=["POST"])
@bp.arguments(DecisionSchema)
@bp.response(200, ProposalSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 401, 403, 404, 409)
def decide(data, proposal_id):
    """The challenge owner shortlists, accepts or declines (reason code and note required).

    `award: true` with `accept` awards the challenge: it becomes `awarded`, the accepted
    proposals enter the outcome ledger, and proposals still open are declined.
    """
    user = require_api_user()
    proposal = _readable(proposal_id, user)
    decision = data.pop("decision")
    services.decide(proposal, user, decision, **data)
    return _dump(proposal)


@bp.route("/proposals/<int:proposal_id>/messages", methods=["POST"])
@bp.arguments(MessageInSchema)
@bp.response(201, MessageSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 401, 403, 404, 409)
def post_message(data, proposal_id):
    """Ask (the owner) or answer (the proposer) on the proposal's thread."""
    user = require_api_user()
    proposal = _readable(proposal_id, user)
    message = services.post_message(proposal, user, data["body"])
    return respond(MessageSchema().dump(message), 201)


@bp.route("/proposals/<int:proposal_id>/attachments/<int:attachment_id>", methods=["GET"])
@bp.response(200, content_type="application/octet-stream", description="The file.")
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 401, 403, 404)
def attachment(proposal_id, attachment_id):
    """Download an attachment (the same readers as the proposal)."""
    user = require_api_user()
    proposal = _readable(proposal_id, user)
    return send_attachment(_attachment_of(proposal, attachment_id))
