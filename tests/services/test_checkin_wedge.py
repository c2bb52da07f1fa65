"""Handheld scanners on AZERTY, QWERTZ or Caps Lock laptops: portal ticket codes are repaired
against the tickets the database holds, on SQLite and on the PostgreSQL hub."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from desk.core.attendees import Status
from desk.core.checkin.decision import ScanOutcome
from desk.services.demo.event import EVENT_TZ
from desk.core.checkin.wedge import mangle
from desk.services.checkin import entrance as svc
from desk.services.demo.event import install_demo
from desk.store import checkins as store
from desk.store.db import open_database
from desk.store.schema import RegistrationRow

MATCH, CONF1 = dt.date(2016, 11, 30), dt.date(2016, 12, 1)


def at(hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(CONF1, dt.time(hh, mm), tzinfo=EVENT_TZ)


@pytest.fixture(params=["sqlite", pytest.param("hub", marks=pytest.mark.hub)])
def database(request, db):
    if request.param == "sqlite":
        yield db
        return
    hub = open_database(request.getfixturevalue("pg_url"))
    yield hub
    hub.close()


@pytest.fixture
def people(database):
    regs = install_demo(database, MATCH, now=dt.datetime.combine(MATCH, dt.time(7), tzinfo=EVENT_TZ)).registrations
    return [r for r in regs if r.status is Status.VALIDATED and (not r.days or CONF1 in r.days)]


def _set_ticket(db, registration_id: str, ticket: str) -> None:
    with db.begin() as session:
        session.execute(update(RegistrationRow).where(RegistrationRow.registration_id == registration_id)
                        .values(ticket_code=ticket))


def _checkins(db, registration_id: str) -> int:
    with db.begin() as session:
        return len(store.checkins_of(session, registration_id))


@pytest.mark.parametrize(("layout", "laptop"), [("be", "AZERTY"), ("fr", "AZERTY"), ("de", "QWERTZ"),
                                                 ("ch", "QWERTZ"), ("ch_fr", "QWERTZ")])
def test_a_ticket_typed_through_the_wrong_layout_welcomes_its_person(database, people, layout, laptop) -> None:
    person = people[0]
    burst = mangle(person.ticket_code, layout)
    assert burst != person.ticket_code  # the ECC2016-… codes do change on every layout

    result = svc.check_in(database, burst + "\r", "d", at(8), from_keyboard=True)

    assert result.outcome is ScanOutcome.WELCOME and result.registration.registration_id == person.registration_id
    assert result.note.startswith("Repaired: ") and laptop in result.note
    assert _checkins(database, person.registration_id) == 1


def test_caps_lock_on_a_lower_case_ticket(database, people) -> None:
    person = people[1]
    _set_ticket(database, person.registration_id, "tkt-8f3a9c-ecc")

    result = svc.check_in(database, mangle("tkt-8f3a9c-ecc", "be").swapcase(), "d", at(8), from_keyboard=True)

    assert result.outcome is ScanOutcome.WELCOME and result.registration.registration_id == person.registration_id
    assert "Caps Lock is on" in result.note and "AZERTY" in result.note


def test_a_burst_two_stored_tickets_could_have_typed_is_refused(database, people) -> None:
    first, second = people[2], people[3]
    # "AM:B" through Swiss QWERTZ and "Q:2B" through Belgian AZERTY both type "AMéB"
    _set_ticket(database, first.registration_id, "AM:B")
    _set_ticket(database, second.registration_id, "Q:2B")

    result = svc.check_in(database, "AMéB", "d", at(8), from_keyboard=True)

    assert result.outcome is ScanOutcome.NOT_READABLE and result.registration is None
    assert result.reason.startswith("This code can be read in more than one way")
    assert _checkins(database, first.registration_id) == _checkins(database, second.registration_id) == 0
    # the same burst from the webcam is no keyboard burst: taken as it is (and unknown)
    assert svc.check_in(database, "AMéB", "d", at(8, 1)).outcome is ScanOutcome.NOT_READABLE


def test_a_clean_ticket_is_not_repaired_and_an_unknown_mangled_one_is_refused(database, people) -> None:
    person = people[4]
    clean = svc.check_in(database, person.ticket_code + "\r\n", "d", at(8), from_keyboard=True)
    assert clean.outcome is ScanOutcome.WELCOME and clean.note == ""

    unknown = svc.check_in(database, mangle("ECC2016-00000000", "be"), "d", at(8, 1), from_keyboard=True)
    assert unknown.outcome is ScanOutcome.NOT_READABLE
    assert "set the scanner or the laptop layout to match" in unknown.reason
