"""The check-in service on a real SQLite file: answers, storage after commit, scan log, undo, counters."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from desk.core.attendees import Category, Status
from desk.core.checkin.decision import ScanOutcome
from desk.services.demo.event import EVENT_TZ
from desk.core.badges.codes import badge_ref, issue_code
from desk.core.checkin.wedge import mangle
from desk.services.checkin import entrance as svc
from desk.services.badges.codes import key_name_for
from desk.services.demo.event import install_demo
from desk.services.badges.keys import create_keys
from desk.store import checkins as store
from desk.store.schema import RegistrationRow

MATCH, CONF1, CONF2 = dt.date(2016, 11, 30), dt.date(2016, 12, 1), dt.date(2016, 12, 2)


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=EVENT_TZ)


@pytest.fixture
def demo(db):
    return install_demo(db, MATCH, now=at(MATCH, 7)).registrations


def pick(regs, status=Status.VALIDATED, days=None, category=None):
    return next(r for r in regs if r.status is status and (days is None or r.days == days)
                and (category is None or r.category is category))


def scans(db) -> int:
    with db.begin() as session:
        return store.count_scans(session)


def give_badges(db, keys, regs) -> dict[str, str]:
    """Fill badge_ref as the badge desk does and return each registration's signed code."""
    codes = {}
    with db.begin() as session:
        for r in regs:
            ref = badge_ref(keys.ref_secret, r.registration_id)
            session.execute(update(RegistrationRow).where(RegistrationRow.registration_id == r.registration_id)
                            .values(badge_ref=ref))
            codes[r.registration_id] = issue_code(keys.private_keys[1], 1, ref)
    return codes


def test_welcome_then_already_in_with_the_first_desk_and_time(db, demo) -> None:
    person = pick(demo, days=(CONF1, CONF2))
    first = svc.check_in(db, person.ticket_code, "entrance-A", at(CONF1, 8, 30))
    assert first.outcome is ScanOutcome.WELCOME and first.checkin_id
    again = svc.check_in(db, person.ticket_code + "\r\n", "entrance-B", at(CONF1, 9, 15))
    assert again.outcome is ScanOutcome.ALREADY_IN
    doc = again.to_json()
    assert doc["outcome"] == "already_in"
    assert doc["first_checkin"] == {"at": "2016-12-01T08:30:00+01:00", "desk": "entrance-A", "station": None}
    assert doc["person"]["last_name"] == person.last_name
    # the next day is a new day
    assert svc.check_in(db, person.ticket_code, "entrance-A", at(CONF2, 8, 0)).outcome is ScanOutcome.WELCOME


def test_refusals_name_the_reason(db, demo) -> None:
    cases = {
        ScanOutcome.CANCELLED: pick(demo, Status.CANCELLED).ticket_code,
        ScanOutcome.NOT_VALIDATED: pick(demo, Status.PENDING).ticket_code,
        ScanOutcome.UNKNOWN: "ECC2016-NOBODY00",
        ScanOutcome.NOT_READABLE: "D1:not-a-code",
    }
    for outcome, code in cases.items():
        result = svc.check_in(db, code, "d", at(CONF1, 9))
        assert result.outcome is outcome and result.reason and result.checkin_id is None
    assert svc.check_in(db, pick(demo, Status.REJECTED).ticket_code, "d", at(CONF1, 9)).outcome \
        is ScanOutcome.NOT_VALIDATED
    conference_only = pick(demo, days=(CONF1, CONF2), category=Category.PRESS)
    wrong = svc.check_in(db, conference_only.ticket_code, "d", at(MATCH, 9))
    assert wrong.outcome is ScanOutcome.WRONG_DAY and "Thu 01 Dec" in wrong.reason
    assert svc.desk_status(db, at(CONF1, 10)).counters.checked_in == 0
    assert scans(db) == 6


