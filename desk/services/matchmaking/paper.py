"""The matchmaking on paper: one agenda per participant, one sheet per table, the desk's master list.

Rendered with the badges' DejaVu fonts (embedded TrueType), so Greek, Cyrillic and every
accent print as on the badges. Works on the published schedule (else the newest).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from desk.core.matchmaking.model import MatchmakingError, Meeting, Participant, Slot
from desk.services.badges.fonts import BOLD, REGULAR, fit_width, register_fonts
from desk.store import matchmaking as store
from desk.store.db import Database
from desk.store.rooms import event_days_and_zone

MARGIN = 18 * mm


class _Sheet:
    """A canvas with a cursor: headings and table rows, a new page when full."""

    def __init__(self, path: Path, title: str, pagesize: tuple[float, float] = A4) -> None:
        self.canvas = Canvas(str(path), pagesize=pagesize, pageCompression=1, initialFontName=REGULAR)
        self.canvas.setTitle(title)
        self.width, self.height = pagesize
        self.y = self.height - MARGIN

    def heading(self, text: str, size: float = 18) -> None:
        self.canvas.setFont(BOLD, size)
        self.canvas.drawString(MARGIN, self.y - size, fit_width(text, True, size, self.width - 2 * MARGIN))
        self.y -= size * 1.6

    def line(self, cells: Iterable[str], widths: Iterable[float], size: float = 11, bold: bool = False) -> None:
        if self.y < MARGIN + size * 2:
            self.canvas.showPage()
            self.y = self.height - MARGIN
        x = MARGIN
        self.canvas.setFont(BOLD if bold else REGULAR, size)
        for text, width in zip(cells, widths):
            self.canvas.drawString(x, self.y - size, fit_width(text, bold, size, width - 4))
            x += width
        self.y -= size * 1.5

    def new_page(self) -> None:
        self.canvas.showPage()
        self.y = self.height - MARGIN

    def save(self) -> None:
        self.canvas.save()


def write_paper(db: Database, out: Path, only: set[str] | None = None) -> list[Path]:
    """Write agendas.pdf (one page per participant, or those in `only`), tables.pdf (one sheet per
    table, large type for the table sign) and master.pdf (every meeting by round) into `out`.

    Returns the paths. Raises MatchmakingError when there is no schedule.
    """
    register_fonts()
    with db.begin() as session:
        version = store.current_version(session)
        if version is None:
            raise MatchmakingError("no schedule yet: run the scheduler first")
        meetings = store.load_schedule(session, version).all_meetings
        people = {p.participant_id: p for p in store.list_participants(session)}
        slots = {s.number: s for s in store.list_slots(session)}
        _days, tz = event_days_and_zone(session)
    out.mkdir(parents=True, exist_ok=True)

    def when(number: int) -> str:
        s: Slot | None = slots.get(number)
        return f"{s.start.astimezone(tz):%H:%M}–{s.end.astimezone(tz):%H:%M}" if s else ""

    def who(pid: str) -> Participant:
        return people.get(pid) or Participant(pid)

    paths = [out / "agendas.pdf", out / "tables.pdf", out / "master.pdf"]
    agendas = _Sheet(paths[0], "Matchmaking agendas")
    chosen = [p for p in people.values() if only is None or p.participant_id in only]
    for k, person in enumerate(chosen):
        if k:
            agendas.new_page()
        agendas.heading(f"{person.organisation or person.participant_id}")
        agendas.heading(f"{person.name}  ·  {person.country}  ·  {person.participant_id}", 12)
        widths = (17 * mm, 26 * mm, 14 * mm, 48 * mm, 69 * mm)
        agendas.line(("Round", "Time", "Table", "Partner", "Organisation / country"), widths, bold=True)
        mine = [m for m in meetings if person.participant_id in (m.requester, m.partner)]
        for m in mine:
            other = who(m.partner if m.requester == person.participant_id else m.requester)
            agendas.line((str(m.slot), when(m.slot), str(m.table), other.name,
                          f"{other.organisation} ({other.country})"), widths)
        if not mine:
            agendas.line(("No meetings scheduled — please see the matchmaking desk.",), (170 * mm,))
    agendas.save()

    sheets = _Sheet(paths[1], "Matchmaking table sheets", landscape(A4))
    by_table: dict[int, list[Meeting]] = {}
    for m in meetings:
        by_table.setdefault(m.table, []).append(m)
    for k, table in enumerate(sorted(by_table)):
        if k:
            sheets.new_page()
        sheets.heading(f"Table {table}", 64)
        widths = (16 * mm, 36 * mm, 104 * mm, 104 * mm)
        for m in sorted(by_table[table], key=lambda m: m.slot):
            a, b = who(m.requester), who(m.partner)
            sheets.line((str(m.slot), when(m.slot), f"{a.organisation} — {a.name}", f"{b.organisation} — {b.name}"),
                        widths, size=13)
    sheets.save()

    master = _Sheet(paths[2], "Matchmaking master list")
    master.heading(f"Matchmaking master list — version {version}, {len(meetings)} meetings, "
                   f"printed {dt.datetime.now(tz):%d %b %H:%M}", 14)
    widths = (17 * mm, 26 * mm, 14 * mm, 58 * mm, 58 * mm)
    master.line(("Round", "Time", "Table", "Requester", "Partner"), widths, size=9, bold=True)
    for m in meetings:
        a, b = who(m.requester), who(m.partner)
        master.line((str(m.slot), when(m.slot), str(m.table), f"{a.organisation} ({a.participant_id})",
                     f"{b.organisation} ({b.participant_id})"), widths, size=9)
    master.save()
    return paths
