"""Migration 0009: ticket codes become unique; codes already shared stay with one holder."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.exc import IntegrityError

from desk.store import registrations as repo
from desk.store.db import open_database
from desk.store.migrate import alembic_config

UTC = dt.timezone.utc
_REG = sa.table("registration", *(sa.column(c) for c in (
    "registration_id", "status", "first_name", "last_name", "email", "organisation", "country", "category",
    "days", "ticket_code", "search_text", "sort_key")), sa.column("portal_updated_at", sa.DateTime),
    sa.column("synced_at", sa.DateTime))


def _row(rid: str, code: str, status: str = "validated", updated: dt.datetime | None = None) -> dict:
    return {"registration_id": rid, "status": status, "first_name": "Anna", "last_name": rid, "email": "",
            "organisation": "", "country": "BE", "category": "speaker", "days": "", "ticket_code": code,
            "search_text": rid.lower(), "sort_key": rid.lower(), "portal_updated_at": updated,
            "synced_at": dt.datetime(2016, 11, 1)}


ROWS = [
    # T-1: a cancelled registration stored first, the validated one later: the validated keeps it
    _row("A-001", "T-1", "cancelled", dt.datetime(2016, 10, 1)), _row("A-002", "T-1", "validated", dt.datetime(2016, 9, 1)),
    # T-2: two validated: the one the portal updated last keeps it
    _row("B-001", "T-2", "validated", dt.datetime(2016, 9, 1)), _row("B-002", "T-2", "validated", dt.datetime(2016, 10, 1)),
    # T-3: no update times: the one stored first keeps it
    _row("C-001", "T-3", "pending"), _row("C-002", "T-3", "pending"), _row("C-003", "T-3", "pending"),
    # codes nobody shares, and empty codes (many may have none)
    _row("D-001", "T-4"), _row("E-001", ""), _row("E-002", ""),
]


def _upgrade_with_shared_codes(url: str) -> None:
    """Bring a new database to 0007 (before the index), store ROWS, then upgrade to every head."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0007")
            conn.execute(sa.insert(_REG), ROWS)
            command.upgrade(cfg, "heads")
    finally:
        engine.dispose()


def _check(url: str) -> None:
    _upgrade_with_shared_codes(url)
    db = open_database(url)
    try:
        with db.begin() as session:
            codes = {rid: r.ticket_code for rid, r in repo.registrations_by_id(session).items()}
            log = {e["registration_id"]: e for e in repo.sync_log(session)}
            holder = repo.find_by_ticket_code(session, "T-3")
        assert codes == {"A-001": "", "A-002": "T-1", "B-001": "", "B-002": "T-2", "C-001": "T-3", "C-002": "",
                         "C-003": "", "D-001": "T-4", "E-001": "", "E-002": ""}
        assert holder.registration_id == "C-001"
        assert set(log) == {"A-001", "B-001", "C-002", "C-003"}
        assert log["A-001"]["changes"] == {"ticket_code": ["T-1", ""]}
        assert log["A-001"]["source"] == "desk upgrade 0009: ticket code kept by A-002"
        with pytest.raises(IntegrityError), db.begin() as session:
            session.execute(sa.update(_REG).where(_REG.c.registration_id == "D-001").values(ticket_code="T-1"))
    finally:
        db.close()


def test_shared_codes_keep_one_holder_on_sqlite(tmp_path) -> None:
    _check(f"sqlite:///{tmp_path / 'old.sqlite'}")


@pytest.mark.hub
def test_shared_codes_keep_one_holder_on_postgresql(pg_url) -> None:
    _check(pg_url)


def test_ticket_lookups_use_the_ticket_code_index(db) -> None:
    """A check-in by ticket code is an index search, not a walk over every registration."""
    from sqlalchemy import select

    from desk.store import registrations as repo

    lookups = [
        select(*repo._REG_COLUMNS).where(repo.RegistrationRow.ticket_code == "T-1", repo._HAS_TICKET),
        select(repo.RegistrationRow.ticket_code).where(repo.RegistrationRow.ticket_code.in_(["T-1", "T-2"]),
                                                       repo._HAS_TICKET),
    ]
    with db.begin() as session:
        conn = session.connection()
        for query in lookups:
            sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
            plan = " ".join(row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
            assert "uq_registration_ticket_code" in plan, plan