def test_badge_code_and_ticket_name_the_same_attendee(db, demo) -> None:
    keys = create_keys(key_name_for("European Cluster Conference 2016"))
    person = pick(demo)
    code = give_badges(db, keys, [person])[person.registration_id]
    loaded, problem = svc.desk_keys(db)  # the key file: the database holds no keys yet
    assert problem == "" and set(loaded) == {1}
    badge = svc.check_in(db, code, "d", at(CONF1, 8), loaded)
    ticket = svc.check_in(db, person.ticket_code, "d", at(CONF1, 8, 1), loaded)
    assert (badge.outcome, ticket.outcome) == (ScanOutcome.WELCOME, ScanOutcome.ALREADY_IN)
    assert badge.registration == ticket.registration
    forged = code[:-8] + ("AAAAAAAA" if not code.endswith("AAAAAAAA") else "BBBBBBBB")
    assert svc.check_in(db, forged, "d", at(CONF1, 8, 2), loaded).outcome in (
        ScanOutcome.FORGED, ScanOutcome.NOT_READABLE)
    without = svc.check_in(db, code, "d", at(CONF2, 8), {})
    assert without.outcome is ScanOutcome.UNKNOWN and "import the event key" in without.reason


def test_a_scanner_on_an_azerty_laptop_is_repaired_to_the_same_person(db, demo) -> None:
    keys = create_keys("ecc")
    person = pick(demo)
    code = give_badges(db, keys, [person])[person.registration_id]
    result = svc.check_in(db, mangle(code, "be") + "\r", "d", at(CONF1, 8), keys.public_keys, from_keyboard=True)
    assert result.outcome is ScanOutcome.WELCOME and result.registration.registration_id == person.registration_id
    assert "AZERTY" in result.note


def test_no_welcome_when_the_commit_fails(db, demo, monkeypatch) -> None:
    person = pick(demo)

    def broken(session, entry):
        raise OSError("disk full")
    monkeypatch.setattr(store, "append_scan", broken)
    with pytest.raises(OSError):
        svc.check_in(db, person.ticket_code, "d", at(CONF1, 8))
    monkeypatch.undo()
    assert svc.desk_status(db, at(CONF1, 8)).counters.checked_in == 0
    assert svc.check_in(db, person.ticket_code, "d", at(CONF1, 8, 1)).outcome is ScanOutcome.WELCOME


def test_undo_reverses_and_is_logged(db, demo) -> None:
    person = pick(demo)
    svc.check_in(db, person.ticket_code, "d1", at(CONF1, 8))
    undone = svc.undo(db, person.ticket_code, "d2", at(CONF1, 8, 2))
    assert undone.undone is not None and undone.undone.desk == "d1"
    assert undone.to_json()["undone"]["at"] == "2016-12-01T08:00:00+01:00"
    assert svc.desk_status(db, at(CONF1, 9)).counters.checked_in == 0
    assert svc.check_in(db, person.ticket_code, "d1", at(CONF1, 8, 3)).outcome is ScanOutcome.WELCOME
    back = svc.undo_registration(db, person.registration_id, "d1", at(CONF1, 8, 4))
    assert back.undone is not None
    nothing = svc.undo_registration(db, person.registration_id, "d1", at(CONF1, 8, 5))
    assert nothing.undone is None and "no check-in to undo" in nothing.reason
    nobody = svc.undo(db, "ECC2016-NOBODY00", "d1", at(CONF1, 8, 6))
    assert nobody.undone is None and nobody.registration is None
    recent = svc.desk_status(db, at(CONF1, 9)).recent
    assert [r.outcome for r in recent[:5]] == ["undo", "undo", "undo", "welcome", "undo"]


def test_manual_check_in_follows_the_same_rules(db, demo) -> None:
    person = pick(demo, days=(CONF1, CONF2))
    assert svc.check_in_registration(db, person.registration_id, "d", at(CONF1, 8)).outcome is ScanOutcome.WELCOME
    assert svc.check_in_registration(db, person.registration_id, "d", at(CONF1, 9)).outcome \
        is ScanOutcome.ALREADY_IN
    assert svc.check_in_registration(db, person.registration_id, "d", at(MATCH, 9)).outcome is ScanOutcome.WRONG_DAY
    assert svc.check_in_registration(db, "NOPE", "d", at(CONF1, 9, 1)).outcome is ScanOutcome.UNKNOWN
    assert svc.desk_status(db, at(CONF1, 9, 2)).recent[0].code == "manual:NOPE"


