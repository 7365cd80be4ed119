"""The digest's section for what a member follows: new results of saved searches and changes
to starred listings. Listed in digests.sections."""

from datetime import timedelta

from flask_babel import gettext as _

from ..digests.sections import Member, Section
from ..digests.services import DigestRun
from ..extensions import db
from ..listings.models import Listing
from ..mail.services import external_url
from . import services
from .models import Favourite


def followed_changes(run: DigestRun, member: Member) -> Section | None:
    since = run.now - run.period.length - timedelta(days=1)
    told_saved = member.announced.get("saved_search", set())
    told_starred = member.announced.get("starred", set())
    items, announce = [], []
    for search in services.searches_of(member.user):
        for listing in services.new_results(search, since=max(since, search.created_at)):
            ref = f"{search.id}:{listing.id}"
            if ref in told_saved:
                continue
            items.append(_item(listing, search=search.name))
            announce.append(("saved_search", ref))
    stars = db.session.execute(
        db.select(Favourite, Listing)
        .join(Favourite.listing)
        .where(
            Favourite.user_id == member.user.id,
            Listing.updated_at > Favourite.created_at,
            Listing.updated_at >= since,
        )
        .order_by(Listing.updated_at.desc())
    ).all()
    for _favourite, listing in stars:
        ref = f"{listing.id}:{listing.updated_at:%Y%m%d%H%M%S}"
        if ref in told_starred:
            continue
        items.append(_item(listing, starred=True))
        announce.append(("starred", ref))
    if not items:
        return None
    return Section(
        key="followed",
        title=_("您关注的条目与搜索"),
        items=items,
        subject=_("%(n)d 条关注的更新", n=len(items)),
        template="favourites/mail/_followed",
        announce=announce,
    )


def _item(listing: Listing, *, search: str = "", starred: bool = False) -> dict:
    return {
        "listing": listing,
        "search": search,
        "starred": starred,
        "url": external_url("listings.detail", listing_id=listing.id),
    }
