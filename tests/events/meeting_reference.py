"""A brute-force oracle for the meeting scheduler: every way to seat the pairs, tried."""

import itertools
from collections import Counter


def _key(a, b):
    return frozenset((a, b))


def usable_pairs(problem):
    """One pair per couple (required wins, then the higher score), as the rules take them."""
    best = {}
    for pr in problem.pairs:
        if pr.a == pr.b:
            continue
        k = _key(pr.a, pr.b)
        if k not in best or (pr.required, pr.score) > (best[k].required, best[k].score):
            best[k] = pr
    pinned = {_key(m.a, m.b) for m in problem.pinned}
    return [
        pr
        for k, pr in best.items()
        if k not in pinned and (pr.required or (pr.score > 0 and pr.score >= problem.good_score))
    ]


def schedules(problem):
    """Every valid schedule beyond the pinned meetings, as a list of (pair, slot)."""
    people = {p.id: p for p in problem.people}
    pairs = usable_pairs(problem)
    base_busy = {(p, m.slot) for m in problem.pinned for p in (m.a, m.b)}
    base_count = Counter(p for m in problem.pinned for p in (m.a, m.b))
    base_tables = Counter(m.slot for m in problem.pinned)
    for choice in itertools.product([None, *range(problem.n_slots)], repeat=len(pairs)):
        busy, count, tables = set(base_busy), Counter(base_count), Counter(base_tables)
        ok = True
        for pr, s in zip(pairs, choice, strict=True):
            if s is None:
                continue
            for p in (pr.a, pr.b):
                if (p, s) in busy or s in people[p].unavailable:
                    ok = False
                busy.add((p, s))
                count[p] += 1
            tables[s] += 1
        if not ok or any(tables[s] > problem.n_tables for s in tables):
            continue
        if any(count[p] > max(people[p].cap, base_count[p]) for p in count if p in people):
            continue
        yield [(pr, s) for pr, s in zip(pairs, choice, strict=True) if s is not None]


def best(problem, *, seated=frozenset(), covered=frozenset()):
    """(requests seated, score) at best over schedules that seat every couple in ``seated``
    and give everyone in ``covered`` a meeting; None when there is none."""
    pinned_score = sum(m.score for m in problem.pinned)
    pinned_people = {p for m in problem.pinned for p in (m.a, m.b)}
    top = None
    for chosen in schedules(problem):
        couples = {_key(pr.a, pr.b) for pr, _s in chosen}
        met = pinned_people | {p for pr, _s in chosen for p in (pr.a, pr.b)}
        if not seated <= couples or not covered <= met:
            continue
        value = (
            sum(pr.required for pr, _s in chosen),
            round(pinned_score + sum(pr.score for pr, _s in chosen), 6),
        )
        if top is None or value > top:
            top = value
    return top
