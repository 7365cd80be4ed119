"""The cost of a live matching index's delta, and how far it drifts from a full refit.

    .venv/bin/python bench/bench_live.py --size 100000    # about 5 minutes, two fits
    .venv/bin/python bench/bench_live.py --size 20000     # about a minute

The base is a TfidfMatcher fitted on ``--size`` synthetic listings (bench_matching.make_corpus,
the generator bench/gen_data.py writes into the load-test database). A stream of changes is
drawn: half new listings, a third edits of base listings (new text, same id and kind), the
rest removals. LiveIndex copies of the base take the first 0, 1,000 and 10,000 changes.

Printed: machine; fit and apply times; ``rank`` (k=10) p50/p99 of unseen listings on the bare
base and on each live index, timed in turn on the same query so that the shared machine's
load falls on all alike (wall time, and the thread's CPU time, which load disturbs less);
then, after the 10,000 changes, the agreement of top-10 ids with a full refit on the live
listings, for the live index and for the base left alone (what a nightly-only index gives).
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_matching import machine, make_corpus

from matching import Change, Doc, LiveIndex, TfidfMatcher


def renamed(docs: list[Doc], prefix: str) -> list[Doc]:
    return [dataclasses.replace(d, id=f"{prefix}-{i:06d}") for i, d in enumerate(docs)]


def change_stream(base: list[Doc], n: int, seed: int) -> list[Change]:
    """n changes: 50 % new listings, 33 % edits of base listings, 17 % removals."""
    rng = random.Random(seed)
    fresh = renamed(make_corpus(n, seed=seed), "NEW")
    by_kind = {k: [d for d in fresh if d.kind == k] for k in ("challenge", "capability")}
    changes = []
    for seq in range(1, n + 1):
        r = rng.random()
        if r < 0.5:
            doc = fresh[seq - 1]
            changes.append(Change(seq, doc.id, doc))
        elif r < 0.83:
            old = base[rng.randrange(len(base))]
            doc = dataclasses.replace(rng.choice(by_kind[old.kind]), id=old.id)
            changes.append(Change(seq, old.id, doc))
        else:
            changes.append(Change(seq, base[rng.randrange(len(base))].id))
    return changes


def live_docs(base: list[Doc], changes: list[Change]) -> list[Doc]:
    state = {d.id: d for d in base}
    for c in changes:
        if c.doc is None:
            state.pop(c.id, None)
        else:
            state[c.id] = c.doc
    return list(state.values())


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) * 1e3


def run(n: int, pending: list[int], n_queries: int, n_agree: int, seed: int) -> None:
    docs = make_corpus(n, seed=0)
    t = time.perf_counter()
    base = TfidfMatcher().fit(docs)
    fit_s = time.perf_counter() - t
    stream = change_stream(docs, max(pending), seed=seed + 1)

    indexes: dict[str, object] = {"base (TfidfMatcher.rank)": base}
    applied = {}
    for p in pending:
        live = LiveIndex(base)
        t = time.perf_counter()
        live.apply(stream[:p])
        len(live)  # builds the view (segment and masks) the first reader would build
        applied[p] = time.perf_counter() - t
        indexes[f"LiveIndex, {p:,} pending changes"] = live

    # One more change on a live index, as a process applies the log every few seconds:
    # transform the new listing, rebuild the view (segment and masks).
    step = {}
    extra = renamed(make_corpus(20, seed=seed + 4), "STEP")
    for p in pending:
        live = indexes[f"LiveIndex, {p:,} pending changes"]
        times = []
        for i, doc in enumerate(extra):
            t = time.perf_counter()
            live.apply([Change(max(pending) + 1 + i, doc.id, doc)])
            len(live)
            times.append(time.perf_counter() - t)
        live.apply([Change(max(pending) + 100 + i, d.id) for i, d in enumerate(extra)])
        step[p] = float(np.median(times))

    queries = renamed(make_corpus(n_queries + 20, seed=seed + 2), "Q")
    wall = {name: [] for name in indexes}
    cpu = {name: [] for name in indexes}
    names = list(indexes)
    for i, q in enumerate(queries):
        # Each query on every index in turn, the order rotating.
        for name in names[i % len(names) :] + names[: i % len(names)]:
            w, c = time.perf_counter(), time.thread_time()
            indexes[name].rank(q, 10)
            if i >= 20:  # the first 20 warm caches
                cpu[name].append(time.thread_time() - c)
                wall[name].append(time.perf_counter() - w)

    print(f"\n## {n:,} base listings; fit {fit_s:.1f} s")
    print(
        "\n| pending changes | apply them + view | one more change + view (median of 20) "
        "| delta docs / masked base rows |"
    )
    print("| ---: | ---: | ---: | ---: |")
    for p in pending:
        live = indexes[f"LiveIndex, {p:,} pending changes"]
        view = live._current()
        print(
            f"| {p:,} | {applied[p] * 1e3:.0f} ms | {step[p] * 1e3:.1f} ms "
            f"| {len(view.delta):,} / {len(view.masked):,} |"
        )
    ref = names[0]
    print(f"\n`rank` k=10, {n_queries} unseen listings, each on every index in turn:\n")
    print("| index | wall p50 / p99 | CPU p50 / p99 | added to the base, median per query (CPU) |")
    print("| --- | ---: | ---: | ---: |")
    for name in names:
        added = np.median(np.subtract(cpu[name], cpu[ref])) * 1e3
        print(
            f"| {name} | {pct(wall[name], 50):.2f} / {pct(wall[name], 99):.2f} ms "
            f"| {pct(cpu[name], 50):.2f} / {pct(cpu[name], 99):.2f} ms "
            f"| {'' if name == ref else f'{added:+.2f} ms'} |"
        )

    # Agreement with a full refit, at each number of pending changes.
    print(
        "\nTop-10 ids against a full refit on the live listings (hits / ids the refit "
        "returns); the last column checks the live index against the same listings in the "
        "base's feature space and idf (`LiveIndex.merged()`), which it should equal:\n"
    )
    print(
        "| pending changes | queries | LiveIndex vs full refit | base alone (no delta) "
        "vs full refit | LiveIndex vs base-idf refit |"
    )
    print("| ---: | --- | ---: | ---: | ---: |")
    refit_times = []
    for p in [p for p in pending if p > 0]:
        live = indexes[f"LiveIndex, {p:,} pending changes"]
        now = live_docs(docs, stream[:p])
        t = time.perf_counter()
        refit = TfidfMatcher().fit(now)
        refit_times.append(f"{len(now):,} listings {time.perf_counter() - t:.1f} s")
        frozen = live.merged()
        rng = random.Random(seed + 3)
        changed_ids = {c.id for c in stream[:p]}
        changed = [d for d in now if d.id in changed_ids]
        samples = {
            "live listings, any": rng.sample(now, min(n_agree, len(now))),
            "changed listings (new or edited)": rng.sample(changed, min(n_agree, len(changed))),
            "unseen listings": queries[20 : 20 + n_agree],
        }
        for label, qs in samples.items():
            hit_live = hit_base = hit_frozen = total = total_frozen = 0
            for q in qs:
                got = {m.id for m in live.rank(q, 10)}
                want = {m.id for m in refit.rank(q, 10)}
                same = {m.id for m in frozen.rank(q, 10)}
                hit_live += len(got & want)
                hit_base += len({m.id for m in base.rank(q, 10)} & want)
                hit_frozen += len(got & same)
                total += len(want)
                total_frozen += len(same)
            print(
                f"| {p:,} | {label} ({len(qs)}) | **{hit_live / total:.4f}** "
                f"| {hit_base / total:.4f} | {hit_frozen / total_frozen:.4f} |"
            )
        del refit, frozen
    print("\nrefits: " + "; ".join(refit_times))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="base listings")
    parser.add_argument("--pending", type=int, nargs="+", default=[0, 1_000, 10_000])
    parser.add_argument("--queries", type=int, default=1000, help="rank timings per index")
    parser.add_argument("--agreement", type=int, default=500, help="queries per agreement row")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(machine())
    run(args.size, args.pending, args.queries, args.agreement, args.seed)
    print("\n" + machine().rsplit("; ", 1)[-1] + " at the end")


if __name__ == "__main__":
    main()
