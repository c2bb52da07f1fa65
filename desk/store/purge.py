"""Repository functions for the purge after an event: anonymous counts, and emptying the
tables that hold personal data on a server database.

Every function receives an open unit of work (a Session) or a connection; none creates one.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import MetaData, delete, distinct, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from desk.store.schema.checkin import CheckinRow

KEPT_TABLES = frozenset({
    "alembic_version",   # the schema version: the database stays usable after a purge
    "event",             # name, venue, days, time zone
    "event_category",    # labels and colours of the attendee categories
    "room",              # rooms and capacities
    "programme_session",  # the programme
    "badge_key",         # public keys (the private ones live in key files, which go)
    "match_slot",        # matchmaking time slots
    "match_settings",    # number of tables
})
"""Tables without personal data. Every other table is emptied by a purge, so a table that a
later capability adds (votes, awards) is emptied too unless it is named here."""


def attendance_per_day(session: Session) -> dict[str, int]:
    """People checked in per event day (undone check-ins left out), by ISO date."""
    rows = session.execute(select(CheckinRow.day, func.count(distinct(CheckinRow.registration_id)))
                           .where(CheckinRow.undone_at.is_(None), CheckinRow.duplicate_of.is_(None))
                           .group_by(CheckinRow.day).order_by(CheckinRow.day))
    return {(day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))).isoformat(): int(n)
            for day, n in rows}


def personal_tables(connection: Connection) -> list[str]:
    """Names of the tables a purge empties, children before parents (foreign keys)."""
    found = MetaData()
    found.reflect(connection)
    return [t.name for t in reversed(found.sorted_tables) if t.name not in KEPT_TABLES]


def empty_personal_tables(engine: Engine) -> dict[str, int]:
    """Delete every row of the personal tables in one transaction, then VACUUM FULL them on
    PostgreSQL so the deleted rows do not stay in the table files. Returns rows deleted per table.
    """
    deleted: dict[str, int] = {}
    found = MetaData()
    with engine.begin() as conn:
        found.reflect(conn)
        for table in reversed(found.sorted_tables):
            if table.name not in KEPT_TABLES:
                deleted[table.name] = conn.execute(delete(table)).rowcount or 0
    if engine.dialect.name == "postgresql":
        # VACUUM cannot run inside a transaction block
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for name in deleted:
                conn.exec_driver_sql(f'VACUUM FULL "{name}"')
    return deleted
