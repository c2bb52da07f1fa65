"""Matchmaking: which accepted meeting is held in which slot, at which table.

Pure data and rules. The problem (participants, accepted requests, the session layout) is
validated once when a `Problem` is built; the schedulers (`first_fit` here, the CP-SAT one in
`matchmaking_solver`) only decide a slot per meeting, and `complete_schedule` turns that into a
`Schedule` with table numbers and a reason for every meeting that is not held.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from desk.core.errors import DeskError

NO_COMMON_SLOT = "no common free slot"
TABLES_TAKEN = "all tables are taken in the common slots"


def overbooked(participant_id: str) -> str:
    """Return the reason naming a participant with more accepted meetings than free slots."""
    return f"participant {participant_id} has more accepted meetings than free slots"


class MatchmakingError(DeskError):
    """The matchmaking input cannot be scheduled as given."""


class UnknownParticipant(MatchmakingError):
    """A request names somebody who is not in the participant list."""


class DuplicatePair(MatchmakingError):
    """Two requests for the same pair (A-B and B-A are the same pair)."""


class SelfMeeting(MatchmakingError):
    """A request asks a participant to meet themself."""


class OverlappingSlots(MatchmakingError):
    """Two slots of the session overlap in time, or share a number."""


@dataclass(frozen=True)
class Participant:
    """One person at the matchmaking; `available` None means every slot of the session."""

    participant_id: str
    organisation: str = ""
    name: str = ""
    country: str = ""
    registration_id: str | None = None
    available: frozenset[int] | None = None


@dataclass(frozen=True)
class MeetingRequest:
    """An accepted request; a higher priority is kept first when not every meeting fits."""

    requester: str
    partner: str
    priority: int = 1


@dataclass(frozen=True)
class Slot:
    """A timed round of meetings."""

    number: int
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class Session:
    """The layout: slots (a gap between two slots is a break) and the number of tables."""

    slots: tuple[Slot, ...]
    tables: int

    def __post_init__(self) -> None:
        if self.tables < 0:
            raise MatchmakingError(f"the number of tables cannot be negative ({self.tables})")
        seen: dict[int, Slot] = {}
        for slot in self.slots:
            if slot.number in seen:
                raise OverlappingSlots(f"slot {slot.number} is given twice")
            if slot.end <= slot.start:
                raise OverlappingSlots(f"slot {slot.number} ends before it starts")
            seen[slot.number] = slot
        ordered = sorted(self.slots, key=lambda s: (s.start, s.number))
        for before, after in zip(ordered, ordered[1:]):
            if after.start < before.end:
                raise OverlappingSlots(f"slots {before.number} and {after.number} overlap")
        object.__setattr__(self, "slots", tuple(ordered))

    @property
    def numbers(self) -> tuple[int, ...]:
        """Slot numbers in time order."""
        return tuple(s.number for s in self.slots)

    def breaks_after(self) -> tuple[int, ...]:
        """Return the slot numbers followed by a break (a gap before the next slot)."""
        return tuple(a.number for a, b in zip(self.slots, self.slots[1:]) if b.start > a.end)


def pair_key(a: str, b: str) -> tuple[str, str]:
    """Return the pair in a fixed order, so that A-B and B-A compare equal."""
    return (a, b) if a <= b else (b, a)


@dataclass(frozen=True)
class Problem:
    """A validated matchmaking problem plus what every scheduler needs to know about it.

    Raises UnknownParticipant, SelfMeeting, DuplicatePair or MatchmakingError on bad input.
    Availability outside the session's slots is ignored.
    """

    participants: tuple[Participant, ...]
    requests: tuple[MeetingRequest, ...]
    session: Session
    # derived from the fields above, so left out of comparisons
    available: Mapping[str, frozenset[int]] = field(init=False, repr=False, compare=False)
    common: tuple[tuple[int, ...], ...] = field(init=False, repr=False, compare=False)
    meetings_of: Mapping[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "participants", tuple(self.participants))
        object.__setattr__(self, "requests", tuple(self.requests))
        all_slots = frozenset(self.session.numbers)
        available: dict[str, frozenset[int]] = {}
        for person in self.participants:
            if person.participant_id in available:
                raise MatchmakingError(f"participant {person.participant_id} is listed twice")
            slots = all_slots if person.available is None else frozenset(person.available) & all_slots
            available[person.participant_id] = slots
        seen: dict[tuple[str, str], int] = {}
        meetings_of: dict[str, list[int]] = {pid: [] for pid in available}
        common: list[tuple[int, ...]] = []
        for index, request in enumerate(self.requests):
            number = index + 1
            for pid in (request.requester, request.partner):
                if pid not in available:
                    raise UnknownParticipant(f"request {number}: participant {pid} is not in the participant list")
            if request.requester == request.partner:
                raise SelfMeeting(f"request {number}: {request.requester} cannot meet themself")
            key = pair_key(request.requester, request.partner)
            if key in seen:
                raise DuplicatePair(
                    f"request {number}: {key[0]} and {key[1]} are already paired by request {seen[key]}"
                )
            seen[key] = number
            shared = available[request.requester] & available[request.partner]
            common.append(tuple(n for n in self.session.numbers if n in shared))
            meetings_of[request.requester].append(index)
            meetings_of[request.partner].append(index)
        object.__setattr__(self, "available", available)
        object.__setattr__(self, "common", tuple(common))
        object.__setattr__(self, "meetings_of", {pid: tuple(ms) for pid, ms in meetings_of.items()})

    @property
    def tables(self) -> int:
        return self.session.tables

    def index_of(self) -> dict[tuple[str, str], int]:
        """Return request index by pair key."""
        return {pair_key(r.requester, r.partner): i for i, r in enumerate(self.requests)}

    def with_tables(self, tables: int) -> Problem:
        """Return the same problem with another number of tables."""
        return Problem(self.participants, self.requests, Session(self.session.slots, tables))


@dataclass(frozen=True)
class Meeting:
    """A held meeting: both participant ids, the slot number and the table number (1..T)."""

    requester: str
    partner: str
    slot: int
    table: int


@dataclass(frozen=True)
class Unscheduled:
    """An accepted meeting that could not be held, with the most specific reason."""

    requester: str
    partner: str
    reason: str


@dataclass(frozen=True)
class Schedule:
    """The result of scheduling: how many meetings are held, out of how many, and how sure we are.

    `upper_bound` is the smallest proven bound on how many meetings any schedule could hold;
    `optimal` means `held` is proven to be the maximum (then upper_bound == held).
    """

    held: int
    requested: int
    upper_bound: int
    optimal: bool
    meetings: list[Meeting]
    unscheduled: list[Unscheduled]

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict; participants are named by participant_id."""
        return {
            "held": self.held,
            "requested": self.requested,
            "upper_bound": self.upper_bound,
            "optimal": self.optimal,
            "meetings": [
                {"requester": m.requester, "partner": m.partner, "slot": m.slot, "table": m.table}
                for m in self.meetings
            ],
            "unscheduled": [
                {"requester": u.requester, "partner": u.partner, "reason": u.reason} for u in self.unscheduled
            ],
        }

    def summary_line(self) -> str:
        """Return `held H of R requested, upper bound B, optimal yes|no`."""
        yes_no = "yes" if self.optimal else "no"
        return f"held {self.held} of {self.requested} requested, upper bound {self.upper_bound}, optimal {yes_no}"


