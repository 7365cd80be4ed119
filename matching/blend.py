"""A learned blend of pair features, and the score bands shown to people.

:class:`PairBlend` is a logistic regression over the features of a (challenge,
capability) pair that :class:`~matching.matcher.TfidfMatcher` computes for every
candidate: the text cosine (and its log), and the structured signals alone and
times the text. It is trained on judged pairs (grade 2 or 3 is a
match), stored as a small JSON file (no pickle) and passed to the matcher
(``TfidfMatcher(blend=PairBlend.load(path))``). Without one the matcher keeps
its hand-set blend.

:class:`Bands` turns a score into 强 / 中 / 弱 from the precision that score
ranges had on judged pairs (:func:`calibrate_bands`); scores under its floor are
the weak matches a page should hide or fold away.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "BLEND_FEATURES",
    "DEFAULT_BANDS",
    "Bands",
    "PairBlend",
    "calibrate_bands",
    "load_blend",
    "training_pairs",
]

#: The pair features, in the order :meth:`PairBlend.score` reads them.
BLEND_FEATURES: tuple[str, ...] = (
    "text",
    "log_text",
    "same_chain",
    "related_chain",
    "category",
    "same_district",
    "tier",
    "text_same_chain",
    "text_related_chain",
    "text_category",
    "text_tier",
)

_BLEND_FORMAT = "matching.PairBlend"


def pair_features(text: np.ndarray, sig: Mapping[str, np.ndarray]) -> np.ndarray:
    """The :data:`BLEND_FEATURES` of pairs as a float64 matrix (one row a pair)."""
    text = np.asarray(text, dtype=np.float64)
    cols = {
        "text": text,
        # The hand-set blend multiplies text by a boost: in log space that is a sum.
        "log_text": np.log(text + 0.01),
        "same_chain": sig["same_chain"].astype(np.float64),
        "related_chain": sig["related_chain"].astype(np.float64),
        "category": sig["category"].astype(np.float64),
        "same_district": sig["same_district"].astype(np.float64),
        "tier": sig["tier"].astype(np.float64),
    }
    for name in ("same_chain", "related_chain", "category", "tier"):
        cols[f"text_{name}"] = text * cols[name]
    return np.column_stack([cols[f] for f in BLEND_FEATURES])


@dataclass(frozen=True, slots=True)
class Bands:
    """Score thresholds: ``score >= strong`` is 强, ``>= medium`` 中, the rest 弱.

    ``floor`` is the score under which a match is too weak to offer (event
    invitations stop there; lists fold such matches under "更多弱相关").
    ``precision`` holds the judged precision each band had when calibrated.
    """

    strong: float
    medium: float
    floor: float
    precision: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def band(self, score: float) -> str:
        """``"strong"``, ``"medium"`` or ``"weak"``."""
        if score >= self.strong:
            return "strong"
        if score >= self.medium:
            return "medium"
        return "weak"

    def label(self, score: float, lang: str = "zh") -> str:
        """强 / 中 / 弱 (or strong / medium / weak in English)."""
        band = self.band(score)
        if lang == "en":
            return band
        return {"strong": "强", "medium": "中", "weak": "弱"}[band]

    def above_floor(self, score: float) -> bool:
        """Whether the match is worth offering at all."""
        return score >= self.floor

    def as_dict(self) -> dict[str, float | list[float]]:
        return {
            "strong": self.strong,
            "medium": self.medium,
            "floor": self.floor,
            "precision": list(self.precision),
        }

    @classmethod
    def from_dict(cls, d: Mapping) -> Bands:
        return cls(
            float(d["strong"]),
            float(d["medium"]),
            float(d["floor"]),
            tuple(float(x) for x in d.get("precision", (0.0, 0.0, 0.0))),
        )


#: Bands of the hand-set blend (no learned model), from the precision of its top-10
#: scores on the seed's judged pairs, unjudged results counted as misses
#: (``bench/eval_matching.py --bands``, :func:`calibrate_bands`): 强 at 0.24 and up was
#: 98 % relevant, 中 [0.15, 0.24) 70 %, 弱 above the floor [0.1, 0.15) 31 %, under 0.1 6 %.
DEFAULT_BANDS = Bands(strong=0.24, medium=0.15, floor=0.1, precision=(0.98, 0.70, 0.31))


def calibrate_bands(
    scores: Sequence[float],
    relevant: Sequence[bool],
    *,
    strong_precision: float = 0.8,
    medium_precision: float = 0.5,
    floor_precision: float = 0.2,
) -> Bands:
    """Thresholds from the judged precision of score ranges.

    Pairs are sorted by score and their precision taken over a sliding window of
    neighbouring scores; each threshold is the lowest score down to which that local
    precision stays at or above its level (``strong_precision`` for 强,
    ``medium_precision`` for 中, ``floor_precision`` for the floor).
    """
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(relevant, dtype=bool)
    if len(s) == 0:
        msg = "calibrate_bands needs scored pairs"
        raise ValueError(msg)
    order = np.argsort(-s, kind="stable")
    s, y = s[order], y[order]
    window = max(5, min(50, len(s) // 20))
    kernel = np.ones(window)
    # Divided by the window's real length: at both ends it holds fewer pairs.
    local = np.convolve(y.astype(np.float64), kernel, mode="same") / np.convolve(
        np.ones(len(y)), kernel, mode="same"
    )

    def lowest_at(level: float, upper: float) -> float:
        below = np.flatnonzero(local < level)
        # The first range (from the top) whose precision falls under the level ends it.
        cut = below[0] if len(below) else len(s)
        return min(float(s[cut - 1]) if cut > 0 else float(s[0]) + 1e-6, upper)

    strong = lowest_at(strong_precision, np.inf)
    medium = lowest_at(medium_precision, strong)
    floor = lowest_at(floor_precision, medium)

    def precision(lo: float, hi: float) -> float:
        inside = (s >= lo) & (s < hi)
        return round(float(y[inside].mean()), 3) if inside.any() else 0.0

    return Bands(
        round(strong, 6),
        round(medium, 6),
        round(floor, 6),
        (precision(strong, np.inf), precision(medium, strong), precision(floor, medium)),
    )


class PairBlend:
    """Logistic regression over :data:`BLEND_FEATURES`; the score is P(match).

    Parameters: ``C`` (inverse regularisation), ``class_weight`` as scikit-learn
    takes it. Learned: ``coef_``, ``intercept_``, ``mean_``/``scale_`` (the
    standardisation) and ``bands_`` (from the training pairs' scores).
    """

    def __init__(self, *, C: float = 1.0, class_weight: str | None = "balanced") -> None:
        self.C = C
        self.class_weight = class_weight

    def fit(
        self,
        X: np.ndarray,
        grades: Sequence[int],
        sample_weight: Sequence[float] | None = None,
    ) -> PairBlend:
        """Learn from pair features and grades (0..3; 2 and 3 are matches); returns ``self``."""
        from sklearn.linear_model import LogisticRegression

        X = np.asarray(X, dtype=np.float64)
        g = np.asarray(grades)
        if X.ndim != 2 or X.shape[1] != len(BLEND_FEATURES):
            msg = f"X must have {len(BLEND_FEATURES)} columns ({', '.join(BLEND_FEATURES)})"
            raise ValueError(msg)
        y = g >= 2
        if y.all() or not y.any():
            msg = "PairBlend.fit needs both matches (grade >= 2) and misses"
            raise ValueError(msg)
        self.mean_ = X.mean(axis=0)
        scale = X.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        # A grade-3 pair weighs more than a grade-2 one: it is the one to put first.
        w = np.where(g >= 3, 2.0, 1.0)
        if sample_weight is not None:
            w = w * np.asarray(sample_weight, dtype=np.float64)
        model = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=1000)
        model.fit((X - self.mean_) / self.scale_, y, sample_weight=w)
        self.coef_ = model.coef_.ravel().astype(np.float64)
        self.intercept_ = float(model.intercept_[0])
        self.bands_ = calibrate_bands(self.score(X), y)
        return self

    def score(self, X: np.ndarray) -> np.ndarray:
        """P(match) of each row of pair features; a pair without shared text scores 0."""
        X = np.asarray(X, dtype=np.float64)
        z = ((X - self.mean_) / self.scale_) @ self.coef_ + self.intercept_
        p = 1.0 / (1.0 + np.exp(-z))
        return np.where(X[:, 0] > 0, p, 0.0)

    def weights(self) -> dict[str, float]:
        """The learned weight of each feature, per standard deviation (for an admin page)."""
        return {f: round(float(c), 4) for f, c in zip(BLEND_FEATURES, self.coef_, strict=True)}

    # ------------------------------------------------------------ persistence

    def to_dict(self) -> dict:
        return {
            "format": _BLEND_FORMAT,
            "features": list(BLEND_FEATURES),
            "params": {"C": self.C, "class_weight": self.class_weight},
            "mean": self.mean_.tolist(),
            "scale": self.scale_.tolist(),
            "coef": self.coef_.tolist(),
            "intercept": self.intercept_,
            "bands": self.bands_.as_dict(),
        }

    @classmethod
    def from_dict(cls, d: Mapping) -> PairBlend:
        if d.get("format") != _BLEND_FORMAT or list(d.get("features", ())) != list(BLEND_FEATURES):
            msg = "not a PairBlend of this version (other format or features)"
            raise ValueError(msg)
        self = cls(**d["params"])
        self.mean_ = np.asarray(d["mean"], dtype=np.float64)
        self.scale_ = np.asarray(d["scale"], dtype=np.float64)
        self.coef_ = np.asarray(d["coef"], dtype=np.float64)
        self.intercept_ = float(d["intercept"])
        self.bands_ = Bands.from_dict(d["bands"])
        return self

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the model as JSON, atomically."""
        path = Path(path)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.to_dict(), fh, ensure_ascii=False, indent=1)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PairBlend:
        """Read a model :meth:`save` wrote."""
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def load_blend(path: str | os.PathLike[str] | None) -> PairBlend | None:
    """The model at ``path``, or None when there is none (the matcher then keeps its hand-set
    blend and :data:`DEFAULT_BANDS`)."""
    if path is None or not Path(path).is_file():
        return None
    return PairBlend.load(path)


