"""The check-in decision: every outcome, the cross-day rules, undo, and hostile scans."""

from __future__ import annotations

import datetime as dt
import itertools
import string
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desk.core.checkin.arrivals import arrival_bins, count, expected_on
from desk.core.attendees import Category, Registration, Status
from desk.core.checkin.decision import (
    CheckinEntry, PriorCheckin, ScanOutcome, attends_on, choose_undo, decide, decide_burst, decide_scan,
    event_day, first_of_day,
)
from desk.core.badges.codes import Rejection, Verdict, badge_ref, issue_code
from desk.core.checkin.wedge import layouts, mangle, repair

EVENT_TZ = ZoneInfo("Europe/Brussels")  # this test's event clock (core names no zone of its own)
MATCH, CONF1, CONF2 = dt.date(2016, 11, 30), dt.date(2016, 12, 1), dt.date(2016, 12, 2)
DAYS = (MATCH, CONF1, CONF2)
SECRET = b"checkin-test-secret-0123456789ab"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
KEYS = {1: KEY.public_key()}


def reg(rid: str = "R1", status: Status = Status.VALIDATED, days: tuple[dt.date, ...] = (CONF1, CONF2),
        category: Category = Category.CLUSTER_PRACTITIONER) -> Registration:
    return Registration(rid, status, "Zofia", "Łęcka", "z@x.eu", "Klaster Łódź", "PL", category, days,
                        ticket_code=f"TICKET-{rid}")


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=EVENT_TZ)


OK = Verdict(registration_id="R1")
PRIOR = PriorCheckin(at(CONF1, 8, 5), "desk-2")


# --- decide: every combination ---------------------------------------------------------

REJECTIONS = {
    Rejection.MALFORMED: ScanOutcome.NOT_READABLE,
    Rejection.BAD_SIGNATURE: ScanOutcome.FORGED,
    Rejection.UNKNOWN_KEY: ScanOutcome.UNKNOWN,
    Rejection.UNKNOWN_ATTENDEE: ScanOutcome.UNKNOWN,
}


@pytest.mark.parametrize(("rejection", "status", "prior"), list(itertools.product(
    list(Rejection), list(Status), [None, PRIOR])))
def test_a_refused_code_never_names_anybody(rejection, status, prior) -> None:
    decision = decide(Verdict(reason=rejection, key_version=3), reg(status=status), CONF1, DAYS, prior)
    assert decision.outcome is REJECTIONS[rejection]
    assert decision.outcome is not ScanOutcome.WELCOME
    assert decision.reason


def test_unknown_key_tells_to_import_the_keys() -> None:
    decision = decide(Verdict(reason=Rejection.UNKNOWN_KEY, key_version=2), None, CONF1, DAYS, None)
    assert "key version 2" in decision.reason and "import the event key" in decision.reason


@pytest.mark.parametrize(("status", "day", "prior", "expected"), [
    (status, day, prior, expected)
    for status in Status for day in DAYS for prior in (None, PRIOR)
    for expected in [
        ScanOutcome.CANCELLED if status is Status.CANCELLED
        else ScanOutcome.NOT_VALIDATED if status is not Status.VALIDATED
        else ScanOutcome.WRONG_DAY if day == MATCH
        else ScanOutcome.ALREADY_IN if prior
        else ScanOutcome.WELCOME
    ]
])
def test_every_status_day_and_prior(status, day, prior, expected) -> None:
    decision = decide(OK, reg(status=status), day, DAYS, prior)
    assert decision.outcome is expected
    assert decision.registration_id == "R1"
    assert (decision.first_checkin is PRIOR) == (expected is ScanOutcome.ALREADY_IN)


def test_reasons_a_desk_worker_reads() -> None:
    assert "waiting for validation" in decide(OK, reg(status=Status.PENDING), CONF1, DAYS, None).reason
    assert "not accepted" in decide(OK, reg(status=Status.REJECTED), CONF1, DAYS, None).reason
    wrong = decide(OK, reg(days=(CONF1, CONF2)), MATCH, DAYS, None)
    assert wrong.reason == "Registered for Thu 01 Dec, Fri 02 Dec, not for Wed 30 Nov."
    already = decide(OK, reg(), CONF1, DAYS, PRIOR, EVENT_TZ)
    assert already.reason == "Already checked in at 08:05 at desk-2."  # Brussels time, not UTC


