"""Speed and quality of the 1:1 meeting scheduler on a synthetic event.

    .venv/bin/python bench/bench_meetings.py --people 500 --slots 12 --tables 60

People get random interest vectors; a pair's score is the cosine of their vectors,
clipped at 0, and each person keeps their 20 best counterparts as candidate pairs.
About a fifth of the people have accepted requests, a few meetings are pinned, and a
third of the people are unavailable in one or two slots. Prints the machine, the time
to schedule, meetings seated, the total score against the upper bound, how many people
with a good match got no meeting, and whether every hard constraint holds.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rongtong.events.meeting_scheduler import (
    Pair,
    Person,
    Placed,
    Problem,
    check_schedule,
    schedule_meetings,
)


def make_problem(n_people: int, n_slots: int, n_tables: int, *, cap: int, seed: int) -> Problem:
    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    vectors = np_rng.random((n_people, 16)) ** 4  # a few strong interests each
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, 0)
    people = []
    for i in range(n_people):
        blocked = (
            frozenset(rng.sample(range(n_slots), rng.choice((1, 2))))
            if rng.random() < 0.33
            else frozenset()
        )
        people.append(Person(i, cap, blocked))
    pairs: dict[tuple[int, int], Pair] = {}
    top = np.argsort(-sims, axis=1)[:, :20]
    for i in range(n_people):
        for j in top[i].tolist():
            a, b = min(i, j), max(i, j)
            pairs[(a, b)] = Pair(a, b, round(float(sims[a, b]), 4))
    for _ in range(n_people // 5):  # accepted requests, often not the best-scoring pairs
        a, b = rng.sample(range(n_people), 2)
        a, b = min(a, b), max(a, b)
        pairs[(a, b)] = Pair(a, b, round(float(sims[a, b]), 4), required=True)
    pinned = []
    used = set()
    for t in range(min(10, n_tables)):
        a, b = rng.sample(range(n_people), 2)
        if a in used or b in used:
            continue
        used |= {a, b}
        pinned.append(Placed(a, b, t % n_slots, t, round(float(sims[a, b]), 4), "pinned"))
    # People pinned in a slot they marked unavailable: the organizer's word wins, but keep
    # the generated data honest.
    people = [
        Person(p.id, p.cap, p.unavailable - {m.slot for m in pinned if p.id in (m.a, m.b)})
        for p in people
    ]
    return Problem(people, n_slots, n_tables, list(pairs.values()), pinned, good_score=0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--slots", type=int, default=12)
    parser.add_argument("--tables", type=int, default=60)
    parser.add_argument("--cap", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    machine = f"{platform.platform()} · {os.cpu_count()} CPUs"
    print(f"machine: {machine} · Python {platform.python_version()}")
    problem = make_problem(args.people, args.slots, args.tables, cap=args.cap, seed=args.seed)
    good = sum(1 for p in problem.pairs if p.score >= problem.good_score or p.required)
    print(
        f"event: {args.people} people, {args.slots} slots, {args.tables} tables, cap {args.cap}, "
        f"{len(problem.pairs)} candidate pairs ({good} good or required), "
        f"{sum(p.required for p in problem.pairs)} accepted requests, {len(problem.pinned)} pinned"
    )
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        schedule = schedule_meetings(problem)
        times.append(time.perf_counter() - started)
    violations = check_schedule(problem, schedule.meetings)
    with_good = {x for p in problem.pairs if p.score >= problem.good_score for x in (p.a, p.b)}
    covered = {x for m in schedule.meetings for x in (m.a, m.b)}
    print(f"time: best {min(times):.3f} s, median {sorted(times)[len(times) // 2]:.3f} s")
    print(
        f"meetings: {len(schedule.meetings)} of {args.slots * args.tables} table-slots; "
        f"score {schedule.score:.1f} / bound {schedule.bound:.1f} = ratio {schedule.ratio:.3f}"
    )
    print(
        f"people with a good match: {len(with_good)}, without a meeting: "
        f"{len(with_good - covered)}; unplaced requests: {len(schedule.unplaced_requests)}"
    )
    print(f"constraint violations: {len(violations)}")
    if violations:
        sys.exit(1)


if __name__ == "__main__":
    main()
