"""A hostile world at the entrance: a check-in while an import holds the database, and two
desks undoing one check-in at the same instant (two processes released by a barrier).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from desk.core.checkin.decision import ScanOutcome
from desk.services.demo.event import EVENT_TZ
from desk.core.rooms.occupancy import Room
from desk.services.checkin import entrance as svc
from desk.services.demo.event import install_demo
from desk.services.rooms.door import Rooms
from desk.store import rooms as rooms_store
from desk.store.db import open_database
from desk.store.schema.checkin import CheckinRow

MATCH, CONF1 = dt.date(2016, 11, 30), dt.date(2016, 12, 1)
HOLD_S = 3.0


def at(day: dt.date, hh: int, mm: int = 0, ss: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm, ss), tzinfo=EVENT_TZ)


def attendees(db) -> list:
    regs = install_demo(db, MATCH, now=at(MATCH, 7)).registrations
    return [r for r in regs if r.is_attendee and CONF1 in r.days]


def checkins(db, registration_id: str) -> list[CheckinRow]:
    with db.begin() as session:
        return list(session.scalars(select(CheckinRow).where(CheckinRow.registration_id == registration_id)))


@contextlib.contextmanager
def write_lock_held(path: Path, seconds: float = HOLD_S) -> Iterator[None]:
    """Another connection (an import, say) holds the SQLite write lock for `seconds`."""
    taken, done = threading.Event(), threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO scan_log (id, desk, at, code, outcome, detail) "
                         "VALUES ('import-holds-the-lock', 'import', '2016-12-01 07:00:00', '', 'x', '')")
            taken.set()
            done.wait(seconds)
            conn.rollback()
        finally:
            conn.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert taken.wait(10)
    try:
        yield
    finally:
        done.set()
        holder.join()


def test_a_checkin_while_the_write_lock_is_held_answers_busy_and_stores_nothing(db, db_path) -> None:
    person = attendees(db)[0]
    with write_lock_held(db_path):
        busy = svc.check_in(db, person.ticket_code, "entrance", at(CONF1, 8, 30))
    assert busy.outcome is ScanOutcome.BUSY and busy.checkin_id is None
    assert busy.to_json()["outcome"] == "busy" and "Scan again" in busy.reason
    assert checkins(db, person.registration_id) == []
    again = svc.check_in(db, person.ticket_code, "entrance", at(CONF1, 8, 31))
    assert again.outcome is ScanOutcome.WELCOME


def test_an_undo_while_the_write_lock_is_held_says_nothing_was_undone(db, db_path) -> None:
    person = attendees(db)[0]
    svc.check_in(db, person.ticket_code, "entrance", at(CONF1, 8, 30))
    with write_lock_held(db_path):
        busy = svc.undo_registration(db, person.registration_id, "entrance", at(CONF1, 8, 31))
    assert busy.undone is None and "busy" in busy.reason
    assert [c.undone_at for c in checkins(db, person.registration_id)] == [None]


def test_a_door_scan_while_the_write_lock_is_held_answers_busy_and_records_nothing(db, db_path) -> None:
    person = attendees(db)[0]
    with db.begin() as session:
        rooms_store.save_rooms(session, [Room("Europa", 80)])
    rooms = Rooms(db, keys={})
    svc.check_in(db, person.ticket_code, "entrance", at(CONF1, 8, 30))
    with write_lock_held(db_path):
        busy = rooms.scan("Europa", person.ticket_code, at(CONF1, 10), "door")
    assert busy.outcome is ScanOutcome.BUSY and not busy.recorded
    assert busy.to_json()["outcome"] == "busy" and busy.capacity == 80 and busy.occupancy == 0
    entered = rooms.scan("Europa", person.ticket_code, at(CONF1, 10, 1), "door")
    assert entered.outcome.value == "entered" and entered.occupancy == 1


def _pg_conninfo(url: str) -> str:
    u = make_url(url)
    return f"host={u.host} port={u.port} user={u.username} dbname={u.database}"


@pytest.mark.hub
def test_on_the_hub_a_checkin_and_a_door_scan_blocked_by_a_lock_answer_busy(pg_url) -> None:
    db = open_database(pg_url)
    try:
        people = attendees(db)
        with db.begin() as session:
            rooms_store.save_rooms(session, [Room("Europa", 80)])
        svc.check_in(db, people[1].ticket_code, "entrance", at(CONF1, 8, 29))
        with psycopg.connect(_pg_conninfo(pg_url)) as other:  # a long transaction at another desk
            other.execute("LOCK TABLE checkin IN EXCLUSIVE MODE")
            other.execute("SELECT name FROM room WHERE name = 'Europa' FOR UPDATE")
            busy = svc.check_in(db, people[0].ticket_code, "entrance", at(CONF1, 8, 30))
            door = Rooms(db, keys={}).scan("Europa", people[1].ticket_code, at(CONF1, 10), "door")
            other.rollback()
        assert busy.outcome is ScanOutcome.BUSY and checkins(db, people[0].registration_id) == []
        assert door.outcome is ScanOutcome.BUSY and not door.recorded
        assert svc.check_in(db, people[0].ticket_code, "entrance", at(CONF1, 8, 31)).outcome is ScanOutcome.WELCOME
    finally:
        db.close()


# --- two desks undo one check-in at once ------------------------------------------------------

UNDO_TRIALS = 30


def _undo_desk(url: str, desk: str, ids: list[str], barrier: Any, answers: Any) -> None:
    db = open_database(url)
    out = []
    try:
        for t, rid in enumerate(ids):
            barrier.wait(timeout=60)
            result = svc.undo_registration(db, rid, desk, at(CONF1, 9, t // 60, t % 60))
            out.append((rid, result.undone.checkin_id if result.undone else None, result.reason))
    finally:
        answers.put((desk, out))
        db.close()


def _undo_race(url: str) -> None:
    db = open_database(url)
    people = attendees(db)[:UNDO_TRIALS]
    ids = [p.registration_id for p in people]
    for p in people:  # one active check-in each
        svc.check_in(db, p.ticket_code, "entrance", at(CONF1, 8))
    db.close()
    ctx = multiprocessing.get_context("spawn")
    barrier, answers = ctx.Barrier(2), ctx.Queue()
    desks = [ctx.Process(target=_undo_desk, args=(url, name, ids, barrier, answers)) for name in ("desk A", "desk B")]
    for p in desks:
        p.start()
    got = dict(answers.get(timeout=300) for _ in desks)
    for p in desks:
        p.join(timeout=60)
        assert p.exitcode == 0
    for a, b in zip(got["desk A"], got["desk B"]):
        undone = [x for x in (a, b) if x[1] is not None]
        assert len(undone) == 1, (a, b)
        loser = a if a[1] is None else b
        assert loser[2].startswith("Nothing to undo"), loser
    db = open_database(url)
    try:
        for rid in ids:
            rows = checkins(db, rid)
            assert len(rows) == 1 and rows[0].undone_at is not None and rows[0].undone_desk in ("desk A", "desk B")
    finally:
        db.close()


@pytest.mark.slow
def test_two_desks_undoing_one_checkin_at_once_only_one_says_undone(db_path) -> None:
    _undo_race(f"sqlite:///{db_path}")


@pytest.mark.slow
@pytest.mark.hub
def test_on_the_hub_two_desks_undoing_one_checkin_only_one_says_undone(pg_url) -> None:
    _undo_race(pg_url)