def training_pairs(
    matcher, judged: Mapping, *, unjudged: int = 20
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pair features, grades and weights for :meth:`PairBlend.fit` from a fitted matcher.

    ``judged`` maps challenge id -> capability id -> grade, ids of fitted documents.
    Every judged pair counts, plus each judged challenge's best ``unjudged`` text
    candidates that nobody judged, as misses at half weight (as nDCG counts them).
    """
    caps = matcher.by_kind_["capability"]
    X, y, w = [], [], []
    for q, grades in judged.items():
        i = matcher.position_.get(q)
        if i is None:
            continue
        text = (matcher.E_[i] @ matcher.ET_["capability"]).toarray().ravel()
        sig = matcher._signals(matcher.meta_, np.full(len(caps), i), matcher.meta_, caps)
        feats = pair_features(text, sig)
        top = set(np.argsort(-text, kind="stable")[:unjudged].tolist())
        for j, c in enumerate(caps.tolist()):
            grade = grades.get(matcher.ids_[c])
            if grade is not None:
                X.append(feats[j])
                y.append(int(grade))
                w.append(1.0)
            elif j in top and text[j] > 0:
                X.append(feats[j])
                y.append(0)
                w.append(0.5)
    return np.array(X).reshape(-1, len(BLEND_FEATURES)), np.array(y), np.array(w)
