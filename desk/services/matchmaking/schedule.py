"""The matchmaking use cases before the day: import files, schedule, re-schedule, publish, what-if.

Solving is split from storing: `plan_schedule` only reads and solves (it may take the whole
time limit, so the ui runs it on the read pool and the check-in writes are never held up);
`store_plan` writes the result in one short unit of work. Once a schedule was published, the
next plan is a re-schedule that keeps the published meetings and says what to reprint.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desk.core.errors import DeskError, RowError, SourceError
from desk.core.matchmaking.model import MatchmakingError, Problem, Schedule, Session, Slot
from desk.core.matchmaking.files import detect_kind, parse_participants, parse_requests, parse_slots
from desk.core.matchmaking.solver import TablesNeeded, reschedule, schedule_meetings, tables_needed
from desk.services.tabular import TableCutShort, read_rows
from desk.store import matchmaking as store
from desk.store.db import Database
from desk.store.rooms import event_days_and_zone

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]
ORDER = {"participants": 0, "slots": 1, "requests": 2}  # requests are checked against participants


class MatchCancelled(DeskError):
    """The organiser stopped the scheduling; nothing was stored."""


@dataclass(frozen=True)
class FileReport:
    """What one imported file gave: its kind, how many rows were kept, the bad rows, or why it was refused."""

    path: Path
    kind: str | None = None
    kept: int = 0
    errors: tuple[RowError | SourceError, ...] = ()
    refused: str = ""

    def lines(self) -> list[str]:
        """One summary line, then one line per bad row (`name line N: reason`)."""
        if self.refused:
            return [f"{self.path.name}: refused: {self.refused}"]
        head = f"{self.path.name}: {self.kept} {self.kind} kept, {len(self.errors)} row(s) left out"
        rows = [f"{self.path.name} line {e.line}: {e.reason}" if isinstance(e, RowError | TableCutShort)
                else f"{self.path.name}: {e}" for e in self.errors]
        return [head, *rows]


@dataclass(frozen=True)
class ImportReport:
    """Every file's report, and the requests dropped with participants no longer listed."""

    files: list[FileReport]
    dropped_requests: int = 0

    @property
    def ok(self) -> bool:
        return all(not f.refused and not f.errors for f in self.files)


def _rows(path: Path) -> tuple[list[object], list[tuple[int, list[object]]], list[SourceError]]:
    """Header, data rows and a cut-short error (rows before the cut are kept)."""
    header: list[object] = []
    rows: list[tuple[int, list[object]]] = []
    problems: list[SourceError] = []
    try:
        for k, (line, values) in enumerate(read_rows(path)):
            if k == 0:
                header = values
            else:
                rows.append((line, values))
    except TableCutShort as cut:
        problems.append(cut)
    return header, rows, problems


def naive_to_zone(slots: Sequence[Slot], tz: dt.tzinfo) -> list[Slot]:
    """Slots whose naive times are read as the event's local time (aware ones are kept)."""
    def fix(t: dt.datetime) -> dt.datetime:
        return t.replace(tzinfo=tz) if t.tzinfo is None else t
    return [Slot(s.number, fix(s.start), fix(s.end)) for s in slots]


def import_files(db: Database, paths: Sequence[Path]) -> ImportReport:
    """Import participants, accepted requests and slots files (CSV or XLSX), each told by its header.

    A file of a kind replaces that kind (participants by id; requests naming a dropped
    participant go with them). Bad rows are reported with their line and left out; a file that
    cannot be read or whose header is unknown is refused with a one-line reason. Returns the report.
    """
    read: list[tuple[int, Path, str, list[object], list[tuple[int, list[object]]], list[SourceError]]] = []
    reports: dict[Path, FileReport] = {}
    for path in map(Path, paths):
        try:
            header, rows, problems = _rows(path)
            kind = detect_kind(header)
        except SourceError as exc:
            reports[path] = FileReport(path, refused=str(exc))
            continue
        read.append((ORDER[kind], path, kind, header, rows, problems))
    dropped = 0
    with db.begin() as session:
        _days, tz = event_days_and_zone(session)
        known = store.participant_ids(session)
        for _order, path, kind, header, rows, problems in sorted(read, key=lambda r: r[0]):
            errors: list[Any]
            if kind == "participants":
                people, errors = parse_participants(header, rows)
                dropped += store.replace_participants(session, people)
                known, kept = {p.participant_id for p in people}, len(people)
            elif kind == "slots":
                slots, errors = parse_slots(header, rows)
                store.replace_slots(session, naive_to_zone(slots, tz))
                kept = len(slots)
            else:
                requests, errors = parse_requests(header, rows, known)
                store.replace_requests(session, requests)
                kept = len(requests)
            reports[path] = FileReport(path, kind, kept, tuple([*errors, *problems]))
    return ImportReport([reports[Path(p)] for p in paths], dropped)


