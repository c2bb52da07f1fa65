"""`kill -9` of a station in the middle of `desk sync` loses nothing: the next sync completes, and
the hub and the station hold every entry exactly once.

A station with a backlog of 5,000 entries runs the real `desk sync` in its own process; the test
watches the hub (or the station's file) and kills the process with SIGKILL once the first batch
has arrived and before the last one has, then syncs again and counts.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from desk.services import hub
from desk.store import hub as hub_store
from desk.store.db import Database, open_database
from desk.store.schema.checkin import ScanLogRow
from desk.store.schema.hub import HubEntryRow, HubLogRow

pytestmark = [pytest.mark.hub, pytest.mark.slow]

BACKLOG = 5_000
ROOT = Path(__file__).parents[2]

if not hasattr(signal, "SIGKILL"):
    pytest.skip("kill -9 needs POSIX signals", allow_module_level=True)


def station(template: Path, folder: Path, name: str, url: str) -> Database:
    path = folder / f"{name}.sqlite"
    shutil.copyfile(template, path)
    db = open_database(f"sqlite:///{path}")
    hub.join(db, url, name)
    return db


def add_backlog(db: Database, n: int) -> set[str]:
    """n scans logged at the station as a busy morning leaves them (one entry each); their ids."""
    now = dt.datetime.now(dt.timezone.utc)
    rows = [{"id": uuid.uuid4().hex, "desk": "Entrance A", "at": now + dt.timedelta(milliseconds=i),
             "code": f"ECC2016-{i:06d}", "outcome": "unknown", "registration_id": None, "detail": ""}
            for i in range(n)]
    with db.begin_write() as session:
        session.execute(insert(ScanLogRow), rows)
        hub_store.append_rows(session, "scan", ScanLogRow.__table__, rows)  # type: ignore[arg-type]
    return {r["id"] for r in rows}


def start_sync(db: Database) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "desk", "--db", db.url, "sync"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def kill_when(proc: subprocess.Popen[str], count: Callable[[], int], low: int, high: int, timeout_s: float = 60) -> int:
    """SIGKILL the process as soon as `count()` is at least `low` (and below `high`); return the count then."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        seen = count()
        if seen >= low:
            assert proc.poll() is None, f"the sync finished before it could be killed: {proc.communicate()}"
            assert seen < high, "the whole backlog went through before the kill"
            os.kill(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=30)
            assert proc.returncode == -signal.SIGKILL
            return seen
        if proc.poll() is not None:
            pytest.fail(f"the sync ended before the kill: {proc.returncode} {proc.communicate()}")
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    pytest.fail("the sync never got far enough to be killed part-way")


def hub_count(url: str, sql: str) -> int:
    name = make_url(url).database
    with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={name}") as conn:
        return conn.execute(sql).fetchone()[0]


@pytest.fixture
def hub_url(pg_url) -> str:
    hub.init_hub(pg_url)
    return pg_url


def test_a_station_killed_mid_push_loses_nothing_and_the_next_sync_completes(hub_url, db_template, tmp_path) -> None:
    first = station(db_template, tmp_path, "Entrance A", hub_url)
    ids = add_backlog(first, BACKLOG)
    me = hub.station(first)
    assert me.unpushed == BACKLOG

    proc = start_sync(first)
    at_kill = kill_when(proc, lambda: hub_count(hub_url, "SELECT count(*) FROM hub_entry"),
                        hub.PUSH_BATCH, BACKLOG)
    # killed part-way: the hub holds whole batches only, the station marked at most those
    held = hub_count(hub_url, "SELECT count(*) FROM hub_entry")
    assert at_kill <= held < BACKLOG and held % hub.PUSH_BATCH == 0
    left = hub.station(first).unpushed
    assert BACKLOG - held <= left <= BACKLOG  # a batch the hub took may not be marked here yet

    result = hub.sync(first)
    assert result.pushed == left  # what the station had not marked is sent (again)
    assert hub.station(first).unpushed == 0
    hub_db = hub.open_hub(hub_url)
    try:
        with hub_db.begin() as session:
            at_hub = set(session.scalars(select(HubEntryRow.id).where(HubEntryRow.station == me.station)))
            seqs = sorted(session.scalars(select(HubEntryRow.seq).where(HubEntryRow.station == me.station)))
            scans = set(session.scalars(select(ScanLogRow.id)))
            unapplied = session.scalar(select(func.count()).select_from(HubEntryRow)
                                       .where(HubEntryRow.applied.is_(False)))
    finally:
        hub_db.close()
    assert len(at_hub) == BACKLOG and seqs == list(range(1, BACKLOG + 1))  # each entry once, none missing
    assert scans == ids and unapplied == 0  # applied once at the hub
    with first.begin() as session:
        assert session.scalar(select(func.count()).select_from(ScanLogRow)) == BACKLOG
    first.close()


