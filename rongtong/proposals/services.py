"""Proposals (揭榜): submit, withdraw, review, decide, award; terms, files, threads. Never commits.

Every notice to the other side is queued in the outbox in the same transaction as the change
that caused it. The one-proposal-per-enterprise rule is the database's unique constraint: a
second insert fails there (IntegrityError) and becomes a 409, with no check-then-insert.
"""

import contextlib
import hashlib
import io
import os
import secrets
import unicodedata
import zipfile
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..core.services import ServiceError
from ..core.time import local_today, utcnow
from ..extensions import db
from ..listings import services as listing_services
from ..listings.confidential import (
    confidential_viewers,  # noqa: F401 (the proposal pages' names for it)
    has_accepted_terms,
    record_terms_acceptance,
    terms_acceptances,  # noqa: F401
    terms_text,  # noqa: F401
)
from ..listings.models import Listing, TermsAcceptance
from ..mail.services import external_url, in_recipients_language, queue_mail
from ..outcomes.services import record_outcome
from ..taxonomy.models import Chain
from .models import (
    DECLINE_REASONS,
    OPEN_STATUSES,
    STATUSES,
    ChallengeReviewer,
    Proposal,
    ProposalAttachment,
    ProposalMessage,
)

#: Enterprise kinds that may take up a challenge (揭榜): SMEs and universities/institutes.
PROPOSER_KINDS = ("sme", "research")
DECISIONS = ("shortlist", "accept", "decline")
#: Fields of a proposal its enterprise writes (while it is a draft).
CONTENT_FIELDS = ("summary", "approach", "team", "timeline", "quote")
LIMITS = {"summary": 500, "approach": 20_000, "team": 5_000, "timeline": 5_000}
MAX_QUOTE = 10**12
MAX_MESSAGE = 5_000

STATUS_LABELS = {
    "draft": _l("草稿"),
    "submitted": _l("已提交"),
    "shortlisted": _l("入围"),
    "accepted": _l("已接受"),
    "declined": _l("未采纳"),
    "withdrawn": _l("已撤回"),
}
REASON_LABELS = {
    "out_of_scope": _l("不符合需求范围"),
    "technical": _l("技术方案不满足要求"),
    "price": _l("报价超出预算"),
    "timeline": _l("周期不满足要求"),
    "capability": _l("团队或资质不足"),
    "selected_other": _l("已选择其他方案"),
    "cancelled": _l("需求取消或暂停"),
    "other": _l("其他原因"),
}
assert set(REASON_LABELS) == set(DECLINE_REASONS)
assert set(STATUS_LABELS) == set(STATUSES)

