"""API fixtures: callers with tokens, and JSON helpers."""

from dataclasses import dataclass

import pytest

from rongtong.extensions import db
from rongtong.listings.models import Listing

API = "/api/v1"


@dataclass
class Caller:
    user: object
    headers: dict

    @property
    def enterprise(self):
        return self.user.enterprise


@pytest.fixture
def caller(make_user, make_enterprise, api_token):
    """``caller(role="member", verified=True)``: a user with a token of their own."""

    def make(role: str = "member", *, verified: bool = True, enterprise=...):
        if enterprise is ... and role == "member":
            enterprise = make_enterprise(verified=verified)
        elif enterprise is ...:
            enterprise = None
        user = make_user(role=role, enterprise=enterprise)
        headers = api_token(user)
        # Commit the setup so that a request's rollback (after an error) keeps it.
        db.session.commit()
        return Caller(user, headers)

    return make


def assert_error(response, status: int, *fields: str):
    """The API's error shape, with the given status and per-field messages."""
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert isinstance(error["message"], str) and error["message"]
    for name in fields:
        assert name in error["fields"], error
        assert error["fields"][name], error
    return error


def listing_count() -> int:
    return db.session.execute(db.select(db.func.count(Listing.id))).scalar_one()
