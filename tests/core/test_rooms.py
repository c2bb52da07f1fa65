"""Occupancy of rooms from door events: never negative, never double-counted; door decisions."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from desk.core.rooms.occupancy import (
    DoorEvent, DoorOutcome, FullPolicy, Headcount, Move, Programme, ProgrammeSession, Room, attendance,
    WrongDayPolicy, decide_door, replay, validate_programme,
)

UTC = dt.timezone.utc
T0 = dt.datetime(2016, 12, 1, 9, 0, tzinfo=UTC)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


ROOMS = (Room("A", 3), Room("B", 2, FullPolicy.WARN), Room("C", 50))
SESSIONS = (
    ProgrammeSession("Skills in A", "Circular economy", "Skills", "A", at(0), at(90)),
    ProgrammeSession("Skills in B", "Key enabling technologies", "Skills", "B", at(0), at(90)),
    ProgrammeSession("Skills in C", "Creative", "Skills", "C", at(0), at(90)),
    ProgrammeSession("Later in A", "Circular economy", "Partnering", "A", at(120), at(180)),
)
PROGRAMME = Programme(ROOMS, SESSIONS)


def entry(minute: float, room: str, who: str) -> DoorEvent:
    return DoorEvent(at(minute), room, who, Move.ENTRY)


def exit_(minute: float, room: str, who: str) -> DoorEvent:
    return DoorEvent(at(minute), room, who, Move.EXIT)


def test_a_person_moving_to_another_room_leaves_the_first() -> None:
    occ = replay(PROGRAMME, [entry(1, "A", "p1"), entry(2, "A", "p2"), entry(3, "B", "p1")])
    assert occ.counts() == {"A": 1, "B": 1, "C": 0}
    assert occ.location("p1") == "B"


def test_scanning_in_twice_counts_once_and_exit_from_elsewhere_is_ignored() -> None:
    occ = replay(PROGRAMME, [entry(1, "A", "p1"), entry(2, "A", "p1"), exit_(3, "B", "p1")])
    assert occ.count("A") == 1 and occ.count("B") == 0


def test_everybody_is_let_out_when_the_session_ends() -> None:
    events = [entry(10, "A", "p1"), entry(11, "A", "p2")]
    assert replay(PROGRAMME, events, until=at(89)).count("A") == 2
    after = replay(PROGRAMME, events, until=at(90))
    assert after.count("A") == 0 and after.location("p1") is None


def test_a_headcount_corrects_the_count_until_the_session_ends() -> None:
    events = [entry(1, "A", "p1"), entry(2, "A", "p2"), entry(20, "A", "p3")]
    occ = replay(PROGRAMME, events, [Headcount(at(10), "A", 1)], until=at(30))
    # two badges, the host counted one (somebody slipped out); one more badge came in since
    assert occ.count("A") == 2
    assert replay(PROGRAMME, events, [Headcount(at(10), "A", 1)], until=at(95)).count("A") == 0


def test_full_room_refuses_and_names_the_parallel_session_with_most_seats() -> None:
    occ = replay(PROGRAMME, [entry(1, "A", f"p{i}") for i in range(3)] + [entry(2, "C", "q")], until=at(5))
    decision = decide_door(PROGRAMME, occ, ROOMS[0], "newcomer", at(5))
    assert decision.outcome is DoorOutcome.ROOM_FULL and decision.record is None
    assert decision.redirect is not None and decision.redirect.room == "C" and decision.redirect.free == 49
    assert "Skills in C" in decision.reason and decision.family == "error"


def test_full_room_with_warn_policy_records_the_entry() -> None:
    occ = replay(PROGRAMME, [entry(1, "B", "p1"), entry(1, "B", "p2")], until=at(5))
    decision = decide_door(PROGRAMME, occ, ROOMS[1], "p3", at(5))
    assert decision.outcome is DoorOutcome.ROOM_FULL and decision.record is Move.ENTRY
    assert decision.family == "warn" and decision.redirect is not None and decision.redirect.room == "C"


def test_second_scan_is_an_exit_but_a_quick_repeat_is_not() -> None:
    occ = replay(PROGRAMME, [entry(1, "A", "p1")], until=at(1.1))
    assert decide_door(PROGRAMME, occ, ROOMS[0], "p1", at(1.1)).record is None
    occ = replay(PROGRAMME, [entry(1, "A", "p1")], until=at(30))
    assert decide_door(PROGRAMME, occ, ROOMS[0], "p1", at(30)).outcome is DoorOutcome.LEFT
    assert decide_door(PROGRAMME, occ, ROOMS[0], "p9", at(30), checked_in=False).outcome is DoorOutcome.NOT_CHECKED_IN


def test_wrong_day_refuses_or_warns_by_policy_and_a_full_room_still_decides_first() -> None:
    why = "Registered for Fri 02 Dec, not for Thu 01 Dec."
    occ = replay(PROGRAMME, [entry(1, "A", "p1")], until=at(5))
    refused = decide_door(PROGRAMME, occ, ROOMS[0], "p9", at(5), wrong_day=why, day_policy=WrongDayPolicy.REFUSE)
    assert (refused.outcome, refused.record, refused.family) == (DoorOutcome.WRONG_DAY, None, "error")
    warned = decide_door(PROGRAMME, occ, ROOMS[0], "p9", at(5), wrong_day=why, checked_in=False)
    assert (warned.outcome, warned.record, warned.family) == (DoorOutcome.WRONG_DAY, Move.ENTRY, "warn")
    assert warned.reason == why + " Entry recorded (warn only)."
    # leaving is always recorded, whatever the day
    assert decide_door(PROGRAMME, occ, ROOMS[0], "p1", at(30), wrong_day=why,
                       day_policy=WrongDayPolicy.REFUSE).outcome is DoorOutcome.LEFT
    full = replay(PROGRAMME, [entry(1, "B", "p1"), entry(1, "B", "p2")], until=at(5))
    decision = decide_door(PROGRAMME, full, ROOMS[1], "p3", at(5), wrong_day=why)
    assert decision.outcome is DoorOutcome.ROOM_FULL and decision.reason.endswith("Also: " + why)
    assert Room("X", 5).day_policy(WrongDayPolicy.REFUSE) is WrongDayPolicy.REFUSE
    assert Room("X", 5, wrong_day_policy=WrongDayPolicy.WARN).day_policy(WrongDayPolicy.REFUSE) is WrongDayPolicy.WARN


def test_attendance_counts_early_arrivals_and_people_who_came_in_during_the_session() -> None:
    events = [entry(110, "A", "early"), entry(150, "A", "late"), entry(10, "A", "morning")]
    seen = attendance(PROGRAMME, events)
    assert seen[SESSIONS[3]] == {"early", "late"}
    assert seen[SESSIONS[0]] == {"morning"}


def test_validation_names_clashes_unknown_rooms_and_days_outside_the_event() -> None:
    clash = ProgrammeSession("Clash", "", "", "A", at(30), at(60))
    lost = ProgrammeSession("Lost", "", "", "Z", at(30), at(60))
    early = ProgrammeSession("Early", "", "", "C", at(-60 * 24), at(-60 * 23))
    problems = validate_programme(ROOMS, [*SESSIONS, clash, lost, early], (T0.date(),), UTC)
    text = "\n".join(problems)
    assert "room 'A' has two sessions at once: 'Skills in A'" in text
    assert "unknown room 'Z'" in text
    assert "'Early' on Wed 30 Nov 2016 is outside the event days" in text
    assert len(problems) == 3


# --- properties ----------------------------------------------------------------------------

PEOPLE = [f"p{i}" for i in range(6)]
events_strategy = st.lists(
    st.builds(lambda m, r, p, mv: DoorEvent(at(m), r, p, mv), st.integers(0, 200), st.sampled_from("ABC"),
              st.sampled_from(PEOPLE), st.sampled_from(list(Move))),
    max_size=60,
)
headcounts_strategy = st.lists(
    st.builds(lambda m, r, c: Headcount(at(m), r, c), st.integers(0, 200), st.sampled_from("ABC"),
              st.integers(-3, 10)), max_size=5)


def _naive_model(events: list[DoorEvent], until: dt.datetime) -> dict[str, set[str]]:
    """Where each person is, the slow obvious way: last relevant move since their room last emptied."""
    ends = sorted((s.end, s.room) for s in SESSIONS)
    rooms: dict[str, set[str]] = {r.name: set() for r in ROOMS}
    timeline = sorted([(e.at, 1, e) for e in events if e.at <= until]
                      + [(end, 0, room) for end, room in ends if end <= until], key=lambda x: (x[0], x[1]))
    for _t, kind, item in timeline:
        if kind == 0:
            rooms[item] = set()
            continue
        for members in rooms.values():
            if item.move is Move.ENTRY:
                members.discard(item.registration_id)
        if item.move is Move.ENTRY:
            rooms[item.room].add(item.registration_id)
        else:
            rooms[item.room].discard(item.registration_id)
    return rooms


@settings(max_examples=300, deadline=None)
@given(events_strategy, headcounts_strategy, st.integers(0, 220))
def test_occupancy_is_never_negative_and_never_counts_a_badge_twice(events, counts, minute) -> None:
    until = at(minute)
    occ = replay(PROGRAMME, events, counts, until=until)
    assert all(n >= 0 for n in occ.counts().values())
    badge_rooms = [occ.location(p) for p in PEOPLE]
    assert sum(len(occ.badges_in(r.name)) for r in ROOMS) == sum(1 for r in badge_rooms if r is not None)
    if not counts:
        assert sum(occ.counts().values()) <= len(PEOPLE)


@settings(max_examples=300, deadline=None)
@given(events_strategy, st.integers(0, 220))
def test_occupancy_matches_the_obvious_model(events, minute) -> None:
    until = at(minute)
    # events at the same instant keep their recorded order; otherwise input order is irrelevant
    expected = _naive_model(sorted(events, key=lambda e: e.at), until)
    occ = replay(PROGRAMME, sorted(events, key=lambda e: -e.at.timestamp()), until=until)
    assert {r.name: set(occ.badges_in(r.name)) for r in ROOMS} == expected
