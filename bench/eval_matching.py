"""Ranking quality of the matcher and two baselines on judged pairs: set A (tuned on), set B.

    .venv/bin/python bench/eval_matching.py                 # the table for bench/README.md
    .venv/bin/python bench/eval_matching.py --ablation      # what each part of the matcher does
    .venv/bin/python bench/eval_matching.py --train-blend bench/eval/blend-a.json
    .venv/bin/python bench/eval_matching.py --bands         # precision of score ranges

Set A is the seed city (``seed_data/``: listings and ``matching/pairs-*.jsonl``); every
default and the learned blend are tuned on it alone. Set B (``bench/eval/set-b/``) is a
held-out city written and judged blind; it is only ever evaluated. In each set every
judged challenge ranks all capabilities of that set; nDCG@10 (gain 2**grade - 1), MRR and
recall@10 count grades 2 and 3 as relevant. Baselines, on the same text (title, summary,
description, keywords; never `confidential`): character-bigram TF-IDF cosine
(scikit-learn), and BM25 (bm25s, Okapi k1 1.5 b 0.75) over the matcher's word segmentation.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import matching  # noqa: E402
from matching import (  # noqa: E402
    Doc,
    TfidfMatcher,
    Tokenizer,
    evaluate,
    load_judged_set,
)
from matching.blend import PairBlend, calibrate_bands, training_pairs  # noqa: E402

SEED = ROOT / "seed_data"


SET_B = ROOT / "bench/eval/set-b"


def load_set(
    listings: list[Path], enterprises: list[Path], pairs: list[Path]
) -> tuple[list[Doc], dict]:
    """Docs (ids are listing refs) and judgements of one judged set."""
    return load_judged_set(listings, enterprises, pairs)


def load_seed(seed: Path = SEED) -> tuple[list[Doc], dict, dict[str, str]]:
    """Set A: docs, judgements, chain -> group."""
    docs, judged = load_set(
        sorted(seed.glob("listings/*.jsonl")),
        sorted(seed.glob("enterprises/*.jsonl")),
        sorted(seed.glob("matching/pairs*.jsonl")),
    )
    return docs, judged, chain_groups(seed)


def load_set_b(folder: Path = SET_B) -> tuple[list[Doc], dict]:
    """Set B, the held-out city."""
    return load_set(
        [folder / "listings.jsonl"], [folder / "enterprises.jsonl"], [folder / "pairs.jsonl"]
    )


def chain_groups(seed: Path = SEED) -> dict[str, str]:
    groups = {}
    chains = seed / "taxonomies/chains.csv"
    if chains.exists():
        with chains.open(encoding="utf-8") as fh:
            groups = {r["code"]: r["group"] for r in csv.DictReader(fh)}
    return groups


def seed_tokenizer(seed: Path = SEED) -> Tokenizer:
    """The tokenizer the platform builds: the seed's domain dictionary and stop words."""
    user_dict = seed / "matching/industry_dict.txt"
    stopwords = seed / "matching/stopwords.txt"
    return Tokenizer.from_files(
        user_dict if user_dict.exists() else None, stopwords if stopwords.exists() else None
    )


def full_text(d: Doc) -> str:
    return "\n".join([d.title, " ".join(d.keywords), d.text])


def rank_by_matrix(docs: list[Doc], scores: np.ndarray, queries, k: int = 10) -> dict:
    """Rankings of capabilities for each query from a (challenges × capabilities) score matrix."""
    caps = [d.id for d in docs if d.kind == "capability"]
    chs = {d.id: i for i, d in enumerate(d for d in docs if d.kind == "challenge")}
    out = {}
    for q in queries:
        if q in chs:
            row = scores[chs[q]]
            order = np.lexsort((np.array(caps), -row))[:k]
            out[q] = [caps[j] for j in order if row[j] > 0]
    return out


def char_bigram_baseline(docs: list[Doc], queries, k: int = 10) -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [matching.normalize(full_text(d)) for d in docs]
    X = TfidfVectorizer(analyzer="char", ngram_range=(2, 2)).fit_transform(texts)
    caps = np.array([i for i, d in enumerate(docs) if d.kind == "capability"])
    cap_ids = np.array([docs[i].id for i in caps])
    pos = {d.id: i for i, d in enumerate(docs) if d.kind == "challenge"}
    rows = [pos[q] for q in queries if q in pos]
    scores = (X[rows] @ X[caps].T).toarray()
    out = {}
    for r, row in zip(rows, scores, strict=True):
        order = np.lexsort((cap_ids, -row))[:k]
        out[docs[r].id] = [cap_ids[j] for j in order if row[j] > 0]
    return out


