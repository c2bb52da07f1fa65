"""The helper thread that stores rows beside the Python work: order, errors, the connection freed."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from desk.store import bulkload


@pytest.fixture
def conn(tmp_path):
    connection = sqlite3.connect(tmp_path / "t.sqlite", check_same_thread=False, isolation_level=None)
    connection.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, word TEXT NOT NULL)")
    yield connection
    connection.close()


def test_jobs_run_in_order_in_another_thread(conn):
    threads = set()

    def job(start):
        def run(cursor):
            threads.add(threading.get_ident())
            bulkload.insert_rows(cursor, "INSERT INTO t (n, word)", "(?,?)", 2,
                                 [(n, f"w{n}") for n in range(start, start + 40_000)])
        return run

    with bulkload.StatementThread(conn) as worker:
        for start in (0, 40_000, 80_000):
            worker.submit(job(start))
        worker.join()

    assert threads and threading.get_ident() not in threads
    assert conn.execute("SELECT count(*), min(n), max(n) FROM t").fetchone() == (120_000, 0, 119_999)


def test_insert_rows_splits_at_the_connection_variable_limit(conn):
    conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 9)  # four rows of two per statement
    statements = []
    conn.set_trace_callback(statements.append)

    bulkload.insert_rows(conn.cursor(), "INSERT INTO t (n, word)", "(?,?)", 2, [(n, "x") for n in range(10)])

    assert [s.count("(") for s in statements if s.startswith("INSERT")] == [5, 5, 3]  # "t (n, word)" + rows
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (10,)


def test_a_failed_job_stops_the_rest_and_its_error_reaches_the_caller(conn):
    ran = []
    worker = bulkload.StatementThread(conn)
    worker.submit(lambda cur: cur.execute("INSERT INTO t VALUES (1, NULL)"))  # NOT NULL
    worker.submit(lambda cur: ran.append("after"))
    with pytest.raises(sqlite3.IntegrityError):
        worker.join()
    with pytest.raises(sqlite3.IntegrityError):
        worker.submit(lambda cur: ran.append("later"))
    worker.close()

    assert ran == []


def test_leaving_with_an_error_skips_queued_jobs_and_frees_the_connection(conn):
    started, release, ran = threading.Event(), threading.Event(), []

    def slow(cursor):
        started.set()
        release.wait(5)
        ran.append("slow")

    with pytest.raises(KeyError), bulkload.StatementThread(conn) as worker:
        worker.submit(slow)
        worker.submit(lambda cur: ran.append("queued"))
        started.wait(5)
        threading.Timer(0.2, release.set).start()
        raise KeyError("the caller failed")

    assert ran == ["slow"]  # the running job ended before the caller went on; the queued one never ran
    assert conn.execute("SELECT 1").fetchone() == (1,)
