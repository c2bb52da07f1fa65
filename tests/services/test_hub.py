"""Three stations and a hub on the real PostgreSQL server: import at one, scan at all, cut the hub,
restore it, and every station and the hub derive the same state with nothing lost.

Each station is its own SQLite file; the hub is a fresh PostgreSQL database (`pg_url`). The hub is
cut for real: its database stops accepting connections (and the open ones are ended), so a sync
meets the same refusal a dead network gives, and the stations go on scanning alone.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from desk.core.checkin.decision import ScanOutcome
from desk.core.rooms.occupancy import DoorOutcome
from desk.services import hub
from desk.services.badges import codes as badge_codes
from desk.services.checkin import entrance
from desk.services.demo.event import EVENT_TZ
from desk.services.registrations.sources import FileSource
from desk.services.registrations.sync import run_sync
from desk.services.rooms.door import Rooms
from desk.services.rooms.programme import install_demo_programme
from desk.store import badges as badge_store
from desk.store import hub as hub_store
from desk.store import registrations as repo
from desk.store.db import Database, open_database
from desk.store.schema.checkin import CheckinRow, ScanLogRow
from desk.store.schema.hub import HubEntryRow, HubLogRow
from desk.store.schema.rooms import DoorEventRow
from tests.event_helpers import TEST_DAYS, create_event

pytestmark = pytest.mark.hub

CONF1 = TEST_DAYS[1]
HEADER = ["registration_id", "status", "first_name", "last_name", "email", "organisation", "country",
          "category", "days", "ticket_code", "updated_at"]
PEOPLE = 400
EXPORTED = dt.datetime(2016, 11, 1, 9, 0, tzinfo=dt.timezone.utc)
DOOR_ROOMS = {"Europa": 1, "Atrium": 1, "Rogier": 2, "Botanique": 2}  # room -> index of its door's station


def at(clock: str, seconds: int = 0) -> dt.datetime:
    start = dt.datetime.combine(CONF1, dt.time.fromisoformat(clock), tzinfo=EVENT_TZ)
    return start + dt.timedelta(seconds=seconds)


def write_registrations(path: Path, cancelled: set[str] = frozenset(), updated: dt.datetime = EXPORTED) -> Path:
    """A portal export of PEOPLE validated attendees (those in `cancelled` cancelled)."""
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for i in range(PEOPLE):
            rid = f"HUB-{i:04d}"
            out.writerow([rid, "cancelled" if rid in cancelled else "validated", f"Anna{i}", f"Nowak{i}",
                          f"hub-{i}@example.eu", f"Org {i % 37}", "BE", "cluster practitioner",
                          "|".join(d.isoformat() for d in TEST_DAYS[1:]), f"T-HUB-{i:04d}",
                          (updated + dt.timedelta(seconds=1 if rid in cancelled else 0)).isoformat()])
    return path


@dataclass
class Venue:
    """Three stations (station 1 imported the registrations and made the keys) and their hub."""

    url: str
    stations: list[Database]
    codes: dict[str, str]  # registration id -> signed badge code
    folder: Path

    def sync(self, *which: int) -> list[hub.SyncResult]:
        return [hub.sync(self.stations[i]) for i in (which or range(len(self.stations)))]

    def hub_db(self) -> Database:
        return hub.open_hub(self.url)


def station_file(template: Path, folder: Path, name: str) -> Database:
    path = folder / f"{name}.sqlite"
    shutil.copyfile(template, path)
    return open_database(f"sqlite:///{path}")


@pytest.fixture
def venue(pg_url, db_template, tmp_path):
    hub.init_hub(pg_url)
    stations = [station_file(db_template, tmp_path, f"station-{n}") for n in (1, 2, 3)]
    first = stations[0]
    create_event(first)
    report = run_sync(first, FileSource(write_registrations(tmp_path / "export.csv")),
                      clock=lambda: EXPORTED + dt.timedelta(days=1))
    assert report.lines()[0] == f"added {PEOPLE}, updated 0, unchanged 0, rejected 0 rows"
    install_demo_programme(first, TEST_DAYS[0])
    keys = badge_codes.create_event_keys(first)
    codes = {f"HUB-{i:04d}": badge_codes.code_for(keys, f"HUB-{i:04d}") for i in range(PEOPLE)}
    for n, db in enumerate(stations, start=1):
        hub.join(db, pg_url, f"Station {n}")  # its entrance desk is "Entrance n"
    yield Venue(pg_url, stations, codes, tmp_path)
    for db in stations:
        db.close()


# --- cutting the hub -----------------------------------------------------------------------------

def _admin() -> psycopg.Connection:
    return psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True)


def cut(url: str) -> None:
    """The hub goes away: its database refuses new connections and the open ones are ended."""
    name = make_url(url).database
    with _admin() as conn:
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))


def restore(url: str) -> None:
    name = make_url(url).database
    with _admin() as conn:
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


# --- what a database derives -----------------------------------------------------------------------

def derived(db: Database, when: dt.datetime) -> dict[str, object]:
    """The state a station (or the hub) derives from the merged log, comparable between databases."""
    with db.begin() as session:
        checkins = sorted(session.execute(select(
            CheckinRow.id, CheckinRow.registration_id, CheckinRow.day, CheckinRow.station, CheckinRow.stamp,
            CheckinRow.duplicate_of, CheckinRow.undone_stamp).order_by(CheckinRow.id)).all())
        doors = sorted(session.scalars(select(DoorEventRow.id)))
        scans = sorted(session.scalars(select(ScanLogRow.id)))
        duplicates = [(d.registration_id, d.day, tuple((c.station, c.at, c.checkin_id) for c in d.checkins))
                      for d in hub_store.duplicates(session)]
    standing = {(rid, day): cid for cid, rid, day, _st, _stamp, dup, undone in checkins
                if dup is None and undone is None}
    counts = {r.room: r.occupancy for r in Rooms(db, keys={}).status(when)}
    return {"checkins": checkins, "standing": standing, "doors": doors, "scans": scans,
            "duplicates": duplicates, "counts": counts}


def log_ids(db: Database, table=HubLogRow) -> set[str]:
    with db.begin() as session:
        return set(session.scalars(select(table.id)))


def own_ids(db: Database) -> set[str]:
    with db.begin() as session:
        me = hub_store.station_info(session).station
        return set(session.scalars(select(HubLogRow.id).where(HubLogRow.station == me)))


def waiting(db: Database) -> list[tuple[str, str]]:
    with db.begin() as session:
        return list(session.execute(select(HubLogRow.kind, HubLogRow.error).where(HubLogRow.applied.is_(False))))


def scan(db: Database, code: str, desk: str, when: dt.datetime, keys=None) -> entrance.CheckinResult:
    """A badge scanned at the entrance `desk` of a station (with the keys the station holds)."""
    if keys is None:
        keys, problem = entrance.desk_keys(db)
        assert problem == ""
    return entrance.check_in(db, code, desk, when, keys)


# --- the tests ------------------------------------------------------------------------------------

def public_keys(db: Database) -> dict[int, str]:
    with db.begin() as session:
        return badge_store.public_keys(session)


def test_stations_learn_the_registrations_and_keys_of_station_one_through_the_hub(venue) -> None:
    first, second, third = venue.stations
    assert public_keys(second) == public_keys(third) == {} and set(public_keys(first)) == {1}
    pushed = venue.sync(0)[0]
    assert pushed.pushed >= PEOPLE and pushed.pulled == 0
    for db in (second, third):
        result = hub.sync(db)
        assert result.pulled == pushed.pushed and result.waiting == 0
        with db.begin() as session:
            assert len(repo.all_registrations(session)) == PEOPLE
        keys, problem = entrance.desk_keys(db)
        assert public_keys(db) == public_keys(first)  # the public key came through the hub
        assert problem == "" and set(keys) == {1}
        verdict = badge_codes.verify_code(db, venue.codes["HUB-0007"])
        assert verdict.ok and verdict.registration_id == "HUB-0007"
        forged = venue.codes["HUB-0007"][:-8] + "AAAAAAAA"
        assert not badge_codes.verify_code(db, forged).ok
    assert scan(second, venue.codes["HUB-0001"], "Entrance 2", at("08:30")).outcome is ScanOutcome.WELCOME
    assert scan(third, venue.codes["HUB-0002"], "Entrance 3", at("08:31")).outcome is ScanOutcome.WELCOME
    # the other two learn each check-in at their next sync, and name the station that made it
    venue.sync(1, 2)
    venue.sync(0, 1)
    again = scan(first, venue.codes["HUB-0002"], "Entrance 1", at("08:40"))
    assert again.outcome is ScanOutcome.ALREADY_IN
    assert again.first_checkin.desk == "Entrance 3" and again.first_checkin.at == at("08:31")
    assert scan(third, venue.codes["HUB-0001"], "Entrance 3", at("08:41")).outcome is ScanOutcome.ALREADY_IN


def test_a_sync_against_a_cut_hub_changes_nothing_and_says_so(venue) -> None:
    first = venue.stations[0]
    venue.sync(0)
    scan(first, venue.codes["HUB-0003"], "Entrance 1", at("08:30"))
    before = (log_ids(first), hub.station(first).unpushed, derived(first, at("12:00")))
    cut(venue.url)
    try:
        with pytest.raises(hub.HubUnreachable):
            hub.sync(first)
        with pytest.raises(hub.HubUnreachable):  # an address where nothing listens
            hub.open_hub("postgresql+psycopg://postgres@127.0.0.1:9/nothing")
        status = hub.hub_status(first)
        assert status.problem and status.members == [] and status.station.unpushed == 2
    finally:
        restore(venue.url)
    assert (log_ids(first), hub.station(first).unpushed, derived(first, at("12:00"))) == before
    assert hub.sync(first).pushed == before[1] == 2  # the check-in and its scan-log line


@pytest.mark.slow
def test_three_stations_apart_agree_after_the_hub_returns_with_nothing_lost(venue) -> None:
    stations = venue.stations
    venue.sync(0)
    venue.sync(1, 2)
    cut(venue.url)
    try:
        for db in stations:
            with pytest.raises(hub.HubUnreachable):
                hub.sync(db)
        scans = 0
        ids = [f"HUB-{i:04d}" for i in range(PEOPLE)]
        keys = [entrance.desk_keys(db)[0] for db in stations]
        twice, once = ids[:30], ids[30:360]
        # 30 people let in at two stations while they were apart
        for k, rid in enumerate(twice):
            a, b = k % 3, (k + 1) % 3
            assert scan(stations[a], venue.codes[rid], f"Entrance {a + 1}", at("08:00", k), keys[a]).outcome \
                is ScanOutcome.WELCOME
            assert scan(stations[b], venue.codes[rid], f"Entrance {b + 1}", at("08:05", k), keys[b]).outcome \
                is ScanOutcome.WELCOME
            scans += 2
        for k, rid in enumerate(once):
            n = k % 3
            assert scan(stations[n], venue.codes[rid], f"Entrance {n + 1}", at("08:10", k), keys[n]).outcome \
                is ScanOutcome.WELCOME
            scans += 1
        # exit and re-entry pairs at the room doors (each room's door is one station's laptop)
        # (people the door's own station checked in: the others' check-ins are not known there yet)
        rooms = {n: Rooms(db) for n, db in enumerate(stations)}
        checked_in_at = {n: iter([rid for k, rid in enumerate(once) if k % 3 == n]) for n in (1, 2)}
        for k in range(70):
            room = list(DOOR_ROOMS)[k % 4]
            door = rooms[DOOR_ROOMS[room]]
            rid = next(checked_in_at[DOOR_ROOMS[room]])
            desk = f"door {room}"
            assert door.scan(room, venue.codes[rid], at("11:00", k), desk).outcome is DoorOutcome.ENTERED
            assert door.scan(room, venue.codes[rid], at("11:20", k), desk, leaving=True).outcome is DoorOutcome.LEFT
            assert door.scan(room, venue.codes[rid], at("11:40", k), desk).outcome is DoorOutcome.ENTERED
            scans += 3
        assert scans == 600
        rooms[1].headcount("Atrium", 25, at("11:50"), "door Atrium")  # the host counted heads
        with pytest.raises(hub.HubUnreachable):  # still cut: nothing changes here
            hub.sync(stations[0])
    finally:
        restore(venue.url)
    logged = [own_ids(db) for db in stations]
    # every station pushes and pulls; the first ones to sync learn the last ones' entries next round
    venue.sync()
    rounds = venue.sync()
    assert [r.pushed for r in rounds] == [0, 0, 0]
    assert all(r.waiting == 0 for r in rounds)

    when = at("12:00")
    hub_db = venue.hub_db()
    try:
        at_hub = log_ids(hub_db, HubEntryRow)
        states = [derived(db, when) for db in stations] + [derived(hub_db, when)]
        with hub_db.begin() as session:
            unapplied = list(session.execute(select(HubEntryRow.kind, HubEntryRow.error)
                                             .where(HubEntryRow.applied.is_(False))))
    finally:
        hub_db.close()
    # 0 entries lost: each station's own entries are at the hub and at every other station
    for mine in logged:
        assert mine <= at_hub
    assert all(log_ids(db) == at_hub for db in stations)
    assert unapplied == [] and all(waiting(db) == [] for db in stations)
    # the same state everywhere, the hub included
    for state in states[1:]:
        assert state == states[0]
    state = states[0]
    assert len(state["standing"]) == 360
    assert state["counts"] == {"Grand Ballroom": 0, "Europa": 18, "Atrium": 25, "Rogier": 17, "Botanique": 17}
    assert len(state["doors"]) == 210
    assert len(state["scans"]) == 600  # every scan's log line, entrance and door, reached every station
    # exactly the 30 people scanned twice are flagged, each with both stations and both times
    flagged = state["duplicates"]
    assert sorted(rid for rid, _day, _c in flagged) == twice
    for k, (rid, day, found) in enumerate(flagged):
        a, b = k % 3, (k + 1) % 3
        assert (rid, day) == (twice[k], CONF1)
        assert [(s, t) for s, t, _cid in found] == [(f"Station {a + 1}", at("08:00", k)),
                                                    (f"Station {b + 1}", at("08:05", k))]
    # the next scan of such a person shows the duplicate, at every station
    for n, db in enumerate(stations):
        rid = twice[n]
        again = scan(db, venue.codes[rid], f"Entrance {n + 1}", at("13:00"))
        assert again.outcome is ScanOutcome.ALREADY_IN
        assert again.duplicate.startswith(f"Duplicate entry: Anna{n} Nowak{n} was checked in at ")
        assert f"Station {n % 3 + 1} at 08:00" in again.duplicate
        assert f"Station {(n + 1) % 3 + 1} at 08:05" in again.duplicate
        assert again.first_checkin.desk == f"Entrance {n % 3 + 1}"
    assert len(hub.duplicates(stations[0])) == 30
    # the hub's view of its stations: each one's entries all pushed, nothing left to pull
    report = hub.hub_status(stations[0])
    assert report.problem is None
    assert sorted(m.name for m in report.members) == ["Station 1", "Station 2", "Station 3"]
    assert all(m.logged == m.pushed and m.behind == 0 for m in report.members)


def test_stations_syncing_at_the_same_moment_converge(venue) -> None:
    stations = venue.stations
    venue.sync(0)
    venue.sync(1, 2)
    keys = [entrance.desk_keys(db)[0] for db in stations]
    for k in range(90):  # while apart: 30 each, the first ten people at two stations
        n = k % 3
        rid = f"HUB-{k % 80:04d}"
        scan(stations[n], venue.codes[rid], f"Entrance {n + 1}", at("08:00", k), keys[n])
    failures: list[BaseException] = []

    def rounds(db: Database) -> None:
        try:
            for _ in range(3):
                hub.sync(db)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    workers = [threading.Thread(target=rounds, args=(db,)) for db in stations]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert failures == [] and not any(w.is_alive() for w in workers)
    venue.sync()  # whoever finished first learns the others' last entries
    hub_db = venue.hub_db()
    try:
        states = [derived(db, at("12:00")) for db in stations] + [derived(hub_db, at("12:00"))]
    finally:
        hub_db.close()
    assert all(state == states[0] for state in states)
    assert len(states[0]["standing"]) == 80 and len(states[0]["duplicates"]) == 10


def test_a_push_whose_reply_is_lost_changes_nothing_when_repeated(venue) -> None:
    first, second = venue.stations[:2]
    venue.sync(0, 1)
    for k in range(20):
        scan(first, venue.codes[f"HUB-{k:04d}"], "Entrance 1", at("08:00", k))
    with first.begin() as session:
        batch = hub_store.unpushed(session, 1_000)
    assert len(batch) == 40  # 20 check-ins and their 20 scan-log lines
    hub_db = venue.hub_db()
    try:
        with hub_db.begin() as session:  # the hub took the push and committed; the reply never came
            assert len(hub_store.take(session, batch)) == 40
        before = derived(hub_db, at("12:00")), log_ids(hub_db, HubEntryRow)
        with hub_db.begin() as session:  # the same push again, as is
            assert hub_store.take(session, batch) == []
        assert hub.station(first).unpushed == 40  # nothing marked pushed at the station
        assert hub.sync(first).pushed == 40  # the next round sends them all once more
        assert hub.station(first).unpushed == 0
        after = derived(hub_db, at("12:00")), log_ids(hub_db, HubEntryRow)
    finally:
        hub_db.close()
    assert after == before
    assert len(before[0]["standing"]) == 20
    assert hub.sync(second).pulled == 40  # and the others get each entry once
    assert derived(second, at("12:00")) == before[0]


def test_an_undo_at_one_station_undoes_the_check_in_at_every_station(venue) -> None:
    first, second, third = venue.stations
    venue.sync()
    code = venue.codes["HUB-0042"]
    assert scan(first, code, "Entrance 1", at("08:30")).outcome is ScanOutcome.WELCOME
    venue.sync(0, 1, 2)
    assert scan(second, code, "Entrance 2", at("08:35")).outcome is ScanOutcome.ALREADY_IN
    keys, _ = entrance.desk_keys(second)
    undone = entrance.undo(second, code, "Entrance 2", at("08:36"), keys)
    assert undone.undone is not None and undone.undone.desk == "Entrance 1"
    venue.sync(1, 0, 2)
    hub_db = venue.hub_db()
    try:
        for db in (first, second, third, hub_db):
            with db.begin() as session:
                rows = list(session.execute(select(CheckinRow.station, CheckinRow.undone_at, CheckinRow.undone_desk)
                                            .where(CheckinRow.registration_id == "HUB-0042")))
            assert len(rows) == 1
            assert rows[0].station == "Station 1" and rows[0].undone_desk == "Entrance 2"
            assert rows[0].undone_at is not None
    finally:
        hub_db.close()
    # undone everywhere: the next scan at the third station is a new welcome
    assert scan(third, code, "Entrance 3", at("08:40")).outcome is ScanOutcome.WELCOME


def test_two_stations_that_undo_one_check_in_while_apart_agree_on_the_first_undo(venue) -> None:
    first, second, third = venue.stations
    venue.sync()
    code = venue.codes["HUB-0043"]
    assert scan(first, code, "Entrance 1", at("08:30")).outcome is ScanOutcome.WELCOME
    venue.sync(0, 1, 2)
    cut(venue.url)
    try:
        for n, db in ((1, second), (2, third)):
            keys, _ = entrance.desk_keys(db)
            assert entrance.undo(db, code, f"Entrance {n + 1}", at("08:36", n), keys).undone is not None
        # station 1 has not heard of either undo yet
        assert scan(first, code, "Entrance 1", at("08:40")).outcome is ScanOutcome.ALREADY_IN
    finally:
        restore(venue.url)
    venue.sync()
    venue.sync()
    hub_db = venue.hub_db()
    try:
        states = [derived(db, at("12:00")) for db in (first, second, third, hub_db)]
        with hub_db.begin() as session:
            undone_desk = session.scalar(select(CheckinRow.undone_desk).where(CheckinRow.registration_id == "HUB-0043"))
    finally:
        hub_db.close()
    assert all(state == states[0] for state in states)
    assert undone_desk == "Entrance 2"  # the first undo in merge order, everywhere
    for db in (first, second, third):
        with db.begin() as session:
            assert session.scalar(select(CheckinRow.undone_desk)
                                  .where(CheckinRow.registration_id == "HUB-0043")) == "Entrance 2"
    assert "HUB-0043" not in {rid for rid, _day in states[0]["standing"]}
    assert scan(first, code, "Entrance 1", at("09:00")).outcome is ScanOutcome.WELCOME


def test_undoing_the_first_of_two_check_ins_made_apart_leaves_the_other_standing_everywhere(venue) -> None:
    first, second, third = venue.stations
    venue.sync()
    code = venue.codes["HUB-0044"]
    cut(venue.url)
    try:  # both entrances let the person in while apart
        assert scan(first, code, "Entrance 1", at("08:30")).outcome is ScanOutcome.WELCOME
        assert scan(second, code, "Entrance 2", at("08:31")).outcome is ScanOutcome.WELCOME
    finally:
        restore(venue.url)
    venue.sync()
    venue.sync()
    assert [d.registration_id for d in hub.duplicates(third)] == ["HUB-0044"]
    keys, _ = entrance.desk_keys(first)
    assert entrance.undo(first, code, "Entrance 1", at("08:50"), keys).undone is not None  # a wrong scan at 1
    venue.sync()
    venue.sync()
    for db in (first, second, third):
        assert hub.duplicates(db) == []
        with db.begin() as session:
            standing = session.execute(select(CheckinRow.station).where(
                CheckinRow.registration_id == "HUB-0044", CheckinRow.undone_at.is_(None),
                CheckinRow.duplicate_of.is_(None))).scalars().all()
        assert standing == ["Station 2"]  # the person station 2 let in is still inside
    answer = scan(third, code, "Entrance 3", at("09:00"))
    assert answer.outcome is ScanOutcome.ALREADY_IN and answer.first_checkin.desk == "Entrance 2"


def test_a_cancellation_reaches_a_station_that_was_offline_at_its_next_sync(venue) -> None:
    first, second = venue.stations[:2]
    venue.sync(0, 1)
    rid = "HUB-0099"
    # station 2 is offline (it does not sync) while station 1 imports the cancellation
    report = run_sync(first, FileSource(write_registrations(venue.folder / "cancel.csv", {rid})),
                      clock=lambda: EXPORTED + dt.timedelta(days=2))
    assert report.lines()[0] == f"added 0, updated 1, unchanged {PEOPLE - 1}, rejected 0 rows"
    assert scan(first, venue.codes[rid], "Entrance 1", at("08:30")).outcome is ScanOutcome.CANCELLED
    venue.sync(0)
    with second.begin() as session:
        assert repo.get_registration(session, rid).status.value == "validated"  # not known there yet
    other = "HUB-0098"  # cancelled too, a moment later; station 2 lets them in before it hears of it
    run_sync(first, FileSource(write_registrations(venue.folder / "cancel2.csv", {rid, other})),
             clock=lambda: EXPORTED + dt.timedelta(days=2))
    venue.sync(0)
    assert scan(second, venue.codes[other], "Entrance 2", at("08:40")).outcome is ScanOutcome.WELCOME
    result = hub.sync(second)
    assert result.pulled >= 2 and result.waiting == 0
    answer = scan(second, venue.codes[rid], "Entrance 2", at("08:45"))
    assert answer.outcome is ScanOutcome.CANCELLED and answer.checkin_id is None
    assert scan(second, venue.codes[other], "Entrance 2", at("08:46")).outcome is ScanOutcome.CANCELLED
    # the station's own stale copies were not published back over the cancellations
    assert hub.sync(second).pushed == 2  # only its two scan-log lines
    hub.sync(first)
    assert scan(first, venue.codes[rid], "Entrance 1", at("09:00")).outcome is ScanOutcome.CANCELLED


def test_an_older_export_imported_at_another_station_while_apart_never_undoes_a_cancellation(venue) -> None:
    first, second, third = venue.stations
    venue.sync()
    rid = "HUB-0077"
    cut(venue.url)
    try:
        run_sync(first, FileSource(write_registrations(venue.folder / "cancel.csv", {rid})),
                 clock=lambda: EXPORTED + dt.timedelta(days=2))
        # station 3 imports, later, an export the portal made before the cancellation
        older = venue.folder / "older.csv"
        with older.open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(HEADER)
            out.writerow([rid, "validated", "Anna77", "Nowak77", "hub-77@example.eu", "Org renamed", "BE",
                          "cluster practitioner", "|".join(d.isoformat() for d in TEST_DAYS[1:]), "T-HUB-0077",
                          (EXPORTED + dt.timedelta(milliseconds=500)).isoformat()])
        report = run_sync(third, FileSource(older), clock=lambda: EXPORTED + dt.timedelta(days=2))
        assert report.lines()[0] == "added 0, updated 1, unchanged 0, rejected 0 rows"
    finally:
        restore(venue.url)
    venue.sync()
    venue.sync()
    assert [r.pushed for r in venue.sync()] == [0, 0, 0]  # settled: nobody shares its copy again
    hub_db = venue.hub_db()
    try:
        for db in (first, second, third, hub_db):
            with db.begin() as session:
                reg = repo.get_registration(session, rid)
            assert (reg.status.value, reg.organisation) == ("cancelled", "Org 3")  # the portal's newest record
    finally:
        hub_db.close()
    assert scan(third, venue.codes[rid], "Entrance 3", at("08:30")).outcome is ScanOutcome.CANCELLED


@pytest.fixture
def second_hub(pg_url):
    """Another fresh hub database next to the venue's (dropped afterwards)."""
    url = pg_url.rsplit("/", 1)[0] + "/" + make_url(pg_url).database + "_b"
    name = make_url(url).database
    with _admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    hub.init_hub(url)
    yield url
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_stations_that_join_a_new_hub_bring_their_whole_log_there(venue, second_hub) -> None:
    first, second, third = venue.stations
    venue.sync(0, 1)
    assert scan(second, venue.codes["HUB-0005"], "Entrance 2", at("08:30")).outcome is ScanOutcome.WELCOME
    venue.sync(1, 0)
    # the hub's server is lost; the venue sets up another one and the stations join it
    for n, db in ((1, first), (2, second)):
        hub.join(db, second_hub, f"Station {n}")
        hub.sync(db)
    hub.sync(first)
    hub.join(third, second_hub, "Station 3")
    assert hub.sync(third).waiting == 0
    with third.begin() as session:
        assert len(repo.all_registrations(session)) == PEOPLE
    again = scan(third, venue.codes["HUB-0005"], "Entrance 3", at("08:40"))
    assert again.outcome is ScanOutcome.ALREADY_IN and again.first_checkin.desk == "Entrance 2"
    new_hub = hub.open_hub(second_hub)
    try:
        hub.sync(third)
        assert log_ids(new_hub, HubEntryRow) == own_ids(first) | own_ids(second) | own_ids(third)
    finally:
        new_hub.close()


