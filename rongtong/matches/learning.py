"""Learning from use: what people did with matches, as training signal for the learned blend.

The platform records how pairs fared: a listing's owner marked a counterpart 不相关 (a miss);
an SME submitted a proposal (揭榜) on a challenge, it was shortlisted or accepted; a meeting
request at an event was accepted; a meeting was held and led to an intent (意向) or a
contract (合同). ``usage_judgements`` grades those as (challenge, capability) pairs, the
nightly job ``retrain_blend`` fits a :class:`matching.PairBlend` on them, and the guard keeps
the new model only if it is not worse than the current one on the judged sets (the seed's
pairs, set B): a model learned from a few clicks must never make matching worse for everyone.

The model lives at ``MATCHER_BLEND_PATH`` (JSON); without the file the matcher keeps its
hand-set blend. Each run writes what it did to ``blend-report.json`` beside it, which the
admin page (/admin/matcher) shows. The next index build (``rebuild_index``) uses the model.
"""

from __future__ import annotations

import importlib
import json
import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from matching import (
    DEFAULT_BANDS,
    Doc,
    PairBlend,
    evaluate_matcher,
    load_blend,
    training_pairs,
)
from matching import load_judged_set as read_judged_set

from ..core.time import utcnow
from ..extensions import db
from ..listings.models import Listing
from .models import MatchJudgement
from .services import blend_path, listing_doc, matchable_listings, new_matcher

#: Grades as in the judged sets: 3 solves the challenge, 2 strongly relevant, 1 partly, 0 not
#: a match. 不相关 is a 0; the other features grade their own evidence (SIGNALS).
GRADE_NOT_RELEVANT = 0
#: A candidate may fall short of the current model by this much and still count as level
#: (rounding of the figures), never more.
TOLERANCE = 1e-9
REPORT_NAME = "blend-report.json"


