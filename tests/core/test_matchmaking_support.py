"""Helpers shared by the matchmaking tests (this module holds no tests).

`check_schedule` and `brute_force_held` are written independently of desk's scheduler code, so
that the tests do not trust the code they test.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping

from hypothesis import strategies as st

from desk.core.matchmaking.model import MeetingRequest, Participant, Problem, Schedule, Session, Slot

DAY = dt.date(2016, 11, 30)


def make_slots(count: int, break_after: Iterable[int] = ()) -> tuple[Slot, ...]:
    """Slots 1..count of 20 minutes from 09:00, with a 20-minute break after the given ones."""
    start = dt.datetime.combine(DAY, dt.time(9, 0))
    slots = []
    for number in range(1, count + 1):
        slots.append(Slot(number, start, start + dt.timedelta(minutes=20)))
        start += dt.timedelta(minutes=40 if number in set(break_after) else 20)
    return tuple(slots)


def make_problem(
    pairs: Iterable[tuple[str, str] | tuple[str, str, int]],
    slots: int = 3,
    tables: int = 2,
    available: Mapping[str, Iterable[int]] | None = None,
    people: Iterable[str] = (),
) -> Problem:
    """A problem from pairs (optionally with a priority); availability None means every slot."""
    available = available or {}
    requests = [MeetingRequest(p[0], p[1], p[2] if len(p) > 2 else 1) for p in pairs]  # type: ignore[misc]
    ids = sorted({*people, *(r.requester for r in requests), *(r.partner for r in requests)})
    participants = tuple(
        Participant(pid, f"Org {pid}", f"Name {pid}", "BE", None,
                    frozenset(available[pid]) if pid in available else None)
        for pid in ids
    )
    return Problem(participants, tuple(requests), Session(make_slots(slots), tables))


def check_schedule(problem: Problem, schedule: Schedule) -> None:
    """Assert every rule a schedule must keep."""
    requested = {frozenset((r.requester, r.partner)) for r in problem.requests}
    free = {p.participant_id: (set(problem.session.numbers) if p.available is None else set(p.available))
            for p in problem.participants}
    seen_pairs: set[frozenset[str]] = set()
    busy: set[tuple[str, int]] = set()
    tables: set[tuple[int, int]] = set()
    for m in schedule.meetings:
        pair = frozenset((m.requester, m.partner))
        assert pair in requested, f"{m} was not requested"
        assert pair not in seen_pairs, f"{m} is held twice"
        seen_pairs.add(pair)
        assert m.slot in problem.session.numbers
        for p in pair:
            assert m.slot in free[p], f"{p} is not available in slot {m.slot}"
            assert (p, m.slot) not in busy, f"{p} has two meetings in slot {m.slot}"
            busy.add((p, m.slot))
        assert 1 <= m.table <= problem.tables, f"{m} has no real table"
        assert (m.slot, m.table) not in tables, f"two meetings at table {m.table} in slot {m.slot}"
        tables.add((m.slot, m.table))
    left = {frozenset((u.requester, u.partner)) for u in schedule.unscheduled}
    assert left.isdisjoint(seen_pairs)
    assert left | seen_pairs == requested
    assert len(schedule.unscheduled) == len(left)
    assert schedule.held == len(schedule.meetings)
    assert schedule.requested == len(problem.requests)
    assert schedule.held <= schedule.upper_bound
    if schedule.optimal:
        assert schedule.upper_bound == schedule.held


def brute_force_held(problem: Problem, required: Iterable[frozenset[str]] = ()) -> int:
    """The most meetings any schedule can hold, by trying every slot (or none) for every meeting;
    pairs in `required` must be held (-1 when that is impossible)."""
    required = set(required)
    free = {p.participant_id: (set(problem.session.numbers) if p.available is None else set(p.available))
            for p in problem.participants}
    options = [
        ([] if frozenset((r.requester, r.partner)) in required else [None])
        + [s for s in problem.session.numbers if s in free[r.requester] and s in free[r.partner]]
        for r in problem.requests
    ]
    best = -1
    for choice in itertools.product(*options):
        held = [(r, s) for r, s in zip(problem.requests, choice) if s is not None]
        if len(held) <= best:
            continue
        per_slot: dict[int, int] = {}
        people: set[tuple[str, int]] = set()
        ok = True
        for r, s in held:
            per_slot[s] = per_slot.get(s, 0) + 1
            for p in (r.requester, r.partner):
                ok = ok and (p, s) not in people
                people.add((p, s))
            ok = ok and per_slot[s] <= problem.tables
        if ok:
            best = len(held)
    return best


@st.composite
def small_problems(draw: st.DrawFn, max_requests: int = 7, max_slots: int = 3, max_tables: int = 2) -> Problem:
    """Problems small enough for `brute_force_held`."""
    people = [f"P{k}" for k in range(draw(st.integers(2, 6)))]
    slot_count = draw(st.integers(1, max_slots))
    all_pairs = list(itertools.combinations(people, 2))
    pairs = draw(st.lists(st.sampled_from(all_pairs), unique=True, max_size=min(max_requests, len(all_pairs))))
    pairs = [(b, a) if draw(st.booleans()) else (a, b) for a, b in pairs]
    priorities = [draw(st.integers(1, 3)) for _ in pairs]
    available = {
        p: draw(st.sets(st.integers(1, slot_count), max_size=slot_count))
        for p in people if draw(st.booleans())
    }
    return make_problem(
        [(a, b, prio) for (a, b), prio in zip(pairs, priorities)],
        slots=slot_count, tables=draw(st.integers(1, max_tables)), available=available, people=people,
    )
