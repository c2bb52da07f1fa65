"""The event itself: create it, edit it, show it, and its categories.

One database holds one event. An import, badges and the checklist need it; `desk event create`
(or the window's New event… form) makes it. Every check happens before anything is written.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from zoneinfo import available_timezones

from desk.core.attendees import Event, UnknownTimeZone, event_zone
from desk.core.categories import (
    DEFAULT_CATEGORIES, CategoryFileError, EventCategory, parse_categories, unlisted_keys,
)
from desk.core.errors import DeskError, SourceError
from desk.store import event as event_repo
from desk.store import registrations as repo
from desk.store.db import Database

DEFAULT_SEATS = 250
DEFAULT_PER_ORGANISATION = 2
NAME_CHARS = 200
DAYS_CHARS = 200  # the event row keeps its days as ISO dates joined by "|"

CREATE_LINE = "desk event create --name NAME --venue VENUE --days YYYY-MM-DD,... --timezone ZONE"


class EventError(DeskError):
    """The event cannot be created or changed as asked; nothing was written."""


class NoEvent(DeskError):
    """The database holds no event yet."""

    def __init__(self, what: str = "this database has no event yet") -> None:
        super().__init__(f"{what}: create it first with {CREATE_LINE}")


@dataclass(frozen=True)
class EventChanges:
    """What the organiser gave; None leaves a value as it is (or its default on create)."""

    name: str | None = None
    venue: str | None = None
    days: tuple[dt.date, ...] | None = None
    timezone: str | None = None
    seats: int | None = None
    per_organisation: int | None = None
    deadline: dt.datetime | None = None
    categories: tuple[EventCategory, ...] | None = None


@dataclass(frozen=True)
class EventSettings:
    """The event as a desk worker reads it back."""

    event: Event
    categories: tuple[EventCategory, ...]

    @property
    def timezone(self) -> str:
        """The event's time zone name (the event carries it)."""
        return self.event.timezone

    def line(self) -> str:
        """`event 'NAME' at VENUE on D1, D2 (ZONE): N seats, at most M per organisation`."""
        e = self.event
        days = ", ".join(d.isoformat() for d in e.days)
        return (f"event '{e.name}' at {e.venue} on {days} ({self.timezone}): {e.seat_cap} seats, "
                f"at most {e.per_organisation_cap} per organisation")

    def as_json(self) -> dict:
        e = self.event
        return {
            "name": e.name, "venue": e.venue, "days": [d.isoformat() for d in e.days],
            "timezone": self.timezone, "seats": e.seat_cap, "per_organisation": e.per_organisation_cap,
            "deadline": (e.registration_deadline.astimezone(e.zone).isoformat()
                         if e.registration_deadline else None),
            "categories": [category_json(c) for c in self.categories],
        }


def category_json(c: EventCategory) -> dict:
    """One category as `desk event categories --json` and `desk event show --json` print it."""
    return {"category": str(c.category), "label": c.label, "badge_word": c.badge_word, "colour": c.colour,
            "counted": c.counted, "default": c.default}


def category_line(c: EventCategory) -> str:
    """`key<TAB>label<TAB>badge word<TAB>colour<TAB>counted|not counted[<TAB>default]`."""
    line = f"{c.category}\t{c.label}\t{c.badge_word}\t{c.colour}\t{'counted' if c.counted else 'not counted'}"
    return line + ("\tdefault" if c.default else "")


@dataclass(frozen=True)
class CategoryList:
    """The event's categories, and the keys stored registrations hold that the event does not list."""

    categories: tuple[EventCategory, ...]
    unlisted: dict[str, int]  # key -> registrations holding it (any status)

    def lines(self) -> list[str]:
        """`category_line` per category, then one `unlisted` line per key the event does not list."""
        return [category_line(c) for c in self.categories] + [
            f"unlisted\t{key}\t{n} registration(s) hold this key: shown under the key itself "
            "(list it in the categories file to name it)"
            for key, n in self.unlisted.items()]


# --- checking what the organiser typed --------------------------------------------------------

