"""`desk awards import FILE`: awards and finalists from CSV, XLSX or JSON (award, finalist, description).

Bad rows are named by line and left out; good rows are stored. A re-import of the same
file changes nothing; a changed description is updated.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desk.core.awards.ballot import parse_award_rows
from desk.core.errors import RowError, SourceError
from desk.services.tabular import decode_bytes, read_file_bytes, read_rows
from desk.store import awards as store
from desk.store.db import Database

COLUMNS = ("award", "finalist", "description")


@dataclass(frozen=True)
class AwardImport:
    """What an award import stored and which rows it refused."""

    stored: store.StoredAwards
    errors: list[RowError] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report `desk awards import` prints: one summary line, then one line per bad row."""
        s = self.stored
        head = (f"awards: {s.awards_added} added; finalists: {s.finalists_added} added, "
                f"{s.descriptions_updated} descriptions updated, {s.unchanged} unchanged, "
                f"{len(self.errors)} rows refused")
        return [head, *(str(e) for e in self.errors)]


def _json_records(path: Path) -> Iterator[tuple[int, Mapping[str, object]]]:
    try:
        data = json.loads(decode_bytes(read_file_bytes(path)))
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path.name} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except (ValueError, RecursionError):
        raise SourceError(f"{path.name} is not an award file: its JSON is nested too deeply") from None
    if isinstance(data, dict):
        data = data.get("awards")
    if not isinstance(data, list):
        raise SourceError(f"{path.name} is not an award file: expected a list of objects with "
                          "award, finalist, description")
    for n, item in enumerate(data, start=1):  # a JSON file's rows are named by their position
        yield n, item if isinstance(item, dict) else {}


def _table_records(path: Path) -> Iterator[tuple[int, Mapping[str, object]]]:
    rows = read_rows(path)
    header: list[str] | None = None
    for line, values in rows:
        if header is None:
            header = [str(v if v is not None else "").strip().lower() for v in values]
            missing = [c for c in COLUMNS[:2] if c not in header]
            if missing:
                raise SourceError(f"{path.name}: line {line}: the header has no column {', '.join(missing)} "
                                  f"(expected {', '.join(COLUMNS)})")
            continue
        if not any(str(v if v is not None else "").strip() for v in values):
            continue  # a blank line between blocks is no row
        yield line, {name: (values[i] if i < len(values) else "") for i, name in enumerate(header)}
    if header is None:
        raise SourceError(f"{path.name} is empty: expected a header {', '.join(COLUMNS)}")


def read_award_file(path: Path) -> tuple[list[Any], list[RowError]]:
    """The good rows and the bad rows (by line) of an award file. Raises SourceError when it cannot be read."""
    path = Path(path)
    records = _json_records(path) if path.suffix.lower() == ".json" else _table_records(path)
    return parse_award_rows(list(records))


def import_awards(db: Database, path: Path) -> AwardImport:
    """Store the awards and finalists of the file at `path`; refused rows are reported, not stored.

    Raises SourceError when the file cannot be read at all (nothing is stored then).
    """
    rows, errors = read_award_file(path)
    with db.begin_write() as session:
        stored = store.store_award_rows(session, rows)
    return AwardImport(stored, errors)
