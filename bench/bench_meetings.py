"""Speed and quality of the 1:1 meeting scheduler on a synthetic event.

    .venv/bin/python bench/bench_meetings.py --people 500 --slots 12 --tables 60

People get random interest vectors; a pair's score is the cosine of their vectors,
clipped at 0, and each person keeps their 20 best counterparts as candidate pairs.
About a fifth of the people have accepted requests, a few meetings are pinned, and a
third of the people are unavailable in one or two slots. Prints the machine, the time
to schedule, meetings seated, the total score against the upper bound, how many people
with a good match got no meeting, and whether every hard constraint holds.

Then it compares, on the same event and on ``--small`` random small events, the greedy
schedule, the exact model (HiGHS through scipy's ``milp``, ``--time-limit`` seconds) and the
bound (a weighted b-matching without slots), and on the per-person bound of before:

    .venv/bin/python bench/bench_meetings.py --people 100 --slots 8 --tables 20 --small 200
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
    DEFAULT_MAX_VARIABLES,
    Pair,
    Person,
    Placed,
    Problem,
    check_schedule,
    loose_bound,
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
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--max-variables", type=int, default=DEFAULT_MAX_VARIABLES)
    parser.add_argument("--small", type=int, default=0, help="random 4–8 person events")
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
        schedule = schedule_meetings(problem, exact=False)
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
    compare(problem, args)
    if args.small:
        compare_small(args.small, args.seed, args.time_limit)


def compare(problem: Problem, args) -> None:
    """Greedy, exact model and bound on the event above."""
    started = time.perf_counter()
    exact = schedule_meetings(problem, time_limit=args.time_limit, max_variables=args.max_variables)
    took = time.perf_counter() - started
    greedy = schedule_meetings(problem, exact=False)
    loose = loose_bound(problem)
    print(
        f"greedy {greedy.score:.2f} ({len(greedy.meetings)} meetings) · "
        f"exact {exact.score:.2f} ({len(exact.meetings)}; {exact.method}, "
        f"{'proved optimal' if exact.optimal else 'not proved'}, {took:.2f} s with the bound) · "
        f"b-matching bound {exact.bound:.2f} · per-person bound {loose:.2f}"
    )
    print(
        f"greedy / bound {greedy.score / exact.bound:.4f} · exact / bound "
        f"{exact.score / exact.bound:.4f} · greedy / per-person bound {greedy.score / loose:.4f}"
    )
    if check_schedule(problem, exact.meetings):
        sys.exit(1)


def small_problem(rng: random.Random) -> Problem:
    n_people = rng.randint(4, 8)
    n_slots = rng.randint(2, 6)
    n_tables = rng.randint(1, 3)
    people = [
        Person(i, rng.randint(1, 4), frozenset(s for s in range(n_slots) if rng.random() < 0.25))
        for i in range(n_people)
    ]
    pairs = [
        Pair(a, b, round(rng.random(), 3))
        for a in range(n_people)
        for b in range(a + 1, n_people)
        if rng.random() < 0.6
    ]
    return Problem(people, n_slots, n_tables, pairs, good_score=0.0)


def compare_small(n: int, seed: int, time_limit: float) -> None:
    """How often the greedy pass falls short of the proved optimum on small events."""
    rng = random.Random(seed)
    short = fewer = proved = 0
    worst = 1.0
    exact_times = []
    for _ in range(n):
        problem = small_problem(rng)
        greedy = schedule_meetings(problem, exact=False)
        started = time.perf_counter()
        exact = schedule_meetings(problem, time_limit=time_limit)
        exact_times.append(time.perf_counter() - started)
        proved += exact.optimal
        if exact.score > greedy.score + 1e-9:
            short += 1
            worst = min(worst, greedy.score / exact.score)
        fewer += len(exact.meetings) > len(greedy.meetings)
        if check_schedule(problem, exact.meetings):
            sys.exit(1)
    exact_times.sort()
    print(
        f"small events: {n}; exact proved optimal in {proved}; greedy below the optimum in "
        f"{short} ({100 * short / n:.1f} %), with fewer meetings in {fewer}; worst greedy / "
        f"optimum {worst:.3f}; exact time median {exact_times[n // 2] * 1000:.0f} ms, "
        f"max {exact_times[-1] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
