"""Listings: save, publish, close, renew, moderate, expire, and browse/search. Never commits."""

import contextlib
import secrets
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import case, cast, func, literal, text
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import joinedload

from matching import Tokenizer

from ..accounts.models import User
from ..audit import services as audit
from ..core.services import ServiceError
from ..core.time import local_today, utcnow
from ..enterprises.models import Enterprise
from ..enterprises.services import search_ids as search_enterprise_ids
from ..extensions import db
from ..notifications.services import notify
from ..taxonomy.models import Category, Chain, District, Tier
from .confidential import terms_allow_confidential
from .models import KINDS, STATUSES, Listing

EDITABLE_FIELDS = (
    "title",
    "summary",
    "description",
    "confidential",
    "budget_min",
    "budget_max",
    "deadline",
)
PUBLIC_STATUSES = ("published", "closed", "expired", "awarded")
SORTS = ("relevance", "newest", "deadline")


def text_tokenizer() -> Tokenizer:
    """The app's word segmenter (domain dictionary and stop words), built once in create_app."""
    return current_app.extensions["matching_tokenizer"]


def new_ref(kind: str) -> str:
    prefix = "CH" if kind == "challenge" else "CA"
    return f"RT-{prefix}-{secrets.token_hex(4).upper()}"


def _spaced_terms(*parts: str | None) -> str:
    terms = text_tokenizer().search_terms(" ".join(p or "" for p in parts))
    return f" {' '.join(terms)} " if terms else ""


def search_text_for(listing: Listing) -> str:
    """Space-delimited search terms of a listing, so that ``LIKE '% term %'`` finds words."""
    keywords = (listing.keywords or "").replace(",", " ")
    return _spaced_terms(listing.title, listing.summary, listing.description, keywords)


def search_head_for(listing: Listing) -> str:
    """The search terms of title and keywords alone, which rank a listing among matches."""
    return _spaced_terms(listing.title, (listing.keywords or "").replace(",", " "))


def apply_listing(listing: Listing, data: dict, *, user=None) -> Listing:
    """Set the fields present in ``data`` (validated; taxonomy values as rows)."""
    for name in ("summary", "description", "confidential", "keywords"):
        # A new row has no column defaults until it is inserted; the text fields start empty.
        if getattr(listing, name) is None:
            setattr(listing, name, "")
    if "kind" in data:
        if data["kind"] not in KINDS:
            raise ServiceError("kind must be challenge or capability", field="kind")
        if listing.id is not None and listing.kind != data["kind"]:
            raise ServiceError("类型创建后不能更改。", field="kind")
        listing.kind = data["kind"]
    for name in EDITABLE_FIELDS:
        if name in data:
            value = data[name]
            setattr(listing, name, "" if value is None and name not in _NULLABLE else value)
    if "keywords" in data:
        keywords = data["keywords"]
        if isinstance(keywords, str):
            keywords = keywords.replace("，", ",").replace("、", ",").split(",")
        listing.keywords = ",".join(dict.fromkeys(k.strip() for k in keywords if k.strip()))
    for name in ("category", "chain", "enterprise"):
        if name in data:
            setattr(listing, name, data[name])
    if data.get("ref"):
        listing.ref = data["ref"]
    if not listing.ref:
        listing.ref = new_ref(listing.kind)
    if listing.kind == "capability":
        listing.budget_min = listing.budget_max = None
    if (
        listing.budget_min is not None
        and listing.budget_max is not None
        and listing.budget_min > listing.budget_max
    ):
        raise ServiceError("预算下限不能高于上限。", field="budget_min")
    if user is not None and listing.created_by_id is None:
        listing.created_by_id = user.id
    listing.search_text = search_text_for(listing)
    listing.search_head = search_head_for(listing)
    db.session.add(listing)
    db.session.flush()
    return listing


_NULLABLE = {"budget_min", "budget_max", "deadline"}


