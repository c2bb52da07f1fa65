"""Loading the programme: import from CSV/XLSX/JSON files, editing it in the app, and the
demo event's programme.

A rooms file adds rooms or updates their capacity; a sessions file replaces the sessions.
Bad rows are reported with their line and kept out; the good ones are stored. The editor
changes one room or session at a time, checked by the same rules (desk.core.rooms.programme).
Neither is logged: the store has no log of programme changes (scan and sync logs are for
badges), so a change shows only in the programme itself.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from desk.core.errors import RowError, SourceError
from desk.core.rooms.programme import ProgrammeFile, check_room, check_session, parse_json, parse_rows
from desk.core.rooms.occupancy import ProgrammeSession, Room, session_problems, validate_programme
from desk.services.demo.event import HORIZONTAL_TOPICS, PRIORITY_AREAS
from desk.services.tabular import decode_bytes, read_file_bytes, read_rows
from desk.store import rooms as store
from desk.store.db import Database


@dataclass
class ProgrammeImport:
    """What an import stored, and the rows it refused (one sentence each)."""

    rooms: int = 0
    sessions: int = 0
    errors: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """A summary line, then one line per refused row."""
        head = f"programme: {self.rooms} room(s), {self.sessions} session(s) imported"
        if self.errors:
            head += f"; {len(self.errors)} problem(s), those rows were left out"
        return [head, *self.errors]


def read_programme_file(path: Path, tz: dt.tzinfo) -> list[ProgrammeFile]:
    """Parse a programme file (CSV/TSV/XLSX, or JSON by extension or content). Raises SourceError.

    Rows whose names or titles are not plain text (control characters, lone surrogates,
    direction overrides) or longer than the store holds are refused with their line.
    """
    path = Path(path)
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(decode_bytes(read_file_bytes(path)))
        except json.JSONDecodeError as exc:
            raise SourceError(f"{path.name} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
        except (ValueError, RecursionError):
            raise SourceError(f"{path.name} is not a programme: its JSON is nested too deeply or holds "
                              "numbers too long to read") from None
        files = parse_json(data, tz)
        parts = [data.get("rooms") or [], data.get("sessions") or []] if isinstance(data, dict) else [data]
        for found, part in zip(files, [p for p in parts if p]):
            _refuse_unplain(found, list(range(1, len(part) + 1)))
        return files
    lines: list[int] = []

    def rows() -> Iterator[tuple[int, list[object]]]:
        for line, values in read_rows(path):
            lines.append(line)
            yield line, values

    found = parse_rows(rows(), tz)
    _refuse_unplain(found, lines[1:])  # the first line read is the header
    return [found]


# Characters no room name or session title holds: control characters (C0, DEL, C1), lone
# surrogates (no database stores them), line separators and the direction overrides that
# can make a title on the big screen read as something else.
_UNPLAIN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# What the store's columns hold (desk.store.schema.rooms).
_ROOM_CHARS = 100
_SESSION_CHARS = {"title": 300, "priority_area": 200, "topic": 200, "room": _ROOM_CHARS}


def _value_problem(values: dict[str, str]) -> tuple[str, str] | None:
    """(field, reason) for the first value that is not plain text or too long, else None."""
    for name, text in values.items():
        bad = _UNPLAIN.search(text)
        if bad:
            return name, (f"{name} holds a control character (U+{ord(bad.group()):04X}); "
                          "only plain text is accepted")
        limit = _SESSION_CHARS.get(name, _ROOM_CHARS)
        if len(text) > limit:
            return name, f"{name} is {len(text)} characters long (at most {limit})"
    return None


def _refuse_unplain(found: ProgrammeFile, lines: list[int]) -> None:
    """Move the parsed rooms or sessions whose values the store cannot take to the errors.

    `lines` are the lines of every record read, in order; parsing turned each into either a
    room or session (in order) or an error, so the good rows' lines are the others.
    """
    failed = {e.line for e in found.errors}
    good_lines = [line for line in lines if line not in failed]
    if found.kind == "rooms":
        kept_rooms = []
        for line, room in zip(good_lines, found.rooms):
            problem = _value_problem({"room": room.name})
            if problem is None:
                kept_rooms.append(room)
            else:
                found.errors.append(RowError(line, problem[1], problem[0]))
        found.rooms = kept_rooms
    else:
        kept_sessions = []
        for line, item in zip(good_lines, found.sessions):
            problem = _value_problem({"title": item.title, "priority_area": item.priority_area,
                                      "topic": item.topic, "room": item.room})
            if problem is None:
                kept_sessions.append(item)
            else:
                found.errors.append(RowError(line, problem[1], problem[0]))
        found.sessions = kept_sessions
    found.errors.sort(key=lambda e: e.line)


def import_programme(db: Database, path: Path) -> ProgrammeImport:
    """Import rooms and/or sessions from `path` into `db`.

    Sessions are checked against the rooms (stored and imported), the event days and each
    other (two sessions in one room at once: the later one is refused). Raises SourceError
    when the file cannot be read at all.
    """
    report = ProgrammeImport()
    with db.begin() as session:
        event_days, tz = store.event_days_and_zone(session)
        files = read_programme_file(path, tz)
        rooms = [r for f in files for r in f.rooms]
        report.errors += [str(e) for f in files for e in f.errors]
        problems = validate_programme(rooms, [], event_days, tz)
        if problems:
            report.errors += problems
            rooms = list({r.name: r for r in rooms if r.capacity > 0}.values())
        store.save_rooms(session, rooms)
        report.rooms = len(rooms)
        sessions = [s for f in files for s in f.sessions]
        if any(f.kind == "sessions" for f in files):
            kept = _check_sessions(sessions, [r.name for r in store.list_rooms(session)], event_days, tz, report)
            store.replace_sessions(session, kept)
            report.sessions = len(kept)
    return report


def _check_sessions(sessions: list[ProgrammeSession], room_names: list[str], event_days: tuple[dt.date, ...],
                    tz: dt.tzinfo, report: ProgrammeImport) -> list[ProgrammeSession]:
    kept: list[ProgrammeSession] = []
    for s in sessions:
        problems = session_problems(s, room_names, event_days, tz)
        clash = next((k for k in kept if k.room == s.room and k.overlaps(s)), None)
        if clash is not None:
            problems += validate_programme([], [clash, s], (), tz)
        if problems:
            report.errors += problems
        else:
            kept.append(s)
    return kept


# --- editing in the app --------------------------------------------------------------------

@dataclass(frozen=True)
class SessionEntry:
    """A session as the editor lists it: its id (to change it) and the session."""

    id: int
    session: ProgrammeSession


@dataclass(frozen=True)
class ProgrammeSheet:
    """What the editor shows: rooms, sessions, the event's days and zone, the usual words."""

    rooms: tuple[Room, ...]
    sessions: tuple[SessionEntry, ...]
    event_days: tuple[dt.date, ...]
    tz: dt.tzinfo
    priority_areas: tuple[str, ...]
    topics: tuple[str, ...]