def test_a_hostile_code_scanned_at_a_door_reaches_the_hub_as_a_readable_trace(venue) -> None:
    first = venue.stations[0]
    venue.sync()
    hostile = "evil\x00code\ud800" + "x" * 5000
    answer = Rooms(first).scan("Europa", hostile, at("11:00"), "door Europa")
    assert answer.outcome is not DoorOutcome.ENTERED
    results = venue.sync(0)
    assert results[0].pushed >= 1 and results[0].waiting == 0
    hub_db = venue.hub_db()
    try:
        with hub_db.begin() as session:
            codes = [c for c in session.scalars(select(ScanLogRow.code).where(ScanLogRow.desk == "door Europa"))]
    finally:
        hub_db.close()
    assert len(codes) == 1 and codes[0].startswith("evil\\u0000code\\ud800") and len(codes[0]) <= 512


def test_a_room_renamed_after_its_doors_scanned_takes_its_door_history_to_every_station(venue) -> None:
    from desk.services.rooms import programme as edit

    first, second, third = venue.stations
    venue.sync()
    codes = [venue.codes[f"HUB-00{n}"] for n in (50, 51)]
    for n, code in enumerate(codes):
        assert scan(second, code, "Entrance 2", at("10:30", n)).outcome is ScanOutcome.WELCOME
    assert Rooms(second).scan("Europa", codes[0], at("11:00"), "door Europa").outcome is DoorOutcome.ENTERED
    venue.sync(1, 0, 2)
    # the third station's door scans into "Europa" before it hears of the rename
    assert Rooms(third).scan("Europa", codes[1], at("11:05"), "door Europa").outcome is DoorOutcome.ENTERED
    renamed = edit.save_room(first, "Europa", {"room": "Europa Hall", "capacity": 90, "full_policy": "refuse"})
    assert renamed.ok
    assert edit.save_room(first, "Atrium", {"room": "Atrium", "capacity": 33, "full_policy": "warn"}).ok
    venue.sync()
    results = venue.sync()
    assert all(r.waiting == 0 for r in results)  # nothing stuck
    assert all(r.pushed == 0 for r in venue.sync())  # and nobody publishes the old programme back
    hub_db = venue.hub_db()
    try:
        for db in (first, second, third, hub_db):
            with db.begin() as session:
                assert set(session.scalars(select(DoorEventRow.room))) == {"Europa Hall"}
            rooms = {r.room: r for r in Rooms(db, keys={}).status(at("11:30"))}
            assert "Europa" not in rooms
            assert (rooms["Europa Hall"].capacity, rooms["Europa Hall"].occupancy) == (90, 2)
            assert rooms["Atrium"].capacity == 33  # later changes arrive too
    finally:
        hub_db.close()
