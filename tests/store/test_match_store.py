"""Matchmaking store: the problem round-trips, schedule versions, publication, presence and outcomes."""

from __future__ import annotations

import datetime as dt

from desk.core.matchmaking.model import Meeting, MeetingRequest, Participant, Schedule, Slot, Unscheduled
from desk.store import matchmaking as store

UTC = dt.timezone.utc
T0 = dt.datetime(2016, 11, 30, 8, 30, tzinfo=UTC)


def _problem(session) -> None:
    store.replace_participants(session, [
        Participant("A", "Silicon Saxony", "Jürgen Müller", "DE", "R1", None),
        Participant("B", "Στρατηγική Ομάδα", "Ελένη", "GR", None, frozenset({1, 2, 5})),
    ])
    store.replace_requests(session, [MeetingRequest("A", "B", 3)])
    store.replace_slots(session, [Slot(1, T0, T0 + dt.timedelta(minutes=20))])


def test_the_problem_round_trips_with_availability_and_links(db) -> None:
    with db.begin() as session:
        _problem(session)
        store.set_tables(session, 7)
    with db.begin() as session:
        people = store.list_participants(session)
        assert people[1].available == frozenset({1, 2, 5}) and people[0].available is None
        assert people[1].name == "Ελένη"
        assert store.participant_for_registration(session, "R1") == "A"
        assert store.list_requests(session) == [MeetingRequest("A", "B", 3)]
        assert store.list_slots(session)[0].start == T0
        assert store.get_tables(session) == 7


def test_dropping_a_participant_drops_their_requests(db) -> None:
    with db.begin() as session:
        _problem(session)
        dropped = store.replace_participants(session, [Participant("A")])
    assert dropped == 1
    with db.begin() as session:
        assert store.list_requests(session) == [] and store.participant_ids(session) == {"A"}


def test_schedule_versions_publication_and_adhoc_meetings(db) -> None:
    schedule = Schedule(1, 2, 2, False, [Meeting("A", "B", 1, 1)], [Unscheduled("A", "C", "no common free slot")])
    with db.begin() as session:
        first = store.save_schedule(session, schedule, 5, T0)
        second = store.save_schedule(session, schedule, 5, T0)
        assert (first, second) == (1, 2)
        assert store.latest_version(session, published=True) is None
        assert store.publish(session, first, T0) and not store.publish(session, 99, T0)
        store.add_adhoc_meeting(session, first, Meeting("C", "D", 1, 2))
    with db.begin() as session:
        assert store.latest_version(session) == 2 and store.latest_version(session, published=True) == 1
        loaded = store.load_schedule(session, 1)
    assert loaded.schedule == schedule and loaded.published_at == T0 and loaded.tables == 5
    assert loaded.adhoc == (Meeting("C", "D", 1, 2),)
    assert [m.table for m in loaded.all_meetings] == [1, 2]


def test_presence_counts_from_a_moment_and_the_latest_outcome_wins(db) -> None:
    meeting = Meeting("A", "B", 1, 1)
    with db.begin() as session:
        store.record_presence(session, "A", T0 - dt.timedelta(days=1), "desk 1")
        store.record_presence(session, "B", T0, "desk 1")
        store.record_outcome(session, meeting, "no_show", "B", T0, "host 3")
        store.record_outcome(session, meeting, "held", None, T0 + dt.timedelta(minutes=5), "host 3")
    with db.begin() as session:
        assert store.present_ids(session, T0) == {"B"}
        outcome = store.latest_outcomes(session)[(("A", "B"), 1)]
    assert outcome.outcome == "held" and outcome.desk == "host 3" and outcome.at == T0 + dt.timedelta(minutes=5)
