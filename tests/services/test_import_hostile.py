"""The hostile corpus: every import keeps its good rows, reports the bad ones by line, never
ends in a traceback, and gives the same result on SQLite and on PostgreSQL.

The files are in tests/fixtures/import/hostile (written by make_hostile.py there).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from desk.cli import cli
from desk.core.attendees import Event, Status
from desk.core.checkin.decision import ScanOutcome
from desk.services.demo.event import EVENT_TZ
from desk.core.errors import SourceError
from desk.services.checkin import entrance as checkin_svc
from desk.services.registrations.sources import FeedSourceAdapter, FileSource
from desk.services.registrations.sync import run_sync
from desk.store import registrations as repo
from desk.store.db import open_database
from desk.store.schema import OrganisationRow, RegistrationRow
from tests.services.feedserver import DEFAULT_TOKEN, FeedServer, make_registration
from tests.event_helpers import db_path_with_event, pg_url_with_event  # noqa: F401 - fixtures: the databases hold an event


HOSTILE = Path(__file__).parents[1] / "fixtures" / "import" / "hostile"
NOW = dt.datetime(2016, 11, 28, 8, 0, tzinfo=dt.timezone.utc)
DAYS = (dt.date(2016, 11, 30), dt.date(2016, 12, 1), dt.date(2016, 12, 2))


def _ids(prefix: str, count: int) -> set[str]:
    return {f"{prefix}-{n}" for n in range(1, count + 1)}


# file -> (the report's lines, the registration ids stored from it)
EXPECTED: dict[str, tuple[list[str], set[str]]] = {
    "long_names.csv": (["added 103, updated 0, unchanged 0, rejected 0 rows"],
                       _ids("LN", 50) | _ids("LN2", 50) | {"LN-LONG", "LN-SZ", "LN-FFI"}),
    "email_grows.csv": (["added 6, updated 0, unchanged 0, rejected 1 rows",
                         "row 5: email is 995 characters long (at most 500)"],
                        _ids("EG", 3) | _ids("EG2", 3)),
    "overflow_updated_at.csv": ([
        "added 1000, updated 0, unchanged 0, rejected 3 rows",
        "row 502: updated_at '9999-12-31T23:59:59-05:00' is out of range (expected a moment between 2000 and 2099)",
        "row 503: updated_at '0001-01-01T00:00:00+01:00' is out of range (expected a moment between 2000 and 2099)",
        "row 504: updated_at '1066-10-14T09:00:00Z' is out of range (expected a moment between 2000 and 2099)",
    ], _ids("OV", 500) | _ids("OV2", 500)),
    "control_characters.csv": (["added 5, updated 0, unchanged 0, rejected 0 rows"],
                               _ids("CC", 2) | _ids("CC2", 2) | {"CC-X"}),
    "shared_ticket.csv": (["added 2, updated 0, unchanged 0, rejected 1 rows",
                           "row 3: ticket_code 'T-SHARED' is already the ticket of A-001 (row 2); "
                           "A-002 cannot have it too"],
                          {"A-001", "A-003"}),
    "lone_surrogate.json": ([
        "added 100, updated 0, unchanged 0, rejected 2 rows",
        "row 51: first_name holds a character that is not text (\\ud800, a lone surrogate); fix the export",
        "row 52: organisation holds a character that is not text (\\udfff, a lone surrogate); fix the export",
    ], _ids("LS", 50) | _ids("LS2", 50)),
    "json_values.json": ([
        "added 5, updated 0, unchanged 0, rejected 6 rows",
        "row 3: first_name must be text, not a JSON object",
        "row 4: organisation must be text, not a JSON array",
        "row 5: last_name must be text, not a JSON true/false",
        "row 6: registration_id must be text, not the number nan",
        "row 7: ticket_code must be text, not the number inf",
        "row 8: item is a JSON string, not an object",
    ], _ids("JV", 2) | _ids("JV2", 2) | {"42"}),
    "big_integer.json": (["added 6, updated 0, unchanged 0, rejected 2 rows",
                          "row 4: registration_id is 5000 characters long (at most 64)",
                          "row 5: ticket_code is 5000 characters long (at most 256)"],
                         _ids("BI", 3) | _ids("BI2", 3)),
    "deep_nesting.json": (["added 20, updated 0, unchanged 0, rejected 2 rows",
                           "row 11: item is a JSON value nested too deeply, not an object",
                           "row 12: item is a JSON value nested too deeply, not an object"],
                          _ids("DN", 10) | _ids("DN2", 10)),
}


def _event(db) -> None:
    # seats for the whole corpus: the report lines are then only the rows
    with db.begin() as session:
        repo.save_event(session, Event(name="ECC 2016", venue="Brussels", days=DAYS, seat_cap=100_000))


def _stored(db) -> dict[str, tuple]:
    """Every stored registration with the columns derived from it."""
    with db.begin() as session:
        derived = {rid: (sort, search, key) for rid, sort, search, key in session.execute(
            select(RegistrationRow.registration_id, RegistrationRow.sort_key, RegistrationRow.search_text,
                   OrganisationRow.key).outerjoin(OrganisationRow))}
        return {r.registration_id: (r, *derived[r.registration_id]) for r in repo.all_registrations(session)}


def _import_corpus(db) -> dict[str, tuple[list[str], set[str]]]:
    _event(db)
    results = {}
    for name in EXPECTED:
        before = set(_stored(db))
        report = run_sync(db, FileSource(HOSTILE / name), clock=lambda: NOW)
        results[name] = (report.lines(), set(_stored(db)) - before)
    return results


def test_every_hostile_file_keeps_its_good_rows_on_sqlite(db) -> None:
    assert _import_corpus(db) == EXPECTED
    stored = _stored(db)
    longest, _, _ = stored["LN-LONG"][0], None, None
    assert (len(longest.first_name), len(longest.last_name)) == (500, 500)
    sort_key, _search, _key = stored["LN-LONG"][1:]
    assert len(sort_key) == 1000 and sort_key.startswith("l" * 500 + " f")
    assert stored["LN-SZ"][0].organisation == "ß" * 300 and stored["LN-SZ"][3] == "s" * 500
    assert stored["CC-X"][0].first_name == "An na" and stored["CC-X"][0].last_name == "Pe et ers"
    assert stored["42"][0].email == "42@example.eu"


def test_postgresql_gives_the_same_reports_and_rows_as_sqlite(pg_url, db) -> None:
    hub = open_database(pg_url)
    try:
        on_pg = _import_corpus(hub)
        pg_rows = _stored(hub)
    finally:
        hub.close()
    on_sqlite = _import_corpus(db)

    assert on_pg == on_sqlite == EXPECTED
    assert pg_rows == _stored(db)


def test_reimporting_the_corpus_changes_nothing(db) -> None:
    _import_corpus(db)
    again = {name: run_sync(db, FileSource(HOSTILE / name), clock=lambda: NOW).summary() for name in EXPECTED}
    assert all(summary.startswith("added 0, updated 0, unchanged ") for summary in again.values()), again


# --- files that are not files ----------------------------------------------------------------

def _sync_within(db, path: Path, seconds: float = 10.0) -> BaseException | None:
    """Run a file sync in a helper thread; fail the test (instead of hanging) when it does not end."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            run_sync(db, FileSource(path), clock=lambda: NOW)
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"importing {path} did not end within {seconds} s"
    return outcome[0]


