"""Repository functions for the rooms: programme, door events, headcounts, and the lookups a
door scan needs (badge references, entrance check-ins).

Every function receives an open unit of work (a Session) and returns core dataclasses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from desk.core.attendees import zone_of
from desk.core.rooms.occupancy import DoorEvent, FullPolicy, Headcount, Move, Programme, ProgrammeSession, Room, WrongDayPolicy
from desk.store import hub
from desk.store.checkins import ScanEntry, append_scan, new_id
from desk.store.registrations import get_event
from desk.store.schema import EventRow, RegistrationRow
from desk.store.schema.checkin import CheckinRow
from desk.store.schema.rooms import DoorEventRow, HeadcountRow, RoomRow, SessionRow

_UTC = dt.timezone.utc


def _aware(value: dt.datetime) -> dt.datetime:
    # Core selects of single columns bypass the type's result hook on some paths
    return value if value.tzinfo is not None else value.replace(tzinfo=_UTC)


# --- programme -----------------------------------------------------------------------------

def list_rooms(session: Session) -> list[Room]:
    """Every room in display order."""
    # Columns, not ORM objects: every door scan reads the rooms (5x faster with 200 rooms)
    rows = session.execute(select(RoomRow.name, RoomRow.capacity, RoomRow.full_policy, RoomRow.wrong_day_policy)
                           .order_by(RoomRow.position, RoomRow.name))
    return [Room(name, capacity, FullPolicy(policy), WrongDayPolicy(wrong_day) if wrong_day else None)
            for name, capacity, policy, wrong_day in rows]


def save_rooms(session: Session, rooms: Sequence[Room]) -> None:
    """Add rooms or update their capacity and policy (by name); new rooms go last on the board."""
    existing = {r.name: r for r in session.scalars(select(RoomRow))}
    position = max((r.position for r in existing.values()), default=-1)
    for room in rooms:
        row = existing.get(room.name)
        if row is None:
            position += 1
            row = RoomRow(name=room.name, position=position)
            session.add(row)
            existing[room.name] = row
        row.capacity, row.full_policy = room.capacity, room.full_policy.value
    session.flush()


def set_full_policy(session: Session, room: str, policy: FullPolicy) -> None:
    """Set what the door of `room` does when full. Raises KeyError for an unknown room."""
    done = session.execute(update(RoomRow).where(RoomRow.name == room).values(full_policy=policy.value))
    if not done.rowcount:
        raise KeyError(room)


def set_wrong_day_policy(session: Session, room: str, policy: WrongDayPolicy | None) -> None:
    """Set what the door of `room` does for a person registered for other days (None: as the
    event). Raises KeyError for an unknown room."""
    done = session.execute(update(RoomRow).where(RoomRow.name == room)
                           .values(wrong_day_policy=policy.value if policy else None))
    if not done.rowcount:
        raise KeyError(room)


def event_wrong_day_policy(session: Session) -> WrongDayPolicy:
    """The wrong-day policy every door follows unless its room says otherwise (no event: warn)."""
    value = session.scalar(select(EventRow.wrong_day_policy).order_by(EventRow.id).limit(1))
    return WrongDayPolicy(value) if value else WrongDayPolicy.WARN


def set_event_wrong_day_policy(session: Session, policy: WrongDayPolicy) -> None:
    """Set the event's wrong-day policy. Raises KeyError when there is no event yet."""
    if not session.execute(update(EventRow).values(wrong_day_policy=policy.value)).rowcount:
        raise KeyError("event")


def list_sessions(session: Session) -> list[ProgrammeSession]:
    """Every session of the programme in time order."""
    rows = session.scalars(select(SessionRow).order_by(SessionRow.start_at, SessionRow.room))
    return [ProgrammeSession(r.title, r.priority_area, r.topic, r.room, _aware(r.start_at), _aware(r.end_at))
            for r in rows]


def replace_sessions(session: Session, sessions: Sequence[ProgrammeSession]) -> None:
    """Make `sessions` the whole programme (door events refer to rooms, so none is lost)."""
    session.execute(delete(SessionRow))
    if sessions:
        session.execute(insert(SessionRow), [
            {"title": s.title, "priority_area": s.priority_area, "topic": s.topic, "room": s.room,
             "start_at": s.start, "end_at": s.end} for s in sessions])