def load_problem(db: Database, tables: int | None = None) -> Problem:
    """The stored problem (with `tables` instead of the stored count when given).

    Raises MatchmakingError when nothing to schedule was imported yet, or the input is inconsistent.
    """
    with db.begin() as session:
        people, requests, slots = store.list_participants(session), store.list_requests(session), store.list_slots(session)
        count = store.get_tables(session) if tables is None else tables
    if not slots:
        raise MatchmakingError("no slots yet: import a slots file (slot, start, end)")
    if not people:
        raise MatchmakingError("no participants yet: import a participants file")
    return Problem(tuple(people), tuple(requests), Session(tuple(slots), count))


@dataclass(frozen=True)
class Plan:
    """A computed schedule, not stored yet; `change` is set for a re-schedule of a published one."""

    schedule: Schedule
    tables: int
    change: Any = None  # ScheduleChange (moved, added, dropped, agendas, table_sheets) of a re-schedule
    published_version: int | None = None
    solve_s: float = 0.0


def _ticking(progress: Progress | None, limit_s: float) -> tuple[threading.Event, threading.Thread | None]:
    """Report elapsed time against the limit while the solver runs (it offers no callback)."""
    stop = threading.Event()
    if progress is None:
        return stop, None
    total = max(1, int(limit_s * 10))

    def tick() -> None:
        started = time.monotonic()
        while not stop.wait(0.2):
            progress(min(total - 1, int((time.monotonic() - started) * 10)), total)

    thread = threading.Thread(target=tick, name="desk-match-progress", daemon=True)
    thread.start()
    return stop, thread


def plan_schedule(db: Database, *, tables: int | None = None, time_limit_s: float = 10.0,
                  progress: Progress | None = None, cancelled: Cancelled | None = None) -> Plan:
    """Read the problem and schedule it (re-schedule, keeping published meetings, after publication).

    `progress(done, total)` follows the elapsed share of the time limit. Raises MatchCancelled
    when `cancelled()` turns true (the solver checks it every 0.1 s),
    MatchmakingError for input that cannot be scheduled.
    """
    problem = load_problem(db, tables)
    with db.begin() as session:
        version = store.latest_version(session, published=True)
        published = store.load_schedule(session, version) if version is not None else None
    if cancelled and cancelled():
        raise MatchCancelled("scheduling stopped; nothing was stored")
    started = time.monotonic()
    stop, thread = _ticking(progress, time_limit_s)
    try:
        if published is None:
            schedule, change = schedule_meetings(problem, time_limit_s=time_limit_s, cancelled=cancelled), None
        else:
            result = reschedule(problem, published.all_meetings, time_limit_s=time_limit_s, cancelled=cancelled)
            schedule, change = result.schedule, result.change
    finally:
        stop.set()
        if thread is not None:
            thread.join()
    if cancelled and cancelled():
        raise MatchCancelled("scheduling stopped; nothing was stored")
    if progress:
        progress(1, 1)
    return Plan(schedule, problem.tables, change, version, time.monotonic() - started)


def store_plan(db: Database, plan: Plan, at: dt.datetime) -> int:
    """Store a plan as a new schedule version (and its table count as the setting); return the version."""
    with db.begin() as session:
        store.set_tables(session, plan.tables)
        return store.save_schedule(session, plan.schedule, plan.tables, at)


def publish(db: Database, at: dt.datetime, version: int | None = None) -> int:
    """Publish a schedule version (default: the newest); return it. Raises MatchmakingError if there is none."""
    with db.begin() as session:
        chosen = version if version is not None else store.latest_version(session)
        if chosen is None or not store.publish(session, chosen, at):
            raise MatchmakingError("no schedule to publish yet: run the scheduler first")
    return chosen


def current_schedule(db: Database, *, published: bool = False) -> store.StoredSchedule | None:
    """The newest schedule version (or the newest published one), or None."""
    with db.begin() as session:
        version = store.latest_version(session, published=published)
        return None if version is None else store.load_schedule(session, version)


def what_if_tables(db: Database, time_limit_s: float = 10.0) -> TablesNeeded:
    """How many tables would hold every meeting that can be held (see tables_needed)."""
    return tables_needed(load_problem(db), time_limit_s=time_limit_s)


@dataclass(frozen=True)
class Overview:
    """What the organiser's page shows at a glance."""

    participants: int
    requests: int
    slots: int
    tables: int
    latest: store.StoredSchedule | None
    published_version: int | None
    problems: list[str] = field(default_factory=list)


def overview(db: Database) -> Overview:
    """Counts of the imported problem and the newest schedule."""
    with db.begin() as session:
        people, requests, slots = (len(store.list_participants(session)), len(store.list_requests(session)),
                                   len(store.list_slots(session)))
        tables = store.get_tables(session)
        version = store.latest_version(session)
        latest = None if version is None else store.load_schedule(session, version)
        published = store.latest_version(session, published=True)
    return Overview(people, requests, slots, tables, latest, published)
