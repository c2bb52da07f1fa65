"""Rooms and sessions: the programme, its validation, and who is in which room.

Occupancy is a pure function of the door events (entries and exits), the hosts' manual
headcounts and the programme, replayed in time order:

- a badge is in at most one room: an entry into room B takes it out of room A, and a second
  entry into the same room changes nothing (never double-counted);
- an exit only takes a badge out of the room it is in (never negative);
- when a session ends, everybody still counted in its room is let out;
- a headcount says how many people are really in a room; the difference to the badges
  counted (people without a scan, people who left without one) is kept as the room's
  correction until its session ends. A room never shows fewer than 0 people.

Pure: no I/O, no clock. Times are aware datetimes.
"""

from __future__ import annotations

import bisect
import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from operator import itemgetter
from dataclasses import dataclass, field

# A room's session "is on" from this long before its start: people walk in early, and the
# door host must already see (and check the capacity of) the session they come for.
LEAD_TIME = dt.timedelta(minutes=30)
_UTC = dt.timezone.utc


class FullPolicy(enum.StrEnum):
    """What the door does when the room is at capacity."""

    REFUSE = "refuse"  # nobody more gets in
    WARN = "warn"      # the entry is recorded, the host is warned


class WrongDayPolicy(enum.StrEnum):
    """What the door does for a person registered for other days than today."""

    REFUSE = "refuse"  # not let in
    WARN = "warn"      # the entry is recorded, the host is warned


class Move(enum.StrEnum):
    """One door event: a badge going into or out of a room."""

    ENTRY = "entry"
    EXIT = "exit"


@dataclass(frozen=True, slots=True)
class Room:
    """A room with its certified capacity (seats), its full-room policy and its wrong-day policy
    (None: the event's)."""

    name: str
    capacity: int
    full_policy: FullPolicy = FullPolicy.REFUSE
    wrong_day_policy: WrongDayPolicy | None = None

    def day_policy(self, event_policy: WrongDayPolicy) -> WrongDayPolicy:
        """The wrong-day policy at this door: the room's own, else the event's."""
        return self.wrong_day_policy or event_policy


@dataclass(frozen=True, slots=True)
class ProgrammeSession:
    """One session of the programme in one room. `topic` is the horizontal topic ("" for plenaries)."""

    title: str
    priority_area: str
    topic: str
    room: str
    start: dt.datetime
    end: dt.datetime

    def runs_at(self, at: dt.datetime) -> bool:
        """True while the session is on (start inclusive, end exclusive)."""
        return self.start <= at < self.end

    def overlaps(self, other: ProgrammeSession) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True, slots=True)
class DoorEvent:
    """A badge scanned at a room's door."""

    at: dt.datetime
    room: str
    registration_id: str
    move: Move


@dataclass(frozen=True, slots=True)
class Headcount:
    """A host's manual count of the people in a room."""

    at: dt.datetime
    room: str
    count: int


