"""LiveIndex against a refit: exactly a refit with the base's idf, nearly a full refit."""

import dataclasses
import json
import random
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching import STATE_VERSION, Change, Doc, LiveIndex, TfidfMatcher

from .reference import Reference
from .test_matcher import (
    CATEGORIES,
    CHAINS,
    FAST,
    GROUPS,
    PARAMS,
    TOKENIZER,
    WORDS,
    assert_same_ranking,
    corpora,
    make_doc,
)

BOTH = ["challenge", "capability"]


class FrozenRefit(Reference):
    """Brute force over the live documents, with the idf and pruning of the base's fit.

    A district no base document has gives no same-district signal (the base has no
    code for it); that, and idf, are all that a live index leaves to the rebuild.
    """

    def __init__(self, m, base_docs, live_docs, tokenizer):
        super().__init__(m, base_docs, tokenizer)
        self.known = {d.district for d in base_docs if d.district}
        self.docs = [self.coded(d) for d in live_docs]
        self.vecs = [self.vector(d) for d in self.docs]

    def coded(self, doc):
        return doc if doc.district in self.known else dataclasses.replace(doc, district=None)

    def rank(self, doc, k, kinds=None, vec=None):
        return super().rank(self.coded(doc), k, kinds, vec)


@st.composite
def change_logs(draw, base):
    """Adds of new ids, edits (any kind) and removals of base or added ids, in order."""
    ids = [d.id for d in base]
    changes, seq = [], 0
    for n in range(draw(st.integers(1, 10))):
        seq += draw(st.integers(1, 3))
        op = draw(st.sampled_from(["add", "edit", "remove"]))
        if op == "add" or not ids:
            doc = draw(corpora(min_size=1, max_size=1))[0]
            doc = dataclasses.replace(doc, id=f"NEW{n:02d}")
            ids.append(doc.id)
            changes.append(Change(seq, doc.id, doc))
        elif op == "edit":
            doc = draw(corpora(min_size=1, max_size=1))[0]
            doc = dataclasses.replace(doc, id=draw(st.sampled_from(ids)))
            changes.append(Change(seq, doc.id, doc))
        else:
            changes.append(Change(seq, draw(st.sampled_from(ids))))
    return changes


def live_docs(base, changes):
    state = {d.id: d for d in base}
    for c in changes:
        if c.doc is None:
            state.pop(c.id, None)
        else:
            state[c.id] = c.doc
    return list(state.values())


@st.composite
def scenarios(draw):
    base = draw(corpora(min_size=1))
    return base, draw(change_logs(base)), draw(PARAMS), draw(st.integers(1, 5))


@FAST
@given(scenario=scenarios(), query=corpora(min_size=1, max_size=1))
def test_rank_equals_a_refit_with_the_base_idf(scenario, query):
    base, changes, params, k = scenario
    m = TfidfMatcher(**params, chain_groups=GROUPS, tokenizer=TOKENIZER).fit(base)
    live = LiveIndex(m)
    assert live.apply(changes) == len({c.id for c in changes})
    docs = live_docs(base, changes)
    oracle = FrozenRefit(m, base, docs, TOKENIZER)
    gone = {c.id for c in changes} - {d.id for d in docs}
    assert sorted(live.ids(), key=str) == sorted((d.id for d in docs), key=str)
    assert len(live) == len(docs)
    assert all(i not in live for i in gone)
    new = dataclasses.replace(query[0], id="QUERY")
    for doc in [*docs, new]:
        for kinds in (None, BOTH):
            got = live.rank(doc, k, kinds=kinds)
            assert not {x.id for x in got} & gone
            assert_same_ranking(got, oracle.rank(doc, k, kinds))
            scores = [x.score for x in got]
            assert scores == sorted(scores, reverse=True)
            for x in got:
                # What transform + blend give the pair, whichever segment each is in
                # (explain sums the products in another order: the last digit may differ).
                assert live.explain(doc, x.id).score == pytest.approx(x.score, abs=2e-6)


@FAST
@given(scenario=scenarios())
def test_top_pairs_equal_a_refit_with_the_base_idf(scenario):
    base, changes, params, k = scenario
    m = TfidfMatcher(**params, chain_groups=GROUPS, tokenizer=TOKENIZER).fit(base)
    live = LiveIndex(m)
    live.apply(changes)
    docs = live_docs(base, changes)
    oracle = FrozenRefit(m, base, docs, TOKENIZER)
    got, want = live.top_pairs(k), oracle.top_pairs(k)
    assert set(got) == set(want)
    for doc_id, matches in want.items():
        assert_same_ranking(got[doc_id], matches)
    for doc in docs:
        assert got[doc.id] == live.rank(doc, k)


