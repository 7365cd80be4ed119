"""Scheduled work for what members follow; the scheduler gives each job an app context and
commits once after it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ..accounts.models import User
from ..core.time import local_today, utcnow
from ..extensions import db
from ..listings.models import ConfidentialView, Listing, TermsAcceptance
from ..notifications.services import notify
from ..proposals.models import Proposal
from . import services
from .models import Favourite, SavedSearch

#: Days before a challenge's deadline at which those interested in it hear of it.
CHALLENGE_REMINDER_DAYS = 3


def alert_followers(now: datetime | None = None) -> int:
    """Tell members in their notification centre of new results of their saved searches and
    of changes to listings they starred (the digest mails the same news). Returns entries."""
    now = now or utcnow()
    created = 0
    for search in db.session.execute(db.select(SavedSearch).order_by(SavedSearch.id)).scalars():
        user = db.session.get(User, search.user_id)
        fresh = services.new_results(search, limit=100)
        if fresh:
            created += len(
                notify(
                    [user],
                    kind="saved_search_results",
                    key=f"saved-search:{search.id}:{fresh[0].id}:{len(fresh)}",
                    params={"name": search.name, "count": len(fresh)},
                    # The search itself, newest first: /favourites counts only what no alert
                    # has told yet, so once this is read it would show none of these results.
                    endpoint="listings.index",
                    values={**services.search_url_args(search), "sort": "newest"},
                    mail=False,
                )
            )
        search.checked_at = now
    for favourite in services.changed_favourites():
        listing = favourite.listing
        created += len(
            notify(
                [db.session.get(User, favourite.user_id)],
                kind="favourite_changed",
                key=f"favourite:{favourite.id}:{listing.updated_at:%Y%m%d%H%M%S%f}",
                params={"title": listing.title},
                endpoint="listings.detail",
                values={"listing_id": listing.id},
                mail=False,
            )
        )
        favourite.seen_version = listing.updated_at
    db.session.flush()
    return created


def interested_users(listing: Listing) -> list[User]:
    """Members of other enterprises who starred the challenge, opened its confidential
    details or accepted its terms, unless their enterprise already sent a proposal."""
    ids = (
        db.select(Favourite.user_id)
        .where(Favourite.listing_id == listing.id)
        .union(
            db.select(ConfidentialView.user_id).where(ConfidentialView.listing_id == listing.id),
            db.select(TermsAcceptance.user_id).where(TermsAcceptance.listing_id == listing.id),
        )
    )
    proposed = db.select(Proposal.enterprise_id).where(
        Proposal.listing_id == listing.id, Proposal.status.not_in(("draft", "withdrawn"))
    )
    return list(
        db.session.execute(
            db.select(User)
            .where(
                User.id.in_(ids),
                User.active.is_(True),
                User.enterprise_id.is_not(None),
                User.enterprise_id != listing.enterprise_id,
                User.enterprise_id.not_in(proposed),
            )
            .order_by(User.id)
        ).scalars()
    )


def remind_challenge_deadlines(today: date | None = None) -> int:
    """Three days before a challenge closes to proposals (揭榜), remind those interested in it;
    once per challenge, deadline and person. Returns the entries written."""
    today = today or local_today()
    challenges = db.session.execute(
        db.select(Listing)
        .where(
            Listing.kind == "challenge",
            Listing.status == "published",
            Listing.deadline >= today,
            Listing.deadline <= today + timedelta(days=CHALLENGE_REMINDER_DAYS),
        )
        .order_by(Listing.id)
    ).scalars()
    created = 0
    for listing in challenges:
        created += len(
            notify(
                interested_users(listing),
                kind="challenge_deadline",
                key=f"challenge-deadline:{listing.id}:{listing.deadline}",
                params={"title": listing.title, "deadline": listing.deadline.isoformat()},
                endpoint="listings.detail",
                values={"listing_id": listing.id},
            )
        )
    return created
