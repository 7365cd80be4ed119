"""Stars and saved searches, and what changed since the member last heard. Never commits."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..core.services import ServiceError
from ..extensions import db
from ..listings import services as listings
from ..listings.models import Listing
from .models import Favourite, SavedSearch

#: The listings search's arguments a saved search keeps (the page and the sort do not matter).
SEARCH_PARAMS = ("q", "kind", "category", "chain", "district", "tier")
MAX_SEARCHES = 20


def favourite_for(user, listing_id: int) -> Favourite | None:
    return db.session.execute(
        db.select(Favourite).where(Favourite.user_id == user.id, Favourite.listing_id == listing_id)
    ).scalar_one_or_none()


def star(user, listing: Listing) -> Favourite:
    """Star a listing the member may see; starring twice is once."""
    if not listings.can_view(user, listing):
        raise ServiceError(_("该条目不存在。"), code="not_found", status=404)
    found = favourite_for(user, listing.id)
    if found is None:
        found = Favourite(user_id=user.id, listing_id=listing.id, seen_version=listing.updated_at)
        db.session.add(found)
        db.session.flush()
    return found


def unstar(user, listing_id: int) -> bool:
    found = favourite_for(user, listing_id)
    if found is not None:
        db.session.delete(found)
        db.session.flush()
    return found is not None


def favourites_of(user) -> list[Favourite]:
    return list(
        db.session.execute(
            db.select(Favourite)
            .where(Favourite.user_id == user.id)
            .options(joinedload(Favourite.listing))
            .order_by(Favourite.created_at.desc(), Favourite.id.desc())
        ).scalars()
    )


def starred_ids(user, listing_ids) -> set[int]:
    """Which of ``listing_ids`` the member starred (one query for a page)."""
    ids = list(listing_ids)
    if not ids or not getattr(user, "is_authenticated", False):
        return set()
    return set(
        db.session.execute(
            db.select(Favourite.listing_id).where(
                Favourite.user_id == user.id, Favourite.listing_id.in_(ids)
            )
        ).scalars()
    )


def changed_favourites(user=None) -> list[Favourite]:
    """Stars whose listing changed since the member last heard of it (all members' if None)."""
    stmt = (
        db.select(Favourite)
        .join(Favourite.listing)
        .where(Listing.updated_at > Favourite.seen_version)
        .options(joinedload(Favourite.listing))
        .order_by(Favourite.user_id, Favourite.id)
    )
    if user is not None:
        stmt = stmt.where(Favourite.user_id == user.id)
    return list(db.session.execute(stmt).scalars())


# --- saved searches ----------------------------------------------------------------------------


def clean_params(args) -> dict[str, str]:
    """The search arguments worth keeping, as strings, without the empty ones."""
    return {k: str(args.get(k))[:100] for k in SEARCH_PARAMS if args.get(k)}


def save_search(user, *, name: str, params: dict) -> SavedSearch:
    name = (name or "").strip()
    params = clean_params(params)
    if not name:
        raise ServiceError(_("请为搜索起个名字。"), field="name")
    if len(name) > 80:
        raise ServiceError(_("名称不超过 80 字。"), field="name")
    if not params:
        raise ServiceError(_("请先输入关键词或选择筛选条件。"), field="name")
    count = db.session.execute(
        db.select(db.func.count(SavedSearch.id)).where(SavedSearch.user_id == user.id)
    ).scalar_one()
    if count >= MAX_SEARCHES:
        raise ServiceError(
            _("最多保存 %(n)d 个搜索，请先删除不用的。", n=MAX_SEARCHES), field="name"
        )
    search = SavedSearch(user_id=user.id, name=name, params=params)
    db.session.add(search)
    db.session.flush()
    return search


def own_search(user, search_id: int) -> SavedSearch | None:
    return db.session.execute(
        db.select(SavedSearch).where(SavedSearch.id == search_id, SavedSearch.user_id == user.id)
    ).scalar_one_or_none()


def delete_search(search: SavedSearch) -> None:
    db.session.delete(search)
    db.session.flush()


def searches_of(user) -> list[SavedSearch]:
    return list(
        db.session.execute(
            db.select(SavedSearch)
            .where(SavedSearch.user_id == user.id)
            .order_by(SavedSearch.created_at.desc(), SavedSearch.id.desc())
        ).scalars()
    )


def filters_for(search: SavedSearch) -> listings.BrowseFilters:
    params = search.params or {}
    return listings.BrowseFilters(
        **{k: params.get(k) or None for k in SEARCH_PARAMS if k != "q"},
        q=params.get("q") or "",
        status="published",
    )


def new_results(search: SavedSearch, *, since: datetime | None = None, limit: int = 20):
    """Published listings that match and were published after ``since`` (the last check),
    leaving out the member's own enterprise's."""
    since = since or search.checked_at
    stmt = listings.browse_statement(filters_for(search)).where(Listing.published_at > since)
    own = search_owner_enterprise(search)
    if own is not None:
        stmt = stmt.where(Listing.enterprise_id != own)
    stmt = stmt.order_by(None).order_by(Listing.published_at.desc(), Listing.id.desc())
    return list(db.session.execute(stmt.limit(limit)).unique().scalars())


def search_owner_enterprise(search: SavedSearch) -> int | None:
    return db.session.execute(
        db.select(User.enterprise_id).where(User.id == search.user_id)
    ).scalar_one_or_none()


def search_url_args(search: SavedSearch) -> dict:
    return dict(search.params or {})
