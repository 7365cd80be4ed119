"""The live index: what changes after the build is matchable (or gone) without a rebuild."""

import json
from datetime import timedelta

import pytest

from rongtong.core.time import local_today
from rongtong.extensions import db
from rongtong.imports.services import import_listings, read_rows
from rongtong.listings import services as listing_services
from rongtong.matches import services
from rongtong.matches.models import ListingChange, MatcherBuild
from rongtong.taxonomy.models import District
from tests.imports.conftest import listing_row


def matched(listing, k=10) -> list[int]:
    return [m.listing.id for m in services.matches_for(listing, k)]


def changes_of(listing) -> list[int]:
    return list(
        db.session.execute(
            db.select(ListingChange.seq).where(ListingChange.listing_id == listing.id)
        ).scalars()
    )


def test_a_published_capability_is_a_counterpart_without_a_rebuild(corpus, make_listing):
    builds = db.session.execute(db.select(db.func.count(MatcherBuild.id))).scalar_one()
    newcomer = make_listing(
        kind="capability",
        status="draft",
        chain="auto",
        category="rnd",
        title="电池托盘激光焊接变形控制工艺",
        summary="铝合金电池托盘激光焊接变形控制与焊后校形。",
        keywords=["激光焊接", "电池托盘"],
    )
    assert changes_of(newcomer) == []  # a draft changes nothing the matcher sees
    assert newcomer.id not in matched(corpus["challenge"])

    listing_services.publish_listing(newcomer)
    db.session.flush()

    assert len(changes_of(newcomer)) == 1
    live = services.current_matcher()
    assert newcomer.id in live and newcomer.id not in live.base.position_
    assert matched(corpus["challenge"])[0] == newcomer.id
    # No rebuild happened on the way.
    assert db.session.execute(db.select(db.func.count(MatcherBuild.id))).scalar_one() == builds
    # Explained as the live index holds it.
    pair = services.explain_pair(corpus["challenge"], newcomer)
    assert pair is not None and "激光焊接" in pair.terms


def test_published_through_the_api_is_in_the_api_matches(client, corpus, make_user, api_token):
    challenge = corpus["challenge"]
    headers = api_token(make_user())
    db.session.commit()  # the setup, kept by a request's rollback after an error
    body = {
        "kind": "capability",
        "category": "rnd",
        "chain": "auto",
        "title": "电池托盘激光焊接变形控制工艺",
        "summary": "铝合金电池托盘激光焊接变形控制与焊后校形。",
        "keywords": ["激光焊接", "电池托盘"],
        "status": "published",
    }
    created = client.post("/api/v1/listings", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    new_id = created.get_json()["id"]

    found = client.get(f"/api/v1/listings/{challenge.id}/matches?k=3").get_json()
    assert found[0]["listing"]["id"] == new_id

    closed = client.post(f"/api/v1/listings/{new_id}/close", headers=headers)
    assert closed.status_code == 200, closed.get_json()
    found = client.get(f"/api/v1/listings/{challenge.id}/matches?k=3").get_json()
    assert new_id not in [m["listing"]["id"] for m in found]


def test_an_edit_changes_the_ranking(corpus):
    challenge, vision = corpus["challenge"], corpus["vision"]

    def score():
        return next(m.score for m in services.matches_for(challenge) if m.listing.id == vision.id)

    before = matched(challenge)
    assert before.index(vision.id) > before.index(corpus["welder"].id)
    as_built = score()

    listing_services.apply_listing(
        vision,
        {
            "title": "电池托盘激光焊接变形控制",
            "summary": "铝合金电池托盘激光焊接变形控制，焊后平面度达标。",
            "keywords": ["激光焊接", "电池托盘", "焊接变形"],
        },
    )
    assert matched(challenge)[0] == vision.id
    assert score() > as_built

    listing_services.apply_listing(
        vision,
        {
            "title": "机器视觉缺陷检测系统",
            "summary": "面向电池托盘焊缝的机器视觉缺陷识别，检出率 99.5%。",
            "keywords": ["机器视觉", "缺陷检测"],
        },
    )
    assert matched(challenge) == before
    assert score() == pytest.approx(as_built)


def _close(listing, organizer):
    listing_services.close_listing(listing)


def _take_down(listing, organizer):
    listing_services.unpublish_listing(listing, "信息不实", organizer)


def _expire(listing, organizer):
    listing.deadline = local_today() - timedelta(days=1)
    db.session.flush()
    assert listing_services.expire_listings() >= 1


def _award(listing, organizer):
    listing_services.set_status(listing, "awarded")


@pytest.mark.parametrize("end", [_close, _take_down, _expire, _award])
def test_an_ended_listing_leaves_the_index_at_once(corpus, make_user, end):
    # The welder for close, take-down, expiry; the challenge (only a challenge is awarded)
    # seen from the welder for the award.
    gone, asker = corpus["welder"], corpus["challenge"]
    if end is _award:
        gone, asker = asker, gone
    assert gone.id in matched(asker)

    end(gone, make_user(role="organizer"))
    db.session.flush()

    assert changes_of(gone)
    live = services.current_matcher()
    assert gone.id not in live
    assert gone.id not in [m.id for m in live.rank(services.listing_doc(asker), k=50)]
    assert gone.id not in matched(asker)


def test_an_enterprise_moving_district_changes_its_listings_docs(corpus):
    welder = corpus["welder"]
    enterprise = welder.enterprise
    other = db.session.execute(
        db.select(District).where(District.id != enterprise.district_id).limit(1)
    ).scalar_one()
    enterprise.district = other
    db.session.flush()
    assert changes_of(welder)
    live = services.current_matcher()
    assert live.changes()[-1].doc.district == other.code


def test_an_import_of_many_listings_makes_all_matchable(corpus, make_enterprise, tmp_path):
    supplier = make_enterprise(name="广州批量导入精工有限公司")
    rows = [
        listing_row(
            supplier.credit_code,
            ref=f"CA-BULK-{i:03d}",
            kind="capability",
            budget_min=None,
            budget_max=None,
            title=f"电池托盘激光焊接变形控制方案{i}",
            summary=f"第{i}号：铝合金电池托盘激光焊接变形控制。",
            keywords=["激光焊接", "电池托盘", f"方案{i}"],
        )
        for i in range(60)
    ]
    path = tmp_path / "listings.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")

    report = import_listings(read_rows(path))
    assert report.created == 60, report.errors

    live = services.current_matcher()
    new_ids = {
        listing.id
        for listing in db.session.execute(
            db.select(listing_services.Listing).where(
                listing_services.Listing.enterprise_id == supplier.id
            )
        ).scalars()
    }
    assert len(new_ids) == 60 and all(i in live for i in new_ids)
    found = services.counterparts([corpus["challenge"]], k=70)[corpus["challenge"].id]
    assert new_ids <= {m.listing.id for m in found}


