"""Seat 1:1 meetings into slots and tables. Pure Python on plain data; no Flask, no ORM.

The problem: people (each with a cap on meetings and slots they cannot make), slots,
tables, and candidate pairs with a match score; some pairs are *required* (accepted
requests) and some meetings are *pinned* by the organizer. Hard constraints:

- nobody is in two meetings in one slot, and nobody meets in a slot they marked unavailable;
- a table holds at most one meeting per slot;
- nobody gets more meetings than their cap (pinned meetings count towards it);
- a pair meets at most once; pinned meetings stay exactly where they are.

Order of work: pinned meetings, then required pairs, then *coverage* (a pass that only
seats pairs one of whose people has no meeting yet), then the best remaining pairs by
score, then a repair pass for people who have a good match but no meeting (moving a
meeting to another slot, or giving up a partner's weakest meeting when that partner and
the other side keep at least one), then a last fill. Bitmasks over slots keep it fast:
500 people, 12 slots and 60 tables take well under a second.

The heuristic's earliest-fit choices can block pairs (four firms where five meetings fit
get four), so its schedule is then polished by an exact model of the same rules, a MILP
solved by HiGHS (scipy's ``milp``): one binary per (pair, slot); tables are interchangeable,
so a slot only needs as many meetings as it has free tables, and tables are dealt out after.
The model keeps what the heuristic promised — every request it seated and everyone it gave
a meeting — and maximises the score, with a large weight on requests the heuristic could
not seat. Small events are proved optimal in well under a second; on large ones the solver
stops at its time limit and the better of its best schedule and the heuristic's is kept.

The score is reported against :func:`upper_bound`, a weighted b-matching of the same pairs
without slots or tables (each person at most their cap, every meeting at most once, no more
meetings than places), solved by the same MILP solver; its dual bound is used when the time
runs out, and the loose per-person bound (:func:`loose_bound`) only if scipy fails.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

__all__ = [
    "Pair",
    "Person",
    "Placed",
    "Problem",
    "Schedule",
    "check_schedule",
    "loose_bound",
    "schedule_meetings",
    "upper_bound",
]

#: Seconds HiGHS may spend on one event before the best schedule found so far is kept.
DEFAULT_TIME_LIMIT = 10.0
#: (pair, slot) variables beyond which the exact model is not tried: HiGHS does not stop
#: inside its root LP, which for 500 people × 12 slots (64,000 variables) alone took 50 s
#: on a loaded two-core machine, whatever the time limit.
DEFAULT_MAX_VARIABLES = 20_000


@dataclass(frozen=True, slots=True)
class Person:
    id: Hashable
    #: Meetings at most.
    cap: int
    #: Slot indices (0-based) in which this person cannot meet.
    unavailable: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Pair:
    a: Hashable
    b: Hashable
    score: float
    #: An accepted request: seated before any suggestion, whatever its score.
    required: bool = False


@dataclass(frozen=True, slots=True)
class Placed:
    a: Hashable
    b: Hashable
    slot: int
    table: int
    score: float
    #: "pinned", "request" or "suggested".
    source: str = "suggested"


@dataclass(slots=True)
class Problem:
    people: Sequence[Person]
    n_slots: int
    n_tables: int
    pairs: Sequence[Pair]
    pinned: Sequence[Placed] = ()
    #: Suggested pairs below this score are never seated; "a good match" means at least this.
    good_score: float = 0.0


@dataclass(slots=True)
class Schedule:
    meetings: list[Placed]
    score: float
    bound: float
    #: Required pairs that could not be seated (no common free slot with a free table).
    unplaced_requests: list[Pair] = field(default_factory=list)
    #: People with a good match who still have no meeting.
    uncovered: list[Hashable] = field(default_factory=list)
    #: "heuristic" (the greedy schedule stands) or "exact" (the MILP improved or confirmed it).
    method: str = "heuristic"
    #: The MILP proved that no schedule under the same rules scores more.
    optimal: bool = False

    @property
    def ratio(self) -> float:
        return self.score / self.bound if self.bound > 0 else 1.0


def _key(a: Hashable, b: Hashable) -> frozenset:
    return frozenset((a, b))


class _State:
    """Who is busy when, which tables are taken, and the meetings so far."""

    def __init__(self, problem: Problem):
        self.n_slots = problem.n_slots
        self.n_tables = problem.n_tables
        self.all_slots = (1 << problem.n_slots) - 1
        self.cap: dict = {}
        self.blocked: dict = {}
        for person in problem.people:
            if person.id in self.cap:
                msg = f"person {person.id!r} is listed twice"
                raise ValueError(msg)
            self.cap[person.id] = max(0, person.cap)
            mask = 0
            for s in person.unavailable:
                if 0 <= s < problem.n_slots:
                    mask |= 1 << s
            self.blocked[person.id] = mask
        self.busy: dict = dict.fromkeys(self.cap, 0)
        self.count: dict = dict.fromkeys(self.cap, 0)
        #: slot → set of free table indices.
        self.free_tables = [set(range(problem.n_tables)) for _ in range(problem.n_slots)]
        self.table_open_mask = self.all_slots if problem.n_tables > 0 else 0
        #: (slot, table) → meeting; person → {slot: meeting}.
        self.at: dict[tuple[int, int], Placed] = {}
        self.of: dict = defaultdict(dict)
        self.met: set[frozenset] = set()

    # -- queries
    def free_mask(self, p) -> int:
        """Slots where ``p`` could take one more meeting (ignoring tables)."""
        if self.count[p] >= self.cap[p]:
            return 0
        return self.all_slots & ~self.blocked[p] & ~self.busy[p]

    def common(self, a, b) -> int:
        return self.free_mask(a) & self.free_mask(b) & self.table_open_mask

    def best_slot(self, mask: int) -> int | None:
        """Of the slots in ``mask``, the one with the most free tables (earliest on ties)."""
        best, best_free = None, -1
        while mask:
            low = mask & -mask
            s = low.bit_length() - 1
            free = len(self.free_tables[s])
            if free > best_free:
                best, best_free = s, free
            mask ^= low
        return best

    # -- changes
    def put(self, a, b, slot: int, table: int, score: float, source: str) -> Placed:
        meeting = Placed(a, b, slot, table, score, source)
        self.free_tables[slot].discard(table)
        if not self.free_tables[slot]:
            self.table_open_mask &= ~(1 << slot)
        self.at[(slot, table)] = meeting
        for p in (a, b):
            self.busy[p] |= 1 << slot
            self.count[p] += 1
            self.of[p][slot] = meeting
        self.met.add(_key(a, b))
        return meeting

    def remove(self, meeting: Placed) -> None:
        del self.at[(meeting.slot, meeting.table)]
        self.free_tables[meeting.slot].add(meeting.table)
        self.table_open_mask |= 1 << meeting.slot
        for p in (meeting.a, meeting.b):
            self.busy[p] &= ~(1 << meeting.slot)
            self.count[p] -= 1
            del self.of[p][meeting.slot]
        self.met.discard(_key(meeting.a, meeting.b))

    def seat(self, a, b, score: float, source: str) -> Placed | None:
        if _key(a, b) in self.met:
            return None
        slot = self.best_slot(self.common(a, b))
        if slot is None:
            return None
        return self.put(a, b, slot, min(self.free_tables[slot]), score, source)

    def move(self, meeting: Placed, avoid: int) -> bool:
        """Move a meeting to another slot where both people and a table are free."""
        self.remove(meeting)
        mask = self.common(meeting.a, meeting.b) & ~(1 << avoid) & ~(1 << meeting.slot)
        slot = self.best_slot(mask)
        if slot is None:
            self.put(
                meeting.a, meeting.b, meeting.slot, meeting.table, meeting.score, meeting.source
            )
            return False
        self.put(
            meeting.a, meeting.b, slot, min(self.free_tables[slot]), meeting.score, meeting.source
        )
        return True


def _slots_of(mask: int) -> Iterable[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _repair(state: _State, p, options: list[Pair], movable) -> bool:
    """Try to give ``p`` (who has no meeting) one of ``options``; True on success."""
    for pair in options:
        q = pair.b if pair.a == p else pair.a
        if _key(p, q) in state.met:
            continue
        if state.seat(p, q, pair.score, "suggested"):
            return True
        p_free = state.free_mask(p)
        if state.count[q] < state.cap[q]:
            q_open = state.all_slots & ~state.blocked[q]
            for s in _slots_of(p_free & q_open):
                # q is busy in s: move q's meeting elsewhere.
                m = state.of[q].get(s)
                if m is not None and (not movable(m) or not state.move(m, avoid=s)):
                    continue
                if state.free_tables[s]:
                    state.put(p, q, s, min(state.free_tables[s]), pair.score, "suggested")
                    return True
                # Every table is taken in s: move some other meeting out of it.
                for (slot, _table), other in list(state.at.items()):
                    if slot == s and movable(other) and state.move(other, avoid=s):
                        state.put(p, q, s, min(state.free_tables[s]), pair.score, "suggested")
                        return True
        else:
            # q is full: give up q's weakest movable meeting whose other side keeps one.
            weakest = sorted((m for m in state.of[q].values() if movable(m)), key=lambda m: m.score)
            for m in weakest:
                r = m.b if m.a == q else m.a
                if state.count[r] < 2 or not (p_free >> m.slot) & 1:
                    continue
                state.remove(m)
                state.put(p, q, m.slot, m.table, pair.score, "suggested")
                return True
    return False


def _usable(problem: Problem) -> list[Pair]:
    """Pairs that may be seated: required ones, and suggestions at or above the cut-off."""
    known = {p.id for p in problem.people}
    return [
        pr
        for pr in _candidates(problem)
        if pr.a in known
        and pr.b in known
        and (pr.required or (pr.score >= problem.good_score and pr.score > 0))
    ]


def loose_bound(problem: Problem) -> float:
    """No schedule scores more: each person's best ``cap`` pair scores, summed and halved,
    and the best (slots × tables) pair scores; the smaller of the two."""
    usable = _usable(problem)
    scores_of: dict = defaultdict(list)
    for pr in usable:
        scores_of[pr.a].append(pr.score)
        scores_of[pr.b].append(pr.score)
    per_person = 0.0
    for person in problem.people:
        cap = min(person.cap, problem.n_slots - len(set(person.unavailable)))
        if cap > 0:
            per_person += sum(sorted(scores_of[person.id], reverse=True)[:cap])
    places = problem.n_slots * problem.n_tables
    by_table = sum(sorted((pr.score for pr in usable), reverse=True)[:places])
    return min(per_person / 2, by_table)


def _candidates(problem: Problem) -> list[Pair]:
    """The pairs, one per couple (required wins, then the higher score), plus pinned ones."""
    best: dict[frozenset, Pair] = {}
    for pin in problem.pinned:
        best[_key(pin.a, pin.b)] = Pair(pin.a, pin.b, pin.score, required=True)
    for pr in problem.pairs:
        if pr.a == pr.b:
            continue
        k = _key(pr.a, pr.b)
        old = best.get(k)
        if old is None or (pr.required, pr.score) > (old.required, old.score):
            best[k] = pr
    return list(best.values())


def _greedy(problem: Problem) -> Schedule:
    """Seat pinned meetings, accepted requests, coverage, best pairs; repair (no bound)."""
    state = _State(problem)
    known = set(state.cap)
    for pin in problem.pinned:
        if pin.a not in known or pin.b not in known:
            msg = f"pinned meeting {pin.a!r}–{pin.b!r} names someone not taking part"
            raise ValueError(msg)
        if not (0 <= pin.slot < problem.n_slots and 0 <= pin.table < problem.n_tables):
            msg = f"pinned meeting {pin.a!r}–{pin.b!r} is outside the slots or tables"
            raise ValueError(msg)
        if (pin.slot, pin.table) in state.at or any(
            (state.busy[p] >> pin.slot) & 1 for p in (pin.a, pin.b)
        ):
            msg = f"pinned meetings clash in slot {pin.slot}"
            raise ValueError(msg)
        state.put(pin.a, pin.b, pin.slot, pin.table, pin.score, "pinned")

    pairs = [pr for pr in _candidates(problem) if pr.a in known and pr.b in known]
    pairs.sort(key=lambda pr: (-pr.score, str(pr.a), str(pr.b)))
    required = [pr for pr in pairs if pr.required and _key(pr.a, pr.b) not in state.met]
    good = [
        pr for pr in pairs if not pr.required and pr.score > 0 and pr.score >= problem.good_score
    ]

    def movable(m: Placed) -> bool:
        return m.source != "pinned"

    def movable_suggestion(m: Placed) -> bool:
        return m.source == "suggested"

    unplaced = []
    for pr in required:
        if state.seat(pr.a, pr.b, pr.score, "request"):
            continue
        unplaced.append(pr)
    still = []
    for pr in unplaced:
        # Make room by moving other meetings; a request may move others but drops none.
        if not _repair_request(state, pr, movable):
            still.append(pr)
    unplaced = still

    for pr in good:  # coverage first
        if state.count[pr.a] == 0 or state.count[pr.b] == 0:
            state.seat(pr.a, pr.b, pr.score, "suggested")
    for pr in good:
        state.seat(pr.a, pr.b, pr.score, "suggested")

    options: dict = defaultdict(list)
    for pr in good:
        options[pr.a].append(pr)
        options[pr.b].append(pr)
    uncovered = []
    for person in problem.people:
        p = person.id
        if (
            state.count[p] == 0
            and state.cap[p] > 0
            and options[p]
            and not _repair(state, p, options[p], movable_suggestion)
        ):
            uncovered.append(p)
    for pr in good:
        state.seat(pr.a, pr.b, pr.score, "suggested")
    uncovered = [p for p in uncovered if state.count[p] == 0]

    meetings = sorted(state.at.values(), key=lambda m: (m.slot, m.table))
    return Schedule(
        meetings=meetings,
        score=round(sum(m.score for m in meetings), 6),
        bound=0.0,
        unplaced_requests=unplaced,
        uncovered=uncovered,
    )


def schedule_meetings(
    problem: Problem,
    *,
    exact: bool = True,
    time_limit: float = DEFAULT_TIME_LIMIT,
    max_variables: int = DEFAULT_MAX_VARIABLES,
) -> Schedule:
    """The greedy schedule, polished by the exact model when ``exact``; score and bound."""
    schedule = _greedy(problem)
    if exact and time_limit > 0:
        better = _exact(problem, schedule, time_limit, max_variables)
        if better is not None:
            schedule = better
    bound = upper_bound(
        problem, time_limit=max(time_limit, 1.0), unplaced=schedule.unplaced_requests
    )
    schedule.bound = round(max(bound, schedule.score), 6)
    return schedule


def _available(problem: Problem) -> dict:
    """person → the set of slots in which they may meet (unpinned)."""
    return {
        p.id: {s for s in range(problem.n_slots) if s not in p.unavailable} for p in problem.people
    }


def _exact(
    problem: Problem, greedy: Schedule, time_limit: float, max_variables: int
) -> Schedule | None:
    """The MILP of the same rules, started from what ``greedy`` promised; None if no better."""
    pinned_pairs = {_key(m.a, m.b) for m in problem.pinned}
    busy = {(p, m.slot) for m in problem.pinned for p in (m.a, m.b)}
    pinned_count: dict = defaultdict(int)
    for m in problem.pinned:
        pinned_count[m.a] += 1
        pinned_count[m.b] += 1
    free_tables = [problem.n_tables] * problem.n_slots
    for m in problem.pinned:
        free_tables[m.slot] -= 1
    avail = _available(problem)
    caps = {p.id: max(0, p.cap) - pinned_count[p.id] for p in problem.people}
    pairs = [pr for pr in _usable(problem) if _key(pr.a, pr.b) not in pinned_pairs]
    columns: list[tuple[Pair, int]] = [
        (pr, s)
        for pr in pairs
        for s in sorted(avail[pr.a] & avail[pr.b])
        if (pr.a, s) not in busy and (pr.b, s) not in busy and free_tables[s] > 0
    ]
    if not columns or len(columns) > max_variables:
        return None
    placed_pairs = {_key(m.a, m.b) for m in greedy.meetings if m.source == "request"}
    covered = {p for m in greedy.meetings if m.source != "pinned" for p in (m.a, m.b)}
    covered -= {p for p, n in pinned_count.items() if n > 0}
    # Requests the greedy pass left out are worth more than every suggestion together.
    heavy = sum(pr.score for pr in pairs) + 1.0 if greedy.unplaced_requests else 0.0
    weights = np.array([pr.score + (heavy if pr.required else 0.0) for pr, _s in columns])

    rows: list[int] = []
    cols: list[int] = []
    lower: list[float] = []
    upper: list[float] = []

    def constraint(members: Iterable[int], lo: float, hi: float) -> None:
        row = len(lower)
        for j in members:
            rows.append(row)
            cols.append(j)
        lower.append(lo)
        upper.append(hi)

    by_person_slot: dict = defaultdict(list)
    by_person: dict = defaultdict(list)
    by_pair: dict = defaultdict(list)
    by_slot: dict = defaultdict(list)
    for j, (pr, s) in enumerate(columns):
        for p in (pr.a, pr.b):
            by_person_slot[(p, s)].append(j)
            by_person[p].append(j)
        by_pair[_key(pr.a, pr.b)].append(j)
        by_slot[s].append(j)
    for members in by_person_slot.values():
        if len(members) > 1:
            constraint(members, 0, 1)
    for p, members in by_person.items():
        lo = 1 if p in covered else 0
        constraint(members, lo, max(caps[p], lo))
    for k, members in by_pair.items():
        constraint(members, 1 if k in placed_pairs else 0, 1)
    for s, members in by_slot.items():
        if len(members) > free_tables[s]:
            constraint(members, 0, free_tables[s])
    a = coo_array((np.ones(len(rows)), (rows, cols)), shape=(len(lower), len(columns))).tocsr()
    result = milp(
        -weights,
        integrality=np.ones(len(columns)),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(a, lower, upper),
        options={"time_limit": time_limit, "mip_rel_gap": 1e-7},
    )
    if result.x is None:
        return None
    chosen = [columns[j] for j in np.flatnonzero(result.x > 0.5)]
    score = sum(pr.score for pr, _s in chosen) + sum(m.score for m in problem.pinned)
    seated = {_key(pr.a, pr.b) for pr, _s in chosen if pr.required}
    unplaced = [pr for pr in greedy.unplaced_requests if _key(pr.a, pr.b) not in seated]
    if (len(unplaced), -round(score, 6)) > (len(greedy.unplaced_requests), -greedy.score):
        return None
    if (len(unplaced), -round(score, 6)) == (len(greedy.unplaced_requests), -greedy.score):
        if result.status != 0:
            return None
        greedy.method, greedy.optimal = "exact", True
        return greedy
    taken = defaultdict(set)
    for m in problem.pinned:
        taken[m.slot].add(m.table)
    meetings = list(problem.pinned)
    chosen.sort(key=lambda c: (c[1], -c[0].score, str(c[0].a), str(c[0].b)))
    for pr, s in chosen:
        table = next(t for t in range(problem.n_tables) if t not in taken[s])
        taken[s].add(table)
        source = "request" if pr.required else "suggested"
        meetings.append(Placed(pr.a, pr.b, s, table, pr.score, source))
    met = {p for m in meetings for p in (m.a, m.b)}
    return Schedule(
        meetings=sorted(meetings, key=lambda m: (m.slot, m.table)),
        score=round(score, 6),
        bound=0.0,
        unplaced_requests=unplaced,
        uncovered=[p for p in greedy.uncovered if p not in met],
        method="exact",
        optimal=result.status == 0,
    )


def upper_bound(
    problem: Problem,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    unplaced: Iterable[Pair] | None = None,
) -> float:
    """No schedule scores more: the best weighted b-matching of the usable pairs, without
    slots — each person in at most ``cap`` meetings (and no more than the slots they can
    make), each pair once, no more meetings than slots × tables.

    With ``unplaced`` given, every other required pair is in the matching: the bound is then
    over schedules that seat those requests, as the rules ask (requests come first, whatever
    their score), and not over schedules that drop a request for better suggestions."""
    avail = _available(problem)
    pinned_count: dict = defaultdict(int)
    for m in problem.pinned:
        pinned_count[m.a] += 1
        pinned_count[m.b] += 1
    pinned_pairs = {_key(m.a, m.b) for m in problem.pinned}
    degree = {
        p.id: max(min(max(0, p.cap), len(avail[p.id])), pinned_count[p.id]) for p in problem.people
    }
    pairs = [
        pr
        for pr in _usable(problem)
        if _key(pr.a, pr.b) in pinned_pairs or avail[pr.a] & avail[pr.b]
    ]
    if not pairs:
        return 0.0
    rows: list[int] = []
    cols: list[int] = []
    upper: list[float] = []
    index = {p.id: i for i, p in enumerate(problem.people)}
    for j, pr in enumerate(pairs):
        for p in (pr.a, pr.b):
            rows.append(index[p])
            cols.append(j)
    upper.extend(degree[p.id] for p in problem.people)
    n = len(problem.people)
    rows.extend([n] * len(pairs))
    cols.extend(range(len(pairs)))
    upper.append(problem.n_slots * problem.n_tables)
    a = coo_array((np.ones(len(rows)), (rows, cols)), shape=(n + 1, len(pairs))).tocsr()
    weights = np.array([pr.score for pr in pairs])
    left_out = {_key(pr.a, pr.b) for pr in unplaced} if unplaced is not None else None
    forced = np.array(
        [
            left_out is not None
            and (pr.required or _key(pr.a, pr.b) in pinned_pairs)
            and _key(pr.a, pr.b) not in left_out
            for pr in pairs
        ],
        dtype=float,
    )
    result = milp(
        -weights,
        integrality=np.ones(len(pairs)),
        bounds=Bounds(forced, 1),
        constraints=LinearConstraint(a, 0, upper),
        options={"time_limit": time_limit, "mip_rel_gap": 1e-7},
    )
    if result.status == 2 and forced.any():
        # The seated requests cannot all be in one matching (they can: a schedule seats
        # them); kept for safety against a caller passing a wrong list.
        return upper_bound(problem, time_limit=time_limit)
    if result.status == 0:
        return min(float(-result.fun), loose_bound(problem))
    if result.mip_dual_bound is not None and np.isfinite(result.mip_dual_bound):
        return min(float(-result.mip_dual_bound), loose_bound(problem))
    return loose_bound(problem)


def _repair_request(state: _State, pr: Pair, movable) -> bool:
    """Seat a required pair by moving one meeting of either side (or one in a full slot)."""
    if state.count[pr.a] >= state.cap[pr.a] or state.count[pr.b] >= state.cap[pr.b]:
        return False
    open_both = state.all_slots & ~state.blocked[pr.a] & ~state.blocked[pr.b]
    for s in _slots_of(open_both):
        moved = []
        ok = True
        for p in (pr.a, pr.b):
            m = state.of[p].get(s)
            if m is None:
                continue
            if not movable(m) or not state.move(m, avoid=s):
                ok = False
                break
            moved.append(m)
        if ok and not state.free_tables[s]:
            ok = any(
                movable(other) and state.move(other, avoid=s)
                for (slot, _t), other in list(state.at.items())
                if slot == s
            )
        if ok and state.free_tables[s]:
            state.put(pr.a, pr.b, s, min(state.free_tables[s]), pr.score, "request")
            return True
    return False


def check_schedule(problem: Problem, meetings: Iterable[Placed]) -> list[str]:
    """Every broken hard constraint, in words; empty when the schedule is valid."""
    problems: list[str] = []
    people = {p.id: p for p in problem.people}
    seen_place: set[tuple[int, int]] = set()
    seen_person: set[tuple[Hashable, int]] = set()
    seen_pair: set[frozenset] = set()
    count: dict = defaultdict(int)
    meetings = list(meetings)
    for m in meetings:
        if not (0 <= m.slot < problem.n_slots and 0 <= m.table < problem.n_tables):
            problems.append(f"{m} is outside the slots or tables")
        if (m.slot, m.table) in seen_place:
            problems.append(f"table {m.table} holds two meetings in slot {m.slot}")
        seen_place.add((m.slot, m.table))
        if _key(m.a, m.b) in seen_pair:
            problems.append(f"{m.a!r} and {m.b!r} meet twice")
        seen_pair.add(_key(m.a, m.b))
        for p in (m.a, m.b):
            if p not in people:
                problems.append(f"{p!r} is not taking part")
                continue
            if (p, m.slot) in seen_person:
                problems.append(f"{p!r} is in two meetings in slot {m.slot}")
            seen_person.add((p, m.slot))
            if m.slot in people[p].unavailable and m.source != "pinned":
                problems.append(f"{p!r} is unavailable in slot {m.slot}")
            count[p] += 1
    pinned_count: dict = defaultdict(int)
    for pin in problem.pinned:
        pinned_count[pin.a] += 1
        pinned_count[pin.b] += 1
    for p, n in count.items():
        if p in people and n > max(people[p].cap, pinned_count[p]):
            problems.append(f"{p!r} has {n} meetings, more than the cap {people[p].cap}")
    placed = {(m.a, m.b, m.slot, m.table) for m in meetings}
    for pin in problem.pinned:
        if (pin.a, pin.b, pin.slot, pin.table) not in placed:
            problems.append(f"pinned meeting {pin.a!r}–{pin.b!r} moved or dropped")
    return problems
