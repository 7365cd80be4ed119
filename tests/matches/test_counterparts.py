"""``counterparts``, the one way to ask the matcher, against a brute-force reference: every
ranked counterpart of each listing, filtered in Python by the rules it must keep."""

import pytest

from rongtong.extensions import db
from rongtong.listings.models import Listing
from rongtong.matches import services
from rongtong.matches.models import MatchJudgement

WORDS = ["激光焊接", "电池托盘", "焊接变形", "机器视觉", "缺陷检测", "夹具设计"]


@pytest.fixture
def crowd(corpus, make_listing, make_enterprise):
    """The corpus, plus listings that crowd the top: the owner's own capabilities, others'
    capabilities, one unpublished after the build, one never published, a hidden pair."""
    owner_enterprise = corpus["owner"].enterprise
    others = [make_enterprise(name=f"广州协作企业{i}") for i in range(3)]
    made = []
    for i in range(12):
        enterprise = owner_enterprise if i % 3 == 0 else others[i % 3]
        made.append(
            make_listing(
                enterprise=enterprise,
                kind="capability" if i % 4 else "challenge",
                chain="auto",
                title=f"激光焊接与{WORDS[i % len(WORDS)]}方案{i}",
                summary=f"电池托盘{WORDS[(i + 1) % len(WORDS)]}，{WORDS[(i + 2) % len(WORDS)]}。",
                keywords=[WORDS[i % len(WORDS)], WORDS[(i + 3) % len(WORDS)]],
            )
        )
    services.rebuild_index()
    # Unpublished after the build: still in the index, never to be shown.
    made[1].status = "draft"
    # Never published: not in the index at all.
    never = make_listing(
        enterprise=others[1], kind="capability", status="draft", title="激光焊接电池托盘草稿"
    )
    services.mark_not_relevant(corpus["challenge"], corpus["welder"], corpus["owner"])
    db.session.add(MatchJudgement(listing_id=made[0].id, counterpart_id=made[2].id, user_id=None))
    db.session.flush()
    # A draft asks too: ranked as it is now.
    make_listing(
        enterprise=others[2], kind="challenge", status="draft", title="电池托盘激光焊接求助"
    )
    seeds = db.session.execute(db.select(Listing).order_by(Listing.id)).scalars().all()
    return {"seeds": seeds, "drafts": {made[1].id, never.id}}


def brute_force(listing: Listing, k: int) -> list[tuple[int, float]]:
    """All the matcher ranks for ``listing``, kept by the rules one by one, the first k."""
    matcher = services.current_matcher()
    hidden = set(
        db.session.execute(
            db.select(MatchJudgement.counterpart_id).where(MatchJudgement.listing_id == listing.id)
        ).scalars()
    )
    everything = matcher.rank(services.listing_doc(listing), k=10_000)
    kept = []
    for match in everything:
        row = db.session.get(Listing, match.id)
        if row.status != "published" or row.enterprise_id == listing.enterprise_id:
            continue
        if match.id in hidden:
            continue
        kept.append((match.id, match.score))
    return kept[:k]


@pytest.mark.parametrize(
    ("share", "overfetch"),
    [(services.ALL_PAIRS_SHARE, services.OVERFETCH), (2.0, 0), (0.0, 0), (0.0, 1)],
    ids=["default", "each-ranked-alone-asked-again", "all-pairs-asked-again", "all-pairs"],
)
@pytest.mark.parametrize("k", [1, 3, 8])
def test_counterparts_match_the_brute_force_reference(crowd, monkeypatch, share, overfetch, k):
    monkeypatch.setattr(services, "ALL_PAIRS_SHARE", share)
    monkeypatch.setattr(services, "OVERFETCH", overfetch)
    seeds = crowd["seeds"]
    found = services.counterparts(seeds, k)
    assert set(found) == {seed.id for seed in seeds}
    for seed in seeds:
        expected = brute_force(seed, k)
        got = [(m.listing.id, m.score) for m in found[seed.id]]
        assert [i for i, _ in got] == [i for i, _ in expected], seed.title
        assert [s for _, s in got] == pytest.approx([s for _, s in expected], abs=1e-6)


def test_own_enterprise_hidden_pairs_and_drafts_never_come_back(crowd, corpus):
    found = services.counterparts(crowd["seeds"], 50, explain=True)
    seeds = {seed.id: seed for seed in crowd["seeds"]}
    shown = [(seeds[i], m) for i, matches in found.items() for m in matches]
    assert shown, "the crowd has counterparts to show"
    for seed, match in shown:
        assert match.listing.status == "published"
        assert match.listing.id not in crowd["drafts"]
        assert match.listing.enterprise_id != seed.enterprise_id
        assert match.reasons and all({"code", "text"} <= set(r) for r in match.reasons)
    challenge = corpus["challenge"]
    assert corpus["welder"].id not in [m.listing.id for m in found[challenge.id]]
    assert corpus["vision"].id in [m.listing.id for m in found[challenge.id]]


def test_explain_pair_words_the_reasons_of_one_pair(corpus):
    pair = services.explain_pair(corpus["challenge"], corpus["welder"])
    assert "激光焊接" in pair.terms
    assert "shared_terms" in [r["code"] for r in pair.reasons]
    ranked = services.counterparts([corpus["challenge"]], 1)[corpus["challenge"].id]
    assert ranked[0].listing.id == corpus["welder"].id
    assert pair.score == pytest.approx(ranked[0].score, abs=1e-6)
