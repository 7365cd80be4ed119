"""taxonomy aliases: other spellings an import accepts for a term

Revision ID: 8c1f3e2a9d47
Revises: 251bebabca6b
Create Date: 2026-12-08 10:00:00.000000

Each taxonomy gets ``aliases`` (one a line; admins edit them on the taxonomy page). Terms
whose code is in seed_data/taxonomies get that file's aliases, so an existing database
reads 黄埔 or 研发 in an import as a freshly seeded one does.
"""

import csv
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8c1f3e2a9d47"
down_revision = "251bebabca6b"
branch_labels = None
depends_on = None

TABLES = ("chains", "districts", "categories", "enterprise_kinds", "tiers")
SEED_DIR = Path(__file__).resolve().parents[3] / "seed_data" / "taxonomies"


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("aliases", sa.Text(), server_default="", nullable=False))
    bind = op.get_bind()
    for table in TABLES:
        path = SEED_DIR / f"{table}.csv"
        if not path.exists():  # an installation without the sample city's files
            continue
        terms = sa.table(table, sa.column("code", sa.String), sa.column("aliases", sa.Text))
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                aliases = "\n".join(a.strip() for a in (row.get("aliases") or "").split("|"))
                if aliases.strip():
                    bind.execute(
                        terms.update()
                        .where(terms.c.code == row["code"], terms.c.aliases == "")
                        .values(aliases=aliases.strip())
                    )


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("aliases")
