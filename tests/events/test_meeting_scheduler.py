"""The scheduler's hard constraints, over random events (hypothesis), and its priorities."""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rongtong.events.meeting_scheduler import (
    Pair,
    Person,
    Placed,
    Problem,
    check_schedule,
    schedule_meetings,
    upper_bound,
)

pytestmark = pytest.mark.nodb


@st.composite
def events(draw):
    """A random event: people with caps and unavailable slots, pairs, requests, pinned."""
    n_slots = draw(st.integers(1, 6))
    n_tables = draw(st.integers(1, 5))
    n_people = draw(st.integers(2, 16))
    people = [
        Person(
            i,
            draw(st.integers(0, 4)),
            frozenset(draw(st.sets(st.integers(0, n_slots - 1), max_size=n_slots))),
        )
        for i in range(n_people)
    ]
    couples = list(itertools.combinations(range(n_people), 2))
    chosen = draw(st.lists(st.sampled_from(couples), max_size=40, unique=True))
    pairs = [
        Pair(a, b, draw(st.floats(0, 1, allow_nan=False)), required=draw(st.booleans()))
        for a, b in chosen
    ]
    # Pinned meetings consistent among themselves: distinct places, nobody twice a slot.
    pinned, places, busy, met = [], set(), set(), set()
    for a, b in draw(st.lists(st.sampled_from(couples), max_size=4, unique=True)):
        slot = draw(st.integers(0, n_slots - 1))
        table = draw(st.integers(0, n_tables - 1))
        if (slot, table) in places or (a, slot) in busy or (b, slot) in busy:
            continue
        places.add((slot, table))
        busy |= {(a, slot), (b, slot)}
        met.add((a, b))
        pinned.append(Placed(a, b, slot, table, 0.5, "pinned"))
    good = draw(st.sampled_from((0.0, 0.3, 0.6)))
    return Problem(people, n_slots, n_tables, pairs, pinned, good_score=good)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events())
def test_every_hard_constraint_holds(problem):
    schedule = schedule_meetings(problem)
    assert check_schedule(problem, schedule.meetings) == []
    # Spelled out, not only through check_schedule:
    people = {p.id: p for p in problem.people}
    pinned_places = {(m.slot, m.table) for m in problem.pinned}
    by_person_slot = {}
    by_place = {}
    per_person = {p: 0 for p in people}
    for m in schedule.meetings:
        assert (m.slot, m.table) not in by_place, "one meeting per table per slot"
        by_place[(m.slot, m.table)] = m
        for p in (m.a, m.b):
            assert (p, m.slot) not in by_person_slot, "nobody in two places at once"
            by_person_slot[(p, m.slot)] = m
            if (m.slot, m.table) not in pinned_places:
                assert m.slot not in people[p].unavailable, "availability"
            per_person[p] += 1
    pinned_per_person = {p: 0 for p in people}
    for m in problem.pinned:
        pinned_per_person[m.a] += 1
        pinned_per_person[m.b] += 1
        assert by_place[(m.slot, m.table)] == m, "pinned meetings stay where they are"
    for p, n in per_person.items():
        assert n <= max(people[p].cap, pinned_per_person[p]), "per-person cap"
    assert schedule.score <= schedule.bound + 1e-6


@settings(max_examples=300, deadline=None)
@given(events())
def test_good_matches_are_covered_where_possible(problem):
    """Someone with a good match, a free slot in common and room at a table gets a meeting."""
    schedule = schedule_meetings(problem)
    met = {p for m in schedule.meetings for p in (m.a, m.b)}
    counts = {p.id: 0 for p in problem.people}
    busy = {}
    for m in schedule.meetings:
        for p in (m.a, m.b):
            counts[p] += 1
            busy.setdefault(p, set()).add(m.slot)
    used = {(m.slot, m.table) for m in schedule.meetings}
    people = {p.id: p for p in problem.people}
    for pr in problem.pairs:
        if pr.score <= 0 or pr.score < problem.good_score:
            continue
        for p, q in ((pr.a, pr.b), (pr.b, pr.a)):
            if p in met or people[p].cap == 0 or counts[q] >= people[q].cap:
                continue
            # p has nothing; if q had a common free slot with a free table, the
            # scheduler would have seated them.
            for s in range(problem.n_slots):
                free_table = any((s, t) not in used for t in range(problem.n_tables))
                assert not (
                    free_table
                    and s not in people[p].unavailable
                    and s not in people[q].unavailable
                    and s not in busy.get(q, set())
                ), f"{p} left without a meeting though {q} was free in slot {s}"


