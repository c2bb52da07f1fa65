"""Attendance exports: per session (CSV or XLSX), per attendee, and counts per priority area
and horizontal topic. Cells are made safe for spreadsheets (no formula injection).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from desk.core.cells import safe_row
from desk.core.errors import DeskError
from desk.core.rooms.occupancy import ProgrammeSession, attendance
from desk.store import registrations as repo
from desk.store import rooms as store
from desk.store.db import Database


@dataclass(frozen=True)
class SessionAttendance:
    """One session and the registration ids of the people who attended it."""

    session: ProgrammeSession
    registration_ids: frozenset[str]


def session_attendance(db: Database) -> list[SessionAttendance]:
    """Every session in time order with who attended (counted in its room while it ran)."""
    with db.begin() as session:
        programme = store.get_programme(session)
        events = store.door_events(session)
    seen = attendance(programme, events)
    ordered = sorted(programme.sessions, key=lambda s: (s.start, s.room))
    return [SessionAttendance(s, seen[s]) for s in ordered]


def attendee_sessions(db: Database) -> dict[str, list[ProgrammeSession]]:
    """Per registration id, the sessions the person attended in time order."""
    result: dict[str, list[ProgrammeSession]] = {}
    for item in session_attendance(db):
        for rid in item.registration_ids:
            result.setdefault(rid, []).append(item.session)
    return result


def attendance_counts(db: Database) -> dict[str, dict[str, int]]:
    """Attendances summed per priority area and per horizontal topic (plenaries have neither)."""
    areas: Counter[str] = Counter()
    topics: Counter[str] = Counter()
    for item in session_attendance(db):
        if item.session.priority_area:
            areas[item.session.priority_area] += len(item.registration_ids)
        if item.session.topic:
            topics[item.session.topic] += len(item.registration_ids)
    return {"priority_area": dict(sorted(areas.items())), "topic": dict(sorted(topics.items()))}


def _rows(db: Database, tz: dt.tzinfo) -> tuple[list[list[object]], list[list[object]], list[list[object]]]:
    items = session_attendance(db)
    with db.begin() as session:
        people = repo.registrations_by_id(session, {r for i in items for r in i.registration_ids})
    per_session: list[list[object]] = [["session", "priority_area", "topic", "room", "start", "end",
                                        "attendees", "registration_id", "last_name", "first_name", "organisation"]]
    per_person: dict[str, list[str]] = {}
    for item in items:
        s = item.session
        head = [s.title, s.priority_area, s.topic, s.room, f"{s.start.astimezone(tz):%Y-%m-%d %H:%M}",
                f"{s.end.astimezone(tz):%Y-%m-%d %H:%M}", len(item.registration_ids)]
        ordered = sorted(item.registration_ids, key=lambda r: (people[r].last_name, people[r].first_name)
                         if r in people else ("", r))
        if not ordered:
            per_session.append(head + ["", "", "", ""])
        for rid in ordered:
            p = people.get(rid)
            per_session.append(head + [rid, p.last_name if p else "", p.first_name if p else "",
                                       p.organisation if p else ""])
            per_person.setdefault(rid, []).append(f"{s.start.astimezone(tz):%a %d %b %H:%M} {s.title} ({s.room})")
    attendees: list[list[object]] = [["registration_id", "last_name", "first_name", "organisation", "sessions",
                                      "attended"]]
    for rid, titles in sorted(per_person.items(), key=lambda kv: (people[kv[0]].last_name if kv[0] in people else "", kv[0])):
        p = people.get(rid)
        attendees.append([rid, p.last_name if p else "", p.first_name if p else "", p.organisation if p else "",
                          len(titles), "; ".join(titles)])
    counts = attendance_counts(db)
    totals: list[list[object]] = [["kind", "name", "attendances"]]
    totals += [["priority_area", k, v] for k, v in counts["priority_area"].items()]
    totals += [["topic", k, v] for k, v in counts["topic"].items()]
    return per_session, attendees, totals


def export_attendance(db: Database, out: Path) -> Path:
    """Write attendance to `out`: .xlsx (sheets: per session, per attendee, counts) or .csv
    (per session; the per-attendee list and the counts go beside it as -attendees.csv and
    -counts.csv). Returns `out`. Raises DeskError for another extension.
    """
    out = Path(out)
    with db.begin() as session:
        _days, tz = store.event_days_and_zone(session)
    sheets = dict(zip(("Sessions", "Attendees", "Counts"), _rows(db, tz), strict=True))
    suffix = out.suffix.lower()
    if suffix == ".csv":
        for name, rows in sheets.items():
            target = out if name == "Sessions" else out.with_name(f"{out.stem}-{name.lower()}.csv")
            with target.open("w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel reads UTF-8
                csv.writer(fh).writerows(safe_row(row) for row in rows)
        return out
    if suffix == ".xlsx":
        import openpyxl  # noqa: PLC0415 - heavy; only when exporting

        book = openpyxl.Workbook()
        book.remove(book.active)
        for name, rows in sheets.items():
            sheet = book.create_sheet(name)
            for row in rows:
                sheet.append(safe_row(row))
        book.save(out)
        return out
    raise DeskError(f"export to .csv or .xlsx, not {out.suffix or 'a file without extension'}")