@dataclass(frozen=True)
class ProgrammeEdit:
    """The answer to one edit: done (with a sentence), or the problems by form field."""

    ok: bool
    message: str
    errors: dict[str, str] = field(default_factory=dict)
    renamed: tuple[str, str] | None = None  # (old, new) when a room got a new name


def load_programme_sheet(db: Database) -> ProgrammeSheet:
    """The programme for the editor, with the priority areas and topics to offer (the four
    of the event plus any other in use)."""
    with db.begin() as session:
        days, tz = store.event_days_and_zone(session)
        rooms = tuple(store.list_rooms(session))
        entries = tuple(SessionEntry(i, s) for i, s in store.list_sessions_with_ids(session))
    used = [e.session for e in entries]
    return ProgrammeSheet(rooms, entries, days, tz,
                          _words(PRIORITY_AREAS, (s.priority_area for s in used)),
                          _words(HORIZONTAL_TOPICS, (s.topic for s in used)))


def _words(first: tuple[str, ...], used: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*first, *sorted(w for w in used if w)]))


def save_room(db: Database, original: str | None, values: dict[str, object]) -> ProgrammeEdit:
    """Add a room (`original` None) or change one: name, capacity, full_policy ('refuse'/'warn').

    A new name keeps the room's sessions, door events and headcounts. Returns the problems
    by field ('room', 'capacity', 'full_policy') instead of storing when the form is wrong.
    """
    with db.begin() as session:
        names = [r.name for r in store.list_rooms(session)]
        if original is not None and original not in names:
            return ProgrammeEdit(False, f"The room '{original}' is gone (changed at another desk?): reload.")
        room, errors = check_room(values, [n for n in names if n != original])
        if room is None:
            return ProgrammeEdit(False, "The room was not saved: " + " ".join(errors.values()), errors)
        if original is None:
            store.save_rooms(session, [room])
            return ProgrammeEdit(True, f"Room '{room.name}' added ({room.capacity} seats).")
        if room.name != original:
            store.rename_room(session, original, room)
            return ProgrammeEdit(True, f"Room '{original}' is now '{room.name}' ({room.capacity} seats); "
                                       "its sessions and door history moved with it.", renamed=(original, room.name))
        store.save_rooms(session, [room])
        return ProgrammeEdit(True, f"Room '{room.name}' saved ({room.capacity} seats, when full: {room.full_policy}).")