#: Extension → the kind its content must be.
EXTENSIONS = {
    "pdf": "pdf",
    "docx": "docx",
    "xlsx": "xlsx",
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "jpeg": "image/jpeg",
}
KIND_LABELS = {
    "pdf": "PDF",
    "docx": "Word（DOCX）",
    "xlsx": "Excel（XLSX）",
    "png": "PNG",
    "jpeg": "JPEG",
}
#: The main part's content type an OOXML package must declare to count as DOCX / XLSX
#: (macro-enabled and template variants declare others and are refused).
OOXML_MAIN = {
    "docx": (
        b"word/",
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    "xlsx": (b"xl/", b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
}


def response_days() -> int:
    return int(current_app.config.get("PROPOSAL_RESPONSE_DAYS", 14))


# --- who may do what ------------------------------------------------------------------------


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_owner_side(user, listing: Listing) -> bool:
    """Members of the challenge's enterprise, and admins: they review and decide."""
    return listing_services.can_edit(user, listing)


def is_reviewer(user, listing: Listing) -> bool:
    """An organizer made a reviewer of this challenge (admins count as reviewers everywhere)."""
    if not _authenticated(user) or not user.is_organizer:
        return False
    if user.is_admin:
        return True
    return (
        db.session.execute(
            db.select(ChallengeReviewer.id).where(
                ChallengeReviewer.listing_id == listing.id, ChallengeReviewer.user_id == user.id
            )
        ).first()
        is not None
    )


def is_proposer_side(user, proposal: Proposal) -> bool:
    return _authenticated(user) and user.enterprise_id == proposal.enterprise_id


def can_read(user, proposal: Proposal) -> bool:
    """Content and files: the proposer's members; once submitted, the owner's members and the
    challenge's reviewers; admins. Everyone else (other enterprises, organizers who are not
    reviewers) is refused."""
    if not _authenticated(user):
        return False
    if is_proposer_side(user, proposal) or user.is_admin:
        return True
    if not proposal.was_submitted:
        return False
    if user.enterprise_id is not None and user.enterprise_id == proposal.owner_enterprise_id:
        return True
    return is_reviewer(user, proposal.listing)


def eligibility_error(user, listing: Listing, *, today: date | None = None) -> ServiceError | None:
    """Why ``user`` may not propose on ``listing`` now, or None if they may."""
    if not _authenticated(user) or user.enterprise is None:
        return ServiceError(_l("只有单位成员可以揭榜。"), code="not_member", status=403)
    enterprise = user.enterprise
    if not listing.is_challenge:
        return ServiceError(_l("只能对发榜需求揭榜。"), code="not_challenge", status=409)
    if enterprise.id == listing.enterprise_id:
        return ServiceError(_l("不能揭本单位发布的榜。"), code="own_challenge", status=403)
    if not enterprise.verified:
        return ServiceError(_l("单位通过审核后才能揭榜。"), code="not_verified", status=403)
    if enterprise.kind.code not in PROPOSER_KINDS:
        return ServiceError(
            _l("只有中小企业和高校/科研院所可以揭榜。"), code="wrong_kind", status=403
        )
    return closed_error(listing, today=today)


def closed_error(listing: Listing, *, today: date | None = None) -> ServiceError | None:
    """A ServiceError if the challenge takes no proposals now (not published, or past its
    deadline even before the closing job has run)."""
    today = today or local_today()
    if listing.status != "published" or (listing.deadline is not None and listing.deadline < today):
        return ServiceError(
            _l("该榜单已截止或未在发布中，不再接受揭榜方案。"), code="closed", status=409
        )
    return None


def may_propose(user, listing: Listing) -> bool:
    return eligibility_error(user, listing) is None


# --- terms and confidential details -----------------------------------------------------------


def accept_terms(user, listing: Listing) -> TermsAcceptance:
    """Record that the user's enterprise accepts the challenge's terms (once per enterprise):
    members of an enterprise that may propose on it, even after it closed."""
    if not _authenticated(user) or user.enterprise is None:
        raise ServiceError(_l("只有单位成员可以接受保密条款。"), code="not_member", status=403)
    if user.enterprise_id == listing.enterprise_id:
        raise ServiceError(_l("这是本单位的榜单，无需接受条款。"), code="own_challenge", status=409)
    error = eligibility_error(user, listing)
    if error is not None and error.code != "closed":
        raise error
    return record_terms_acceptance(user, listing)


# --- writing proposals --------------------------------------------------------------------------


def _clean(data: dict) -> dict:
    """Trimmed text within its limits and a whole-yuan quote; raises naming the field."""
    clean: dict = {}
    for name in CONTENT_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "quote":
            if value is None or value == "":
                clean[name] = None
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise ServiceError(_l("报价应为整数（元）。"), field="quote")
            if not 0 <= value <= MAX_QUOTE:
                raise ServiceError(_l("报价应在 0 到 1 万亿元之间。"), field="quote")
            clean[name] = value
            continue
        value = (value or "").strip()
        if "\x00" in value:
            raise ServiceError(_l("文本中不能含有空字符。"), field=name)
        if len(value) > LIMITS[name]:
            raise ServiceError(_l("最多 %(max)d 个字符。", max=LIMITS[name]), field=name)
        clean[name] = value
    return clean


def _check_complete(proposal: Proposal) -> None:
    if not proposal.summary:
        raise ServiceError(_l("提交前请填写方案摘要。"), field="summary")
    if not proposal.approach:
        raise ServiceError(_l("提交前请填写技术路线。"), field="approach")
    if proposal.quote is None:
        raise ServiceError(_l("提交前请填写报价（元）。"), field="quote")


def create_proposal(
    user, listing: Listing, data: dict, *, submit: bool = True, accept: bool = False
) -> Proposal:
    """A new proposal of the user's enterprise on ``listing``: a draft, or submitted at once.

    A second proposal of the same enterprise fails at the unique constraint: 409 ``duplicate``.
    """
    error = eligibility_error(user, listing)
    if error is not None:
        raise error
    values = _clean(data)
    if accept:
        accept_terms(user, listing)
    proposal = Proposal(
        listing_id=listing.id,
        enterprise_id=user.enterprise_id,
        owner_enterprise_id=listing.enterprise_id,
        created_by_id=user.id,
        status="draft",
        **values,
    )
    proposal.listing = listing
    if submit:
        _check_complete(proposal)
        _require_terms(user, listing)
    try:
        with db.session.begin_nested():
            db.session.add(proposal)
    except IntegrityError as exc:
        raise ServiceError(
            _l("本单位已对该榜单提交过揭榜方案（每个单位每个榜单限一份）。"),
            code="duplicate",
            status=409,
        ) from exc
    if submit:
        _submit(proposal, user)
    return proposal


def _require_terms(user, listing: Listing) -> None:
    if not has_accepted_terms(user, listing):
        raise ServiceError(
            _l("提交前请阅读并接受该榜单的保密条款。"), field="accept_terms", code="terms"
        )


def update_draft(proposal: Proposal, user, data: dict) -> Proposal:
    """Change a draft's content (the proposer only)."""
    _proposer_only(proposal, user)
    if proposal.status != "draft":
        raise ServiceError(_l("方案提交后不能再修改。"), code="bad_state", status=409)
    for name, value in _clean(data).items():
        setattr(proposal, name, value)
    db.session.flush()
    return proposal


def submit_proposal(proposal: Proposal, user, *, accept: bool = False) -> Proposal:
    """Submit a draft before the challenge's deadline; the owner is told."""
    _proposer_only(proposal, user)
    if proposal.status != "draft":
        raise ServiceError(_l("只有草稿可以提交。"), code="bad_state", status=409)
    error = eligibility_error(user, proposal.listing)
    if error is not None:
        raise error
    _check_complete(proposal)
    if accept:
        accept_terms(user, proposal.listing)
    _require_terms(user, proposal.listing)
    _submit(proposal, user)
    return proposal


def _submit(proposal: Proposal, user) -> None:
    now = utcnow()
    proposal.status = "submitted"
    proposal.submitted_at = now
    proposal.response_due_at = now + timedelta(days=response_days())
    db.session.flush()
    _notify_owner(proposal, "submitted")


def withdraw_proposal(proposal: Proposal, user) -> Proposal:
    """The proposer withdraws, until the owner has decided."""
    _proposer_only(proposal, user)
    if proposal.status not in ("draft", *OPEN_STATUSES):
        raise ServiceError(_l("已有结果或已撤回的方案不能撤回。"), code="bad_state", status=409)
    proposal.status = "withdrawn"
    proposal.withdrawn_at = utcnow()
    proposal.response_due_at = None
    db.session.flush()
    if proposal.was_submitted:
        _notify_owner(proposal, "withdrawn")
    return proposal


def _proposer_only(proposal: Proposal, user) -> None:
    if not is_proposer_side(user, proposal):
        raise ServiceError(_l("只有揭榜单位的成员可以这样做。"), code="forbidden", status=403)


def _owner_only(proposal: Proposal, user) -> None:
    if not is_owner_side(user, proposal.listing):
        raise ServiceError(_l("只有发榜单位的成员可以评审。"), code="forbidden", status=403)
    if not proposal.was_submitted:
        raise ServiceError(_l("该方案尚未提交。"), code="bad_state", status=409)


def shortlist_proposal(proposal: Proposal, user) -> Proposal:
    _owner_only(proposal, user)
    if proposal.status != "submitted":
        raise ServiceError(_l("只有已提交的方案可以入围。"), code="bad_state", status=409)
    now = utcnow()
    proposal.status = "shortlisted"
    proposal.shortlisted_at = now
    proposal.response_due_at = now + timedelta(days=response_days())
    db.session.flush()
    _notify_proposer(proposal, "shortlisted")
    return proposal


def accept_proposal(
    proposal: Proposal, user, *, amount: int | None = None, award: bool = False
) -> Proposal:
    """Accept; with ``award`` the challenge is awarded at once (see ``award_challenge``)."""
    _owner_only(proposal, user)
    if proposal.status not in OPEN_STATUSES:
        raise ServiceError(_l("该方案当前状态不能接受。"), code="bad_state", status=409)
    if amount is not None and (isinstance(amount, bool) or not 0 <= amount <= MAX_QUOTE):
        raise ServiceError(_l("金额应在 0 到 1 万亿元之间。"), field="amount")
    _decided(proposal, user, "accepted")
    proposal.accepted_amount = amount if amount is not None else proposal.quote
    db.session.flush()
    _notify_proposer(proposal, "accepted")
    if award:
        award_challenge(proposal.listing, user)
    return proposal


def decline_proposal(proposal: Proposal, user, *, reason: str, note: str) -> Proposal:
    """Decline with a reason code and a note, which the proposer is shown."""
    _owner_only(proposal, user)
    if proposal.status not in OPEN_STATUSES:
        raise ServiceError(_l("该方案当前状态不能拒绝。"), code="bad_state", status=409)
    if reason not in DECLINE_REASONS:
        raise ServiceError(_l("请选择未采纳的原因。"), field="reason")
    note = (note or "").strip()
    if not note:
        raise ServiceError(_l("请写明未采纳的具体说明，帮助揭榜方改进。"), field="note")
    if len(note) > MAX_MESSAGE or "\x00" in note:
        raise ServiceError(_l("说明最多 %(max)d 个字符。", max=MAX_MESSAGE), field="note")
    _decided(proposal, user, "declined")
    proposal.decline_reason = reason
    proposal.decline_note = note
    db.session.flush()
    _notify_proposer(proposal, "declined")
    return proposal


def _decided(proposal: Proposal, user, status: str) -> None:
    proposal.status = status
    proposal.decided_at = utcnow()
    proposal.decided_by_id = user.id
    proposal.response_due_at = None


def decide(proposal: Proposal, user, decision: str, **options) -> Proposal:
    """One entry for the three owner decisions (the API's and the forms')."""
    if decision == "shortlist":
        return shortlist_proposal(proposal, user)
    if decision == "accept":
        return accept_proposal(
            proposal, user, amount=options.get("amount"), award=bool(options.get("award"))
        )
    if decision == "decline":
        return decline_proposal(
            proposal, user, reason=options.get("reason") or "", note=options.get("note") or ""
        )
    raise ServiceError(_l("未知的评审决定。"), field="decision")


def award_challenge(listing: Listing, user) -> list[Proposal]:
    """Award the challenge to its accepted proposals: status awarded, each award into the
    outcome ledger, and the proposals still open declined with a reason."""
    if not is_owner_side(user, listing):
        raise ServiceError(_l("只有发榜单位的成员可以揭榜定标。"), code="forbidden", status=403)
    if listing.status not in ("published", "closed", "expired"):
        raise ServiceError(_l("该榜单当前状态不能定标。"), code="bad_state", status=409)
    proposals = _proposals_of(listing)
    accepted = [p for p in proposals if p.status == "accepted"]
    if not accepted:
        raise ServiceError(_l("请先接受至少一份方案。"), code="none_accepted", status=409)
    listing_services.set_status(listing, "awarded")
    for proposal in accepted:
        if proposal.outcome_id is None:
            outcome = record_outcome(
                stage="contract",
                source="proposal",
                source_id=proposal.id,
                listing=listing,
                demand_enterprise=listing.enterprise,
                supply_enterprise=proposal.enterprise,
                deal_type="award",
                amount=proposal.accepted_amount,
                note=listing.title,
                user=user,
            )
            proposal.outcome_id = outcome.id
    for proposal in proposals:
        if proposal.status in OPEN_STATUSES:
            _decided(proposal, user, "declined")
            proposal.decline_reason = "selected_other"
            proposal.decline_note = "该榜单已揭榜定标，感谢参与。"
            _notify_proposer(proposal, "declined")
    db.session.flush()
    return accepted


def _proposals_of(listing: Listing) -> list[Proposal]:
    return list(
        db.session.execute(
            db.select(Proposal).where(Proposal.listing_id == listing.id).order_by(Proposal.id)
        ).scalars()
    )


def post_message(proposal: Proposal, user, body: str) -> ProposalMessage:
    """A question of the owner or an answer of the proposer; the other side is told."""
    body = (body or "").strip()
    if not body:
        raise ServiceError(_l("请填写内容。"), field="body")
    if len(body) > MAX_MESSAGE or "\x00" in body:
        raise ServiceError(_l("内容最多 %(max)d 个字符。", max=MAX_MESSAGE), field="body")
    if is_proposer_side(user, proposal):
        side = "proposer"
    elif is_owner_side(user, proposal.listing) and proposal.was_submitted:
        side = "owner"
    else:
        raise ServiceError(_l("只有发榜方和揭榜方可以留言。"), code="forbidden", status=403)
    if proposal.status not in (*OPEN_STATUSES, "accepted"):
        raise ServiceError(_l("该方案当前状态不能留言。"), code="bad_state", status=409)
    message = ProposalMessage(proposal=proposal, author_id=user.id, side=side, body=body)
    db.session.add(message)
    if side == "owner":
        # A question is an answer of sorts: the owner's clock starts again.
        proposal.response_due_at = utcnow() + timedelta(days=response_days())
    db.session.flush()
    if side == "owner":
        _notify(
            _members(proposal.enterprise_id),
            proposal,
            f"message:{message.id}",
            "question",
            message=message,
        )
    else:
        _notify(
            _members(proposal.owner_enterprise_id),
            proposal,
            f"message:{message.id}",
            "answer",
            message=message,
        )
    return message


# --- reviewers ------------------------------------------------------------------------------------


def add_reviewer(listing: Listing, organizer: User, by) -> ChallengeReviewer:
    """The owner (or an admin) lets an organizer read this challenge's proposals."""
    if not is_owner_side(by, listing):
        raise ServiceError(_l("只有发榜单位的成员可以指定评审人。"), code="forbidden", status=403)
    if organizer is None or not organizer.is_organizer or not organizer.active:
        raise ServiceError(_l("只能指定组织方人员为评审人。"), field="user_id")
    existing = db.session.execute(
        db.select(ChallengeReviewer).where(
            ChallengeReviewer.listing_id == listing.id, ChallengeReviewer.user_id == organizer.id
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    reviewer = ChallengeReviewer(listing_id=listing.id, user_id=organizer.id, assigned_by_id=by.id)
    try:
        with db.session.begin_nested():
            db.session.add(reviewer)
    except IntegrityError:
        return db.session.execute(
            db.select(ChallengeReviewer).where(
                ChallengeReviewer.listing_id == listing.id,
                ChallengeReviewer.user_id == organizer.id,
            )
        ).scalar_one()
    return reviewer


def remove_reviewer(listing: Listing, user_id: int, by) -> None:
    if not is_owner_side(by, listing):
        raise ServiceError(_l("只有发榜单位的成员可以调整评审人。"), code="forbidden", status=403)
    db.session.execute(
        db.delete(ChallengeReviewer).where(
            ChallengeReviewer.listing_id == listing.id, ChallengeReviewer.user_id == user_id
        )
    )


def reviewers_of(listing: Listing) -> list[ChallengeReviewer]:
    return list(
        db.session.execute(
            db.select(ChallengeReviewer)
            .where(ChallengeReviewer.listing_id == listing.id)
            .order_by(ChallengeReviewer.assigned_at)
        ).scalars()
    )


def organizer_choices() -> list[User]:
    return list(
        db.session.execute(
            db.select(User)
            .where(User.role.in_(("organizer", "admin")), User.active.is_(True))
            .order_by(User.name, User.email)
        ).scalars()
    )


# --- attachments ----------------------------------------------------------------------------------


def attachment_dir() -> str:
    folder = current_app.config.get("PROPOSAL_ATTACHMENT_DIR") or os.path.join(
        current_app.instance_path, "attachments"
    )
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return folder


def attachment_path(attachment: ProposalAttachment) -> str:
    # stored_name is our own random hex; checked again so that a tampered row cannot escape.
    if not attachment.stored_name.isalnum():
        msg = "bad stored attachment name"
        raise ValueError(msg)
    return os.path.join(attachment_dir(), attachment.stored_name)


def check_filename(name: str | None) -> str:
    """The uploader's file name if it is a plain name with an allowed extension."""
    if not name or not name.strip():
        raise ServiceError(_l("请选择要上传的文件。"), field="attachments", code="no_file")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ServiceError(
            _l("文件名含有空字符或控制字符，请改名后重新上传。"),
            field="attachments",
            code="bad_filename",
        )
    if "/" in name or "\\" in name:
        raise ServiceError(
            _l("文件名不能包含路径或斜杠（/ 或 \\）：%(name)s", name=name),
            field="attachments",
            code="bad_filename",
        )
    name = unicodedata.normalize("NFC", name).strip()
    if name.startswith(".") or ".." in name:
        raise ServiceError(
            _l("文件名不能以点开头或含有“..”：%(name)s", name=name),
            field="attachments",
            code="bad_filename",
        )
    if len(name) > 200:
        raise ServiceError(
            _l("文件名过长（最多 200 个字符）。"), field="attachments", code="bad_filename"
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EXTENSIONS:
        raise ServiceError(
            _l("不支持的文件类型：%(name)s。只接受 PDF、DOCX、XLSX、PNG、JPEG。", name=name),
            field="attachments",
            code="unsupported_type",
        )
    return name


def sniff_kind(data: bytes) -> str | None:
    """What the bytes are (pdf, docx, xlsx, png, jpeg), by their content; None if none."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _sniff_ooxml(data)
    return None


def _sniff_ooxml(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > 1_000_000:
                return None
            types = archive.read(info)
    except (
        KeyError,
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        RuntimeError,
        NotImplementedError,
        ValueError,
    ):
        return None
    for kind, (folder, main_type) in OOXML_MAIN.items():
        if main_type in types and any(n.encode().startswith(folder) for n in names):
            return kind
    return None


def add_attachment(proposal: Proposal, user, filename: str | None, stream) -> tuple:
    """Check and store one uploaded file; returns (attachment, path written).

    The caller removes the file if its transaction does not commit.
    """
    _proposer_only(proposal, user)
    if proposal.status != "draft":
        raise ServiceError(_l("方案提交后不能再添加附件。"), code="bad_state", status=409)
    name = check_filename(filename)
    limit = int(current_app.config["PROPOSAL_ATTACHMENT_MAX_BYTES"])
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ServiceError(
            _l("文件过大：%(name)s 超过 %(mb)s MB 的上限。", name=name, mb=_megabytes(limit)),
            field="attachments",
            code="too_large",
            status=413,
        )
    if not data:
        raise ServiceError(_l("文件是空的：%(name)s", name=name), field="attachments", code="empty")
    expected = EXTENSIONS[name.rsplit(".", 1)[-1].lower()]
    kind = sniff_kind(data)
    if kind != expected:
        raise ServiceError(
            _l(
                "文件内容与扩展名不符：%(name)s 不是有效的 %(kind)s 文件。",
                name=name,
                kind=KIND_LABELS[expected],
            ),
            field="attachments",
            code="type_mismatch",
            status=415,
        )
    count = len(proposal.attachments)
    if count >= int(current_app.config["PROPOSAL_ATTACHMENTS_MAX"]):
        raise ServiceError(
            _l("每份方案最多 %(n)d 个附件。", n=current_app.config["PROPOSAL_ATTACHMENTS_MAX"]),
            field="attachments",
            code="too_many_files",
        )
    stored = secrets.token_hex(16)
    path = os.path.join(attachment_dir(), stored)
    with open(path, "xb") as handle:
        handle.write(data)
    attachment = ProposalAttachment(
        stored_name=stored,
        filename=name,
        kind=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=user.id,
    )
    proposal.attachments.append(attachment)
    db.session.flush()
    return attachment, path


def _megabytes(limit: int) -> str:
    value = limit / (1024 * 1024)
    return f"{value:.0f}" if value >= 1 else f"{value:.2f}"


def delete_attachment(attachment: ProposalAttachment, user) -> str:
    """Remove a draft's file row; returns the path for the caller to delete after commit."""
    proposal = attachment.proposal
    _proposer_only(proposal, user)
    if proposal.status != "draft":
        raise ServiceError(_l("方案提交后不能删除附件。"), code="bad_state", status=409)
    path = attachment_path(attachment)
    proposal.attachments.remove(attachment)
    db.session.flush()
    return path


def remove_files(paths) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


# --- reading ------------------------------------------------------------------------------------


def proposal_of(enterprise_id: int | None, listing: Listing) -> Proposal | None:
    if enterprise_id is None:
        return None
    return db.session.execute(
        db.select(Proposal).where(
            Proposal.listing_id == listing.id, Proposal.enterprise_id == enterprise_id
        )
    ).scalar_one_or_none()


def visible_proposals(user, listing: Listing) -> list[Proposal]:
    """The proposals on ``listing`` the user may read: the owner side and reviewers see every
    submitted one, a proposer its own."""
    stmt = (
        db.select(Proposal)
        .where(Proposal.listing_id == listing.id)
        .options(joinedload(Proposal.enterprise))
        .order_by(Proposal.submitted_at.desc().nullslast(), Proposal.id.desc())
    )
    if not _authenticated(user):
        return []
    if user.is_admin:
        return list(db.session.execute(stmt).scalars())
    if is_owner_side(user, listing) or is_reviewer(user, listing):
        stmt = stmt.where(
            db.or_(Proposal.submitted_at.is_not(None), Proposal.enterprise_id == user.enterprise_id)
        )
        return list(db.session.execute(stmt).scalars())
    if user.enterprise_id is None:
        return []
    return list(
        db.session.execute(stmt.where(Proposal.enterprise_id == user.enterprise_id)).scalars()
    )


def my_proposals(enterprise_id: int) -> list[Proposal]:
    return list(
        db.session.execute(
            db.select(Proposal)
            .where(Proposal.enterprise_id == enterprise_id)
            .options(joinedload(Proposal.listing))
            .order_by(Proposal.updated_at.desc(), Proposal.id.desc())
        ).scalars()
    )


def overdue_proposals(now: datetime | None = None) -> list[Proposal]:
    """Open proposals whose owner's answer is past due, the longest overdue first."""
    now = now or utcnow()
    return list(
        db.session.execute(
            db.select(Proposal)
            .where(Proposal.status.in_(OPEN_STATUSES), Proposal.response_due_at < now)
            .options(joinedload(Proposal.listing), joinedload(Proposal.enterprise))
            .order_by(Proposal.response_due_at, Proposal.id)
        ).scalars()
    )


@dataclass
class ProgressRow:
    """Proposal counts per status for a chain or a challenge, and how many are overdue."""

    key: int
    label: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES[1:], 0))
    overdue: int = 0
    listing: Listing | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def progress(by: str = "chain", now: datetime | None = None) -> list[ProgressRow]:
    """Submitted proposals' progress (never their content) grouped by "chain" or "listing"."""
    now = now or utcnow()
    group = Listing.chain_id if by == "chain" else Proposal.listing_id
    overdue = func.sum(
        db.case(
            (db.and_(Proposal.status.in_(OPEN_STATUSES), Proposal.response_due_at < now), 1),
            else_=0,
        )
    )
    stmt = (
        db.select(group, Proposal.status, func.count(Proposal.id), overdue)
        .join(Listing, Listing.id == Proposal.listing_id)
        .where(Proposal.submitted_at.is_not(None))
        .group_by(group, Proposal.status)
    )
    rows: dict[int, ProgressRow] = {}
    for key, status, count, late in db.session.execute(stmt):
        row = rows.setdefault(key, ProgressRow(key, ""))
        row.counts[status] = row.counts.get(status, 0) + count
        row.overdue += int(late or 0)
    if by == "chain":
        for chain in db.session.execute(db.select(Chain).where(Chain.id.in_(rows))).scalars():
            rows[chain.id].label = chain.label
        return sorted(rows.values(), key=lambda r: (-r.total, r.label))
    listings = db.session.execute(
        db.select(Listing).where(Listing.id.in_(rows)).options(joinedload(Listing.enterprise))
    ).scalars()
    for listing in listings:
        rows[listing.id].label = listing.title
        rows[listing.id].listing = listing
    return sorted(rows.values(), key=lambda r: (-r.overdue, -r.total, r.key))


# --- jobs -----------------------------------------------------------------------------------------


def close_past_deadline(today: date | None = None) -> int:
    """Published challenges past their deadline stop taking proposals (they expire)."""
    return listing_services.expire_listings(today)


def remind_overdue(now: datetime | None = None) -> int:
    """Remind owners of proposals past their response deadline, once a week per proposal.

    Returns the number of proposals reminded now (a repeat run in the same week adds none).
    """
    now = now or utcnow()
    reminded = 0
    for proposal in overdue_proposals(now):
        week = (now - proposal.response_due_at).days // 7
        if proposal.reminded_at is not None and proposal.reminded_at >= (
            proposal.response_due_at + timedelta(days=7 * week)
        ):
            continue
        tag = f"overdue:{proposal.response_due_at:%Y%m%d}:{week}"
        _notify(
            _members(proposal.owner_enterprise_id),
            proposal,
            tag,
            "reminder",
            days=(now - proposal.response_due_at).days,
        )
        proposal.reminded_at = now
        reminded += 1
    db.session.flush()
    return reminded


# --- notices --------------------------------------------------------------------------------------


def _members(enterprise_id: int) -> list[User]:
    return list(
        db.session.execute(
            db.select(User)
            .where(User.enterprise_id == enterprise_id, User.active.is_(True))
            .order_by(User.id)
        ).scalars()
    )


def _notify_owner(proposal: Proposal, status: str) -> None:
    _notify(_members(proposal.owner_enterprise_id), proposal, f"status:{status}", status)


def _notify_proposer(proposal: Proposal, status: str) -> None:
    _notify(_members(proposal.enterprise_id), proposal, f"status:{status}", status)


SUBJECTS = {
    "submitted": _l("收到新的揭榜方案：%(title)s"),
    "withdrawn": _l("揭榜方案已撤回：%(title)s"),
    "shortlisted": _l("您的揭榜方案已入围：%(title)s"),
    "accepted": _l("您的揭榜方案已被接受：%(title)s"),
    "declined": _l("您的揭榜方案未被采纳：%(title)s"),
    "question": _l("发榜方对您的揭榜方案提出了问题：%(title)s"),
    "answer": _l("揭榜方回复了您的问题：%(title)s"),
    "reminder": _l("请尽快答复揭榜方案：%(title)s"),
}


def _link(endpoint: str, **values) -> str:
    """An absolute link for mail, on PUBLIC_URL (jobs have no request to take a host from)."""
    return external_url(endpoint, **values)


def _notify(users, proposal: Proposal, tag: str, notice: str, **context) -> None:
    """Queue one mail per user, rendered in the user's language, keyed per user and purpose."""
    for user in users:
        with in_recipients_language(user):
            values = {
                "user": user,
                "proposal": proposal,
                "listing": proposal.listing,
                "notice": notice,
                "status_label": str(STATUS_LABELS[proposal.status]),
                "reason_label": str(REASON_LABELS.get(proposal.decline_reason or "", "")),
                "link": _link("proposals.detail", proposal_id=proposal.id),
                **context,
            }
            subject = str(SUBJECTS[notice]) % {"title": proposal.listing.title}
            text = render_template("proposals/mail/notice.txt", **values)
            html = render_template("proposals/mail/notice.html", **values)
        queue_mail(
            key=f"proposal:{proposal.id}:{tag}:user:{user.id}",
            purpose=f"proposal_{notice}",
            to=user.email,
            subject=subject[:255],
            text=text,
            html=html,
            user=user,
        )


def status_counts(listing: Listing) -> dict[str, int]:
    """Submitted proposals per status on one challenge (no content)."""
    counts: dict[str, int] = defaultdict(int)
    for status, count in db.session.execute(
        db.select(Proposal.status, func.count(Proposal.id))
        .where(Proposal.listing_id == listing.id, Proposal.submitted_at.is_not(None))
        .group_by(Proposal.status)
    ):
        counts[status] = count
    return dict(counts)
