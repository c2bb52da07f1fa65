"""The matchmaking on the day: presence scans, outcomes, a new partner for a freed participant, rounds."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from desk.core.attendees import Event
from desk.core.errors import DeskError
from desk.core.matchmaking.model import Meeting, Schedule, Slot, Unscheduled, pair_key
from desk.services.matchmaking import schedule as match
from desk.services.matchmaking import day as match_day
from desk.services.demo.event import install_demo
from desk.services.demo.matchmaking import install_demo_matchmaking
from desk.store import matchmaking as store
from desk.store import registrations as repo
from tests.services.match_files import PARTICIPANTS, write

UTC = dt.timezone.utc
AT = dt.datetime(2016, 11, 30, 8, 35, tzinfo=UTC)  # 09:35 in Brussels: slot 1


def test_a_portal_ticket_marks_the_linked_participant_present(db) -> None:
    day = dt.date(2016, 11, 30)
    install_demo(db, day)
    installed = install_demo_matchmaking(db, day)
    assert installed.participants == 100 and installed.linked > 10
    with db.begin() as session:
        person = next(p for p in store.list_participants(session) if p.registration_id)
        ticket = repo.get_registration(session, person.registration_id).ticket_code
        stranger = next(r for r in repo.all_registrations(session)
                        if store.participant_for_registration(session, r.registration_id) is None and r.ticket_code)
    answer = match_day.scan_presence(db, ticket + "\r\n", AT, "table host", keys={}, from_keyboard=True)
    assert answer.ok and answer.participant.participant_id == person.participant_id
    assert answer.reason == f"{person.organisation}: arrived (no schedule yet)" and answer.meeting is None
    refused = match_day.scan_presence(db, stranger.ticket_code, AT, "table host", keys={})
    assert not refused.ok and refused.reason == "this person has no meetings at the matchmaking"
    assert not match_day.scan_presence(db, "NOPE-123", AT, "table host", keys={}).ok
    with db.begin() as session:
        assert store.present_ids(session, AT - dt.timedelta(hours=1)) == {person.participant_id}


@pytest.fixture
def scheduled(db, tmp_path):
    # a fixed schedule (the solver may pick another optimum on another run), for an event in Brussels
    with db.begin() as session:
        repo.save_event(session, Event("Matchmaking", "", (dt.date(2016, 11, 30),), timezone="Europe/Brussels"))
    match.import_files(db, write(tmp_path))
    meetings = [Meeting("A", "C", 1, 1), Meeting("B", "E", 1, 2), Meeting("C", "E", 2, 1), Meeting("A", "B", 2, 2),
                Meeting("C", "D", 3, 1)]
    unscheduled = [Unscheduled("B", "C", "x"), Unscheduled("A", "D", "y")]
    with db.begin() as session:
        version = store.save_schedule(session, Schedule(5, 7, 5, True, meetings, unscheduled), 2, AT)
        store.publish(session, version, AT)
    return db


def _meeting_of(state: match_day.DayState, pid: str, slot: int) -> Meeting:
    return next(m for m in state.meetings if m.slot == slot and pid in (m.requester, m.partner))


@pytest.fixture
def all_here(scheduled):
    for pid in ("A", "B", "C", "D", "E"):
        match_day.mark_present(scheduled, pid, AT, "desk")
    return scheduled


def _two_no_shows_in_round_one(db) -> tuple[Meeting, Meeting, match_day.DayState]:
    """C did not come to A-C, B did not come to B-E (A and B meet later anyway)."""
    state = match_day.day_state(db, AT)
    first, second = (m for m in state.meetings if m.slot == 1)
    match_day.record_outcome(db, first, match_day.NO_SHOW, AT, "host", absent="C")
    match_day.record_outcome(db, second, match_day.NO_SHOW, AT, "host", absent="B")
    return first, second, match_day.day_state(db, AT)


def test_two_freed_participants_of_one_round_are_offered_to_each_other(all_here) -> None:
    db = all_here
    first, _second, state = _two_no_shows_in_round_one(db)
    assert state.absent_in(first) == {"C"}
    offer = match_day.offer_partner(state, "A", 1)
    assert (offer.partner, offer.table) == ("E", 1)
    assert offer.why == "their partner is absent too"
    meeting = match_day.accept_offer(db, state, offer, AT, "desk")
    after = match_day.day_state(db, AT)
    assert meeting in after.meetings and (tuple(sorted((meeting.requester, meeting.partner))), 1) in after.adhoc
    # the board shows the round as it now stands: the new meeting, not the two it replaced
    assert after.live_meetings(1) == [meeting]
    assert after.meeting_of("A", 1) == meeting


def test_a_wrong_outcome_is_undone_and_the_log_keeps_both(all_here) -> None:
    db = all_here
    state = match_day.day_state(db, AT)
    first = _meeting_of(state, "A", 1)
    with pytest.raises(DeskError, match="nothing recorded yet"):
        match_day.undo_outcome(db, first, AT, "host")
    match_day.record_outcome(db, first, match_day.HELD, AT, "host")  # meant the next table
    # at the same instant, or from a desk whose clock is behind: the undo still comes last
    undone = match_day.undo_outcome(db, first, AT - dt.timedelta(seconds=3), "host")
    assert undone.outcome == match_day.HELD
    state = match_day.day_state(db, AT)
    assert (pair_key(first.requester, first.partner), 1) not in state.outcomes
    assert state.absent_in(first) == set()
    # the log is append-only: the held and its undo are both there
    with db.begin() as session:
        rows = session.execute(text("SELECT outcome FROM match_outcome ORDER BY at")).scalars().all()
    assert rows == ["held", "undone"]


def test_a_no_show_that_gave_somebody_a_new_partner_is_not_undone(all_here) -> None:
    db = all_here
    first, _second, state = _two_no_shows_in_round_one(db)
    meeting = match_day.accept_offer(db, state, match_day.offer_partner(state, "A", 1), AT, "desk")
    with pytest.raises(DeskError, match=f"a new meeting was arranged in its place at table {meeting.table}"):
        match_day.undo_outcome(db, first, AT, "host")
    # the new meeting's own outcome can be undone
    match_day.record_outcome(db, meeting, match_day.HELD, AT, "host")
    assert match_day.undo_outcome(db, meeting, AT, "host").outcome == match_day.HELD


def test_an_idle_participant_with_an_unscheduled_request_comes_before_anyone_idle(scheduled) -> None:
    db = scheduled
    state = match_day.day_state(db, AT)
    # D is only free in slot 3, where C does not come; A-D was requested but not scheduled
    slot3 = _meeting_of(state, "D", 3)
    freed = "D"
    idle = {"A", "B", "C", "D", "E"} - {slot3.requester, slot3.partner}
    for pid in {freed} | idle:
        match_day.mark_present(db, pid, AT, "desk")
    state = match_day.day_state(db, AT)
    assert state.absent_in(slot3) == ({slot3.requester, slot3.partner} - {freed})
    offer = match_day.offer_partner(state, freed, 3)
    assert offer.partner == "A" and offer.why == "an accepted request that could not be scheduled"


def test_nobody_free_means_no_offer_and_bad_outcomes_are_refused(scheduled) -> None:
    db = scheduled
    state = match_day.day_state(db, AT)
    assert match_day.offer_partner(state, "A", 1) is None  # nobody has arrived
    with pytest.raises(DeskError):
        match_day.record_outcome(db, state.meetings[0], "late", AT, "desk")
    with pytest.raises(DeskError):
        match_day.record_outcome(db, state.meetings[0], match_day.NO_SHOW, AT, "desk", absent="Z")


def test_round_state_before_during_break_and_after() -> None:
    t = dt.datetime(2016, 11, 30, 9, 30, tzinfo=UTC)
    slots = [Slot(2, t + dt.timedelta(minutes=20), t + dt.timedelta(minutes=40)),
             Slot(1, t, t + dt.timedelta(minutes=20)), Slot(3, t + dt.timedelta(minutes=60), t + dt.timedelta(minutes=80))]
    before = match_day.round_state(slots, t - dt.timedelta(minutes=5))
    assert (before.phase, before.next_slot.number, before.remaining_s(t - dt.timedelta(minutes=5))) == ("before", 1, 300)
    on = match_day.round_state(slots, t + dt.timedelta(minutes=25))
    assert (on.phase, on.slot.number, on.next_slot.number) == ("round", 2, 3)
    assert on.remaining_s(t + dt.timedelta(minutes=25, seconds=0.5)) == 15 * 60
    pause = match_day.round_state(slots, t + dt.timedelta(minutes=45))
    assert (pause.phase, pause.slot, pause.next_slot.number) == ("break", None, 3)
    assert match_day.round_state(slots, t + dt.timedelta(hours=3)).phase == "after"


def test_presence_names_the_table_the_partner_and_the_round_in_the_event_zone(db, tmp_path) -> None:
    data = install_demo(db, dt.date(2016, 11, 30))
    reg = next(r for r in data.registrations if r.is_attendee)
    linked = PARTICIPANTS.replace("D,Aerospace Valley,Hélène Girard,FR,,3",
                                  f"D,Aerospace Valley,Hélène Girard,FR,{reg.registration_id},3")
    tmp = write(tmp_path)
    tmp[0].write_text(linked, encoding="utf-8")
    match.import_files(db, tmp)
    meetings = [Meeting("A", "C", 1, 1), Meeting("B", "E", 1, 2), Meeting("C", "D", 3, 1)]
    with db.begin() as session:
        store.publish(session, store.save_schedule(session, Schedule(3, 7, 3, True, meetings, []), 2, AT), AT)
    answer = match_day.scan_presence(db, reg.ticket_code, AT, "table host", keys={})
    assert answer.reason == "Aerospace Valley: arrived — table 1 with Клъстер Мехатроника, round 3 at 10:30"
    assert (answer.meeting, answer.slot.number, answer.partner.participant_id) == (meetings[2], 3, "C")
    during = dt.datetime(2016, 11, 30, 9, 40, tzinfo=UTC)  # 10:40 in Brussels
    answer = match_day.scan_presence(db, reg.ticket_code, during, "table host", keys={})
    assert answer.reason == "Aerospace Valley: arrived — table 1 with Клъстер Мехатроника, round 3, on now until 10:50"
    late = dt.datetime(2016, 11, 30, 9, 55, tzinfo=UTC)
    answer = match_day.scan_presence(db, reg.ticket_code, late, "table host", keys={})
    assert answer.ok and answer.reason == "Aerospace Valley: arrived — no more meetings today"


def test_the_board_finds_an_organisation_by_a_few_letters(scheduled) -> None:
    state = match_day.day_state(scheduled, AT)
    hits, total = match_day.find_tables(state, "saxo", AT)
    assert total == 1 and [h.text for h in hits] == [
        "Silicon Saxony — table 1 with Клъстер Мехатроника, round 1, on now until 09:50"]
    hits, _ = match_day.find_tables(state, "КЛЪ", AT)  # any case, any script
    assert hits[0].organisation == "Клъстер Мехатроника"
    hits, _ = match_day.find_tables(state, "aero", AT)
    assert hits[0].text == "Aerospace Valley — table 1 with Клъстер Мехатроника, round 3 at 10:30"
    hits, total = match_day.find_tables(state, "o", AT, limit=2)
    assert len(hits) == 2 and total == 3
    assert match_day.find_tables(state, "  ", AT) == ([], 0)


def test_a_ticket_typed_through_a_qwertz_laptop_marks_its_participant_present(db) -> None:
    from desk.core.checkin.wedge import mangle

    day = dt.date(2016, 11, 30)
    install_demo(db, day)
    install_demo_matchmaking(db, day)
    with db.begin() as session:
        person = next(p for p in store.list_participants(session) if p.registration_id)
        ticket = repo.get_registration(session, person.registration_id).ticket_code
    assert mangle(ticket, "de") != ticket
    answer = match_day.scan_presence(db, mangle(ticket, "de") + "\r", AT, "table host", keys={}, from_keyboard=True)
    assert answer.ok and answer.participant.participant_id == person.participant_id
