import itertools
import json
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from matching import Doc, FormatVersionError, Match, TfidfMatcher
from matching.matcher import FORMAT_VERSION
from matching.text import Tokenizer

from .reference import Reference

TOKENIZER = Tokenizer([("激光焊接", None), ("电池托盘", None), ("缺陷识别", None)])
WORDS = [
    "激光焊接", "电池托盘", "机器视觉", "视觉检测", "缺陷识别", "伺服电机", "储能系统", "锂电池",
    "工业软件", "数字孪生", "AGV", "小车", "焊缝", "检测", "的", "和", "PLC", "系统", "精度",
    "機器視覺", "ＡＧＶ", "，", "。", "welding", "robot",
]  # fmt: skip
CHAINS = ["auto", "robotics", "energy", "ai", None]
GROUPS = {"auto": "pillar", "robotics": "pillar", "energy": "leading", "ai": "leading"}
CATEGORIES = ["rnd", "project", "supply", "procurement", "scenario", "talent", "finance", None]


def make_doc(i, kind, words, chain=None, category=None, district=None, tier=None, title=""):
    return Doc(
        id=f"{'CH' if kind == 'challenge' else 'CA'}{i:03d}",
        kind=kind,
        title=title,
        text="".join(words),
        keywords=tuple(words[:1]),
        chain=chain,
        category=category,
        district=district,
        tier=tier,
    )


@st.composite
def corpora(draw, min_size=2, max_size=12):
    n = draw(st.integers(min_size, max_size))
    docs = []
    for i in range(n):
        words = draw(st.lists(st.sampled_from(WORDS), min_size=0, max_size=8))
        title = "".join(draw(st.lists(st.sampled_from(WORDS), max_size=2)))
        docs.append(
            make_doc(
                i,
                draw(st.sampled_from(["challenge", "capability"])),
                words,
                draw(st.sampled_from(CHAINS)),
                draw(st.sampled_from(CATEGORIES)),
                draw(st.sampled_from(["tianhe", "huangpu", None])),
                draw(st.sampled_from(["seed", "champion", "little_giant", None])),
                title,
            )
        )
    return docs


def assert_same_ranking(got: list[Match], want: list[tuple[float, str]]):
    """Equal scores position by position; ids equal except among near-ties."""
    assert len(got) == len(want), (got, want)
    for g, (s, _) in zip(got, want, strict=True):
        assert g.score == pytest.approx(s, abs=2e-5)
    cut = want[-1][0] if want else 0
    assert {g.id for g in got if g.score > cut + 4e-5} == {i for s, i in want if s > cut + 4e-5}
    exact = [i for s, i in want]
    # Where no two scores are close, the order (ties by id) is exactly the reference's.
    if all(abs(a[0] - b[0]) > 4e-5 or a[0] == b[0] for a, b in itertools.pairwise(want)):
        assert [g.id for g in got] == exact


PARAMS = st.fixed_dictionaries(
    {
        "max_df": st.sampled_from([1.0, 0.6, 3]),
        "max_df_floor": st.sampled_from([1, 4]),
        "ngram_range": st.sampled_from([(2, 2), (2, 3), (3, 3)]),
        "ngram_weight": st.sampled_from([0.0, 0.7, 1.0]),
        "chain_weight": st.sampled_from([0.0, 0.3]),
        "category_weight": st.sampled_from([0.0, 0.5]),
        "district_weight": st.sampled_from([0.0, 0.1]),
        "tier_weight": st.sampled_from([0.0, 0.1]),
    }
)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(docs=corpora(), params=PARAMS, k=st.integers(1, 5))
def test_top_pairs_matches_brute_force(docs, params, k):
    m = TfidfMatcher(**params, chain_groups=GROUPS, tokenizer=TOKENIZER).fit(docs)
    ref = Reference(m, docs, TOKENIZER)
    got = m.top_pairs(k)
    want = ref.top_pairs(k)
    assert set(got) == set(want)
    for doc_id in want:
        assert_same_ranking(got[doc_id], want[doc_id])


