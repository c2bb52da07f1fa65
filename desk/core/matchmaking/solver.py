"""The CP-SAT scheduler: the most meetings first, then priority, fairness and fewest idle slots.

One boolean per (meeting, slot) where both sides are free; at most one slot per meeting, at most
one meeting per participant and slot, at most T meetings per slot. Tables are numbered
afterwards, which removes the table symmetry from the model.

The number of meetings held is settled first, usually without any search: the linear relaxation
(GLOP) gives an upper bound, and rounding it plus a few moves (`augment`) nearly always reaches
that bound, which proves optimality. Only when it does not does CP-SAT search, from that start.
The other goals follow one after the other (lexicographically): each phase fixes the value
reached by the previous one and starts from its solution. Only the proof about `held` counts as
`optimal`, because `held` is what the desk reports. With two workers and a time limit CP-SAT is
not bit-for-bit repeatable; the relaxation path is.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from desk.core.matchmaking.model import Meeting, Problem, Schedule, combinatorial_bound, pair_key, usable_slots
from desk.core.matchmaking.plan import augment, compact, complete_schedule, feasible_degree, fill
from desk.core.matchmaking.review import ScheduleChange, diff_schedules

WORKERS = 2  # the desk machines have two cores
FIRST_PHASE_SHARE = 0.75  # of the time limit, for the phase that decides how many meetings are held
POLISH_SHARE = 0.05  # of the time limit, kept for the final local search and the table numbers
STEER_SHARE = 0.3  # of the time limit, at most, for steering the relaxation to the secondary goals
CANCEL_POLL_S = 0.1

Cancelled = Callable[[], bool]


@contextmanager
def _stoppable(solver: cp_model.CpSolver, cancelled: Cancelled | None) -> Iterator[None]:
    """Stop `solver` soon after `cancelled()` turns true (CP-SAT offers no cancel check of its own)."""
    if cancelled is None:
        yield
        return
    finished = threading.Event()

    def watch() -> None:
        while not finished.wait(CANCEL_POLL_S):
            if cancelled():
                solver.stop_search()
                return

    watcher = threading.Thread(target=watch, name="desk-match-cancel", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        finished.set()
        watcher.join()


class _Model:
    """The CP-SAT model of one problem, with a solver that runs phase after phase."""

    def __init__(self, problem: Problem, seed: int, cancelled: Cancelled | None = None) -> None:
        self.problem = problem
        self.cancelled = cancelled
        self.model = cp_model.CpModel()
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        by_person_slot: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
        by_slot: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for i, (request, common) in enumerate(zip(problem.requests, problem.common)):
            for s in common:
                var = self.model.new_bool_var(f"x{i}_{s}")
                self.x[i, s] = var
                by_person_slot[request.requester, s].append(var)
                by_person_slot[request.partner, s].append(var)
                by_slot[s].append(var)
            if len(common) > 1:
                self.model.add_at_most_one(self.x[i, s] for s in common)
        for group in by_person_slot.values():
            if len(group) > 1:
                self.model.add_at_most_one(group)
        for group in by_slot.values():
            if len(group) > problem.tables:
                self.model.add(sum(group) <= problem.tables)
        self.by_person_slot = by_person_slot
        self.seed = seed
        self.solution: dict[int, int] = {}
        self.wall_s = 0.0

    def held(self) -> cp_model.LinearExpr:
        return sum(self.x.values())

    def hint(self, slot_of: dict[int, int]) -> None:
        self.model.clear_hints()
        for (i, s), var in self.x.items():
            self.model.add_hint(var, slot_of.get(i) == s)

    def solve(self, objective: cp_model.LinearExprT, maximize: bool, time_s: float) -> tuple[bool, bool, float]:
        """Optimise one goal from the current solution; fix the value reached for later phases.

        Returns (found a solution, proven optimal, best bound); nothing is searched once cancelled.
        """
        if self.cancelled is not None and self.cancelled():
            return False, False, float("nan")
        if maximize:
            self.model.maximize(objective)
        else:
            self.model.minimize(objective)
        if self.solution:
            self.hint(self.solution)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = WORKERS
        solver.parameters.random_seed = self.seed
        solver.parameters.max_time_in_seconds = max(time_s, 0.05)
        with _stoppable(solver, self.cancelled):
            status = solver.solve(self.model)
        self.wall_s += solver.wall_time
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False, False, float("nan")
        self.solution = {i: s for (i, s), var in self.x.items() if solver.boolean_value(var)}
        value = round(solver.objective_value)
        self.model.add(objective >= value if maximize else objective <= value)
        return True, status == cp_model.OPTIMAL, solver.best_objective_bound


def _shortfall(m: _Model, fair_share: int) -> cp_model.LinearExprT:
    """Sum over participants of how far they stay below min(their meetings, usable slots, k)."""
    problem = m.problem
    degree = feasible_degree(problem)
    usable = usable_slots(problem)
    held_by: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    for (i, _), var in m.x.items():
        held_by[problem.requests[i].requester].append(var)
        held_by[problem.requests[i].partner].append(var)
    terms = []
    for pid, variables in held_by.items():
        target = min(degree[pid], len(usable[pid]), fair_share)
        short = m.model.new_int_var(0, target, f"short_{pid}")
        m.model.add(short >= target - sum(variables))
        terms.append(short)
    return sum(terms)


def _idle_slots(m: _Model) -> cp_model.LinearExprT:
    """Sum over participants of free slots (where they are available) between their first and
    last meeting: last rank - first rank + 1 - meetings, ranks counted in their available slots."""
    problem = m.problem
    terms = []
    slots_of: dict[str, list[int]] = defaultdict(list)
    for (p, s) in m.by_person_slot:
        slots_of[p].append(s)
    position = {n: k for k, n in enumerate(problem.session.numbers)}
    for pid, slots in slots_of.items():
        if len(slots) < 3:
            continue  # two slots cannot leave an idle one between them
        rank = {s: k for k, s in enumerate(sorted(problem.available[pid], key=position.__getitem__))}
        first = m.model.new_int_var(0, len(rank) - 1, f"first_{pid}")
        last = m.model.new_int_var(-1, len(rank) - 1, f"last_{pid}")
        m.model.add(last >= first - 1)
        count = []
        for s in slots:
            for var in m.by_person_slot[pid, s]:
                m.model.add(first <= rank[s]).only_enforce_if(var)
                m.model.add(last >= rank[s]).only_enforce_if(var)
                count.append(var)
        terms.append(last - first + 1 - sum(count))
    return sum(terms)


def _lp_relaxation(
    problem: Problem, keep: Mapping[int, tuple[int, int]], fair_share: int | None = None, steer_s: float = 0.0
) -> tuple[int | None, dict[int, int]]:
    """Solve the linear relaxation of "most meetings held" with GLOP.

    Returns (its value rounded down, a schedule rounded from it). The value is a valid upper
    bound. On matchmaking problems the relaxation is nearly integral: rounding it and moving a
    few blocking meetings (`augment`) usually reaches the bound, which proves the schedule
    optimal without any search. With `fair_share`, the relaxation is also steered, among the
    most-meetings solutions, to priority, then fairness, then early slots, and the best rounding
    is returned: a start the later CP-SAT phases often only need to confirm. Those steering
    solves share `steer_s` seconds; one that runs out of it is skipped. Returns (None, {}) if
    GLOP fails.
    """
    steer_until = time.monotonic() + steer_s
    lp = pywraplp.Solver.CreateSolver("GLOP")
    infinity = lp.infinity()
    x: dict[tuple[int, int], pywraplp.Variable] = {}
    # rows are filled coefficient by coefficient: the natural `lp.Add(sum(...))` API is 4x slower
    person_rows: dict[tuple[str, int], pywraplp.Constraint] = {}
    slot_rows = {s: lp.Constraint(-infinity, problem.tables) for s in problem.session.numbers}
    objective = lp.Objective()
    for i, (request, common) in enumerate(zip(problem.requests, problem.common)):
        if not common:
            continue
        once = lp.Constraint(1.0 if i in keep else -infinity, 1.0)
        for s in common:
            var = x[i, s] = lp.NumVar(0.0, 1.0, "")
            once.SetCoefficient(var, 1.0)
            slot_rows[s].SetCoefficient(var, 1.0)
            objective.SetCoefficient(var, 1.0)
            for pid in (request.requester, request.partner):
                row = person_rows.get((pid, s))
                if row is None:
                    row = person_rows[pid, s] = lp.Constraint(-infinity, 1.0)
                row.SetCoefficient(var, 1.0)
    objective.SetMaximization()
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None, {}
    best = objective.Value()
    bound = math.floor(best + 1e-6)
    candidates = [_round(problem, {key: var.solution_value() for key, var in x.items()})]
    if len(candidates[0]) >= bound and fair_share is None:
        return bound, candidates[0]
    if len(candidates[0]) < bound:
        fair_share = None  # the most meetings are not settled: leave the time to that search

    def steer() -> bool:
        """Solve within the steering time; True when an optimal relaxation came out."""
        left_ms = int((steer_until - time.monotonic()) * 500)  # half of what is left
        if left_ms < 10:
            return False
        lp.SetTimeLimit(left_ms)
        return lp.Solve() == pywraplp.Solver.OPTIMAL

    def keep_value() -> None:
        # the next stage may not lose what this one reached
        row = lp.Constraint(objective.Value() - 1e-6, infinity)
        for var in x.values():
            row.SetCoefficient(var, objective.GetCoefficient(var))
        for var in extra:
            row.SetCoefficient(var, objective.GetCoefficient(var))

    extra: list[pywraplp.Variable] = []
    keep_value()
    if fair_share:
        # priority first, then the shortfall below min(meetings, usable slots, k), in one objective
        degree, usable = feasible_degree(problem), usable_slots(problem)
        targets = {pid: min(d, len(usable[pid]), fair_share) for pid, d in degree.items()}
        weight = sum(targets.values()) + 1.0
        objective.Clear()
        for (i, _), var in x.items():
            objective.SetCoefficient(var, weight * problem.requests[i].priority)
        for pid, target in targets.items():
            if target == 0:
                continue
            short = lp.NumVar(0.0, float(target), "")
            extra.append(short)
            objective.SetCoefficient(short, -1.0)
            row = lp.Constraint(float(target), infinity)
            row.SetCoefficient(short, 1.0)
            for i in problem.meetings_of[pid]:
                for s in problem.common[i]:
                    row.SetCoefficient(x[i, s], 1.0)
        objective.SetMaximization()
        if steer():
            candidates.append(_round(problem, {key: var.solution_value() for key, var in x.items()}))
            keep_value()
    # early slots: packed agendas leave fewer idle slots (and this vertex often rounds better)
    position = {n: k for k, n in enumerate(problem.session.numbers)}
    objective.Clear()
    for (_, s), var in x.items():
        objective.SetCoefficient(var, float(position[s]))
    objective.SetMinimization()
    if steer() or fair_share is None and lp.Solve() == pywraplp.Solver.OPTIMAL:
        candidates.append(_round(problem, {key: var.solution_value() for key, var in x.items()}))
    return bound, max(reversed(candidates), key=lambda c: _goals(problem, c, fair_share or 0))


def _goals(problem: Problem, slot_of: Mapping[int, int], fair_share: int) -> tuple[int, int, int]:
    """(meetings held, total priority, minus the total shortfall): larger is better."""
    held: dict[str, int] = defaultdict(int)
    for i in slot_of:
        held[problem.requests[i].requester] += 1
        held[problem.requests[i].partner] += 1
    degree, usable = feasible_degree(problem), usable_slots(problem)
    shortfall = sum(max(0, min(d, len(usable[p]), fair_share) - held[p]) for p, d in degree.items())
    return len(slot_of), sum(problem.requests[i].priority for i in slot_of), -shortfall


def _round(problem: Problem, values: Mapping[tuple[int, int], float]) -> dict[int, int]:
    """Round a relaxed schedule: most certain (meeting, slot) first, then `augment`."""
    rounded: dict[int, int] = {}
    busy: set[tuple[str, int]] = set()
    used: dict[int, int] = defaultdict(int)
    for (i, s), value in sorted(values.items(), key=lambda kv: (-kv[1], kv[0])):
        r = problem.requests[i]
        if value < 1e-6 or i in rounded or used[s] >= problem.tables:
            continue
        if (r.requester, s) in busy or (r.partner, s) in busy:
            continue
        rounded[i] = s
        used[s] += 1
        busy.update({(r.requester, s), (r.partner, s)})
    return augment(problem, rounded)


def _run(
    problem: Problem,
    time_limit_s: float,
    seed: int,
    fair_share: int,
    keep: Mapping[int, tuple[int, int]] | None = None,
    polish: bool = True,
    cancelled: Cancelled | None = None,
) -> Schedule:
    # the limit covers the whole call (relaxation, model building, polishing), not only CP-SAT
    deadline = time.monotonic() + time_limit_s * (1 - POLISH_SHARE)
    keep = keep or {}
    bound = combinatorial_bound(problem)
    # after publication start from the published slots: augment only moves one to add a meeting
    start = augment(problem, {i: s for i, (s, _) in keep.items()})
    if not any(problem.common):
        return complete_schedule(problem, start, bound, optimal=True, keep=keep)
    steer_s = time_limit_s * STEER_SHARE if polish else 0.0
    lp_bound, rounded = _lp_relaxation(problem, keep, fair_share if polish else None, steer_s)
    if lp_bound is not None:
        bound = min(bound, lp_bound)
    if rounded and all(i in rounded for i in keep):
        # after publication only more meetings justify leaving the published slots
        better = _goals(problem, rounded, fair_share) > _goals(problem, start, fair_share)
        if len(rounded) > len(start) if keep else better:
            start = rounded
    optimal = len(start) >= bound
    solution = start

    def in_place(slot_of: Mapping[int, int]) -> set[int]:
        return {i for i, (s, _) in keep.items() if slot_of.get(i) == s}

    if not optimal or polish or len(in_place(start)) < len(keep):
        m = _Model(problem, seed, cancelled)
        for i in keep:
            m.model.add(sum(m.x[i, s] for s in problem.common[i]) == 1)
        m.solution = compact(problem, start, fixed=in_place(start))
        if optimal:
            m.model.add(m.held() >= len(start))
        else:
            found, proven, best = m.solve(m.held(), True, (deadline - time.monotonic()) * FIRST_PHASE_SHARE)
            optimal = proven or len(m.solution) >= bound
            if found:
                bound = min(bound, math.floor(best + 1e-6))
        phases: list[tuple[cp_model.LinearExprT, bool]] = []
        if keep:
            # published meetings stay where they were unless moving one added a meeting above
            phases.append((sum(m.x[i, s] for i, (s, _) in keep.items()), True))
        if polish and len({r.priority for r in problem.requests}) > 1:
            phases.append((sum(problem.requests[i].priority * var for (i, _), var in m.x.items()), True))
        if polish and fair_share > 0:
            phases.append((_shortfall(m, fair_share), False))
        if polish:
            phases.append((_idle_slots(m), False))
        for k, (objective, maximize) in enumerate(phases):
            left_s = deadline - time.monotonic()
            if left_s <= 0.05:
                break
            # compaction keeps the meetings, so it never undoes an earlier goal; it is a better start
            m.solution = compact(problem, m.solution, fixed=in_place(m.solution))
            m.solve(objective, maximize, left_s / (len(phases) - k))
        solution = m.solution
    held = len(solution)
    solution = compact(problem, solution, fixed=in_place(solution))
    return complete_schedule(problem, solution, held if optimal else bound, optimal, keep=keep)


def schedule_meetings(
    problem: Problem,
    *,
    time_limit_s: float = 10.0,
    seed: int = 0,
    fair_share: int = 3,
    polish: bool = True,
    cancelled: Cancelled | None = None,
) -> Schedule:
    """Schedule the accepted meetings: relaxation and rounding, then CP-SAT where needed.

    Lexicographic goals: most meetings held; then the highest total priority; then the
    smallest total shortfall below min(requested, `fair_share`) meetings per participant; then
    the fewest idle slots between a participant's first and last meeting. `time_limit_s`
    bounds the whole call; a search for the most meetings, when the relaxation does not settle
    it, gets 75 % of it. The secondary goals use whatever is left (they rarely finish early, so
    expect the call to take about `time_limit_s`). With `polish` False only the first goal is
    searched (idle slots are still reduced by local search): a quick answer, typically well
    under a second for the pre-event. When `cancelled()` turns true (polled every 0.1 s) the
    search stops and the best schedule found so far is returned, still valid and complete.
    Returns a Schedule whose upper bound is the smallest of the relaxation's, the solver's and
    the combinatorial bound. Raises MatchmakingError only on an internal inconsistency.
    """
    return _run(problem, time_limit_s, seed, fair_share, polish=polish, cancelled=cancelled)


@dataclass(frozen=True)
class Rescheduling:
    """A new schedule after publication and what changed against the published one."""

    schedule: Schedule
    change: ScheduleChange


def reschedule(
    problem: Problem,
    published: Sequence[Meeting],
    *,
    time_limit_s: float = 10.0,
    seed: int = 0,
    fair_share: int = 3,
    cancelled: Cancelled | None = None,
) -> Rescheduling:
    """Schedule again after `published` was printed, changing as little as possible.

    Published meetings that can still be held are kept (a published meeting is never dropped
    to make room for new ones); they stay in their slot and at their table unless moving one
    adds a meeting. Published meetings no longer requested, or whose slot no longer suits both
    sides, are moved or dropped. The upper bound and `optimal` are under that rule. `cancelled`
    works as in `schedule_meetings`. Returns the new Schedule and the ScheduleChange.
    """
    index = problem.index_of()
    keep: dict[int, tuple[int, int]] = {}
    for meeting in published:
        i = index.get(pair_key(meeting.requester, meeting.partner))
        if i is not None and meeting.slot in problem.common[i]:
            keep[i] = (meeting.slot, meeting.table)
    # two published meetings that now collide (an availability or table change): keep the first
    seen: set[tuple[str, int]] = set()
    per_slot: dict[int, int] = defaultdict(int)
    for i, (s, _) in sorted(keep.items()):
        r = problem.requests[i]
        if (r.requester, s) in seen or (r.partner, s) in seen or per_slot[s] >= problem.tables:
            del keep[i]
            continue
        seen.update({(r.requester, s), (r.partner, s)})
        per_slot[s] += 1
    schedule = _run(problem, time_limit_s, seed, fair_share, keep=keep, cancelled=cancelled)
    return Rescheduling(schedule, diff_schedules(published, schedule.meetings))


@dataclass(frozen=True)
class TablesNeeded:
    """What-if answer: the fewest tables that still hold every meeting that can be held."""

    tables: int
    held: int
    optimal: bool


def tables_needed(
    problem: Problem, *, time_limit_s: float = 10.0, seed: int = 0, cancelled: Cancelled | None = None
) -> TablesNeeded:
    """Return the minimum number of tables at which as many meetings are held as with unlimited
    tables. `optimal` is False when either step ran out of time (the answer is then an upper
    estimate of the tables needed) or was cancelled."""
    deadline = time.monotonic() + time_limit_s
    unlimited = problem.with_tables(max(1, len(problem.requests)))
    bound, most = _lp_relaxation(unlimited, {})
    proven_held = bound is not None and len(most) >= bound
    if not proven_held:
        search = _Model(unlimited, seed, cancelled)
        search.solution = most if len(most) >= len(fill(unlimited, {})) else fill(unlimited, {})
        _, proven_held, _ = search.solve(search.held(), True, (deadline - time.monotonic()) / 2)
        most = search.solution
    held = len(most)
    if held == 0:
        return TablesNeeded(0, 0, proven_held)

    def busiest(slot_of: Mapping[int, int]) -> int:
        per_slot: dict[int, int] = defaultdict(int)
        for s in slot_of.values():
            per_slot[s] += 1
        return max(per_slot.values())

    # binary search between the meetings spread evenly over the slots and the busiest slot so far;
    # the relaxation settles most steps (too few tables: its bound drops below `held`)
    low, high = -(-held // len(problem.session.slots)), busiest(most)
    sure = proven_held
    while low < high:
        if cancelled is not None and cancelled():
            return TablesNeeded(high, held, False)
        middle = (low + high) // 2
        fewer = problem.with_tables(middle)
        bound, rounded = _lp_relaxation(fewer, {})
        if bound is not None and bound < held:
            low = middle + 1
            continue
        if len(rounded) >= held:
            high = middle
            continue
        search = _Model(fewer, seed, cancelled)
        search.solution = rounded
        steps_left = max(1, math.ceil(math.log2(high - low + 1)))
        _, proven, best = search.solve(search.held(), True, (deadline - time.monotonic()) / steps_left)
        if len(search.solution) >= held:
            high = middle
        else:
            sure = sure and (proven or best < held)
            low = middle + 1
    return TablesNeeded(high, held, sure)