def test_replaying_the_log_is_idempotent(corpus, make_listing):
    newcomer = make_listing(
        kind="capability", chain="auto", title="激光焊接夹具", keywords=["激光焊接"]
    )
    listing_services.close_listing(corpus["vision"])
    db.session.flush()
    live = services.current_matcher()
    state = live.state()
    ranked = live.rank(services.listing_doc(corpus["challenge"]), k=10)

    # Read the whole delta again, as a process that lost track of what it applied would.
    services._cache.high = live.base_seq
    assert services.current_matcher() is live
    assert live.state() == state
    assert live.rank(services.listing_doc(corpus["challenge"]), k=10) == ranked
    assert newcomer.id in live and corpus["vision"].id not in live


def test_a_late_commit_below_the_highest_seq_is_still_applied(corpus, make_listing):
    """PostgreSQL may commit seq 7 after seq 8: the hole is read again until it fills."""
    first = make_listing(kind="capability", chain="auto", title="激光焊接一", keywords=["激光焊接"])
    second = make_listing(
        kind="capability", chain="auto", title="激光焊接二", keywords=["激光焊接"]
    )
    (late,) = changes_of(first)
    row = db.session.get(ListingChange, late)
    db.session.delete(row)  # not committed yet, as far as readers can tell
    db.session.flush()
    live = services.current_matcher()
    assert second.id in live and first.id not in live
    assert late in services._cache.holes

    db.session.add(ListingChange(seq=late, listing_id=first.id))
    db.session.flush()
    assert first.id in services.current_matcher()
    assert services._cache.holes == {}


def test_the_refresh_job_rebuilds_past_the_share_and_folds_the_delta_in(app, corpus, make_listing):
    assert services.refresh_index() is None  # nothing pending
    for i in range(2):
        make_listing(kind="capability", chain="auto", title=f"激光焊接{i}", keywords=["激光焊接"])
    # 2 changes on a 5-listing base: 40 % > 3 %.
    build = services.refresh_index()
    assert build is not None and build.n_docs == 7
    assert build.seq == services.log_seq()
    assert services.pending_changes(build) == 0
    live = services.current_matcher()
    # The delta is folded in (on PostgreSQL the last minute's changes are read again, in case
    # one committed late; they hold what the base holds).
    assert live.base.n_docs_ == 7 and len(live) == 7
    app.config["MATCHER_REBUILD_SHARE"] = 0.5
    try:
        make_listing(kind="capability", chain="auto", title="激光焊接新", keywords=["激光焊接"])
        assert services.refresh_index() is None  # 1 of 7: under half
    finally:
        app.config["MATCHER_REBUILD_SHARE"] = 0.03