@dataclass(frozen=True)
class Programme:
    """Rooms (in display order) and their sessions."""

    rooms: tuple[Room, ...]
    sessions: tuple[ProgrammeSession, ...] = ()
    _by_room: dict[str, list[ProgrammeSession]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_room: dict[str, list[ProgrammeSession]] = {r.name: [] for r in self.rooms}
        for s in sorted(self.sessions, key=lambda s: (s.start, s.end, s.title)):
            by_room.setdefault(s.room, []).append(s)
        object.__setattr__(self, "_by_room", by_room)

    def room(self, name: str) -> Room | None:
        """The room called `name`, or None."""
        return next((r for r in self.rooms if r.name == name), None)

    def sessions_in(self, room: str) -> list[ProgrammeSession]:
        """The room's sessions in time order."""
        return list(self._by_room.get(room, ()))

    def current_session(self, room: str, at: dt.datetime, lead: dt.timedelta = dt.timedelta(0)) -> ProgrammeSession | None:
        """The session running in `room` at `at`, or (with `lead`) the one starting within `lead`."""
        for s in self._by_room.get(room, ()):
            if s.start - lead <= at < s.end:
                return s
        return None

    def next_session(self, room: str, at: dt.datetime) -> ProgrammeSession | None:
        """The first session in `room` that starts after `at`, or None."""
        return next((s for s in self._by_room.get(room, ()) if s.start > at), None)

    def parallel_sessions(self, session: ProgrammeSession) -> list[ProgrammeSession]:
        """Sessions in other rooms, at the same time, on the same horizontal topic."""
        if not session.topic:
            return []
        return [s for s in self.sessions if s.room != session.room and s.topic == session.topic
                and s.overlaps(session)]


def validate_programme(
    rooms: Sequence[Room], sessions: Sequence[ProgrammeSession], event_days: Sequence[dt.date],
    tz: dt.tzinfo,
) -> list[str]:
    """Return the problems of a programme, one readable sentence each (empty: it is sound).

    Checks: positive capacities, unique room names, sessions in a known room, ending after
    they start, on one of the event days (local dates in `tz`; skipped when no days are
    known), and no two sessions in one room at once.
    """
    problems: list[str] = []
    names: set[str] = set()
    for room in rooms:
        if room.name in names:
            problems.append(f"room '{room.name}' is listed twice")
        names.add(room.name)
        if room.capacity <= 0:
            problems.append(f"room '{room.name}': capacity must be a positive number of seats, got {room.capacity}")
    for s in sessions:
        problems += session_problems(s, names, event_days, tz)
    for room in sorted({s.room for s in sessions}):
        ordered = sorted((s for s in sessions if s.room == room), key=lambda s: s.start)
        for a, b in zip(ordered, ordered[1:]):
            if a.overlaps(b):
                problems.append(f"room '{room}' has two sessions at once: '{a.title}' "
                                f"({_span(a, tz)}) and '{b.title}' ({_span(b, tz)})")
    return problems


def session_problems(
    s: ProgrammeSession, room_names: Iterable[str], event_days: Sequence[dt.date], tz: dt.tzinfo,
) -> list[str]:
    """The problems of one session on its own (unknown room, times, event days)."""
    problems: list[str] = []
    if s.room not in set(room_names):
        problems.append(f"session '{s.title}': unknown room '{s.room}' (import the rooms first)")
    if s.end <= s.start:
        problems.append(f"session '{s.title}': ends ({s.end.astimezone(tz):%H:%M}) before it starts "
                        f"({s.start.astimezone(tz):%H:%M})")
    days = {s.start.astimezone(tz).date(), (s.end - dt.timedelta(microseconds=1)).astimezone(tz).date()}
    if event_days and not days <= set(event_days):
        listed = ", ".join(f"{d:%a %d %b %Y}" for d in event_days)
        problems.append(f"session '{s.title}' on {s.start.astimezone(tz):%a %d %b %Y} is outside the event days ({listed})")
    return problems


def _span(s: ProgrammeSession, tz: dt.tzinfo) -> str:
    return f"{s.start.astimezone(tz):%a %d %b %H:%M}-{s.end.astimezone(tz):%H:%M}"


class Occupancy:
    """Who is in which room: door events and headcounts applied in time order.

    Session ends are applied as time moves on (`advance`). Feeding an event older than
    the last one raises ValueError: replay sorts first.
    """

    def __init__(self, programme: Programme) -> None:
        self._programme = programme
        self._where: dict[str, str] = {}
        self._since: dict[str, dt.datetime] = {}
        self._present: dict[str, set[str]] = {r.name: set() for r in programme.rooms}
        self._offset: dict[str, int] = {}
        # All instants in one tzinfo object: Python then compares them as plain numbers,
        # while mixing zones calls utcoffset() on every comparison (10x slower on a long day).
        self._ends = sorted((s.end.astimezone(_UTC), s.room) for s in programme.sessions)
        self._end_times = [e for e, _ in self._ends]
        self._next_end = 0
        self.now: dt.datetime | None = None

    def advance(self, to: dt.datetime) -> None:
        """Move time on to `to`: every session that ended by then empties its room."""
        to = to.astimezone(_UTC)
        if self.now is not None and to < self.now:
            raise ValueError("door events must be applied in time order")
        self.now = to
        stop = bisect.bisect_right(self._end_times, to, lo=self._next_end)
        for _end, room in self._ends[self._next_end:stop]:
            for badge in self._present.get(room, ()):
                del self._where[badge]
            self._present[room] = set()
            self._offset.pop(room, None)
        self._next_end = stop

    def apply(self, event: DoorEvent) -> None:
        """Apply one door event (after advancing time to it)."""
        self.advance(event.at)
        badge, room = event.registration_id, event.room
        was = self._where.get(badge)
        if event.move is Move.ENTRY:
            if was == room:
                return
            if was is not None:
                self._present[was].discard(badge)
            self._where[badge] = room
            self._since[badge] = event.at
            self._present.setdefault(room, set()).add(badge)
        elif was == room:
            del self._where[badge]
            self._present[room].discard(badge)

    def correct(self, headcount: Headcount) -> None:
        """Apply a host's headcount: the room shows `count` until its session ends."""
        self.advance(headcount.at)
        self._offset[headcount.room] = max(0, headcount.count) - len(self._present.get(headcount.room, ()))

    def count(self, room: str) -> int:
        """People in `room` now: badges counted plus the headcount correction, at least 0."""
        return max(0, len(self._present.get(room, ())) + self._offset.get(room, 0))

    def badges_in(self, room: str) -> frozenset[str]:
        """The badges counted in `room` now."""
        return frozenset(self._present.get(room, ()))

    def location(self, registration_id: str) -> str | None:
        """The room this badge is counted in now, or None."""
        return self._where.get(registration_id)

    def entered_at(self, registration_id: str) -> dt.datetime | None:
        """When this badge entered the room it is counted in now (None when in no room)."""
        return self._since.get(registration_id) if registration_id in self._where else None

    def counts(self) -> dict[str, int]:
        """People per room now, for every room that has anybody or is in the programme."""
        return {room: self.count(room) for room in self._present}


def replay(
    programme: Programme, events: Iterable[DoorEvent], headcounts: Iterable[Headcount] = (),
    until: dt.datetime | None = None,
) -> Occupancy:
    """Replay door events and headcounts (any order) up to `until` (inclusive; None: all).

    Returns the Occupancy at `until` (or at the last event). A headcount and a door event
    at the same instant: the headcount comes first, the event after it.
    """
    # Headcounts first, then a stable sort on the time alone: at the same instant the
    # headcount stays before the event (and comparing only datetimes keeps this fast).
    timeline: list[tuple[dt.datetime, int, DoorEvent | Headcount]] = [(h.at, 0, h) for h in headcounts]
    timeline += [(e.at, 1, e) for e in events]
    timeline.sort(key=itemgetter(0))
    occupancy = Occupancy(programme)
    until = until.astimezone(_UTC) if until is not None else None
    for at, kind, item in timeline:
        if until is not None and at > until:
            break
        if kind:
            occupancy.apply(item)  # type: ignore[arg-type]
        else:
            occupancy.correct(item)  # type: ignore[arg-type]
    if until is not None:
        occupancy.advance(until)
    return occupancy


def attendance(programme: Programme, events: Iterable[DoorEvent]) -> dict[ProgrammeSession, frozenset[str]]:
    """Who attended each session: the badges counted in its room at any moment while it ran.

    That is everybody present at its start (they came early) and everybody who entered
    before it ended. Every session of the programme is a key, possibly with nobody.
    """
    seen: dict[ProgrammeSession, set[str]] = {s: set() for s in programme.sessions}
    timeline: list[tuple[dt.datetime, int, object]] = [(s.start, 0, s) for s in programme.sessions]
    timeline += [(e.at, 1, e) for e in events]
    timeline.sort(key=lambda item: (item[0], item[1]))
    occupancy = Occupancy(programme)
    for _at, kind, item in timeline:
        if kind == 0:
            session: ProgrammeSession = item  # type: ignore[assignment]
            occupancy.advance(session.start)
            seen[session] |= occupancy.badges_in(session.room)
            continue
        event: DoorEvent = item  # type: ignore[assignment]
        occupancy.apply(event)
        if event.move is Move.ENTRY:
            running = programme.current_session(event.room, event.at)
            if running is not None:
                seen[running].add(event.registration_id)
    return {s: frozenset(badges) for s, badges in seen.items()}


# --- the door ------------------------------------------------------------------------------

# A second scan of a badge already counted in the room means "leaving" only after this long;
# sooner it is the same person waving the badge twice (or the camera seeing it again).
REPEAT_WINDOW = dt.timedelta(seconds=15)


class DoorOutcome(enum.StrEnum):
    """The door's own answers; entrance refusals (unknown, forged, ...) are ScanOutcomes."""

    ENTERED = "entered"
    LEFT = "left"
    ROOM_FULL = "room_full"
    NOT_CHECKED_IN = "not_checked_in"
    WRONG_DAY = "wrong_day"  # the same word as the entrance's ScanOutcome.WRONG_DAY


@dataclass(frozen=True)
class Redirect:
    """Where to send somebody a full room turned away: the parallel session with seats."""

    room: str
    session: str
    free: int


@dataclass(frozen=True)
class DoorDecision:
    """What a door scan means: the answer, what to record (None: nothing), and why."""

    outcome: DoorOutcome
    record: Move | None
    reason: str = ""
    redirect: Redirect | None = None

    @property
    def family(self) -> str:
        """'ok', 'warn' or 'error': the colour and sound the door shows."""
        if self.outcome in (DoorOutcome.ENTERED, DoorOutcome.LEFT):
            return "ok"
        if self.outcome in (DoorOutcome.ROOM_FULL, DoorOutcome.WRONG_DAY) and self.record is None:
            return "error"
        return "warn"


def find_redirect(programme: Programme, occupancy: Occupancy, room: str, at: dt.datetime) -> Redirect | None:
    """The parallel session on the same horizontal topic, in another room, with the most free seats."""
    session = programme.current_session(room, at, LEAD_TIME)
    if session is None:
        return None
    best: Redirect | None = None
    for other in programme.parallel_sessions(session):
        target = programme.room(other.room)
        if target is None:
            continue
        free = target.capacity - occupancy.count(other.room)
        if free > 0 and (best is None or free > best.free):
            best = Redirect(other.room, other.title, free)
    return best


def decide_door(
    programme: Programme, occupancy: Occupancy, room: Room, registration_id: str, at: dt.datetime,
    *, leaving: bool = False, checked_in: bool = True, wrong_day: str = "",
    day_policy: WrongDayPolicy = WrongDayPolicy.WARN,
) -> DoorDecision:
    """Decide a door scan of a known, admitted attendee at `at` (occupancy already at `at`).

    `leaving` is the host's exit toggle. Otherwise a badge already counted in this room is
    leaving (a second scan), unless it entered within REPEAT_WINDOW (a repeat: nothing
    recorded). `wrong_day` is the entrance's reason when the person is not registered for
    today ("" when they are): `day_policy` REFUSE turns them away, WARN records the entry
    with a warning (a full room still decides first). A full room (count at capacity)
    refuses or warns by its policy and names a redirect. Not checked in at the entrance:
    the entry is recorded with a warning.
    """
    if leaving:
        return DoorDecision(DoorOutcome.LEFT, Move.EXIT)
    if occupancy.location(registration_id) == room.name:
        since = occupancy.entered_at(registration_id)
        if since is not None and at - since < REPEAT_WINDOW:
            return DoorDecision(DoorOutcome.ENTERED, None, "Already counted in this room.")
        return DoorDecision(DoorOutcome.LEFT, Move.EXIT, "Second scan: counted as leaving.")
    if wrong_day and day_policy is WrongDayPolicy.REFUSE:
        return DoorDecision(DoorOutcome.WRONG_DAY, None, f"{wrong_day} Not let in: send them to the registration desk.")
    if occupancy.count(room.name) >= room.capacity:
        redirect = find_redirect(programme, occupancy, room.name, at)
        where = (f" Send them to '{redirect.session}' in {redirect.room} ({redirect.free} free)."
                 if redirect else " No parallel session on this topic has seats.")
        where += f" Also: {wrong_day}" if wrong_day else ""
        if room.full_policy is FullPolicy.WARN:
            return DoorDecision(DoorOutcome.ROOM_FULL, Move.ENTRY,
                                f"The room is at capacity ({room.capacity}); entry recorded." + where, redirect)
        return DoorDecision(DoorOutcome.ROOM_FULL, None, f"The room is full ({room.capacity} seats)." + where, redirect)
    if wrong_day:
        return DoorDecision(DoorOutcome.WRONG_DAY, Move.ENTRY, f"{wrong_day} Entry recorded (warn only).")
    if not checked_in:
        return DoorDecision(DoorOutcome.NOT_CHECKED_IN, Move.ENTRY,
                            "Not checked in at the entrance today: entry recorded, send them to the desk later.")
    return DoorDecision(DoorOutcome.ENTERED, Move.ENTRY)
