"""Everything SQLite-only about writing registrations: the fast path of a large import.

`registrations.RegistrationWriter` is the one write path for both databases: it derives the
columns from the table, gives organisations their ids and shapes every row. On PostgreSQL it
hands the rows to plain Core inserts. On SQLite it hands them to `SqliteAppender` here, which
stores them as fast as SQLite can take them (100,000 rows of a first import):

- multi-row `INSERT ... VALUES (...), (...)` statements (`insert_rows`) instead of one per row;
- the word index (FTS5) and the sync log filled from the new rows' id range with one
  `INSERT ... SELECT` each, rather than row by row or by triggers;
- all of it in `StatementThread`, a helper thread on the unit of work's own connection, while
  Python validates and shapes the next chunk. Python holds the interpreter lock; SQLite gives
  it up while a statement runs, so both cores of a desk laptop work at once.

Each job is a few large statements, never one per row: a thread that needs the lock back after
every row would wait for it every time and never keep up. Values are written in the text
SQLAlchemy's own column types give them (the bind processors of the dialect), so the fast
path and the ORM store the same text.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import operator
import queue
import sqlite3
import threading
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table

from desk.store.schema import OrganisationRow, RegistrationRow, SyncLogRow

Job = Callable[[sqlite3.Cursor], None]

# What SQLite builds since 3.32 take per statement; older builds say less (`variable_limit`).
_DEFAULT_VARIABLES = 32_766
_DONE = object()


def variable_limit(connection: sqlite3.Connection) -> int:
    """How many `?` one statement on this connection may hold."""
    try:
        return connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except (AttributeError, sqlite3.Error):  # a driver without getlimit
        return 999


def insert_rows(cursor: sqlite3.Cursor, head: str, row_sql: str, width: int,
                rows: Sequence[Sequence[object]]) -> None:
    """Run `head VALUES row_sql, row_sql, ...` over `rows`, as few statements as the limit allows.

    One statement of 2,000 rows stores them in about two thirds of the time `executemany`
    takes row by row, and gives the interpreter lock up once instead of 2,000 times.
    `row_sql` is the placeholder group of one row, e.g. "(?,?,?)", holding `width` of them.
    """
    per = max(1, min(_DEFAULT_VARIABLES, variable_limit(cursor.connection)) // width)
    for start in range(0, len(rows), per):
        part = rows[start:start + per]
        cursor.execute(f"{head} VALUES {','.join(itertools.repeat(row_sql, len(part)))}",
                       list(itertools.chain.from_iterable(part)))


class StatementThread:
    """Runs jobs on one DB-API connection in a helper thread, one after the other.

    The caller must not use the connection itself until `join` returned. The first job that
    fails stops the rest; `join` (and the next `submit`) raises its error in the caller.
    Use it as a context manager: leaving with an error skips the jobs still queued.
    """

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self._jobs: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._idle = threading.Condition()
        self._pending = 0
        self._error: BaseException | None = None
        self._skip = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="desk-sqlite-writer", daemon=True)
        self._thread.start()

    def __enter__(self) -> StatementThread:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.close(skip_queued=exc_type is not None)

    def submit(self, job: Job) -> None:
        """Queue a job; raise at once when an earlier one failed."""
        self._raise_failure()
        with self._idle:
            self._pending += 1
        self._jobs.put(job)

    def join(self) -> None:
        """Wait until every queued job ran; raise the first failure."""
        with self._idle:
            self._idle.wait_for(lambda: self._pending == 0)
        self._raise_failure()

    def close(self, *, skip_queued: bool = False) -> None:
        """Stop the thread once the queued jobs ran (or were skipped: after a failure, or when asked).

        Returns only when the connection is free again: a job already running ends first.
        """
        if self._closed:
            return
        self._closed = True
        self._skip = self._skip or skip_queued
        self._jobs.put(_DONE)
        self._thread.join()

    def _raise_failure(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        cursor = self._connection.cursor()
        try:
            while (job := self._jobs.get()) is not _DONE:
                try:
                    if self._error is None and not self._skip:
                        job(cursor)  # type: ignore[operator]
                except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                    self._error = exc
                finally:
                    with self._idle:
                        self._pending -= 1
                        self._idle.notify_all()
        finally:
            cursor.close()


# --- registrations ----------------------------------------------------------------------

_FTS_RANGE = ("INSERT INTO registration_fts(rowid, search_text) "
              "SELECT id, search_text FROM registration WHERE id > ? AND id <= ?")
_LOG_RANGE = ("INSERT INTO sync_log (at, source, registration_id, action, changes) "
              "SELECT ?, ?, registration_id, 'added', '{}' FROM registration WHERE id > ? AND id <= ? ORDER BY id")
_FTS_FORGET = ("INSERT INTO registration_fts(registration_fts, rowid, search_text) "
               "SELECT 'delete', id, search_text FROM registration WHERE registration_id IN ({})")
_FTS_ADD = ("INSERT INTO registration_fts(rowid, search_text) "
            "SELECT id, search_text FROM registration WHERE registration_id IN ({})")


def _processor(column: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """What SQLAlchemy would do to a value of `column` before the driver sees it (None: nothing)."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return _faster(process) if process is not None else None


