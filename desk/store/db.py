"""Opening a database: engine, pragmas, migrations, units of work, the sync lock."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from desk.core.errors import DeskError, SyncBusy
from desk.store import encryption, migrate

BUSY_TIMEOUT_MS = 10_000
WRITE_WAIT_MS = 800
"""How long a scan waits for the write lock (a large import holds it for seconds) before
it answers "busy, scan again": with the check-in itself, the answer comes within ~1 s."""


class DatabaseUnavailable(DeskError):
    """The database cannot be opened; the message says why and what to do."""


class DatabaseBusy(DeskError):
    """Another writer (an import, a sync) held the database longer than a scan may wait."""


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
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
            # an OS lock (flock on POSIX, msvcrt on Windows): released by the OS if the process
            # dies; a second sync is refused at once, never queued
            lock = FileLock(path.with_name(path.name + ".sync-lock"), blocking=False, thread_local=False)
            try:
                lock.acquire()
            except Timeout:
                raise SyncBusy("another sync is already running on this database; try again when it ends") from None
            try:
                yield
            finally:
                lock.release()
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


SQLITE_MAGIC = b"SQLite format 3\x00"
DESK_TABLES = frozenset({"alembic_version", "registration"})
"""Tables every desk database has had since its first migration."""


class NotADeskDatabase(DatabaseUnavailable):
    """`--db` names a file desk did not make; desk leaves it exactly as it is."""


class DatabaseDamaged(DatabaseUnavailable):
    """The desk database file is damaged; desk keeps it and refuses to start on it."""


RECHECK_S = 0.25  # a file that looks damaged is looked at once more after this


def _inspect_sqlite_file(path: Path, key: str | None = None) -> None:
    """Refuse a file desk must not touch, before any connection could change it.

    A missing or empty file becomes a new database. Anything else must be a healthy desk
    database (or an SQLite file without any table); with `key`, an encrypted one that the key
    opens. Raises NotADeskDatabase or DatabaseDamaged (the file is left as it was),
    DatabaseKeyWrong for a key that does not open it, DatabaseUnavailable when it cannot be
    read at all.
    """
    if path.is_dir():
        raise NotADeskDatabase(f"{path} is a folder, not a desk database: give --db a file name")
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(100)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise DatabaseUnavailable(f"cannot read {path}: {exc.strerror or exc}") from exc
    if size == 0:
        return
    if key is not None:
        _inspect_encrypted_file(path, key)
        return
    if not head.startswith(SQLITE_MAGIC):
        # an SQLCipher file is whole pages of random bytes: that is worth a hint
        maybe = " If it is an encrypted desk database, give its key in DESK_DB_KEY." if size % 512 == 0 else ""
        raise NotADeskDatabase(
            f"{path} is not a desk database (it is not an SQLite database file); desk has left it as it was. "
            f"Give --db the desk's database, or a new file name to start an empty one.{maybe}")
    # Plain sqlite3 read-only, none of desk's pragmas: reading the schema and checking the
    # pages writes nothing. Without a -wal (or -journal) file beside it the file is the whole database:
    # `immutable` then reads it without creating -wal/-shm files next to it either.
    tables, problems, locked = _check_pages(path)
    if problems and problems != ["ok"] and not locked:
        # `immutable` reads without locks: a desk writing at that very moment can look like
        # damage. Look again a moment later (as a reader among writers if a -wal appeared).
        time.sleep(RECHECK_S)
        tables, problems, _locked = _check_pages(path)
    if problems and problems != ["ok"]:
        first = " ".join(problems[0].replace("*** in database main ***", "").split())
        raise DatabaseDamaged(
            f"the database file {path} is damaged ({first}). desk has kept it as it was and will not "
            "use it: restore the file from a backup, or work on the hub (--db postgresql://…) and sync this "
            "desk from there; keep the damaged file for the record.")
    if tables and not DESK_TABLES <= tables:
        shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
        raise NotADeskDatabase(
            f"{path} is not a desk database (an SQLite database with other tables: {shown}); desk has left it "
            "as it was. Give --db the desk's database, or a new file name to start an empty one.")


def _check_pages(path: Path) -> tuple[set[str], list[str], bool]:
    """The tables of the SQLite file at `path`, what quick_check says of its pages (read only),
    and whether it was read with locks (a -wal or -journal beside it: someone writes it)."""
    locked = any(path.with_name(path.name + side).exists() for side in ("-wal", "-journal"))
    mode = "mode=ro" if locked else "mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise DatabaseUnavailable(f"cannot open {path}: {exc}") from exc
    tables: set[str] = set()
    try:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        problems = [row[0] for row in conn.execute("PRAGMA quick_check(3)")] if tables else []
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise DatabaseUnavailable(f"{path} is in use and locked by another program: try again") from exc
        problems = [str(exc)]
    except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
        problems = [str(exc)]
    finally:
        conn.close()
    return tables, problems, locked


def _inspect_encrypted_file(path: Path, key: str) -> None:
    try:
        tables = encryption.check_key(path, key)
    except encryption.WrongKey as exc:
        raise DatabaseKeyWrong(str(exc)) from None
    except encryption.EncryptionUnavailable as exc:
        raise DatabaseUnavailable(str(exc)) from None
    if tables and not DESK_TABLES <= tables:
        raise NotADeskDatabase(f"{path} is not a desk database (an encrypted database with other tables); "
                               "desk has left it as it was.")


class DatabaseKeyWrong(DatabaseUnavailable):
    """The database key does not open the encrypted database; the file was left as it was."""


def _check_sqlite(engine: Engine) -> None:
    with engine.connect() as conn:
        fk = conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        sync = conn.exec_driver_sql("PRAGMA synchronous").scalar()
    if fk != 1 or str(mode).lower() != "wal" or sync != 2:
        raise DatabaseUnavailable(f"SQLite settings not applied (foreign_keys={fk}, journal_mode={mode}, synchronous={sync})")


def _engine(url: str, key: str | None = None) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        if key is None:
            engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        # the same dialect over SQLCipher's DB-API module; the key goes first on each connection
        engine = create_engine(url, module=encryption.dbapi(), connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        path = Path(parsed.database) if parsed.database and parsed.database != ":memory:" else None
        raw = encryption.raw_key(key, encryption.file_salt(path))  # derived here, once, not per connection

        def keyed_pragmas(dbapi_connection: sqlite3.Connection, record: object) -> None:
            encryption.apply_key(dbapi_connection, raw)
            _sqlite_pragmas(dbapi_connection, record)

        event.listen(engine, "connect", keyed_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # psycopg 3 is the driver desk ships; plain postgresql:// would look for psycopg2
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True)


def open_database(url: str, *, upgrade: bool = True, key: str | None = None) -> Database:
    """Open (and create) the database at `url`, migrated to the newest schema.

    Only a missing or empty SQLite file becomes a new database. A file that is not a desk
    database raises NotADeskDatabase, a damaged one DatabaseDamaged; either way the file is
    left as it was. With `key` the SQLite file is encrypted (SQLCipher; a new file is created
    encrypted) and a key that does not open it raises DatabaseKeyWrong; a server database
    ignores `key`. Raises DatabaseUnavailable when the database cannot be reached or used.
    """
    warnings: list[str] = []
    parsed = None
    with contextlib.suppress(Exception):
        parsed = make_url(url)
    is_sqlite = parsed is not None and parsed.get_backend_name() == "sqlite"
    if not is_sqlite:
        key = None
    if is_sqlite and parsed.database not in (None, "", ":memory:"):
        _inspect_sqlite_file(Path(parsed.database), key)
    try:
        engine = _engine(url, key)
    except encryption.EncryptionUnavailable as exc:
        raise DatabaseUnavailable(str(exc)) from None
    except Exception as exc:  # bad URL, missing driver
        raise DatabaseUnavailable(f"cannot use database {url!r}: {exc}") from exc
    try:
        if engine.dialect.name == "sqlite":
            _check_sqlite(engine)
        if upgrade:
            migrate.upgrade(engine)
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(f"cannot open database {make_url(url).render_as_string()}: {reason}") from exc
    except migrate.UnknownSchema as exc:  # alembic_version names a migration this desk does not have
        engine.dispose()
        raise DatabaseUnavailable(f"the database {make_url(url).render_as_string()} was made by another version "
                                  f"of desk ({exc}): update desk on this laptop; the database was not changed") from exc
    except DatabaseError as exc:  # damage quick_check did not see, met while migrating
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseDamaged(f"the database {make_url(url).render_as_string()} cannot be used ({reason}): "
                              "restore it from a backup or from the hub; desk has kept it as it was.") from exc
    sessions = sessionmaker(engine, expire_on_commit=False)
    db = Database(url=url, engine=engine, sessions=sessions, warnings=warnings)
    if upgrade and engine.dialect.name == "sqlite":
        _settle_home(db)
    return db


def _settle_home(db: Database) -> None:
    """A station's file copied or moved to another laptop becomes a station of its own (desk.store.hub)."""
    from desk.store import hub  # noqa: PLC0415 - hub's tables are in the schema; the module only here

    with contextlib.suppress(DatabaseBusy, OperationalError):  # busy: settled at the next opening
        with db.sessions() as session:
            if not hub.moved_home(session):
                return
        with db.begin_write(wait_ms=2_000) as session:
            hub.settle_home(session)