@pytest.mark.parametrize("suffix", [".csv", ".json", ".xlsx"])
def test_a_named_pipe_is_refused_at_once(db, tmp_path, suffix: str) -> None:
    fifo = tmp_path / f"export{suffix}"
    os.mkfifo(fifo)

    error = _sync_within(db, fifo)

    assert isinstance(error, SourceError)
    assert str(error) == f"{fifo} is not a regular file (a named pipe); desk imports files saved on disk"


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_refused_not_read_for_ever(db, device: str) -> None:
    error = _sync_within(db, Path(device))

    assert isinstance(error, SourceError)
    assert str(error) == f"{device} is not a regular file (a device); desk imports files saved on disk"


def test_a_folder_named_like_an_export_is_refused(db, tmp_path) -> None:
    folder = tmp_path / "export.json"
    folder.mkdir()
    assert str(_sync_within(db, folder)) == f"{folder} is a folder, not a file"


def desk(db_path: Path, *args: str):
    """Run one desk command in-process (the same click group the console script runs)."""
    return CliRunner().invoke(cli, ["--db", f"sqlite:///{db_path}", *args], catch_exceptions=False)


def test_desk_import_of_dev_zero_exits_with_a_sentence(db_path) -> None:
    done = desk(db_path, "import", "/dev/zero")

    assert done.exit_code != 0
    assert "Traceback" not in done.output
    assert "/dev/zero is not a regular file (a device)" in done.stderr


