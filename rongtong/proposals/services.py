"""Proposals (揭榜) themselves: submit, withdraw, read, progress, the overdue reminder. Never
commits.

Every notice to the other side is queued in the outbox in the same transaction as the change
that caused it. The one-proposal-per-enterprise rule is the database's unique constraint: a
second insert fails there (IntegrityError) and becomes a 409, with no check-then-insert.

The owner's review and award are in ``review``, the thread in ``threads``, files in
``attachments``, the rules and labels in ``rules``, a challenge's terms in
``listings.confidential``. The names below the imports are re-exported for the pages and
tests that still reach them as ``services.<name>`` (``__all__`` names them).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..core.services import ServiceError
from ..core.time import utcnow
from ..extensions import db
from ..listings import services as listing_services
from ..listings.confidential import (
    confidential_viewers,
    has_accepted_terms,
    record_terms_acceptance,
    terms_acceptances,
    terms_text,
)
from ..listings.models import Listing, TermsAcceptance
from ..taxonomy.models import Chain
from .attachments import (
    CONTENT_TYPES,
    EXTENSIONS,
    KIND_LABELS,
    _megabytes,
    add_attachment,
    attachment_dir,
    attachment_path,
    check_filename,
    delete_attachment,
    remove_files,
    sniff_kind,
)
from .models import DECLINE_REASONS, OPEN_STATUSES, STATUSES, Proposal
from .notices import members, notify, notify_owner
from .review import (
    accept_proposal,
    add_reviewer,
    award_challenge,
    decide,
    decline_proposal,
    organizer_choices,
    remove_reviewer,
    reviewers_of,
    shortlist_proposal,
)
from .rules import (
    CONTENT_FIELDS,
    DECISIONS,
    LIMITS,
    MAX_MESSAGE,
    MAX_QUOTE,
    PROPOSER_KINDS,
    REASON_LABELS,
    STATUS_LABELS,
    authenticated,
    can_read,
    closed_error,
    eligibility_error,
    is_owner_side,
    is_proposer_side,
    is_reviewer,
    may_propose,
    proposer_only,
    response_days,
)
from .threads import post_message

# Its own names and those of the sub-feature modules it re-exports for the pages and tests.
__all__ = [
    "CONTENT_TYPES",
    "DECISIONS",
    "DECLINE_REASONS",
    "EXTENSIONS",
    "KIND_LABELS",
    "MAX_MESSAGE",
    "PROPOSER_KINDS",
    "REASON_LABELS",
    "STATUS_LABELS",
    "ProgressRow",
    "_megabytes",
    "accept_proposal",
    "accept_terms",
    "add_attachment",
    "add_reviewer",
    "attachment_dir",
    "attachment_path",
    "award_challenge",
    "can_read",
    "check_filename",
    "close_past_deadline",
    "closed_error",
    "confidential_viewers",
    "create_proposal",
    "decide",
    "decline_proposal",
    "delete_attachment",
    "is_proposer_side",
    "may_propose",
    "my_proposals",
    "organizer_choices",
    "overdue_proposals",
    "post_message",
    "progress",
    "proposal_of",
    "remind_overdue",
    "remove_files",
    "remove_reviewer",
    "reviewers_of",
    "shortlist_proposal",
    "sniff_kind",
    "status_counts",
    "submit_proposal",
    "terms_acceptances",
    "terms_text",
    "update_draft",
    "visible_proposals",
    "withdraw_proposal",
]

#: tests/proposals/test_notices.py (edited in parallel this wave) still calls it by this name;
#: the lead points it at ``notices.notify_owner`` after merging and drops this line.
_notify_owner = notify_owner

# --- terms and confidential details -----------------------------------------------------------


def accept_terms(user, listing: Listing) -> TermsAcceptance:
    """Record that the user's enterprise accepts the challenge's terms (once per enterprise):
    members of an enterprise that may propose on it, even after it closed."""
    if not authenticated(user) or user.enterprise is None:
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
    proposer_only(proposal, user)
    if proposal.status != "draft":
        raise ServiceError(_l("方案提交后不能再修改。"), code="bad_state", status=409)
    for name, value in _clean(data).items():
        setattr(proposal, name, value)
    db.session.flush()
    return proposal


def submit_proposal(proposal: Proposal, user, *, accept: bool = False) -> Proposal:
    """Submit a draft before the challenge's deadline; the owner is told."""
    proposer_only(proposal, user)
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
    notify_owner(proposal, "submitted")


def withdraw_proposal(proposal: Proposal, user) -> Proposal:
    """The proposer withdraws, until the owner has decided."""
    proposer_only(proposal, user)
    if proposal.status not in ("draft", *OPEN_STATUSES):
        raise ServiceError(_l("已有结果或已撤回的方案不能撤回。"), code="bad_state", status=409)
    proposal.status = "withdrawn"
    proposal.withdrawn_at = utcnow()
    proposal.response_due_at = None
    db.session.flush()
    if proposal.was_submitted:
        notify_owner(proposal, "withdrawn")
    return proposal


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
    if not authenticated(user):
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
        notify(
            members(proposal.owner_enterprise_id),
            proposal,
            tag,
            "reminder",
            days=(now - proposal.response_due_at).days,
        )
        proposal.reminded_at = now
        reminded += 1
    db.session.flush()
    return reminded


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