def bm25_baseline(docs: list[Doc], queries, tokenizer: Tokenizer) -> dict:
    import bm25s

    tokens = [tokenizer.segment(full_text(d)) or [""] for d in docs]
    ch = [i for i, d in enumerate(docs) if d.kind == "challenge"]
    cap = [i for i, d in enumerate(docs) if d.kind == "capability"]
    bm25 = bm25s.BM25(k1=1.5, b=0.75, method="robertson")
    bm25.index([tokens[i] for i in cap], show_progress=False)
    scores = np.array([bm25.get_scores(tokens[i]) for i in ch])
    return rank_by_matrix(docs, scores, queries)


def matcher_rankings(docs: list[Doc], queries, **params) -> dict:
    m = TfidfMatcher(**params).fit(docs)
    pairs = m.top_pairs(10)
    return {q: [x.id for x in pairs.get(q, [])] for q in queries}


def train_blend(tokenizer: Tokenizer, seed: Path = SEED, **params) -> PairBlend:
    """The learned blend, trained on set A only."""
    docs, judged, groups = load_seed(seed)
    m = TfidfMatcher(chain_groups=groups, tokenizer=tokenizer, **params).fit(docs)
    return PairBlend().fit(*training_pairs(m, judged))


#: Variants for --ablation: what each part of the matcher adds (or costs).
ABLATION = {
    "matcher (defaults)": {},
    "feedback_weight=0.3": dict(feedback_weight=0.3),
    "feedback_weight=0.5": dict(feedback_weight=0.5),
    "feedback_weight=1.0": dict(feedback_weight=1.0),
    "feedback_weight=0.5, feedback_docs=10": dict(feedback_weight=0.5, feedback_docs=10),
    "no structured signals": dict(
        chain_weight=0, related_chain_weight=0, category_weight=0, district_weight=0, tier_weight=0
    ),
    "no category signal": dict(category_weight=0),
    "no chain signal": dict(chain_weight=0, related_chain_weight=0),
    "words only (ngram_weight=0)": dict(ngram_weight=0.0),
    "ngram_weight=0.3": dict(ngram_weight=0.3),
    "bigrams only (2, 2)": dict(ngram_range=(2, 2)),
    "no field weights": dict(title_weight=1, keyword_weight=1),
    "max_df=1.0 (no pruning)": dict(max_df=1.0),
}


