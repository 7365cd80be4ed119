"""Search semantics on both databases: words narrow, title and keywords rank, common
terms (PostgreSQL, at scale) rank without finding on their own."""

import pytest
from sqlalchemy import text

from rongtong.extensions import db
from rongtong.listings.services import (
    BrowseFilters,
    browse_statement,
    common_terms,
    finding_terms,
    forget_common_terms,
    full_text_plan,
)

API = "/api/v1"


def _titles(client, q: str) -> list[str]:
    body = client.get(f"{API}/listings", query_string={"q": q, "per_page": 100}).get_json()
    return [item["title"] for item in body["items"]]


@pytest.mark.nodb
def test_finding_terms():
    group = ["激光焊接", "激光", "焊接"]
    assert finding_terms(group, frozenset()) == [["激光焊接"], ["激光"], ["焊接"]]
    # a common part does not find on its own ...
    assert finding_terms(group, frozenset({"焊接"})) == [["激光焊接"], ["激光"]]
    # ... and when all are common the word is found as itself or all of its parts
    everything = frozenset({"智能制造", "智能", "制造"})
    assert finding_terms(["智能制造", "智能", "制造"], everything) == [
        ["智能制造"],
        ["智能", "制造"],
    ]
    assert finding_terms(["智能"], frozenset({"智能"})) == [["智能"]]


def test_every_typed_word_must_be_found(client, make_listing):
    make_listing(title="伺服电机选型咨询", summary="", description="", keywords=[])
    make_listing(title="减速器降噪方案", summary="", description="", keywords=[])
    make_listing(title="伺服电机与减速器一体化关节", summary="", description="", keywords=[])
    db.session.commit()

    assert _titles(client, "伺服电机 减速器") == ["伺服电机与减速器一体化关节"]
    assert set(_titles(client, "伺服电机")) == {"伺服电机选型咨询", "伺服电机与减速器一体化关节"}
    # a Chinese comma separates words as a space does
    assert _titles(client, "伺服电机，减速器") == ["伺服电机与减速器一体化关节"]


def test_title_and_keywords_rank_before_the_body(client, make_listing):
    make_listing(title="产线改造需求", summary="", description="需要碳化硅衬底切割", keywords=[])
    make_listing(title="碳化硅衬底切割工艺", summary="", description="", keywords=[])
    make_listing(title="外延片检测", summary="", description="", keywords=["碳化硅"])
    db.session.commit()

    titles = _titles(client, "碳化硅")
    # the body-only match is the newest, yet ranks last
    assert titles[-1] == "产线改造需求" and len(titles) == 3


def test_common_terms_rank_but_do_not_find_alone(app, client, make_listing, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_COMMON_MIN_LISTINGS", 10)
    for n in range(12):
        make_listing(title=f"智能产线巡检{n}", summary="", description="", keywords=[])
    make_listing(title="网联汽车封闭测试场", summary="", description="", keywords=[])
    make_listing(title="智能网联汽车数据平台", summary="", description="", keywords=[])
    db.session.commit()
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        db.session.execute(text("ANALYZE listings"))  # in the test's transaction: rolled back
    forget_common_terms()

    titles = _titles(client, "智能网联汽车")

    assert titles[:2] == ["智能网联汽车数据平台", "网联汽车封闭测试场"]
    if postgres:
        # 智能 is in 13 of 14 listings: a common term
        assert "智能" in common_terms()
        assert len(titles) == 2
    else:
        # SQLite (small deployments, development) has no statistics: every part finds
        assert len(titles) == 14
    # a word made only of common terms is still found
    assert len(_titles(client, "智能")) == 13


def test_search_is_planned_through_the_full_text_index(make_listing):
    """PostgreSQL would scan every row's TOASTed search_vector when its statistics shift."""
    for n in range(30):
        make_listing(title=f"碳化硅衬底{n}", keywords=[])
    session = db.session
    stmt = browse_statement(BrowseFilters(q="碳化硅"))
    postgres = session.get_bind().dialect.name == "postgresql"
    compiled = stmt.compile(dialect=session.get_bind().dialect)

    def plan() -> str:
        explain = session.connection().exec_driver_sql("EXPLAIN " + str(compiled), compiled.params)
        return "\n".join(explain.scalars())

    if postgres:  # index reads made dear (for this test's transaction): left alone, the
        # planner reads every row, as it did for common words on the load database
        session.execute(text("SET LOCAL random_page_cost = 1000"))
        assert "Seq Scan on listings" in plan()
    with full_text_plan(session, stmt):
        if postgres:
            assert "Seq Scan on listings" not in plan()
        found = session.execute(stmt).unique().scalars().all()
    assert len(found) == 30
    if postgres:  # restored for whatever the transaction runs next
        assert session.execute(text("SHOW enable_seqscan")).scalar_one() == "on"
