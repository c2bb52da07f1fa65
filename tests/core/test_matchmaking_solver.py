"""The CP-SAT scheduler against brute force and its own bound, re-scheduling and the tables what-if."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desk.core.matchmaking.model import Meeting, MeetingRequest, Problem, Session, combinatorial_bound
from desk.core.matchmaking.plan import first_fit
from desk.core.matchmaking.review import schedule_quality
from desk.core.matchmaking.solver import reschedule, schedule_meetings, tables_needed
from desk.services.demo.matchmaking_instances import benchmark_matchmaking, demo_matchmaking
from tests.core.test_matchmaking_support import brute_force_held, check_schedule, make_problem, small_problems

FAST = {"time_limit_s": 1.0}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_solver_holds_as_many_meetings_as_brute_force(problem: Problem) -> None:
    schedule = schedule_meetings(problem, **FAST)
    check_schedule(problem, schedule)
    best = brute_force_held(problem)
    assert schedule.held == best
    assert schedule.optimal and schedule.upper_bound == best


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems(max_requests=12, max_slots=5, max_tables=3))
def test_every_schedule_keeps_the_rules_on_bigger_random_problems(problem: Problem) -> None:
    for schedule in (first_fit(problem), schedule_meetings(problem, time_limit_s=0.5)):
        check_schedule(problem, schedule)
        assert schedule.held <= combinatorial_bound(problem)


@pytest.mark.parametrize(("participants", "requests", "tables", "seed"), [(40, 120, 8, 1), (60, 200, 10, 2)])
def test_larger_instances_stay_within_the_bound(participants: int, requests: int, tables: int, seed: int) -> None:
    problem = benchmark_matchmaking(participants, requests, tables, slots=12, seed=seed).problem()
    greedy = first_fit(problem)
    schedule = schedule_meetings(problem, time_limit_s=2.0)
    check_schedule(problem, greedy)
    check_schedule(problem, schedule)
    assert greedy.held <= schedule.held <= schedule.upper_bound <= combinatorial_bound(problem)
    assert schedule.upper_bound <= greedy.upper_bound


def test_the_demo_matchmaking_is_proven_optimal() -> None:
    problem = demo_matchmaking().problem()
    schedule = schedule_meetings(problem, time_limit_s=2.0)
    check_schedule(problem, schedule)
    assert schedule.optimal and schedule.held == schedule.upper_bound
    assert schedule.held >= first_fit(problem).held
    assert schedule.summary_line() == f"held {schedule.held} of 300 requested, upper bound {schedule.held}, optimal yes"
    reasons = {u.reason.split(" has ")[0].split(" M")[0] for u in schedule.unscheduled}
    assert reasons <= {"no common free slot", "participant", "all tables are taken in the common slots"}


# --- the goals after "most meetings" ----------------------------------------------------


def test_priority_decides_which_meeting_is_kept() -> None:
    problem = make_problem([("A", "B", 1), ("C", "D", 3), ("E", "F", 1)], slots=1, tables=1)
    schedule = schedule_meetings(problem, **FAST)
    assert [(m.requester, m.partner) for m in schedule.meetings] == [("C", "D")]
    assert {u.reason for u in schedule.unscheduled} == {"all tables are taken in the common slots"}


def test_fairness_gives_everybody_a_meeting_before_a_second_one() -> None:
    # two meetings fit; A-B + A-C leaves D without any, A-D + B-C gives everybody one
    problem = make_problem([("A", "B"), ("A", "C"), ("A", "D"), ("B", "C")], slots=2, tables=1)
    schedule = schedule_meetings(problem, fair_share=1, **FAST)
    assert schedule.held == 2
    assert schedule_quality(problem, schedule, fair_share=1).shortfall == 0
    held_by = {p for m in schedule.meetings for p in (m.requester, m.partner)}
    assert held_by == {"A", "B", "C", "D"}


def test_no_idle_slot_when_one_can_be_avoided() -> None:
    problem = make_problem([("A", "B"), ("A", "C"), ("D", "E")], slots=3, tables=2, available={"B": {3}})
    schedule = schedule_meetings(problem, **FAST)
    assert schedule.held == 3
    assert schedule_quality(problem, schedule).idle_slots == 0


def test_to_json_names_participants_by_id() -> None:
    problem = make_problem([("A", "B"), ("A", "C")], slots=1, tables=2)
    data = schedule_meetings(problem, **FAST).to_json()
    assert data["held"] == 1 and data["requested"] == 2 and data["upper_bound"] == 1 and data["optimal"] is True
    assert data["meetings"][0]["table"] == 1 and data["meetings"][0]["slot"] == 1
    assert data["unscheduled"][0]["reason"] == "participant A has more accepted meetings than free slots"


# --- after publication -----------------------------------------------------------------


def test_rescheduling_keeps_published_meetings_in_place() -> None:
    problem = make_problem([("A", "B"), ("C", "D"), ("A", "C")], slots=3, tables=2)
    published = schedule_meetings(problem, **FAST).meetings
    later = Problem(problem.participants, (*problem.requests, MeetingRequest("B", "D")), problem.session)
    result = reschedule(later, published, **FAST)
    check_schedule(later, result.schedule)
    assert set(published) <= set(result.schedule.meetings)
    assert result.change.moved == [] and result.change.dropped == []
    (added,) = result.change.added
    assert {added.requester, added.partner} == {"B", "D"}
    assert result.change.agendas == ["B", "D"]
    assert result.change.table_sheets == [added.table]


def test_rescheduling_moves_a_published_meeting_only_to_gain_one() -> None:
    problem = make_problem([("A", "B")], slots=2, tables=1, people=["C", "D"], available={"C": {1}, "D": {1}})
    published = [Meeting("A", "B", 1, 1)]
    later = Problem(problem.participants, (*problem.requests, MeetingRequest("C", "D")), problem.session)
    result = reschedule(later, published, **FAST)
    assert result.schedule.held == 2
    assert result.change.moved == [(Meeting("A", "B", 1, 1), Meeting("A", "B", 2, 1))]
    assert result.change.added == [Meeting("C", "D", 1, 1)]
    assert result.change.agendas == ["A", "B", "C", "D"]
    assert result.change.table_sheets == [1]


def test_rescheduling_drops_withdrawn_and_moves_impossible_meetings() -> None:
    problem = make_problem([("A", "B"), ("C", "D"), ("E", "F")], slots=3, tables=3)
    published = [Meeting("A", "B", 1, 1), Meeting("C", "D", 1, 2), Meeting("E", "F", 2, 1)]
    # E-F is withdrawn and D can no longer come in slot 1
    later = make_problem([("A", "B"), ("C", "D")], slots=3, tables=3, people=["E", "F"], available={"D": {2, 3}})
    result = reschedule(later, published, **FAST)
    check_schedule(later, result.schedule)
    assert Meeting("A", "B", 1, 1) in result.schedule.meetings
    assert result.change.dropped == [Meeting("E", "F", 2, 1)]
    ((before, after),) = result.change.moved
    assert before == Meeting("C", "D", 1, 2) and after.slot in (2, 3)
    assert result.change.agendas == ["C", "D", "E", "F"]
    assert problem.requests[0] == later.requests[0]


def test_rescheduling_an_unchanged_problem_changes_nothing() -> None:
    problem = benchmark_matchmaking(30, 80, 6, slots=8, seed=5).problem()
    published = schedule_meetings(problem, time_limit_s=1.0).meetings
    result = reschedule(problem, published, time_limit_s=1.0)
    assert result.change.unchanged
    assert result.schedule.meetings == published


# --- what-if: tables -------------------------------------------------------------------


def test_tables_needed_for_every_feasible_meeting() -> None:
    # two slots: A can hold two of its three meetings, so 7 of 8 meetings on 4 tables
    pairs = [("A", "B"), ("C", "D"), ("E", "F"), ("G", "H"), ("I", "J"), ("K", "L"), ("A", "C"), ("A", "E")]
    problem = make_problem(pairs, slots=2, tables=1)
    answer = tables_needed(problem, **FAST)
    assert answer.held == brute_force_held(problem.with_tables(len(pairs))) == 7
    assert answer.optimal
    assert answer.tables == 4
    assert brute_force_held(problem.with_tables(answer.tables)) == answer.held
    assert brute_force_held(problem.with_tables(answer.tables - 1)) < answer.held


def test_tables_needed_for_the_demo_matchmaking() -> None:
    problem = demo_matchmaking().problem()
    answer = tables_needed(problem, time_limit_s=5.0)
    assert answer.optimal
    assert answer.held == schedule_meetings(problem, time_limit_s=1.0).held
    assert answer.tables <= problem.tables
    fewer = schedule_meetings(problem.with_tables(answer.tables), time_limit_s=1.0)
    assert fewer.held == answer.held


def test_no_requests_no_tables() -> None:
    problem = Problem((), (), Session(make_problem([("A", "B")]).session.slots, 3))
    assert tables_needed(problem).tables == 0
    schedule = schedule_meetings(problem)
    assert (schedule.held, schedule.requested, schedule.upper_bound, schedule.optimal) == (0, 0, 0, True)


def test_quick_mode_settles_the_demo_without_secondary_goals() -> None:
    problem = demo_matchmaking().problem()
    quick = schedule_meetings(problem, time_limit_s=1.0, polish=False)
    check_schedule(problem, quick)
    assert quick.optimal and quick.held == quick.upper_bound


def test_without_tables_nothing_is_held_and_tables_are_blamed() -> None:
    problem = make_problem([("A", "B"), ("C", "D")], slots=2, tables=0)
    schedule = schedule_meetings(problem, **FAST)
    check_schedule(problem, schedule)
    assert (schedule.held, schedule.upper_bound, schedule.optimal) == (0, 0, True)
    assert {u.reason for u in schedule.unscheduled} == {"all tables are taken in the common slots"}
    assert tables_needed(problem, **FAST).tables == 1


def test_published_meeting_at_a_table_that_no_longer_exists_changes_table_only() -> None:
    problem = make_problem([("A", "B"), ("C", "D")], slots=2, tables=1)
    published = [Meeting("A", "B", 1, 1), Meeting("C", "D", 1, 2)]  # printed when there were 2 tables
    result = reschedule(problem, published, **FAST)
    check_schedule(problem, result.schedule)
    assert Meeting("A", "B", 1, 1) in result.schedule.meetings
    assert result.change.moved == [(Meeting("C", "D", 1, 2), Meeting("C", "D", 2, 1))]
    assert result.change.table_sheets == [1, 2]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems(max_requests=8, max_slots=4), st.data())
def test_rescheduling_never_drops_a_published_meeting_that_can_still_be_held(problem: Problem, data: st.DataObject) -> None:
    published = schedule_meetings(problem, time_limit_s=0.5).meetings
    ids = [p.participant_id for p in problem.participants]
    withdrawn = data.draw(st.sets(st.integers(0, max(0, len(problem.requests) - 1))))
    requests = [r for k, r in enumerate(problem.requests) if k not in withdrawn]
    pairs = {frozenset((r.requester, r.partner)) for r in requests}
    for a, b in data.draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=4)):
        if a != b and frozenset((a, b)) not in pairs:
            pairs.add(frozenset((a, b)))
            requests.append(MeetingRequest(a, b))
    later = Problem(problem.participants, tuple(requests), problem.session)
    result = reschedule(later, published, time_limit_s=0.5)
    check_schedule(later, result.schedule)
    still = {frozenset((r.requester, r.partner)) for r in requests}
    kept = {frozenset((m.requester, m.partner)) for m in published} & still
    assert kept <= {frozenset((m.requester, m.partner)) for m in result.schedule.meetings}
    assert result.schedule.held == brute_force_held(later, required=kept)
    change = result.change
    assert len(result.schedule.meetings) == len(published) + len(change.added) - len(change.dropped)
    touched = {p for m in change.added + change.dropped for p in (m.requester, m.partner)}
    touched |= {p for m, _ in change.moved for p in (m.requester, m.partner)}
    assert set(change.agendas) == touched


def test_cancelling_returns_the_best_schedule_so_far() -> None:
    problem = benchmark_matchmaking(100, 300, 20, seed=2).problem()
    asked: list[bool] = []

    def cancelled() -> bool:
        asked.append(True)
        return len(asked) > 3  # the user presses Stop a moment into the polishing

    started = time.monotonic()
    schedule = schedule_meetings(problem, time_limit_s=120.0, cancelled=cancelled)
    assert time.monotonic() - started < 60.0  # far from the limit: the search did stop
    assert len(asked) > 3
    check_schedule(problem, schedule)
    assert schedule.held >= first_fit(problem).held
    answer = tables_needed(problem, time_limit_s=120.0, cancelled=lambda: True)
    assert not answer.optimal and answer.held >= schedule.held
