"""Where registrations come from: portal export files and the portal's JSON feed.

Every source yields `Batch`es through one small interface, so the sync service has one
code path. A file is one batch whose bad rows are reported and whose good rows are kept; the
feed is one batch per page, its good items applied with the page's cursor and its bad ones reported.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from desk.core.categories import DEFAULT_WORDS, CategoryWords
from desk.core.errors import RowError, SourceError, SyncCancelled
from desk.core.portal import COLUMNS, HeaderMap, ParsedRow, Record, make_record, match_headers, shown
from desk.core.portalformats import (
    PortalMap, check_map_categories, header_signature, map_toml, parse_map, read_layout,
)
from desk.core.portaljson import json_absent, json_fields, load_json
from desk.services import tabular

Cancelled = Callable[[], bool]
Progress = Callable[[int, int], None]

Translate = Callable[[list[object], int], list[object]]  # a portal's row (and its line) as desk's fields

KEEP_CURSOR = object()  # marker: this batch does not move the stored cursor


@dataclass
class Batch:
    """Rows to apply in one unit of work, the rows that could not be stored, and a cursor."""

    rows: list[ParsedRow]
    errors: list[RowError] = field(default_factory=list)
    # records still to validate: the sync skips those it already holds unchanged
    records: list[Record] = field(default_factory=list)
    cursor: object = KEEP_CURSOR
    ignored_columns: list[str] = field(default_factory=list)
    total: int = 0  # records read, good and bad
    format: str = ""  # what the header row says the file is (desk, pretix, …, mapped); "" for the feed
    # words a preset or map does not know, kept under a default: (field, word, default) → [count, lines]
    unknown: dict[tuple[str, str, str], list] = field(default_factory=dict)


class Source(Protocol):
    """A place registrations come from."""

    name: str
    incremental: bool

    def batches(self, since: str | None, cancelled: Cancelled, progress: Progress) -> Iterator[Batch]:
        """Yield batches to apply in order. Raise SourceError when the source cannot be read."""

    def use_categories(self, categories: CategoryWords) -> None:
        """Read category words as the event's `categories`. Raise SourceError when what the
        source was told (a map file) names a category the event does not have."""


# A JSON record's fields, laid out as a row in desk's column order.
_JSON_HEADERS = HeaderMap({c: i for i, c in enumerate(COLUMNS)})


@lru_cache(maxsize=64)
def _json_headers(absent: tuple[str, ...]) -> HeaderMap:
    """The layout of JSON records that lack the `absent` keys (their fields read as absent)."""
    return HeaderMap({c: i for i, c in enumerate(COLUMNS) if c not in absent})


class FileSource:
    """A portal export: CSV (any Excel dialect), XLSX, or a JSON array / {"items": [...]} file."""

    incremental = False

    def __init__(self, path: Path, portal_map: PortalMap | None = None, map_name: str = "the map file") -> None:
        self.path = Path(path)
        self.portal_map = portal_map
        self.map_name = map_name  # how errors name the map file
        self.categories = DEFAULT_WORDS
        # a file name that is not valid UTF-8 would reach the sync log as lone surrogates
        self.name = shown(str(self.path), 4096)

    def use_categories(self, categories: CategoryWords) -> None:
        self.categories = categories
        if self.portal_map is not None:
            self.portal_map = check_map_categories(self.portal_map, categories, self.map_name)

    def batches(self, since: str | None, cancelled: Cancelled, progress: Progress) -> Iterator[Batch]:
        if self.path.suffix.lower() == ".json":
            if self.portal_map is not None:
                raise SourceError(f"{self.path.name}: a map file applies to CSV and XLSX exports, not to JSON")
            yield self._json_batch(cancelled, progress)
        else:
            yield self._table_batch(cancelled, progress)

    def _table_batch(self, cancelled: Cancelled, progress: Progress) -> Batch:
        rows = tabular.read_rows(self.path)
        try:
            return self._read_table(rows, cancelled, progress)
        finally:
            # closes the workbook's file at once, also when the header was refused
            getattr(rows, "close", lambda: None)()

    def _read_table(self, rows: Iterator[tuple[int, list[object]]], cancelled: Cancelled,
                    progress: Progress) -> Batch:
        try:
            header_line, header = next(rows)
        except StopIteration:
            raise SourceError(f"{self.path.name} is empty: no header row") from None
        try:
            layout = read_layout(header, self.portal_map)
            headers = layout.headers if layout is not None else match_headers(header)
        except SourceError as exc:
            raise SourceError(f"{self.path.name}, line {header_line}: {exc}") from None
        batch = Batch(rows=[], ignored_columns=headers.ignored, format=layout.format if layout else "desk")
        translate: Translate | None = None
        if layout is not None:
            batch.unknown = layout.unknown
            translate = layout.translate
        # Surplus fields in a CSV row mean a stray delimiter shifted it; a workbook cell under
        # no header (or under a merged one) shifts nothing and is simply not used.
        width = None if tabular.is_workbook(self.path) else len(header)
        # rows longer than this need `_take_row`'s check (a workbook's never do)
        width_or_any = len(header) if width is not None else float("inf")
        try:
            records = batch.records
            for line, values in rows:
                if len(values) > width_or_any or batch.total % 2000 == 1999:
                    self._take_row(batch, headers, width, line, values, cancelled, progress, translate)
                else:  # the common row, inline: one record, no checks to make
                    batch.total += 1
                    records.append(make_record(headers, translate(values, line) if translate else values, line))
        except tabular.TableCutShort as cut:
            # The good rows before the damage are kept; the person is told what was not read.
            unread = f"line {cut.line} was not read" if cut.last_line <= cut.line else \
                f"lines {cut.line}-{cut.last_line} were not read"
            batch.total += 1
            batch.errors.append(RowError(cut.line, f"{cut.reason}; {unread} (fix the file and import it again)"))
        return batch

    @staticmethod
    def _take_row(batch: Batch, headers: HeaderMap, width: int | None, line: int, values: list[object],
                  cancelled: Cancelled, progress: Progress, translate: Translate | None = None) -> None:
        """Validate one table row into `batch` (a good row or a RowError)."""
        batch.total += 1
        if batch.total % 2000 == 0:
            if cancelled():
                raise SyncCancelled()
            progress(batch.total, 0)
        if width is not None and len(values) > width and any(str(v).strip() for v in values[width:] if v is not None):
            batch.errors.append(RowError(line, f"{len(values)} fields but the header has {width} "
                                               "(a stray delimiter or an unquoted field?)"))
            return
        batch.records.append(make_record(headers, translate(values, line) if translate else values, line))

    def _json_batch(self, cancelled: Cancelled, progress: Progress) -> Batch:
        try:
            data = load_json(tabular.decode_bytes(tabular.read_file_bytes(self.path)))
        except json.JSONDecodeError as exc:
            raise SourceError(f"{self.path.name} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
        except ValueError as exc:
            raise SourceError(f"{self.path.name} is not valid JSON ({exc})") from None
        items = data.get("items") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise SourceError(f"{self.path.name}: expected a JSON array of registrations or {{\"items\": [...]}}")
        batch = Batch(rows=[])
        ignored: set[str] = set()
        for number, item in enumerate(items, start=1):
            batch.total += 1
            try:
                values = json_fields(item, number)
            except RowError as err:
                batch.errors.append(err)
                continue
            ignored.update(shown(str(k), 60) for k in item if k not in COLUMNS)  # type: ignore[union-attr]
            absent = json_absent(item)  # type: ignore[arg-type]
            headers = _JSON_HEADERS if not absent else _json_headers(absent)
            batch.records.append(make_record(headers, values, number))
            if number % 2000 == 0 and cancelled():
                raise SyncCancelled()
        batch.ignored_columns = sorted(ignored)
        return batch


class FeedSourceAdapter:
    """The portal's JSON feed, one batch per page, with the cursor stored per base URL."""

    incremental = True

    def __init__(self, base_url: str, token: str, limit: int = 500, **feed_options: object) -> None:
        from desk.services.registrations.feed import FeedSource  # noqa: PLC0415 - httpx only loads for a feed sync

        base = base_url.rstrip("/")
        if base.endswith("/registrations"):
            base = base[: -len("/registrations")]
        self.name = base
        self._feed = FeedSource(base, token, limit=limit, **feed_options)

    def use_categories(self, categories: CategoryWords) -> None:
        self._feed.categories = categories

    def batches(self, since: str | None, cancelled: Cancelled, progress: Progress) -> Iterator[Batch]:
        done = 0
        for page in self._feed.pages(since, cancelled):
            # A bad item is reported by its position in this sync (row N: the Nth item read),
            # and the rest of its page is applied: the cursor moves past it, so one item the
            # portal got wrong cannot hold every later change back.
            errors = [RowError(done + e.line, e.reason, e.field) for e in page.errors]
            rows = [row._replace(line=done + row.line) for row in page.rows] if done else list(page.rows)
            done += page.raw_count
            progress(done, 0)
            yield Batch(rows=rows, errors=errors, cursor=page.next_cursor if page.next_cursor is not None
                        else page.cursor_used, total=page.raw_count)


