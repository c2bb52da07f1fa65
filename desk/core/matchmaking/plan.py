"""From chosen slots to a full schedule: first-fit, filling, repairs, table numbers, reasons.

`first_fit` is the quick greedy scheduler (the benchmark's baseline). `augment` and `compact`
are local repairs the solver also uses. `complete_schedule` is shared by every scheduler so that
tables and reasons follow one rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping

from desk.core.matchmaking.model import (
    NO_COMMON_SLOT,
    TABLES_TAKEN,
    MatchmakingError,
    Meeting,
    Problem,
    Schedule,
    Unscheduled,
    combinatorial_bound,
    overbooked,
    usable_slots,
)


def feasible_degree(problem: Problem) -> dict[str, int]:
    """Return, per participant, how many of their meetings have a common free slot."""
    degree: dict[str, int] = {pid: 0 for pid in problem.available}
    for request, common in zip(problem.requests, problem.common):
        if common:
            degree[request.requester] += 1
            degree[request.partner] += 1
    return degree


def _hardest_first(problem: Problem) -> list[int]:
    """Request indices, most important and most constrained first (ties by input order)."""
    degree = feasible_degree(problem)

    def key(i: int) -> tuple[int, int, int, int]:
        r = problem.requests[i]
        return (-r.priority, len(problem.common[i]), -(degree[r.requester] + degree[r.partner]), i)

    return sorted((i for i, c in enumerate(problem.common) if c), key=key)


def fill(problem: Problem, slot_of: Mapping[int, int]) -> dict[int, int]:
    """Return `slot_of` plus every further meeting that still fits in its first possible slot.

    Makes any schedule maximal: afterwards, no unscheduled meeting has a common slot where both
    sides are free and a table is left.
    """
    result = dict(slot_of)
    busy = {(p, s) for i, s in result.items() for p in (problem.requests[i].requester, problem.requests[i].partner)}
    used: dict[int, int] = defaultdict(int)
    for s in result.values():
        used[s] += 1
    for i in _hardest_first(problem):
        if i in result:
            continue
        r = problem.requests[i]
        for s in problem.common[i]:
            if used[s] < problem.tables and (r.requester, s) not in busy and (r.partner, s) not in busy:
                result[i] = s
                used[s] += 1
                busy.update({(r.requester, s), (r.partner, s)})
                break
    return result


def _idle(slots: set[int], available: list[int]) -> int:
    """Idle available slots between the first and the last of `slots` (`available` in time order)."""
    if len(slots) < 2:
        return 0
    ranks = [k for k, s in enumerate(available) if s in slots]
    return ranks[-1] - ranks[0] + 1 - len(slots)


def compact(
    problem: Problem, slot_of: Mapping[int, int], rounds: int = 20, fixed: Collection[int] = ()
) -> dict[int, int]:
    """Return the same meetings moved so that participants wait less between meetings.

    Local search that never changes which meetings are held: move a meeting to another slot, or
    swap the slots of two meetings that share a participant, whenever the idle slots of the
    people concerned go down. Meetings in `fixed` (published ones) do not move. Stops when
    nothing improves or after `rounds` passes.
    """
    result = dict(slot_of)
    position = {n: k for k, n in enumerate(problem.session.numbers)}
    available = {p: sorted(slots, key=position.__getitem__) for p, slots in problem.available.items()}
    at: dict[tuple[str, int], int] = {}
    slots_of: dict[str, set[int]] = defaultdict(set)
    used: dict[int, int] = defaultdict(int)
    for i, s in result.items():
        r = problem.requests[i]
        at[r.requester, s] = at[r.partner, s] = i
        slots_of[r.requester].add(s)
        slots_of[r.partner].add(s)
        used[s] += 1

    def cost(people: set[str]) -> int:
        return sum(_idle(slots_of[p], available[p]) for p in people)

    def place(i: int, old: int, new: int) -> None:
        r = problem.requests[i]
        for p in (r.requester, r.partner):
            if at.get((p, old)) == i:  # in a swap the other meeting may already sit there
                del at[p, old]
                slots_of[p].discard(old)
        for p in (r.requester, r.partner):
            at[p, new] = i
            slots_of[p].add(new)
        used[old] -= 1
        used[new] += 1
        result[i] = new

    for _ in range(rounds):
        improved = False
        for i in sorted(set(result) - set(fixed)):
            r = problem.requests[i]
            s = result[i]
            for t in problem.common[i]:
                if t == s:
                    continue
                blockers = {at.get((p, t)) for p in (r.requester, r.partner)} - {None}
                if not blockers and used[t] < problem.tables:
                    people = {r.requester, r.partner}
                    before = cost(people)
                    place(i, s, t)
                    if cost(people) < before:
                        improved, s = True, t
                        continue
                    place(i, t, s)
                elif len(blockers) == 1:
                    (j,) = blockers
                    q = problem.requests[j]
                    if j in fixed or s not in problem.common[j]:
                        continue
                    if any(at.get((p, s)) not in (None, i) for p in (q.requester, q.partner)):
                        continue
                    people = {r.requester, r.partner, q.requester, q.partner}
                    before = cost(people)
                    place(i, s, t)  # the slot count of s and t stays the same after the swap
                    place(j, t, s)
                    if cost(people) < before:
                        improved, s = True, t
                        continue
                    place(j, s, t)
                    place(i, t, s)
        if not improved:
            break
    return result


def augment(problem: Problem, slot_of: Mapping[int, int], depth: int = 2, budget: int = 100_000) -> dict[int, int]:
    """Return `slot_of` plus meetings that fit once a few held meetings move elsewhere.

    For a meeting not held and a common slot, the meetings that block it there (one per busy
    side; when all tables are taken, any one meeting of the slot) move to another slot, where
    they may in turn move a blocker of theirs, up to `depth` moves deep (shallow chains are
    tried first). A chain that does not close is undone. Never drops a meeting; stops after
    `budget` tried moves so that the time stays bounded.
    """
    result = fill(problem, slot_of)
    at: dict[tuple[str, int], int] = {}
    in_slot: dict[int, set[int]] = defaultdict(set)
    journal: list[tuple[int, int, bool]] = []  # (meeting, slot, put or taken), to undo a chain
    tried = 0

    def put(i: int, s: int, log: bool = True) -> None:
        r = problem.requests[i]
        at[r.requester, s] = at[r.partner, s] = i
        in_slot[s].add(i)
        result[i] = s
        if log:
            journal.append((i, s, True))

    def take(i: int, log: bool = True) -> None:
        s = result.pop(i)
        r = problem.requests[i]
        del at[r.requester, s], at[r.partner, s]
        in_slot[s].discard(i)
        if log:
            journal.append((i, s, False))

    def undo(mark: int) -> None:
        while len(journal) > mark:
            i, s, was_put = journal.pop()
            if was_put:
                take(i, log=False)
            else:
                put(i, s, log=False)

    def place(i: int, level: int, chain: frozenset[int], avoid: int | None) -> bool:
        nonlocal tried
        r = problem.requests[i]
        slots = [s for s in problem.common[i] if s != avoid]
        for s in slots:
            if len(in_slot[s]) < problem.tables and (r.requester, s) not in at and (r.partner, s) not in at:
                put(i, s)
                return True
        if level == 0:
            return False
        for s in slots:
            blockers = sorted({at[p, s] for p in (r.requester, r.partner) if (p, s) in at})
            # a full slot: any of its meetings may make room, but only as the last move of a chain
            groups = [blockers] if blockers else ([[j] for j in sorted(in_slot[s])] if level == 1 else [])
            for group in groups:
                if chain.intersection(group) or tried >= budget:
                    continue
                tried += 1
                mark = len(journal)
                for j in group:
                    take(j)
                put(i, s)
                if all(place(j, level - 1, chain | {i}, s) for j in group):
                    return True
                undo(mark)
        return False

    for i, s in list(result.items()):
        put(i, s, log=False)
    for i in _hardest_first(problem):
        if i not in result:
            any(place(i, level, frozenset(), None) for level in range(1, depth + 1))
        journal.clear()
    return result


def first_fit(problem: Problem) -> Schedule:
    """Schedule greedily: hardest meeting first, each into the earliest slot that still fits.

    Returns a maximal Schedule whose upper bound is the combinatorial bound.
    """
    return complete_schedule(problem, compact(problem, fill(problem, {})), combinatorial_bound(problem), optimal=False)


def assign_tables(
    problem: Problem, slot_of: Mapping[int, int], keep: Mapping[int, tuple[int, int]] | None = None
) -> dict[int, int]:
    """Return a table number (1..T) per scheduled request index.

    A meeting still in the slot where it was published keeps its table (`keep`: index →
    (slot, table)); otherwise a participant who met at a table before stays at that table when
    it is free, so busy people do not walk; the rest take the lowest free table.
    Raises MatchmakingError when a slot holds more meetings than tables.
    """
    keep = keep or {}
    degree = feasible_degree(problem)
    by_slot: dict[int, list[int]] = defaultdict(list)
    for i, s in slot_of.items():
        by_slot[s].append(i)
    table_of: dict[int, int] = {}
    home: dict[str, int] = {}
    for s in problem.session.numbers:
        indices = by_slot.get(s, [])
        if len(indices) > problem.tables:
            raise MatchmakingError(f"slot {s} holds {len(indices)} meetings but there are {problem.tables} tables")
        free = set(range(1, problem.tables + 1))
        for i in sorted(indices):
            was = keep.get(i)
            if was is not None and was[0] == s and was[1] in free:
                table_of[i] = was[1]
                free.discard(was[1])
        # busiest participants claim their previous table first
        def busiest(i: int) -> tuple[int, int]:
            r = problem.requests[i]
            return (-max(degree[r.requester], degree[r.partner]), i)

        for i in sorted((i for i in indices if i not in table_of), key=busiest):
            r = problem.requests[i]
            for pid in sorted((r.requester, r.partner), key=lambda p: -degree[p]):
                if home.get(pid) in free:
                    table_of[i] = home[pid]
                    free.discard(home[pid])
                    break
        for i in sorted(i for i in indices if i not in table_of):
            table_of[i] = min(free)
            free.discard(table_of[i])
        for i in indices:
            r = problem.requests[i]
            home[r.requester] = home[r.partner] = table_of[i]
    return table_of


def unscheduled_reasons(problem: Problem, slot_of: Mapping[int, int]) -> dict[int, str]:
    """Return the most specific true reason for every request index not in `slot_of`.

    In order: the availabilities do not meet; one side has more meetings than usable slots;
    every common slot where both are free has all tables taken; otherwise the side busy in
    most of the common slots is named as over-booked.
    """
    busy = {(p, s) for i, s in slot_of.items() for p in (problem.requests[i].requester, problem.requests[i].partner)}
    used: dict[int, int] = defaultdict(int)
    for s in slot_of.values():
        used[s] += 1
    degree = feasible_degree(problem)
    usable = usable_slots(problem)
    reasons: dict[int, str] = {}
    for i, r in enumerate(problem.requests):
        if i in slot_of:
            continue
        common = problem.common[i]
        sides = (r.requester, r.partner)
        if not common:
            reasons[i] = NO_COMMON_SLOT
            continue
        excess = {p: degree[p] - len(usable[p]) for p in sides}
        worst = max(sides, key=lambda p: excess[p])  # max keeps the requester on ties
        if excess[worst] > 0:
            reasons[i] = overbooked(worst)
            continue
        both_free = [s for s in common if (r.requester, s) not in busy and (r.partner, s) not in busy]
        if both_free or all(used[s] >= problem.tables for s in common):
            reasons[i] = TABLES_TAKEN
            continue
        taken = {p: sum((p, s) in busy for s in common) for p in sides}
        reasons[i] = overbooked(max(sides, key=lambda p: taken[p]))
    return reasons


def complete_schedule(
    problem: Problem,
    slot_of: Mapping[int, int],
    upper_bound: int,
    optimal: bool,
    keep: Mapping[int, tuple[int, int]] | None = None,
) -> Schedule:
    """Return the Schedule for chosen slots (request index → slot number).

    Fills what still fits, numbers the tables (see `assign_tables`) and gives each meeting that
    is not held its reason. Raises MatchmakingError if `slot_of` breaks a rule.
    """
    for i, s in slot_of.items():
        if s not in problem.common[i]:
            r = problem.requests[i]
            raise MatchmakingError(f"{r.requester} and {r.partner} are not both free in slot {s}")
    chosen = fill(problem, slot_of)
    busy: set[tuple[str, int]] = set()
    for i, s in chosen.items():
        for p in (problem.requests[i].requester, problem.requests[i].partner):
            if (p, s) in busy:
                raise MatchmakingError(f"{p} has two meetings in slot {s}")
            busy.add((p, s))
    table_of = assign_tables(problem, chosen, keep)
    position = {n: k for k, n in enumerate(problem.session.numbers)}
    meetings = sorted(
        (
            Meeting(problem.requests[i].requester, problem.requests[i].partner, s, table_of[i])
            for i, s in chosen.items()
        ),
        key=lambda m: (position[m.slot], m.table),
    )
    reasons = unscheduled_reasons(problem, chosen)
    unscheduled = [
        Unscheduled(problem.requests[i].requester, problem.requests[i].partner, reasons[i]) for i in sorted(reasons)
    ]
    held = len(meetings)
    bound = max(held, upper_bound)
    return Schedule(held, len(problem.requests), bound, optimal or held == bound, meetings, unscheduled)