@FAST
@given(docs=corpora(), new=corpora(min_size=1, max_size=1), params=PARAMS, k=st.integers(1, 5))
def test_rank_new_doc_matches_brute_force(docs, new, params, k):
    m = TfidfMatcher(**params, chain_groups=GROUPS, tokenizer=TOKENIZER).fit(docs)
    ref = Reference(m, docs, TOKENIZER)
    doc = Doc(**{**new[0].__dict__, "id": "NEW"}) if hasattr(new[0], "__dict__") else new[0]
    assert_same_ranking(m.rank(doc, k), ref.rank(doc, k))
    both = ["challenge", "capability"]
    assert_same_ranking(m.rank(doc, k, kinds=both), ref.rank(doc, k, kinds=both))


@FAST
@given(docs=corpora(min_size=3), k=st.integers(1, 4))
def test_rank_of_a_fitted_doc_equals_its_top_pairs(docs, k):
    m = TfidfMatcher(max_df=1.0, tokenizer=TOKENIZER).fit(docs)
    pairs = m.top_pairs(k)
    for doc in docs:
        assert m.rank(doc, k) == pairs[doc.id]


def test_candidate_shortcut_keeps_top_pairs_exact_on_a_larger_corpus():
    rng = random.Random(3)
    docs = [
        make_doc(
            i,
            rng.choice(["challenge", "capability"]),
            rng.choices(WORDS, k=12),
            rng.choice(CHAINS),
            rng.choice(CATEGORIES),
        )
        for i in range(150)
    ]
    m = TfidfMatcher(max_df=0.5, max_df_floor=1, n_candidates=30, tokenizer=TOKENIZER).fit(docs)
    ref = Reference(m, docs, TOKENIZER)
    got, want = m.top_pairs(5), ref.top_pairs(5)
    hits = sum(len({g.id for g in got[d]} & {i for _, i in want[d]}) for d in want) / max(
        1, sum(len(w) for w in want.values())
    )
    assert hits >= 0.99


def test_estimator_rules():
    m = TfidfMatcher(chain_weight=0.5)
    assert m.get_params()["chain_weight"] == 0.5
    assert clone(m).get_params() == m.get_params()
    calls = [lambda: m.rank(Doc("x", "challenge", "a")), m.top_pairs, lambda: m.transform([])]
    for call in calls:
        with pytest.raises(NotFittedError):
            call()
    with pytest.raises(NotFittedError):
        m.explain("a", "b")
    before = set(vars(m))
    docs = [make_doc(0, "challenge", ["激光焊接"]), make_doc(1, "capability", ["激光焊接"])]
    assert m.fit(docs) is m
    learned = set(vars(m)) - before
    assert learned and all(a.endswith("_") for a in learned), learned


def test_traditional_full_width_and_case_meet():
    a = Doc("CH1", "challenge", "機器視覺缺陷識別 ＡＧＶ小車")
    b = Doc("CA1", "capability", "机器视觉缺陷识别 agv小车")
    m = TfidfMatcher(max_df=1.0, tokenizer=TOKENIZER).fit([a, b])
    assert m.explain(a, b).text_score == pytest.approx(1.0, abs=1e-5)


def test_ngrams_let_related_phrasings_meet():
    a = Doc("CH1", "challenge", "视觉检测")
    b = Doc("CA1", "capability", "机器视觉缺陷识别")
    c = Doc("CA2", "capability", "锂电池储能系统")
    m = TfidfMatcher(max_df=1.0, tokenizer=Tokenizer()).fit([a, b, c])
    assert [x.id for x in m.rank(a)] == ["CA1"]


def test_title_and_keywords_weigh_more_than_body():
    q = Doc("CH1", "challenge", "激光焊接", "需要激光焊接设备")
    in_title = Doc("CA1", "capability", "激光焊接", "我们做多种加工设备")
    in_body = Doc("CA2", "capability", "加工设备", "我们做多种加工，含激光焊接")
    m = TfidfMatcher(max_df=1.0, tokenizer=TOKENIZER).fit([q, in_title, in_body])
    assert [x.id for x in m.rank(q)] == ["CA1", "CA2"]


