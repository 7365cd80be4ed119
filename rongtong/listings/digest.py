"""The digest's own-listings section: the member's listings that expired, were awarded or were
unpublished during the last period. Listed in digests.sections."""

from datetime import timedelta

from flask_babel import gettext as _

from ..digests.sections import Member, Section
from ..digests.services import DigestRun
from ..extensions import db
from ..mail.services import external_url
from .models import Listing


def _recent_listing_changes(run: DigestRun) -> dict[int, list[tuple[Listing, str]]]:
    """Own listings that expired, were awarded or were unpublished during the last period."""
    since = run.now - run.period.length - timedelta(days=1)
    rows = db.session.execute(
        db.select(Listing).where(
            db.or_(
                db.and_(Listing.status.in_(("expired", "awarded")), Listing.closed_at >= since),
                db.and_(Listing.status == "draft", Listing.moderated_at >= since),
            )
        )
    ).scalars()
    result: dict[int, list[tuple[Listing, str]]] = {}
    for listing in rows:
        what = "unpublished" if listing.status == "draft" else listing.status
        result.setdefault(listing.enterprise_id, []).append((listing, what))
    return result


def own_listing_changes(run: DigestRun, member: Member) -> Section | None:
    changes = run.shared("listing_changes", _recent_listing_changes)
    told = member.announced.get("listing", set())
    items = []
    for listing, what in changes.get(member.enterprise_id, ()):
        ref = f"{listing.id}:{what}"
        if ref not in told:
            url = external_url("listings.detail", listing_id=listing.id)
            items.append({"listing": listing, "what": what, "ref": ref, "url": url})
    if not items:
        return None
    return Section(
        key="own_listings",
        title=_("本单位发布的变化"),
        items=items,
        subject=_("%(n)d 条发布有变化", n=len(items)),
        template="digests/mail/_own_listings",
        announce=[("listing", item["ref"]) for item in items],
    )
