"""event lifecycle: registration window, organizer overrides, forced meeting moves

Revision ID: b7d2f4a6c8e0
Revises: a7c3e91f2b40
Create Date: 2026-12-07 10:00:00

events: when registration opens and closes (null: by hand / at the start), and the last
status an organizer set by hand (when, who, why), which the clock never undoes.
meetings: an organizer's confirmed placement over a participant's conflict (when, who, what).
"""

import sqlalchemy as sa
from alembic import op

revision = "b7d2f4a6c8e0"
down_revision = "a7c3e91f2b40"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("registration_opens_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("registration_closes_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("status_set_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("status_set_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("status_reason", sa.String(length=500), nullable=False, server_default="")
        )
        batch_op.create_foreign_key(
            "fk_events_status_set_by_id_users",
            "users",
            ["status_set_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("forced_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("forced_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("forced_note", sa.String(length=500), nullable=False, server_default="")
        )
        batch_op.create_foreign_key(
            "fk_meetings_forced_by_id_users", "users", ["forced_by_id"], ["id"], ondelete="SET NULL"
        )


def downgrade():
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_constraint("fk_meetings_forced_by_id_users", type_="foreignkey")
        batch_op.drop_column("forced_note")
        batch_op.drop_column("forced_by_id")
        batch_op.drop_column("forced_at")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_constraint("fk_events_status_set_by_id_users", type_="foreignkey")
        batch_op.drop_column("status_reason")
        batch_op.drop_column("status_set_by_id")
        batch_op.drop_column("status_set_at")
        batch_op.drop_column("registration_closes_at")
        batch_op.drop_column("registration_opens_at")
