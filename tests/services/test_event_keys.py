"""Keys belong to one event, not to its name: two databases whose events share a name,
on one desk, get keys of their own, and a badge of one is forged at the other."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from sqlalchemy import update

from desk.core.checkin.decision import ScanOutcome
from desk.services.demo.event import EVENT_TZ
from desk.core.badges.codes import Rejection
from desk.services.badges import codes as bc
from desk.services.checkin import entrance as checkin
from desk.services.demo.event import install_demo
from desk.services.badges.keys import KeyFileError, create_keys, key_path, load_keys
from desk.store.db import open_database
from desk.store.schema import RegistrationRow

START = dt.date(2016, 11, 30)
CONF1 = dt.datetime(2016, 12, 1, 8, 30, tzinfo=EVENT_TZ)


@pytest.fixture
def two(db, db_template, tmp_path):
    """Two databases of two events that are both called "European Cluster Conference 2016"."""
    path = tmp_path / "second-event.sqlite"
    shutil.copyfile(db_template, path)
    other = open_database(f"sqlite:///{path}")
    people = [r for r in install_demo(db, START).registrations if r.is_attendee]
    install_demo(other, START)
    # at the second event the same registration id is somebody else
    with other.begin() as session:
        session.execute(update(RegistrationRow).where(RegistrationRow.registration_id == people[0].registration_id)
                        .values(first_name="Zofia", last_name="Kowalczyk"))
    yield db, other, people[0].registration_id
    other.close()


def scan(db, code: str):
    keys, problem = checkin.desk_keys(db)
    assert problem == ""
    return checkin.check_in(db, code, "Entrance 1", CONF1, keys)


def test_two_events_with_one_name_get_separate_keys(two):
    first, second, _rid = two
    a = bc.create_event_keys(first)
    b = bc.create_event_keys(second)
    assert a.event != b.event and a.event.startswith("european-cluster-conference-2016-")
    assert a.ref_secret != b.ref_secret
    assert key_path(a.event).is_file() and key_path(b.event).is_file()
    assert bc.load_event_keys(first).event == a.event and bc.load_event_keys(second).event == b.event


def test_a_badge_of_one_event_is_forged_at_the_other(two):
    first, second, rid = two
    a = bc.create_event_keys(first)
    b = bc.ensure_event_keys(second)  # what the demo and the window do: must not adopt a's file
    assert b.event != a.event
    code = bc.code_for(bc.signing_keys(first), rid)
    assert bc.verify_code(first, code).ok
    assert bc.verify_code(second, code).reason is Rejection.BAD_SIGNATURE
    assert scan(second, code).outcome is ScanOutcome.FORGED
    welcome = scan(first, code)
    assert welcome.outcome is ScanOutcome.WELCOME and welcome.registration.last_name != "Kowalczyk"
    # and the other way round, with the second event's own badge for "the same" id
    theirs = bc.code_for(bc.signing_keys(second), rid)
    assert theirs != code
    assert scan(second, theirs).registration.last_name == "Kowalczyk"
    assert scan(first, theirs).outcome is ScanOutcome.FORGED


def test_a_database_without_keys_never_signs_with_a_file_of_the_same_name(two):
    first, second, _rid = two
    a = bc.create_event_keys(first)
    with pytest.raises(bc.CannotIssue) as refused:
        bc.signing_keys(second)
    assert "has no badge keys yet" in str(refused.value) and f"{a.event}.json" in str(refused.value)
    with second.begin() as session:
        assert not session.scalars(RegistrationRow.__table__.select().where(
            RegistrationRow.badge_ref.is_not(None))).first()
    with pytest.raises(KeyFileError, match="belongs to another event"):
        bc.import_event_keys(first, key_path(bc.create_event_keys(second).event))


def test_an_old_key_file_named_after_the_event_keeps_working(two, tmp_path):
    first, second, rid = two
    # a desk set up before: the file is named after the event and the database recorded that name
    legacy = create_keys(bc.key_name(bc.event_of(first)))
    assert legacy.event == "european-cluster-conference-2016"
    exported = tmp_path / "legacy-station.json"
    exported.write_bytes(key_path(legacy.event).read_bytes())
    bc.import_event_keys(first, exported)
    assert bc.signing_keys(first).event == legacy.event
    assert bc.ensure_event_keys(first).event == legacy.event
    code = bc.code_for(legacy, rid)
    assert scan(first, code).outcome is ScanOutcome.WELCOME
    assert json.loads(key_path(legacy.event).read_text())["event"] == legacy.event
    # the other event with the same name gets its own keys, and the old badge is forged there
    other = bc.ensure_event_keys(second)
    assert other.event != legacy.event and load_keys(legacy.event).ref_secret == legacy.ref_secret
    assert scan(second, code).outcome is ScanOutcome.FORGED