@dataclass
class UsageJudgements:
    """Graded pairs (challenge id -> capability id -> grade) and how many each source gave."""

    judged: dict[int, dict[int, int]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def grade(self, challenge: int, capability: int, grade: int, source: str) -> None:
        # The strongest evidence wins: an award outweighs an earlier 不相关 of the other side.
        row = self.judged.setdefault(challenge, {})
        row[capability] = max(row.get(capability, grade), grade)
        self.counts[source] += 1

    @property
    def positives(self) -> int:
        return sum(g >= 2 for row in self.judged.values() for g in row.values())


# --- the evidence --------------------------------------------------------------------------

#: Where the evidence comes from: functions returning (listings of one side, listings of the
#: other, grade, source name) tuples, each feature's beside itself, loaded by name when a run
#: starts (so that this module imports no feature that uses matches).
SIGNALS = [
    "rongtong.matches.learning:not_relevant_signals",
    "rongtong.proposals.learning:proposal_signals",
    "rongtong.events.learning:meeting_signals",
]


def not_relevant_signals() -> list[tuple[list, list, int, str]]:
    """Counterparts a listing's owner marked 不相关: misses."""
    rows = db.session.execute(
        db.select(MatchJudgement.listing_id, MatchJudgement.counterpart_id)
    ).all()
    ids = {i for row in rows for i in row}
    found = (
        {
            r.id: r
            for r in db.session.execute(db.select(Listing).where(Listing.id.in_(ids))).scalars()
        }
        if ids
        else {}
    )
    return [
        ([found[a]], [found[b]], GRADE_NOT_RELEVANT, "not_relevant")
        for a, b in rows
        if a in found and b in found
    ]


def _load(path: str):
    module, _sep, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


def _candidates(side_a, side_b) -> list[tuple[Listing, Listing]]:
    return [
        (ch, ca)
        for one, other in ((side_a, side_b), (side_b, side_a))
        for ch in one
        if ch.kind == "challenge"
        for ca in other
        if ca.kind == "capability"
    ]


def _best_pair(matcher, pairs) -> tuple[int, int] | None:
    """Of candidate (challenge, capability) pairs, the one whose texts have most in common."""
    if len(pairs) == 1:
        return pairs[0][0].id, pairs[0][1].id
    best, best_text = None, 0.0
    for ch, ca in pairs:
        text = matcher.explain(ch.id, ca.id, n_terms=1).text_score
        if text > best_text:
            best, best_text = (ch.id, ca.id), text
    return best


def usage_judgements(signals=None) -> tuple[UsageJudgements, object]:
    """What people did, as graded pairs, and the matcher fitted to grade them with (fitted on
    every published listing and every listing the evidence names, with the hand-set blend).

    A proposal or a meeting is between enterprises, not listings: it counts for the pair of
    their listings (a challenge of one, a capability of the other) whose texts have most in
    common.
    """
    evidence = [e for path in (SIGNALS if signals is None else signals) for e in _load(path)()]
    docs: dict[int, Doc] = {row.id: listing_doc(row) for row in matchable_listings()}
    for side_a, side_b, _grade, _source in evidence:
        for row in (*side_a, *side_b):
            if row.id not in docs:
                docs[row.id] = listing_doc(row)
    kinds = {d.kind for d in docs.values()}
    out = UsageJudgements()
    if kinds != {"challenge", "capability"}:
        return out, None
    matcher = new_matcher(blend=None).fit(list(docs.values()))
    for side_a, side_b, grade, source in evidence:
        pair = _best_pair(matcher, _candidates(side_a, side_b))
        if pair:
            out.grade(*pair, grade, source)
    return out, matcher


# --- the judged sets and the guard ---------------------------------------------------------


@dataclass(frozen=True)
class JudgedSet:
    name: str
    docs: tuple[Doc, ...]
    judged: dict


def _first(folder: Path, *patterns: str) -> list[Path]:
    for pattern in patterns:
        found = sorted(folder.glob(pattern))
        if found:
            return found
    return []


@cache
def load_judged_set(folder: str) -> JudgedSet | None:
    """A judged set in the seed's layout (listings/, enterprises/, matching/pairs*.jsonl) or
    set B's (listings.jsonl, enterprises.jsonl, pairs.jsonl); None if it has no pairs."""
    path = Path(folder)
    pairs = _first(path, "matching/pairs*.jsonl", "pairs.jsonl")
    listings = _first(path, "listings/*.jsonl", "listings.jsonl")
    if not pairs or not listings:
        return None
    docs, judged = read_judged_set(
        listings, _first(path, "enterprises/*.jsonl", "enterprises.jsonl"), pairs
    )
    name = path.name if path.name != "seed_data" else "seed (set A)"
    return JudgedSet(name, tuple(docs), judged)


def judged_sets() -> list[JudgedSet]:
    """The judged sets of ``MATCHER_JUDGED_SETS`` that exist."""
    found = []
    for folder in current_app.config["MATCHER_JUDGED_SETS"]:
        if folder and os.path.isdir(folder):
            judged = load_judged_set(os.path.abspath(folder))
            if judged is not None:
                found.append(judged)
    return found


def evaluate_blend(blend: PairBlend | None, sets: list[JudgedSet]) -> dict[str, dict]:
    """nDCG@10, MRR and recall@10 of the matcher with ``blend`` (None: hand-set) on each set."""
    return {
        s.name: {
            k: round(v, 4)
            for k, v in evaluate_matcher(new_matcher(blend=blend).fit(s.docs), s.judged).items()
        }
        for s in sets
    }


def not_worse(candidate: dict[str, dict], current: dict[str, dict]) -> bool:
    """Whether the candidate's nDCG@10 is at least the current model's on every judged set."""
    return bool(candidate) and all(
        candidate[name]["ndcg@10"] >= figures["ndcg@10"] - TOLERANCE
        for name, figures in current.items()
    )


def current_blend() -> PairBlend | None:
    """The model in use (the file), or None: the hand-set blend."""
    return load_blend(blend_path())


@dataclass
class TrainingRun:
    """What one run of ``retrain_blend`` did."""

    accepted: bool
    reason: str
    counts: dict[str, int]
    pairs: int
    candidate: dict[str, dict] | None
    #: The figures of the model in use before the run.
    previous: dict[str, dict]
    weights: dict[str, float] | None


def guarded_save(candidate: PairBlend, *, sets: list[JudgedSet] | None = None) -> TrainingRun:
    """Save ``candidate`` as the model in use if it is not worse on the judged sets."""
    sets = judged_sets() if sets is None else sets
    current = evaluate_blend(current_blend(), sets)
    figures = evaluate_blend(candidate, sets)
    if not sets:
        return TrainingRun(False, "no_judged_sets", {}, 0, figures, current, candidate.weights())
    if not not_worse(figures, current):
        return TrainingRun(False, "worse", {}, 0, figures, current, candidate.weights())
    candidate.save(_ready(blend_path()))
    return TrainingRun(True, "accepted", {}, 0, figures, current, candidate.weights())


def _ready(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def retrain_blend() -> TrainingRun:
    """The nightly job: fit a blend on what people did, keep it if the guard allows, report."""
    usage, matcher = usage_judgements()
    minimum = current_app.config["MATCHER_BLEND_MIN_POSITIVES"]
    X = y = w = None
    if matcher is not None and usage.positives >= minimum:
        X, y, w = training_pairs(matcher, usage.judged)
    if X is None or len(X) == 0 or not (y >= 2).any() or (y >= 2).all():
        run = TrainingRun(False, "too_little_use", dict(usage.counts), 0, None, {}, None)
    else:
        run = guarded_save(PairBlend().fit(X, y, w))
        run.counts, run.pairs = dict(usage.counts), len(X)
    write_report(run)
    current_app.logger.info("Matcher blend retrain: %s (%d pairs)", run.reason, run.pairs)
    return run


# --- what the admin page shows --------------------------------------------------------------

FEATURE_LABELS = {
    "text": _l("文本相似度"),
    "log_text": _l("文本相似度（对数）"),
    "same_chain": _l("同一产业链"),
    "related_chain": _l("相关产业链"),
    "category": _l("类别相符"),
    "same_district": _l("同一区域"),
    "tier": _l("能力方梯度"),
    "text_same_chain": _l("文本相似度 × 同一产业链"),
    "text_related_chain": _l("文本相似度 × 相关产业链"),
    "text_category": _l("文本相似度 × 类别相符"),
    "text_tier": _l("文本相似度 × 能力方梯度"),
}
#: The hand-set blend's parameters, by the feature each weighs.
HAND_SET = {
    "chain_weight": "same_chain",
    "related_chain_weight": "related_chain",
    "category_weight": "category",
    "district_weight": "same_district",
    "tier_weight": "tier",
}
SET_LABELS = {
    "seed (set A)": _l("A 集：种子数据（调参所用）"),
    "set-b": _l("B 集：留出数据（未调参）"),
}
RUN_RESULTS = {
    "accepted": _l("新模型已采用"),
    "worse": _l("新模型在评测集上更差，未采用"),
    "too_little_use": _l("使用数据不足，未训练"),
    "no_judged_sets": _l("没有评测集，未采用"),
}
SOURCE_LABELS = {
    "not_relevant": _l("标记为不相关"),
    "proposal": _l("提交或入围的揭榜方案"),
    "proposal_awarded": _l("揭榜定标"),
    "meeting_request": _l("接受的洽谈邀约"),
    "meeting_intent": _l("洽谈后达成意向"),
    "meeting_contract": _l("洽谈后签订合同"),
}


@dataclass
class Overview:
    """The admin page: the model in use, what it weighs, its figures, the last run."""

    learned: bool
    weights: list[tuple[str, float]]
    figures: list[tuple[str, dict]]
    trained_at: datetime | None
    report: dict | None
    bands: object


def overview() -> Overview:
    blend = current_blend()
    if blend is not None:
        weights = sorted(blend.weights().items(), key=lambda t: -abs(t[1]))
        bands = blend.bands_
    else:
        params = new_matcher(blend=None).get_params()
        weights = [(feature, float(params[name])) for name, feature in HAND_SET.items()]
        bands = DEFAULT_BANDS
    figures = evaluate_blend(blend, judged_sets())
    report = read_report()
    if report:
        report["run_at_dt"] = datetime.fromisoformat(report["run_at"])
    trained_at = None
    if blend is not None and report and report.get("trained_at"):
        trained_at = datetime.fromisoformat(report["trained_at"])  # naive UTC, as stored
    return Overview(
        learned=blend is not None,
        weights=[(str(FEATURE_LABELS.get(f, f)), w) for f, w in weights],
        figures=[(str(SET_LABELS.get(name, name)), f) for name, f in figures.items()],
        trained_at=trained_at,
        report=report,
        bands=bands,
    )


# --- the report the admin page reads --------------------------------------------------------


def report_path() -> Path:
    return blend_path().with_name(REPORT_NAME)


def write_report(run: TrainingRun) -> None:
    """The last run, and when the model in use was trained (kept from earlier runs)."""
    path = _ready(report_path())
    old = read_report() or {}
    now = utcnow().isoformat()
    report = {
        "run_at": now,
        "accepted": run.accepted,
        "reason": run.reason,
        "counts": run.counts,
        "pairs": run.pairs,
        "candidate": run.candidate,
        "previous": run.previous,
        "candidate_weights": run.weights,
        "trained_at": now if run.accepted else old.get("trained_at"),
    }
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(report, fh, ensure_ascii=False, indent=1)
    os.replace(tmp, path)


def read_report() -> dict | None:
    path = report_path()
    if not path.is_file():
        return None
    return json.loads(path.read_text("utf-8"))
