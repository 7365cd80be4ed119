"""meeting cut-off per event, exact-schedule flag, attendee directory opt-in

Revision ID: 7e3a9c1d5b20
Revises: b7d2e4f6a8c0
Create Date: 2026-12-07 02:30:00.000000

events.meeting_good_score: the organizer's cut-off for suggested meetings (NULL takes the
configured default); events.schedule_optimal: the exact model proved the last schedule
optimal; registrations.directory_visible: the participant agreed to be listed in the event's
attendee directory (off unless they tick it).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7e3a9c1d5b20'
down_revision = 'b7d2e4f6a8c0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meeting_good_score', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('schedule_optimal', sa.Boolean(), nullable=True))
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('directory_visible', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('directory_visible')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('schedule_optimal')
        batch_op.drop_column('meeting_good_score')