def table(rows: list[tuple[str, dict]], base: dict | None = None) -> str:
    lines = [
        "| method | nDCG@10 | MRR | recall@10 | error cut vs bigram | queries |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in rows:
        figures = f"{r['ndcg@10']:.3f} | {r['mrr']:.3f} | {r['recall@10']:.3f}"
        cut = ""
        if base is not None and base["ndcg@10"] < 1:
            cut = f"{1 - (1 - r['ndcg@10']) / (1 - base['ndcg@10']):+.0%}"
        lines.append(f"| {name} | {figures} | {cut} | {r['queries']} |")
    return "\n".join(lines)


def evaluate_set(docs, judged, tokenizer, groups, variants, blend=None) -> list:
    base = evaluate(char_bigram_baseline(docs, judged), judged)
    rows = [
        ("char-bigram TF-IDF cosine", base),
        (
            "BM25 (bm25s, the matcher's words)",
            evaluate(bm25_baseline(docs, judged, tokenizer), judged),
        ),
    ]
    for name, params in variants.items():
        got = matcher_rankings(docs, judged, chain_groups=groups, tokenizer=tokenizer, **params)
        rows.append((f"TfidfMatcher: {name}", evaluate(got, judged)))
    if blend is not None:
        got = matcher_rankings(docs, judged, chain_groups=groups, tokenizer=tokenizer, blend=blend)
        rows.append(("TfidfMatcher + learned blend (trained on A)", evaluate(got, judged)))
    return rows, base


def band_report(docs, judged, tokenizer, groups, **params) -> None:
    """Precision (grade >= 2) of the matcher's top-10 scores by range, and the calibrated bands."""
    m = TfidfMatcher(chain_groups=groups, tokenizer=tokenizer, **params).fit(docs)
    pairs = m.top_pairs(10)
    scores, rel = [], []
    for q, grades in judged.items():
        for x in pairs.get(q, []):
            scores.append(x.score)
            rel.append(grades.get(x.id, 0) >= 2)
    scores, rel = np.array(scores), np.array(rel)
    for lo, hi in (
        (0, 0.05),
        (0.05, 0.1),
        (0.1, 0.15),
        (0.15, 0.2),
        (0.2, 0.3),
        (0.3, 0.5),
        (0.5, 1.01),
    ):
        inside = (scores >= lo) & (scores < hi)
        if inside.any():
            print(
                f"  score [{lo:.2f}, {hi:.2f}): {inside.sum():4d} pairs, "
                f"precision {rel[inside].mean():.2f}"
            )
    print("  calibrated:", calibrate_bands(scores, rel))


def scale_report(
    docs: list[Doc], judged: dict, tokenizer: Tokenizer, groups: dict, n: int, baseline_rows: int
) -> None:
    """The judged set inside ``n`` generated listings: quality with and without pruning, speed."""
    import time

    from bench_matching import make_corpus
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sparse_dot_topn import sp_matmul_topn

    corpus = [*docs, *make_corpus(n - len(docs), seed=7)]
    print(f"\n{len(corpus)} listings ({len(docs)} judged-set listings + generated)\n")
    base = evaluate(char_bigram_baseline(corpus, judged), judged)
    rows = [("char-bigram TF-IDF cosine", base)]
    by_id = {d.id: d for d in corpus}
    timings = {}
    for label, params in (("pruned (defaults)", {}), ("no pruning (max_df=1.0)", {"max_df": 1.0})):
        start = time.perf_counter()
        m = TfidfMatcher(chain_groups=groups, tokenizer=tokenizer, **params).fit(corpus)
        fitted = time.perf_counter()
        got = {q: [x.id for x in m.rank(by_id[q], 10)] for q in judged if q in by_id}
        rows.append((f"TfidfMatcher {label}, {m.n_dropped_features_} features dropped",
                     evaluate(got, judged)))  # fmt: skip
        if not params:
            start_pairs = time.perf_counter()
            m.top_pairs_arrays(10)
            timings["matcher all-pairs top-10"] = time.perf_counter() - start_pairs
            timings["matcher fit"] = fitted - start
        del m
    print(table(rows, base))
    texts = [matching.normalize(full_text(d)) for d in corpus]
    V = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), dtype=np.float32).fit_transform(texts)
    VT = V.T.tocsr()
    start = time.perf_counter()
    sp_matmul_topn(V[:baseline_rows], VT, top_n=10, n_threads=2)
    per_row = (time.perf_counter() - start) / baseline_rows
    timings["sparse_dot_topn char 1-2-gram all x all (from rows measured)"] = per_row * len(corpus)
    for name, t in timings.items():
        print(f"{name}: {t:.1f} s")
    ratio = (
        timings["sparse_dot_topn char 1-2-gram all x all (from rows measured)"]
        / timings["matcher all-pairs top-10"]
    )
    print(f"all-pairs speed-up over sparse_dot_topn char 1-2-gram: {ratio:.1f}x")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=Path, default=SEED, help="seed_data folder (set A)")
    parser.add_argument("--set-b", type=Path, default=SET_B, help="held-out set folder")
    parser.add_argument("--ablation", action="store_true", help="also run matcher variants")
    parser.add_argument("--train-blend", type=Path, help="train the blend on A, write it here")
    parser.add_argument("--bands", action="store_true", help="precision of score ranges")
    parser.add_argument("--scale", type=int, help="also: each set inside this many listings")
    parser.add_argument("--baseline-rows", type=int, default=5000, help="rows timed at --scale")
    args = parser.parse_args(argv)

    tokenizer = seed_tokenizer(args.seed)
    docs_a, judged_a, groups = load_seed(args.seed)
    blend = train_blend(tokenizer, args.seed)
    print("learned blend (trained on A), weights per std:", blend.weights())
    if args.train_blend:
        blend.save(args.train_blend)
    sets = {"set A (seed; tuned on)": (docs_a, judged_a)}
    if (args.set_b / "pairs.jsonl").exists():
        sets["set B (held out; validation only)"] = load_set_b(args.set_b)
    variants = (
        ABLATION
        if args.ablation
        else {
            "defaults": {},
            "+ Rocchio feedback (0.5, 5 docs)": dict(feedback_weight=0.5),
        }
    )
    for label, (docs, judged) in sets.items():
        print(f"\n{label}: {len(docs)} listings, {len(judged)} judged challenges, "
              f"{sum(map(len, judged.values()))} judged pairs\n")  # fmt: skip
        rows, base = evaluate_set(docs, judged, tokenizer, groups, variants, blend)
        print(table(rows, base))
        if args.scale:
            scale_report(docs, judged, tokenizer, groups, args.scale, args.baseline_rows)
        if args.bands:
            print("\nbands, hand-set blend:")
            band_report(docs, judged, tokenizer, groups)
            print("bands, learned blend:")
            band_report(docs, judged, tokenizer, groups, blend=blend)


if __name__ == "__main__":
    main()