def test_a_known_code_without_registration_is_unknown() -> None:
    assert decide(OK, None, CONF1, DAYS, None).outcome is ScanOutcome.UNKNOWN


def test_days_outside_the_event_are_wrong_for_everybody() -> None:
    every_day = reg(days=())
    assert attends_on(every_day, MATCH, DAYS) and attends_on(every_day, CONF2, DAYS)
    assert decide(OK, every_day, dt.date(2016, 12, 3), DAYS, None).outcome is ScanOutcome.WRONG_DAY
    matchmaking_only = reg(days=(MATCH,))
    assert decide(OK, matchmaking_only, CONF1, DAYS, None).outcome is ScanOutcome.WRONG_DAY
    assert decide(OK, matchmaking_only, MATCH, DAYS, None).outcome is ScanOutcome.WELCOME


# --- cross-day rules and undo -------------------------------------------------------------

def entry(n: int, day: dt.date, hh: int, desk: str = "desk-1", undone: bool = False) -> CheckinEntry:
    return CheckinEntry(f"c{n}", "R1", day, at(day, hh), desk, at(day, hh + 1) if undone else None)


def test_the_day_is_the_date_in_brussels() -> None:
    late_utc = dt.datetime(2016, 11, 30, 23, 30, tzinfo=dt.timezone.utc)
    assert event_day(late_utc, EVENT_TZ) == CONF1  # 00:30 on 1 December in Brussels
    assert event_day(dt.datetime(2016, 12, 1, 22, 59, tzinfo=dt.timezone.utc), EVENT_TZ) == CONF1
    with pytest.raises(ValueError):
        event_day(dt.datetime(2016, 12, 1, 8, 0), EVENT_TZ)


@pytest.mark.parametrize(("zone", "utc_before", "utc_after"), [
    ("America/Sao_Paulo", dt.datetime(2016, 12, 2, 1, 50), dt.datetime(2016, 12, 2, 2, 10)),  # UTC-2 (summer time then)
    ("Asia/Tokyo", dt.datetime(2016, 12, 1, 14, 50), dt.datetime(2016, 12, 1, 15, 10)),  # UTC+9
])
def test_the_day_is_the_date_on_the_events_own_clock(zone: str, utc_before: dt.datetime,
                                                     utc_after: dt.datetime) -> None:
    tz = ZoneInfo(zone)
    before, after = utc_before.replace(tzinfo=dt.timezone.utc), utc_after.replace(tzinfo=dt.timezone.utc)
    assert before.astimezone(tz).strftime("%H:%M") == "23:50" and after.astimezone(tz).strftime("%H:%M") == "00:10"
    assert event_day(before, tz) == CONF1 and event_day(after, tz) == CONF2
    # the same instants on another clock fall on other days: the zone decides
    assert (event_day(before, dt.timezone.utc), event_day(after, dt.timezone.utc)) != (CONF1, CONF2)
    only_day_one = reg(days=(CONF1,))
    assert decide(OK, only_day_one, event_day(before, tz), DAYS, None).outcome is ScanOutcome.WELCOME
    assert decide(OK, only_day_one, event_day(after, tz), DAYS, None).outcome is ScanOutcome.WRONG_DAY
    prior = PriorCheckin(before, "desk-1")
    already = decide(OK, only_day_one, CONF1, DAYS, prior, tz)
    assert "at 23:50 at desk-1" in already.reason
    bins = arrival_bins([before, after], CONF2, tz)
    assert [(b.start.strftime("%d %H:%M"), b.count) for b in bins] == [("02 00:10", 1)]


