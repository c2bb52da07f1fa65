"""Badge codes for the event's registrations: keys, references, codes, verification."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from desk.core.attendees import Event
from desk.core.badges.codes import DESK_CODE, Rejection
from desk.services.badges import codes as bc
from desk.services.demo.event import install_demo
from desk.services.badges.keys import KeyFileError, export_keys, key_path
from desk.store import badges as repo
from desk.store import registrations as reg_repo
from desk.store.schema import RegistrationRow

START = dt.date(2016, 11, 30)


@pytest.fixture
def demo(db):
    data = install_demo(db, START)
    return db, data


def test_key_name_is_a_usable_file_name_for_any_event():
    days = (START,)
    assert bc.key_name(Event("European Cluster Conference 2016", "", days)) == "european-cluster-conference-2016"
    assert bc.key_name(Event("Łódź — Δ Forum", "", days)) == "lodz-forum"
    assert bc.key_name(Event("Δημήτρης", "", days)).isascii()


def test_keys_need_an_event(db):
    with pytest.raises(bc.NoEvent):
        bc.create_event_keys(db)


def test_create_fills_every_badge_ref_and_stores_only_public_keys(demo):
    db, data = demo
    keys = bc.create_event_keys(db)
    with db.begin() as session:
        assert repo.registrations_without_ref(session) == []
        assert len(set(repo.badge_refs(session).values())) == len(data.registrations)
        stored = repo.public_keys(session)
    assert list(stored) == [1]
    raw = db.sqlite_path.read_bytes()
    assert keys.ref_secret not in raw
    assert keys.private_keys[1].private_bytes_raw() not in raw


def test_keys_are_made_once_per_event(demo):
    db, _ = demo
    bc.create_event_keys(db)
    with pytest.raises(KeyFileError, match="already has keys"):
        bc.create_event_keys(db)


def test_codes_are_deterministic_verify_and_name_the_attendee(demo):
    db, data = demo
    keys = bc.create_event_keys(db)
    badges = bc.badge_data(db, keys)
    assert len(badges) == sum(r.is_attendee for r in data.registrations)
    first = badges[0]
    assert DESK_CODE.fullmatch(first.code)
    assert bc.code_for(keys, first.registration_id) == first.code
    verdict = bc.verify_code(db, first.code)
    assert verdict.ok and verdict.registration_id == first.registration_id
    forged = first.code[:-4] + ("AAAA" if not first.code.endswith("AAAA") else "BBBA")
    assert bc.verify_code(db, forged).reason in (Rejection.BAD_SIGNATURE, Rejection.MALFORMED)
    assert bc.verify_code(db, "'; DROP TABLE registration; --").reason is Rejection.UNKNOWN_ATTENDEE
    assert bc.verify_code(db, "%s%n\x00").reason is Rejection.MALFORMED


def test_portal_ticket_codes_stay_valid(demo):
    db, data = demo
    bc.create_event_keys(db)
    reg = next(r for r in data.registrations if r.is_attendee and r.ticket_code)
    assert bc.verify_code(db, reg.ticket_code).registration_id == reg.registration_id


def test_registrations_synced_after_the_keys_get_refs_when_badges_are_made(demo):
    db, data = demo
    bc.create_event_keys(db)
    with db.begin() as session:
        session.execute(update(RegistrationRow).values(badge_ref=None))
    keys = bc.signing_keys(db)
    code = bc.badge_data(db, keys)[0].code
    assert bc.verify_code(db, code).ok


def test_badges_only_for_attendees(demo):
    db, data = demo
    keys = bc.create_event_keys(db)
    cancelled = next(r for r in data.registrations if not r.is_attendee)
    with pytest.raises(bc.UnknownAttendees, match=cancelled.registration_id):
        bc.badge_data(db, keys, [cancelled.registration_id])
    with pytest.raises(bc.UnknownAttendees, match="NOBODY"):
        bc.badge_data(db, keys, ["NOBODY"])


def test_a_station_with_public_keys_verifies_but_cannot_issue(demo, tmp_path):
    db, _ = demo
    keys = bc.create_event_keys(db)
    code = bc.code_for(keys, bc.badge_data(db, keys)[0].registration_id)
    station = export_keys(keys, tmp_path / "station.json")
    key_path(keys.event).unlink()  # this desk is now a room door: it never had the signing key
    bc.import_event_keys(db, station)
    with pytest.raises(bc.CannotIssue, match="only the public keys"):
        bc.signing_keys(db)
    assert bc.verify_code(db, code).ok
    with db.begin() as session:
        assert bc.attendee_json_codes(session, reg_repo.search_registrations(session)) == {}


def test_a_desk_without_any_key_file_says_what_to_do(demo):
    db, _ = demo
    keys = bc.create_event_keys(db)
    key_path(keys.event).unlink()
    with pytest.raises(bc.CannotIssue, match="import a key file"):
        bc.signing_keys(db)


def test_another_events_keys_are_refused(demo, tmp_path, monkeypatch):
    db, _ = demo
    bc.create_event_keys(db)
    monkeypatch.setenv("DESK_DATA_DIR", str(tmp_path / "elsewhere"))
    from desk.services.badges.keys import create_keys

    other = export_keys(create_keys("european-cluster-conference-2016"), tmp_path / "other.json")
    monkeypatch.setenv("DESK_DATA_DIR", str(tmp_path / "third"))
    with pytest.raises(KeyFileError, match="differs"):
        bc.import_event_keys(db, other)


def test_attendee_json_hook_gives_the_qr_text_once_there_are_keys(demo):
    db, _ = demo
    with db.begin() as session:
        found = reg_repo.search_registrations(session, limit=3)
        assert bc.attendee_json_codes(session, found) == {}
    keys = bc.create_event_keys(db)
    with db.begin() as session:
        extra = bc.attendee_json_codes(session, found)
    assert {rid: v["badge_code"] for rid, v in extra.items()} == \
        {r.registration_id: bc.code_for(keys, r.registration_id) for r in found}
