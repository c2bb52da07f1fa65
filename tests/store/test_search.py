"""Search over the stored registrations: the word index answers exactly what the store holds."""

from __future__ import annotations

import datetime as dt

import pytest

from desk.core.attendees import Category, Registration, Status
from desk.store import registrations as repo
from desk.store.db import open_database
from desk.store.registrations import _FEW_HITS

NOW = dt.datetime(2016, 11, 2, 9, 0, tzinfo=dt.timezone.utc)


def _person(n: int, last: str, **kw) -> Registration:
    values = {"registration_id": f"S{n:05d}", "status": Status.VALIDATED, "first_name": "Zoë", "last_name": last,
              "email": f"p{n}@cluster.eu", "organisation": "Klaster Łódź", "country": "PL",
              "category": Category.CLUSTER_PRACTITIONER, "days": (dt.date(2016, 12, 1),), "ticket_code": f"T{n}",
              "updated_at": NOW + dt.timedelta(seconds=n)} | kw
    return Registration(**values)


def test_few_and_many_hits_return_the_stored_registrations_in_name_order(db) -> None:
    people = [_person(n, f"Wójcik-{n:05d}") for n in range(_FEW_HITS + 200)]
    people.append(_person(90001, "Nøvák", updated_at=None, days=(), status=Status.PENDING))
    with db.begin() as session:
        repo.store_registrations(session, people, [], "test", NOW)
    with db.begin() as session:
        stored = {r.registration_id: r for r in repo.all_registrations(session)}
        many = repo.search_registrations(session, "wojcik", limit=50)  # more hits than the few-hits path takes
        few = repo.search_registrations(session, "novak", attendees_only=False)
        none = repo.search_registrations(session, "novak")  # pending: not an attendee
    assert [r.registration_id for r in many] == [f"S{n:05d}" for n in range(50)]
    assert all(r == stored[r.registration_id] for r in many)  # stamps, days, enums as stored
    assert few == [stored["S90001"]] and few[0].updated_at is None and few[0].days == ()
    assert none == []


PEOPLE = [
    _person(1, "Шевченко", first_name="Тарас", email="t.shevchenko+ecc@kyiv-cluster.ua", organisation="Кластер Київ",
            registration_id="ECC16-0031"),
    _person(2, "Παπαδόπουλος", first_name="Γιώργος", email="g_papa@athens.gr", organisation="Σύμπραξη Αθηνών",
            registration_id="ECC16-0032"),
    _person(3, "Müller", first_name="Anna", email="anna.muller@example.com", organisation="Łódź Chemia",
            registration_id="ECC16-0107"),
    _person(4, "Samuelsson", first_name="Åsa", email="asa@example.se", organisation="Lodz Sweden",
            registration_id="ECC16-1031"),
    _person(5, "Shevchenko", first_name="Olena", email="olena@example.eu", organisation="Kyiv Hub",
            registration_id="ECC16-0200"),
    _person(6, "Οικονόμου", first_name="Ευάγγελος", email="vangelis@example.gr", organisation="Πάτρα",
            registration_id="ECC16-0201", status=Status.CANCELLED),
]
# query -> the attendees it finds (a cancelled registration is no attendee)
EXPECTED = {
    "shevchenko": ["ECC16-0031", "ECC16-0200"],  # Шевченко by its Latin spelling, Shevchenko as written
    "Шевченко": ["ECC16-0031", "ECC16-0200"],  # and the other way round
    "papadopoulos": ["ECC16-0032"], "papadop": ["ECC16-0032"], "ΠΑΠΑΔΌΠΟΥΛΟΣ": ["ECC16-0032"],
    "giorgos papa": ["ECC16-0032"], "taras shevch": ["ECC16-0031"], "athinon": ["ECC16-0032"],
    "ECC16-0031": ["ECC16-0031"], "ecc16-0107": ["ECC16-0107"], "ECC16-10": ["ECC16-1031"],
    "anna.muller@example.com": ["ECC16-0107"], "g_papa@athens.gr": ["ECC16-0032"],
    "t.shevchenko+ecc@kyiv-cluster.ua": ["ECC16-0031"],
    "lodz": ["ECC16-0107", "ECC16-1031"], "muller": ["ECC16-0107"], "mul": ["ECC16-0107"],
    "MÜLLER": ["ECC16-0107"], "uel": [],  # a word's start, not its middle (Samuelsson)
    "oikonomou": [], "evangelos": [],  # cancelled
    "nobody": [], "": ["ECC16-0031", "ECC16-0032", "ECC16-0107", "ECC16-0200", "ECC16-1031"],
}