# --- updates without updated_at, shared ticket codes -------------------------------------------

def _write(path: Path, *rows: str) -> Path:
    header = "registration_id,status,first_name,last_name,email,organisation,country,category,days,ticket_code,updated_at"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_cancellation_without_updated_at_is_applied_and_checkin_says_cancelled(db, db_path, tmp_path) -> None:
    _event(db)
    db.close()
    first = _write(tmp_path / "first.csv",
                   "A-001,validated,Anna,Peeters,a1@example.eu,Org 1,BE,speaker,,T-A-001,2016-11-20T10:00:00Z",
                   "A-003,validated,Jan,Novák,a3@example.eu,Org 3,CZ,speaker,,T-A-003,2016-11-20T10:00:00Z")
    later = _write(tmp_path / "later.csv", "A-003,cancelled,Jan,Novák,a3@example.eu,Org 3,CZ,speaker,,T-A-003,")
    # a short list of ids and statuses: the columns it does not have stay as stored
    partial = tmp_path / "partial.csv"
    partial.write_text("registration_id,status,last_name\nA-001,cancelled,Peeters\n", encoding="utf-8")

    assert desk(db_path, "import", str(first)).output.splitlines()[:2] == \
        ["format: desk", "added 2, updated 0, unchanged 0, rejected 0 rows"]
    done = desk(db_path, "import", str(later))
    answer = desk(db_path, "checkin", "T-A-003", "--at", "2016-12-01T09:00")
    done_partial = desk(db_path, "import", str(partial))
    answer_partial = desk(db_path, "checkin", "T-A-001", "--at", "2016-12-01T09:01")

    assert done.exit_code == 0 and done.stdout.splitlines() == ["format: desk", "added 0, updated 1, unchanged 0, rejected 0 rows"]
    assert json.loads(answer.stdout)["outcome"] == "cancelled"
    assert done_partial.stdout.splitlines() == ["format: desk", "added 0, updated 1, unchanged 0, rejected 0 rows"]
    assert json.loads(answer_partial.stdout)["outcome"] == "cancelled"
    reopened = open_database(f"sqlite:///{db_path}")
    try:
        with reopened.begin() as session:
            a1, a3 = repo.get_registration(session, "A-001"), repo.get_registration(session, "A-003")
            log = repo.sync_log(session, "A-003")
        # the stored update time stays: an older export still cannot bring the person back
        assert (a3.status, a3.first_name, a3.updated_at) == (
            Status.CANCELLED, "Jan", dt.datetime(2016, 11, 20, 10, tzinfo=dt.timezone.utc))
        assert log[0]["changes"] == {"status": ["validated", "cancelled"]}
        assert (a1.status, a1.first_name, a1.email, a1.ticket_code) == (
            Status.CANCELLED, "Anna", "a1@example.eu", "T-A-001")
    finally:
        reopened.close()


def test_an_older_row_says_it_was_not_applied(db, tmp_path) -> None:
    newer = _write(tmp_path / "newer.csv",
                   "A-001,cancelled,Anna,Peeters,a1@example.eu,Org 1,BE,speaker,,T-A-001,2016-11-20T10:00:00Z")
    older = _write(tmp_path / "older.csv",
                   "A-002,validated,Eva,Berg,a2@example.eu,Org 2,SE,speaker,,T-A-002,2016-11-01T10:00:00Z",
                   "A-001,validated,Anna,Peeters,a1@example.eu,Org 1,BE,speaker,,T-A-001,2016-11-02T10:00:00Z")
    run_sync(db, FileSource(newer), clock=lambda: NOW)

    report = run_sync(db, FileSource(older), clock=lambda: NOW)

    assert report.lines() == ["added 1, updated 0, unchanged 1, rejected 0 rows",
                              "row 3: not applied: older than the stored update (2016-11-20T10:00)"]
    with db.begin() as session:
        assert repo.get_registration(session, "A-001").status is Status.CANCELLED