def test_yesterdays_check_in_does_not_make_today_already_in() -> None:
    entries = [entry(1, CONF1, 8)]
    assert first_of_day(entries, CONF2) is None
    assert decide(OK, reg(), CONF2, DAYS, first_of_day(entries, CONF2)).outcome is ScanOutcome.WELCOME
    assert decide(OK, reg(), CONF1, DAYS, first_of_day(entries, CONF1)).outcome is ScanOutcome.ALREADY_IN


def test_first_of_day_is_the_earliest_active_one() -> None:
    entries = [entry(3, CONF1, 11, "desk-3"), entry(1, CONF1, 8, "desk-1", undone=True), entry(2, CONF1, 9, "desk-2")]
    assert first_of_day(entries, CONF1) == PriorCheckin(at(CONF1, 9), "desk-2")


def test_an_undone_check_in_lets_the_person_in_again() -> None:
    entries = [entry(1, CONF1, 8, undone=True)]
    assert first_of_day(entries, CONF1) is None
    assert decide(OK, reg(), CONF1, DAYS, None).outcome is ScanOutcome.WELCOME


def test_undo_reverses_the_latest_active_check_in_and_walks_back() -> None:
    entries = [entry(1, CONF1, 8), entry(2, CONF2, 8), entry(3, CONF2, 10, undone=True)]
    assert choose_undo(entries).checkin_id == "c2"
    after = [e if e.checkin_id != "c2" else entry(2, CONF2, 8, undone=True) for e in entries]
    assert choose_undo(after).checkin_id == "c1"
    assert choose_undo([entry(1, CONF1, 8, undone=True)]) is None
    assert choose_undo([]) is None


# --- the whole scan path with in-memory lookups --------------------------------------------

PEOPLE = {f"R{n}": reg(f"R{n}") for n in range(1, 6)}
PEOPLE["R9"] = reg("R9", status=Status.CANCELLED)
REFS = {badge_ref(SECRET, rid): rid for rid in PEOPLE}
TICKETS = {r.ticket_code: rid for rid, r in PEOPLE.items()}
GENUINE = {issue_code(KEY, 1, ref): rid for ref, rid in REFS.items()} | TICKETS


def scan(code: str, keys=KEYS, keyboard: bool = False, checkins=()):
    return decide_scan(code, CONF1, DAYS, keys, REFS.get, TICKETS.get, PEOPLE.get, lambda rid: list(checkins),
                       from_keyboard=keyboard)


def test_badge_and_ticket_name_the_same_attendee() -> None:
    badge = next(c for c, rid in GENUINE.items() if rid == "R2" and c.startswith("D1:"))
    assert scan(badge).registration_id == scan("TICKET-R2").registration_id == "R2"
    assert scan(badge).outcome is ScanOutcome.WELCOME


def test_without_keys_a_badge_is_unknown_but_a_ticket_works() -> None:
    badge = next(c for c in GENUINE if c.startswith("D1:"))
    assert scan(badge, keys={}).outcome is ScanOutcome.UNKNOWN
    assert "import the event key" in scan(badge, keys={}).reason
    assert scan("TICKET-R3", keys={}).outcome is ScanOutcome.WELCOME


def test_a_forged_badge_is_forged() -> None:
    other = Ed25519PrivateKey.generate()
    forged = issue_code(other, 1, next(iter(REFS)))
    assert scan(forged).outcome is ScanOutcome.FORGED


@pytest.mark.parametrize("layout", layouts())
def test_a_mangled_keyboard_burst_is_repaired_to_the_same_person(layout: str) -> None:
    badge = next(c for c, rid in GENUINE.items() if rid == "R4" and c.startswith("D1:"))
    decision = scan(mangle(badge, layout) + "\r", keyboard=True)
    assert decision.outcome is ScanOutcome.WELCOME and decision.registration_id == "R4"
    assert "set the scanner or the laptop layout" in decision.note


def test_an_ambiguous_or_garbled_burst_is_refused_with_a_hint() -> None:
    ambiguous = decide_burst(repair("AMéB"))  # two readings: Swiss QWERTZ or Belgian AZERTY
    assert ambiguous.outcome is ScanOutcome.NOT_READABLE and "more than one way" in ambiguous.reason
    assert decide_burst(repair("TICKET-R1")) is None
    garbled = scan("ŁÓDŹ-2016", keyboard=True)
    assert garbled.outcome is ScanOutcome.NOT_READABLE and garbled.registration is None


