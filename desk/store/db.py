"""Opening a database: engine, pragmas, migrations, units of work, the sync lock."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from desk.core.errors import DeskError, SyncBusy
from desk.store import migrate

BUSY_TIMEOUT_MS = 10_000


class DatabaseUnavailable(DeskError):
    """The database cannot be opened; the message says why and what to do."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Every connection: foreign keys, WAL, full fsync on commit, wait when locked.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MB: bulk imports keep their indexes in memory
    cursor.close()


@dataclass
class Database:
    """An open database: the engine, a unit-of-work factory and what happened at open."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    warnings: list[str] = field(default_factory=list)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        """The database file for SQLite; None for a server database or memory."""
        db = self.engine.url.database
        return Path(db) if self.is_sqlite and db and db != ":memory:" else None

    def begin(self) -> contextlib.AbstractContextManager[Session]:
        """Open one unit of work: commits on success, rolls back on an exception."""
        return self.sessions.begin()

    def close(self) -> None:
        self.engine.dispose()

    @contextlib.contextmanager
    def sync_lock(self) -> Iterator[None]:
        """Hold the database's sync lock; raise SyncBusy when another sync holds it.

        SQLite: an advisory lock on a file beside the database (released by the OS if the
        process dies). PostgreSQL: a session-level advisory lock.
        """
        path = self.sqlite_path
        if self.is_sqlite:
            if path is None:
                yield
                return
            lock_path = path.with_name(path.name + ".sync-lock")
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise SyncBusy("another sync is already running on this database; try again when it ends") from None
                try:
                    yield
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
            return
        with self.engine.connect() as conn:
            got = conn.execute(text("SELECT pg_try_advisory_lock(4242001)")).scalar()
            if not got:
                raise SyncBusy("another sync is already running on this database; try again when it ends")
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(4242001)"))
                conn.commit()


def _move_aside(path: Path) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    path.replace(target)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.replace(target.with_name(target.name + suffix))
    return target


def _check_sqlite(engine: Engine) -> None:
    with engine.connect() as conn:
        fk = conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        sync = conn.exec_driver_sql("PRAGMA synchronous").scalar()
        ok = conn.exec_driver_sql("PRAGMA quick_check").scalar()
    if fk != 1 or str(mode).lower() != "wal" or sync != 2:
        raise DatabaseUnavailable(f"SQLite settings not applied (foreign_keys={fk}, journal_mode={mode}, synchronous={sync})")
    if ok != "ok":
        raise sqlite3.DatabaseError(f"integrity check failed: {ok}")


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # psycopg 3 is the driver desk ships; plain postgresql:// would look for psycopg2
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True)


def open_database(url: str, *, upgrade: bool = True) -> Database:
    """Open (and create) the database at `url`, migrated to the newest schema.

    A corrupt SQLite file is moved aside with a timestamp and a fresh one is created; the
    returned Database then carries a warning saying where the old file went.
    Raises DatabaseUnavailable when the database cannot be reached or used.
    """
    warnings: list[str] = []
    try:
        engine = _engine(url)
    except Exception as exc:  # bad URL, missing driver
        raise DatabaseUnavailable(f"cannot use database {url!r}: {exc}") from exc
    try:
        if engine.dialect.name == "sqlite":
            try:
                _check_sqlite(engine)
            except (DatabaseError, sqlite3.DatabaseError) as exc:
                path = engine.url.database
                if not path or path == ":memory:" or "locked" in str(exc):
                    raise
                engine.dispose()
                moved = _move_aside(Path(path))
                warnings.append(f"the database file was damaged ({exc.__class__.__name__}); it was moved to {moved} "
                                "and a new, empty one was created")
                engine = _engine(url)
                _check_sqlite(engine)
        if upgrade:
            migrate.upgrade(engine)
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(f"cannot open database {make_url(url).render_as_string()}: {reason}") from exc
    sessions = sessionmaker(engine, expire_on_commit=False)
    return Database(url=url, engine=engine, sessions=sessions, warnings=warnings)
