"""One write path for registrations: the columns come from the table, the values are stored as
SQLAlchemy's own column types write them, and organisation ids come from one allocator on both
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import sqlite

from desk.core.attendees import Category, Event, Registration, Status
from desk.store import bulkload
from desk.store import registrations as repo
from desk.store.db import open_database
from desk.store.schema import OrganisationRow, RegistrationRow

UTC = dt.timezone.utc
NOW = dt.datetime(2016, 11, 28, 8, 0, tzinfo=UTC)
CET = dt.timezone(dt.timedelta(hours=1))


def _reg(rid: str, organisation: str, updated: dt.datetime | None) -> Registration:
    return Registration(registration_id=rid, status=Status.VALIDATED, first_name="Łukasz", last_name="Wójcik",
                        email=f"{rid.lower()}@example.eu", organisation=organisation, country="PL",
                        category=Category.SPEAKER, days=(dt.date(2016, 12, 1),), ticket_code=f"T-{rid}",
                        updated_at=updated)


PEOPLE = [
    _reg("R1", "Klaster Łódź Sp. z o.o.", dt.datetime(2016, 11, 20, 10, 0, tzinfo=UTC)),  # whole seconds
    _reg("R2", "klaster lodz", dt.datetime(2016, 11, 20, 10, 0, 0, 5, tzinfo=CET)),  # another zone, microseconds
    _reg("R3", "", None),
    _reg("R4", "Silicon Saxony e.V.", dt.datetime(2016, 11, 21, 9, 30, tzinfo=UTC)),
]


def test_the_row_shape_covers_exactly_the_columns_a_sync_writes():
    values = repo._values(PEOPLE[0], 7, NOW, "digest")
    table_columns = {c.key for c in RegistrationRow.__table__.columns}
    assert set(values) == set(repo._SYNCED_COLUMNS) == table_columns - {"id", "badge_ref"}


def test_sqlite_stores_times_in_the_text_sqlalchemy_writes(db):
    with db.begin() as session:
        # the event's deadline goes through the ORM: the same column type as the registrations' times
        repo.save_event(session, Event(name="ECC", venue="", days=(dt.date(2016, 12, 1),),
                                       registration_deadline=PEOPLE[1].updated_at))
        repo.store_registrations(session, PEOPLE, [], "test", NOW)
    with db.begin() as session:
        conn = session.connection()
        deadline = conn.exec_driver_sql("SELECT registration_deadline FROM event").scalar()
        stored = dict(conn.exec_driver_sql("SELECT registration_id, portal_updated_at FROM registration").fetchall())
        synced = set(conn.exec_driver_sql("SELECT synced_at FROM registration").scalars())
        logged = set(conn.exec_driver_sql("SELECT at FROM sync_log").scalars())
        back = repo.registrations_by_id(session)
    assert stored["R2"] == deadline == "2016-11-20 09:00:00.000005"
    assert stored["R1"] == "2016-11-20 10:00:00.000000" and stored["R3"] is None
    assert synced == logged == {"2016-11-28 08:00:00.000000"}
    assert [back[p.registration_id] for p in PEOPLE] == PEOPLE


def _organisations(database) -> tuple[list[tuple[int, str]], dict[str, int | None]]:
    with database.begin() as session:
        orgs = [(oid, key) for oid, key in session.execute(
            select(OrganisationRow.id, OrganisationRow.key).order_by(OrganisationRow.id))]
        of = {rid: oid for rid, oid in session.execute(
            select(RegistrationRow.registration_id, RegistrationRow.organisation_id))}
    return orgs, of


def _store_in_two_syncs(database) -> None:
    with database.begin() as session:
        repo.store_registrations(session, PEOPLE[:3], [], "test", NOW)
    moved = replace(PEOPLE[0], organisation="Pôle Aérospace Valley")
    with database.begin() as session:
        repo.store_registrations(session, PEOPLE[3:], [(PEOPLE[0], moved)], "test", NOW)


def _check_allocation(database) -> None:
    orgs, of = _organisations(database)
    assert [key for _, key in orgs] == ["klaster lodz", "silicon saxony", "pole aerospace valley"]
    assert [oid for oid, _ in orgs] == [1, 2, 3]
    assert of == {"R1": 3, "R2": 1, "R3": None, "R4": 2}  # two spellings, one organisation


def test_organisation_ids_on_sqlite(db):
    _store_in_two_syncs(db)
    _check_allocation(db)


@pytest.mark.hub
def test_organisation_ids_on_postgresql_keep_the_id_sequence_ahead(pg_url):
    hub = open_database(pg_url)
    try:
        _store_in_two_syncs(hub)
        _check_allocation(hub)
        with hub.begin() as session:  # an organisation added without an id gets a free one
            session.add(OrganisationRow(key="brainport eindhoven", name="Brainport Eindhoven"))
            session.flush()
            assert session.scalar(select(OrganisationRow.id).where(OrganisationRow.key == "brainport eindhoven")) == 4
    finally:
        hub.close()


def test_the_sqlite_fast_path_writes_times_exactly_as_the_column_type_does():
    dialect = sqlite.dialect()
    column = RegistrationRow.__table__.c.portal_updated_at
    own = column.type.dialect_impl(dialect).bind_processor(dialect)
    fast = bulkload._processor(column, dialect)
    assert fast is not own  # the faster one was taken ...
    rnd = random.Random(13)
    zones = [UTC, CET, dt.timezone(dt.timedelta(hours=-9, minutes=-30)), dt.timezone(dt.timedelta(hours=14))]
    for _ in range(2000):  # ... because it gives the same text
        value = dt.datetime(2000, 1, 1, tzinfo=UTC) + dt.timedelta(seconds=rnd.randrange(3_155_000_000),
                                                                   microseconds=rnd.choice([0, 1, 999_999, 5_000]))
        value = value.astimezone(rnd.choice(zones))
        assert fast(value) == own(value)
    with pytest.raises(ValueError, match="aware"):  # a naive time is refused as the column type refuses it
        fast(dt.datetime(2016, 11, 20, 10, 0))