def parse_days(text: str) -> tuple[dt.date, ...]:
    """'2016-12-01,2016-12-02' → sorted distinct dates; EventError names a bad one."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise EventError("the event needs at least one day (--days YYYY-MM-DD,...)")
    days = set()
    for part in parts:
        try:
            days.add(dt.date.fromisoformat(part))
        except ValueError:
            raise EventError(f"'{part}' is not a date such as 2016-12-01") from None
    return tuple(sorted(days))


def check_zone(name: str) -> str:
    """The zone name when zoneinfo knows it; EventError otherwise."""
    zone = name.strip()
    try:
        if not zone or zone not in _zones():
            raise UnknownTimeZone(zone)
        event_zone(zone)  # the clock every decision will use loads
    except UnknownTimeZone:
        raise EventError(f"'{name}' is not a time zone desk knows (such as Europe/Brussels or "
                         "America/Sao_Paulo)") from None
    return zone


_ZONES: list[set[str]] = []


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.append(available_timezones())
    return _ZONES[0]


def zone_names() -> list[str]:
    """Every zone name zoneinfo knows, sorted (for the window's search)."""
    return sorted(z for z in _zones() if "/" in z or z == "UTC")


def parse_deadline(text: str, zone: str | None) -> dt.datetime:
    """An ISO date or date-time; without a zone it is the event's local time."""
    try:
        stamp = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise EventError(f"deadline '{text}' is not an ISO date-time such as 2016-11-25T23:59") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=event_zone(zone))
    return stamp


def _check(settings: EventSettings) -> None:
    e = settings.event
    if not e.name.strip():
        raise EventError("the event needs a name (--name)")
    if len(e.name) > NAME_CHARS or len(e.venue) > NAME_CHARS:
        raise EventError(f"the event's name and venue hold at most {NAME_CHARS} characters")
    if not e.days:
        raise EventError("the event needs at least one day (--days YYYY-MM-DD,...)")
    if len("|".join(d.isoformat() for d in e.days)) > DAYS_CHARS:
        raise EventError(f"an event holds at most {(DAYS_CHARS + 1) // 11} days")
    if e.seat_cap < 1:
        raise EventError(f"seats must be at least 1 (got {e.seat_cap})")
    if e.per_organisation_cap < 1:
        raise EventError(f"the per-organisation cap must be at least 1 (got {e.per_organisation_cap})")
    check_zone(settings.timezone)


# --- the use cases ----------------------------------------------------------------------------

def load_event(db: Database) -> EventSettings | None:
    """The event with its zone and categories, or None before one exists."""
    with db.begin() as session:
        event = repo.get_event(session)
        if event is None:
            return None
        return EventSettings(event, event_repo.get_categories(session))


def require_event(db: Database) -> EventSettings:
    found = load_event(db)
    if found is None:
        raise NoEvent()
    return found


def create_event(db: Database, changes: EventChanges) -> EventSettings:
    """Create the database's event. Name, venue, days and zone are needed; seats 250 and 2 per
    organisation unless given; the six default categories unless given. Refused when the
    database already has an event (edit it instead)."""
    if changes.timezone is None:
        raise EventError("the event needs a time zone (--timezone, such as Europe/Brussels)")
    if changes.days is None:
        raise EventError("the event needs at least one day (--days YYYY-MM-DD,...)")
    event = Event(name=(changes.name or "").strip(), venue=(changes.venue or "").strip(), days=changes.days,
                  seat_cap=DEFAULT_SEATS if changes.seats is None else changes.seats,
                  per_organisation_cap=(DEFAULT_PER_ORGANISATION if changes.per_organisation is None
                                        else changes.per_organisation),
                  registration_deadline=changes.deadline, timezone=changes.timezone.strip())
    settings = EventSettings(event, changes.categories or DEFAULT_CATEGORIES)
    _check(settings)
    with db.begin() as session:
        existing = repo.get_event(session)
        if existing is not None:
            raise EventError(f"this database already has an event ('{existing.name}'): change it with "
                             "desk event edit")
        _save(session, settings)
    return require_event(db)


