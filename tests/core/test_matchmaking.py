"""The matchmaking model, first-fit, table numbers, reasons and schedule differences."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings

from desk.core.errors import DeskError
from desk.core.matchmaking.model import (
    NO_COMMON_SLOT,
    TABLES_TAKEN,
    DuplicatePair,
    MatchmakingError,
    Meeting,
    MeetingRequest,
    OverlappingSlots,
    Participant,
    Problem,
    Schedule,
    SelfMeeting,
    Session,
    Slot,
    UnknownParticipant,
    Unscheduled,
    combinatorial_bound,
    overbooked,
)
from desk.core.matchmaking.plan import assign_tables, augment, compact, complete_schedule, fill, first_fit
from desk.core.matchmaking.review import diff_schedules, schedule_quality
from tests.core.test_matchmaking_support import (
    brute_force_held,
    check_schedule,
    make_problem,
    make_slots,
    small_problems,
)


def reason_of(schedule: Schedule, a: str, b: str) -> str:
    return next(u.reason for u in schedule.unscheduled if {u.requester, u.partner} == {a, b})


# --- validating the input -------------------------------------------------------------


def test_a_request_naming_an_unknown_participant_is_refused() -> None:
    people = (Participant("A"), Participant("B"))
    with pytest.raises(UnknownParticipant, match="request 2: participant Z"):
        Problem(people, (MeetingRequest("A", "B"), MeetingRequest("A", "Z")), Session(make_slots(2), 1))


def test_b_a_duplicates_a_b() -> None:
    with pytest.raises(DuplicatePair, match="request 2: A and B are already paired by request 1"):
        make_problem([("A", "B"), ("B", "A")])


def test_nobody_meets_themself() -> None:
    with pytest.raises(SelfMeeting, match="A cannot meet themself"):
        make_problem([("A", "A")])


def test_a_participant_listed_twice_is_refused() -> None:
    with pytest.raises(MatchmakingError, match="listed twice"):
        Problem((Participant("A"), Participant("A")), (), Session(make_slots(1), 1))


def test_overlapping_slots_are_refused() -> None:
    nine = dt.datetime(2016, 11, 30, 9, 0)
    slots = (Slot(1, nine, nine + dt.timedelta(minutes=20)),
             Slot(2, nine + dt.timedelta(minutes=10), nine + dt.timedelta(minutes=30)))
    with pytest.raises(OverlappingSlots, match="slots 1 and 2 overlap"):
        Session(slots, 3)
    with pytest.raises(OverlappingSlots, match="slot 1 is given twice"):
        Session((slots[0], Slot(1, nine + dt.timedelta(hours=1), nine + dt.timedelta(hours=2))), 3)
    assert issubclass(OverlappingSlots, DeskError)


def test_session_orders_slots_by_time_and_knows_its_breaks() -> None:
    slots = make_slots(4, break_after=[2])
    session = Session((slots[3], slots[0], slots[2], slots[1]), 5)
    assert session.numbers == (1, 2, 3, 4)
    assert session.breaks_after() == (2,)


def test_availability_outside_the_session_is_ignored() -> None:
    problem = make_problem([("A", "B")], slots=2, available={"A": {2, 7}})
    assert problem.available["A"] == frozenset({2})
    assert problem.common == ((2,),)


# --- results ------------------------------------------------------------------------


def test_json_and_summary_line_have_the_agreed_shape() -> None:
    schedule = Schedule(1, 2, 2, False, [Meeting("A", "B", 1, 1)], [Unscheduled("C", "D", NO_COMMON_SLOT)])
    data = schedule.to_json()
    assert set(data) == {"held", "requested", "upper_bound", "optimal", "meetings", "unscheduled"}
    assert data["meetings"] == [{"requester": "A", "partner": "B", "slot": 1, "table": 1}]
    assert data["unscheduled"] == [{"requester": "C", "partner": "D", "reason": "no common free slot"}]
    assert schedule.summary_line() == "held 1 of 2 requested, upper bound 2, optimal no"
    proven = Schedule(1, 1, 1, True, schedule.meetings, [])
    assert proven.summary_line() == "held 1 of 1 requested, upper bound 1, optimal yes"


# --- reasons: one test per reason ----------------------------------------------------


def test_reason_no_common_free_slot() -> None:
    schedule = first_fit(make_problem([("A", "B")], slots=2, available={"A": {1}, "B": {2}}))
    assert schedule.unscheduled == [Unscheduled("A", "B", "no common free slot")]


def test_reason_participant_with_more_meetings_than_free_slots() -> None:
    problem = make_problem([("B", "A"), ("C", "A"), ("D", "A")], slots=2, tables=5)
    schedule = first_fit(problem)
    assert schedule.held == 2
    assert [u.reason for u in schedule.unscheduled] == ["participant A has more accepted meetings than free slots"]
    assert overbooked("A") == schedule.unscheduled[0].reason


def test_reason_counts_only_slots_the_meetings_can_use() -> None:
    # A is free all day, but B and C can only come in slot 1
    problem = make_problem([("A", "B"), ("A", "C")], slots=3, tables=5, available={"B": {1}, "C": {1}})
    assert [u.reason for u in first_fit(problem).unscheduled] == [overbooked("A")]


def test_reason_all_tables_taken() -> None:
    problem = make_problem([("A", "B"), ("C", "D"), ("E", "F")], slots=2, tables=1)
    schedule = first_fit(problem)
    assert schedule.held == 2
    assert [u.reason for u in schedule.unscheduled] == ["all tables are taken in the common slots"]
    assert TABLES_TAKEN == schedule.unscheduled[0].reason


def test_reason_names_the_side_busy_in_the_common_slots() -> None:
    # slot 1 only for B-C; A-B could use slot 1 or 2 but B is taken in 1 and A in 2 (by A-D)
    problem = make_problem([("B", "C"), ("A", "D"), ("A", "B")], slots=2, tables=3,
                           available={"C": {1}, "D": {2}})
    schedule = complete_schedule(problem, {0: 1, 1: 2}, 3, optimal=False)
    assert schedule.held == 2
    assert reason_of(schedule, "A", "B") in (overbooked("A"), overbooked("B"))


# --- first-fit, filling, tables -----------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(small_problems())
def test_first_fit_keeps_every_rule_and_never_beats_brute_force(problem: Problem) -> None:
    schedule = first_fit(problem)
    check_schedule(problem, schedule)
    assert schedule.held <= brute_force_held(problem) <= combinatorial_bound(problem)


@settings(max_examples=60, deadline=None)
@given(small_problems())
def test_fill_leaves_no_meeting_that_still_fits(problem: Problem) -> None:
    slot_of = fill(problem, {})
    busy = {(p, s) for i, s in slot_of.items() for p in (problem.requests[i].requester, problem.requests[i].partner)}
    for i, request in enumerate(problem.requests):
        if i in slot_of:
            continue
        for s in problem.common[i]:
            used = sum(1 for t in slot_of.values() if t == s)
            assert used >= problem.tables or (request.requester, s) in busy or (request.partner, s) in busy


def test_a_busy_participant_keeps_their_table() -> None:
    problem = make_problem([("X", "A"), ("B", "C"), ("X", "D"), ("E", "F"), ("G", "H")], slots=2, tables=3)
    # slot 1: X-A, B-C; slot 2: E-F, G-H, X-D, listed so that X-D would come last
    tables = assign_tables(problem, {0: 1, 1: 1, 3: 2, 4: 2, 2: 2})
    assert tables[0] == tables[2]
    for s in (1, 2):
        used = [tables[i] for i, slot in {0: 1, 1: 1, 3: 2, 4: 2, 2: 2}.items() if slot == s]
        assert len(set(used)) == len(used) and all(1 <= t <= 3 for t in used)


def test_a_published_table_is_kept() -> None:
    problem = make_problem([("A", "B"), ("C", "D")], slots=1, tables=4)
    assert assign_tables(problem, {0: 1, 1: 1}, keep={1: (1, 3)}) == {0: 1, 1: 3}


def test_more_meetings_than_tables_in_a_slot_is_refused() -> None:
    problem = make_problem([("A", "B"), ("C", "D")], slots=1, tables=1)
    with pytest.raises(MatchmakingError, match="slot 1 holds 2 meetings but there are 1 tables"):
        assign_tables(problem, {0: 1, 1: 1})


def test_complete_schedule_refuses_a_slot_one_side_cannot_make() -> None:
    problem = make_problem([("A", "B")], slots=2, available={"A": {1}})
    with pytest.raises(MatchmakingError, match="not both free in slot 2"):
        complete_schedule(problem, {0: 2}, 1, optimal=False)


# --- idle slots ---------------------------------------------------------------------


def test_compaction_closes_an_idle_slot() -> None:
    # first-fit puts A-B (B only in slot 3) first and A-C into slot 1, leaving A idle in slot 2
    problem = make_problem([("A", "B"), ("A", "C")], slots=3, tables=1, available={"B": {3}})
    loose = {0: 3, 1: 1}
    assert schedule_quality(problem, complete_schedule(problem, loose, 2, False)).idle_slots == 1
    tight = compact(problem, loose)
    assert tight == {0: 3, 1: 2}
    assert schedule_quality(problem, first_fit(problem)).idle_slots == 0


@settings(max_examples=60, deadline=None)
@given(small_problems(max_slots=4))
def test_compaction_keeps_the_same_meetings_and_never_adds_idle_slots(problem: Problem) -> None:
    loose = fill(problem, {})
    tight = compact(problem, loose)
    assert tight.keys() == loose.keys()
    before = schedule_quality(problem, complete_schedule(problem, loose, len(loose), False))
    after = schedule_quality(problem, complete_schedule(problem, tight, len(tight), False))
    check_schedule(problem, complete_schedule(problem, tight, len(tight), False))
    assert after.idle_slots <= before.idle_slots


def test_quality_counts_priority_shortfall_and_idle_slots() -> None:
    problem = make_problem([("A", "B", 3), ("A", "C"), ("D", "E")], slots=3, tables=1, available={"B": {3}})
    schedule = complete_schedule(problem, {0: 3, 1: 1}, 3, False)  # D-E fills slot 2; A waits in it
    quality = schedule_quality(problem, schedule, fair_share=1)
    assert (quality.priority, quality.shortfall, quality.idle_slots, quality.least_ratio) == (5, 0, 1, 1.0)


# --- differences after publication ----------------------------------------------------


def test_diff_reports_moves_additions_drops_and_reprints() -> None:
    before = [Meeting("A", "B", 1, 1), Meeting("C", "D", 1, 2), Meeting("E", "F", 2, 1)]
    after = [Meeting("B", "A", 1, 1), Meeting("C", "D", 2, 2), Meeting("G", "H", 3, 1)]
    change = diff_schedules(before, after)
    assert change.moved == [(Meeting("C", "D", 1, 2), Meeting("C", "D", 2, 2))]
    assert change.added == [Meeting("G", "H", 3, 1)]
    assert change.dropped == [Meeting("E", "F", 2, 1)]
    assert change.agendas == ["C", "D", "E", "F", "G", "H"]
    assert change.table_sheets == [1, 2]
    assert not change.unchanged
    assert diff_schedules(before, list(reversed(before))).unchanged


@settings(max_examples=60, deadline=None)
@given(small_problems(max_requests=10, max_slots=4))
def test_augmenting_keeps_every_meeting_and_every_rule(problem: Problem) -> None:
    start = fill(problem, {})
    more = augment(problem, start)
    assert start.keys() <= more.keys()
    check_schedule(problem, complete_schedule(problem, more, len(more), False))


def test_augmenting_moves_a_blocking_meeting() -> None:
    # A-B sits in slot 1, the only slot C and D can both make: A-B moves to slot 2 to let them in
    problem = make_problem([("A", "B"), ("C", "D")], slots=2, tables=1, available={"C": {1}, "D": {1}})
    assert augment(problem, {0: 1}) == {0: 2, 1: 1}
