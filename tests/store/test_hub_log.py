"""The station's log (outbox): every change other stations must learn writes exactly one entry in
the same unit of work, and migration 0014 upgrades and downgrades on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from desk.core.attendees import Status
from desk.core.matchmaking.model import Meeting
from desk.core.rooms.occupancy import DoorEvent, Move
from desk.services.checkin import entrance
from desk.services.demo.event import EVENT_TZ, install_demo
from desk.store import badges as badge_store
from desk.store import checkins as checkin_store
from desk.store import hub
from desk.store import matchmaking as match_store
from desk.store import rooms as room_store
from desk.store.db import open_database
from desk.store.migrate import alembic_config
from desk.store.schema import Base
from desk.store.schema.checkin import CheckinRow
from desk.store.schema.hub import HubLogRow
from desk.store.schema.rooms import RoomRow

MATCH, CONF1 = dt.date(2016, 11, 30), dt.date(2016, 12, 1)
AT = dt.datetime(2016, 12, 1, 9, 0, tzinfo=EVENT_TZ)
HUB_TABLES = {"hub_log", "hub_station", "hub_known", "hub_entry", "hub_member"}
NEW_CHECKIN_COLUMNS = {"station", "stamp", "undone_stamp", "duplicate_of"}


@pytest.fixture
def demo(db):
    return install_demo(db, MATCH, now=AT).registrations


def person(regs):
    return next(r for r in regs if r.status is Status.VALIDATED and CONF1 in r.days)


def log(db) -> list[HubLogRow]:
    with db.begin() as session:
        rows = list(session.scalars(select(HubLogRow).order_by(HubLogRow.n)))
        session.expunge_all()
    return rows


def new_entries(db, before: list[HubLogRow]) -> list[HubLogRow]:
    seen = {r.id for r in before}
    return [r for r in log(db) if r.id not in seen]


def test_a_check_in_and_its_undo_write_one_entry_each_in_their_unit_of_work(db, demo) -> None:
    reg = person(demo)
    before = log(db)
    with db.begin_write() as session:
        checkin_id = checkin_store.record_checkin(session, reg.registration_id, CONF1, AT, "entrance-A")
    [entry] = new_entries(db, before)
    body = json.loads(entry.body)
    assert entry.kind == hub.CHECKIN and not entry.pushed and entry.applied
    assert body["id"] == checkin_id and body["registration_id"] == reg.registration_id and body["day"] == "2016-12-01"
    with db.begin() as session:
        row = session.get(CheckinRow, checkin_id)
        assert row.stamp == entry.stamp and row.duplicate_of is None

    before = log(db)
    with db.begin_write() as session:
        assert checkin_store.mark_undone(session, checkin_id, AT + dt.timedelta(minutes=5), "entrance-A")
    [undo] = new_entries(db, before)
    assert undo.kind == hub.UNDO and json.loads(undo.body)["checkin_id"] == checkin_id
    assert undo.stamp > entry.stamp
    with db.begin() as session:
        assert session.get(CheckinRow, checkin_id).undone_stamp == undo.stamp

    before = log(db)
    with db.begin_write() as session:  # already undone: nothing changes, nothing is logged
        assert not checkin_store.mark_undone(session, checkin_id, AT + dt.timedelta(minutes=6), "entrance-A")
    assert new_entries(db, before) == []


def test_a_door_event_a_print_and_a_meeting_outcome_write_one_entry_each(db, demo) -> None:
    reg = person(demo)
    with db.begin_write() as session:
        session.add(RoomRow(name="Room 1", capacity=10))
    before = log(db)
    with db.begin_write() as session:
        door_id = room_store.add_door_event(session, DoorEvent(AT, "Room 1", reg.registration_id, Move.ENTRY), "door-1")
    [door] = new_entries(db, before)
    assert door.kind == "door" and json.loads(door.body) | {"at": None} == {
        "id": door_id, "at": None, "room": "Room 1", "registration_id": reg.registration_id, "move": "entry",
        "desk": "door-1"}

    before = log(db)
    job = badge_store.PrintJob("job1", reg.registration_id, "a6", "badges-1", "ana", "done", 1, "", False, "PDF",
                               AT, AT)
    with db.begin_write() as session:
        badge_store.add_log(session, job, "PDF", AT)
    [printed] = new_entries(db, before)
    assert printed.kind == "print"
    assert {k: json.loads(printed.body)[k] for k in ("registration_id", "job_id", "printer")} == {
        "registration_id": reg.registration_id, "job_id": "job1", "printer": "PDF"}

    before = log(db)
    with db.begin_write() as session:
        match_store.record_outcome(session, Meeting("P1", "P2", 3, 7), "held", None, AT, "tables")
    [outcome] = new_entries(db, before)
    assert outcome.kind == "outcome"
    assert {k: json.loads(outcome.body)[k] for k in ("requester", "partner", "slot", "outcome")} == {
        "requester": "P1", "partner": "P2", "slot": 3, "outcome": "held"}


def test_a_change_that_fails_or_rolls_back_leaves_no_entry(db, demo) -> None:
    reg = person(demo)
    before = log(db)
    with pytest.raises(IntegrityError), db.begin_write() as session:  # no such registration
        checkin_store.record_checkin(session, "NOBODY", CONF1, AT, "entrance-A")
    with pytest.raises(IntegrityError), db.begin_write() as session:  # not an outcome
        match_store.record_outcome(session, Meeting("P1", "P2", 3, 7), "maybe", None, AT, "tables")
    with pytest.raises(IntegrityError), db.begin_write() as session:  # no such room
        room_store.add_door_event(session, DoorEvent(AT, "Nowhere", reg.registration_id, Move.ENTRY), "door-1")
    with pytest.raises(RuntimeError), db.begin_write() as session:  # the desk gave up after writing
        checkin_store.record_checkin(session, reg.registration_id, CONF1, AT, "entrance-A")
        raise RuntimeError("the unit of work did not finish")
    assert [r.id for r in log(db)] == [r.id for r in before]
    with db.begin() as session:
        assert session.scalar(select(sa.func.count()).select_from(CheckinRow)) == 0


def test_sequence_numbers_increase_per_station_and_ids_are_unique(db, demo) -> None:
    regs = [r for r in demo if r.status is Status.VALIDATED and CONF1 in r.days][:6]
    for i, reg in enumerate(regs):
        result = entrance.check_in(db, reg.ticket_code, "entrance-A", AT + dt.timedelta(minutes=i))
        assert result.checkin_id
        if i % 2:
            assert entrance.undo(db, reg.ticket_code, "entrance-A", AT + dt.timedelta(minutes=i, seconds=30)).undone
    rows = log(db)
    kinds = [r.kind for r in rows]
    assert kinds.count(hub.CHECKIN) == 6 and kinds.count(hub.UNDO) == 3 and kinds.count("scan") == 9
    assert len({r.station for r in rows}) == 1
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert [r.stamp for r in rows] == sorted(r.stamp for r in rows) and len({r.stamp for r in rows}) == len(rows)
    assert len({r.id for r in rows}) == len(rows)
    with db.begin() as session:
        info = hub.station_info(session)
    assert info.logged == info.unpushed == len(rows) and info.station == rows[0].station


# --- migration 0014 ----------------------------------------------------------------------------

def _shape(url: str) -> tuple[set[str], set[str]]:
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        return set(inspector.get_table_names()), {c["name"] for c in inspector.get_columns("checkin")}
    finally:
        engine.dispose()


def _active_index(url: str) -> str:
    """How the database defines the one-active-check-in index (its WHERE clause included)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                return conn.scalar(sa.text("SELECT sql FROM sqlite_master WHERE name = 'uq_checkin_active'"))
            return conn.scalar(sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = 'uq_checkin_active'"))
    finally:
        engine.dispose()


def _model_differences(url: str) -> list:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={
                "compare_type": True,
                "include_object": lambda obj, name, type_, *_: not (type_ == "table" and name.startswith("registration_fts"))})
            return compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()