def edit_event(db: Database, changes: EventChanges) -> EventSettings:
    """Change the options given; the others stay as they are."""
    with db.begin() as session:
        event = repo.get_event(session)
        if event is None:
            raise NoEvent()
        current = EventSettings(event, event_repo.get_categories(session))
        updated = EventSettings(
            replace(event,
                    name=event.name if changes.name is None else changes.name.strip(),
                    venue=event.venue if changes.venue is None else changes.venue.strip(),
                    days=event.days if changes.days is None else changes.days,
                    seat_cap=event.seat_cap if changes.seats is None else changes.seats,
                    per_organisation_cap=(event.per_organisation_cap if changes.per_organisation is None
                                          else changes.per_organisation),
                    registration_deadline=(event.registration_deadline if changes.deadline is None
                                           else changes.deadline),
                    timezone=event.timezone if changes.timezone is None else changes.timezone.strip()),
            current.categories if changes.categories is None else changes.categories,
        )
        _check(updated)
        _save(session, updated)
    return require_event(db)


def _save(session, settings: EventSettings) -> None:  # noqa: ANN001 - an open unit of work
    repo.save_event(session, settings.event)
    event_repo.save_categories(session, settings.categories)


def event_categories(db: Database) -> tuple[EventCategory, ...]:
    """The event's categories (the defaults before an event exists)."""
    with db.begin() as session:
        return event_repo.get_categories(session)


def category_list(db: Database) -> CategoryList:
    """The event's categories and the stored keys it does not list (with their registrations)."""
    with db.begin() as session:
        categories = event_repo.get_categories(session)
        counts = event_repo.category_counts(session)
    return CategoryList(categories, {k: counts[k] for k in unlisted_keys(categories, counts)})


# --- the categories file ----------------------------------------------------------------------

_COLUMNS = ("category", "label", "badge_word", "colour", "counted", "default")
_ALIASES = {"color": "colour", "badgeword": "badge_word", "badge": "badge_word", "word": "badge_word",
            "key": "category", "name": "label", "count": "counted", "isdefault": "default"}


def _column(header: object) -> str:
    word = str(header or "").strip().lower().replace(" ", "_").replace("-", "_")
    return _ALIASES.get(word.replace("_", ""), _ALIASES.get(word, word))


def read_categories_file(path: str | Path) -> tuple[EventCategory, ...]:
    """Read `category, label, badge_word, colour[, counted, default]` from CSV/XLSX/JSON/TOML;
    bad rows named by line (a JSON or TOML file's categories are numbered from 1).

    Raises SourceError (cannot be read) or CategoryFileError (bad rows): nothing is changed.
    """
    from desk.services.tabular import decode_bytes, read_file_bytes, read_rows  # noqa: PLC0415

    path = Path(path)
    records: list[tuple[int, Mapping[str, object]]] = []
    if path.suffix.lower() in (".json", ".toml"):
        if path.suffix.lower() == ".toml":
            try:
                data = tomllib.loads(decode_bytes(read_file_bytes(path)))
            except (tomllib.TOMLDecodeError, ValueError):
                raise SourceError(f"{path.name} is not valid TOML") from None
        else:
            try:
                data = json.loads(decode_bytes(read_file_bytes(path)))
            except (json.JSONDecodeError, ValueError, RecursionError):
                raise SourceError(f"{path.name} is not valid JSON") from None
        items = data.get("categories") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise SourceError(f"{path.name}: expected a list of categories ({{\"categories\": [...]}} in JSON, "
                              "[[categories]] tables in TOML)")
        for n, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                raise CategoryFileError(f"the categories were not changed:\nrow {n}: not an object")
            records.append((n, {_column(k): v for k, v in item.items()}))
    else:
        rows = iter(read_rows(path))
        header = next(rows, None)
        if header is None:
            raise SourceError(f"{path.name} is empty")
        names = [_column(h) for h in header[1]]
        missing = [c for c in ("category", "label", "colour") if c not in names]
        if missing:
            raise SourceError(f"{path.name}: missing column(s) {', '.join(missing)} "
                              f"(expected {', '.join(_COLUMNS)})")
        for line, values in rows:
            if not any(str(v or "").strip() for v in values):
                continue
            records.append((line, dict(zip(names, values))))
    return parse_categories(records)


__all__ = [
    "CREATE_LINE", "CategoryFileError", "CategoryList", "EventChanges", "EventError", "EventSettings", "NoEvent",
    "category_json", "category_line", "category_list", "check_zone", "create_event", "edit_event", "event_categories", "load_event", "parse_days",
    "parse_deadline", "read_categories_file", "require_event", "zone_names",
]
