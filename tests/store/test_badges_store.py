"""Badge tables: public keys, badge references, the print queue and the print log, on real SQLite."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import IntegrityError

from desk.core.attendees import Category, Registration, Status
from desk.store import badges as repo
from desk.store import registrations as reg_repo
from desk.store.schema import Base

NOW = dt.datetime(2016, 11, 30, 8, 0, tzinfo=dt.timezone.utc)
BADGE_TABLES = {"badge_key", "print_job", "print_log"}


def reg(rid: str, status: Status = Status.VALIDATED, last: str = "Łódź") -> Registration:
    return Registration(rid, status, "Łucja", last, f"{rid}@example.eu", "Politechnika Łódzka", "PL",
                        Category.SPEAKER, ())


@pytest.fixture
def stored(db):
    with db.begin() as session:
        reg_repo.store_registrations(session, [reg("R1", last="Adamska"), reg("R2", last="Zielińska"),
                                               reg("R3", Status.CANCELLED)], [], "test", NOW)
    return db


def test_models_and_migration_agree_for_badge_tables(db):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    mine = [d for d in diff if any(t in repr(d) for t in BADGE_TABLES)]
    assert mine == []


def test_public_keys_are_kept_per_version_and_never_replaced(db):
    with db.begin() as session:
        assert repo.event_key_name(session) is None
        repo.save_public_keys(session, "ecc2016", {1: "AAA="}, NOW)
        repo.save_public_keys(session, "ecc2016", {1: "BBB=", 2: "CCC="}, NOW)
    with db.begin() as session:
        assert repo.public_keys(session) == {1: "AAA=", 2: "CCC="}
        assert repo.event_key_name(session) == "ecc2016"


def test_badge_refs_fill_find_and_stay_unique(stored):
    with stored.begin() as session:
        assert sorted(repo.registrations_without_ref(session)) == ["R1", "R2", "R3"]
        repo.set_badge_refs(session, {"R1": "REFONE", "R2": "REFTWO"})
    with stored.begin() as session:
        assert repo.registrations_without_ref(session) == ["R3"]
        assert repo.find_by_badge_ref(session, "REFTWO") == "R2"
        assert repo.find_by_badge_ref(session, "NOPE") is None
        assert repo.badge_refs(session, ["R1", "R3"]) == {"R1": "REFONE"}
        assert repo.attendee_ids(session) == ["R1", "R2"]  # validated only, by last name
    with pytest.raises(IntegrityError), stored.begin() as session:
        repo.set_badge_refs(session, {"R3": "REFONE"})


def test_jobs_move_through_states_and_list_newest_first(stored):
    with stored.begin() as session:
        first = repo.add_job(session, "R1", "a6", "desk-1", "anna", False, NOW)
        second = repo.add_job(session, "R2", "a6", "desk-2", "ben", False, NOW + dt.timedelta(seconds=1))
    with stored.begin() as session:
        assert repo.next_queued(session, "desk-1").id == first.id
        assert repo.next_queued(session, "desk-1", exclude={first.id}) is None
        repo.set_job_state(session, first.id, "printing", NOW, printer="folder")
        assert repo.interrupted_jobs(session, "desk-1") == [first.id]
        repo.set_job_state(session, first.id, "queued", NOW, error="out of labels", attempted=True)
    with stored.begin() as session:
        listed = repo.jobs(session)
        assert [j.id for j in listed] == [second.id, first.id]
        assert listed[1].name == "Łucja Adamska"
        assert (listed[1].state, listed[1].error, listed[1].attempts, listed[1].printer) == \
            ("queued", "out of labels", 1, "folder")
        assert listed[1].created_at.tzinfo is not None
        assert repo.state_counts(session) == {"queued": 2}
        assert [j.id for j in repo.jobs(session, desk="desk-2")] == [second.id]


def test_a_job_state_outside_the_four_is_refused(stored):
    with pytest.raises(IntegrityError), stored.begin() as session:
        job = repo.add_job(session, "R1", "a6", "desk-1", "", False, NOW)
        repo.set_job_state(session, job.id, "lost", NOW)
        session.flush()


def test_print_log_records_prints_and_reprints(stored):
    with stored.begin() as session:
        job = repo.add_job(session, "R1", "a6", "desk-1", "anna", True, NOW)
        assert not repo.was_printed(session, "R1")
        repo.add_log(session, job, "DESK_PDF", NOW)
    with stored.begin() as session:
        assert repo.was_printed(session, "R1")
        assert repo.printed_ids(session, ["R1", "R2"]) == {"R1"}
        (entry,) = repo.print_log(session, "R1")
    assert entry["desk"] == "desk-1" and entry["user"] == "anna" and entry["reprint"] is True
    assert entry["printer"] == "DESK_PDF" and entry["at"] == NOW
