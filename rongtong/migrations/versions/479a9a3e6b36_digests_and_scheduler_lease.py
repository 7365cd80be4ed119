"""digests and scheduler lease

Revision ID: 479a9a3e6b36
Revises: ddbb2729fb5a
Create Date: 2026-11-28 07:10:20.202293

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '479a9a3e6b36'
down_revision = 'ddbb2729fb5a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scheduler_leases',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=80), nullable=False),
    sa.Column('acquired_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_leases'))
    )
    op.create_table('digest_announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('ref', sa.String(length=80), nullable=False),
    sa.Column('mail_key', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_digest_announcements_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_announcements')),
    sa.UniqueConstraint('user_id', 'kind', 'ref', name=op.f('uq_digest_announcements_user_id_kind_ref'))
    )
    op.create_table('digest_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('frequency', sa.String(length=10), nullable=False),
    sa.Column('min_score', sa.Double(), nullable=False),
    sa.Column('unsubscribed_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("frequency IN ('weekly', 'monthly', 'off')", name=op.f('ck_digest_preferences_frequency')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_digest_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_preferences')),
    sa.UniqueConstraint('user_id', name=op.f('uq_digest_preferences_user_id'))
    )
    op.create_table('digest_preference_chains',
    sa.Column('preference_id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['chain_id'], ['chains.id'], name=op.f('fk_digest_preference_chains_chain_id_chains'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['preference_id'], ['digest_preferences.id'], name=op.f('fk_digest_preference_chains_preference_id_digest_preferences'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('preference_id', 'chain_id', name=op.f('pk_digest_preference_chains'))
    )


def downgrade():
    op.drop_table('digest_preference_chains')
    op.drop_table('digest_preferences')
    op.drop_table('digest_announcements')
    op.drop_table('scheduler_leases')
