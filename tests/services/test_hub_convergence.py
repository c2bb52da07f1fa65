"""Any order of check-ins, undos, cancellations, partitions, heals, syncs and laptop clocks set
wrong converges:
three SQLite stations and one PostgreSQL hub derive the same state once every station is healed and has synced twice, the
state the merge rules (desk.core.hub.resolve_checkins) give for the merged log, and no logged
entry is missing at the hub."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from desk.core.attendees import Status
from desk.core.hub import CheckinFact, next_stamp, resolve_checkins
from desk.services import hub
from desk.services.checkin import entrance
from desk.services.demo.event import EVENT_TZ, install_demo
from desk.store import hub as hub_store
from desk.store import registrations as registration_store
from desk.store.db import Database, open_database
from desk.store.schema.checkin import CheckinRow, ScanLogRow
from desk.store.schema.hub import HubEntryRow, HubLogRow, HubMemberRow

pytestmark = pytest.mark.hub

STATIONS = 3
PEOPLE = 2  # few people, so that stations apart often let the same person in or undo the same check-in
DAYS = (dt.date(2016, 12, 1), dt.date(2016, 12, 2))
DEAD_HUB = "postgresql+psycopg://postgres@127.0.0.1:1/nohub"
FILES = ("", "-wal", "-shm")
SKEWS_MIN = (-120, -3, 0, 0, 45)  # how wrong a laptop's clock may be


class Clocks:
    """Each station's clock error: stamps are taken from the wall clock plus the error of the
    station that is working (desk.store.hub takes every stamp through next_stamp)."""

    def __init__(self) -> None:
        self.skew = [dt.timedelta(0)] * STATIONS
        self.working = 0

    def next_stamp(self, last: str, now: dt.datetime) -> str:
        return next_stamp(last, now + self.skew[self.working])


class Venue:
    """The hub and the stations' files as they are once the event reached every station; each
    example starts from a copy of both (the hub's database copied from it as a template)."""

    def __init__(self, root: Path, template: Path, hub_url: str) -> None:
        self.root, self.base_url = root, make_url(hub_url)
        self.clocks = Clocks()
        hub.init_hub(hub_url)
        self.base = [root / f"base{i}.sqlite" for i in range(STATIONS)]
        dbs = []
        for i, path in enumerate(self.base):
            shutil.copyfile(template, path)
            dbs.append(open_database(f"sqlite:///{path}"))
            hub.join(dbs[i], hub_url, f"station-{i}")
        regs = install_demo(dbs[0], dt.date(2016, 11, 30)).registrations  # the import, at one station
        for db in dbs:  # the others pull it
            hub.sync(db)
        people = [r for r in regs if r.status is Status.VALIDATED and set(DAYS) <= set(r.days)]
        self.tickets = [r.ticket_code for r in people[:PEOPLE]]
        self.people = [r.registration_id for r in people[:PEOPLE]]
        assert len(self.tickets) == PEOPLE
        for db in dbs:
            db.close()
        self.runs = 0
        self.hub_url = ""
        self.hub_db: Database | None = None

    def _admin(self, sql: str) -> None:
        url = self.base_url
        with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(sql)

    def fresh(self) -> list[Path]:
        """Station files for one example, and a hub as it was after the import."""
        self.runs += 1
        self.clocks.skew = [dt.timedelta(0)] * STATIONS
        name = f"{self.base_url.database}_{self.runs}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.base_url.database}"')
        self.hub_url = self.base_url.set(database=name).render_as_string(hide_password=False)
        self.hub_db = open_database(self.hub_url, upgrade=False)
        paths = []
        for i, base in enumerate(self.base):
            path = self.root / f"run{self.runs}-{i}.sqlite"
            for suffix in FILES:
                if Path(f"{base}{suffix}").exists():
                    shutil.copyfile(f"{base}{suffix}", f"{path}{suffix}")
            with sqlite3.connect(path) as conn:
                # the same stations in new files: home '' keeps their ids (a copied file is a new station)
                conn.execute("UPDATE hub_station SET hub_url = ?, home = ''", (self.hub_url,))
            paths.append(path)
        return paths

    def done(self) -> None:
        """Drop the example's hub."""
        if self.hub_db is not None:
            self.hub_db.close()
            self.hub_db = None
            self._admin(f'DROP DATABASE IF EXISTS "{make_url(self.hub_url).database}" WITH (FORCE)')


def _state(db: Database) -> tuple[dict[str, tuple], list[dict], set[tuple]]:
    """What a database derived: each check-in (person, day, which it duplicates, the undo's stamp),
    its duplicate entries and every station's scans."""
    with db.begin() as session:
        rows = {r.id: (r.registration_id, r.day, r.duplicate_of, r.undone_stamp) for r in session.scalars(select(CheckinRow))}
        found = [d.to_json() for d in hub_store.duplicates(session)]
        scans = set(session.execute(select(ScanLogRow.id, ScanLogRow.desk, ScanLogRow.outcome)))
    return rows, found, scans


def _statuses(db: Database, people: list[str]) -> dict[str, str]:
    with db.begin() as session:
        return {rid: registration_store.get_registration(session, rid).status.value for rid in people}


def _expected(hub_db: Database) -> dict[str, tuple]:
    """The check-ins the merge rules derive from the hub's merged log, by desk.core.hub alone."""
    with hub_db.begin() as session:
        entries = list(session.execute(select(HubEntryRow.id, HubEntryRow.kind, HubEntryRow.stamp,
                                              HubEntryRow.station_name, HubEntryRow.body)
                                       .where(HubEntryRow.kind.in_([hub_store.CHECKIN, hub_store.UNDO]))))
    checkins, undone = {}, {}
    for entry in entries:
        body = json.loads(entry.body)
        if entry.kind == hub_store.CHECKIN:
            checkins[body["id"]] = (body["registration_id"], dt.date.fromisoformat(body["day"]), entry.stamp,
                                    entry.station_name)
        else:  # the first undo in merge order is the one that counts
            undone[body["checkin_id"]] = min(entry.stamp, undone.get(body["checkin_id"], entry.stamp))
    groups = defaultdict(list)
    for cid, (rid, day, stamp, station) in checkins.items():
        groups[rid, day].append(CheckinFact(cid, stamp, station, undone.get(cid)))
    out = {}
    for (rid, day), facts in groups.items():
        for cid, dup in resolve_checkins(facts).items():
            out[cid] = (rid, day, dup, undone.get(cid))
    return out


class Stations(RuleBasedStateMachine):
    venue: Venue

    def __init__(self) -> None:
        super().__init__()
        self.paths = self.venue.fresh()
        self.dbs = [open_database(f"sqlite:///{p}") for p in self.paths]
        self.apart: set[int] = set()
        self.minute = 0

    def _at(self, day: int) -> dt.datetime:
        self.minute += 1
        return dt.datetime.combine(DAYS[day], dt.time(8), tzinfo=EVENT_TZ) + dt.timedelta(minutes=self.minute)

    def _point(self, i: int, url: str) -> None:
        with sqlite3.connect(self.paths[i]) as conn:
            conn.execute("UPDATE hub_station SET hub_url = ?", (url,))

    @rule(i=st.integers(0, STATIONS - 1), minutes=st.sampled_from(SKEWS_MIN))
    def set_clock(self, i: int, minutes: int) -> None:
        """Someone sets the laptop's clock wrong (or right again)."""
        self.venue.clocks.skew[i] = dt.timedelta(minutes=minutes)

    @rule(i=st.integers(0, STATIONS - 1), person=st.integers(0, PEOPLE - 1), day=st.integers(0, 1))
    def check_in(self, i: int, person: int, day: int) -> None:
        self.venue.clocks.working = i
        result = entrance.check_in(self.dbs[i], self.venue.tickets[person], f"desk-{i}", self._at(day))
        assert result.outcome.value in {"welcome", "already_in", "cancelled"}

    @rule(i=st.integers(0, STATIONS - 1), person=st.integers(0, PEOPLE - 1), cancel=st.booleans())
    def change_registration(self, i: int, person: int, cancel: bool) -> None:
        """The organiser cancels a registration at one station (or validates it again)."""
        now = dt.datetime.now(dt.timezone.utc)
        with self.dbs[i].begin() as session:
            old = registration_store.get_registration(session, self.venue.people[person])
            new = replace(old, status=Status.CANCELLED if cancel else Status.VALIDATED, updated_at=now)
            registration_store.store_registrations(session, [], [(old, new)], "desk", now)

    @rule(i=st.integers(0, STATIONS - 1), person=st.integers(0, PEOPLE - 1), day=st.integers(0, 1))
    def undo(self, i: int, person: int, day: int) -> None:
        self.venue.clocks.working = i
        entrance.undo(self.dbs[i], self.venue.tickets[person], f"desk-{i}", self._at(day))

    @rule(i=st.integers(0, STATIONS - 1))
    def partition(self, i: int) -> None:
        if i not in self.apart:
            self.apart.add(i)
            self._point(i, DEAD_HUB)  # the station's network is gone: its hub answers no more

    @rule(i=st.integers(0, STATIONS - 1))
    def heal(self, i: int) -> None:
        if i in self.apart:
            self.apart.discard(i)
            self._point(i, self.venue.hub_url)

    @rule(i=st.integers(0, STATIONS - 1))
    def sync(self, i: int) -> None:
        self.venue.clocks.working = i
        db = self.dbs[i]
        with db.begin() as session:
            before = hub_store.station_info(session)
        if i in self.apart:
            with pytest.raises(hub.HubUnreachable):
                hub.sync(db)
            assert hub.station(db) == before  # nothing of the station changed
            return
        result = hub.sync(db, self.venue.hub_db)  # the hub's engine is shared: no new connection per round
        assert result.pushed == before.unpushed + result.published and result.waiting == 0
        after = hub.station(db)
        assert after.unpushed == 0 and after.logged == before.logged + result.published

    @rule()
    def sync_everyone(self) -> None:
        """Every station that can reach the hub syncs (the common case on a good day)."""
        for i in range(STATIONS):
            if i not in self.apart:
                self.sync(i)

    @invariant()
    def one_standing_check_in_per_person_and_day(self) -> None:
        for db in self.dbs:
            with db.begin() as session:
                standing = session.execute(
                    select(CheckinRow.registration_id, CheckinRow.day, func.count())
                    .where(CheckinRow.undone_at.is_(None), CheckinRow.duplicate_of.is_(None))
                    .group_by(CheckinRow.registration_id, CheckinRow.day)).all()
            assert all(n == 1 for _, _, n in standing)

    def teardown(self) -> None:
        try:
            for i in list(self.apart):
                self.heal(i)
            for _ in range(2):
                for i in range(STATIONS):
                    self.sync(i)
            hub_db = self.venue.hub_db
            with hub_db.begin() as session:
                at_hub = set(session.scalars(select(HubEntryRow.id)))
                assert session.scalar(select(func.count()).select_from(HubEntryRow)
                                      .where(HubEntryRow.applied.is_(False))) == 0
                assert session.scalar(select(func.count()).select_from(HubMemberRow)) == STATIONS
                numbers = defaultdict(list)
                for station, seq in session.execute(select(HubEntryRow.station, HubEntryRow.seq)):
                    numbers[station].append(seq)
            for db in self.dbs:  # every entry a station logged, numbered 1, 2, ... with no gap
                info = hub.station(db)
                assert sorted(numbers.pop(info.station, [])) == list(range(1, info.logged + 1))
            assert numbers == {}
            expected = _expected(hub_db)
            hub_state = _state(hub_db)
            assert hub_state[0] == expected
            for db in self.dbs:
                with db.begin() as session:
                    held = set(session.scalars(select(HubLogRow.id)))
                    assert session.scalar(select(func.count()).select_from(HubLogRow)
                                          .where(HubLogRow.applied.is_(False))) == 0
                assert held == at_hub  # no entry missing at the hub, every station holds all
                assert _state(db) == hub_state  # the same check-ins, undos, duplicate entries and scans
                assert _statuses(db, self.venue.people) == _statuses(hub_db, self.venue.people)
        finally:
            for db in self.dbs:
                db.close()
            self.venue.done()


@pytest.fixture
def venue(tmp_path, db_template, pg_url, monkeypatch):
    venue = Venue(tmp_path, db_template, pg_url)
    monkeypatch.setattr(hub_store, "next_stamp", venue.clocks.next_stamp)
    Stations.venue = venue
    yield venue
    venue.done()


def test_two_stations_apart_undo_the_same_check_in(venue) -> None:
    machine = Stations()
    machine.check_in(0, 0, 0)
    machine.sync_everyone()
    machine.partition(0)
    machine.undo(1, 0, 0)  # station 1 undoes it first ...
    machine.undo(0, 0, 0)  # ... and station 0, apart, too: the first undo in merge order counts
    machine.check_in(2, 0, 0)
    machine.teardown()


def test_a_laptop_whose_clock_runs_ahead_loses_the_first_check_in(venue) -> None:
    machine = Stations()
    machine.set_clock(0, 45)
    machine.partition(0)
    machine.check_in(0, 0, 0)  # first in real time, but stamped 45 minutes ahead
    machine.check_in(1, 0, 0)
    machine.set_clock(2, -120)
    machine.heal(0)
    machine.sync_everyone()
    machine.sync_everyone()

    def checkins(i: int) -> dict[str, tuple[str, str | None, str | None, str]]:
        with machine.dbs[i].begin() as session:
            return {r.station: (r.id, r.duplicate_of, r.undone_stamp, r.stamp) for r in session.scalars(select(CheckinRow))}

    first = checkins(0)
    assert first["station-0"][1] == first["station-1"][0] and first["station-1"][1] is None
    assert all(checkins(i) == first for i in (1, 2))
    machine.undo(2, 0, 0)  # a clock two hours behind still stamps the undo after all it has seen
    machine.sync_everyone()
    machine.sync_everyone()
    after = checkins(0)
    assert after["station-1"][2] > after["station-0"][3] > after["station-1"][3]
    assert after["station-0"][1] is None  # the one the undo left stands now: that person is inside
    assert all(checkins(i) == after for i in (1, 2))
    machine.teardown()


def test_a_check_in_after_an_undo_made_elsewhere_while_apart(venue) -> None:
    machine = Stations()
    machine.check_in(0, 1, 1)
    machine.sync_everyone()
    machine.partition(1)
    machine.undo(0, 1, 1)
    machine.sync(0)
    machine.check_in(2, 1, 1)  # station 2 does not know of the undo yet: already in
    machine.sync(2)
    machine.check_in(2, 1, 1)  # now it does: welcome again
    machine.check_in(1, 1, 1)  # station 1 knows nothing: already in
    machine.teardown()


def test_any_order_of_scans_undos_partitions_and_syncs_converges(venue) -> None:
    run_state_machine_as_test(Stations, settings=settings(
        max_examples=15, stateful_step_count=20, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    assert venue.runs >= 15
