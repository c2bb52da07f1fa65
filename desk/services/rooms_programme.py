"""Loading the programme: import from CSV/XLSX/JSON files, and the demo event's programme.

A rooms file adds rooms or updates their capacity; a sessions file replaces the sessions.
Bad rows are reported with their line and kept out; the good ones are stored.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from desk.core.errors import SourceError
from desk.core.programme import ProgrammeFile, parse_json, parse_rows
from desk.core.rooms import ProgrammeSession, Room, session_problems, validate_programme
from desk.services.demo import HORIZONTAL_TOPICS, PRIORITY_AREAS
from desk.services.tabular import decode_bytes, read_rows
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
    """Parse a programme file (CSV/TSV/XLSX, or JSON by extension or content). Raises SourceError."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(decode_bytes(path.read_bytes()))
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
        except json.JSONDecodeError as exc:
            raise SourceError(f"{path.name} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
        return parse_json(data, tz)
    return [parse_rows(read_rows(path), tz)]


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