def test_category_chain_and_district_reorder_equal_text():
    q = Doc("CH1", "challenge", "伺服电机", category="procurement", chain="robotics")
    supply = Doc("CA2", "capability", "伺服电机", category="supply")
    rnd = Doc("CA1", "capability", "伺服电机", category="rnd")
    same_chain = Doc("CA3", "capability", "伺服电机", category="rnd", chain="robotics")
    m = TfidfMatcher(max_df=1.0, tokenizer=TOKENIZER).fit([q, rnd, supply, same_chain])
    got = m.rank(q)
    # Equal text: the same chain (0.5) beats a fitting category (0.3) beats neither.
    assert [x.id for x in got] == ["CA3", "CA2", "CA1"]
    assert got[0].score > got[1].score > got[2].score
    assert [r.code for r in got[0].reasons] == ["same_chain", "category_mismatch"]
    assert [r.code for r in got[1].reasons] == ["compatible_category"]
    tied = TfidfMatcher(max_df=1.0, chain_weight=0.3, tokenizer=TOKENIZER)
    got = tied.fit([q, rnd, supply, same_chain]).rank(q)
    # Now both weigh 0.3: equal scores, ties broken by id.
    assert [x.id for x in got] == ["CA2", "CA3", "CA1"] and got[0].score == got[1].score
    assert all(0 <= x.score <= 1 for x in got)


def test_ties_are_broken_by_id_whatever_the_fit_order():
    docs = [Doc(f"CA{i}", "capability", "伺服电机") for i in (5, 1, 3)]
    docs.append(Doc("CH0", "challenge", "伺服电机"))
    m1 = TfidfMatcher(max_df=1.0, tokenizer=TOKENIZER).fit(docs)
    m2 = TfidfMatcher(max_df=1.0, tokenizer=TOKENIZER).fit(docs[::-1])
    assert [x.id for x in m1.rank(docs[-1])] == ["CA1", "CA3", "CA5"]
    assert m1.top_pairs() == m2.top_pairs()


def test_explanation_terms_weights_and_reasons():
    a = Doc("CH1", "challenge", "电池托盘激光焊接", "铝合金电池托盘", chain="auto",
            category="procurement", district="huangpu")  # fmt: skip
    b = Doc("CA1", "capability", "激光焊接服务", "电池托盘激光焊接", chain="auto",
            category="supply", district="huangpu", tier="champion")  # fmt: skip
    c = Doc("CA2", "capability", "工业软件", "数字孪生")
    m = TfidfMatcher(max_df=1.0, tokenizer=TOKENIZER).fit([a, b, c])
    e = m.explain("CH1", "CA1")
    terms = [t.term for t in e.terms]
    assert "激光焊接" in terms and "电池托盘" in terms
    # N-grams that lie across two words (托盘激光) count in the score but are no term.
    assert 0.5 * e.text_score < sum(t.weight for t in e.terms) <= e.text_score + 1e-6
    assert e.score == m.rank(a)[0].score
    codes = [r.code for r in e.reasons]
    assert codes[0] == "shared_terms"
    assert {"same_chain", "compatible_category", "same_district", "proven_supplier"} <= set(codes)
    for r in e.reasons:
        assert r.zh and r.en and r.code.isidentifier()
    assert "激光焊接" in e.summary("zh") and "Shared terms" in e.summary("en")
    # A new document explains the same way as its fitted copy.
    assert m.explain(a, b).score == e.score
    nothing = m.explain("CH1", "CA2")
    assert nothing.score == 0 and nothing.terms == ()
    assert nothing.reasons[0].code == "no_shared_terms"
    with pytest.raises(KeyError):
        m.explain("CH1", "missing")


