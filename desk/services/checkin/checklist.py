"""The paper fallback: the day's expected attendees, by last name, with a box to tick.

For when every laptop dies: printed in the morning, it lets the desk go on with a pen.
Drawn with reportlab in the badge fonts, so every European script prints as on the badge.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from desk.core.checkin.arrivals import expected_on
from desk.core.attendees import Registration
from desk.core.categories import by_key, label_of
from desk.core.cells import safe_row
from desk.core.errors import DeskError
from desk.core.text import fold
from desk.services.badges.fonts import BOLD, REGULAR, fit_width, register_fonts
from desk.store import checkins as store
from desk.store import event as event_repo
from desk.store import registrations as repo
from desk.store.db import Database

MM = 72 / 25.4
_ROW_PT = 7.2 * MM  # tall enough to tick with a pen
_MARGIN_PT = 14 * MM
_COLUMNS = (("", 8 * MM), ("Last name", 44 * MM), ("First name", 34 * MM), ("Organisation", 58 * MM),
            ("Category", 38 * MM))


class NoEventDay(DeskError):
    """The checklist was asked for a day the database has no event on."""


@dataclass(frozen=True)
class Checklist:
    """What was written: the file, the day, how many people and pages."""

    path: Path
    day: dt.date
    attendees: int
    pages: int


def sort_key(reg: Registration) -> tuple[str, str, str]:
    """Last name, then first name, ignoring case and accents ("Łęcka" sorts with "L")."""
    return fold(reg.last_name), fold(reg.first_name), reg.registration_id


def write_checklist(db: Database, out: Path | str, day: dt.date | None = None,
                    now: dt.datetime | None = None) -> Checklist:
    """Write the checklist PDF of `day` (default: today at the venue, or the event's first day
    when today is not an event day) and return what was written. An `out` ending in .csv
    gets the same list as a spreadsheet (cells made safe by desk.core.cells; 0 pages).

    People already checked in at printing time get a ticked box. Raises NoEventDay when the
    database has no event or `day` is not one of its days.
    """
    now = now or dt.datetime.now(dt.timezone.utc)
    with db.begin() as session:
        event = repo.get_event(session)
        if event is None:
            raise NoEventDay("no event in this database yet: create it first with desk event create")
        if day is None:
            today = now.astimezone(event.zone).date()
            day = today if today in event.days else event.days[0]
        if event.days and day not in event.days:
            days = ", ".join(d.isoformat() for d in event.days)
            raise NoEventDay(f"{day.isoformat()} is not a day of {event.name} ({days})")
        people = sorted(expected_on(repo.all_registrations(session), day, event.days), key=sort_key)
        inside = store.checked_in_ids(session, day)
        categories = by_key(event_repo.get_categories(session))
    out = Path(out)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    if out.suffix.lower() == ".csv":
        rows = [["yes" if reg.registration_id in inside else "", reg.last_name, reg.first_name, reg.organisation,
                 label_of(categories, reg.category), reg.registration_id] for reg in people]
        _write_csv(tmp, out, [["checked_in", "last_name", "first_name", "organisation", "category",
                               "registration_id"], *rows])
        return Checklist(out, day, len(people), 0)
    register_fonts()
    canvas = Canvas(str(tmp), pagesize=A4, initialFontName=REGULAR, initialFontSize=10)
    canvas.setTitle(f"Check-in list {day.isoformat()} — {event.name}")
    width, height = A4
    per_page = int((height - 2 * _MARGIN_PT - 22 * MM) // _ROW_PT)
    pages = max(1, -(-len(people) // per_page))
    for page in range(pages):
        chunk = people[page * per_page:(page + 1) * per_page]
        top = height - _MARGIN_PT
        canvas.setFont(BOLD, 14)
        canvas.drawString(_MARGIN_PT, top, fit_width(f"Check-in {day:%a %d %b %Y} · {event.name}", True, 14,
                                                width - 2 * _MARGIN_PT))
        canvas.setFont(REGULAR, 9)
        canvas.drawString(_MARGIN_PT, top - 6 * MM,
                          f"{len(people)} expected · printed {now.astimezone(event.zone):%d %b %H:%M} · "
                          f"ticked = already checked in then")
        canvas.drawRightString(width - _MARGIN_PT, top - 6 * MM, f"page {page + 1} / {pages}")
        y = top - 16 * MM
        x = _MARGIN_PT
        canvas.setFont(BOLD, 10)
        for title, col_width in _COLUMNS:
            canvas.drawString(x, y, title)
            x += col_width
        canvas.line(_MARGIN_PT, y - 2, width - _MARGIN_PT, y - 2)
        for reg in chunk:
            y -= _ROW_PT
            box = 4.2 * MM
            canvas.rect(_MARGIN_PT, y - 1.2 * MM, box, box)
            if reg.registration_id in inside:
                canvas.line(_MARGIN_PT + 0.8 * MM, y + 0.8 * MM, _MARGIN_PT + 1.8 * MM, y - 0.4 * MM)
                canvas.line(_MARGIN_PT + 1.8 * MM, y - 0.4 * MM, _MARGIN_PT + 3.6 * MM, y + 2.6 * MM)
            values = (reg.last_name.upper(), reg.first_name, reg.organisation,
                      label_of(categories, reg.category))
            x = _MARGIN_PT + _COLUMNS[0][1]
            for (_title, col_width), value in zip(_COLUMNS[1:], values, strict=True):
                bold = value is values[0]
                canvas.setFont(BOLD if bold else REGULAR, 10)
                canvas.drawString(x, y, fit_width(value, bold, 10, col_width - 2 * MM))
                x += col_width
            canvas.setLineWidth(0.2)
            canvas.line(_MARGIN_PT, y - 2 * MM, width - _MARGIN_PT, y - 2 * MM)
            canvas.setLineWidth(1)
        canvas.showPage()
    try:
        canvas.save()
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return Checklist(out, day, len(people), pages)


def _write_csv(tmp: Path, out: Path, rows: list[list[object]]) -> None:
    """The rows as CSV in `tmp`, then renamed to `out` (nothing half-written on a failure)."""
    try:
        with tmp.open("w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel reads UTF-8
            csv.writer(fh).writerows(safe_row(row) for row in rows)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