def usable_slots(problem: Problem) -> dict[str, frozenset[int]]:
    """Return, per participant, the slots in which at least one of their meetings could be held."""
    usable: dict[str, set[int]] = {pid: set() for pid in problem.available}
    for request, common in zip(problem.requests, problem.common):
        usable[request.requester].update(common)
        usable[request.partner].update(common)
    return {pid: frozenset(slots) for pid, slots in usable.items()}


def combinatorial_bound(problem: Problem) -> int:
    """Return an upper bound on the meetings any schedule can hold, without a solver.

    The smallest of: meetings with a common slot; half the sum over participants of
    min(their meetings, their usable slots); the sum over slots of min(tables, half the
    participants who could meet then, meetings that could be held then).
    """
    feasible = [i for i, common in enumerate(problem.common) if common]
    degree: dict[str, int] = defaultdict(int)
    for i in feasible:
        degree[problem.requests[i].requester] += 1
        degree[problem.requests[i].partner] += 1
    usable = usable_slots(problem)
    by_person = sum(min(d, len(usable[pid])) for pid, d in degree.items()) // 2
    people_in: dict[int, int] = defaultdict(int)
    for slots in usable.values():
        for s in slots:
            people_in[s] += 1
    meetings_in: dict[int, int] = defaultdict(int)
    for i in feasible:
        for s in problem.common[i]:
            meetings_in[s] += 1
    by_slot = sum(min(problem.tables, people_in[s] // 2, meetings_in[s]) for s in problem.session.numbers)
    return min(len(feasible), by_person, by_slot)
