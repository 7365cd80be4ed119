"""TF-IDF matching of challenges against capabilities, with structured signals.

A listing becomes a sparse vector of words (rjieba, domain dictionary) and
character n-grams (so that 视觉检测 meets 机器视觉缺陷识别), title and keywords
counted more than body text, sublinear tf, smoothed idf, features in more than
``max_df`` of the documents dropped (they make every pair meet and cost most of
the all-pairs product), rows L2-normalised, float32.

The score of a pair is the cosine of the text vectors times a factor from the
structured signals::

    score = text * (1 + sum(weight_i * signal_i)) / (1 + sum(weight_i))

so it stays in [0, 1], pairs without shared text score 0 however well their
chains and categories fit, and among pairs with similar text the structured
signals decide. Ties are broken by document id.
"""

from __future__ import annotations

import copy
import json
import math
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from matching.blend import DEFAULT_BANDS, PairBlend, pair_features
from matching.text import Tokenizer, builtin_tokenizer, normalize

__all__ = [
    "DEFAULT_CATEGORY_COMPAT",
    "DEFAULT_GENERIC_TERMS",
    "DEFAULT_TIER_LEVELS",
    "FORMAT_VERSION",
    "KINDS",
    "Doc",
    "Explanation",
    "FormatVersionError",
    "Match",
    "Reason",
    "SharedTerm",
    "TfidfMatcher",
]

#: Version of the file :meth:`TfidfMatcher.save` writes; bump when the layout or
#: the meaning of the stored arrays changes.
FORMAT_VERSION = 2
#: What a saved matcher calls itself; version 1 files used another name.
_FORMAT_NAME = "matching.TfidfMatcher"

KINDS = ("challenge", "capability")

#: Words two listings share without saying what they share: never shown as a reason.
_GENERIC_TERMS_TEXT = """
    系统 设计 管理 管理系统 技术 平台 服务 方案 解决方案 产品 设备 项目 合作 能力 需求 研发
    开发 应用 工艺 检测 数据 验证 测试 周期 联合 对接 揭榜 发榜 配套 采购 部署 报告 场景 交付
    提升 体系 产能 万元 模块 软件 硬件 智能 自动化 一体化 集成 优化 升级 改造 生产 制造 质量
    效率 成本 性能 指标 标准 精度 稳定 可靠 安全 国产化 替代 客户 行业 领域 企业 团队 经验
    支持 实施 建设 运营 运维 材料 工具 装置 控制 分析 处理 监测 在线 实时
    """
DEFAULT_GENERIC_TERMS: frozenset[str] = frozenset(_GENERIC_TERMS_TEXT.split())
_COUNTERPART = {"challenge": "capability", "capability": "challenge"}

#: How well a capability of a category answers a challenge of a category
#: (challenge category -> capability category -> 0..1). A procurement challenge
#: wants supply; a scenario challenge wants products and projects for it.
DEFAULT_CATEGORY_COMPAT: dict[str, dict[str, float]] = {
    "rnd": {"rnd": 1.0, "project": 0.7, "talent": 0.4, "supply": 0.3, "scenario": 0.3},
    "project": {"project": 1.0, "rnd": 0.7, "supply": 0.5, "scenario": 0.4, "talent": 0.3},
    "supply": {"supply": 1.0, "procurement": 0.8, "project": 0.4, "rnd": 0.3},
    "procurement": {"supply": 1.0, "procurement": 0.8, "project": 0.3},
    "scenario": {"scenario": 1.0, "supply": 0.7, "rnd": 0.6, "project": 0.6},
    "talent": {"talent": 1.0, "rnd": 0.4, "project": 0.3},
    "finance": {"finance": 1.0},
}

#: The SME tiers of seed_data/taxonomies/tiers.csv, higher is more proven.
DEFAULT_TIER_LEVELS: dict[str, float] = {
    "seed": 0.2,
    "innovative": 0.4,
    "provincial": 0.6,
    "little_giant": 0.8,
    "champion": 1.0,
}

# Single characters that glue words together; an n-gram holding one of them
# says nothing about the subject ("的激", "和视").
_STOP_CHARS = "的了和与及或等在是为对将把被从以于并而也都就还又其之所该此这那个"
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
_BITS = 21  # a code point fits in 21 bits; three of them in an int64


@dataclass(frozen=True, slots=True)
class Doc:
    """A listing as the matcher sees it: plain strings, no ORM rows."""

    id: Any
    kind: str
    title: str
    text: str = ""
    keywords: tuple[str, ...] = ()
    chain: str | None = None
    category: str | None = None
    district: str | None = None
    tier: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            msg = f"Doc.kind must be one of {KINDS}, not {self.kind!r}"
            raise ValueError(msg)
        if isinstance(self.keywords, str) or not isinstance(self.keywords, tuple):
            keywords = [self.keywords] if isinstance(self.keywords, str) else self.keywords
            object.__setattr__(self, "keywords", tuple(keywords))


@dataclass(frozen=True, slots=True)
class Reason:
    """Why two listings match: a stable ``code`` plus the same in Chinese and English."""

    code: str
    zh: str
    en: str
    #: The values the sentence mentions (chain code, shared terms …), for re-wording.
    params: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class Match:
    """A counterpart listing, its score in [0, 1] and the structured reasons."""

    id: Any
    score: float
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True, slots=True)
class SharedTerm:
    """A term both listings contain and its share of the text similarity."""

    term: str
    weight: float


@dataclass(frozen=True, slots=True)
class Explanation:
    """The score of a pair taken apart: text similarity, shared terms, structured reasons."""

    a: Any
    b: Any
    score: float
    text_score: float
    terms: tuple[SharedTerm, ...]
    reasons: tuple[Reason, ...]

    def summary(self, lang: str = "zh") -> str:
        """All reasons as one sentence, in Chinese (``zh``) or English (``en``)."""
        sep = "；" if lang == "zh" else "; "
        return sep.join(getattr(r, "en" if lang == "en" else "zh") for r in self.reasons)


class FormatVersionError(ValueError):
    """A saved matcher was written by another version of the file format."""