def load_map(path: Path) -> PortalMap:
    """Read a map file (TOML). Raises SourceError saying what is wrong with it."""
    data = tabular.read_file_bytes(Path(path))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError(f"{Path(path).name} is not UTF-8 text (a map file is TOML)") from None
    return parse_map(text, Path(path).name)


def read_header(path: Path) -> list[str]:
    """The header row of an export file (CSV or XLSX), as text. Raises SourceError when unreadable."""
    rows = tabular.read_rows(Path(path))
    try:
        _line, header = next(rows)
    except StopIteration:
        raise SourceError(f"{Path(path).name} is empty: no header row") from None
    finally:
        getattr(rows, "close", lambda: None)()
    return ["" if h is None else str(h).strip() for h in header]


def save_map(path: Path, columns: dict[str, str]) -> Path:
    """Write a map file for `columns` (desk field → header) at `path`; it is read back first,
    so a map desk could not read is never written. The words of a map already at `path`
    (statuses, days, categories, date format) are kept. Returns the path."""
    try:
        keep = load_map(Path(path)) if Path(path).is_file() else None
    except SourceError:
        keep = None  # not a map desk can read: replaced
    text = map_toml(columns, keep=keep)
    parse_map(text, Path(path).name)
    Path(path).write_text(text, encoding="utf-8")
    return Path(path)


