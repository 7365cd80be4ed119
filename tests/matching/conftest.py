"""The matcher is a pure package: its tests need no app and no database."""

import pytest


@pytest.fixture(autouse=True)
def db_session():
    """Shadows tests/conftest.py's autouse fixture, which builds the app and a database."""
    yield None