def _found(db, query: str, attendees_only: bool = True) -> list[str]:
    with db.begin() as session:
        return sorted(r.registration_id for r in repo.search_registrations(session, query, attendees_only=attendees_only))


@pytest.fixture
def hub(pg_url):
    database = open_database(pg_url)
    yield database
    database.close()


@pytest.mark.parametrize("where", ["sqlite", pytest.param("postgresql", marks=pytest.mark.hub)])
def test_search_finds_by_any_script_id_and_email(where: str, request) -> None:
    db = request.getfixturevalue("db" if where == "sqlite" else "hub")
    with db.begin() as session:
        repo.store_registrations(session, PEOPLE, [], "test", NOW)
    assert {q: _found(db, q) for q in EXPECTED} == EXPECTED
    assert _found(db, "evangelos", attendees_only=False) == ["ECC16-0201"]  # the desk can tell why


@pytest.mark.parametrize("where", ["sqlite", pytest.param("postgresql", marks=pytest.mark.hub)])
def test_an_update_reindexes_the_new_spelling(where: str, request) -> None:
    db = request.getfixturevalue("db" if where == "sqlite" else "hub")
    with db.begin() as session:
        repo.store_registrations(session, PEOPLE, [], "test", NOW)
    renamed = _person(1, "Коваленко", first_name="Тарас", email="t.k@kyiv-cluster.ua", organisation="Кластер Київ",
                      registration_id="ECC16-0031")
    with db.begin() as session:
        repo.store_registrations(session, [], [(PEOPLE[0], renamed)], "test", NOW)
    assert _found(db, "kovalenko") == ["ECC16-0031"]
    assert _found(db, "shevchenko") == ["ECC16-0200"]


@pytest.mark.parametrize("where", ["sqlite", pytest.param("postgresql", marks=pytest.mark.hub)])
def test_an_older_database_gets_the_new_search_text(where: str, tmp_path, request) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    from desk.store.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'old.sqlite'}" if where == "sqlite" else request.getfixturevalue("pg_url")
    engine = create_engine(url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006")
        command.upgrade(cfg, "0007")  # the schema before 0008, without ids or Latin spellings in the search text
        conn.exec_driver_sql(
            "INSERT INTO registration (registration_id, status, first_name, last_name, email, organisation, country, "
            "category, days, ticket_code, search_text, sort_key, synced_at) VALUES ('ECC16-0031', 'validated', "
            "'Тарас', 'Шевченко', 't@kyiv.ua', 'Кластер', 'UA', 'speaker', '', 'T1', "
            "'тарас шевченко кластер t@kyiv.ua', 'шевченко тарас', '2016-11-02 09:00:00.000000')")
        if where == "sqlite":
            conn.exec_driver_sql("INSERT INTO registration_fts(rowid, search_text) "
                                 "SELECT id, search_text FROM registration")
    engine.dispose()
    db = open_database(url)  # upgrades to every head
    try:
        assert _found(db, "шевченко") == _found(db, "shevchenko") == _found(db, "ecc16-0031") == ["ECC16-0031"]
        if where == "sqlite":
            with db.engine.begin() as conn:  # the word index agrees with the table it indexes
                conn.exec_driver_sql("INSERT INTO registration_fts(registration_fts) VALUES ('integrity-check')")
    finally:
        db.close()
