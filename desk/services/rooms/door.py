"""The rooms use cases: a door scan, a headcount, and the occupancy of every room.

A door scan is decided and recorded in one unit of work, together with its scan-log line;
the answer leaves only after the commit. Occupancy is replayed from the day's door events
(desk.core.rooms.occupancy); a `Rooms` object keeps the replay between calls and applies only what
was added since, so the board and the door stay fast on a long day.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from desk.core.attendees import Registration
from desk.core.checkin.decision import ScanOutcome, decide
from desk.core.errors import DeskError
from desk.core.rooms.occupancy import (
    LEAD_TIME, DoorDecision, DoorEvent, DoorOutcome, FullPolicy, Headcount, Programme, ProgrammeSession,
    Redirect, Room, WrongDayPolicy, decide_door,
)
from desk.core.badges.codes import Rejection, Verdict, verify
from desk.core.checkin.wedge import repair
from desk.services.rooms.cache import OccupancyCache
from desk.store import registrations as repo
from desk.store import rooms as store
from desk.store.db import BUSY_TIMEOUT_MS, Database, DatabaseBusy

PublicKeys = Mapping[int, Any]  # key version -> Ed25519PublicKey


class UnknownRoom(DeskError):
    """A door or headcount names a room the programme does not have."""


@dataclass(frozen=True)
class RoomStatus:
    """One room on the board: its session (or the one people are entering for), count and next."""

    room: str
    capacity: int
    full_policy: FullPolicy
    occupancy: int
    session: ProgrammeSession | None
    next: ProgrammeSession | None
    wrong_day_policy: WrongDayPolicy | None = None  # the room's own (None: as the event)
    event_wrong_day_policy: WrongDayPolicy = WrongDayPolicy.WARN

    @property
    def day_policy(self) -> WrongDayPolicy:
        """What this door does for a person registered for other days."""
        return self.wrong_day_policy or self.event_wrong_day_policy

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.occupancy)

    @property
    def ratio(self) -> float:
        return self.occupancy / self.capacity if self.capacity else 1.0

    def to_json(self) -> dict[str, Any]:
        """The object `desk rooms status --json` prints for this room."""
        return {"room": self.room, "capacity": self.capacity,
                "session": self.session.title if self.session else None, "occupancy": self.occupancy,
                "free": self.free, "next": self.next.title if self.next else None}


@dataclass(frozen=True)
class DoorAnswer:
    """What the door answers for one scan, after the commit."""

    outcome: DoorOutcome | ScanOutcome
    family: str  # 'ok', 'warn' or 'error'
    room: str
    capacity: int
    occupancy: int
    reason: str = ""
    registration: Registration | None = None
    redirect: Redirect | None = None
    recorded: bool = False
    session: ProgrammeSession | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON object `desk door` prints; `redirect` only when the room is full."""
        out: dict[str, Any] = {"outcome": self.outcome.value, "occupancy": self.occupancy, "room": self.room,
                               "capacity": self.capacity, "recorded": self.recorded,
                               "attendee": self.registration.registration_id if self.registration else None,
                               "name": self.registration.full_name if self.registration else None,
                               "reason": self.reason}
        if self.outcome is DoorOutcome.ROOM_FULL:
            out["redirect"] = ({"room": self.redirect.room, "session": self.redirect.session,
                                "free": self.redirect.free} if self.redirect else None)
        return out


def load_public_keys(db: Database) -> dict[int, Any]:
    """The event's public keys at this desk (see badge_codes.verification_keys); {} when none.

    Without keys, desk badge codes answer `unknown`; portal ticket codes still work.
    """
    from desk.services.badges.codes import verification_keys  # noqa: PLC0415 - cryptography loads lazily

    return verification_keys(db)[0]