def test_a_station_killed_mid_pull_loses_nothing_and_the_next_sync_completes(hub_url, db_template, tmp_path) -> None:
    first = station(db_template, tmp_path, "Entrance A", hub_url)
    second = station(db_template, tmp_path, "Entrance B", hub_url)
    ids = add_backlog(first, BACKLOG)
    assert hub.sync(first).pushed == BACKLOG
    last = hub_count(hub_url, "SELECT max(position) FROM hub_entry")

    def pulled() -> int:
        with second.begin() as session:
            return session.scalar(select(func.count()).select_from(HubLogRow)) or 0

    proc = start_sync(second)
    at_kill = kill_when(proc, pulled, hub.PULL_BATCH, BACKLOG)
    # whatever committed is whole: the entries held and the position pulled up to agree
    held = pulled()
    info = hub.station(second)
    assert at_kill <= held < BACKLOG and held % hub.PULL_BATCH == 0
    with second.begin() as session:
        applied = session.scalar(select(func.count()).select_from(ScanLogRow))
    assert applied == held and 0 < info.pulled < last

    done = start_sync(second)  # `desk sync` again, as the station's operator would
    out, err = done.communicate(timeout=120)
    assert (done.returncode, out.splitlines()) == (0, [f"pushed 0, pulled {BACKLOG - held} entries"]), err
    assert hub.station(second).pulled == last
    with second.begin() as session:
        logged = list(session.scalars(select(HubLogRow.id)))
        scans = set(session.scalars(select(ScanLogRow.id)))
        unapplied = session.scalar(select(func.count()).select_from(HubLogRow).where(HubLogRow.applied.is_(False)))
    assert len(logged) == len(set(logged)) == BACKLOG  # each entry once
    assert scans == ids and unapplied == 0
    assert hub.sync(second).pulled == 0
    first.close()
    second.close()


def test_the_hub_connection_ended_mid_push_loses_nothing_and_the_next_sync_completes(
        hub_url, db_template, tmp_path) -> None:
    first = station(db_template, tmp_path, "Entrance A", hub_url)
    ids = add_backlog(first, BACKLOG)
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(hub.sync(first))
        except Exception as exc:  # noqa: BLE001 - the test looks at what it was
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 60
    while hub_count(hub_url, "SELECT count(*) FROM hub_entry") < hub.PUSH_BATCH and time.monotonic() < deadline:
        time.sleep(0.01)
    # end the hub's side of the connection while it takes the next batch (inside its transaction)
    name = make_url(hub_url).database
    ended = 0
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        while not ended and worker.is_alive() and time.monotonic() < deadline:
            ended = conn.execute(
                "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                "AND state IN ('active', 'idle in transaction') AND query NOT ILIKE 'select 1%%' "  # not a ping
                "AND pid <> pg_backend_pid()) t", (name,)).fetchone()[0]
    worker.join(60)
    assert ended and not worker.is_alive()
    assert isinstance(outcome[0], hub.HubUnreachable), outcome
    held = hub_count(hub_url, "SELECT count(*) FROM hub_entry")
    assert hub.PUSH_BATCH <= held < BACKLOG and held % hub.PUSH_BATCH == 0  # whole batches only
    hub.sync(first)
    assert hub.station(first).unpushed == 0
    assert hub_count(hub_url, "SELECT count(*) FROM hub_entry") == BACKLOG
    assert hub_count(hub_url, "SELECT count(DISTINCT id) FROM scan_log") == BACKLOG
    with first.begin() as session:
        assert set(session.scalars(select(ScanLogRow.id))) == ids
    first.close()
