"""Two doors, one seat: two processes scan two people into a room with one free seat at the
same instant, released together by a barrier. Exactly one is let in, every time.

Each door is its own process with its own `Rooms` (its own kept replay), as two laptops on
one SQLite file or on the PostgreSQL hub are. 200 trials, each on a fresh room of one seat
(the person let in the trial before stays where they are: entering the next room leaves it).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from desk.core.attendees import Category, Event, Registration, Status
from desk.core.rooms.occupancy import Move, Occupancy, Room
from desk.store import registrations as repo
from desk.store import rooms as store
from desk.store.db import open_database
from desk.store.schema.checkin import CheckinRow

BXL = ZoneInfo("Europe/Brussels")
DAY = dt.date(2016, 12, 1)
TRIALS = 200
START = dt.datetime.combine(DAY, dt.time(9, 0), tzinfo=BXL)


def _person(n: int) -> Registration:
    return Registration(f"R{n}", Status.VALIDATED, "Door", f"Person {n}", f"p{n}@example.eu", f"Org {n}", "BE",
                        Category.OTHER_STAKEHOLDER, (DAY,), ticket_code=f"RACE-TICKET-{n}")


def _prepare(url: str, trials: int) -> None:
    """The event, two checked-in people and a room of one seat per trial."""
    db = open_database(url)
    with db.begin() as session:
        repo.save_event(session, Event(name="ECC", venue="Brussels", days=(DAY,)))
        repo.store_registrations(session, [_person(0), _person(1)], [], "test", START)
        session.add_all(CheckinRow(id=uuid.uuid4().hex, registration_id=f"R{n}", day=DAY, at=START, desk="entrance")
                        for n in (0, 1))
        store.save_rooms(session, [Room(f"Seat {t:03d}", 1) for t in range(trials)])
    db.close()


def _door(url: str, who: int, trials: int, barrier: Any, answers: Any) -> None:
    """One door laptop: at each trial, wait for the other door, then scan its person into that
    trial's room."""
    from desk.services.rooms.door import Rooms

    db = open_database(url)
    rooms = Rooms(db, keys={})
    rooms.status(START)  # warm: the door keeps a replay, as a running desk does
    out = []
    try:
        for t in range(trials):
            at = START + dt.timedelta(seconds=t)
            barrier.wait(timeout=60)
            answer = rooms.scan(f"Seat {t:03d}", f"RACE-TICKET-{who}", at, f"door {who}")
            out.append((t, answer.outcome.value, answer.recorded))
    finally:
        answers.put((who, out))
        db.close()


def _race(url: str, trials: int = TRIALS) -> dict[int, list[tuple[int, str, bool]]]:
    _prepare(url, trials)
    ctx = multiprocessing.get_context("spawn")
    barrier, answers = ctx.Barrier(2), ctx.Queue()
    doors = [ctx.Process(target=_door, args=(url, who, trials, barrier, answers)) for who in (0, 1)]
    for p in doors:
        p.start()
    got = dict(answers.get(timeout=300) for _ in doors)
    for p in doors:
        p.join(timeout=60)
        assert p.exitcode == 0
    return got


def _check(url: str, got: dict[int, list[tuple[int, str, bool]]], trials: int = TRIALS) -> None:
    assert len(got[0]) == len(got[1]) == trials
    double = [t for (t, a, ra), (_t, b, rb) in zip(got[0], got[1]) if ra and rb]
    assert double == []
    for (t, a, ra), (_t, b, rb) in zip(got[0], got[1]):
        assert sorted((a, b)) == ["entered", "room_full"], (t, a, b)
        assert ra != rb
    db = open_database(url)
    with db.begin() as session:
        programme = store.get_programme(session)
        events = store.door_events(session)
    db.close()
    assert sum(e.move is Move.ENTRY for e in events) == trials
    occupancy = Occupancy(programme)  # what the database holds never had two people in one seat
    for e in events:
        occupancy.apply(e)
        assert max(occupancy.counts().values()) <= 1, e


@pytest.mark.slow
def test_two_doors_never_fill_the_last_seat_twice_on_sqlite(db_path) -> None:
    url = f"sqlite:///{db_path}"
    _check(url, _race(url))


@pytest.mark.slow
@pytest.mark.hub
def test_two_doors_never_fill_the_last_seat_twice_on_the_hub(pg_url) -> None:
    _check(pg_url, _race(pg_url))
