"""The same file sync against the PostgreSQL hub: the same report, the same registrations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from desk.core.errors import SourceError, SyncBusy
from desk.services.registrations.sources import FileSource, open_source
from desk.services.registrations.sync import run_sync
from desk.store import registrations as repo
from desk.store.db import open_database
from tests.event_helpers import db_path_with_event, pg_url_with_event  # noqa: F401 - fixtures: the databases hold an event


pytestmark = pytest.mark.hub
CORPUS = Path(__file__).parents[1] / "fixtures" / "import"
NOW = dt.datetime(2016, 11, 28, 8, 0, tzinfo=dt.timezone.utc)
FILES = ("excel_unicode_text_utf16.csv", "eu_excel_semicolon_cp1252.csv", "bad_values.csv", "embedded_newlines.csv",
         "duplicate_ids.csv", "nul_bytes.csv", "damaged_utf8.csv", "base.csv")


def _import_all(db) -> list[list[str]]:
    return [run_sync(db, FileSource(CORPUS / name), clock=lambda: NOW).lines() for name in FILES]


def _state(db) -> tuple[list, int]:
    with db.begin() as session:
        regs = sorted(repo.all_registrations(session), key=lambda r: r.registration_id)
        return regs, len(repo.sync_log(session))


@pytest.fixture
def hub(pg_url):
    database = open_database(pg_url)
    yield database
    database.close()


def test_first_import_and_reimport_match_sqlite(hub, db):
    first_pg, first_sqlite = _import_all(hub), _import_all(db)
    assert first_pg == first_sqlite
    assert _state(hub) == _state(db)
    before = _state(hub)

    again = _import_all(hub)

    assert [lines[0] for lines in again] == [
        f"added 0, updated 0, unchanged {n}, rejected {r} rows" for n, r in
        ((3, 0), (3, 0), (1, 7), (2, 2), (2, 2), (2, 0), (2, 0), (2, 0))]
    assert _state(hub) == before
    with hub.begin() as session:
        assert [r.registration_id for r in repo.search_registrations(session, "lodz")] == ["U16-3"]


def test_hub_unreadable_file_and_busy_lock_change_nothing(hub):
    run_sync(hub, FileSource(CORPUS / "base.csv"), clock=lambda: NOW)
    before = _state(hub)

    with pytest.raises(SourceError):
        run_sync(hub, FileSource(CORPUS / "missing_required_column.csv"), clock=lambda: NOW)
    with hub.sync_lock(), pytest.raises(SyncBusy):
        run_sync(hub, FileSource(CORPUS / "cancelled_update.csv"), clock=lambda: NOW)

    assert _state(hub) == before


def test_portal_exports_give_the_hub_the_same_report_and_registrations(hub, db):
    portals = CORPUS / "portals"
    cases = [("pretix-positions.csv", "pretix-map.toml"), ("indico-registrants.csv", None),
             ("alfio-tickets.csv", None), ("eventbrite-attendees.csv", None), ("other-portal.csv", "other-map.toml")]

    def run(database) -> list[tuple[str, list[str]]]:
        return [(r.format, r.lines()) for r in (
            run_sync(database, open_source(str(portals / name), map_path=portals / m if m else None),
                     clock=lambda: NOW) for name, m in cases)]

    assert run(hub) == run(db)
    assert _state(hub)[0] == _state(db)[0]