#: The listing lifecycle: which status may follow which. An awarded challenge is final:
#: publishing it again would take new proposals and a second award into the ledger.
TRANSITIONS: dict[str | None, frozenset[str]] = {
    "draft": frozenset({"published", "closed"}),
    "published": frozenset({"draft", "closed", "expired", "awarded"}),
    "closed": frozenset({"published", "draft"}),
    "expired": frozenset({"published", "draft", "closed"}),
    "awarded": frozenset(),
}


def check_transition(listing: Listing, status: str) -> None:
    """A ServiceError unless ``listing`` may move from its status to ``status``."""
    if status != listing.status and status not in TRANSITIONS.get(listing.status, frozenset()):
        raise ServiceError(
            "该条目当前状态不能改为所选状态（已揭榜的需求不能再发布或修改状态）。",
            field="status",
            code="bad_state",
            status=409,
        )


def set_status(
    listing: Listing, status: str, *, today: date | None = None, new: bool = False
) -> None:
    """Move a listing to ``status`` if the rules allow it (import and API use this).

    A ``new`` listing (just imported) starts in whatever status its file declares.
    """
    if status not in STATUSES:
        raise ServiceError(f"status must be one of {', '.join(STATUSES)}", field="status")
    if status == listing.status:
        return
    if not new:
        check_transition(listing, status)
    if status == "published":
        publish_listing(listing, today=today)
    elif status == "draft":
        listing.status = "draft"
    elif status == "awarded" and listing.kind != "challenge":
        raise ServiceError("只有发榜需求可以标记为已揭榜。", field="status")
    else:
        listing.status = status
        listing.closed_at = listing.closed_at or utcnow()


def publish_listing(listing: Listing, *, today: date | None = None) -> None:
    """Publish: the enterprise must be verified and the deadline still ahead."""
    check_transition(listing, "published")
    if not listing.enterprise.verified:
        raise ServiceError(
            "单位尚未通过审核，暂不能发布；可先保存为草稿。", code="not_verified", status=409
        )
    today = today or local_today()
    if listing.deadline is not None and listing.deadline < today:
        raise ServiceError("截止日期已过，请先修改截止日期。", field="deadline", status=409)
    listing.status = "published"
    listing.published_at = utcnow()
    listing.closed_at = None
    listing.moderation_reason = ""


def close_listing(listing: Listing) -> None:
    if listing.status not in ("published", "draft"):
        raise ServiceError("该条目当前状态不能关闭。", code="bad_state", status=409)
    check_transition(listing, "closed")
    listing.status = "closed"
    listing.closed_at = utcnow()


def renew_listing(listing: Listing, deadline: date, *, today: date | None = None) -> None:
    """Give a closed or expired listing a new deadline and publish it again."""
    today = today or local_today()
    if deadline < today:
        raise ServiceError("新的截止日期不能早于今天。", field="deadline")
    if listing.status == "awarded":
        raise ServiceError("已揭榜的需求不能续期。", code="bad_state", status=409)
    listing.deadline = deadline
    publish_listing(listing, today=today)


def unpublish_listing(listing: Listing, reason: str, organizer) -> None:
    """An organizer takes a listing down; the owner sees the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写下架原因。", field="reason")
    check_transition(listing, "draft")
    audit.record(
        organizer,
        "listing.unpublish",
        listing,
        {"status": listing.status},
        {"status": "draft"},
        reason,
    )
    listing.status = "draft"
    listing.moderation_reason = reason[:500]
    listing.moderated_at = utcnow()
    listing.moderated_by_id = organizer.id
    notify(
        _owners(listing),
        kind="listing_taken_down",
        key=f"listing:{listing.id}:taken-down:{listing.moderated_at:%Y%m%d%H%M%S%f}",
        params={"title": listing.title, "reason": listing.moderation_reason},
        endpoint="listings.detail",
        values={"listing_id": listing.id},
    )


def _owners(listing: Listing) -> list:
    """The owning enterprise's active members: those a change to the listing concerns."""
    return list(
        db.session.execute(
            db.select(User)
            .where(User.enterprise_id == listing.enterprise_id, User.active.is_(True))
            .order_by(User.id)
        ).scalars()
    )


