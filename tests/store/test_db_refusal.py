"""desk never replaces a file it did not create: `--db` on a CSV, on another program's SQLite
file, on a damaged desk database. Each is refused with a sentence and left byte for byte as it
was; only a missing or empty file becomes a new database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

import pytest

from desk.core.attendees import Event
from desk.store import registrations as repo
from desk.store.db import DatabaseDamaged, NotADeskDatabase, open_database

PAGE = 4096


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def damaged_copy(db_path: Path, target: Path) -> Path:
    """A real desk database with one page in the middle overwritten, as a failing disk leaves it."""
    db = open_database(f"sqlite:///{db_path}")
    with db.begin() as session:
        repo.save_event(session, Event(name="ECC", venue="Brussels", days=(dt.date(2016, 12, 1),)))
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = bytearray(db_path.read_bytes())
    pages = len(data) // PAGE
    middle = (pages // 2) * PAGE
    data[middle:middle + PAGE] = bytes((i * 7 + 3) % 256 for i in range(PAGE))
    target.write_bytes(bytes(data))
    return target


def test_a_csv_is_refused_and_left_as_it_was(tmp_path) -> None:
    csv = tmp_path / "export.csv"
    csv.write_text("registration_id,status,first_name\nECC16-0001,validated,Anna\n", encoding="utf-8")
    before = digest(csv)
    with pytest.raises(NotADeskDatabase, match="is not a desk database"):
        open_database(f"sqlite:///{csv}")
    assert digest(csv) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.csv"]


def test_another_programs_sqlite_file_is_refused_and_left_as_it_was(tmp_path) -> None:
    other = tmp_path / "photos.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE album (id INTEGER PRIMARY KEY, title TEXT)")
    conn.execute("INSERT INTO album (title) VALUES ('Brussels')")
    conn.commit()
    conn.close()
    before = digest(other)
    with pytest.raises(NotADeskDatabase, match="other tables: album"):
        open_database(f"sqlite:///{other}")
    assert digest(other) == before


def test_a_damaged_desk_database_is_refused_with_what_to_do_and_kept(db_path, tmp_path) -> None:
    damaged = damaged_copy(db_path, tmp_path / "damaged.sqlite")
    before = digest(damaged)
    with pytest.raises(DatabaseDamaged) as refused:
        open_database(f"sqlite:///{damaged}")
    message = str(refused.value)
    assert "is damaged" in message and "restore the file from a backup" in message and "hub" in message
    assert digest(damaged) == before
    assert not [p for p in tmp_path.iterdir() if ".corrupt-" in p.name or p.name.startswith("damaged.sqlite-")]


def test_only_a_missing_or_empty_file_becomes_a_new_database(tmp_path) -> None:
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    no_tables = tmp_path / "no-tables.sqlite"  # an SQLite file made empty, e.g. by `sqlite3 F VACUUM`
    conn = sqlite3.connect(no_tables)
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    assert no_tables.stat().st_size > 0
    for path in (empty, no_tables, tmp_path / "new folder" / "desk #1.sqlite"):
        db = open_database(f"sqlite:///{path}")
        with db.begin() as session:
            assert repo.get_event(session) is None
        db.close()
        assert path.stat().st_size > 0


def test_a_desk_database_opened_twice_is_still_a_desk_database(db_path) -> None:
    first = open_database(f"sqlite:///{db_path}")
    with first.begin() as session:
        repo.save_event(session, Event(name="ECC", venue="Brussels", days=(dt.date(2016, 12, 1),)))
    second = open_database(f"sqlite:///{db_path}")  # the first still has its -wal open
    with second.begin() as session:
        assert repo.get_event(session).name == "ECC"
    second.close()
    first.close()
