"""listing change log

Revision ID: b7d2e4f6a8c0
Revises: b7d2f4a6c8e0
Create Date: 2026-12-08 10:00:00.000000

listing_changes: one row per change that affects matching, numbered by ``seq``; each process
applies the rows after its build's ``matcher_builds.seq`` as a live delta.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d2e4f6a8c0'
down_revision = 'b7d2f4a6c8e0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('listing_changes',
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_listing_changes')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('listing_changes', schema=None) as batch_op:
        batch_op.create_index('ix_listing_changes_recorded_at', ['recorded_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_listing_changes_listing_id'), ['listing_id'], unique=False)
    with op.batch_alter_table('matcher_builds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('matcher_builds', schema=None) as batch_op:
        batch_op.drop_column('seq')
    with op.batch_alter_table('listing_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_changes_listing_id'))
        batch_op.drop_index('ix_listing_changes_recorded_at')
    op.drop_table('listing_changes')
