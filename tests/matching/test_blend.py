"""The learned blend, its fallback, the score bands, and Rocchio feedback."""

import json
from pathlib import Path

import numpy as np
import pytest

from matching import Doc, TfidfMatcher, Tokenizer
from matching.blend import (
    BLEND_FEATURES,
    DEFAULT_BANDS,
    Bands,
    PairBlend,
    calibrate_bands,
    load_blend,
    training_pairs,
)

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seed_data"


def read_jsonl(paths):
    return [json.loads(x) for p in paths for x in p.read_text("utf-8").splitlines() if x.strip()]


@pytest.fixture(scope="module")
def seed():
    """Set A: the seed city's listings and judged pairs, with the seed's tokenizer."""
    firms = {e["credit_code"]: e for e in read_jsonl(sorted(SEED.glob("enterprises/*.jsonl")))}
    docs = []
    for row in read_jsonl(sorted(SEED.glob("listings/*.jsonl"))):
        firm = firms.get(row.get("enterprise"), {})
        docs.append(
            Doc(
                id=row["ref"],
                kind=row["kind"],
                title=row.get("title") or "",
                text="\n".join(x for x in (row.get("summary"), row.get("description")) if x),
                keywords=tuple(row.get("keywords") or ()),
                chain=row.get("chain"),
                category=row.get("category"),
                district=firm.get("district"),
                tier=firm.get("tier"),
            )
        )
    judged = {}
    for row in read_jsonl(sorted(SEED.glob("matching/pairs-*.jsonl"))):
        judged.setdefault(row["challenge"], {})[row["capability"]] = row["grade"]
    tokenizer = Tokenizer.from_files(
        SEED / "matching/industry_dict.txt", SEED / "matching/stopwords.txt"
    )
    plain = TfidfMatcher(tokenizer=tokenizer).fit(docs)
    blend = PairBlend().fit(*training_pairs(plain, judged))
    return docs, judged, tokenizer, plain, blend


def test_learned_blend_never_ranks_a_hard_negative_above_a_grade_3_pair(seed):
    docs, judged, tokenizer, _, blend = seed
    m = TfidfMatcher(tokenizer=tokenizer, blend=blend).fit(docs)
    checked = 0
    for challenge, grades in judged.items():
        best = [m.explain(challenge, c).score for c, g in grades.items() if g == 3]
        misses = [m.explain(challenge, c).score for c, g in grades.items() if g == 0]
        if best and misses:
            assert min(best) > max(misses), challenge
            checked += 1
    assert checked > 50


def test_learned_blend_changes_the_scores_and_its_weights_are_named(seed):
    docs, judged, tokenizer, plain, blend = seed
    m = TfidfMatcher(tokenizer=tokenizer, blend=blend).fit(docs)
    challenge = next(iter(judged))
    assert m.rank(docs[[d.id for d in docs].index(challenge)], 3)[0].score != pytest.approx(
        plain.rank(docs[[d.id for d in docs].index(challenge)], 3)[0].score
    )
    assert list(blend.weights()) == list(BLEND_FEATURES)
    assert m.bands_ == blend.bands_


def test_no_model_falls_back_to_the_hand_set_blend(tmp_path, seed):
    docs, _, tokenizer, plain, blend = seed
    assert load_blend(tmp_path / "missing.json") is None
    assert load_blend(None) is None
    m = TfidfMatcher(tokenizer=tokenizer, blend=load_blend(tmp_path / "missing.json")).fit(docs)
    assert m.bands_ == DEFAULT_BANDS
    doc = docs[0]
    assert [(x.id, x.score) for x in m.rank(doc, 5)] == [
        (x.id, x.score) for x in plain.rank(doc, 5)
    ]
    blend.save(tmp_path / "blend.json")
    again = load_blend(tmp_path / "blend.json")
    X = np.abs(np.random.default_rng(0).normal(size=(20, len(BLEND_FEATURES))))
    assert np.allclose(again.score(X), blend.score(X))


def test_matcher_with_blend_saves_and_loads(tmp_path, seed):
    docs, _, tokenizer, _, blend = seed
    m = TfidfMatcher(tokenizer=tokenizer, blend=blend).fit(docs)
    m.save(tmp_path / "m.npz")
    back = TfidfMatcher.load(tmp_path / "m.npz")
    assert back.rank(docs[0], 5) == m.rank(docs[0], 5)
    assert back.bands_ == m.bands_


def test_blend_needs_matches_and_misses():
    with pytest.raises(ValueError, match="both"):
        PairBlend().fit(np.ones((3, len(BLEND_FEATURES))), [0, 0, 1])


def test_bands_follow_the_precision_of_score_ranges():
    rng = np.random.default_rng(1)
    scores = rng.uniform(0, 1, 2000)
    relevant = rng.uniform(0, 1, 2000) < scores**2
    bands = calibrate_bands(scores, relevant)
    assert bands.floor <= bands.medium <= bands.strong
    assert bands.precision[0] >= 0.8 > bands.precision[2]
    assert bands.band(bands.strong) == "strong"
    assert bands.label(bands.medium, "zh") == "中"
    assert bands.band(bands.medium - 1e-6) == "weak"
    assert not bands.above_floor(bands.floor - 1e-6)
    assert Bands.from_dict(bands.as_dict()) == bands


def test_default_bands_are_the_seed_calibration(seed):
    """DEFAULT_BANDS must be what calibrate_bands gives on set A's top-10 scores."""
    _, judged, _, plain, _ = seed
    pairs = plain.top_pairs(10)
    scores = [x.score for q in judged for x in pairs.get(q, [])]
    rel = [judged[q].get(x.id, 0) >= 2 for q in judged for x in pairs.get(q, [])]
    got = calibrate_bands(scores, rel)
    assert (got.strong, got.medium, got.floor) == pytest.approx(
        (DEFAULT_BANDS.strong, DEFAULT_BANDS.medium, DEFAULT_BANDS.floor), abs=0.01
    )


def test_feedback_rank_agrees_with_top_pairs_and_survives_save(tmp_path, seed):
    docs, _, tokenizer, plain, _ = seed
    m = TfidfMatcher(tokenizer=tokenizer, feedback_weight=0.5).fit(docs)
    assert m.E_ is not m.X_ and plain.E_ is plain.X_
    pairs = m.top_pairs(5)
    m.save(tmp_path / "m.npz")
    back = TfidfMatcher.load(tmp_path / "m.npz")
    for doc in docs[::40]:
        got = [(x.id, x.score) for x in m.rank(doc, 5)]
        assert got == [(x.id, x.score) for x in pairs[doc.id]], doc.id
        assert [(x.id, x.score) for x in back.rank(doc, 5)] == got


def test_matcher_without_a_tokenizer_uses_the_builtin_one():
    """The tokenizer is passed in; without one the matcher knows no domain words."""
    from matching import builtin_tokenizer

    docs = [Doc("a", "challenge", "铝合金电池托盘"), Doc("b", "capability", "电池托盘")]
    m = TfidfMatcher().fit(docs)
    assert m.tokenizer_ is builtin_tokenizer()
    assert "电池托盘" not in m.word_index_
    own = TfidfMatcher(tokenizer=Tokenizer([("电池托盘", None)])).fit(docs)
    assert "电池托盘" in own.word_index_


def test_matching_names_no_platform():
    package = ROOT / "matching"
    for path in package.glob("*.py"):
        source = path.read_text("utf-8").lower()
        assert "rongtong" not in source, path.name
        assert "flask match" not in source and "import flask" not in source, path.name
