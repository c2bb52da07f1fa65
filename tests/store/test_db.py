"""Opening databases: pragmas, migrations agreeing with the models, damaged files, the hub."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from desk.core.attendees import Event
from desk.core.errors import SyncBusy
from desk.store import registrations as repo
from desk.store.db import DatabaseUnavailable, open_database
from desk.store.migrate import current_revisions, head_revisions
from desk.store.schema import Base


def _ignore_fts(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "table" and name and name.startswith("registration_fts"))


def _diff(engine) -> list:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": _ignore_fts, "compare_type": True})
        return compare_metadata(ctx, Base.metadata)


def test_sqlite_is_opened_with_wal_full_sync_and_foreign_keys(db):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_migrations_reach_every_head_and_agree_with_the_models(db):
    with db.engine.connect() as conn:
        assert current_revisions(conn) == head_revisions()
    assert _diff(db.engine) == []


def test_reopening_a_migrated_file_keeps_its_data(db_path):
    first = open_database(f"sqlite:///{db_path}")
    with first.begin() as session:
        repo.save_event(session, Event(name="ECC", venue="Brussels", days=(dt.date(2016, 12, 1),)))
    first.close()
    again = open_database(f"sqlite:///{db_path}")
    with again.begin() as session:
        assert repo.get_event(session).name == "ECC"
    again.close()


def test_a_file_of_bytes_is_refused_and_kept_as_it_was(tmp_path):
    path = tmp_path / "desk.sqlite"
    path.write_bytes(b"this is not a database, just bytes " * 100)
    with pytest.raises(DatabaseUnavailable, match="is not a desk database"):
        open_database(f"sqlite:///{path}")
    assert path.read_bytes() == b"this is not a database, just bytes " * 100
    assert [p.name for p in tmp_path.iterdir()] == ["desk.sqlite"]


def test_an_unreachable_server_is_a_readable_error():
    with pytest.raises(DatabaseUnavailable, match="cannot open database"):
        open_database("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")


def test_a_second_sync_on_the_same_file_is_refused(db):
    with db.sync_lock():
        with pytest.raises(SyncBusy, match="another sync"):
            with db.sync_lock():
                pass
    with db.sync_lock():  # released again
        pass


_HOLD_SYNC_LOCK = """
import sys, time
from desk.store.db import open_database
db = open_database(sys.argv[1])
with db.sync_lock():
    print("held", flush=True)
    time.sleep(120)
"""


def test_a_sync_in_another_process_refuses_ours_at_once_and_its_death_frees_the_lock(db):
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_SYNC_LOCK, str(db.engine.url)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        # refused, not queued: the attempt returns while the holder still sleeps
        with pytest.raises(SyncBusy, match="another sync is already running"):
            with db.sync_lock():
                pass
        assert holder.poll() is None
    finally:
        holder.kill()  # the holder dies without releasing anything itself
        holder.wait()
        holder.stdout.close()
    with db.sync_lock():  # the OS let go of the dead process's lock
        pass


def test_hub_database_migrates_to_the_same_schema(pg_url):
    hub = open_database(pg_url)
    try:
        assert _diff(hub.engine) == []
        with hub.begin() as session:
            repo.save_event(session, Event(name="ECC", venue="Brussels", days=(dt.date(2016, 12, 1),)))
        with hub.sync_lock(), pytest.raises(SyncBusy):
            with hub.sync_lock():
                pass
    finally:
        hub.close()


def test_core_and_services_do_not_load_qt():
    code = (
        "import sys, desk.core.attendees, desk.core.checkin.decision, desk.core.text, desk.core.portal, "
        "desk.services.registrations.sync, desk.services.registrations.sources, desk.services.registrations.search, desk.services.demo.event\n"
        "import pkgutil, importlib, desk.core, desk.services\n"
        "for pkg in (desk.core, desk.services):\n"
        "    for m in pkgutil.iter_modules(pkg.__path__):\n"
        "        importlib.import_module(f'{pkg.__name__}.{m.name}')\n"
        "bad = sorted(m for m in sys.modules if m.startswith('PySide6'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == ""


def test_an_older_matchmaking_database_keeps_its_outcomes_through_the_undo_migration(tmp_path):
    from alembic import command
    from sqlalchemy import create_engine

    from desk.store.migrate import alembic_config

    path = tmp_path / "old.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005")  # the schema before outcomes could be undone
        conn.exec_driver_sql("INSERT INTO match_outcome (id, at, requester, partner, slot, outcome, absent, desk) "
                             "VALUES ('a1', '2016-11-30 08:35:00.000000', 'A', 'C', 1, 'held', NULL, 'host')")
    engine.dispose()
    db = open_database(f"sqlite:///{path}")  # upgrades to every head
    with db.engine.begin() as conn:
        assert conn.exec_driver_sql("SELECT id, outcome FROM match_outcome").fetchall() == [("a1", "held")]
        conn.exec_driver_sql("INSERT INTO match_outcome (id, at, requester, partner, slot, outcome, absent, desk) "
                             "VALUES ('a2', '2016-11-30 08:36:00.000000', 'A', 'C', 1, 'undone', NULL, 'host')")
        with pytest.raises(Exception, match="CHECK constraint"):
            conn.exec_driver_sql("INSERT INTO match_outcome (id, at, requester, partner, slot, outcome, absent, desk) "
                                 "VALUES ('a3', '2016-11-30 08:37:00.000000', 'A', 'C', 1, 'late', NULL, 'host')")
        indexes = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE tbl_name = 'match_outcome'"
                                                      " AND type = 'index'")}
    assert "ix_match_outcome_at" in indexes
    db.close()
