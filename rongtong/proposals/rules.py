"""Proposals' rules: who may do what, the limits and the words for statuses. Never commits."""

from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..core.labels import LABELS
from ..core.services import ServiceError
from ..core.time import local_today
from ..extensions import db
from ..listings import services as listing_services
from ..listings.models import Listing
from .models import DECLINE_REASONS, STATUSES, ChallengeReviewer, Proposal

PROPOSER_KINDS = ("sme", "research")
DECISIONS = ("shortlist", "accept", "decline")
#: Fields of a proposal its enterprise writes (while it is a draft).
CONTENT_FIELDS = ("summary", "approach", "team", "timeline", "quote")
LIMITS = {"summary": 500, "approach": 20_000, "team": 5_000, "timeline": 5_000}
MAX_QUOTE = 10**12
MAX_MESSAGE = 5_000

STATUS_LABELS = LABELS["proposal_status"]
REASON_LABELS = LABELS["decline_reason"]
assert set(REASON_LABELS) == set(DECLINE_REASONS)
assert set(STATUS_LABELS) == set(STATUSES)


def response_days() -> int:
    return int(current_app.config.get("PROPOSAL_RESPONSE_DAYS", 14))


# --- who may do what ------------------------------------------------------------------------


def authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_owner_side(user, listing: Listing) -> bool:
    """Members of the challenge's enterprise, and admins: they review and decide."""
    return listing_services.can_edit(user, listing)


def is_reviewer(user, listing: Listing) -> bool:
    """An organizer made a reviewer of this challenge (admins count as reviewers everywhere)."""
    if not authenticated(user) or not user.is_organizer:
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
    return authenticated(user) and user.enterprise_id == proposal.enterprise_id


def can_read(user, proposal: Proposal) -> bool:
    """Content and files: the proposer's members; once submitted, the owner's members and the
    challenge's reviewers; admins. Everyone else (other enterprises, organizers who are not
    reviewers) is refused."""
    if not authenticated(user):
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
    if not authenticated(user) or user.enterprise is None:
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


def proposer_only(proposal: Proposal, user) -> None:
    if not is_proposer_side(user, proposal):
        raise ServiceError(_l("只有揭榜单位的成员可以这样做。"), code="forbidden", status=403)


def owner_only(proposal: Proposal, user) -> None:
    if not is_owner_side(user, proposal.listing):
        raise ServiceError(_l("只有发榜单位的成员可以评审。"), code="forbidden", status=403)
    if not proposal.was_submitted:
        raise ServiceError(_l("该方案尚未提交。"), code="bad_state", status=409)