def test_counters_recent_scans_and_arrivals(db, demo) -> None:
    today = [r for r in demo if r.is_attendee and (not r.days or CONF1 in r.days)]
    for n, person in enumerate(today[:25]):
        svc.check_in(db, person.ticket_code, "d", at(CONF1, 8, n))
    status = svc.desk_status(db, at(CONF1, 8, 30))
    assert (status.counters.checked_in, status.counters.expected) == (25, len(today))
    assert sum(c.checked_in for c in status.counters.by_category) == 25
    assert len(status.recent) == 20 and status.recent[0].name == today[24].full_name
    assert [(b.start.strftime("%H:%M"), b.count) for b in status.arrivals] == [
        ("08:00", 10), ("08:10", 10), ("08:20", 5), ("08:30", 0)]


def test_five_hundred_hostile_payloads_through_the_database(db, demo) -> None:
    before = scans(db)
    seen = {"n": 0}

    @settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
    @given(payload=st.one_of(st.text(max_size=600), st.binary(max_size=80).map(lambda b: b.decode("latin-1")),
                             st.text(alphabet="D1:ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", max_size=140)),
           keyboard=st.booleans())
    def hostile(payload: str, keyboard: bool) -> None:
        result = svc.check_in(db, payload, "d", at(CONF1, 8), {}, from_keyboard=keyboard)
        seen["n"] += 1
        assert result.outcome is not ScanOutcome.WELCOME
    hostile()
    assert scans(db) == before + seen["n"]
    assert svc.desk_status(db, at(CONF1, 9)).counters.checked_in == 0


def test_the_hub_database_answers_the_same(pg_url) -> None:
    from desk.store.db import open_database

    hub = open_database(pg_url)
    try:
        regs = install_demo(hub, MATCH, now=at(MATCH, 7)).registrations
        person = pick(regs)
        assert svc.check_in(hub, person.ticket_code, "d", at(CONF1, 8)).outcome is ScanOutcome.WELCOME
        assert svc.check_in(hub, person.ticket_code, "d", at(CONF1, 9)).outcome is ScanOutcome.ALREADY_IN
        # PostgreSQL refuses NUL in text: the log keeps an escaped trace instead
        later = at(CONF1, 9) + dt.timedelta(minutes=1)  # the newest scan, not a tie with the one before
        assert svc.check_in(hub, "\x00\ud800evil", "d", later).outcome is ScanOutcome.NOT_READABLE
        assert svc.desk_status(hub, later).recent[0].code == "\\u0000\\ud800evil"
    finally:
        hub.close()


@pytest.mark.parametrize("backend", ["sqlite", "hub"])
def test_two_desks_welcoming_one_person_at_once_store_one_checkin(backend, db, request) -> None:
    """The second desk's welcome loses the race at the database and answers 'already in'."""
    from desk.store import checkins as store
    from desk.store.db import open_database

    target = db if backend == "sqlite" else open_database(request.getfixturevalue("pg_url"))
    try:
        regs = install_demo(target, MATCH, now=at(MATCH, 7)).registrations
        person = pick(regs)
        first = svc.check_in(target, person.ticket_code, "desk A", at(CONF1, 8))
        assert first.outcome is ScanOutcome.WELCOME
        real = store.checkins_of
        calls = {"n": 0}

        def stale(session, rid):
            calls["n"] += 1
            return [] if calls["n"] == 1 else real(session, rid)

        store.checkins_of = stale
        try:
            second = svc.check_in(target, person.ticket_code, "desk B", at(CONF1, 8))
        finally:
            store.checkins_of = real
        assert second.outcome is ScanOutcome.ALREADY_IN
        assert second.first_checkin is not None and second.first_checkin.desk == "desk A"
        with target.begin() as session:
            assert len([c for c in store.checkins_of(session, person.registration_id) if c.undone_at is None]) == 1
    finally:
        if target is not db:
            target.close()