def test_a_ticket_code_of_a_stored_registration_is_refused_for_another(db, tmp_path) -> None:
    _event(db)
    run_sync(db, FileSource(HOSTILE / "shared_ticket.csv"), clock=lambda: NOW)
    other = _write(tmp_path / "other.csv",
                   "B-001,validated,Eva,Berg,b1@example.eu,Org B,SE,speaker,,T-SHARED,2016-11-01T10:00:00Z",
                   "B-002,validated,Ola,Berg,b2@example.eu,Org B2,SE,speaker,,T-B-002,2016-11-01T10:00:00Z",
                   "A-001,validated,Anna,Peeters,a-001@example.eu,Org A-001,BE,speaker,,T-A-003,2016-10-02T09:00:00Z")

    report = run_sync(db, FileSource(other), clock=lambda: NOW)

    assert report.lines() == ["added 1, updated 0, unchanged 0, rejected 2 rows",
                              "row 2: ticket_code 'T-SHARED' is already the ticket of A-001; B-001 cannot have it too",
                              "row 4: ticket_code 'T-A-003' is already the ticket of A-003; A-001 cannot have it too"]
    answers = [checkin_svc.check_in(db, "T-SHARED", "Entrance 1", dt.datetime(2016, 12, 1, 9, m, tzinfo=EVENT_TZ))
               for m in range(3)]
    assert [(a.outcome, a.registration.registration_id) for a in answers] == [
        (ScanOutcome.WELCOME, "A-001"), (ScanOutcome.ALREADY_IN, "A-001"), (ScanOutcome.ALREADY_IN, "A-001")]


# --- the feed -------------------------------------------------------------------------------

def _feed(server: FeedServer) -> FeedSourceAdapter:
    return FeedSourceAdapter(server.base_url, DEFAULT_TOKEN, limit=3, timeout_s=5.0, max_attempts=2,
                             backoff_s=0.001, sleep=lambda _s: None)


def _feed_items() -> list[dict]:
    items = [make_registration(n) for n in range(1, 10)]
    items[3].update(first_name="F" * 500, last_name="L" * 500, organisation="ß" * 300)  # page 2, item 1
    items[4].update(status="maybe")  # page 2, item 2
    items[5].update(first_name={"a": [1, 2]})  # page 2, item 3
    return items


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request, tmp_path):
    if request.param == "sqlite":
        database = request.getfixturevalue("db")
        yield database
        return
    database = open_database(request.getfixturevalue("pg_url"))
    yield database
    database.close()


def test_bad_items_on_page_two_are_reported_and_the_cursor_moves_on(any_db) -> None:
    with FeedServer(_feed_items()) as server:
        first = run_sync(any_db, _feed(server))
        server.update("ECC-00009", last_name="Wójcik")
        second = run_sync(any_db, _feed(server))
        asked = [r.query.get("since") for r in server.requests]

    assert first.lines() == [
        "added 7, updated 0, unchanged 0, rejected 2 rows",
        "row 5: unknown status 'maybe' (expected validated, pending, rejected or cancelled)",
        "row 6: first_name must be text, not a JSON object",
    ]
    assert first.stopped is None
    # the second sync starts after the pages already applied (it reads the last one again,
    # see desk.services.registrations.feed), not at page 2 again: its bad items are not reported twice
    assert second.lines() == ["added 0, updated 1, unchanged 2, rejected 0 rows"]
    page_two = asked[1]
    assert asked.count(page_two) == 1 and asked.count(None) == 1, asked
    with any_db.begin() as session:
        stored = repo.registrations_by_id(session)
    assert set(stored) == {f"ECC-{n:05d}" for n in (1, 2, 3, 4, 7, 8, 9)}
    assert len(stored["ECC-00004"].first_name) == 500
    assert stored["ECC-00009"].last_name == "Wójcik"


