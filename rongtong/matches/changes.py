"""The change log: every change that affects matching, recorded in the unit of work that
makes it.

Session events rather than calls in each service, so that nothing can forget: the web, the
API, imports, scheduled jobs and the shell all change listings through the ORM, and each
flush that changes what ``listing_doc`` reads of a listing that is (or was) published adds a
``listing_changes`` row, in the same transaction. Enterprises' district and tier are in the
listings' docs too: a change records each published listing of the enterprise. UPDATE and
DELETE statements on listings run through the session (an enterprise merge moves listings
so) record the rows they touch.

The row is written after the flush's own UPDATE of the listing, so while the transaction
holds the listing's row lock (for an enterprise's listings, taken with ``FOR UPDATE``): two
transactions changing one listing get their ``seq`` in the order they commit.
"""

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from ..enterprises.models import Enterprise
from ..listings.models import Listing
from .models import ListingChange

#: What ``listing_doc`` reads of a listing (columns and the relationships that set them).
DOC_FIELDS = (
    "kind",
    "title",
    "summary",
    "description",
    "keywords",
    "status",
    "chain_id",
    "category_id",
    "enterprise_id",
    "chain",
    "category",
    "enterprise",
)
#: What it reads of the listing's enterprise.
ENTERPRISE_FIELDS = ("district_id", "tier_id", "district", "tier")

_PENDING = "listing_changes.pending"


def _changed(obj, fields) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


def _was_or_is_published(listing: Listing) -> bool:
    history = inspect(listing).attrs.status.history
    if history.empty():
        # Not loaded, so not known: a change too many only costs a look at the listing.
        return True
    return "published" in (*history.added, *history.deleted, *history.unchanged)


def record(session: Session, listing_ids) -> int:
    """Add a change row for each of ``listing_ids`` in ``session``'s transaction; how many."""
    ids = sorted({int(i) for i in listing_ids if i is not None})
    if ids:
        session.connection().execute(insert(ListingChange), [{"listing_id": i} for i in ids])
    return len(ids)


@event.listens_for(Session, "before_flush")
def _before_flush(session, flush_context, instances):
    # Listings an enterprise's delete takes with it (ON DELETE CASCADE): gone after the flush.
    gone = [obj.id for obj in session.deleted if isinstance(obj, Enterprise)]
    if gone:
        found = session.connection().execute(
            select(Listing.id).where(Listing.enterprise_id.in_(gone))
        )
        session.info.setdefault(_PENDING, set()).update(found.scalars())


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context):
    ids = session.info.pop(_PENDING, set())
    enterprises = []
    for obj in session.new:
        if isinstance(obj, Listing) and obj.status == "published":
            ids.add(obj.id)
    for obj in session.dirty:
        if isinstance(obj, Listing):
            if _changed(obj, DOC_FIELDS) and _was_or_is_published(obj):
                ids.add(obj.id)
        elif isinstance(obj, Enterprise) and _changed(obj, ENTERPRISE_FIELDS):
            enterprises.append(obj.id)
    for obj in session.deleted:
        if isinstance(obj, Listing):
            ids.add(obj.id)
    if enterprises:
        ids.update(
            session.connection()
            .execute(
                select(Listing.id)
                .where(Listing.enterprise_id.in_(enterprises), Listing.status == "published")
                .with_for_update()
            )
            .scalars()
        )
    record(session, ids)


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(orm_execute_state):
    state = orm_execute_state
    if not (state.is_update or state.is_delete):
        return None
    table = getattr(state.statement, "table", None)
    if table is None or table.name != Listing.__tablename__:
        return None
    where = state.statement.whereclause
    stmt = select(table.c.id).with_for_update()
    ids = state.session.execute(stmt if where is None else stmt.where(where)).scalars().all()
    result = state.invoke_statement()
    record(state.session, ids)
    return result