def expire_listings(today: date | None = None) -> int:
    """Published listings past their deadline become expired; returns how many."""
    today = today or local_today()
    rows = db.session.execute(
        db.select(Listing).where(Listing.status == "published", Listing.deadline < today)
    ).scalars()
    count = 0
    for listing in rows:
        listing.status = "expired"
        listing.closed_at = utcnow()
        count += 1
    db.session.flush()
    return count


def find_by_ref(ref: str) -> Listing | None:
    return db.session.execute(db.select(Listing).where(Listing.ref == ref)).scalar_one_or_none()


# --- permissions -------------------------------------------------------------------------


def can_edit(user, listing: Listing) -> bool:
    """Only the owning enterprise's members (and admins) edit a listing."""
    if not user or not user.is_authenticated:
        return False
    return user.is_admin or (
        user.enterprise_id is not None and user.enterprise_id == listing.enterprise_id
    )


def can_view(user, listing: Listing) -> bool:
    if listing.status in PUBLIC_STATUSES:
        return True
    return can_edit(user, listing) or bool(user and user.is_authenticated and user.is_organizer)


def can_see_confidential(
    user, listing: Listing, *, accepted: Collection[int] | None = None
) -> bool:
    """Owner and organizers; for a challenge, members of a verified enterprise that accepted
    its terms (``accepted``: the ids from ``confidential.accepted_listing_ids``, read once for a
    page of listings); for a capability, members of verified enterprises."""
    if not user or not user.is_authenticated:
        return False
    if can_edit(user, listing) or user.is_organizer:
        return True
    if listing.is_challenge:
        return terms_allow_confidential(user, listing, accepted=accepted)
    return user.enterprise is not None and user.enterprise.verified


# --- browse and search ----------------------------------------------------------------------


@dataclass
class BrowseFilters:
    kind: str | None = None
    category: str | None = None
    chain: str | None = None
    district: str | None = None
    tier: str | None = None
    status: str | None = "published"
    q: str = ""
    sort: str | None = None
    enterprise_id: int | None = None
    ref: str | None = None
    terms: list[str] = field(default_factory=list)


def browse_statement(filters: BrowseFilters, *, include_drafts_of: int | None = None):
    """The SELECT for a page of listings under ``filters``; search terms in ``filters.terms``."""
    # Enterprise is joined for filtering only when a filter needs it: without the join a
    # page's COUNT is an index-only scan (the eager load has a join of its own).
    stmt = db.select(Listing).options(joinedload(Listing.enterprise))
    if filters.district or filters.tier:
        stmt = stmt.join(Listing.enterprise)
    if filters.ref:
        stmt = stmt.where(Listing.ref == filters.ref)
    if filters.kind in KINDS:
        stmt = stmt.where(Listing.kind == filters.kind)
    if filters.status in STATUSES:
        stmt = stmt.where(Listing.status == filters.status)
    if filters.status not in PUBLIC_STATUSES and include_drafts_of is None:
        stmt = stmt.where(Listing.status.in_(PUBLIC_STATUSES))
    elif include_drafts_of is not None:
        stmt = stmt.where(
            db.or_(Listing.status.in_(PUBLIC_STATUSES), Listing.enterprise_id == include_drafts_of)
        )
    if filters.category:
        stmt = stmt.join(Listing.category).where(Category.code == filters.category)
    if filters.chain:
        stmt = stmt.join(Listing.chain).where(Chain.code == filters.chain)
    if filters.district:
        stmt = stmt.join(Enterprise.district).where(District.code == filters.district)
    if filters.tier:
        stmt = stmt.join(Enterprise.tier).where(Tier.code == filters.tier)
    if filters.enterprise_id:
        stmt = stmt.where(Listing.enterprise_id == filters.enterprise_id)

    relevance = None
    if filters.q.strip():
        match, relevance, filters.terms = _search(filters.q)
        stmt = stmt.where(match).execution_options(listing_search=True)

    sort = (
        filters.sort
        if filters.sort in SORTS
        else ("relevance" if relevance is not None else "newest")
    )
    if sort == "relevance" and relevance is not None:
        stmt = stmt.order_by(relevance.desc(), Listing.created_at.desc(), Listing.id.desc())
    elif sort == "deadline":
        stmt = stmt.order_by(Listing.deadline.is_(None), Listing.deadline.asc(), Listing.id.desc())
    else:
        stmt = stmt.order_by(Listing.created_at.desc(), Listing.id.desc())
    return stmt