# --- workbooks -------------------------------------------------------------------------------

def test_a_workbook_with_impossible_cells_keeps_its_good_rows(any_db, tmp_path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["registration_id", "status", "first_name", "last_name", "ticket_code", "updated_at"])
    sheet.append(["W-1", "validated", "Anna", "Peeters", "T-W-1", dt.datetime(2016, 10, 1, 9)])
    sheet.append(["W-2", "validated", "Eva", "Berg", "T-W-2", dt.datetime(9999, 12, 31, 23, 59)])
    sheet.append(["W-3", "validated", 1e308, "L" * 500, "T-W-3", None])
    sheet.append(["W-4", "validated", "Ola", "Nordmann", 12345.0, "2016-10-01T09:00:00Z"])
    book.save(tmp_path / "export.xlsx")

    report = run_sync(any_db, FileSource(tmp_path / "export.xlsx"), clock=lambda: NOW)

    assert report.lines()[:2] == [
        "added 3, updated 0, unchanged 0, rejected 1 rows",
        "row 3: updated_at '9999-12-31 23:59:00' is out of range (expected a moment between 2000 and 2099)"]
    with any_db.begin() as session:
        stored = repo.registrations_by_id(session)
    assert set(stored) == {"W-1", "W-3", "W-4"}
    assert len(stored["W-3"].first_name) == 309 and stored["W-4"].ticket_code == "12345"


# --- the programme ---------------------------------------------------------------------------

def test_programme_rows_with_control_characters_are_refused_with_their_line(db_path, tmp_path) -> None:
    assert desk(db_path, "demo", "--start", "2016-11-30").exit_code == 0
    rooms = tmp_path / "rooms.json"
    rooms.write_text(json.dumps({"rooms": [{"room": "Agora", "capacity": 40}, {"room": "Bel\u0007Air", "capacity": 9},
                                           {"room": "R" * 101, "capacity": 9}]}), encoding="utf-8")
    sessions = tmp_path / "sessions.csv"
    sessions.write_text(
        "title,priority_area,topic,room,start,end\n"
        "Opening,,,Agora,2016-12-01 09:00,2016-12-01 10:00\n"
        "Closing\x1b[2J,,,Agora,2016-12-01 10:00,2016-12-01 11:00\n"
        "Lunch talk,Circular\u202eeconomy,,Agora,2016-12-01 12:00,2016-12-01 13:00\n"
        "Panel,,,Agora,2016-12-01 14:00,2016-12-01 15:00\n", encoding="utf-8")

    done_rooms = desk(db_path, "programme", "import", str(rooms))
    done = desk(db_path, "programme", "import", str(sessions))

    assert done_rooms.stdout.splitlines() == [
        "programme: 1 room(s), 0 session(s) imported; 2 problem(s), those rows were left out"]
    assert done_rooms.stderr.splitlines()[:2] == [
        "  row 2: room holds a control character (U+0007); only plain text is accepted",
        "  row 3: room is 101 characters long (at most 100)"]
    assert done.stdout.splitlines() == [
        "programme: 0 room(s), 2 session(s) imported; 2 problem(s), those rows were left out"]
    assert done.stderr.splitlines()[:2] == [
        "  row 3: title holds a control character (U+001B); only plain text is accepted",
        "  row 4: priority_area holds a control character (U+202E); only plain text is accepted"]
    assert (done.exit_code, done_rooms.exit_code) == (2, 2)
    assert "Traceback" not in done.output + done_rooms.output


def test_a_programme_pipe_is_refused_at_once(db_path, tmp_path) -> None:
    fifo = tmp_path / "sessions.json"
    os.mkfifo(fifo)
    outcome: list = []
    worker = threading.Thread(target=lambda: outcome.append(desk(db_path, "programme", "import", str(fifo))),
                              daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "the programme import waited on a pipe"
    assert outcome[0].exit_code != 0
    assert f"{fifo} is not a regular file (a named pipe)" in outcome[0].stderr
