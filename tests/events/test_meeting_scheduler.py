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
    loose_bound,
    schedule_meetings,
    upper_bound,
)

from .meeting_reference import best as brute_force_best

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
    # Against the b-matching bound the greedy schedule is within half a percent; the
    # per-person bound said 0.92 of the same schedule.
    assert 0.99 < schedule.ratio <= 1.0
    assert schedule.score / loose_bound(problem) < 0.95


@st.composite
def tiny_events(draw):
    """Events small enough to try every schedule: ≤ 5 people, ≤ 6 pairs, ≤ 3 slots."""
    n_slots = draw(st.integers(1, 3))
    n_tables = draw(st.integers(1, 2))
    n_people = draw(st.integers(2, 5))
    people = [
        Person(
            i,
            draw(st.integers(0, 3)),
            frozenset(draw(st.sets(st.integers(0, n_slots - 1), max_size=n_slots))),
        )
        for i in range(n_people)
    ]
    couples = list(itertools.combinations(range(n_people), 2))
    chosen = draw(st.lists(st.sampled_from(couples), max_size=6, unique=True))
    pairs = [
        Pair(
            a,
            b,
            draw(st.sampled_from((0.0, 0.1, 0.25, 0.5, 0.8, 1.0))),
            required=draw(st.integers(0, 4)) == 0,
        )
        for a, b in chosen
    ]
    pinned = []
    if n_people >= 2 and draw(st.booleans()):
        slot = draw(st.integers(0, n_slots - 1))
        pinned.append(Placed(0, 1, slot, 0, 0.4, "pinned"))
    good = draw(st.sampled_from((0.0, 0.3)))
    return Problem(people, n_slots, n_tables, pairs, pinned, good_score=good)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_events())
def test_exact_schedule_against_every_schedule(problem):
    """The MILP's schedule is valid, never worse than the greedy one and, when it says so,
    optimal: no schedule that keeps the greedy's requests and people seats more requests or
    scores more. No schedule at all beats the bound."""
    greedy = schedule_meetings(problem, exact=False)
    schedule = schedule_meetings(problem)
    assert check_schedule(problem, schedule.meetings) == []
    assert len(schedule.unplaced_requests) <= len(greedy.unplaced_requests)
    if len(schedule.unplaced_requests) == len(greedy.unplaced_requests):
        assert schedule.score >= greedy.score - 1e-9
    pinned_people = {p for m in problem.pinned for p in (m.a, m.b)}
    seated = frozenset(frozenset((m.a, m.b)) for m in greedy.meetings if m.source == "request")
    covered = frozenset(p for m in greedy.meetings for p in (m.a, m.b)) - pinned_people
    top = brute_force_best(problem, seated=seated, covered=covered)
    requests = sum(m.source == "request" for m in schedule.meetings)
    assert top is not None
    assert (requests, schedule.score) <= (top[0], top[1] + 1e-9)
    if schedule.optimal:
        assert requests == top[0]
        assert schedule.score == pytest.approx(top[1])
    # The bound is over schedules that seat the same requests; none of them scores more.
    same = frozenset(frozenset((m.a, m.b)) for m in schedule.meetings if m.source == "request")
    anything = brute_force_best(problem, seated=same)
    assert anything is not None
    assert anything[1] <= schedule.bound + 1e-6
    assert schedule.score <= schedule.bound + 1e-9


def test_exact_model_seats_what_the_earliest_slot_blocks():
    # Found by comparing with the MILP on random 4-firm events: the greedy pass seats 0–1
    # in slot 1, which leaves 2 (one meeting only) no partner 3 can meet.
    people = [
        Person(0, 2, frozenset({0})),
        Person(1, 3, frozenset({2})),
        Person(2, 1),
        Person(3, 3, frozenset({0})),
    ]
    pairs = [Pair(a, b, 1.0) for a, b in ((0, 1), (0, 2), (0, 3), (1, 2), (2, 3))]
    problem = Problem(people, 3, 1, pairs)
    assert len(schedule_meetings(problem, exact=False).meetings) == 2
    schedule = schedule_meetings(problem)
    assert len(schedule.meetings) == 3
    assert schedule.optimal and schedule.method == "exact"
    assert schedule.ratio == pytest.approx(1.0)
    assert check_schedule(problem, schedule.meetings) == []


def test_four_firms_eight_slots_five_tables_fill_every_cap():
    """The organizer's event: two strong pairs and four weak ones. At the default cut-off
    only the strong pairs meet; with the cut-off lowered everyone meets everyone."""
    people = [Person(i, 6) for i in range(4)]
    strong = {frozenset((0, 1)), frozenset((2, 3))}
    pairs = [
        Pair(a, b, 0.6 if frozenset((a, b)) in strong else 0.06)
        for a, b in itertools.combinations(range(4), 2)
    ]
    at_default = schedule_meetings(Problem(people, 8, 5, pairs, good_score=0.1))
    assert len(at_default.meetings) == 2
    lowered = schedule_meetings(Problem(people, 8, 5, pairs, good_score=0.0))
    assert len(lowered.meetings) == 6
    per_person = {p: 0 for p in range(4)}
    for m in lowered.meetings:
        per_person[m.a] += 1
        per_person[m.b] += 1
    assert per_person == {0: 3, 1: 3, 2: 3, 3: 3}
    assert lowered.optimal and lowered.ratio == pytest.approx(1.0)


def test_bound_is_a_matching_not_the_sum_of_best_scores():
    # A star: 0 likes everyone, but can take one meeting; the others like only 0.
    people = [Person(0, 1)] + [Person(i, 3) for i in range(1, 4)]
    pairs = [Pair(0, i, 0.9) for i in range(1, 4)]
    problem = Problem(people, 3, 3, pairs)
    assert loose_bound(problem) == pytest.approx((0.9 + 2.7) / 2)
    assert upper_bound(problem) == pytest.approx(0.9)
    assert schedule_meetings(problem).ratio == pytest.approx(1.0)


def test_time_limit_keeps_the_greedy_schedule_when_the_model_is_too_big():
    people = [Person(i, 2) for i in range(6)]
    pairs = [Pair(a, b, 0.5) for a, b in itertools.combinations(range(6), 2)]
    problem = Problem(people, 3, 2, pairs)
    schedule = schedule_meetings(problem, max_variables=1)
    assert schedule.method == "heuristic" and not schedule.optimal
    assert check_schedule(problem, schedule.meetings) == []
