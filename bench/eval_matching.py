"""Ranking quality of the matcher and two baselines on the judged seed pairs.

    .venv/bin/python bench/eval_matching.py                 # the table for bench/README.md
    .venv/bin/python bench/eval_matching.py --ablation      # what each part of the matcher does
    .venv/bin/python bench/eval_matching.py --split         # each pairs file on its own

Every judged challenge ranks all capabilities of the seed city; nDCG@10 (gain
2**grade - 1), MRR and recall@10 count grades 2 and 3 as relevant. Baselines,
on the same text (title, summary, description, keywords; never `confidential`):
character-bigram TF-IDF cosine (scikit-learn), and BM25 (rank_bm25 Okapi) over
the same word segmentation the matcher uses.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import matching  # noqa: E402
from matching import Doc, TfidfMatcher, evaluate, load_judgements  # noqa: E402

SEED = ROOT / "seed_data"


def read_jsonl(paths) -> list[dict]:
    return [
        json.loads(line)
        for p in paths
        for line in p.read_text("utf-8").splitlines()
        if line.strip()
    ]


def load_seed(seed: Path = SEED) -> tuple[list[Doc], dict, dict[str, str]]:
    """Docs (ids are listing refs), judgements, chain -> group."""
    enterprises = {
        e["credit_code"]: e for e in read_jsonl(sorted(seed.glob("enterprises/*.jsonl")))
    }
    docs = []
    for row in read_jsonl(sorted(seed.glob("listings/*.jsonl"))):
        ent = enterprises.get(row.get("enterprise"), {})
        docs.append(
            Doc(
                id=row["ref"],
                kind=row["kind"],
                title=row.get("title") or "",
                text="\n".join(x for x in (row.get("summary"), row.get("description")) if x),
                keywords=tuple(row.get("keywords") or ()),
                chain=row.get("chain"),
                category=row.get("category"),
                district=ent.get("district"),
                tier=ent.get("tier"),
            )
        )
    judged: dict = {}
    for path in sorted(seed.glob("matching/pairs*.jsonl")):
        for q, grades in load_judgements(path).items():
            judged.setdefault(q, {}).update(grades)
    groups = {}
    chains = seed / "taxonomies/chains.csv"
    if chains.exists():
        with chains.open(encoding="utf-8") as fh:
            groups = {r["code"]: r["group"] for r in csv.DictReader(fh)}
    return docs, judged, groups


def configure_tokenizer(seed: Path = SEED) -> None:
    user_dict = seed / "matching/industry_dict.txt"
    stopwords = seed / "matching/stopwords.txt"
    matching.configure(
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


def char_bigram_baseline(docs: list[Doc], queries) -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [matching.normalize(full_text(d)) for d in docs]
    X = TfidfVectorizer(analyzer="char", ngram_range=(2, 2)).fit_transform(texts)
    ch = np.array([d.kind == "challenge" for d in docs])
    return rank_by_matrix(docs, (X[ch] @ X[~ch].T).toarray(), queries)


def bm25_baseline(docs: list[Doc], queries) -> dict:
    from rank_bm25 import BM25Okapi

    tokens = [matching.segment(full_text(d)) or [""] for d in docs]
    ch = [i for i, d in enumerate(docs) if d.kind == "challenge"]
    cap = [i for i, d in enumerate(docs) if d.kind == "capability"]
    bm25 = BM25Okapi([tokens[i] for i in cap])
    scores = np.array([bm25.get_scores(tokens[i]) for i in ch])
    return rank_by_matrix(docs, scores, queries)


def matcher_rankings(docs: list[Doc], queries, **params) -> dict:
    m = TfidfMatcher(**params).fit(docs)
    pairs = m.top_pairs(10)
    return {q: [x.id for x in pairs.get(q, [])] for q in queries}


#: Variants for --ablation: what each part of the matcher adds (or costs).
ABLATION = {
    "matcher (defaults)": {},
    "no structured signals": dict(
        chain_weight=0, related_chain_weight=0, category_weight=0, district_weight=0, tier_weight=0
    ),
    "no category signal": dict(category_weight=0),
    "no chain signal": dict(chain_weight=0, related_chain_weight=0),
    "category_weight=0.6": dict(category_weight=0.6),
    "chain_weight=0.6": dict(chain_weight=0.6),
    "words only (ngram_weight=0)": dict(ngram_weight=0.0),
    "ngram_weight=0.3": dict(ngram_weight=0.3),
    "ngram_weight=1.0": dict(ngram_weight=1.0),
    "bigrams only (2, 2)": dict(ngram_range=(2, 2)),
    "no field weights": dict(title_weight=1, keyword_weight=1),
    "title/keywords x5": dict(title_weight=5, keyword_weight=5),
    "max_df=1.0 (no pruning)": dict(max_df=1.0),
    "max_df=0.05 without floor": dict(max_df=0.05, max_df_floor=1),
    "max_df=0.1 without floor": dict(max_df=0.1, max_df_floor=1),
    "chain_weight=0.5": dict(chain_weight=0.5),
    "chain_weight=0.5, category_weight=0.2": dict(chain_weight=0.5, category_weight=0.2),
}


def table(rows: list[tuple[str, dict]]) -> str:
    lines = [
        "| method | nDCG@10 | MRR | recall@10 | queries |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, r in rows:
        figures = f"{r['ndcg@10']:.3f} | {r['mrr']:.3f} | {r['recall@10']:.3f}"
        lines.append(f"| {name} | {figures} | {r['queries']} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=Path, default=SEED, help="seed_data folder")
    parser.add_argument("--ablation", action="store_true", help="also run matcher variants")
    parser.add_argument("--split", action="store_true", help="evaluate each pairs file apart")
    args = parser.parse_args(argv)

    configure_tokenizer(args.seed)
    docs, judged, groups = load_seed(args.seed)
    print(f"{len(docs)} listings, {len(judged)} judged challenges, "
          f"{sum(map(len, judged.values()))} judged pairs")  # fmt: skip
    sets = {"all pairs": judged}
    if args.split:
        for path in sorted(args.seed.glob("matching/pairs*.jsonl")):
            sets[path.name] = load_judgements(path)
    variants = ABLATION if args.ablation else {"matcher (defaults)": {}}
    for label, jset in sets.items():
        rows = [
            ("char-bigram TF-IDF cosine", evaluate(char_bigram_baseline(docs, jset), jset)),
            ("BM25 (rank_bm25, same words)", evaluate(bm25_baseline(docs, jset), jset)),
        ]
        for name, params in variants.items():
            got = matcher_rankings(docs, jset, chain_groups=groups, **params)
            rows.append((f"TfidfMatcher: {name}", evaluate(got, jset)))
        print(f"\n{label}\n")
        print(table(rows))


if __name__ == "__main__":
    main()