def test_save_load_round_trip(tmp_path: Path):
    rng = random.Random(1)
    docs = [
        make_doc(i, rng.choice(["challenge", "capability"]), rng.choices(WORDS, k=6),
                 rng.choice(CHAINS), rng.choice(CATEGORIES), "tianhe", rng.choice([None, "seed"]))
        for i in range(30)
    ]  # fmt: skip
    m = TfidfMatcher(max_df=0.5, max_df_floor=1, chain_groups=GROUPS, tokenizer=TOKENIZER).fit(docs)
    path = tmp_path / "matcher.npz"
    m.save(path)
    again = TfidfMatcher.load(path)
    assert again.get_params(deep=False) | {"tokenizer": None} == m.get_params(deep=False) | {
        "tokenizer": None
    }
    assert again.top_pairs(5) == m.top_pairs(5)
    new = Doc("NEW", "challenge", "激光焊接电池托盘检测", chain="auto")
    assert again.rank(new) == m.rank(new)
    assert again.explain(docs[0].id, docs[1].id) == m.explain(docs[0].id, docs[1].id)
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_load_rejects_another_format_version(tmp_path: Path):
    m = TfidfMatcher(max_df=1.0).fit([Doc("a", "challenge", "激光焊接")])
    path = tmp_path / "matcher.npz"
    m.save(path)
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    meta = json.loads(str(arrays["meta"]))
    meta["version"] = FORMAT_VERSION + 1
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)
    with pytest.raises(
        FormatVersionError, match=f"version {FORMAT_VERSION + 1}.*version {FORMAT_VERSION}"
    ):
        TfidfMatcher.load(path)
    np.savez(path, something=np.zeros(1))
    with pytest.raises(ValueError, match="not a saved matcher"):
        TfidfMatcher.load(path)


def test_empty_corpus_and_empty_docs():
    m = TfidfMatcher().fit([])
    assert m.top_pairs() == {}
    assert m.rank(Doc("x", "challenge", "激光焊接")) == []
    docs = [
        Doc("CH1", "challenge", ""),
        Doc("CA1", "capability", "，。！"),
        Doc("CA2", "capability", "的"),
    ]
    m = TfidfMatcher(max_df=1.0).fit(docs)
    assert m.top_pairs() == {"CH1": [], "CA1": [], "CA2": []}
    assert m.rank(Doc("x", "challenge", "")) == []
    assert m.rank(docs[0], k=0) == []


def test_one_word_very_long_and_non_chinese_input():
    long_text = "我们提供激光焊接与机器视觉检测服务，" * 5000
    docs = [
        Doc("CH1", "challenge", "焊"),
        Doc("CA1", "capability", "焊", "焊"),
        Doc("CH2", "challenge", "Laser welding robot for battery trays"),
        Doc("CA2", "capability", "Battery tray welding", "robot cells, laser welding"),
        Doc("CA3", "capability", "激光焊接", long_text),
        Doc("CH3", "challenge", "😀 ☃ \x00 ∑", "emoji and symbols only 😀"),
    ]
    m = TfidfMatcher(max_df=1.0).fit(docs)
    assert m.rank(docs[0])[0].id == "CA1"
    assert m.rank(docs[2])[0].id == "CA2"
    assert all(
        0 <= x.score <= 1 for x in m.rank(Doc("q", "challenge", "激光焊接 机器视觉", long_text))
    )
    assert m.rank(docs[-1]) == []


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="kind"):
        Doc("x", "offer", "t")
    assert Doc("x", "challenge", "t", keywords="激光").keywords == ("激光",)
    with pytest.raises(ValueError, match="unique"):
        TfidfMatcher().fit([Doc("x", "challenge", "a"), Doc("x", "capability", "b")])
    with pytest.raises(ValueError, match="ngram_range"):
        TfidfMatcher(ngram_range=(1, 2)).fit([])
    m = TfidfMatcher().fit([Doc("x", "challenge", "a")])
    with pytest.raises(ValueError, match="kinds"):
        m.rank(Doc("y", "challenge", "a"), kinds=["offer"])


def test_refit_forgets_the_previous_vocabulary_in_explanations():
    from matching import Doc, TfidfMatcher

    first = [
        Doc(id=1, kind="challenge", title="激光焊接变形控制"),
        Doc(id=2, kind="capability", title="激光焊接工艺开发"),
    ]
    second = [
        Doc(id=1, kind="challenge", title="发酵罐清洗验证"),
        Doc(id=2, kind="capability", title="发酵罐在线清洗"),
    ]
    matcher = TfidfMatcher().fit(first)
    assert any("焊接" in t.term for t in matcher.explain(1, 2).terms)
    matcher.fit(second)
    terms = [t.term for t in matcher.explain(1, 2).terms]
    assert terms and all("焊接" not in t for t in terms)
    assert any("发酵" in t or "清洗" in t for t in terms)
