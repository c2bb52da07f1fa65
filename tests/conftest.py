"""Shared test set-up: headless Qt, private folders, real database files."""

from __future__ import annotations

import os

# Before any QApplication exists: no test needs a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import atexit
import shutil
import sys
import uuid
from pathlib import Path

import pytest

PG_ADMIN_URL = os.environ.get("DESK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(autouse=True)
def _private_folders(tmp_path_factory, monkeypatch):
    """No test ever reads or writes the developer's own settings or data."""
    base = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("DESK_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("DESK_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(base / "xdg-config"))  # QSettings (window geometry)
    monkeypatch.delenv("DESK_DB", raising=False)
    monkeypatch.delenv("DESK_NAME", raising=False)
    monkeypatch.delenv("DESK_FEED_TOKEN", raising=False)
    monkeypatch.delenv("DESK_DB_KEY", raising=False)  # a developer's own database key never reaches a test
    monkeypatch.delenv("DESK_PIN", raising=False)
    monkeypatch.setenv("DESK_KEYRING", "file")  # secrets in the test's config folder, never a real keyring
    yield


@pytest.fixture(scope="session")
def db_template(tmp_path_factory) -> Path:
    """A SQLite file migrated to head once per test run (per xdist worker)."""
    from desk.store.db import open_database

    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    db = open_database(f"sqlite:///{path}")
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


@pytest.fixture
def db_path(db_template, tmp_path) -> Path:
    """A fresh, migrated SQLite file for one test."""
    path = tmp_path / "desk.sqlite"
    shutil.copyfile(db_template, path)
    return path


@pytest.fixture
def db(db_path):
    """An open Database on a fresh, migrated SQLite file."""
    from desk.store.db import open_database

    database = open_database(f"sqlite:///{db_path}")
    yield database
    database.close()


@pytest.fixture
def event_db(db):
    """An open Database on a fresh SQLite file holding an event (no registrations yet)."""
    from tests.event_helpers import create_event

    create_event(db)
    return db


def _pg_available() -> str | None:
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    try:
        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", connect_timeout=2):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means: no hub server here
        return f"no PostgreSQL server on 127.0.0.1:5432 ({exc.__class__.__name__})"


@pytest.fixture
def pg_url():
    """URL of a fresh PostgreSQL database for one test, dropped afterwards.

    Skips with the reason when no server listens on 127.0.0.1:5432 (CI has one).
    """
    reason = _pg_available()
    if reason:
        from tests.services_needed import service_missing

        service_missing(f"hub test needs PostgreSQL: {reason}")
    import psycopg

    name = f"desk_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def _collect_on_the_test_thread():
    """Where desk moved the cycle collector to the GUI thread, run it between tests too."""
    yield
    if "desk.ui.common.gc_guard" in sys.modules:
        sys.modules["desk.ui.common.gc_guard"].collect_now()


_EXIT_STATUS: list[int] = []


def pytest_sessionfinish(session, exitstatus) -> None:
    _EXIT_STATUS.append(int(exitstatus))


@atexit.register
def _leave_without_finalising() -> None:
    # After a long run of Qt tests, CPython's final garbage collection can abort with
    # "Fatal Python error: bool_dealloc" (a reference-count slip inside a C extension while
    # modules are torn down). Every result has been reported by then; leave with pytest's
    # own exit status instead of letting the interpreter's teardown turn it into SIGABRT.
    if _EXIT_STATUS:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT_STATUS[-1])
