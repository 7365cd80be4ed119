"""enterprise verification review

Revision ID: 1aef3a692af8
Revises: 1df04545670b
Create Date: 2026-12-07 01:33:52.381627

enterprises.review_status (pending, approved, rejected, needs_info), review_note,
reviewed_at, reviewed_by_id: the organizers' decision and its reason, shown to the members.
Enterprises verified before are ``approved``; the rest ``pending``.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1aef3a692af8'
down_revision = '1df04545670b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_status', sa.String(length=20), nullable=False, server_default='pending'))
        batch_op.add_column(sa.Column('review_note', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_enterprises_reviewed_by_id_users'), 'users', ['reviewed_by_id'], ['id'], ondelete='SET NULL', use_alter=True)
        batch_op.create_check_constraint(op.f('ck_enterprises_review_status'), "review_status IN ('pending', 'approved', 'rejected', 'needs_info')")
    op.execute(
        "UPDATE enterprises SET review_status = 'approved', reviewed_at = verified_at, "
        "reviewed_by_id = verified_by_id WHERE verified_at IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_enterprises_review_status'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_enterprises_reviewed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('review_note')
        batch_op.drop_column('review_status')
