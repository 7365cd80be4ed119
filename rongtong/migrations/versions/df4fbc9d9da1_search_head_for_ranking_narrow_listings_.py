"""search head for ranking; narrow listings rows on PostgreSQL

Revision ID: df4fbc9d9da1
Revises: e4fb8aa89750
Create Date: 2026-11-28 09:14:16.213892

search_head holds the search terms of title and keywords; on PostgreSQL the trigger that
kept search_vector now also keeps head_vector (to_tsvector of search_head), which ranks
search results. Ranking by the full search_vector read each match's vector from TOAST and
cost 100-400 ms on common words at 100,000 listings; head_vector is small and kept in the
row (storage MAIN). listings also gets toast_tuple_target = 256, so that the long texts
(description, confidential, search_text, search_vector) live in TOAST and a search's heap
scan reads narrow rows. Existing rows are rewritten by the search_head backfill, which
applies the new layout to them (a VACUUM afterwards returns the old row versions' space).
"""
from types import SimpleNamespace

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'df4fbc9d9da1'
down_revision = 'e4fb8aa89750'
branch_labels = None
depends_on = None

_TRIGGER_FUNCTION = """
CREATE FUNCTION listings_search_vectors() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := to_tsvector('pg_catalog.simple', coalesce(NEW.search_text, ''));
    NEW.head_vector := to_tsvector('pg_catalog.simple', coalesce(NEW.search_head, ''));
    RETURN NEW;
END
$$
"""


def _backfill_search_head(bind) -> None:
    from rongtong.listings.services import search_head_for

    listings = sa.table(
        "listings",
        sa.column("id", sa.Integer),
        sa.column("title", sa.String),
        sa.column("keywords", sa.String),
        sa.column("search_head", sa.Text),
    )
    rows = bind.execute(sa.select(listings.c.id, listings.c.title, listings.c.keywords)).all()
    update = (
        listings.update()
        .where(listings.c.id == sa.bindparam("row_id"))
        .values(search_head=sa.bindparam("head"))
    )
    for start in range(0, len(rows), 1000):
        batch = [
            {"row_id": r.id, "head": search_head_for(SimpleNamespace(title=r.title, keywords=r.keywords))}
            for r in rows[start : start + 1000]
        ]
        bind.execute(update, batch)


def upgrade():
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_head', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('head_vector', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True))
    if postgres:
        op.execute("ALTER TABLE listings ALTER COLUMN head_vector SET STORAGE MAIN")
        op.execute("ALTER TABLE listings SET (toast_tuple_target = 256)")
        op.execute("DROP TRIGGER IF EXISTS listings_search_vector ON listings")
        op.execute(_TRIGGER_FUNCTION)
        op.execute(
            "CREATE TRIGGER listings_search_vectors BEFORE INSERT OR UPDATE OF search_text, "
            "search_head ON listings FOR EACH ROW EXECUTE FUNCTION listings_search_vectors()"
        )
    _backfill_search_head(bind)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS listings_search_vectors ON listings")
        op.execute("DROP FUNCTION IF EXISTS listings_search_vectors()")
        op.execute("ALTER TABLE listings RESET (toast_tuple_target)")
        op.execute(
            "CREATE TRIGGER listings_search_vector BEFORE INSERT OR UPDATE OF search_text "
            "ON listings FOR EACH ROW EXECUTE FUNCTION "
            "tsvector_update_trigger(search_vector, 'pg_catalog.simple', search_text)"
        )
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_column('head_vector')
        batch_op.drop_column('search_head')