def test_accepted_requests_come_before_better_suggestions():
    people = [Person(i, 1) for i in range(3)]
    problem = Problem(
        people, 1, 1, [Pair(0, 1, 0.9), Pair(0, 2, 0.1, required=True)], good_score=0.0
    )
    schedule = schedule_meetings(problem)
    assert [(m.a, m.b, m.source) for m in schedule.meetings] == [(0, 2, "request")]


def test_pinned_meeting_kept_even_against_a_request():
    people = [Person(i, 2) for i in range(3)]
    pinned = [Placed(0, 1, 0, 0, 0.2, "pinned")]
    problem = Problem(people, 1, 1, [Pair(0, 2, 0.9, required=True)], pinned)
    schedule = schedule_meetings(problem)
    assert schedule.meetings == pinned
    assert schedule.unplaced_requests == [Pair(0, 2, 0.9, required=True)]


def test_repair_moves_a_meeting_to_cover_someone():
    # 0 and 1 both want 2; one slot each is usable for 0 and 1 only if 2's meeting moves.
    people = [Person(0, 1, frozenset({1})), Person(1, 1), Person(2, 2)]
    pairs = [Pair(1, 2, 0.9), Pair(0, 2, 0.5)]
    schedule = schedule_meetings(Problem(people, 2, 1, pairs))
    assert {frozenset((m.a, m.b)) for m in schedule.meetings} == {
        frozenset((1, 2)),
        frozenset((0, 2)),
    }
    assert schedule.uncovered == []


def test_repair_gives_up_a_weak_meeting_of_a_full_partner():
    # 2 can take one meeting; 1 also has 3; 0 has only 2.
    people = [Person(0, 1), Person(1, 2), Person(2, 1), Person(3, 2)]
    pairs = [Pair(1, 2, 0.9), Pair(1, 3, 0.8), Pair(0, 2, 0.6)]
    schedule = schedule_meetings(Problem(people, 3, 2, pairs, good_score=0.5))
    met = {p for m in schedule.meetings for p in (m.a, m.b)}
    assert met == {0, 1, 2, 3}
    assert schedule.uncovered == []


def test_upper_bound_is_tight_on_a_perfect_matching():
    people = [Person(i, 1) for i in range(4)]
    pairs = [Pair(0, 1, 0.8), Pair(2, 3, 0.6), Pair(0, 2, 0.1)]
    problem = Problem(people, 1, 2, pairs)
    assert upper_bound(problem) == pytest.approx(1.4)
    schedule = schedule_meetings(problem)
    assert schedule.score == pytest.approx(1.4)
    assert schedule.ratio == pytest.approx(1.0)


def test_clashing_pinned_meetings_are_refused():
    people = [Person(i, 2) for i in range(3)]
    pinned = [Placed(0, 1, 0, 0, 0.1, "pinned"), Placed(0, 2, 0, 1, 0.1, "pinned")]
    with pytest.raises(ValueError, match="clash"):
        schedule_meetings(Problem(people, 1, 2, [], pinned))


def test_bench_size_finishes_in_seconds():
    import time

    from bench.bench_meetings import make_problem

    problem = make_problem(500, 12, 60, cap=6, seed=3)
    started = time.perf_counter()
    schedule = schedule_meetings(problem)
    assert time.perf_counter() - started < 5
    assert check_schedule(problem, schedule.meetings) == []
    assert 0.5 < schedule.ratio <= 1.0