def _is_cjk(codes: np.ndarray) -> np.ndarray:
    out = np.zeros(codes.shape, dtype=bool)
    for lo, hi in _CJK_RANGES:
        out |= (codes >= lo) & (codes <= hi)
    return out


_STOP_CODES = np.array(sorted(ord(c) for c in _STOP_CHARS), dtype=np.int64)


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)


def _ngram_keys(codes: np.ndarray, sizes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Keys of the CJK character n-grams of ``codes`` and their start positions."""
    good = _is_cjk(codes) & ~np.isin(codes, _STOP_CODES)
    keys, starts = [], []
    for n in sizes:
        if len(codes) < n:
            continue
        m = len(codes) - n + 1
        ok = good[:m].copy()
        key = codes[:m].copy()
        for j in range(1, n):
            ok &= good[j : j + m]
            key = (key << _BITS) | codes[j : j + m]
        pos = np.flatnonzero(ok)
        keys.append(key[pos])
        starts.append(pos)
    if not keys:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(keys), np.concatenate(starts)


def _key_text(key: int) -> str:
    chars = []
    while key:
        chars.append(chr(key & ((1 << _BITS) - 1)))
        key >>= _BITS
    return "".join(reversed(chars))


def _top_per_row(X: sp.csr_matrix, n: int) -> sp.csr_matrix:
    """Keep each row's n largest entries."""
    X = X.tocsr()
    lengths = np.diff(X.indptr)
    if n <= 0 or lengths.max(initial=0) <= n:
        return X
    rows = np.repeat(np.arange(X.shape[0]), lengths)
    order = np.lexsort((-X.data, rows))
    rank = np.arange(len(order)) - X.indptr[rows[order]]
    keep = order[rank < n]
    return sp.csr_matrix((X.data[keep], (rows[keep], X.indices[keep])), shape=X.shape)


class TfidfMatcher(BaseEstimator):
    """Rank challenges against capabilities and back by blended TF-IDF similarity.

    Parameters (scikit-learn style: stored as given, used by :meth:`fit`):

    title_weight, keyword_weight, body_weight
        How often a term in that field counts (before sublinear tf).
    ngram_range
        Sizes of the CJK character n-grams, inclusive, within 2..3; n-grams
        never cross punctuation, Latin text or a stop character (的, 和 …).
    ngram_weight
        Weight of the n-gram features against the word features.
    max_df, max_df_floor
        Drop features in more than ``max(max_df * n_docs, max_df_floor)``
        documents (``max_df`` an int: that many). They cost most of the
        all-pairs product at scale; on a small corpus the floor keeps them,
        since there they still tell listings apart.
    chain_weight, related_chain_weight
        Same chain; a different chain of the same group (``chain_groups``).
    category_weight, category_compat
        Compatibility of the challenge's and the capability's categories
        (defaults to :data:`DEFAULT_CATEGORY_COMPAT`).
    district_weight
        Same district.
    tier_weight, tier_levels
        The capability side's SME tier (defaults to :data:`DEFAULT_TIER_LEVELS`).
    n_candidates
        Counterparts per document kept from the text product before the
        structured signals re-rank them in :meth:`top_pairs`.
    feedback_weight, feedback_docs, feedback_terms
        Pseudo-relevance feedback (Rocchio): each listing's vector for ranking
        is its own plus ``feedback_weight`` times the mean of its
        ``feedback_docs`` best counterparts by text, that mean cut to its
        ``feedback_terms`` heaviest features, re-normalised. Related terms
        that a pair does not share but its neighbours do then count.
        ``feedback_weight=0`` turns it off. Explanations use the plain vectors.
    generic_terms
        Words never shown as shared terms (defaults to :data:`DEFAULT_GENERIC_TERMS`);
        words in more than 10 % of the documents are not shown either.
    blend
        A fitted :class:`~matching.blend.PairBlend` that scores candidate pairs
        from their features instead of the hand-set weights below; ``None``
        keeps the hand-set blend.
    n_jobs
        Threads for the all-pairs product.
    tokenizer
        A :class:`~matching.text.Tokenizer`, built once by the caller with its
        domain dictionary and stop words; ``None`` uses
        :func:`~matching.text.builtin_tokenizer` (no domain words).
    """

    def __init__(
        self,
        *,
        title_weight: float = 3.0,
        keyword_weight: float = 3.0,
        body_weight: float = 1.0,
        ngram_range: tuple[int, int] = (2, 3),
        ngram_weight: float = 0.7,
        max_df: float | int = 0.05,
        max_df_floor: int = 500,
        chain_weight: float = 0.5,
        related_chain_weight: float = 0.1,
        chain_groups: Mapping[str, str] | None = None,
        category_weight: float = 0.3,
        category_compat: Mapping[str, Mapping[str, float]] | None = None,
        district_weight: float = 0.05,
        tier_weight: float = 0.05,
        tier_levels: Mapping[str, float] | None = None,
        n_candidates: int = 100,
        feedback_weight: float = 0.0,
        feedback_docs: int = 5,
        feedback_terms: int = 50,
        generic_terms: Iterable[str] | None = None,
        blend: PairBlend | None = None,
        n_jobs: int = 2,
        tokenizer: Tokenizer | None = None,
    ) -> None:
        self.title_weight = title_weight
        self.keyword_weight = keyword_weight
        self.body_weight = body_weight
        self.ngram_range = ngram_range
        self.ngram_weight = ngram_weight
        self.max_df = max_df
        self.max_df_floor = max_df_floor
        self.chain_weight = chain_weight
        self.related_chain_weight = related_chain_weight
        self.chain_groups = chain_groups
        self.category_weight = category_weight
        self.category_compat = category_compat
        self.district_weight = district_weight
        self.tier_weight = tier_weight
        self.tier_levels = tier_levels
        self.n_candidates = n_candidates
        self.feedback_weight = feedback_weight
        self.feedback_docs = feedback_docs
        self.feedback_terms = feedback_terms
        self.generic_terms = generic_terms
        self.blend = blend
        self.n_jobs = n_jobs
        self.tokenizer = tokenizer

    # ------------------------------------------------------------ features

    def _fields(self, doc: Doc) -> list[tuple[str, float]]:
        return [
            (normalize(doc.title), self.title_weight),
            (normalize(" ".join(doc.keywords)), self.keyword_weight),
            (normalize(doc.text), self.body_weight),
        ]

    def _analyze(
        self, docs: Sequence[Doc], tokenizer: Tokenizer
    ) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Words (with doc index and weight) and n-gram keys (with doc index and weight)."""
        words: list[str] = []
        word_doc: list[int] = []
        word_w: list[float] = []
        pieces: list[str] = []
        piece_doc: list[int] = []
        piece_w: list[float] = []
        for i, doc in enumerate(docs):
            for text, weight in self._fields(doc):
                if not text:
                    continue
                toks = tokenizer.cut_normalized(text)
                words.extend(toks)
                word_doc.extend([i] * len(toks))
                word_w.extend([weight] * len(toks))
                pieces.append(text)
                piece_doc.append(i)
                piece_w.append(weight)
        # One pass of numpy over all texts joined by a separator n-grams cannot cross.
        lo, hi = self.ngram_range
        sizes = list(range(lo, hi + 1))
        codes = _codes("\n".join(pieces))
        keys, starts = _ngram_keys(codes, sizes)
        lengths = np.fromiter((len(p) + 1 for p in pieces), dtype=np.int64, count=len(pieces))
        owner = np.repeat(np.arange(len(pieces)), lengths)[starts] if len(pieces) else starts
        return (
            words,
            np.asarray(word_doc, dtype=np.int64),
            np.asarray(word_w, dtype=np.float32),
            keys,
            np.asarray(piece_doc, dtype=np.int64)[owner] if len(pieces) else owner,
            np.asarray(piece_w, dtype=np.float32)[owner] if len(pieces) else owner,
        )

    def fit(self, docs: Iterable[Doc], y: None = None) -> TfidfMatcher:
        """Learn the vocabulary, idf and vectors of ``docs``; returns ``self``."""
        docs = list(docs)
        ids = [d.id for d in docs]
        if len(set(ids)) != len(ids):
            msg = "Doc ids must be unique"
            raise ValueError(msg)
        lo, hi = self.ngram_range
        if not (2 <= lo <= hi <= 3):
            # Single characters come from segmentation; n-grams of one would make every pair meet.
            msg = f"ngram_range must satisfy 2 <= lo <= hi <= 3, not {self.ngram_range!r}"
            raise ValueError(msg)
        tokenizer = self.tokenizer if self.tokenizer is not None else builtin_tokenizer()
        n = len(docs)
        words, wdoc, ww, keys, kdoc, kw = self._analyze(docs, tokenizer)

        vocab: dict[str, int] = {}
        setdefault = vocab.setdefault
        wcol = np.fromiter(
            (setdefault(w, len(vocab)) for w in words), dtype=np.int64, count=len(words)
        )
        ngram_keys, kcol = np.unique(keys, return_inverse=True)
        n_words = len(vocab)
        n_feat = n_words + len(ngram_keys)
        tf = sp.csr_matrix(
            (
                np.concatenate([ww, kw]).astype(np.float32),
                (np.concatenate([wdoc, kdoc]), np.concatenate([wcol, kcol + n_words])),
            ),
            shape=(n, n_feat),
        )
        tf.sum_duplicates()
        df = np.bincount(tf.indices, minlength=n_feat)
        limit = self.max_df if isinstance(self.max_df, int) else self.max_df * n
        keep = df <= max(limit, self.max_df_floor, 1)

        self.tokenizer_ = tokenizer
        self.n_docs_ = n
        self.idf_ = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
        self.idf_unseen_ = float(math.log(1 + n) + 1)
        self.column_ = np.where(keep, np.cumsum(keep) - 1, -1)
        self.raw_column_ = np.flatnonzero(keep)
        self.word_index_ = vocab
        self.words_ = list(vocab)
        self.n_word_columns_ = int(keep[:n_words].sum())
        self.ngram_keys_ = ngram_keys
        self.n_features_ = int(keep.sum())
        self.n_dropped_features_ = int((~keep).sum())
        self.X_ = self._weigh(tf, n_words)
        self._fit_meta(docs)
        self._set_ranking_vectors()
        self._fit_ranking_index()
        return self

    def _set_ranking_vectors(self) -> None:
        """``E_`` (what ``rank`` compares) and its per-kind transposes ``ET_``."""
        if self._feedback_on():
            self.E_ = sp.vstack(
                [self._expand(self.X_[self.by_kind_[kind]], kind) for kind in KINDS]
            ).tocsr()[np.argsort(np.concatenate([self.by_kind_[k] for k in KINDS]))]
            self.ET_ = {kind: self.E_[rows].T.tocsr() for kind, rows in self.by_kind_.items()}
        else:
            # Without feedback the ranking vectors are the text vectors: share, don't copy.
            self.E_ = self.X_
            self.ET_ = self.XT_

    def _feedback_on(self) -> bool:
        return self.feedback_weight > 0 and self.feedback_docs > 0

    def _fit_ranking_index(self) -> None:
        word_cols = self.X_.indices[self.X_.indices < self.n_word_columns_]
        self.word_df_ = np.bincount(word_cols, minlength=self.n_word_columns_)
        self.generic_terms_ = frozenset(
            normalize(t)
            for t in (DEFAULT_GENERIC_TERMS if self.generic_terms is None else self.generic_terms)
        )
        self.bands_ = self.blend.bands_ if self.blend is not None else DEFAULT_BANDS

    def _expand(self, Q: sp.csr_matrix, kind: str) -> sp.csr_matrix:
        """Rocchio: rows of ``Q`` (documents of ``kind``) plus their best counterparts' mean."""
        Q = sp.csr_matrix(Q, dtype=np.float32)
        other = self.by_kind_[_COUNTERPART[kind]]
        m = self.feedback_docs
        if not self._feedback_on() or not len(other) or Q.shape[0] == 0:
            return Q
        from sparse_dot_topn import sp_matmul_topn

        prod = sp_matmul_topn(
            Q, self.XT_[_COUNTERPART[kind]], top_n=m + 5, n_threads=self.n_jobs
        ).tocoo()
        # The m best of each row by score, ties by id (as in ranking).
        row, col, val = prod.row, other[prod.col], prod.data
        order = np.lexsort((self.tiebreak_[col], -val, row))
        row, col = row[order], col[order]
        starts = np.searchsorted(row, row, side="left")
        keep = (np.arange(len(row)) - starts) < m
        row, col = row[keep], col[keep]
        counts = np.bincount(row, minlength=Q.shape[0]).astype(np.float32)
        pick = sp.csr_matrix(
            (np.ones(len(row), np.float32), (row, col)), shape=(Q.shape[0], self.X_.shape[0])
        )
        mean = sp.csr_matrix(sp.diags(1 / np.maximum(counts, 1)) @ pick @ self.X_)
        mean = _top_per_row(mean, self.feedback_terms)
        out = Q + np.float32(self.feedback_weight) * mean
        norm = np.sqrt(np.asarray(out.multiply(out).sum(axis=1)).ravel())
        scale = np.divide(1.0, norm, out=np.zeros_like(norm), where=norm > 0)
        out = sp.csr_matrix(sp.diags(scale.astype(np.float32)) @ out, dtype=np.float32)
        out.sort_indices()
        return out

    def _weigh(self, tf: sp.csr_matrix, n_words: int, extra_norm: np.ndarray | None = None):
        """Sublinear tf × idf × block weight, pruned columns dropped, rows L2-normalised."""
        tf = tf.tocsr().astype(np.float32)
        data = tf.data
        data[:] = np.where(data > 1, 1 + np.log(np.maximum(data, 1)), data)
        data *= self.idf_[tf.indices]
        data[tf.indices >= n_words] *= self.ngram_weight
        cols = self.column_[tf.indices]
        rows = np.repeat(np.arange(tf.shape[0]), np.diff(tf.indptr))
        kept = cols >= 0
        X = sp.csr_matrix(
            (data[kept], (rows[kept], cols[kept])), shape=(tf.shape[0], self.n_features_)
        )
        norm2 = np.asarray(X.multiply(X).sum(axis=1), dtype=np.float64).ravel()
        if extra_norm is not None:
            norm2 += extra_norm
        scale = np.zeros_like(norm2)
        np.divide(1.0, np.sqrt(norm2), out=scale, where=norm2 > 0)
        X = sp.csr_matrix(sp.diags(scale.astype(np.float32)) @ X, dtype=np.float32)
        X.sort_indices()
        return X

    def transform(self, docs: Iterable[Doc]) -> sp.csr_matrix:
        """The text vectors of ``docs`` (known or new) in the fitted feature space."""
        check_is_fitted(self, "X_")
        docs = list(docs)
        words, wdoc, ww, keys, kdoc, kw = self._analyze(docs, self.tokenizer_)
        n_words = len(self.word_index_)
        get = self.word_index_.get
        wcol = np.fromiter((get(w, -1) for w in words), dtype=np.int64, count=len(words))
        pos = np.searchsorted(self.ngram_keys_, keys)
        pos = np.minimum(pos, max(len(self.ngram_keys_) - 1, 0))
        known = (
            self.ngram_keys_[pos] == keys if len(self.ngram_keys_) else np.zeros(len(keys), bool)
        )
        kcol = np.where(known, pos + n_words, -1)
        cols = np.concatenate([wcol, kcol])
        rows = np.concatenate([wdoc, kdoc])
        vals = np.concatenate([ww, kw]).astype(np.float32)
        seen = cols >= 0
        # Features the index has never seen still count in the document's length.
        extra = np.zeros(len(docs))
        if not seen.all():
            labels = [("w", w) for w in words] + [("g", int(x)) for x in keys]
            unseen: dict[tuple[int, tuple[str, Any]], float] = {}
            for t in np.flatnonzero(~seen):
                slot = (int(rows[t]), labels[t])
                unseen[slot] = unseen.get(slot, 0.0) + float(vals[t])
            for (r, (tag, _)), t in unseen.items():
                w = (1 + math.log(t) if t > 1 else t) * self.idf_unseen_
                w *= self.ngram_weight if tag == "g" else 1.0
                extra[r] += w * w
        tf = sp.csr_matrix(
            (vals[seen], (rows[seen], cols[seen])), shape=(len(docs), len(self.idf_))
        )
        tf.sum_duplicates()
        return self._weigh(tf, n_words, extra)

    def segment(self, docs: Iterable[Doc], vectors: sp.csr_matrix | None = None) -> TfidfMatcher:
        """A matcher over ``docs`` in this matcher's fitted space, without a refit.

        Vocabulary, idf, pruned features and the codes of chains, categories and
        districts stay this matcher's, so its scores compare with this matcher's
        and ``rank``/``top_pairs``/``explain`` work on it as usual. ``vectors``
        (rows in the order of ``docs``) are taken as they are, e.g. rows of ``X_``;
        by default they are ``transform(docs)``. :class:`matching.LiveIndex` is built on it.
        """
        check_is_fitted(self, "X_")
        docs = list(docs)
        if len({d.id for d in docs}) != len(docs):
            msg = "Doc ids must be unique"
            raise ValueError(msg)
        seg = copy.copy(self)
        seg.X_ = self.transform(docs) if vectors is None else sp.csr_matrix(vectors)
        seg._fit_meta(docs)
        # Codes from this matcher, not from ``docs``: a signal compares across the two.
        for name in (
            "chain_codes_", "group_codes_", "chain_group_", "category_codes_",
            "category_table_", "district_codes_", "tier_levels_",
        ):  # fmt: skip
            setattr(seg, name, getattr(self, name))
        seg.meta_ = seg._meta(docs)
        # Ranking vectors of the segment's own rows; word statistics (generic words) stay
        # this matcher's, like its vocabulary and idf.
        seg._set_ranking_vectors()
        return seg

    # ------------------------------------------------------- structured signals

    def _fit_meta(self, docs: Sequence[Doc]) -> None:
        groups = dict(self.chain_groups or {})
        compat = (
            self.category_compat if self.category_compat is not None else DEFAULT_CATEGORY_COMPAT
        )
        tiers = self.tier_levels if self.tier_levels is not None else DEFAULT_TIER_LEVELS
        self.ids_ = [d.id for d in docs]
        self.position_ = {d.id: i for i, d in enumerate(docs)}
        self.records_ = [(d.kind, d.chain, d.category, d.district, d.tier) for d in docs]
        record_ids: dict[tuple, int] = {}
        self.record_code_ = np.array(
            [record_ids.setdefault(rec, len(record_ids)) for rec in self.records_], dtype=np.int64
        )
        # Ties are broken by id, whatever the order the documents came in.
        order = sorted(range(len(docs)), key=lambda i: (type(self.ids_[i]).__name__, self.ids_[i]))
        self.tiebreak_ = np.empty(len(docs), dtype=np.int64)
        self.tiebreak_[order] = np.arange(len(docs))
        self.kind_ = np.array([KINDS.index(d.kind) for d in docs], dtype=np.int8)
        self.chain_codes_ = {
            c: i + 1 for i, c in enumerate(sorted({*groups, *(d.chain for d in docs if d.chain)}))
        }
        self.group_codes_ = {g: i + 1 for i, g in enumerate(sorted(set(groups.values())))}
        self.chain_group_ = {c: self.group_codes_[g] for c, g in groups.items()}
        cats = sorted(
            {
                *compat,
                *(c for m in compat.values() for c in m),
                *(d.category for d in docs if d.category),
            }
        )
        self.category_codes_ = {c: i + 1 for i, c in enumerate(cats)}
        table = np.zeros((len(cats) + 1, len(cats) + 1), dtype=np.float32)
        for a, row in compat.items():
            for b, v in row.items():
                table[self.category_codes_[a], self.category_codes_[b]] = v
        self.category_table_ = table
        self.district_codes_ = {
            d: i + 1 for i, d in enumerate(sorted({d.district for d in docs if d.district}))
        }
        self.tier_levels_ = dict(tiers)
        self.meta_ = self._meta(docs)
        self.by_kind_ = {kind: np.flatnonzero(self.kind_ == k) for k, kind in enumerate(KINDS)}
        self.XT_ = {kind: self.X_[rows].T.tocsr() for kind, rows in self.by_kind_.items()}

    def _meta(self, docs: Sequence[Doc]) -> dict[str, np.ndarray]:
        chain = np.array(
            [self.chain_codes_.get(d.chain, -1) if d.chain else 0 for d in docs], dtype=np.int32
        )
        return {
            "kind": np.array([KINDS.index(d.kind) for d in docs], dtype=np.int8),
            "chain": chain,
            "group": np.array(
                [self.chain_group_.get(d.chain, 0) if d.chain else 0 for d in docs], dtype=np.int32
            ),
            "category": np.array(
                [self.category_codes_.get(d.category, 0) if d.category else 0 for d in docs],
                dtype=np.int32,
            ),
            "district": np.array(
                [self.district_codes_.get(d.district, -1) if d.district else 0 for d in docs],
                dtype=np.int32,
            ),
            "tier": np.array(
                [float(self.tier_levels_.get(d.tier, 0.0)) if d.tier else 0.0 for d in docs],
                dtype=np.float32,
            ),
        }

    def _signals(
        self, qa: dict[str, np.ndarray], ia: np.ndarray, qb: dict[str, np.ndarray], ib: np.ndarray
    ) -> dict[str, np.ndarray]:
        """Signals in [0, 1] of the pairs (qa[ia[t]], qb[ib[t]]), oriented challenge first."""
        a_is_ch = qa["kind"][ia] == 0
        b_is_ch = qb["kind"][ib] == 0
        # The category table reads challenge -> capability; a capability-first pair is flipped.
        flip = ~a_is_ch & b_is_ch
        ca, cb = qa["category"][ia], qb["category"][ib]
        cat = np.where(flip, self.category_table_[cb, ca], self.category_table_[ca, cb])
        chain_a, chain_b = qa["chain"][ia], qb["chain"][ib]
        same_chain = (chain_a > 0) & (chain_a == chain_b)
        group_a, group_b = qa["group"][ia], qb["group"][ib]
        related = ~same_chain & (group_a > 0) & (group_a == group_b)
        da, db = qa["district"][ia], qb["district"][ib]
        tier = np.where(~b_is_ch, qb["tier"][ib], np.where(~a_is_ch, qa["tier"][ia], 0.0))
        return {
            "same_chain": same_chain,
            "related_chain": related,
            "category": cat,
            "same_district": (da > 0) & (da == db),
            "tier": tier.astype(np.float32),
        }

    def _boost_max(self) -> float:
        return (
            1
            + max(self.chain_weight, self.related_chain_weight)
            + self.category_weight
            + self.district_weight
            + self.tier_weight
        )

    def _blend(self, text: np.ndarray, sig: dict[str, np.ndarray]) -> np.ndarray:
        if self.blend is not None:
            score = self.blend.score(pair_features(np.clip(text, 0, 1), sig))
            return np.round(score.astype(np.float64), 6)
        boost = (
            1
            + self.chain_weight * sig["same_chain"]
            + self.related_chain_weight * sig["related_chain"]
            + self.category_weight * sig["category"]
            + self.district_weight * sig["same_district"]
            + self.tier_weight * sig["tier"]
        )
        score = np.clip(text, 0, 1) * boost / self._boost_max()
        # Rounded so that every path (rank, top_pairs, brute force) sorts ties alike.
        return np.round(score.astype(np.float64), 6)

    # ---------------------------------------------------------------- reasons

    def _reasons(
        self, a: tuple, b: tuple, sig: Mapping[str, Any], reader: str | None = None
    ) -> tuple[Reason, ...]:
        """Reasons in words for a pair of records (kind, chain, category, district, tier)."""
        if reader is not None:
            return self._reader_reasons(a, b, sig, reader)
        out = []
        if sig["same_chain"]:
            out.append(
                Reason(
                    "same_chain",
                    f"同属{a[1]}产业链",
                    f"Same industry chain ({a[1]})",
                    {"chain": a[1]},
                )
            )
        elif sig["related_chain"]:
            out.append(
                Reason(
                    "related_chain",
                    f"产业链相关（{a[1]}与{b[1]}）",
                    f"Related industry chains ({a[1]} and {b[1]})",
                    {"chains": (a[1], b[1])},
                )
            )
        ch, ca = (a, b) if a[0] == "challenge" or b[0] != "challenge" else (b, a)
        cat = float(sig["category"])
        if cat >= 0.5:
            out.append(
                Reason(
                    "compatible_category",
                    f"需求类别与能力类别相符（{ch[2]}→{ca[2]}）",
                    f"Compatible categories ({ch[2]} → {ca[2]})",
                    {"challenge": ch[2], "capability": ca[2], "fit": cat},
                )
            )
        elif ch[2] and ca[2] and cat == 0:
            out.append(
                Reason(
                    "category_mismatch",
                    f"类别不太相符（{ch[2]}→{ca[2]}）",
                    f"Categories do not fit well ({ch[2]} → {ca[2]})",
                    {"challenge": ch[2], "capability": ca[2], "fit": cat},
                )
            )
        if sig["same_district"]:
            out.append(
                Reason(
                    "same_district",
                    f"同在{a[3]}区域",
                    f"Same district ({a[3]})",
                    {"district": a[3]},
                )
            )
        if float(sig["tier"]) >= 0.6:
            out.append(
                Reason(
                    "proven_supplier",
                    f"能力方为{ca[4]}梯度企业",
                    f"Capability holder is a {ca[4]} SME",
                    {"tier": ca[4]},
                )
            )
        return tuple(out)

    def _reader_reasons(
        self, a: tuple, b: tuple, sig: Mapping[str, Any], reader: str
    ) -> tuple[Reason, ...]:
        """Reasons as the ``reader`` side sees them: about the other party, in the second person.

        Every reason carries ``params["reader"]``, the reader's kind (challenge or capability).
        """
        me, other = (a, b) if reader == "a" else (b, a)
        kind = me[0]
        out = []
        if sig["same_chain"]:
            out.append(
                Reason(
                    "same_chain",
                    f"与您同属{me[1]}产业链",
                    f"In your industry chain ({me[1]})",
                    {"chain": me[1], "reader": kind},
                )
            )
        elif sig["related_chain"]:
            out.append(
                Reason(
                    "related_chain",
                    f"对方所在产业链（{other[1]}）与您的（{me[1]}）相关",
                    f"Their industry chain ({other[1]}) is related to yours ({me[1]})",
                    {"chains": (a[1], b[1]), "reader": kind},
                )
            )
        ch, ca = (a, b) if a[0] == "challenge" or b[0] != "challenge" else (b, a)
        cat = float(sig["category"])
        params = {"challenge": ch[2], "capability": ca[2], "fit": cat, "reader": kind}
        if cat >= 0.5:
            if kind == "challenge":
                zh = f"对方的能力类别（{ca[2]}）适合您的需求（{ch[2]}）"
                en = f"Their capability ({ca[2]}) suits your need ({ch[2]})"
            else:
                zh = f"该需求的类别（{ch[2]}）与您的能力（{ca[2]}）相符"
                en = f"This need ({ch[2]}) fits your capability ({ca[2]})"
            out.append(Reason("compatible_category", zh, en, params))
        elif ch[2] and ca[2] and cat == 0:
            out.append(
                Reason(
                    "category_mismatch",
                    f"类别不太相符（{ch[2]}→{ca[2]}）",
                    f"Categories do not fit well ({ch[2]} → {ca[2]})",
                    params,
                )
            )
        if sig["same_district"]:
            out.append(
                Reason(
                    "same_district",
                    f"与您同在{me[3]}",
                    f"In your district ({me[3]})",
                    {"district": me[3], "reader": kind},
                )
            )
        # The supplier's tier is news to the challenge owner only; the SME knows its own.
        if float(sig["tier"]) >= 0.6 and other is ca and kind == "challenge":
            out.append(
                Reason(
                    "proven_supplier",
                    f"对方为{ca[4]}梯度企业",
                    f"They are a {ca[4]} SME",
                    {"tier": ca[4], "reader": kind},
                )
            )
        return tuple(out)

    # ---------------------------------------------------------------- ranking

    def _counterparts(self, doc: Doc, kinds: Iterable[str] | None) -> list[str]:
        kinds = [_COUNTERPART[doc.kind]] if kinds is None else list(kinds)
        for kind in kinds:
            if kind not in KINDS:
                msg = f"kinds must be among {KINDS}, not {kind!r}"
                raise ValueError(msg)
        return kinds

    def _top(self, scores: np.ndarray, cands: np.ndarray, k: int) -> np.ndarray:
        """Positions of the k best, by score then id; zero scores never match."""
        nz = np.flatnonzero(scores > 0)
        if len(nz) > 4 * k:
            cut = np.partition(scores[nz], len(nz) - k)[len(nz) - k]
            nz = nz[scores[nz] >= cut]
        order = np.lexsort((self.tiebreak_[cands[nz]], -scores[nz]))
        return nz[order[:k]]

    def rank(
        self,
        doc: Doc,
        k: int = 10,
        *,
        kinds: Iterable[str] | None = None,
        vector: sp.csr_matrix | None = None,
    ) -> list[Match]:
        """The k best counterparts of ``doc`` (fitted or new), best first, without a refit.

        ``vector``: ``transform([doc])``, when the caller has it already.
        """
        check_is_fitted(self, "X_")
        if k <= 0:
            return []
        q = self._expand(self.transform([doc]) if vector is None else vector, doc.kind)
        qmeta = self._meta([doc])
        record = (doc.kind, doc.chain, doc.category, doc.district, doc.tier)
        self_pos = self.position_.get(doc.id, -1)
        all_cands, all_scores = [], []
        for kind in self._counterparts(doc, kinds):
            prod = (q @ self.ET_[kind]).tocsr()
            cands = self.by_kind_[kind][prod.indices]
            text = prod.data
            if self_pos >= 0:
                text = np.where(cands == self_pos, 0, text)
            sig = self._signals(qmeta, np.zeros(len(cands), np.int64), self.meta_, cands)
            all_cands.append(cands)
            all_scores.append(self._blend(text, sig))
        cands = np.concatenate(all_cands)
        scores = np.concatenate(all_scores)
        best = self._top(scores, cands, k)
        best_c = cands[best]
        sig = self._signals(qmeta, np.zeros(len(best_c), np.int64), self.meta_, best_c)
        return [
            Match(
                self.ids_[c],
                float(scores[b]),
                self._reasons(record, self.records_[c], {n: v[t] for n, v in sig.items()}),
            )
            for t, (b, c) in enumerate(zip(best, best_c, strict=True))
        ]

    def top_pairs_arrays(self, k: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All documents' k best counterparts as arrays (row, counterpart, score).

        Rows are sorted by document position, then best first. The text product
        keeps ``max(k, n_candidates)`` counterparts per document (sparse_dot_topn,
        ``n_jobs`` threads); the structured signals re-rank those.
        """
        from sparse_dot_topn import sp_matmul_topn

        check_is_fitted(self, "X_")
        out_r, out_c, out_s = [], [], []
        top_n = max(k, self.n_candidates)
        for kind in KINDS:
            rows = self.by_kind_[kind]
            cols = self.by_kind_[_COUNTERPART[kind]]
            if k <= 0 or not len(rows) or not len(cols) or self.n_features_ == 0:
                continue
            prod = sp_matmul_topn(
                self.E_[rows], self.ET_[_COUNTERPART[kind]], top_n=top_n, n_threads=self.n_jobs
            ).tocoo()
            ia, ib = rows[prod.row], cols[prod.col]
            score = self._blend(prod.data, self._signals(self.meta_, ia, self.meta_, ib))
            order = np.lexsort((self.tiebreak_[ib], -score, ia))
            ia, ib, score = ia[order], ib[order], score[order]
            starts = np.flatnonzero(np.r_[True, ia[1:] != ia[:-1]])
            within = np.arange(len(ia)) - np.repeat(starts, np.diff(np.r_[starts, len(ia)]))
            keep = (within < k) & (score > 0)
            out_r.append(ia[keep])
            out_c.append(ib[keep])
            out_s.append(score[keep])
        if not out_r:
            empty = np.zeros(0, np.int64)
            return empty, empty, np.zeros(0)
        r, c, s = np.concatenate(out_r), np.concatenate(out_c), np.concatenate(out_s)
        order = np.argsort(r, kind="stable")
        return r[order], c[order], s[order]

    def top_pairs(self, k: int = 10) -> dict[Any, list[Match]]:
        """Every fitted document's k best counterparts, by id, best first."""
        r, c, s = self.top_pairs_arrays(k)
        result: dict[Any, list[Match]] = {i: [] for i in self.ids_}
        # Reasons depend only on the two records (kind, chain, category, district,
        # tier): word them once per distinct pair of records.
        pair = self.record_code_[r] * (self.record_code_.max(initial=0) + 1) + self.record_code_[c]
        _, first, inverse = np.unique(pair, return_index=True, return_inverse=True)
        sig = self._signals(self.meta_, r[first], self.meta_, c[first])
        worded = [
            self._reasons(self.records_[a], self.records_[b], {n: v[t] for n, v in sig.items()})
            for t, (a, b) in enumerate(zip(r[first].tolist(), c[first].tolist(), strict=True))
        ]
        ids = self.ids_
        for a, b, score, w in zip(
            r.tolist(), c.tolist(), s.tolist(), inverse.ravel().tolist(), strict=True
        ):
            result[ids[a]].append(Match(ids[b], score, worded[w]))
        return result

    # ---------------------------------------------------------------- explain

    def _feature_name(self, col: int) -> str:
        raw = int(self.raw_column_[col])
        n_words = len(self.words_)
        return (
            self.words_[raw] if raw < n_words else _key_text(int(self.ngram_keys_[raw - n_words]))
        )

    def _vector_and_meta(self, doc: Doc | Any) -> tuple[sp.csr_matrix, dict, tuple, Any]:
        if isinstance(doc, Doc):
            record = (doc.kind, doc.chain, doc.category, doc.district, doc.tier)
            return self.transform([doc]), self._meta([doc]), record, doc.id
        if doc not in self.position_:
            msg = f"no fitted document has id {doc!r}"
            raise KeyError(msg)
        pos = self.position_[doc]
        meta = {name: v[pos : pos + 1] for name, v in self.meta_.items()}
        return self.X_[pos], meta, self.records_[pos], doc

    def is_generic(self, term: str) -> bool:
        """Whether a shared word says too little to be shown (系统, 设计, a number …)."""
        if len(term) < 2 or term.replace(".", "").isdigit() or term in self.generic_terms_:
            return True
        col = self.word_index_.get(term)
        if col is None or self.column_[col] < 0:
            return True
        return self.n_docs_ >= 50 and self.word_df_[self.column_[col]] > 0.1 * self.n_docs_

    def explain(
        self, a: Doc | Any, b: Doc | Any, *, n_terms: int = 10, reader: str | None = None
    ) -> Explanation:
        """Why ``a`` and ``b`` match: shared terms with their weights and the structured reasons.

        Each may be a :class:`Doc` or the id of a fitted document. Terms are whole words
        of both texts (a shared character n-gram counts for the shared word holding it,
        never shown on its own), without generic words (:meth:`is_generic`).
        ``reader`` (``"a"`` or ``"b"``) words the reasons for that side: about the
        other party, never about the reader itself.
        """
        check_is_fitted(self, "X_")
        if reader not in (None, "a", "b"):
            msg = f"reader must be 'a', 'b' or None, not {reader!r}"
            raise ValueError(msg)
        va, ma, ra, ida = self._vector_and_meta(a)
        vb, mb, rb, idb = self._vector_and_meta(b)
        shared = va.multiply(vb).tocsr()
        text = float(shared.sum())
        sig = self._signals(ma, np.zeros(1, np.int64), mb, np.zeros(1, np.int64))
        score = float(self._blend(np.array([text]), sig)[0])
        words: dict[str, float] = {}
        grams: list[tuple[str, float]] = []
        for col, w in zip(shared.indices.tolist(), shared.data.tolist(), strict=True):
            if col < self.n_word_columns_:
                words[self._feature_name(col)] = w
            else:
                grams.append((self._feature_name(col), w))
        # An n-gram both texts hold counts for the shared word it lies in (the longest);
        # n-grams inside no shared word are fragments (能电池, 后亮度) and are not shown.
        for gram, w in grams:
            hosts = [word for word in words if gram in word]
            if hosts:
                words[max(hosts, key=len)] += w
        # A shared word inside a longer shared word (焊接 in 激光焊接) is shown as the longer.
        for word in sorted(words, key=len):
            hosts = [h for h in words if len(h) > len(word) and word in h]
            if hosts:
                words[max(hosts, key=len)] += words.pop(word)
        terms = tuple(
            SharedTerm(t, round(w, 6))
            for t, w in sorted(words.items(), key=lambda t: (-t[1], t[0]))
            if not self.is_generic(t)
        )[:n_terms]
        reasons = self._reasons(ra, rb, {n: v[0] for n, v in sig.items()}, reader=reader)
        if terms:
            shown = [t.term for t in terms[:5]]
            text_reason = Reason(
                "shared_terms",
                "共同关键词：" + "、".join(shown),
                "Shared terms: " + ", ".join(shown),
                {"terms": shown, "text_score": round(text, 6)},
            )
        else:
            text_reason = Reason("no_shared_terms", "没有共同关键词", "No terms in common", {})
        return Explanation(ida, idb, score, round(text, 6), terms, (text_reason, *reasons))

    def highlight(self, text: str, terms: Iterable[str]) -> list[tuple[int, int, str]]:
        """Where ``terms`` occur in ``text`` as whole words: (start, end, term), in order.

        Offsets are into ``text`` as given (before normalisation), so that a page can mark
        them; a term inside a longer word (mura in demura) is not marked.
        """
        check_is_fitted(self, "X_")
        return self.tokenizer_.word_spans(text, terms)

    def band(self, score: float) -> str:
        """``"strong"``, ``"medium"`` or ``"weak"`` (强 / 中 / 弱) by :attr:`bands_`."""
        check_is_fitted(self, "bands_")
        return self.bands_.band(score)

    # ---------------------------------------------------------------- persistence

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the fitted matcher to ``path`` (numpy .npz, no pickle), atomically."""
        check_is_fitted(self, "X_")
        params = {k: v for k, v in self.get_params().items() if k not in ("tokenizer", "blend")}
        if params["generic_terms"] is not None:
            params["generic_terms"] = sorted(params["generic_terms"])
        params["ngram_range"] = list(params["ngram_range"])
        meta = {
            "format": _FORMAT_NAME,
            "version": FORMAT_VERSION,
            "params": params,
            "tokenizer": self.tokenizer_.state(),
            "blend": self.blend.to_dict() if self.blend is not None else None,
            "ids": self.ids_,
            "records": self.records_,
            "words": list(self.word_index_),
            "n_docs": self.n_docs_,
            "idf_unseen": self.idf_unseen_,
            "n_dropped_features": self.n_dropped_features_,
        }
        path = Path(path)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(
                    fh,
                    meta=np.array(json.dumps(meta, ensure_ascii=False)),
                    X_data=self.X_.data,
                    X_indices=self.X_.indices,
                    X_indptr=self.X_.indptr,
                    X_shape=np.array(self.X_.shape),
                    idf=self.idf_,
                    column=self.column_,
                    ngram_keys=self.ngram_keys_,
                    **(
                        {}
                        if self.E_ is self.X_
                        else {
                            "E_data": self.E_.data,
                            "E_indices": self.E_.indices,
                            "E_indptr": self.E_.indptr,
                        }
                    ),
                )
            # Readers (web workers) see the old file or the new one, never half of one.
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TfidfMatcher:
        """Read a matcher :meth:`save` wrote; another format version raises FormatVersionError."""
        with np.load(path, allow_pickle=False) as f:
            try:
                meta = json.loads(str(f["meta"]))
            except KeyError:
                meta = {}
            if not isinstance(meta.get("version"), int) or not meta.get("format"):
                msg = f"{os.fspath(path)} is not a saved matcher"
                raise ValueError(msg)
            if meta["version"] != FORMAT_VERSION:
                msg = (
                    f"{os.fspath(path)} holds a matcher in format version {meta['version']}; "
                    f"this code reads version {FORMAT_VERSION}. Fit and save it again."
                )
                raise FormatVersionError(msg)
            if meta["format"] != _FORMAT_NAME:
                msg = f"{os.fspath(path)} is not a saved matcher"
                raise ValueError(msg)
            arrays = {name: f[name] for name in f.files if name != "meta"}
        params = meta["params"]
        params["ngram_range"] = tuple(params["ngram_range"])
        blend = PairBlend.from_dict(meta["blend"]) if meta.get("blend") else None
        self = cls(**params, tokenizer=None, blend=blend)
        self.tokenizer_ = Tokenizer.from_state(meta["tokenizer"])
        self.n_docs_ = meta["n_docs"]
        self.idf_ = arrays["idf"]
        self.idf_unseen_ = meta["idf_unseen"]
        self.column_ = arrays["column"]
        self.raw_column_ = np.flatnonzero(self.column_ >= 0)
        self.words_ = list(meta["words"])
        self.word_index_ = {w: i for i, w in enumerate(self.words_)}
        self.n_word_columns_ = int((self.column_[: len(self.words_)] >= 0).sum())
        self.ngram_keys_ = arrays["ngram_keys"]
        self.n_features_ = int(arrays["X_shape"][1])
        self.n_dropped_features_ = meta["n_dropped_features"]
        self.X_ = sp.csr_matrix(
            (arrays["X_data"], arrays["X_indices"], arrays["X_indptr"]),
            shape=tuple(arrays["X_shape"]),
        )
        docs = [
            Doc(id=i, kind=r[0], title="", chain=r[1], category=r[2], district=r[3], tier=r[4])
            for i, r in zip(meta["ids"], meta["records"], strict=True)
        ]
        self._fit_meta(docs)
        self.E_ = (
            sp.csr_matrix(
                (arrays["E_data"], arrays["E_indices"], arrays["E_indptr"]), shape=self.X_.shape
            )
            if "E_data" in arrays
            else self.X_
        )
        self.ET_ = (
            self.XT_
            if self.E_ is self.X_
            else {kind: self.E_[rows].T.tocsr() for kind, rows in self.by_kind_.items()}
        )
        self._fit_ranking_index()
        return self