def list_sessions_with_ids(session: Session) -> list[tuple[int, ProgrammeSession]]:
    """(id, session) for every session in time order: the editor changes sessions by id."""
    rows = session.scalars(select(SessionRow).order_by(SessionRow.start_at, SessionRow.room))
    return [(r.id, ProgrammeSession(r.title, r.priority_area, r.topic, r.room, _aware(r.start_at), _aware(r.end_at)))
            for r in rows]


def _session_values(s: ProgrammeSession) -> dict[str, object]:
    return {"title": s.title, "priority_area": s.priority_area, "topic": s.topic, "room": s.room,
            "start_at": s.start, "end_at": s.end}


def add_session(session: Session, s: ProgrammeSession) -> int:
    """Add one session; return its id."""
    row = SessionRow(**_session_values(s))
    session.add(row)
    session.flush()
    return row.id


def update_session(session: Session, session_id: int, s: ProgrammeSession) -> bool:
    """Replace session `session_id` by `s`; False when there is no such session."""
    done = session.execute(update(SessionRow).where(SessionRow.id == session_id).values(**_session_values(s)))
    return bool(done.rowcount)


def delete_session(session: Session, session_id: int) -> bool:
    """Remove session `session_id`; False when there is no such session."""
    return bool(session.execute(delete(SessionRow).where(SessionRow.id == session_id)).rowcount)


def room_usage(session: Session, room: str) -> dict[str, int]:
    """How much refers to `room`: {'sessions', 'door_events', 'headcounts'} counts."""
    return {key: session.scalar(select(func.count()).select_from(table).where(table.room == room)) or 0
            for key, table in (("sessions", SessionRow), ("door_events", DoorEventRow), ("headcounts", HeadcountRow))}


def rename_room(session: Session, old: str, room: Room) -> None:
    """Rename room `old` to `room.name` (and set its capacity and policy), keeping its place on
    the board, its sessions, door events and headcounts. Raises KeyError for an unknown room.

    The name is the key the other tables refer to: the new row is added first, the references
    moved, then the old row removed, so foreign keys hold at every step (SQLite and PostgreSQL).
    """
    row = session.get(RoomRow, old)
    if row is None:
        raise KeyError(old)
    session.add(RoomRow(name=room.name, capacity=room.capacity, full_policy=room.full_policy.value,
                        position=row.position, wrong_day_policy=row.wrong_day_policy))
    session.flush()
    for table in (SessionRow, DoorEventRow, HeadcountRow):
        session.execute(update(table).where(table.room == old).values(room=room.name))
    session.delete(row)
    session.flush()
    hub.append(session, hub.ROOM_RENAME, {"old": old, "new": room.name})  # the door history moves everywhere


def delete_room(session: Session, name: str) -> bool:
    """Remove room `name` (the caller checked nothing refers to it); False when unknown."""
    return bool(session.execute(delete(RoomRow).where(RoomRow.name == name)).rowcount)


def get_programme(session: Session) -> Programme:
    """Rooms and sessions as one Programme."""
    return Programme(tuple(list_rooms(session)), tuple(list_sessions(session)))


def event_days_and_zone(session: Session) -> tuple[tuple[dt.date, ...], dt.tzinfo]:
    """The event's days and its time zone (no event yet: no days, UTC).

    Raises UnknownTimeZone (a DeskError) when the stored zone is not a known one: desk never
    guesses an event's clock."""
    event = get_event(session)
    return (event.days if event is not None else ()), zone_of(event)


# --- door events and headcounts ------------------------------------------------------------

def lock_room(session: Session, room: str) -> None:
    """Hold `room` until the unit of work ends, so that its count and what is added to it are
    decided by one desk at a time (PostgreSQL: the room's row FOR UPDATE; on SQLite the unit of
    work already holds the write lock, see Database.begin_write). An unknown room locks nothing.
    """
    if session.get_bind().dialect.name != "sqlite":
        session.execute(select(RoomRow.name).where(RoomRow.name == room).with_for_update())


def add_door_event(session: Session, event: DoorEvent, desk: str) -> str:
    """Append one door event; return its id."""
    event_id = new_id()
    row = {"id": event_id, "at": event.at, "room": event.room, "registration_id": event.registration_id,
           "move": event.move.value, "desk": desk[:100]}
    session.execute(insert(DoorEventRow), [row])
    hub.log_row(session, "door", row)
    return event_id