#: At most this many typed words, and terms per word, take part in a search.
_MAX_GROUPS = 6
_MAX_TERMS_PER_GROUP = 6


def _search(q: str):
    """WHERE, relevance and the terms of a search for ``q``.

    Every word typed (a group of terms: 激光焊接 gives 激光焊接, 激光, 焊接) must be found,
    by any of its terms, so that more words narrow the results; listings of enterprises
    whose name is (nearly) the query are found too and rank first. Relevance is over the
    title and keywords: the more of the query's terms they have, and the longer, the higher.
    """
    groups = [g[:_MAX_TERMS_PER_GROUP] for g in text_tokenizer().search_groups(q)[:_MAX_GROUPS]]
    terms = list(dict.fromkeys(t for g in groups for t in g))
    if db.session.get_bind().dialect.name == "postgresql":
        match, relevance = _fulltext_search(groups, terms)
    else:
        match, relevance = _like_search(groups, terms)
    enterprise_ids = search_enterprise_ids(q)
    if enterprise_ids:
        by_enterprise = Listing.enterprise_id.in_(enterprise_ids)
        match = by_enterprise if match is None else db.or_(match, by_enterprise)
        relevance = relevance + case((by_enterprise, 1000.0), else_=0.0)
    return (match if match is not None else db.false()), relevance, terms


def finding_terms(group: list[str], common: frozenset[str]) -> list[list[str]]:
    """How one typed word finds listings: any of the returned term lists, all of its terms.

    A term in ``common`` (in a large share of all listings) does not find on its own; it
    still counts for relevance. When every term of the word is common, the word is found
    as itself or as all of its parts together (智能制造: 智能制造, or 智能 and 制造).
    """
    rare = [[t] for t in group if t not in common]
    if rare:
        return rare
    return [[group[0]], group[1:]] if len(group) > 1 else [group]


def _fulltext_search(groups: list[list[str]], terms: list[str]):
    """PostgreSQL: the words must be in search_vector (GIN index); ts_rank over head_vector."""

    def term(t: str):
        return func.plainto_tsquery(cast("simple", REGCONFIG), t)

    def joined(parts, operator: str):
        query = None
        for part in parts:
            query = part if query is None else query.op(operator)(part)
        return query

    common = common_terms()
    words = [
        joined((joined((term(t) for t in alls), "&&") for alls in finding_terms(g, common)), "||")
        for g in groups
    ]
    if not words:
        return None, literal(0.0)
    match = Listing.search_vector.op("@@")(joined(words, "&&"))
    relevance = func.coalesce(
        func.ts_rank(Listing.head_vector, joined((term(t) for t in terms), "||")), 0.0
    )
    return match, relevance


def _like_search(groups: list[list[str]], terms: list[str]):
    """SQLite: LIKEs over the space-delimited terms; relevance sums the lengths of the terms
    found, twice over for those in the title or keywords."""

    def has(column, t: str):
        return column.like(f"% {_like_escape(t)} %", escape="/")

    words = [db.or_(*(has(Listing.search_text, t) for t in g)) for g in groups]
    if not words:
        return None, literal(0)
    scores = [case((has(Listing.search_text, t), len(t)), else_=0) for t in terms]
    scores += [case((has(Listing.search_head, t), 2 * len(t)), else_=0) for t in terms]
    return db.and_(*words), sum(scores, literal(0))


_common = {"at": -1e9, "terms": frozenset()}
_COMMON_TTL_SECONDS = 300


