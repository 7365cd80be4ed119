"""search trigram index

Revision ID: d0af363af6f5
Revises: c7bac5374643
Create Date: 2026-11-28 07:18:22.124933

PostgreSQL: pg_trgm and a GIN trigram index on listings.search_text, which search's
``LIKE '% term %'`` uses. SQLite: an empty partial index (WHERE 0), so that the schema
matches the models while costing nothing.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd0af363af6f5'
down_revision = 'c7bac5374643'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.create_index('ix_listings_search_text_trgm', ['search_text'], unique=False, postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'}, sqlite_where=sa.text('0'))


def downgrade():
    # pg_trgm stays: dropping an extension is the database owner's decision.
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_index('ix_listings_search_text_trgm', postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'}, sqlite_where=sa.text('0'))