def test_an_all_caps_ticket_from_the_scanner_is_not_repaired_into_something_else() -> None:
    assert scan("HELLOMWORLD", keyboard=True).outcome is ScanOutcome.UNKNOWN


# --- hostile payloads: no crash, no false welcome ------------------------------------------

def _mutations(code: str) -> st.SearchStrategy[str]:
    return st.tuples(st.integers(0, len(code) - 1), st.sampled_from(string.ascii_uppercase + "234567:01")).map(
        lambda p: code[:p[0]] + p[1] + code[p[0] + 1:])


HOSTILE = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=string.printable, max_size=200),
    st.text(alphabet="D0123456789:ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", max_size=140),
    st.sampled_from(sorted(GENUINE)).flatmap(_mutations),
    st.sampled_from(sorted(GENUINE)).flatmap(lambda c: st.text(max_size=5).map(lambda junk: c + junk)),
    st.sampled_from(sorted(GENUINE)).map(str.lower),
    st.tuples(st.sampled_from(sorted(GENUINE)), st.sampled_from(layouts())).map(
        lambda p: mangle(p[0], p[1]) if all(ch in string.ascii_letters + string.digits + ":-" for ch in p[0])
        else p[0]),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
)


def _typings(code: str) -> set[str]:
    """The code as typed by a US scanner on each laptop layout (and on a US one), with and
    without Caps Lock (which swaps the case of the letters typed)."""
    typed = {code}
    for layout in layouts():
        try:
            typed.add(mangle(code, layout))
        except ValueError:
            pass
    return typed | {t.swapcase() for t in typed}


def _is_genuine(payload: str, decision) -> bool:
    # A welcome is right only when the text really is that person's code, give or take the
    # scanner's line end, or typed through a keyboard layout that the repair undid.
    text = payload.strip(" \t\r\n")
    return any(text in _typings(c) for c, rid in GENUINE.items() if rid == decision.registration_id)


@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=HOSTILE, keyboard=st.booleans())
def test_ten_thousand_hostile_payloads_never_crash_nor_falsely_welcome(payload: str, keyboard: bool) -> None:
    decision = scan(payload, keyboard=keyboard)
    assert isinstance(decision.outcome, ScanOutcome)
    if decision.outcome is ScanOutcome.WELCOME:
        assert _is_genuine(payload, decision), payload
        assert decision.registration.status is Status.VALIDATED


# --- counters and arrivals ----------------------------------------------------------------

def test_counters_by_category_for_the_day() -> None:
    people = [reg("A", category=Category.SPEAKER), reg("B"), reg("C", days=(MATCH,)),
              reg("D", status=Status.PENDING), reg("E", days=())]
    assert [r.registration_id for r in expected_on(people, CONF1, DAYS)] == ["A", "B", "E"]
    counters = count(people, {"A", "B"}, CONF1, DAYS)
    assert (counters.checked_in, counters.expected) == (2, 3)
    lines = {c.category: (c.checked_in, c.expected) for c in counters.by_category}
    assert lines == {Category.SPEAKER: (1, 1), Category.CLUSTER_PRACTITIONER: (1, 2)}


def test_arrivals_per_ten_minutes_are_contiguous_local_bins() -> None:
    times = [at(CONF1, 8, 1), at(CONF1, 8, 9), at(CONF1, 8, 31), at(CONF2, 8, 0),
             dt.datetime(2016, 12, 1, 7, 45, tzinfo=dt.timezone.utc)]  # 08:45 in Brussels
    bins = arrival_bins(times, CONF1, EVENT_TZ, now=at(CONF1, 9, 2))
    assert [(b.start.strftime("%H:%M"), b.count) for b in bins] == [
        ("08:00", 2), ("08:10", 0), ("08:20", 0), ("08:30", 1), ("08:40", 1), ("08:50", 0), ("09:00", 0)]
    assert arrival_bins([], CONF1, EVENT_TZ) == []