def common_terms() -> frozenset[str]:
    """Terms of search_vector in more than SEARCH_COMMON_SHARE of listings (PostgreSQL
    planner statistics), refreshed every few minutes; empty below SEARCH_COMMON_MIN_LISTINGS."""
    now = time.monotonic()
    if now - _common["at"] < _COMMON_TTL_SECONDS:
        return _common["terms"]
    cfg = current_app.config
    row = db.session.execute(
        text(
            "SELECT c.reltuples, s.most_common_elems::text::text[] AS elems, "
            "s.most_common_elem_freqs AS freqs FROM pg_class c LEFT JOIN pg_stats s "
            "ON s.schemaname = current_schema() AND s.tablename = 'listings' "
            "AND s.attname = 'search_vector' WHERE c.oid = to_regclass('listings')"
        )
    ).first()
    found: frozenset[str] = frozenset()
    if row is not None and row.elems and row.reltuples >= cfg["SEARCH_COMMON_MIN_LISTINGS"]:
        share = cfg["SEARCH_COMMON_SHARE"]
        found = frozenset(e for e, f in zip(row.elems, row.freqs, strict=False) if f > share)
    _common.update(at=now, terms=found)
    return found


def forget_common_terms() -> None:
    """Read the statistics again on the next search (tests; after a bulk import)."""
    _common["at"] = -1e9


def _like_escape(term: str) -> str:
    return term.replace("/", "//").replace("%", "/%").replace("_", "/_")


def paginate(stmt, page: int, per_page: int):
    """A page of ``stmt`` and the total, in one query while the page has rows."""
    return _ListingPagination(
        select=stmt,
        session=db.session(),
        page=max(page, 1),
        per_page=per_page,
        max_per_page=None,
        error_out=False,
        count=True,
    )


class _ListingPagination(SelectPagination):
    """The page in two steps: the ids (narrow rows, cheap to sort), then those listings with
    their eager loads. A search counts with ``COUNT(*) OVER ()`` beside the ids, so its
    WHERE (the costly part) runs once; browsing counts apart, so that the newest-first page
    still comes from an index without visiting every row."""

    def _query_items(self) -> list:
        stmt = self._query_args["select"]
        session = self._query_args["session"]
        search = stmt.get_execution_options().get("listing_search", False)
        columns = [Listing.id, db.func.count().over().label("total")] if search else [Listing.id]
        with full_text_plan(session, stmt):
            rows = session.execute(
                stmt.with_only_columns(*columns, maintain_column_froms=True)
                .limit(self.per_page)
                .offset(self._query_offset)
            ).all()
        self._window_total = rows[0].total if search and rows else None
        ids = [row.id for row in rows]
        if not ids:
            return []
        loaded = {
            listing.id: listing
            for listing in session.execute(stmt.where(Listing.id.in_(ids)).order_by(None))
            .unique()
            .scalars()
        }
        return [loaded[i] for i in ids if i in loaded]

    def _query_count(self) -> int:
        if self._window_total is not None:
            return self._window_total
        return count_rows(self._query_args["select"])


@contextlib.contextmanager
def full_text_plan(session, stmt):
    """Within: PostgreSQL plans ``stmt``, if it is a search, through the GIN index, never a
    sequential scan.

    The planner does not count reading each row's search_vector out of TOAST, which a
    sequential scan's ``@@`` does for every listing: with narrow rows it takes a scan of
    100,000 listings (200-300 ms) for cheaper than the index (3-30 ms) and picks it once the
    statistics shift. ``enable_seqscan`` is set for this statement alone and then restored.
    """
    search = stmt.get_execution_options().get("listing_search", False)
    if not search or session.get_bind().dialect.name != "postgresql":
        yield
        return
    previous = session.execute(
        text("SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)")
    ).scalar_one()
    try:
        yield
    finally:
        session.execute(
            text("SELECT set_config('enable_seqscan', :previous, true)"), {"previous": previous}
        )


def count_rows(stmt) -> int:
    """COUNT(*) of a listing SELECT: only its FROM and WHERE, not the joined eager loads."""
    counted = stmt.with_only_columns(db.func.count(), maintain_column_froms=True)
    return db.session.execute(counted.order_by(None)).scalar_one()
