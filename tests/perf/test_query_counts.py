"""No N+1: each page's SQL query count is the same whether it shows 5 rows or 25.

The statements are counted with a ``before_cursor_execute`` listener on the engine, after
a warm-up request and with the session emptied, so that nothing is served from the
identity map that a real request would have to load.
"""

from itertools import cycle

import pytest
from sqlalchemy import event

from rongtong.extensions import db
from rongtong.matches import services as match_services

CHAINS = cycle(["robotics", "auto", "ai", "energy", "semicon"])
DISTRICTS = cycle(["huangpu", "tianhe", "panyu", "nansha"])
CATEGORIES = cycle(["rnd", "supply", "procurement"])
TIERS = cycle(["innovative", "provincial", "little_giant", None])


class QueryCounter:
    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            self.statements.append(statement)

    def __enter__(self):
        self.statements = []
        event.listen(self.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self)


@pytest.fixture
def count_queries(app, client):
    """GET ``path`` (warm-up first) and return how many SQL statements the second GET ran."""

    def count(path: str, headers=None) -> int:
        assert client.get(path, headers=headers).status_code == 200
        db.session.expire_all()  # the warm-up request already rolled back; load afresh
        with QueryCounter(db.engine) as counter:
            response = client.get(path, headers=headers)
        assert response.status_code == 200, response.status_code
        return len(counter.statements)

    return count


@pytest.fixture
def varied(make_enterprise, make_listing):
    """Listings from distinct enterprises with distinct taxonomy terms (lazy loads would show)."""

    def make(n: int, **overrides):
        rows = []
        for _ in range(n):
            enterprise = make_enterprise(
                district=next(DISTRICTS), tier=next(TIERS), chains=[next(CHAINS), "ai"]
            )
            rows.append(
                make_listing(
                    enterprise=enterprise,
                    chain=next(CHAINS),
                    category=next(CATEGORIES),
                    **overrides,
                )
            )
        return rows

    return make


def _same_for_5_and_25(make_rows, measure):
    """Build 5 rows and count, then 20 more (25 in all) and count again."""
    make_rows(5)
    few = measure()
    make_rows(20)
    many = measure()
    assert few == many, f"{few} queries for 5 rows, {many} for 25: a query per row"
    return few


def test_browse_page(varied, count_queries):
    count = _same_for_5_and_25(varied, lambda: count_queries("/listings/"))
    assert count <= 8


def test_search_page(varied, count_queries):
    count = _same_for_5_and_25(varied, lambda: count_queries("/listings/?q=激光焊接"))
    # PostgreSQL adds two for the planner setting around the search (full_text_plan) and one
    # for the common terms' statistics (read every few minutes outside the tests).
    assert count <= 10


def test_enterprise_list(make_enterprise, count_queries):
    def make_rows(n):
        for _ in range(n):
            make_enterprise(district=next(DISTRICTS), tier=next(TIERS), chains=[next(CHAINS), "ai"])

    count = _same_for_5_and_25(make_rows, lambda: count_queries("/enterprises/"))
    assert count <= 6


def test_api_list(varied, count_queries):
    count = _same_for_5_and_25(varied, lambda: count_queries("/api/v1/listings?per_page=25"))
    assert count <= 6


def test_api_list_with_a_token_that_may_see_confidential_details(
    varied, count_queries, make_user, api_token
):
    """A verified member's token: terms acceptances and view logs are per page, not per row."""
    headers = api_token(make_user())
    count = _same_for_5_and_25(
        varied, lambda: count_queries("/api/v1/listings?per_page=25", headers=headers)
    )
    assert count <= 10


@pytest.mark.parametrize("as_owner", [False, True], ids=["anonymous", "owner"])
def test_listing_detail_with_matches(
    as_owner, varied, make_listing, make_user, count_queries, auth
):
    owner = make_user()
    challenge = make_listing(enterprise=owner.enterprise, kind="challenge")
    if as_owner:
        auth.login(owner)

    def make_rows(n):
        varied(n, kind="capability")
        match_services.rebuild_index()

    def measure():
        count = count_queries(f"/listings/{challenge.id}")
        shown = len(match_services.matches_for(challenge, k=10))
        assert shown >= 5
        return count

    _same_for_5_and_25(make_rows, measure)


def test_members_page_with_requests_to_join(make_user, count_queries, auth):
    """The members and the pending requests (each with its requester) are a query each."""
    from rongtong.enterprises import services as enterprise_services

    owner = make_user()
    auth.login(owner)

    def make_rows(n):
        for _ in range(n):
            make_user(enterprise=owner.enterprise)
            enterprise_services.request_to_join(make_user(enterprise=None), owner.enterprise)

    count = _same_for_5_and_25(
        make_rows, lambda: count_queries(f"/enterprises/{owner.enterprise_id}/members")
    )
    assert count <= 8
