"""The hub's rules without a database: clock stamps, the merge order, which check-in wins, duplicates."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desk.core.hub import (
    STAMP_LENGTH,
    ZERO_STAMP,
    CheckinFact,
    DuplicateCheckin,
    DuplicateEntry,
    describe,
    merge_key,
    next_stamp,
    parts,
    resolve_checkins,
    stamp_of,
    stamp_time,
)

UTC = dt.timezone.utc
BRUSSELS = ZoneInfo("Europe/Brussels")
T0 = dt.datetime(2016, 12, 1, 8, 30, tzinfo=UTC)


def ms(when: dt.datetime) -> int:
    return (when - dt.datetime(1970, 1, 1, tzinfo=UTC)) // dt.timedelta(milliseconds=1)


# --- stamps ----------------------------------------------------------------------------------

def test_a_stamp_is_fixed_width_digits_whose_text_order_is_clock_order() -> None:
    stamp = next_stamp(ZERO_STAMP, T0)
    assert len(stamp) == STAMP_LENGTH and stamp.isdigit()
    assert parts(stamp) == (ms(T0), 0)
    assert stamp_of(999, 5) < stamp_of(1000, 0) < stamp_of(1000, 1)  # text compares like (ms, counter)


def test_stamps_go_on_increasing_when_the_wall_clock_goes_back() -> None:
    first = next_stamp(ZERO_STAMP, T0)
    behind = next_stamp(first, T0 - dt.timedelta(hours=2))  # the laptop's clock was set back
    same = next_stamp(behind, T0 - dt.timedelta(hours=2))
    assert first < behind < same
    assert parts(behind) == (ms(T0), 1) and parts(same) == (ms(T0), 2)
    # once the wall clock passes what was seen, stamps follow the clock again
    later = next_stamp(same, T0 + dt.timedelta(seconds=1))
    assert later > same and parts(later) == (ms(T0) + 1000, 0)


def test_a_station_whose_clock_runs_behind_orders_its_entries_after_what_it_received() -> None:
    received = next_stamp(ZERO_STAMP, T0 + dt.timedelta(minutes=30))  # a laptop 30 minutes ahead
    mine = next_stamp(received, T0)
    assert mine > received and stamp_time(mine) == stamp_time(received)


@settings(max_examples=60)
@given(st.lists(st.integers(min_value=-3_600_000, max_value=3_600_000), min_size=1, max_size=40))
def test_stamps_strictly_increase_whatever_the_clock_does(steps: list[int]) -> None:
    last, now = ZERO_STAMP, T0
    for step in steps:
        now += dt.timedelta(milliseconds=step)
        stamp = next_stamp(last, now)
        assert stamp > last
        assert parts(stamp)[0] >= ms(now)  # never before the wall clock
        last = stamp


def test_a_stamp_is_taken_from_an_aware_time_only() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_stamp(ZERO_STAMP, dt.datetime(2016, 12, 1, 8, 30))


@settings(max_examples=60)
@given(st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_stamp_time_gives_back_the_time_to_the_millisecond(when: dt.datetime) -> None:
    when = when.replace(microsecond=when.microsecond // 1000 * 1000)
    assert stamp_time(next_stamp(ZERO_STAMP, when)) == when
    assert stamp_time(next_stamp(ZERO_STAMP, when.astimezone(BRUSSELS))) == when  # the zone does not matter


def test_a_millisecond_is_not_lost_to_floating_point() -> None:
    when = dt.datetime(2004, 2, 1, 0, 0, 0, 1000, tzinfo=UTC)  # 1075593600.001 s is 1075593600000.9999 ms in floats
    assert parts(next_stamp(ZERO_STAMP, when)) == (1075593600001, 0)
    assert stamp_time(next_stamp(ZERO_STAMP, when)) == when


def test_a_malformed_stamp_counts_as_the_beginning() -> None:
    for bad in ("", "123", "x" * STAMP_LENGTH, "1" * (STAMP_LENGTH + 1)):
        assert parts(bad) == (0, 0)
        assert next_stamp(bad, T0) == stamp_of(ms(T0))
    assert stamp_time(ZERO_STAMP) == dt.datetime(1970, 1, 1, tzinfo=UTC)


def test_the_merge_order_is_stamp_then_station_then_id() -> None:
    s1, s2 = stamp_of(1000), stamp_of(1000, 1)
    keys = [merge_key(s2, "a", "1"), merge_key(s1, "b", "1"), merge_key(s1, "a", "2"), merge_key(s1, "a", "1")]
    assert sorted(keys) == [(s1, "a", "1"), (s1, "a", "2"), (s1, "b", "1"), (s2, "a", "1")]


# --- which check-in stands -----------------------------------------------------------------------

def fact(cid: str, at_ms: int, station: str = "A", undone_ms: int | None = None) -> CheckinFact:
    return CheckinFact(cid, stamp_of(at_ms), station, None if undone_ms is None else stamp_of(undone_ms))


def test_the_first_check_in_by_merge_order_wins_whatever_the_arrival_order() -> None:
    facts = [fact("late", 3000, "A"), fact("first", 1000, "B"), fact("middle", 2000, "C")]
    for order in itertools.permutations(facts):
        assert resolve_checkins(order) == {"first": None, "middle": "first", "late": "first"}


def test_at_the_same_stamp_the_station_then_the_id_decides() -> None:
    facts = [fact("x2", 1000, "B"), fact("x1", 1000, "A"), fact("x0", 1000, "B")]
    for order in itertools.permutations(facts):
        assert resolve_checkins(order) == {"x1": None, "x0": "x1", "x2": "x1"}


def test_an_undo_undoes_the_check_in_and_a_check_in_after_it_counts() -> None:
    facts = [fact("first", 1000, "A", undone_ms=2000), fact("again", 3000, "B")]
    assert resolve_checkins(facts) == {"first": None, "again": None}
    assert resolve_checkins(reversed(facts)) == {"first": None, "again": None}


def test_undoing_the_first_of_a_duplicate_pair_leaves_the_other_standing() -> None:
    # B let the person in at 2000 while A's check-in stood; A's is undone at 3000: B's stands
    facts = [fact("first", 1000, "A", undone_ms=3000), fact("second", 2000, "B")]
    for order in itertools.permutations(facts):
        assert resolve_checkins(order) == {"first": None, "second": None}


def test_an_undone_duplicate_is_no_longer_a_duplicate_and_a_third_check_in_duplicates_the_standing_one() -> None:
    facts = [fact("first", 1000, "A"), fact("second", 2000, "B", undone_ms=2500), fact("third", 3000, "C")]
    for order in itertools.permutations(facts):
        assert resolve_checkins(order) == {"first": None, "second": None, "third": "first"}


def test_a_single_or_no_check_in_stands_alone() -> None:
    assert resolve_checkins([]) == {}
    assert resolve_checkins([fact("only", 1000, undone_ms=1500)]) == {"only": None}


@settings(max_examples=80)
@given(st.lists(st.tuples(st.integers(0, 20), st.sampled_from("ABC"), st.one_of(st.none(), st.integers(0, 25))),
                min_size=1, max_size=8, unique_by=lambda t: (t[0], t[1])), st.randoms())
def test_the_answer_depends_only_on_the_set_of_check_ins(rows, rnd) -> None:
    facts = [fact(f"c{i}", t * 10, station, None if u is None else max(u, t) * 10 + 1)
             for i, (t, station, u) in enumerate(rows)]
    wanted = resolve_checkins(facts)
    shuffled = list(facts)
    rnd.shuffle(shuffled)
    assert resolve_checkins(shuffled) == wanted
    ordered = sorted(facts, key=lambda f: merge_key(f.stamp, f.station, f.checkin_id))
    assert wanted[ordered[0].checkin_id] is None  # the first is never a duplicate
    live = [f.checkin_id for f in ordered if f.undone_stamp is None]
    for f in facts:  # at most one stands, every other live one duplicates it, an undone one is neither
        if f.undone_stamp is not None or f.checkin_id == (live or [None])[0]:
            assert wanted[f.checkin_id] is None
        else:
            assert wanted[f.checkin_id] == live[0]


# --- duplicate entries ------------------------------------------------------------------------

def test_a_duplicate_entry_names_both_stations_and_times() -> None:
    entry = DuplicateEntry("R-1", "Ana Łukasik", dt.date(2016, 12, 1), (
        DuplicateCheckin("entrance-A", "desk 1", T0, "c1"),
        DuplicateCheckin("entrance-B", "desk 2", T0 + dt.timedelta(minutes=4), "c2"),
    ))
    assert entry.to_json(BRUSSELS) == {
        "registration_id": "R-1", "name": "Ana Łukasik", "day": "2016-12-01",
        "checkins": [
            {"station": "entrance-A", "desk": "desk 1", "at": "2016-12-01T09:30:00+01:00", "checkin_id": "c1"},
            {"station": "entrance-B", "desk": "desk 2", "at": "2016-12-01T09:34:00+01:00", "checkin_id": "c2"},
        ]}
    assert entry.to_json()["checkins"][0]["at"] == "2016-12-01T08:30:00+00:00"
    assert entry.line(BRUSSELS) == "Duplicate entry: Ana Łukasik was checked in at entrance-A at 09:30 and entrance-B at 09:34."
    nameless = DuplicateEntry("R-2", "", dt.date(2016, 12, 1), entry.checkins)
    assert nameless.line().startswith("Duplicate entry: R-2 was checked in at entrance-A at 08:30 and ")


def test_describe_counts_duplicate_entries() -> None:
    one = DuplicateEntry("R-1", "A", dt.date(2016, 12, 1), ())
    assert describe([]) == "no duplicate entries"
    assert describe([one]) == "1 duplicate entry"
    assert describe([one, one]) == "2 duplicate entries"
