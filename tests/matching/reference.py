"""A slow, obvious re-implementation of the matcher's scores, for property tests."""

from __future__ import annotations

import math
from collections import defaultdict

from matching.matcher import _STOP_CHARS, DEFAULT_CATEGORY_COMPAT, DEFAULT_TIER_LEVELS
from matching.text import normalize


def _is_cjk(c: str) -> bool:
    o = ord(c)
    return 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF


def tf(doc, m, tokenizer) -> dict:
    out: dict = defaultdict(float)
    fields = [
        (doc.title, m.title_weight),
        (" ".join(doc.keywords), m.keyword_weight),
        (doc.text, m.body_weight),
    ]
    for raw, w in fields:
        text = normalize(raw)
        for word in tokenizer.cut_normalized(text):
            out[("w", word)] += w
        run = ""
        for c in text + "\n":
            if _is_cjk(c) and c not in _STOP_CHARS:
                run += c
                continue
            for n in range(m.ngram_range[0], m.ngram_range[1] + 1):
                for i in range(len(run) - n + 1):
                    out[("g", run[i : i + n])] += w
            run = ""
    return out


class Reference:
    def __init__(self, m, docs, tokenizer):
        self.m, self.docs, self.tok = m, list(docs), tokenizer
        self.tfs = [tf(d, m, tokenizer) for d in self.docs]
        n = len(self.docs)
        df: dict = defaultdict(int)
        for t in self.tfs:
            for f in t:
                df[f] += 1
        limit = m.max_df if isinstance(m.max_df, int) else m.max_df * n
        self.n = n
        self.df = df
        self.kept = {f for f, v in df.items() if v <= max(limit, m.max_df_floor, 1)}
        self.vecs = [self.vector(d) for d in self.docs]

    def vector(self, doc) -> dict:
        m, n = self.m, self.n
        out, norm2 = {}, 0.0
        for f, t in tf(doc, m, self.tok).items():
            if f in self.df and f not in self.kept:
                continue
            idf = math.log((1 + n) / (1 + self.df.get(f, 0))) + 1
            w = (1 + math.log(t) if t > 1 else t) * idf * (m.ngram_weight if f[0] == "g" else 1)
            norm2 += w * w
            if f in self.df:
                out[f] = w
        norm = math.sqrt(norm2)
        return {f: w / norm for f, w in out.items()} if norm else {}

    def score(self, a, va, b, vb) -> float:
        m = self.m
        text = min(1.0, sum(w * vb.get(f, 0.0) for f, w in va.items()))
        groups = m.chain_groups or {}
        compat = m.category_compat or DEFAULT_CATEGORY_COMPAT
        tiers = m.tier_levels or DEFAULT_TIER_LEVELS
        same = bool(a.chain) and a.chain == b.chain
        related = (
            not same and bool(groups.get(a.chain)) and groups.get(a.chain) == groups.get(b.chain)
        )
        ch, ca = (b, a) if a.kind == "capability" and b.kind == "challenge" else (a, b)
        cat = compat.get(ch.category, {}).get(ca.category, 0.0)
        district = bool(a.district) and a.district == b.district
        cap = b if b.kind == "capability" else a if a.kind == "capability" else None
        tier = tiers.get(cap.tier, 0.0) if cap is not None and cap.tier else 0.0
        boost = (
            1
            + m.chain_weight * same
            + m.related_chain_weight * related
            + m.category_weight * cat
            + m.district_weight * district
            + m.tier_weight * tier
        )
        top = 1 + max(m.chain_weight, m.related_chain_weight)
        top += m.category_weight + m.district_weight + m.tier_weight
        return round(text * boost / top, 6)

    def rank(self, doc, k, kinds=None, vec=None):
        kinds = kinds or [{"challenge": "capability", "capability": "challenge"}[doc.kind]]
        vec = self.vector(doc) if vec is None else vec
        scored = [
            (self.score(doc, vec, d, v), d.id)
            for d, v in zip(self.docs, self.vecs, strict=True)
            if d.kind in kinds and d.id != doc.id
        ]
        scored = sorted((s, i) for s, i in scored if s > 0)
        scored.sort(key=lambda t: (-t[0], t[1]))
        return scored[:k]

    def top_pairs(self, k):
        return {d.id: self.rank(d, k, vec=v) for d, v in zip(self.docs, self.vecs, strict=True)}
