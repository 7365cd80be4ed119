"""Ranking quality: nDCG@k, MRR and recall@k over judged challenge → capability pairs.

Judged pairs are JSON lines ``{"challenge": ref, "capability": ref, "grade": 0..3}``
(3 solves the challenge, 2 strongly relevant, 1 partly, 0 judged and not a match).
Used by ``bench/eval_matching.py`` and the platform's ``match eval`` command.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from matching.matcher import Doc, TfidfMatcher

__all__ = [
    "evaluate",
    "evaluate_matcher",
    "load_judged_set",
    "load_judgements",
    "mrr",
    "ndcg_at_k",
    "recall_at_k",
]

Judgements = Mapping[Hashable, Mapping[Hashable, int]]


def _read_jsonl(paths: Iterable[str | os.PathLike[str]]) -> list[dict]:
    return [
        json.loads(line)
        for path in paths
        for line in Path(path).read_text("utf-8").splitlines()
        if line.strip()
    ]


def load_judged_set(
    listings: Iterable[str | os.PathLike[str]],
    enterprises: Iterable[str | os.PathLike[str]],
    pairs: Iterable[str | os.PathLike[str]],
) -> tuple[list[Doc], dict[Hashable, dict[Hashable, int]]]:
    """Docs (ids are listing refs, never the confidential text) and the judgements of a
    judged set in the import format: listings and enterprises as JSON lines, pairs as
    ``{"challenge", "capability", "grade"}`` lines."""
    from matching.matcher import Doc

    by_code = {e["credit_code"]: e for e in _read_jsonl(enterprises)}
    docs = []
    for row in _read_jsonl(listings):
        ent = by_code.get(row.get("enterprise"), {})
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
    judged: dict[Hashable, dict[Hashable, int]] = {}
    for path in pairs:
        for q, grades in load_judgements(path).items():
            judged.setdefault(q, {}).update(grades)
    return docs, judged


def load_judgements(
    source: str | os.PathLike[str] | Iterable[str] | Iterable[Mapping],
) -> dict[Hashable, dict[Hashable, int]]:
    """Judged pairs from a JSON-lines file, lines or dicts: challenge -> capability -> grade."""
    if isinstance(source, str | os.PathLike):
        source = Path(source).read_text(encoding="utf-8").splitlines()
    out: dict[Hashable, dict[Hashable, int]] = {}
    for n, item in enumerate(source, 1):
        if isinstance(item, str):
            if not item.strip():
                continue
            try:
                item = json.loads(item)
            except json.JSONDecodeError as exc:
                msg = f"line {n}: not JSON ({exc.msg})"
                raise ValueError(msg) from None
        try:
            grade = int(item["grade"])
            out.setdefault(item["challenge"], {})[item["capability"]] = grade
        except (KeyError, TypeError, ValueError):
            msg = f"line {n}: expected challenge, capability and an integer grade"
            raise ValueError(msg) from None
    return out


def ndcg_at_k(ranked: Sequence[Hashable], grades: Mapping[Hashable, int], k: int = 10) -> float:
    """nDCG@k with gain 2**grade - 1; unjudged results count as grade 0."""
    dcg = sum((2 ** grades.get(r, 0) - 1) / math.log2(i + 2) for i, r in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def mrr(ranked: Sequence[Hashable], grades: Mapping[Hashable, int], min_grade: int = 2) -> float:
    """Reciprocal rank of the first result graded ``min_grade`` or more (0 if none)."""
    for i, r in enumerate(ranked):
        if grades.get(r, 0) >= min_grade:
            return 1.0 / (i + 1)
    return 0.0


def recall_at_k(
    ranked: Sequence[Hashable], grades: Mapping[Hashable, int], k: int = 10, min_grade: int = 2
) -> float:
    """Share of the results graded ``min_grade`` or more that appear in the first k."""
    relevant = {r for r, g in grades.items() if g >= min_grade}
    if not relevant:
        return 0.0
    return len(relevant & set(ranked[:k])) / len(relevant)


def evaluate(
    rankings: Mapping[Hashable, Sequence[Hashable]],
    judgements: Judgements,
    k: int = 10,
    min_grade: int = 2,
) -> dict[str, float]:
    """Mean nDCG@k, MRR and recall@k over the judged queries that have a relevant result.

    A judged query missing from ``rankings`` counts as an empty ranking.
    """
    queries = [q for q, g in judgements.items() if any(v >= min_grade for v in g.values())]
    if not queries:
        return {f"ndcg@{k}": 0.0, "mrr": 0.0, f"recall@{k}": 0.0, "queries": 0}
    nd = rr = rc = 0.0
    for q in queries:
        ranked = list(rankings.get(q, ()))
        nd += ndcg_at_k(ranked, judgements[q], k)
        rr += mrr(ranked, judgements[q], min_grade)
        rc += recall_at_k(ranked, judgements[q], k, min_grade)
    n = len(queries)
    return {f"ndcg@{k}": nd / n, "mrr": rr / n, f"recall@{k}": rc / n, "queries": n}


def evaluate_matcher(
    matcher: TfidfMatcher, judgements: Judgements, k: int = 10, min_grade: int = 2
) -> dict[str, float]:
    """:func:`evaluate` on a fitted matcher whose document ids are the judged refs."""
    pairs = matcher.top_pairs(k)
    rankings = {q: [m.id for m in pairs.get(q, [])] for q in judgements}
    return evaluate(rankings, judgements, k, min_grade)
