"""search vector for PostgreSQL full-text search

Revision ID: e4fb8aa89750
Revises: d0af363af6f5
Create Date: 2026-11-28 08:31:28.917944

PostgreSQL: a tsvector of search_text (its space-separated terms, 'simple' config), kept by
a trigger so that every writer (the app, COPY in bench/gen_data.py) fills it, and a GIN
index; it replaces the trigram index, which common terms could not use. SQLite: an unused
column and an empty partial index, so that the schema matches the models.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'e4fb8aa89750'
down_revision = 'd0af363af6f5'
branch_labels = None
depends_on = None


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_vector', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True))
        batch_op.drop_index('ix_listings_search_text_trgm', postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'}, sqlite_where=sa.text('0'))
    if postgres:
        op.execute(
            "CREATE TRIGGER listings_search_vector BEFORE INSERT OR UPDATE OF search_text "
            "ON listings FOR EACH ROW EXECUTE FUNCTION "
            "tsvector_update_trigger(search_vector, 'pg_catalog.simple', search_text)"
        )
        op.execute("UPDATE listings SET search_vector = to_tsvector('simple', search_text)")
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.create_index('ix_listings_search_vector', ['search_vector'], unique=False, postgresql_using='gin', sqlite_where=sa.text('0'))


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_index('ix_listings_search_vector', postgresql_using='gin', sqlite_where=sa.text('0'))
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS listings_search_vector ON listings")
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.create_index('ix_listings_search_text_trgm', ['search_text'], unique=False, postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'}, sqlite_where=sa.text('0'))
        batch_op.drop_column('search_vector')
