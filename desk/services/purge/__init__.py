"""After the event: remove every piece of personal data from this station, keep anonymous counts.

desk writes personal data in these places, and `purge` removes each of them:

- the database: the local SQLite file with its -wal, -shm and -journal files and its sync
  lock (removed whole: deleting rows would leave them in free pages), or on a server database
  (the hub) every row of the tables that are not in desk.store.purge.KEPT_TABLES;
- everything else under the data folder: key files (`keys/`), the PDF folder printer's
  output (`printed-badges/`), remembered column maps (`maps/`), and whatever an export, a
  cache or a log put there;
- the badge PDFs of a folder printer named in the settings (`printer = "folder:…"`), also
  outside the data folder.

Kept: the anonymous counts file (desk.services.purge.counts) and the settings folder, which
holds the station's settings and window geometry, no attendee data (a stale settings.tmp goes).
Exports a person saved elsewhere (`--out FILE`, a checklist PDF) are not tracked by desk: the
plan says so.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from desk.config import config_dir, data_dir
from desk.core.errors import DeskError
from desk.services.purge import counts as counts_file
from desk.store import purge as repo
from desk.store.db import Database
from desk.store.encryption import wipe

SQLITE_SIDES = ("-wal", "-shm", "-journal", ".sync-lock")
"""Files SQLite and desk keep beside a database file."""

_FOLDER_PRINTER_FILE = re.compile(r"^\.?badge[-\w.]*\.(pdf|part)$")
"""The names printing.py and FolderPrinter give a badge PDF (and its half-written copy)."""

# top-level entries of the data folder, as the plan names them
_KINDS = {
    "keys": "key backups",
    "printed-badges": "print folder",
    "maps": "remembered column maps",
}

NOT_TRACKED = ("files saved elsewhere with --out or a Save dialog (attendance exports, checklists) and "
               "`desk print --folder DIR` folders are not tracked by desk: delete them yourself")


class PurgeError(DeskError):
    """The purge cannot go ahead; nothing was removed."""


@dataclass(frozen=True)
class PurgeItem:
    """One line of the plan or report: what kind of data, where, how much."""

    kind: str
    where: str
    amount: str = ""

    def line(self) -> str:
        return f"{self.kind}: {self.where}" + (f" ({self.amount})" if self.amount else "")


@dataclass
class PurgePlan:
    """What `purge` would remove and keep. `files` are removed; `database_files` are first
    overwritten with zeros (the database pages themselves), then removed."""

    database_url: str
    remove: list[PurgeItem] = field(default_factory=list)
    keep: list[PurgeItem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    database_files: list[Path] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)  # emptied folders that go too (deepest first)
    server_tables: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class PurgeReport:
    """What `purge` did."""

    removed: list[PurgeItem] = field(default_factory=list)
    kept: list[PurgeItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for a server database or memory."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _files_under(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def _amount(n: int) -> str:
    return f"{n} file" if n == 1 else f"{n} files"


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def plan_purge(database_url: str, db: Database | None, printer: str = "") -> PurgePlan:
    """List what a purge of this station removes and keeps; removes nothing.

    `db` is the open database (None when there is none to read: a missing or damaged file);
    `printer` the settings' printer choice. Raises PurgeError for a database desk may not touch.
    """
    data, config = data_dir(), config_dir()
    counts = counts_file.counts_path()
    plan = PurgePlan(database_url)
    shown = make_url(database_url).render_as_string(hide_password=True)
    db_path = sqlite_file(database_url)
    if db_path is not None:
        present = [p for p in [db_path, *(db_path.with_name(db_path.name + s) for s in SQLITE_SIDES)]
                   if p.exists()]
        plan.database_files = [p for p in present if not p.name.endswith(".sync-lock")]
        plan.files += [p for p in present if p.name.endswith(".sync-lock")]
        if present:
            plan.remove.append(PurgeItem("database", str(db_path), _amount(len(present))))
    elif db is not None:
        with db.engine.connect() as conn:
            plan.server_tables = repo.personal_tables(conn)
        plan.remove.append(PurgeItem("database", shown, f"every row of {len(plan.server_tables)} tables: "
                                     + ", ".join(plan.server_tables)))
        plan.keep.append(PurgeItem("database", shown, "event, programme, rooms, public badge keys"))
    skip = {counts, counts.with_name(f".{counts.name}.tmp"), *plan.database_files, *plan.files}
    groups: dict[str, list[Path]] = {}
    for path in _files_under(data):
        if path in skip:
            continue
        top = path.relative_to(data).parts[0]
        groups.setdefault(top, []).append(path)
    for top, paths in sorted(groups.items()):
        kind = _KINDS.get(top, "exports, caches, logs and other files")
        plan.remove.append(PurgeItem(kind, str(data / top), _amount(len(paths))))
        plan.files += paths
    plan.folders = sorted((p for p in data.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True) \
        if data.is_dir() else []
    if printer.startswith("folder:"):
        folder = Path(printer[len("folder:"):]).expanduser()
        if not _inside(folder, data):
            badges = [p for p in _files_under_top(folder) if _FOLDER_PRINTER_FILE.match(p.name)]
            if badges:
                plan.remove.append(PurgeItem("print folder", str(folder), _amount(len(badges)) + " of badges"))
                plan.files += badges
    stale = config / "settings.tmp"
    if stale.exists():
        plan.files.append(stale)
        plan.remove.append(PurgeItem("half-written settings", str(stale), "1 file"))
    plan.keep.append(PurgeItem("anonymous counts", str(counts),
                               ", ".join(name.replace("_", " ") for name, _c in counts_file.COUNTERS)))
    kept_config = [p for p in _files_under(config) if p != stale]
    if kept_config:
        plan.keep.append(PurgeItem("settings", str(config), ", ".join(p.name for p in kept_config)))
    plan.notes.append(NOT_TRACKED)
    return plan


def _files_under_top(folder: Path) -> Iterable[Path]:
    # a folder printer writes flat: only its own top level is desk's
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


def run_purge(plan: PurgePlan, db: Database | None, now: dt.datetime) -> PurgeReport:
    """Carry out `plan`: write the anonymous counts first (from `db`), then remove.

    Without a readable database the counts file is left as it was and the report warns.
    Raises PurgeError when the counts cannot be written (nothing was removed then).
    """
    report = PurgeReport()
    counts_item = None
    if db is not None:
        from desk.services.event import load_event  # noqa: PLC0415 - only a purge with a database needs it

        event = load_event(db)
        if event is not None:
            sections = counts_file.collect_counts(db)
            try:
                path = counts_file.record_counts(event.event.name, [d.isoformat() for d in event.event.days],
                                                 sections, now)
            except (OSError, counts_file.CountsFileError) as exc:
                raise PurgeError(f"the anonymous counts cannot be written ({exc}); nothing was removed") from None
            counts_item = PurgeItem("anonymous counts", str(path), _describe(sections))
        else:
            report.warnings.append("the database holds no event: no counts were added")
    else:
        report.warnings.append("the database could not be read: no counts were added")
    if plan.server_tables and db is not None:
        deleted = repo.empty_personal_tables(db.engine)
        report.removed.append(PurgeItem("database", make_url(plan.database_url).render_as_string(),
                                        f"{sum(deleted.values())} rows from {len(deleted)} tables"))
    if db is not None and plan.database_files:
        db.close()  # no connection may hold the file open (or write a new -wal) while it goes
    for path in plan.database_files:
        wipe(path)
    for path in [*plan.database_files, *plan.files]:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            report.warnings.append(f"could not remove {path}: {exc.strerror or exc}")
    for folder in plan.folders:
        try:
            folder.rmdir()
        except OSError:
            pass  # not empty: it holds the counts file or something that could not go
    report.removed += [i for i in plan.remove if i.kind != "database" or not plan.server_tables]
    if counts_item is None:
        path = counts_file.counts_path()
        counts_item = PurgeItem("anonymous counts", str(path), "unchanged" if path.exists() else "none")
    report.kept = [counts_item, *(i for i in plan.keep if i.kind != "anonymous counts")]
    return report


def _describe(sections: dict[str, object]) -> str:
    parts = []
    for name, value in sections.items():
        size = len(value) if isinstance(value, (list, dict)) else 1
        parts.append(f"{name.replace('_', ' ')}: {size}")
    return ", ".join(parts)
