"""The migrations build exactly the schema the models describe, on the test database."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from rongtong import create_app
from rongtong.extensions import db
from tests.conftest import TEST_CONFIG

pytestmark = pytest.mark.nodb


def test_models_and_migrations_agree(app):
    """Autogenerate finds no difference (SQLite locally; PostgreSQL too under CI)."""
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_downgrade_and_upgrade_round_trip(tmp_path):
    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    other = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with other.app_context():
        upgrade()
        assert "listings" in sa.inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert "listings" not in sa.inspect(db.engine).get_table_names()
        upgrade()
        assert {"users", "enterprises", "listings", "chains"} <= set(
            sa.inspect(db.engine).get_table_names()
        )
        db.engine.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path):
    url = f"sqlite:///{tmp_path / 'pragmas.db'}"
    other = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with other.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
    with other.app_context():
        db.engine.dispose()