def local_day_start(at: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """Local midnight of the day `at` falls on: door events before it no longer count."""
    local = at.astimezone(tz)
    return dt.datetime.combine(local.date(), dt.time(0), tzinfo=tz)


class Rooms:
    """The rooms of one database: door scans, headcounts and the board's figures.

    Thread-safe: the board's poll and a door scan may run on different workers.
    """

    def __init__(self, db: Database, keys: PublicKeys | None = None) -> None:
        self.db = db
        self._keys = keys
        self._cache = OccupancyCache()
        self._lock = threading.Lock()
        self._applied = False  # the scan under way has fed the kept replay (undo it on rollback)

    @property
    def keys(self) -> PublicKeys:
        if self._keys is None:
            self._keys = load_public_keys(self.db)
        return self._keys

    # --- reading ---------------------------------------------------------------------
    def status(self, at: dt.datetime) -> list[RoomStatus]:
        """Every room's figures at the aware instant `at`, in board order."""
        with self._lock, self.db.begin() as session:
            programme = store.get_programme(session)
            _days, tz = store.event_days_and_zone(session)
            occupancy = self._cache.occupancy(session, programme, local_day_start(at, tz), at)
            day_policy = store.event_wrong_day_policy(session)
        return [room_status(programme, r, occupancy.count(r.name), at, day_policy) for r in programme.rooms]

    def programme(self) -> Programme:
        """The programme as stored."""
        with self.db.begin() as session:
            return store.get_programme(session)

    # --- writing ---------------------------------------------------------------------
    def scan(self, room: str, code: str, at: dt.datetime, desk: str, *, leaving: bool = False,
             from_keyboard: bool = False) -> DoorAnswer:
        """Answer one scan at the door of `room` at the aware instant `at`; record it when it counts.

        `leaving` is the host's exit toggle; `from_keyboard` repairs a handheld scanner's
        keyboard-layout damage when unambiguous. When another writer holds the database longer
        than WRITE_WAIT_MS the answer is `busy` and nothing is recorded. Raises UnknownRoom;
        ValueError for a naive `at`.
        """
        if at.tzinfo is None:
            raise ValueError("door times must be aware datetimes")
        text = code
        if from_keyboard:  # a mangled portal ticket is repaired only into a stored one
            with self.db.begin() as session:
                fixed = repair(code, known_tickets=lambda codes: repo.known_ticket_codes(session, codes))
            text = fixed.text if fixed.usable else ""
        with self._lock:
            self._applied = False
            try:
                return self._scan(room, code, text, at, desk, leaving)
            except DatabaseBusy as exc:
                if self._applied:  # rolled back after the kept replay took the event on
                    self._cache.invalidate()
                return self._busy(room, at, exc)
            except BaseException:
                self._cache.invalidate()  # the unit of work rolled back: so must the cache
                raise

    def _scan(self, room: str, code: str, text: str, at: dt.datetime, desk: str, leaving: bool) -> DoorAnswer:
        keys = self.keys
        # The count and the admission are decided under the room's lock (SQLite: the write
        # lock, PostgreSQL: the room's row), so two doors cannot both fill its last seat. The
        # kept replay is brought up to date inside that lock from the database's own stamp
        # (OccupancyCache.occupancy), so it counts what every other desk committed.
        with self.db.begin_write() as session:
            store.lock_room(session, room)
            programme = store.get_programme(session)
            target = _room(programme, room)
            event_days, tz = store.event_days_and_zone(session)
            day = at.astimezone(tz).date()
            verdict = (verify(text, keys, lambda ref: store.registration_id_by_badge_ref(session, ref),
                              lambda ticket: _ticket(session, ticket))
                       if text else Verdict(reason=Rejection.MALFORMED))
            registration = repo.get_registration(session, verdict.registration_id) if verdict.ok else None
            occupancy = self._cache.occupancy(session, programme, local_day_start(at, tz), at)
            entrance = decide(verdict, registration, day, event_days, None, tz)
            if entrance.outcome not in (ScanOutcome.WELCOME, ScanOutcome.WRONG_DAY) or registration is None:
                answer = DoorAnswer(entrance.outcome, entrance.outcome.family, target.name, target.capacity,
                                    occupancy.count(target.name), entrance.reason, registration)
            else:
                rid = registration.registration_id
                wrong_day = entrance.reason if entrance.outcome is ScanOutcome.WRONG_DAY else ""
                decision: DoorDecision = decide_door(
                    programme, occupancy, target, rid, at, leaving=leaving,
                    checked_in=store.is_checked_in(session, rid, day), wrong_day=wrong_day,
                    day_policy=target.day_policy(store.event_wrong_day_policy(session)))
                if decision.record is not None:
                    event = DoorEvent(at, target.name, rid, decision.record)
                    self._cache.pending(event, store.add_door_event(session, event, desk))
                    self._applied = True
                answer = DoorAnswer(decision.outcome, decision.family, target.name, target.capacity,
                                    occupancy.count(target.name), decision.reason, registration,
                                    decision.redirect, decision.record is not None,
                                    programme.current_session(target.name, at, LEAD_TIME))
            store.log_scan(session, desk, at, code, answer.outcome.value,
                           registration.registration_id if registration else None,
                           f"room {target.name}: {answer.reason}".strip())
        return answer

    def _busy(self, room: str, at: dt.datetime, exc: DatabaseBusy) -> DoorAnswer:
        """The answer when the database stayed locked: nothing recorded, scan again."""
        with self.db.begin() as session:  # reading does not wait for a writer
            programme = store.get_programme(session)
            target = _room(programme, room)
            _days, tz = store.event_days_and_zone(session)
            occupancy = self._cache.occupancy(session, programme, local_day_start(at, tz), at)
            count = occupancy.count(target.name)
        return DoorAnswer(ScanOutcome.BUSY, ScanOutcome.BUSY.family, target.name, target.capacity, count,
                          f"Not recorded: {exc}. Scan again.")

    def headcount(self, room: str, count: int, at: dt.datetime, desk: str) -> RoomStatus:
        """Set the count of `room` to what the host counted; logged with what was shown before.

        Raises UnknownRoom, or DeskError for a negative count.
        """
        if count < 0:
            raise DeskError(f"a headcount cannot be negative (got {count})")
        with self._lock, self.db.begin_write(BUSY_TIMEOUT_MS) as session:
            store.lock_room(session, room)
            programme = store.get_programme(session)
            target = _room(programme, room)
            _days, tz = store.event_days_and_zone(session)
            occupancy = self._cache.occupancy(session, programme, local_day_start(at, tz), at)
            store.add_headcount(session, Headcount(at, target.name, count), occupancy.count(target.name), desk)
            self._cache.invalidate()
        return room_status(programme, target, count, at)

    def set_full_policy(self, room: str, policy: FullPolicy) -> None:
        """Choose whether the full `room` refuses or only warns. Raises UnknownRoom."""
        with self.db.begin() as session:
            try:
                store.set_full_policy(session, room, policy)
            except KeyError:
                raise UnknownRoom(f"there is no room '{room}' in the programme") from None

    def set_wrong_day_policy(self, room: str | None, policy: WrongDayPolicy | None) -> None:
        """Choose what a door does for a person registered for other days: for `room` (policy
        None: as the event), or for the whole event (`room` None). Raises UnknownRoom, or
        DeskError when there is no event yet or the event's policy would be None."""
        with self.db.begin() as session:
            if room is None:
                if policy is None:
                    raise DeskError("the event's wrong-day policy is refuse or warn")
                try:
                    store.set_event_wrong_day_policy(session, policy)
                except KeyError:
                    raise DeskError("there is no event yet: import the registrations first") from None
                return
            try:
                store.set_wrong_day_policy(session, room, policy)
            except KeyError:
                raise UnknownRoom(f"there is no room '{room}' in the programme") from None


def room_status(programme: Programme, room: Room, count: int, at: dt.datetime,
                event_day_policy: WrongDayPolicy = WrongDayPolicy.WARN) -> RoomStatus:
    """One room's figures: the session on (or starting within LEAD_TIME) and the one after it."""
    session = programme.current_session(room.name, at, LEAD_TIME)
    after = session.start if session else at
    return RoomStatus(room.name, room.capacity, room.full_policy, count, session,
                      programme.next_session(room.name, after), room.wrong_day_policy, event_day_policy)


def _room(programme: Programme, name: str) -> Room:
    found = programme.room(name)
    if found is None:
        known = ", ".join(r.name for r in programme.rooms) or "none yet: import the programme"
        raise UnknownRoom(f"there is no room '{name}' in the programme (rooms: {known})")
    return found


def _ticket(session: Any, code: str) -> str | None:
    reg = repo.find_by_ticket_code(session, code)
    return reg.registration_id if reg else None
