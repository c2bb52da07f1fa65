"""Migration 0012: stored organisation keys recomputed; organisations that now share a key merge."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command

from desk.core.attendees import Event, check_event_rules, stored_organisation_key
from desk.store import registrations as repo
from desk.store.db import open_database
from desk.store.migrate import alembic_config

_ORG = sa.table("organisation", sa.column("id"), sa.column("key"), sa.column("name"))
_REG = sa.table("registration", *(sa.column(c) for c in (
    "registration_id", "status", "first_name", "last_name", "email", "organisation", "organisation_id", "country",
    "category", "days", "ticket_code", "search_text", "sort_key")), sa.column("synced_at", sa.DateTime))

# organisations as the hand-written suffix list keyed them
OLD_ORGS = [
    {"id": 1, "key": "cluster andaluz de robotica sl", "name": "Clúster Andaluz de Robótica S.L."},
    {"id": 2, "key": "cluster andaluz de robotica", "name": "cluster andaluz de robotica"},
    {"id": 3, "key": "robotics", "name": "Robotics Association"},  # "association" was dropped
    {"id": 4, "key": "consorzio polo scarl", "name": "Consorzio Polo S.C.A.R.L."},
    {"id": 5, "key": "cluster andaluz de robotica slu", "name": "CLUSTER ANDALUZ DE ROBOTICA, S.L.U."},
    {"id": 6, "key": "consorzio polo", "name": "Consorzio Polo"},
    {"id": 7, "key": "flanders make", "name": "Flanders Make vzw"},
]


def _reg(rid: str, organisation: str, org_id: int | None) -> dict:
    return {"registration_id": rid, "status": "validated", "first_name": "Ana", "last_name": rid, "email": "",
            "organisation": organisation, "organisation_id": org_id, "country": "ES", "category": "speaker",
            "days": "", "ticket_code": f"T-{rid}", "search_text": rid.lower(), "sort_key": rid.lower(),
            "synced_at": dt.datetime(2016, 11, 1)}


OLD_REGS = [
    _reg("A-1", "Clúster Andaluz de Robótica S.L.", 1), _reg("A-2", "cluster andaluz de robotica", 2),
    _reg("A-3", "CLUSTER ANDALUZ DE ROBOTICA, S.L.U.", 5), _reg("A-4", "cluster andaluz de robotica", 2),
    _reg("B-1", "Robotics Association", 3), _reg("B-2", "Robotics", 3), _reg("B-3", "ROBOTICS ASSOCIATION", 3),
    _reg("C-1", "Consorzio Polo", 6), _reg("C-2", "Consorzio Polo S.C.A.R.L.", 4),
    _reg("D-1", "Flanders Make vzw", 7), _reg("E-1", "", None),
]


def _upgrade_with_old_keys(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0010")
            conn.execute(sa.insert(_ORG), OLD_ORGS)
            if conn.dialect.name == "postgresql":  # ids given by hand: move the sequence past them
                conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('organisation', 'id'), 7)"))
            conn.execute(sa.insert(_REG), OLD_REGS)
            command.upgrade(cfg, "heads")
    finally:
        engine.dispose()


def _check(url: str) -> None:
    _upgrade_with_old_keys(url)
    db = open_database(url)
    try:
        with db.begin() as session:
            conn = session.connection()
            orgs = {oid: (key, name) for oid, key, name in conn.execute(sa.text("SELECT id, key, name FROM organisation"))}
            org_of = dict(conn.execute(sa.text("SELECT registration_id, organisation_id FROM registration")).fetchall())
        robotics = next(oid for oid, (key, _name) in orgs.items() if key == "robotics")
        assert orgs == {
            1: ("cluster andaluz de robotica", "Clúster Andaluz de Robótica S.L."),
            3: ("robotics association", "Robotics Association"),
            4: ("consorzio polo", "Consorzio Polo S.C.A.R.L."),
            7: ("flanders make", "Flanders Make vzw"),
            robotics: ("robotics", "Robotics"),  # no longer one organisation with "Robotics Association"
        }
        assert org_of == {"A-1": 1, "A-2": 1, "A-3": 1, "A-4": 1, "B-1": 3, "B-2": robotics, "B-3": 3,
                          "C-1": 4, "C-2": 4, "D-1": 7, "E-1": None}
        assert all(key == stored_organisation_key(name) for key, name in orgs.values())

        # the 3-per-organisation flag now sees the four spellings of the Andalusian cluster as one
        event = Event("ECC", "Sevilla", (dt.date(2016, 12, 1),), seat_cap=100, per_organisation_cap=2)
        with db.begin() as session:
            candidates, validated = repo.rule_candidates(session, event)
        assert [f.registration_ids for f in check_event_rules(event, candidates, validated)] == [
            ("A-1", "A-2", "A-3", "A-4")]
        # and a new spelling stored after the upgrade joins the kept organisation
        with db.begin() as session:
            ids, new = repo._Organisations(session.connection()).ids(["Cluster Andaluz de Robotica SL"])
        assert ids == {"Cluster Andaluz de Robotica SL": 1} and new == []
    finally:
        db.close()


def test_old_keys_are_recomputed_and_merged_on_sqlite(tmp_path) -> None:
    _check(f"sqlite:///{tmp_path / 'old.sqlite'}")


@pytest.mark.hub
def test_old_keys_are_recomputed_and_merged_on_postgresql(pg_url) -> None:
    _check(pg_url)


def test_a_database_without_organisations_upgrades(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    db = open_database(url)
    try:
        with db.begin() as session:
            assert session.connection().execute(sa.text("SELECT count(*) FROM organisation")).scalar() == 0
    finally:
        db.close()
