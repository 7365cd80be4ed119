"""One library per job: rjieba against jieba, bm25s against rank_bm25 (issue 11, part 7).

    .venv/bin/pip install jieba rank-bm25        # no longer dependencies; only for this script
    .venv/bin/python bench/compare_libraries.py

Segmentation: speed on the seed listings plus 2,000 generated ones (HMM off, as the
matcher cuts), agreement of token boundaries, and the matcher's quality on set A with
each. BM25: index and scoring time on the seed and on 6,000 generated listings, and
quality on set A (Okapi, k1 1.5, b 0.75, the matcher's words).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import eval_matching as E
from bench_matching import make_corpus

from matching import TfidfMatcher, evaluate, normalize


class JiebaBackend:
    """jieba behind the three calls Tokenizer makes of rjieba."""

    def __init__(self, words):
        import jieba

        self.t = jieba.Tokenizer()
        self.t.initialize()
        for w, f in words:
            self.t.add_word(w, f)

    def cut(self, text, hmm):
        return self.t.lcut(text, HMM=hmm)

    def cut_for_search(self, text, hmm):
        return self.t.lcut_for_search(text, HMM=hmm)

    def add_word(self, w, f, tag):
        self.t.add_word(w, f, tag)


def boundaries(tokens) -> set[tuple[int, int]]:
    out, p = set(), 0
    for t in tokens:
        out.add((p, p + len(t)))
        p += len(t)
    return out


def main() -> None:
    import bm25s
    from rank_bm25 import BM25Okapi

    tok = E.seed_tokenizer()
    jtok = E.seed_tokenizer()
    jtok._jieba = JiebaBackend(jtok.words)
    docs, judged, groups = E.load_seed()
    texts = [normalize(E.full_text(d)) for d in [*docs, *make_corpus(2000)]]
    chars = sum(map(len, texts))
    for name, t in (("rjieba", tok), ("jieba", jtok)):
        t._jieba.cut(texts[0], False)
        start = time.perf_counter()
        for x in texts:
            t._jieba.cut(x, False)
        dt = time.perf_counter() - start
        print(
            f"{name}: {len(texts)} texts, {chars} chars in {dt:.3f} s ({chars / dt / 1e6:.2f} M/s)"
        )
    same = agree = total_r = total_j = 0
    for x in texts:
        a, b = boundaries(tok._jieba.cut(x, False)), boundaries(jtok._jieba.cut(x, False))
        agree, total_r, total_j, same = (
            agree + len(a & b),
            total_r + len(a),
            total_j + len(b),
            same + (a == b),
        )
    print(f"token boundaries shared: {agree / total_r:.4f} of rjieba's, {agree / total_j:.4f} of "
          f"jieba's; identical in {same}/{len(texts)} texts")  # fmt: skip
    for name, t in (("rjieba", tok), ("jieba", jtok)):
        m = TfidfMatcher(chain_groups=groups, tokenizer=t).fit(docs)
        pairs = m.top_pairs(10)
        r = evaluate({q: [x.id for x in pairs.get(q, [])] for q in judged}, judged)
        print(f"matcher with {name}, set A: nDCG@10 {r['ndcg@10']:.4f}, MRR {r['mrr']:.4f}")

    seg = [tok.segment(E.full_text(d)) or [""] for d in docs]
    ch = [i for i, d in enumerate(docs) if d.kind == "challenge"]
    ca = [i for i, d in enumerate(docs) if d.kind == "capability"]
    big = [tok.segment(E.full_text(d)) or [""] for d in make_corpus(6000, seed=3)]
    corpora = {
        "seed": ([seg[i] for i in ca], [seg[i] for i in ch]),
        "6,000 generated": (big[1::2], big[0:600:2]),
    }
    for lib in ("rank_bm25", "bm25s"):
        for label, (corpus, queries) in corpora.items():
            start = time.perf_counter()
            if lib == "rank_bm25":
                bm = BM25Okapi(corpus)
            else:
                bm = bm25s.BM25(k1=1.5, b=0.75, method="robertson")
                bm.index(corpus, show_progress=False)
            indexed = time.perf_counter()
            scores = np.array([bm.get_scores(q) for q in queries])
            done = time.perf_counter()
            line = (
                f"{lib}, {label}: index {indexed - start:.2f} s, "
                f"{len(queries)} queries {done - indexed:.2f} s"
            )
            if label == "seed":
                r = evaluate(E.rank_by_matrix(docs, scores, judged), judged)
                line += f"; set A nDCG@10 {r['ndcg@10']:.4f}, MRR {r['mrr']:.4f}"
            print(line)


if __name__ == "__main__":
    main()