def _remembered(header: list[str]) -> Path:
    from desk.config import data_dir  # noqa: PLC0415 - platformdirs only when a map is remembered

    return data_dir() / "maps" / f"{header_signature(header)}.path"


def remember_map(export: Path, map_path: Path) -> None:
    """Remember `map_path` as the map of exports with `export`'s header row."""
    note = _remembered(read_header(export))
    note.parent.mkdir(parents=True, exist_ok=True)
    note.write_text(str(Path(map_path).resolve()), encoding="utf-8")


def remembered_map(export: Path) -> Path | None:
    """The map last used for an export with this one's header row, when that file still exists."""
    try:
        note = _remembered(read_header(export))
        path = Path(note.read_text(encoding="utf-8").strip()) if note.is_file() else None
    except (OSError, SourceError, UnicodeDecodeError):
        return None
    return path if path is not None and path.is_file() else None


def map_columns(export: Path) -> tuple[list[str], Path | None, dict[str, str] | None]:
    """For a hand-mapping form: the export's header row, the map remembered for that header
    (None if none), and that map's columns (None when there is no readable one)."""
    header = read_header(export)
    known = remembered_map(export)
    try:
        columns = dict(load_map(known).columns) if known is not None else None
    except SourceError:
        columns = None
    return header, known, columns


def open_source(location: str, token: str | None = None, map_path: Path | str | None = None) -> Source:
    """Return the source for a file path (read through the map file, when given) or an http(s) feed address."""
    if location.startswith(("http://", "https://")):
        if map_path:
            raise SourceError("a map file applies to export files, not to the portal feed")
        return FeedSourceAdapter(location, token or "")
    if not map_path:
        return FileSource(Path(location))
    return FileSource(Path(location), load_map(Path(map_path)), shown(Path(map_path).name, 200))
