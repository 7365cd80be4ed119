"""The owner's side of proposals: shortlist, accept, decline, award, and the reviewers it
names. Never commits; the proposer is told in the same transaction."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..core.services import ServiceError
from ..core.time import utcnow
from ..extensions import db
from ..listings import services as listing_services
from ..listings.models import Listing
from ..outcomes.services import record_outcome
from .models import DECLINE_REASONS, OPEN_STATUSES, ChallengeReviewer, Proposal
from .notices import notify_proposer
from .rules import MAX_MESSAGE, MAX_QUOTE, is_owner_side, owner_only, response_days


def shortlist_proposal(proposal: Proposal, user) -> Proposal:
    owner_only(proposal, user)
    if proposal.status != "submitted":
        raise ServiceError(_l("只有已提交的方案可以入围。"), code="bad_state", status=409)
    now = utcnow()
    proposal.status = "shortlisted"
    proposal.shortlisted_at = now
    proposal.response_due_at = now + timedelta(days=response_days())
    db.session.flush()
    notify_proposer(proposal, "shortlisted")
    return proposal


def accept_proposal(
    proposal: Proposal, user, *, amount: int | None = None, award: bool = False
) -> Proposal:
    """Accept; with ``award`` the challenge is awarded at once (see ``award_challenge``)."""
    owner_only(proposal, user)
    if proposal.status not in OPEN_STATUSES:
        raise ServiceError(_l("该方案当前状态不能接受。"), code="bad_state", status=409)
    if amount is not None and (isinstance(amount, bool) or not 0 <= amount <= MAX_QUOTE):
        raise ServiceError(_l("金额应在 0 到 1 万亿元之间。"), field="amount")
    _decided(proposal, user, "accepted")
    proposal.accepted_amount = amount if amount is not None else proposal.quote
    db.session.flush()
    notify_proposer(proposal, "accepted")
    if award:
        award_challenge(proposal.listing, user)
    return proposal


def decline_proposal(proposal: Proposal, user, *, reason: str, note: str) -> Proposal:
    """Decline with a reason code and a note, which the proposer is shown."""
    owner_only(proposal, user)
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
    notify_proposer(proposal, "declined")
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
            notify_proposer(proposal, "declined")
    db.session.flush()
    return accepted


def _proposals_of(listing: Listing) -> list[Proposal]:
    return list(
        db.session.execute(
            db.select(Proposal).where(Proposal.listing_id == listing.id).order_by(Proposal.id)
        ).scalars()
    )


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
