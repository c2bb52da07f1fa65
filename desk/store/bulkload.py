"""Loading many rows into SQLite while Python still prepares the next ones.

A large import spends its time in two kinds of work: Python validating and shaping rows, and
SQLite storing and indexing them. Python holds the interpreter lock; SQLite gives it up
while a statement runs. `StatementThread` runs the SQLite part in a helper thread, in order,
on the unit of work's own connection, so both cores of a desk laptop work at once.

Each job is a few large statements (see `insert_rows`), never one per row: a thread that
needs the lock back after every row would wait for it every time and never keep up.
"""

from __future__ import annotations

import itertools
import queue
import sqlite3
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

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

    While it runs, the interpreter's switch interval is short: the helper needs the lock
    for a moment between statements and would otherwise wait up to 5 ms for it each time.
    """

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self._jobs: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._idle = threading.Condition()
        self._pending = 0
        self._error: BaseException | None = None
        self._skip = False
        self._closed = False
        _switch_interval.enter()
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
        _switch_interval.leave()

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


class _SwitchInterval:
    """The interpreter's switch interval, short while any StatementThread runs."""

    SHORT = 0.0005  # seconds; Python's default is 0.005

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._before = 0.0

    def enter(self) -> None:
        with self._lock:
            if self._users == 0:
                self._before = sys.getswitchinterval()
                sys.setswitchinterval(min(self._before, self.SHORT))
            self._users += 1

    def leave(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0:
                sys.setswitchinterval(self._before)


_switch_interval = _SwitchInterval()