def delete_room(db: Database, name: str) -> ProgrammeEdit:
    """Delete a room nothing refers to. A room with sessions, door scans or headcounts stays,
    and the answer says how many (move or delete its sessions first)."""
    with db.begin() as session:
        usage = store.room_usage(session, name)
        if usage["sessions"]:
            return ProgrammeEdit(False, f"'{name}' has {usage['sessions']} session(s): move them to another room "
                                        "or delete them first.")
        if usage["door_events"] or usage["headcounts"]:
            return ProgrammeEdit(False, f"'{name}' has door history ({usage['door_events']} scan(s), "
                                        f"{usage['headcounts']} headcount(s)) that must be kept: rename it instead.")
        if not store.delete_room(session, name):
            return ProgrammeEdit(False, f"The room '{name}' is gone already.")
    return ProgrammeEdit(True, f"Room '{name}' deleted.")


def save_session(db: Database, session_id: int | None, values: dict[str, object]) -> ProgrammeEdit:
    """Add a session (`session_id` None) or change one. `values`: title, priority_area, topic,
    room, start, end (naive times are the event's local time).

    Checked like an import: a known room, ending after it starts, on an event day, and no
    other session in the room at the same time (named). Problems come back by field.
    """
    with db.begin() as session:
        days, tz = store.event_days_and_zone(session)
        names = [r.name for r in store.list_rooms(session)]
        entries = store.list_sessions_with_ids(session)
        if session_id is not None and session_id not in {i for i, _s in entries}:
            return ProgrammeEdit(False, "This session is gone (the programme was imported again?): reload.")
        checked, errors = check_session(values, names, [s for i, s in entries if i != session_id], days, tz)
        if checked is None:
            return ProgrammeEdit(False, "The session was not saved: " + " ".join(errors.values()), errors)
        if session_id is None:
            store.add_session(session, checked)
        else:
            store.update_session(session, session_id, checked)
    when = f"{checked.start.astimezone(tz):%a %d %b %H:%M}–{checked.end.astimezone(tz):%H:%M}"
    return ProgrammeEdit(True, f"Session '{checked.title}' saved: {checked.room}, {when}.")


def delete_session(db: Database, session_id: int) -> ProgrammeEdit:
    """Delete one session (door events refer to rooms, so none is lost)."""
    with db.begin() as session:
        title = next((s.title for i, s in store.list_sessions_with_ids(session) if i == session_id), None)
        if title is None or not store.delete_session(session, session_id):
            return ProgrammeEdit(False, "This session is gone already.")
    return ProgrammeEdit(True, f"Session '{title}' deleted.")


# --- the demo programme --------------------------------------------------------------------

DEMO_ROOMS = (
    Room("Grand Ballroom", 300), Room("Europa", 80), Room("Atrium", 60), Room("Rogier", 50), Room("Botanique", 40),
)
_PARALLEL_ROOMS = ("Europa", "Atrium", "Rogier", "Botanique")
_PLENARIES = (  # (conference day 0/1, start, end, title)
    (0, "09:00", "10:30", "Opening plenary: clusters for Europe's industrial modernisation"),
    (0, "16:00", "17:30", "Plenary: cluster policy in the regions — what works"),
    (1, "14:30", "16:00", "Closing plenary: European Cluster Partnerships and the way ahead"),
)
# One slot per horizontal topic: the four priority areas discuss it at the same time in the
# four smaller rooms, so a full room can send people to the same topic next door.
_SLOTS = ((0, "11:00", "12:30"), (0, "14:00", "15:30"), (1, "09:30", "11:00"), (1, "11:30", "13:00"))


def demo_programme(start: dt.date, tz: dt.tzinfo) -> tuple[tuple[Room, ...], list[ProgrammeSession]]:
    """The demo event's rooms and sessions; `start` is the matchmaking day, the conference follows."""
    days = (start + dt.timedelta(days=1), start + dt.timedelta(days=2))

    def at(day: int, clock: str) -> dt.datetime:
        return dt.datetime.combine(days[day], dt.time.fromisoformat(clock), tzinfo=tz)

    sessions = [ProgrammeSession(title, "", "", "Grand Ballroom", at(d, a), at(d, b)) for d, a, b, title in _PLENARIES]
    for (day, begin, end), topic in zip(_SLOTS, HORIZONTAL_TOPICS, strict=True):
        for i, area in enumerate(PRIORITY_AREAS):
            # rotate the rooms so each priority area gets a big and a small room over the days
            room = _PARALLEL_ROOMS[(i + _SLOTS.index((day, begin, end))) % len(_PARALLEL_ROOMS)]
            sessions.append(ProgrammeSession(f"{area}: {topic}", area, topic, room, at(day, begin), at(day, end)))
    return DEMO_ROOMS, sorted(sessions, key=lambda s: (s.start, s.room))


def install_demo_programme(db: Database, start: dt.date) -> ProgrammeImport:
    """Write the demo programme into `db` (rooms upserted, sessions replaced). Returns what was stored."""
    with db.begin() as session:
        _days, tz = store.event_days_and_zone(session)
        rooms, sessions = demo_programme(start, tz)
        store.save_rooms(session, rooms)
        store.replace_sessions(session, sessions)
    return ProgrammeImport(len(rooms), len(sessions))