def _migrate(url: str, how, target: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            how(cfg, target)
    finally:
        engine.dispose()


def _round_trip(url: str) -> None:
    db = open_database(url)  # at head
    regs = install_demo(db, MATCH, now=AT).registrations
    first, second = [r for r in regs if r.status is Status.VALIDATED and CONF1 in r.days][:2]
    with db.begin_write() as session:
        kept = checkin_store.record_checkin(session, first.registration_id, CONF1, AT, "entrance-A")
        stood = checkin_store.record_checkin(session, second.registration_id, CONF1, AT, "entrance-A")
        # what another station's check-in made while apart becomes: kept, never active
        session.add(CheckinRow(id="dup1", registration_id=second.registration_id, day=CONF1, at=AT, desk="b",
                               station="entrance-B", stamp="1" * 19, duplicate_of=stood))
    db.close()
    tables, columns = _shape(url)
    assert HUB_TABLES <= tables and NEW_CHECKIN_COLUMNS <= columns
    assert "duplicate_of IS NULL" in _active_index(url)

    _migrate(url, command.downgrade, "0013")
    tables, columns = _shape(url)
    assert not HUB_TABLES & tables and not NEW_CHECKIN_COLUMNS & columns
    assert "undone_at IS NULL" in _active_index(url) and "duplicate_of" not in _active_index(url)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            assert set(conn.scalars(sa.text("SELECT id FROM checkin"))) == {kept, stood}  # the duplicate went
            versions = set(conn.scalars(sa.text("SELECT version_num FROM alembic_version")))
            assert "0014" not in versions and {"0013", "0015"} <= versions  # both branches 0014 merged
            with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():  # one active check-in per day again
                conn.execute(sa.text("INSERT INTO checkin (id, registration_id, day, at, desk) "
                                     "VALUES ('again', :r, :d, :at, 'x')"),
                             {"r": first.registration_id, "d": CONF1, "at": AT})
    finally:
        engine.dispose()

    _migrate(url, command.upgrade, "heads")
    tables, columns = _shape(url)
    assert HUB_TABLES <= tables and NEW_CHECKIN_COLUMNS <= columns
    assert "duplicate_of IS NULL" in _active_index(url)
    assert _model_differences(url) == []  # down and up again: the schema the models describe
    db = open_database(url)
    try:
        with db.begin() as session:
            rows = {r.id: (r.station, r.stamp, r.duplicate_of) for r in session.scalars(select(CheckinRow))}
        assert rows == {kept: ("", "", None), stood: ("", "", None)}
        with db.begin_write() as session:  # the station's log works on the upgraded database
            checkin_store.mark_undone(session, kept, AT + dt.timedelta(minutes=1), "entrance-A")
        assert [r.kind for r in log(db)] == [hub.UNDO]
    finally:
        db.close()


def test_migration_0014_downgrades_and_upgrades_on_sqlite(tmp_path) -> None:
    _round_trip(f"sqlite:///{tmp_path / 'station.sqlite'}")


@pytest.mark.hub
def test_migration_0014_downgrades_and_upgrades_on_postgresql(pg_url) -> None:
    _round_trip(pg_url)


# --- the same merge order everywhere -------------------------------------------------------------

def _station(path) -> tuple:
    db = open_database(f"sqlite:///{path}")
    return db, install_demo(db, MATCH, now=AT).registrations


def _entries(db) -> list[hub.Entry]:
    with db.begin() as session:
        return [hub.Entry(r.id, r.station, r.station_name, r.seq, r.stamp, r.kind, r.body)
                for r in session.scalars(select(HubLogRow).where(HubLogRow.kind == hub.CHECKIN))]


def test_a_check_in_keeps_the_station_of_its_entry_so_every_station_orders_alike(tmp_path, monkeypatch) -> None:
    """Two check-ins of one person with the same stamp: one made before its station joined a hub
    (no station name yet), one at a station named "0". Every database must order them alike."""
    same = "1480579200000000000"
    monkeypatch.setattr(hub, "next_stamp", lambda last, now: same)  # both laptops at the same millisecond
    (early, regs), (named, _), (third, _) = (_station(tmp_path / f"{n}.sqlite") for n in ("early", "named", "third"))
    rid = person(regs).registration_id
    try:
        with early.begin() as session:
            mine = checkin_store.record_checkin(session, rid, CONF1, AT, "A1")  # before joining any hub
        with named.begin() as session:
            hub.join(session, "postgresql://hub.invalid/desk", "0")
            theirs = checkin_store.record_checkin(session, rid, CONF1, AT, "B1")
        from_early, from_named = _entries(early), _entries(named)
        assert [e.station_name for e in from_early] == [""]
        with early.begin() as session:
            assert session.get(CheckinRow, mine).station == ""  # as its entry says, not its desk
            assert hub.receive(session, from_named) == 1
        with named.begin() as session:
            assert hub.receive(session, from_early) == 1
        with third.begin() as session:
            assert hub.receive(session, from_early + from_named) == 2
        decided = []
        for db in (early, named, third):
            with db.begin() as session:
                decided.append({r.id: r.duplicate_of for r in session.scalars(select(CheckinRow))})
        assert decided[0] == decided[1] == decided[2] == {mine: None, theirs: mine}  # "" before "0"
        with third.begin() as session:  # shown by its desk while it has no station name
            [found] = hub.duplicates(session)
        assert [(c.station, c.desk) for c in found.checkins] == [("A1", "A1"), ("0", "B1")]
    finally:
        for db in (early, named, third):
            db.close()


def test_a_station_file_moved_elsewhere_takes_a_new_id_and_still_pushes_what_it_logged(tmp_path, db_template) -> None:
    import shutil

    first = tmp_path / "laptop-1.sqlite"
    shutil.copyfile(db_template, first)
    db = open_database(f"sqlite:///{first}")
    with db.begin_write() as session:
        before = hub.append(session, "note", {"n": 1})
    with db.begin() as session:
        station = hub.station_info(session).station
    db.close()
    db = open_database(f"sqlite:///{first}")  # opened again where it lives: the same station
    with db.begin() as session:
        assert hub.station_info(session).station == station
    db.close()

    moved = tmp_path / "elsewhere" / "desk.sqlite"
    moved.parent.mkdir()
    shutil.move(first, moved)
    db = open_database(f"sqlite:///{moved}")
    try:
        with db.begin_write() as session:
            after = hub.append(session, "note", {"n": 2})
        with db.begin() as session:
            info = hub.station_info(session)
            waiting = hub.unpushed(session, 10)
        assert info.station != station and after.station == info.station and after.seq == 1
        assert [e.id for e in waiting] == [before.id, after.id]  # the entry logged before the move goes up too
        assert info.unpushed == 2
    finally:
        db.close()
