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
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from desk.core.errors import DeskError, SyncBusy
from desk.store import migrate

BUSY_TIMEOUT_MS = 10_000
WRITE_WAIT_MS = 1_000
"""How long a scan waits for the write lock (a large import holds it for seconds) before
it answers "busy, scan again": a person at the desk must get an answer at once."""


class DatabaseUnavailable(DeskError):
    """The database cannot be opened; the message says why and what to do."""


class DatabaseBusy(DeskError):
    """Another writer (an import, a sync) held the database longer than a scan may wait."""


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

    @contextlib.contextmanager
    def begin_write(self, wait_ms: int = WRITE_WAIT_MS, *, immediate: bool = True) -> Iterator[Session]:
        """Open one unit of work that writes, waiting at most `wait_ms` for any lock.

        With `immediate` on SQLite the unit of work starts with BEGIN IMMEDIATE: it holds the
        write lock from its first read, so what it reads cannot change before it commits
        (another desk's unit of work waits for this one). Without it, reads see the latest
        commit and only the first write takes the lock (for writes that are conditional
        themselves, such as an undo). PostgreSQL: rows are locked where the repository says
        (e.g. SELECT ... FOR UPDATE on a room). Commits on success, rolls back on an exception.
        Raises DatabaseBusy when a lock was not had within `wait_ms` (nothing was written).
        """
        with self.sessions.begin() as session:
            connection = session.connection()
            try:
                if not self.is_sqlite:
                    connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(wait_ms)}ms'")
                elif immediate:
                    _begin_immediate(connection, wait_ms)
                else:
                    connection.exec_driver_sql(f"PRAGMA busy_timeout={int(wait_ms)}")
                try:
                    yield session
                    session.flush()
                finally:
                    if self.is_sqlite and not immediate:
                        connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            except OperationalError as exc:
                if _is_busy(exc):
                    raise DatabaseBusy(f"the database is busy (another desk or an import is writing; "
                                       f"waited {wait_ms / 1000:g} s)") from exc
                raise

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


def _begin_immediate(connection: Connection, wait_ms: int) -> None:
    # pysqlite starts its transaction only at the first INSERT/UPDATE, so the reads before it
    # ran outside any transaction and two desks could decide on the same stale count. An
    # explicit BEGIN IMMEDIATE takes the write lock first; the driver then commits it as usual.
    connection.exec_driver_sql(f"PRAGMA busy_timeout={int(wait_ms)}")
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def _is_busy(exc: OperationalError) -> bool:
    """True for "another writer holds the lock" (SQLite busy/locked, PostgreSQL lock_timeout)."""
    if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
        return True
    text_ = str(exc.orig).lower()
    return "database is locked" in text_ or "database is busy" in text_


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
