"""Looking at schedules: what changed since publication, and how good a schedule is."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from desk.core.matchmaking.model import Meeting, Problem, Schedule, pair_key, usable_slots
from desk.core.matchmaking.plan import feasible_degree


@dataclass(frozen=True)
class ScheduleChange:
    """What changed between a published schedule and a new one, and what must be reprinted."""

    moved: list[tuple[Meeting, Meeting]]
    added: list[Meeting]
    dropped: list[Meeting]
    agendas: list[str]
    table_sheets: list[int]

    @property
    def unchanged(self) -> bool:
        return not (self.moved or self.added or self.dropped)


def diff_schedules(before: Sequence[Meeting], after: Sequence[Meeting]) -> ScheduleChange:
    """Return the meetings moved (slot or table), added and dropped, the participant ids whose
    agendas and the table numbers whose sheets must be reprinted."""
    old = {pair_key(m.requester, m.partner): m for m in before}
    new = {pair_key(m.requester, m.partner): m for m in after}
    moved = [
        (old[k], new[k])
        for k in sorted(old.keys() & new.keys())
        if (old[k].slot, old[k].table) != (new[k].slot, new[k].table)
    ]
    added = [new[k] for k in sorted(new.keys() - old.keys())]
    dropped = [old[k] for k in sorted(old.keys() - new.keys())]
    people = {p for m in added + dropped for p in (m.requester, m.partner)}
    people |= {p for m, _ in moved for p in (m.requester, m.partner)}

    def sheets(meetings: Mapping[tuple[str, str], Meeting]) -> dict[int, set[tuple[int, tuple[str, str]]]]:
        at: dict[int, set[tuple[int, tuple[str, str]]]] = defaultdict(set)
        for key, m in meetings.items():
            at[m.table].add((m.slot, key))
        return at

    old_sheets, new_sheets = sheets(old), sheets(new)
    tables = sorted(t for t in old_sheets.keys() | new_sheets.keys() if old_sheets.get(t) != new_sheets.get(t))
    return ScheduleChange(moved, added, dropped, sorted(people), tables)


@dataclass(frozen=True)
class ScheduleQuality:
    """Secondary measures of a schedule, for reports and benchmarks."""

    priority: int
    shortfall: int
    idle_slots: int
    least_ratio: float


def schedule_quality(problem: Problem, schedule: Schedule, fair_share: int = 3) -> ScheduleQuality:
    """Return the total priority held, the total shortfall below min(meetings, usable slots,
    `fair_share`), the idle available slots between each participant's first and last meeting,
    and the smallest held/target ratio over participants (1.0 when everybody reaches the target)."""
    index = problem.index_of()
    degree = feasible_degree(problem)
    usable = usable_slots(problem)
    held_slots: dict[str, list[int]] = defaultdict(list)
    priority = 0
    for m in schedule.meetings:
        priority += problem.requests[index[pair_key(m.requester, m.partner)]].priority
        held_slots[m.requester].append(m.slot)
        held_slots[m.partner].append(m.slot)
    position = {n: k for k, n in enumerate(problem.session.numbers)}
    shortfall, idle, least = 0, 0, 1.0
    for pid, d in degree.items():
        target = min(d, len(usable[pid]), fair_share)
        got = len(held_slots.get(pid, ()))
        shortfall += max(0, target - got)
        if target:
            least = min(least, min(got, target) / target)
        if got >= 2:
            first, last = min(position[s] for s in held_slots[pid]), max(position[s] for s in held_slots[pid])
            idle += sum(1 for s in problem.available[pid] if first <= position[s] <= last) - got
    return ScheduleQuality(priority, shortfall, idle, least)