_UTC = dt.timezone.utc
# time stamps that tell the text SQLAlchemy writes for a date and time apart from any other
_PROBES = (dt.datetime(2016, 11, 20, 10, 0, tzinfo=_UTC), dt.datetime(2000, 1, 2, 3, 4, 5, 6, tzinfo=_UTC),
           dt.datetime(2099, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
           dt.datetime(2016, 11, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1, minutes=30))))


def _faster(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`process`, or an equal one four times faster when `process` writes aware times as naive UTC text.

    SQLAlchemy's SQLite DateTime writes "YYYY-MM-DD HH:MM:SS.ffffff" through a dict and a format
    string; `isoformat` gives the same text in C. The faster one is used only when it gives
    what `process` gives for every probe: SQLAlchemy's own type stays what decides the text.
    """
    def utc_text(value: Any) -> Any:
        if value.tzinfo is not _UTC:
            if value.tzinfo is None:  # not a time desk stores: the column type says why
                return process(value)
            value = value.astimezone(_UTC)
        return value.isoformat(" ", "microseconds")[:-6]  # without "+00:00"

    try:
        same = all(utc_text(probe) == process(probe) for probe in _PROBES)
    except Exception:  # noqa: BLE001 - a column type that takes no times keeps its own processor
        same = False
    return utc_text if same else process


class _Shape:
    """Rows given as {column: value} to driver-ready tuples in one column order, values as the column types write them."""

    def __init__(self, table: Table, columns: Sequence[str], dialect: Any) -> None:
        self.columns = tuple(columns)
        self._get = operator.itemgetter(*self.columns)
        self._convert = [(name, p) for name in self.columns if (p := _processor(table.c[name], dialect))]

    def tuples(self, rows: Sequence[dict[str, object]]) -> list[Sequence[object]]:
        """The rows as tuples (the dicts' values are converted in place: they are made for this)."""
        for name, process in self._convert:
            given: object = None
            written: object = None
            for row in rows:
                value = row[name]
                if value is None:
                    continue
                if value is given:  # a value repeated (the sync's own time) is converted once
                    row[name] = written
                else:
                    given, row[name] = value, (written := process(value))
        get = self._get
        return [get(row) for row in rows]


class SqliteAppender:
    """Appends new registrations to SQLite, with the organisations they bring, indexed and logged as added.

    Rows come as {column: value} in chunks; a chunk announced with `more=True` goes to the
    helper thread, so the caller validates the next chunk meanwhile. `finish` returns once
    all is stored; `close` (also on errors) frees the connection for the caller's unit of work.
    """

    def __init__(self, conn: Connection, columns: Sequence[str], source: str, synced: object) -> None:
        dialect = conn.dialect
        self._dbapi = conn.connection.dbapi_connection
        self._registrations = _Shape(RegistrationRow.__table__, columns, dialect)
        self._organisations = _Shape(OrganisationRow.__table__, ("id", "key", "name"), dialect)
        self._head = f"INSERT INTO registration ({', '.join(columns)})"
        self._row_sql = "(" + ",".join("?" * len(columns)) + ")"
        process = _processor(SyncLogRow.__table__.c.at, dialect)
        self._logged = (process(synced) if process else synced, source)
        self._thread: StatementThread | None = None

    def append(self, organisations: Sequence[dict[str, object]], rows: Sequence[dict[str, object]],
               *, more: bool) -> None:
        """Store new organisations, then new registrations; with `more`, in the helper thread."""
        orgs, regs = self._organisations.tuples(organisations), self._registrations.tuples(rows)
        if self._thread is None and not more:  # a small sync: no thread to start
            with contextlib.closing(self._dbapi.cursor()) as cursor:  # type: ignore[union-attr]
                self._store(orgs, regs, cursor)
            return
        if self._thread is None:
            self._thread = StatementThread(self._dbapi)
        self._thread.submit(lambda cursor: self._store(orgs, regs, cursor))

    def finish(self) -> None:
        """Wait until everything appended is stored; raise the first failure."""
        if self._thread is not None:
            self._thread.join()
            self.close()

    def close(self, *, skip_queued: bool = False) -> None:
        """Stop the helper thread (dropping queued chunks with `skip_queued`); the connection is free after."""
        if self._thread is not None:
            thread, self._thread = self._thread, None
            thread.close(skip_queued=skip_queued)

    def _store(self, orgs: Sequence[Sequence[object]], rows: Sequence[Sequence[object]],
               cursor: sqlite3.Cursor) -> None:
        if orgs:
            insert_rows(cursor, "INSERT INTO organisation (id, key, name)", "(?,?,?)", 3, orgs)
        if not rows:
            return
        insert_rows(cursor, self._head, self._row_sql, len(self._registrations.columns), rows)
        # a new row takes the highest id + 1: the rows of one insert are numbered up to lastrowid
        last = cursor.lastrowid
        assert last is not None
        cursor.execute(_FTS_RANGE, (last - len(rows), last))
        cursor.execute(_LOG_RANGE, (*self._logged, last - len(rows), last))


def _words(conn: Connection, statement: str, ids: Sequence[str]) -> None:
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        conn.exec_driver_sql(statement.format(",".join("?" * len(chunk))), tuple(chunk))


def forget_words(conn: Connection, registration_ids: Sequence[str]) -> None:
    """Take these registrations out of the word index (before their search text changes)."""
    _words(conn, _FTS_FORGET, registration_ids)


def index_words(conn: Connection, registration_ids: Sequence[str]) -> None:
    """Put these registrations (back) into the word index."""
    _words(conn, _FTS_ADD, registration_ids)