def add_door_events(session: Session, events: Sequence[DoorEvent], desk: str) -> None:
    """Append many door events at once (imports, demo, benchmarks)."""
    if events:
        rows = [{"id": new_id(), "at": e.at, "room": e.room, "registration_id": e.registration_id,
                 "move": e.move.value, "desk": desk[:100]} for e in events]
        session.execute(insert(DoorEventRow), rows)
        hub.append_rows(session, "door", DoorEventRow.__table__, rows)  # type: ignore[arg-type]


def door_events(session: Session, since: dt.datetime | None = None, until: dt.datetime | None = None) -> list[DoorEvent]:
    """Door events with since <= at <= until (either bound optional), in time order."""
    return [event for _id, event in door_events_with_ids(session, since, until)]


def door_events_with_ids(
    session: Session, since: dt.datetime | None = None, until: dt.datetime | None = None,
) -> list[tuple[str, DoorEvent]]:
    """(id, door event) with since <= at <= until (either bound optional), in time order."""
    q = select(DoorEventRow.id, DoorEventRow.at, DoorEventRow.room, DoorEventRow.registration_id, DoorEventRow.move)
    if since is not None:
        q = q.where(DoorEventRow.at >= since)
    if until is not None:
        q = q.where(DoorEventRow.at <= until)
    entry, exit_ = Move.ENTRY, Move.EXIT
    return [(event_id, DoorEvent(_aware(at), room, reg, entry if move == "entry" else exit_))
            for event_id, at, room, reg, move in session.execute(q.order_by(DoorEventRow.at, DoorEventRow.id))]


def add_headcount(session: Session, headcount: Headcount, counted_before: int, desk: str) -> None:
    """Log a host's headcount (with what the board showed before it)."""
    row = {"id": new_id(), "at": headcount.at, "room": headcount.room, "count": headcount.count,
           "counted_before": counted_before, "desk": desk[:100]}
    session.add(HeadcountRow(**row))
    hub.log_row(session, "headcount", row)


def headcounts(session: Session, since: dt.datetime | None = None, until: dt.datetime | None = None) -> list[Headcount]:
    """Headcounts with since <= at <= until, in time order."""
    q = select(HeadcountRow.at, HeadcountRow.room, HeadcountRow.count)
    if since is not None:
        q = q.where(HeadcountRow.at >= since)
    if until is not None:
        q = q.where(HeadcountRow.at <= until)
    return [Headcount(_aware(at), room, count) for at, room, count in session.execute(q.order_by(HeadcountRow.at))]


def headcount_log(session: Session, room: str | None = None) -> list[dict[str, object]]:
    """The headcount log, newest first: at, room, count, counted_before, desk."""
    q = select(HeadcountRow).order_by(HeadcountRow.at.desc())
    if room is not None:
        q = q.where(HeadcountRow.room == room)
    return [{"at": _aware(r.at), "room": r.room, "count": r.count, "counted_before": r.counted_before,
             "desk": r.desk} for r in session.scalars(q)]


def change_stamp(session: Session, since: dt.datetime, until: dt.datetime) -> tuple[tuple[int, object], tuple[int, object]]:
    """(count, latest) of the door events and of the headcounts with since <= at <= until.

    Cheap (two indexed aggregates): the board polls it and replays only what was added.
    """
    events = session.execute(select(func.count(), func.max(DoorEventRow.at))
                             .where(DoorEventRow.at >= since, DoorEventRow.at <= until)).one()
    counts = session.execute(select(func.count(), func.max(HeadcountRow.at))
                             .where(HeadcountRow.at >= since, HeadcountRow.at <= until)).one()
    return (events[0], events[1]), (counts[0], counts[1])


def log_scan(session: Session, desk: str, at: dt.datetime, code: str, outcome: str,
             registration_id: str | None, detail: str) -> None:
    """Append a door scan to the scan log every desk shares (accepted or not), as the entrance does."""
    append_scan(session, ScanEntry(new_id(), desk, at, code, outcome, registration_id, detail))


# --- lookups for a door scan ---------------------------------------------------------------

def registration_id_by_badge_ref(session: Session, ref: str) -> str | None:
    """The registration whose badge carries reference `ref`, or None."""
    return session.scalar(select(RegistrationRow.registration_id).where(RegistrationRow.badge_ref == ref))


def is_checked_in(session: Session, registration_id: str, day: dt.date) -> bool:
    """True when the person has an active (not undone) entrance check-in on `day`."""
    found = session.scalar(select(CheckinRow.id).where(
        CheckinRow.registration_id == registration_id, CheckinRow.day == day,
        CheckinRow.undone_at.is_(None), CheckinRow.duplicate_of.is_(None)).limit(1))
    return found is not None
