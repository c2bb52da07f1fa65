"""Reading a programme from table rows or JSON: rooms (`room, capacity`) or sessions
(`title, priority_area, topic, room, start, end`), the kind told by the header.

Pure: rows come in already read (desk.services.tabular yields them); times without a zone
are the event's local time, given as `tz`. Bad rows become RowErrors, good rows are kept.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from desk.core.errors import RowError, SourceError
from desk.core.rooms.occupancy import FullPolicy, ProgrammeSession, Room

ROOM_FIELDS = ("room", "capacity")
SESSION_FIELDS = ("title", "priority_area", "topic", "room", "start", "end")
# Spellings people use in spreadsheet headers for the same column.
_ALIASES = {
    "room_name": "room", "name": "room", "seats": "capacity", "policy": "full_policy",
    "area": "priority_area", "horizontal_topic": "topic", "session": "title",
    "starts": "start", "start_time": "start", "ends": "end", "end_time": "end",
}
_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%d.%m.%Y %H:%M")


@dataclass
class ProgrammeFile:
    """What one file held: its kind ('rooms' or 'sessions'), the good rows, and the errors."""

    kind: str
    rooms: list[Room] = field(default_factory=list)
    sessions: list[ProgrammeSession] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def header_key(value: object) -> str:
    """A header cell as a field name: 'Priority area' → 'priority_area'."""
    key = re.sub(r"[\s\-]+", "_", str(value or "").strip().lower())
    return _ALIASES.get(key, key)


def parse_time(value: object, tz: dt.tzinfo) -> dt.datetime:
    """A session start or end: an ISO date-time (naive = local in `tz`) or a spreadsheet date-time.

    Raises ValueError with what was expected.
    """
    if isinstance(value, dt.datetime):
        stamp = value
    else:
        text = str(value or "").strip()
        stamp = None
        try:
            stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            for fmt in _FORMATS:
                try:
                    stamp = dt.datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        if stamp is None or not text:
            raise ValueError(f"expected a date and time such as 2016-12-01 11:00, got {text!r}")
    return stamp.replace(tzinfo=tz) if stamp.tzinfo is None else stamp


def _capacity(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return int(str(value).strip())


def _kind(keys: set[str]) -> str:
    if {"title", "start", "end"} <= keys:
        return "sessions"
    if {"room", "capacity"} <= keys:
        return "rooms"
    raise SourceError("the header names neither rooms (room, capacity) nor sessions "
                      "(title, priority_area, topic, room, start, end)")


def _room(line: int, values: dict[str, object]) -> Room:
    name = str(values.get("room") or "").strip()
    if not name:
        raise RowError(line, "the room has no name", "room")
    try:
        capacity = _capacity(values.get("capacity"))
    except (TypeError, ValueError):
        raise RowError(line, f"capacity must be a whole number of seats, got {values.get('capacity')!r}",
                       "capacity") from None
    if capacity <= 0:
        raise RowError(line, f"capacity must be at least 1, got {capacity}", "capacity")
    policy = str(values.get("full_policy") or "refuse").strip().lower()
    if policy not in {p.value for p in FullPolicy}:
        raise RowError(line, f"full_policy must be 'refuse' or 'warn', got {policy!r}", "full_policy")
    return Room(name, capacity, FullPolicy(policy))


def _session(line: int, values: dict[str, object], tz: dt.tzinfo) -> ProgrammeSession:
    text = {k: str(values.get(k) or "").strip() for k in ("title", "priority_area", "topic", "room")}
    for required in ("title", "room"):
        if not text[required]:
            raise RowError(line, f"the session has no {required}", required)
    times = {}
    for name in ("start", "end"):
        try:
            times[name] = parse_time(values.get(name), tz)
        except ValueError as exc:
            raise RowError(line, f"{name}: {exc}", name) from None
    return ProgrammeSession(text["title"], text["priority_area"], text["topic"], text["room"],
                            times["start"], times["end"])


def parse_records(records: Iterable[tuple[int, dict[str, object]]], tz: dt.tzinfo) -> ProgrammeFile:
    """Parse (line, {field: value}) records of one kind (told by the first record's fields)."""
    result: ProgrammeFile | None = None
    for line, values in records:
        if result is None:
            result = ProgrammeFile(_kind(set(values)))
        try:
            if result.kind == "rooms":
                result.rooms.append(_room(line, values))
            else:
                result.sessions.append(_session(line, values, tz))
        except RowError as exc:
            result.errors.append(exc)
    if result is None:
        raise SourceError("the file holds no rooms or sessions")
    return result


def parse_rows(rows: Iterable[tuple[int, list[object]]], tz: dt.tzinfo) -> ProgrammeFile:
    """Parse table rows (header first), as desk.services.tabular.read_rows yields them."""
    iterator = iter(rows)
    try:
        _line, header = next(iterator)
    except StopIteration:
        raise SourceError("the file is empty") from None
    keys = [header_key(h) for h in header]
    _kind(set(keys))  # a clear message before any row

    def records() -> Iterator[tuple[int, dict[str, object]]]:
        for line, values in iterator:
            yield line, {k: v for k, v in zip(keys, values) if k}
    result = parse_records(records(), tz)
    return result


def parse_json(data: object, tz: dt.tzinfo) -> list[ProgrammeFile]:
    """Parse a JSON programme: {"rooms": [...], "sessions": [...]} or one list of either kind.

    Line numbers in errors are 1-based positions in their list. Raises SourceError for any
    other shape.
    """
    if isinstance(data, dict) and ({"rooms", "sessions"} & set(data)):
        parts = [data.get("rooms") or [], data.get("sessions") or []]
    elif isinstance(data, list):
        parts = [data]
    else:
        raise SourceError('a JSON programme is {"rooms": [...], "sessions": [...]} or a list of rooms or sessions')
    files = []
    for part in parts:
        if not part:
            continue
        if not isinstance(part, list) or not all(isinstance(item, dict) for item in part):
            raise SourceError("rooms and sessions must be lists of objects")
        files.append(parse_records(
            ((n, {header_key(k): v for k, v in item.items()}) for n, item in enumerate(part, start=1)), tz))
    if not files:
        raise SourceError("the file holds no rooms or sessions")
    return files


# --- one room or session from an editor form ----------------------------------------------

def check_room(values: dict[str, object], other_names: Iterable[str]) -> tuple[Room | None, dict[str, str]]:
    """A room typed into a form: (the Room, {}) or (None, {field: problem}).

    Fields: 'room', 'capacity', 'full_policy'. `other_names` are the other rooms' names; a
    name differing only in capitals counts as taken (two "Europa" rooms confuse a door host).
    """
    try:
        room = _room(0, values)
    except RowError as exc:
        return None, {exc.field or "room": _sentence(exc.reason)}
    taken = {n.casefold(): n for n in other_names}
    if room.name.casefold() in taken:
        return None, {"room": f"There is already a room called '{taken[room.name.casefold()]}'."}
    return room, {}


def check_session(
    values: dict[str, object], room_names: Iterable[str], others: Iterable[ProgrammeSession],
    event_days: tuple[dt.date, ...], tz: dt.tzinfo,
) -> tuple[ProgrammeSession | None, dict[str, str]]:
    """A session typed into a form: (the session, {}) or (None, {field: problem}).

    Fields: 'title', 'room', 'start', 'end'. Naive times are local in `tz`. `others` are
    the programme's other sessions: one in the same room at the same time is a clash, named.
    Event days are checked only when known.
    """
    try:
        s = _session(0, values, tz)
    except RowError as exc:
        return None, {exc.field or "title": _sentence(exc.reason)}
    problems: dict[str, str] = {}
    if s.room not in set(room_names):
        problems["room"] = f"There is no room '{s.room}': add it to the rooms first."
    if s.end <= s.start:
        problems["end"] = (f"It ends ({s.end.astimezone(tz):%a %d %b %H:%M}) before it starts "
                           f"({s.start.astimezone(tz):%a %d %b %H:%M}).")
    allowed = " or ".join(f"{d:%a %d %b %Y}" for d in event_days)
    for name, stamp in (("start", s.start), ("end", s.end - dt.timedelta(microseconds=1))):
        day = stamp.astimezone(tz).date()
        if event_days and day not in event_days and not {"start", name} & set(problems):
            problems[name] = f"{day:%a %d %b %Y} is not an event day: sessions can be on {allowed}."
    clash = next((o for o in others if o.room == s.room and o.overlaps(s)), None)
    if clash is not None and "room" not in problems and "end" not in problems:
        problems["room"] = (f"{s.room} already has '{clash.title}' then "
                            f"({clash.start.astimezone(tz):%a %d %b %H:%M}–{clash.end.astimezone(tz):%H:%M}).")
    return (None, problems) if problems else (s, {})


def _sentence(reason: str) -> str:
    return reason[:1].upper() + reason[1:] + ("" if reason.endswith(".") else ".")