@FAST
@given(scenario=scenarios())
def test_applying_a_log_again_or_restoring_its_state_changes_nothing(scenario):
    base, changes, params, k = scenario
    m = TfidfMatcher(**params, chain_groups=GROUPS, tokenizer=TOKENIZER).fit(base)
    live = LiveIndex(m, seq=0)
    live.apply(changes)
    before = {d.id: live.rank(d, k, kinds=BOTH) for d in base}
    assert live.apply(changes) == 0
    assert live.apply(changes[len(changes) // 2 :]) == 0
    restored = LiveIndex.from_state(m, json.loads(json.dumps(live.state())))
    assert restored.seq == live.seq == max(c.seq for c in changes)
    assert restored.changes() == live.changes()
    for index in (live, restored):
        assert {d.id: index.rank(d, k, kinds=BOTH) for d in base} == before


def test_a_stale_change_never_overwrites_a_newer_one():
    a = Doc("CH1", "challenge", "激光焊接")
    b = Doc("CA1", "capability", "激光焊接")
    c = Doc("CH2", "challenge", "电池托盘")
    live = LiveIndex(TfidfMatcher(max_df=1.0, tokenizer=TOKENIZER).fit([a, b, c]), seq=5)
    edited = Doc("CA1", "capability", "电池托盘")
    # Change 7 arrives before change 6 (committed late): 6 is older for CA1 and is skipped,
    # while a late change of another id still counts.
    assert live.apply([Change(7, "CA1", edited)]) == 1
    assert live.apply([Change(6, "CA1", None), Change(6, "CA9", None)]) == 1
    assert "CA1" in live and live.seq == 7
    assert live.rank(Doc("q", "challenge", "电池托盘"))[0].id == "CA1"
    assert live.rank(a) == []
    assert [c.seq for c in live.changes()] == [6, 7]
    assert live.n_changes == 2


def test_many_masked_rows_among_the_best_are_fetched_past():
    # 60 near-copies; the 50 best for the query are removed, so the base's first answers
    # are nearly all masked and the live index must ask the base again.
    caps = [
        Doc(f"CA{i:02d}", "capability", "激光焊接" + "电池托盘" * (1 + i // 10) + "检测" * i)
        for i in range(60)
    ]
    q = Doc("CH0", "challenge", "激光焊接电池托盘")
    m = TfidfMatcher(max_df=1.0, tokenizer=TOKENIZER).fit([q, *caps])
    best = [x.id for x in m.rank(q, k=60)]
    live = LiveIndex(m)
    live.remove(best[:50])
    got = live.rank(q, k=5)
    assert [x.id for x in got] == best[50:55]
    assert [x.score for x in got] == [x.score for x in m.rank(q, k=55)[50:]]


def test_add_edit_remove_through_the_public_methods():
    ch = Doc("CH1", "challenge", "伺服电机", chain="robotics", category="procurement")
    old = Doc("CA1", "capability", "储能系统", category="supply")
    m = TfidfMatcher(max_df=1.0, chain_groups=GROUPS, tokenizer=TOKENIZER).fit([ch, old])
    live = LiveIndex(m, seq=10)
    assert live.rank(ch) == [] and live.merged() is m
    new = Doc("CA2", "capability", "伺服电机", chain="robotics", category="supply", tier="champion")
    live.add([new, dataclasses.replace(old, text="伺服电机")])
    assert live.seq == 12
    got = live.rank(ch)
    assert [x.id for x in got] == ["CA2", "CA1"]
    assert got[0].score == m.explain(ch, new).score
    assert [r.code for r in got[0].reasons] == [r.code for r in m.explain(ch, new).reasons[1:]]
    explained = live.explain("CH1", "CA2")
    assert explained.score == got[0].score and explained.terms[0].term == "伺服电机"
    live.remove(["CA2", "CA1"])
    assert live.rank(ch) == [] and "CA1" not in live and "CH1" in live
    with pytest.raises(KeyError, match="removed or replaced"):
        live.explain("CH1", "CA1")
    with pytest.raises(KeyError):
        live.explain("CH1", "CA2")
    assert live.top_pairs() == {"CH1": []}


def test_what_a_page_shows_comes_from_the_base():
    """Reader-side reasons, bands and highlights work on a live index as on its base."""
    ch = Doc("CH1", "challenge", "伺服电机", chain="robotics", category="procurement")
    ca = Doc("CA1", "capability", "伺服电机", chain="robotics", category="supply", tier="champion")
    m = TfidfMatcher(max_df=1.0, chain_groups=GROUPS, tokenizer=TOKENIZER).fit([ch, ca])
    live = LiveIndex(m)
    new = Doc("CA2", "capability", "伺服电机驱动器", category="supply", tier="champion")
    live.add([new])
    for b in ("CA1", "CA2"):
        for reader in ("a", "b"):
            assert live.explain("CH1", b, reader=reader) == m.explain(
                ch, b if b == "CA1" else new, reader=reader
            )
    assert live.bands_ is m.bands_
    assert live.band(0.9) == m.band(0.9) == "strong"
    assert live.highlight("伺服电机驱动", ["伺服电机"]) == m.highlight("伺服电机驱动", ["伺服电机"])


def test_bad_changes_and_states_are_refused():
    doc = Doc("a", "challenge", "激光焊接")
    with pytest.raises(ValueError, match="differs"):
        Change(1, "b", doc)
    m = TfidfMatcher(max_df=1.0, tokenizer=TOKENIZER).fit([doc])
    with pytest.raises(ValueError, match="LiveIndex state"):
        LiveIndex.from_state(m, {"format": "matching.LiveIndex", "version": STATE_VERSION + 1})
    assert Change.from_dict(Change(3, "a", doc).to_dict()) == Change(3, "a", doc)


def test_readers_see_whole_updates_while_changes_are_applied():
    base = [make_doc(i, "capability", ["伺服电机"]) for i in range(20)]
    q = Doc("Q", "challenge", "伺服电机")
    live = LiveIndex(TfidfMatcher(max_df=1.0, tokenizer=TOKENIZER).fit(base))
    errors = []

    def read():
        for _ in range(200):
            got = live.rank(q, k=100)
            # Each writer step swaps one base document for one new one: 20 at all times.
            if len(got) != 20:
                errors.append(len(got))

    reader = threading.Thread(target=read)
    reader.start()
    for i in range(100):
        live.apply(
            [Change(2 * i + 1, f"N{i}", Doc(f"N{i}", "capability", "伺服电机")),
             Change(2 * i + 2, base[i % 20].id if i < 20 else f"N{i - 20}")]
        )  # fmt: skip
    reader.join()
    assert errors == []


def test_top10_agree_with_a_full_refit_after_many_changes():
    bench = Path(__file__).resolve().parents[2] / "bench"
    sys.path.insert(0, str(bench))
    try:
        from bench_matching import make_corpus
    finally:
        sys.path.remove(str(bench))
    docs = make_corpus(2400, seed=0)
    base, pool = docs[:2000], docs[2000:]
    m = TfidfMatcher().fit(base)
    rng = random.Random(0)
    live = LiveIndex(m)
    # 600 changes: 400 new listings (some edits of base ids), 200 removals.
    edits = [dataclasses.replace(d, id=base[rng.randrange(2000)].id) for d in pool[:100]]
    live.add([*pool[100:], *edits])
    live.remove(rng.sample([d.id for d in base], 200))
    now = live_docs(base, live.changes())
    refit = TfidfMatcher().fit(now)
    queries = rng.sample(now, 200)
    hit = total = 0
    for q in queries:
        want = {x.id for x in refit.rank(q)}
        hit += len({x.id for x in live.rank(q)} & want)
        total += len(want)
    assert hit / total >= 0.95


def test_segment_is_a_matcher_in_the_base_space():
    rng = random.Random(2)
    docs = [
        make_doc(i, rng.choice(BOTH), rng.choices(WORDS, k=6), rng.choice(CHAINS),
                 rng.choice(CATEGORIES), rng.choice(["tianhe", None]))
        for i in range(30)
    ]  # fmt: skip
    m = TfidfMatcher(max_df=0.5, max_df_floor=1, chain_groups=GROUPS, tokenizer=TOKENIZER)
    m.fit(docs)
    seg = m.segment(docs[10:])
    # The same rows as the base's, so the same answers over the same documents.
    assert (m.X_[10:] != seg.X_).nnz == 0
    for d in docs[:10]:
        assert (
            seg.rank(d, 5, kinds=BOTH)
            == [x for x in m.rank(d, 30, kinds=BOTH) if x.id in seg.position_][:5]
        )
    with pytest.raises(ValueError, match="unique"):
        m.segment([docs[0], docs[0]])
