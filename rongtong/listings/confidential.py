"""A challenge's confidential details: its terms, who accepted them, who has seen what. Never
commits.

Proposals ask here whether an enterprise accepted a challenge's terms; this module asks nothing
of proposals (who may accept is the caller's rule, ``proposals.services.accept_terms``).
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..core.time import utcnow
from ..extensions import db
from .models import ConfidentialView, Listing, TermsAcceptance


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def terms_text(listing: Listing) -> str:
    """The confidentiality terms a proposer accepts before seeing a challenge's details."""
    return _(
        "本单位承诺：对榜单“%(title)s”（%(ref)s）的保密信息严格保密，仅用于准备和评审本次揭榜方案，"
        "不向第三方披露，不用于其他目的；未被采纳时不保留相关资料。平台记录每一次查看。",
        title=listing.title,
        ref=listing.ref,
    )


def accepted_listing_ids(user) -> set[int]:
    """The challenges whose terms the user's enterprise accepted, in one query: a caller that
    asks for a page of challenges reads this once and passes it as ``accepted``."""
    if not _authenticated(user) or user.enterprise_id is None:
        return set()
    return set(
        db.session.execute(
            db.select(TermsAcceptance.listing_id).where(
                TermsAcceptance.enterprise_id == user.enterprise_id
            )
        ).scalars()
    )


def has_accepted_terms(user, listing: Listing, *, accepted: Collection[int] | None = None) -> bool:
    """Whether the user's enterprise accepted the challenge's terms (``accepted``: the ids
    from ``accepted_listing_ids``, if the caller has them)."""
    if not _authenticated(user) or user.enterprise_id is None:
        return False
    if accepted is not None:
        return listing.id in accepted
    return _acceptance(listing, user.enterprise_id) is not None


def terms_allow_confidential(
    user, listing: Listing, *, accepted: Collection[int] | None = None
) -> bool:
    """For ``listings.services.can_see_confidential``: a challenge's details are shown to
    outsiders only after their enterprise accepted its terms (and could propose)."""
    if not has_accepted_terms(user, listing, accepted=accepted):
        return False
    enterprise = user.enterprise
    return enterprise is not None and enterprise.verified


def record_terms_acceptance(user, listing: Listing) -> TermsAcceptance:
    """Record that the user's enterprise accepts the challenge's terms (once per enterprise);
    the caller has checked that it may."""
    existing = _acceptance(listing, user.enterprise_id)
    if existing is not None:
        return existing
    acceptance = TermsAcceptance(
        listing_id=listing.id,
        enterprise_id=user.enterprise_id,
        user_id=user.id,
        terms_text=terms_text(listing),
    )
    try:
        with db.session.begin_nested():
            db.session.add(acceptance)
    except IntegrityError:
        # A colleague accepted at the same moment: theirs stands.
        return _acceptance(listing, user.enterprise_id)
    return acceptance


def _acceptance(listing: Listing, enterprise_id: int) -> TermsAcceptance | None:
    return db.session.execute(
        db.select(TermsAcceptance).where(
            TermsAcceptance.listing_id == listing.id,
            TermsAcceptance.enterprise_id == enterprise_id,
        )
    ).scalar_one_or_none()


def _view_row(user, listing: Listing, via: str) -> dict | None:
    """The log row of showing ``listing``'s details to ``user``; None for its own members."""
    if not _authenticated(user) or not listing.is_challenge:
        return None
    if user.enterprise_id is not None and user.enterprise_id == listing.enterprise_id:
        return None
    return {
        "listing_id": listing.id,
        "user_id": user.id,
        "enterprise_id": user.enterprise_id,
        "via": via,
        "viewed_at": utcnow(),
    }


def log_confidential_view(user, listing: Listing, *, via: str) -> ConfidentialView | None:
    """Log that ``user`` was shown the challenge's confidential details (not its own members)."""
    row = _view_row(user, listing, via)
    if row is None:
        return None
    view = ConfidentialView(**row)
    db.session.add(view)
    return view


def log_confidential_views(user, listings: Iterable[Listing], *, via: str) -> int:
    """Log the showing of several challenges' details in one INSERT; returns the rows written."""
    rows = [row for listing in listings if (row := _view_row(user, listing, via)) is not None]
    if rows:
        db.session.execute(db.insert(ConfidentialView), rows)
    return len(rows)


@dataclass
class ViewerRow:
    """Who has seen a challenge's confidential details, and how often."""

    user: User | None
    enterprise_name: str
    count: int
    first: datetime
    last: datetime
    accepted_at: datetime | None = None


def confidential_viewers(listing: Listing) -> list[ViewerRow]:
    rows = db.session.execute(
        db.select(
            ConfidentialView.user_id,
            ConfidentialView.enterprise_id,
            func.count(ConfidentialView.id),
            func.min(ConfidentialView.viewed_at),
            func.max(ConfidentialView.viewed_at),
        )
        .where(ConfidentialView.listing_id == listing.id)
        .group_by(ConfidentialView.user_id, ConfidentialView.enterprise_id)
        .order_by(func.max(ConfidentialView.viewed_at).desc())
    ).all()
    accepted = {
        a.enterprise_id: a.accepted_at
        for a in db.session.execute(
            db.select(TermsAcceptance).where(TermsAcceptance.listing_id == listing.id)
        ).scalars()
    }
    result = []
    for user_id, enterprise_id, count, first, last in rows:
        user = db.session.get(User, user_id) if user_id else None
        if user is not None and user.enterprise_id == enterprise_id and user.enterprise:
            name = user.enterprise.name
        elif user is not None and user.is_organizer:
            name = _("组织方")
        else:
            name = "—"
        result.append(ViewerRow(user, name, count, first, last, accepted.get(enterprise_id)))
    return result


def terms_acceptances(listing: Listing) -> list[TermsAcceptance]:
    return list(
        db.session.execute(
            db.select(TermsAcceptance)
            .where(TermsAcceptance.listing_id == listing.id)
            .order_by(TermsAcceptance.accepted_at)
        ).scalars()
    )
