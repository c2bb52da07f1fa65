"""Rooms: occupancy recomputation, board refresh and door scan-to-answer latency.

Run from the repository root:  .venv/bin/python benchmarks/rooms.py [--events 50000]
20 rooms, 5,000 badges and 50,000 door events on one day in a real SQLite file. Prints
medians and p95 for: the pure replay (core), a full board refresh from the database (first
call, no kept state), a board refresh with the kept replay (the board's poll every second;
target < 50 ms), and a door scan from code to committed answer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desk.core.attendees import Category, Registration, Status
from desk.core.rooms.occupancy import DoorEvent, Move, Programme, ProgrammeSession, Room, replay
from desk.services.demo.event import demo_event
from desk.services.rooms.door import Rooms
from desk.store import registrations as repo
from desk.store import rooms as store
from desk.store.db import open_database

BXL = ZoneInfo("Europe/Brussels")
DAY = dt.date(2016, 12, 1)


def stats(label: str, samples_s: list[float]) -> None:
    ms = sorted(s * 1000 for s in samples_s)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"{label:<48} median {statistics.median(ms):8.2f} ms   p95 {p95:8.2f} ms   (n={len(ms)})")


def build(n_events: int, n_rooms: int = 20, n_people: int = 5000) -> tuple[Programme, list[DoorEvent], list[Registration]]:
    rnd = random.Random(2016)
    rooms = tuple(Room(f"Room {i + 1:02d}", rnd.choice((40, 60, 80, 300))) for i in range(n_rooms))
    sessions = []
    for room in rooms:
        for start_h in (9, 11, 14, 16):
            start = dt.datetime.combine(DAY, dt.time(start_h), tzinfo=BXL)
            sessions.append(ProgrammeSession(f"{room.name} {start_h}h", "area", f"topic {start_h}", room.name,
                                             start, start + dt.timedelta(minutes=90)))
    people = [Registration(f"B{i:05d}", Status.VALIDATED, "Bench", f"Person {i}", f"p{i}@x.eu", "Org", "BE",
                           Category.OTHER_STAKEHOLDER, (), ticket_code=f"T{i:06d}") for i in range(n_people)]
    day_start = dt.datetime.combine(DAY, dt.time(8, 30), tzinfo=BXL)
    events = []
    for k in range(n_events):
        # aware UTC, as the store hands them out
        at = (day_start + dt.timedelta(seconds=k * (9 * 3600 / n_events))).astimezone(dt.timezone.utc)
        events.append(DoorEvent(at, rnd.choice(rooms).name, rnd.choice(people).registration_id,
                                Move.ENTRY if rnd.random() < 0.7 else Move.EXIT))
    return Programme(rooms, tuple(sessions)), events, people


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=50_000)
    args = parser.parse_args()
    programme, events, people = build(args.events)
    print(f"{len(programme.rooms)} rooms, {len(programme.sessions)} sessions, {len(people)} badges, "
          f"{len(events)} door events")
    until = events[-1].at
    samples = []
    for _ in range(15):
        t = time.perf_counter()
        replay(programme, events, until=until)
        samples.append(time.perf_counter() - t)
    stats("core replay (pure function)", samples)

    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(f"sqlite:///{Path(tmp) / 'bench.sqlite'}")
        now = dt.datetime.now(dt.timezone.utc)
        with db.begin() as session:
            repo.save_event(session, demo_event(DAY - dt.timedelta(days=1)))
            repo.store_registrations(session, people, [], "bench", now)
            store.save_rooms(session, programme.rooms)
            store.replace_sessions(session, programme.sessions)
            store.add_door_events(session, events, "bench")
        at = until + dt.timedelta(seconds=1)
        samples = []
        for _ in range(10):
            rooms = Rooms(db, keys={})
            t = time.perf_counter()
            rooms.status(at)
            samples.append(time.perf_counter() - t)
        stats("board refresh, full replay from the database", samples)
        rooms = Rooms(db, keys={})
        rooms.status(at)
        samples = []
        for i in range(50):
            t = time.perf_counter()
            rooms.status(at + dt.timedelta(milliseconds=i))
            samples.append(time.perf_counter() - t)
        stats("board refresh, kept replay (poll; target < 50 ms)", samples)
        samples, answers = [], []
        rnd = random.Random(7)
        for i in range(60):
            code = rnd.choice(people).ticket_code
            t = time.perf_counter()
            answers.append(rooms.scan(programme.rooms[i % 20].name, code, at + dt.timedelta(seconds=i), "bench"))
            samples.append(time.perf_counter() - t)
        stats("door scan to committed answer", samples)
        board = Rooms(db, keys={})
        board.status(at + dt.timedelta(seconds=60))
        samples = []
        for i in range(30):
            rooms.scan("Room 01", rnd.choice(people).ticket_code, at + dt.timedelta(seconds=61 + i), "bench")
            t = time.perf_counter()
            board.status(at + dt.timedelta(seconds=61 + i))
            samples.append(time.perf_counter() - t)
        stats("board refresh after another desk's scan", samples)
        print("outcomes:", sorted({a.outcome.value for a in answers}))
        db.close()


if __name__ == "__main__":
    main()
