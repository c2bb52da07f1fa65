"""The anonymous counts a station keeps after `desk purge`: one JSON file in the data folder.

Why a JSON file and not a table: the purge removes the database file whole (the only sure way
to leave no personal data in SQLite's free pages, WAL or journal), so the counts must live
outside it; a small file holds no registration id or name that could join it back to a
person, needs no migration, and can be read without desk.

The file holds one entry per event, each a set of named sections:

    {"format": "desk-anonymous-counts", "format_version": 1,
     "events": [{"event": "…", "days": ["2016-11-30", …], "updated_at": "…",
                 "sections": {"attendance_per_day": {"2016-11-30": 412, …},
                              "attendance_per_session": [{"session": "…", "room": "…",
                                                          "start": "…", "end": "…", "attendees": 57}, …],
                              "attendance_per_award": {…}}}]}

A capability adds its own section in one of two ways: list a counter in COUNTERS (asked at
purge time, while the database still holds the event), or call `record_counts` at any time.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desk.config import data_dir
from desk.core.errors import DeskError
from desk.services.rooms.export import session_attendance
from desk.store import purge as repo
from desk.store.awards import list_awards, voters_per_award
from desk.store.db import Database

FORMAT = "desk-anonymous-counts"
FILE_NAME = "anonymous-counts.json"

Counter = Callable[[Database], Any]
"""Reads one section of counts from the event's database: JSON values, and never an id or a name
of a person (a count per session title or per day is fine)."""


class CountsFileError(DeskError):
    """The counts file is not desk's or cannot be read; it is left as it was."""


def counts_path() -> Path:
    """Where the station's anonymous counts are kept."""
    return data_dir() / FILE_NAME


def attendance_per_day(db: Database) -> dict[str, int]:
    """People checked in per event day."""
    with db.begin() as session:
        return repo.attendance_per_day(session)


def attendance_per_session(db: Database) -> list[dict[str, object]]:
    """People counted in each session's room while it ran, in programme order."""
    return [{"session": item.session.title, "room": item.session.room,
             "priority_area": item.session.priority_area, "topic": item.session.topic,
             "start": item.session.start.isoformat(), "end": item.session.end.isoformat(),
             "attendees": len(item.registration_ids)}
            for item in session_attendance(db)]


def votes_per_award(db: Database) -> list[dict[str, object]]:
    """Each award's voters and the ballots each finalist got (counts only, as the store keeps them)."""
    with db.begin() as session:
        awards = list_awards(session, with_counts=True)
        voters = voters_per_award(session)
    return [{"award": a.name, "voters": voters.get(a.name, 0),
             "finalists": [{"finalist": f.name, "ballots": f.votes or 0} for f in a.finalists]}
            for a in awards]


# The sections a purge keeps, asked in this order: listed explicitly, like the command groups,
# so the frozen build sees them.
COUNTERS: tuple[tuple[str, Counter], ...] = (
    ("attendance_per_day", attendance_per_day),
    ("attendance_per_session", attendance_per_session),
    ("votes_per_award", votes_per_award),
)


def read_counts(path: Path | None = None) -> dict[str, Any]:
    """The counts file as a dict (an empty one when there is no file yet).

    Raises CountsFileError when the file is not a desk counts file.
    """
    path = path or counts_path()
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"format": FORMAT, "format_version": 1, "events": []}
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CountsFileError(f"cannot read the counts file {path}: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("events"), list):
        raise CountsFileError(f"{path} is not a desk counts file; desk has left it as it was")
    return doc


def record_counts(event: str, days: list[str], sections: dict[str, Any], at: dt.datetime,
                  path: Path | None = None) -> Path:
    """Add or replace `sections` of `event`'s counts in the file; other sections stay. Returns
    the file's path. The file is written whole beside itself, then renamed over the old one.

    Raises CountsFileError when an existing file is not a desk counts file.
    """
    path = path or counts_path()
    doc = read_counts(path)
    entry = next((e for e in doc["events"] if isinstance(e, dict) and e.get("event") == event), None)
    if entry is None:
        entry = {"event": event, "days": days, "sections": {}}
        doc["events"].append(entry)
    entry["days"] = days or entry.get("days", [])
    entry.setdefault("sections", {}).update(sections)
    entry["updated_at"] = at.isoformat()
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


def collect_counts(db: Database) -> dict[str, Any]:
    """Ask every counter in COUNTERS for its section; returns the sections by name."""
    return {name: counter(db) for name, counter in COUNTERS}
