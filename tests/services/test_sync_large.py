"""A large import is stored while it is still being validated: same result as storing it at once.

An export of more than a few thousand new registrations goes to SQLite chunk by chunk from a
helper thread (desk.store.bulkload). These tests hold that path to what the one-step path
stores, row for row, and check that a failure half-way leaves nothing behind.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest

from desk.services.registrations.sources import FileSource
from desk.services.registrations.sync import run_sync
from desk.store import bulkload
from desk.store import registrations as repo
from desk.store.db import open_database
from tests.event_helpers import create_event, db_path_with_event  # noqa: F401 - fixture: the database holds an event
from desk.store.schema import Base

NOW = dt.datetime(2016, 11, 28, 8, 0, tzinfo=dt.timezone.utc)
HEADER = ["registration_id", "status", "first_name", "last_name", "email", "organisation", "country",
          "category", "days", "ticket_code", "updated_at"]
ROWS = 12_500  # more than two of the writer's chunks, and a part chunk at the end
FIRST = ["Łukasz", "Anna", "Δημήτρης", "Дмитрий", "José", "Søren", "Zoë", "Ioana"]
LAST = ["Wójcik", "Müller", "Παπαδόπουλος", "Петров", "García", "Dvořák", "Ní Bhriain", "O'Brien"]
# two spellings of one organisation share one organisation row; some people name none
ORGS = ["Klaster Łódź {n} Sp. z o.o.", "klaster lodz {n}", "Silicon Saxony {n} e.V.", "Pôle Aérospace {n}", "",
        "Σύμπραξη Αθηνών {n}"]


def _organisation(i: int) -> str:
    return ORGS[i % len(ORGS)].format(n=i // 60)


def _export(path: Path, rows: int = ROWS) -> Path:
    base = dt.datetime(2016, 9, 1, tzinfo=dt.timezone.utc)
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for i in range(rows):
            organisation = _organisation(i)
            stamp = "" if i % 97 == 0 else (base + dt.timedelta(minutes=i)).isoformat()
            out.writerow([f"R{i:05d}", "validated" if i % 9 else "pending", FIRST[i % len(FIRST)],
                          LAST[(i // 3) % len(LAST)], f"p{i}@example.eu", organisation, "BE", "speaker",
                          "2016-12-01|2016-12-02", f"T{i:06d}", stamp])
            if i == 3000:  # a bad row in the first chunk
                out.writerow(["R-BAD", "validated", "No", "Mail", "not-an-email", "", "BE", "", "", "", ""])
            if i == 7000:  # an id given twice: the newer row wins, wherever it stands
                out.writerow(["R00010", "validated", "Newer", "Spelling", "p10@example.eu", "", "BE", "", "",
                              "T000010", (base + dt.timedelta(days=30)).isoformat()])
    return path


def _dump(db) -> dict[str, list[tuple]]:
    with db.engine.connect() as conn:
        tables = {t.name: [tuple(r) for r in conn.execute(t.select().order_by(*t.primary_key.columns))]
                  for t in Base.metadata.sorted_tables}
        tables["registration_fts"] = conn.exec_driver_sql(
            "SELECT rowid FROM registration_fts WHERE registration_fts MATCH 'lodz OR muller OR παπαδοπουλοσ' "
            "ORDER BY rowid").fetchall()
    return tables


def _import(db, path: Path):
    return run_sync(db, FileSource(path), clock=lambda: NOW)


@pytest.fixture
def two_dbs(db_template, tmp_path):
    paths = [tmp_path / "chunked.sqlite", tmp_path / "at-once.sqlite"]
    for path in paths:
        shutil.copyfile(db_template, path)
    dbs = [open_database(f"sqlite:///{path}") for path in paths]
    for database in dbs:
        create_event(database)  # an import needs the event first
    yield dbs
    for database in dbs:
        database.close()


def test_a_large_import_stores_exactly_what_storing_it_at_once_does(two_dbs, tmp_path, monkeypatch):
    chunked, at_once = two_dbs
    export = _export(tmp_path / "export.csv")

    jobs = []
    with monkeypatch.context() as patch:  # count the jobs the helper thread ran
        real = bulkload.StatementThread.submit
        patch.setattr(bulkload.StatementThread, "submit", lambda self, job: (jobs.append(job), real(self, job)))
        report = _import(chunked, export)
    with monkeypatch.context() as patch:
        patch.setattr(repo, "_CHUNK_ROWS", 10**9)  # the writer keeps everything for one store at the end
        reference = _import(at_once, export)

    assert len(jobs) == 3  # 12,500 new rows: two full chunks and a part one
    assert report.lines() == reference.lines()
    assert report.summary() == f"added {ROWS}, updated 0, unchanged 0, rejected 2 rows"
    assert _dump(chunked) == _dump(at_once)
    with chunked.begin() as session:
        assert repo.get_registration(session, "R00010").first_name == "Newer"
        names = {r.organisation for r in repo.search_registrations(session, "lodz", limit=None)}
        orgs = session.connection().exec_driver_sql("SELECT count(*) FROM organisation").scalar()
        added = session.connection().exec_driver_sql(
            "SELECT count(*) FROM sync_log WHERE action = 'added'").scalar()
    assert any(n.startswith("Klaster Łódź") for n in names) and any(n.startswith("klaster lodz") for n in names)
    # per number: "Klaster Łódź n Sp. z o.o." and "klaster lodz n" are one organisation, 4 in all
    assert orgs == 4 * len({i // 60 for i in range(ROWS)})
    assert added == ROWS


def test_both_spellings_of_an_organisation_share_one_row(db, tmp_path):
    _import(db, _export(tmp_path / "export.csv"))

    with db.begin() as session:
        rows = session.connection().exec_driver_sql(
            "SELECT r.organisation, r.organisation_id FROM registration r WHERE r.organisation IN "
            "('Klaster Łódź 0 Sp. z o.o.', 'klaster lodz 0', '')").fetchall()
    ids = {org: oid for org, oid in rows}
    assert ids["Klaster Łódź 0 Sp. z o.o."] == ids["klaster lodz 0"] is not None
    assert ids[""] is None


def test_reimporting_a_large_export_changes_nothing(db, tmp_path):
    export = _export(tmp_path / "export.csv")
    _import(db, export)
    before = _dump(db)

    again = _import(db, export)

    assert again.summary() == f"added 0, updated 0, unchanged {ROWS}, rejected 2 rows"
    assert _dump(db) == before


def test_a_store_failure_half_way_leaves_the_database_as_it_was(db, tmp_path):
    export = _export(tmp_path / "export.csv")
    with db.begin() as session:  # SQLite refuses one row of the third chunk
        session.connection().exec_driver_sql(
            "CREATE TRIGGER refuse BEFORE INSERT ON registration WHEN NEW.registration_id = 'R11000' "
            "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
    before = _dump(db)

    with pytest.raises(sqlite3.IntegrityError, match="refused by the test"):
        _import(db, export)

    assert _dump(db) == before
    with db.begin() as session:  # the connection is usable again, the failed sync left no transaction
        session.connection().exec_driver_sql("DROP TRIGGER refuse")
    assert _import(db, export).added == ROWS


def test_the_bar_fills_as_the_records_are_stored(db, tmp_path):
    seen: list[tuple[int, int]] = []
    run_sync(db, FileSource(_export(tmp_path / "export.csv")), clock=lambda: NOW,
             progress=lambda done, total: seen.append((done, total)))

    records = ROWS + 2  # the bad row and the repeated id are records too
    stored = [(done, total) for done, total in seen if total]
    assert len(stored) >= 3 and stored[-1] == (records, records)
    assert [done for done, _ in stored] == sorted(done for done, _ in stored)


def test_cancel_while_storing_undoes_the_whole_file(db, tmp_path):
    before = _dump(db)
    calls = []

    def cancelled() -> bool:  # Cancel pressed once the store has had two chunks
        return sum(1 for _, total in calls if total) >= 2

    report = run_sync(db, FileSource(_export(tmp_path / "export.csv")), clock=lambda: NOW,
                      progress=lambda done, total: calls.append((done, total)), cancelled=cancelled)

    assert report.cancelled and report.added == 0
    assert _dump(db) == before
