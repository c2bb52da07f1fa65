"""Reading participants, requests and slots files: kinds, good rows, errors with line numbers."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desk.core.errors import RowError, SourceError
from desk.core.matchmaking.model import MeetingRequest, Participant, Problem, Session
from desk.core.matchmaking.files import (
    UnknownFileKind,
    detect_kind,
    format_available,
    parse_available,
    parse_participants,
    parse_requests,
    parse_slots,
)
from desk.services.demo.matchmaking_instances import benchmark_matchmaking, demo_matchmaking

PARTICIPANT_HEADERS = ["participant_id", "organisation", "name", "country", "registration_id", "available"]


def numbered(rows: list[list[object]], first_line: int = 2) -> list[tuple[int, list[object]]]:
    return [(first_line + k, row) for k, row in enumerate(rows)]


def only(errors: list[RowError]) -> tuple[int, str | None, str]:
    assert len(errors) == 1, errors
    return errors[0].line, errors[0].field, errors[0].reason


# --- kinds --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        (PARTICIPANT_HEADERS, "participants"),
        (["Participant ID", "Organisation", "AVAILABLE"], "participants"),
        (["\ufeffparticipant-id"], "participants"),
        (["requester", "partner", "priority"], "requests"),
        (["Requester ", "PARTNER"], "requests"),
        (["slot", "start", "end"], "slots"),
        (["Slot", "Start", "End", "room"], "slots"),
    ],
)
def test_a_file_kind_is_told_by_its_header(headers: list[str], kind: str) -> None:
    assert detect_kind(headers) == kind


def test_an_unknown_header_names_what_each_kind_needs() -> None:
    with pytest.raises(UnknownFileKind, match=r"\(requester, start\) are not a matchmaking file.*slot, start and end"):
        detect_kind(["requester", "start", ""])
    assert issubclass(UnknownFileKind, SourceError)


# --- availability -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("1-6|9|11-16", {1, 2, 3, 4, 5, 6, 9, 11, 12, 13, 14, 15, 16}),
        ("1 - 3, 5; 7", {1, 2, 3, 5, 7}),
        ("2–4", {2, 3, 4}),
        (4.0, {4}),
        ("none", set()),
    ],
)
def test_availability_reads_numbers_and_ranges(text: object, slots: set[int]) -> None:
    assert parse_available(text, 3) == frozenset(slots)


def test_an_empty_availability_means_every_slot() -> None:
    assert parse_available("", 3) is None
    assert parse_available(None, 3) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("6-1", "range 6-1 in available runs backwards (write 1-6)"),
        ("x", "'x' in available is not a slot number or a range such as 1-6"),
        ("1-6|9-", "'9-' in available is not a slot number"),
        ("0-3", "slot 0 in available is out of range 1-999"),
        ("2.5", "'2.5' in available is not a slot number"),
    ],
)
def test_bad_availability_names_the_line_and_field(text: str, message: str) -> None:
    with pytest.raises(RowError) as caught:
        parse_available(text, 7)
    assert (caught.value.line, caught.value.field) == (7, "available")
    assert message in caught.value.reason


@given(st.one_of(st.none(), st.frozensets(st.integers(1, 40))))
def test_written_availability_reads_back_the_same(slots: frozenset[int] | None) -> None:
    assert parse_available(format_available(slots), 1) == slots


# --- participants -------------------------------------------------------------------


def test_participants_keep_good_rows_and_report_bad_ones() -> None:
    rows = numbered([
        ["M001", "Cluster Łódź Chemicals", "Łukasz Wójcik", "PL", "ECC16-0001", ""],
        ["", "", "", "", "", ""],
        ["M002", "Στρατηγική Ομάδα Αθηνών", "Ελένη Οικονόμου", "GR", "", "1-6|9|11-16"],
        ["M003", "Silicon Saxony", "Anna Groß", "DE", "", "6-1"],
        ["M001", "Again", "Someone", "BE", "", ""],
        ["", "No id", "Nobody", "BE", "", ""],
        ["M004", "Short row"],
        ["M005", "Flanders Make", "Wouter Peeters", "Belgique", "", ""],
    ])
    people, errors = parse_participants(PARTICIPANT_HEADERS, rows)
    assert [p.participant_id for p in people] == ["M001", "M002", "M004", "M005"]
    assert people[3].country == "BE"
    assert people[0] == Participant("M001", "Cluster Łódź Chemicals", "Łukasz Wójcik", "PL", "ECC16-0001", None)
    assert people[1].registration_id is None and people[1].available == parse_available("1-6|9|11-16", 1)
    assert [(e.line, e.field) for e in errors] == [(5, "available"), (6, "participant_id"), (7, "participant_id")]
    assert errors[1].reason == "participant M001 is already on row 2"
    assert str(errors[2]) == "row 7: no participant_id"


# --- requests -----------------------------------------------------------------------


def test_requests_default_to_priority_one() -> None:
    found, errors = parse_requests(["requester", "partner"], numbered([["A", "B"], ["C", "A"]]))
    assert found == [MeetingRequest("A", "B", 1), MeetingRequest("C", "A", 1)]
    assert errors == []


def test_request_naming_an_unknown_participant() -> None:
    found, errors = parse_requests(["requester", "partner", "priority"],
                                   numbered([["A", "B", "2"], ["A", "Z", ""]]), participant_ids={"A", "B"})
    assert found == [MeetingRequest("A", "B", 2)]
    assert only(errors) == (3, "partner", "partner Z is not a known participant")


def test_request_for_a_pair_already_requested_the_other_way_round() -> None:
    found, errors = parse_requests(["requester", "partner"], numbered([["A", "B"], ["C", "D"], ["B", "A"]], 10))
    assert len(found) == 2
    assert only(errors) == (12, "partner", "B and A are already paired on row 10")


def test_request_to_meet_oneself() -> None:
    found, errors = parse_requests(["requester", "partner"], numbered([["A", "A"]]))
    assert found == []
    assert only(errors) == (2, "partner", "A cannot meet themself")


@pytest.mark.parametrize(("priority", "reason"), [("high", "priority 'high' is not a whole number"),
                                                  ("0", "priority 0 is out of range (expected 1 to 1000)")])
def test_bad_priority(priority: str, reason: str) -> None:
    _, errors = parse_requests(["requester", "partner", "priority"], numbered([["A", "B", priority]]))
    assert only(errors) == (2, "priority", reason)


# --- slots --------------------------------------------------------------------------


def test_slots_read_iso_text_and_date_cells_in_time_order() -> None:
    rows = numbered([
        ["2", "2016-11-30T09:20", "2016-11-30 09:40"],
        [1.0, dt.datetime(2016, 11, 30, 9, 0), dt.datetime(2016, 11, 30, 9, 20)],
    ])
    slots, errors = parse_slots(["slot", "start", "end"], rows)
    assert errors == []
    assert [s.number for s in slots] == [1, 2]
    assert slots[1].start == dt.datetime(2016, 11, 30, 9, 20)


def test_overlapping_slots_report_the_later_row() -> None:
    rows = numbered([
        ["1", "2016-11-30T09:00", "2016-11-30T09:20"],
        ["2", "2016-11-30T09:10", "2016-11-30T09:30"],
        ["3", "2016-11-30T09:20", "2016-11-30T09:40"],
    ])
    slots, errors = parse_slots(["slot", "start", "end"], rows)
    assert [s.number for s in slots] == [1, 3]
    assert only(errors) == (3, "start", "slot 2 (09:10-09:30) overlaps slot 1 (09:00-09:20) on row 2")


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        (["x", "2016-11-30T10:00", "2016-11-30T10:20"], "slot", "slot 'x' is not a whole number"),
        (["1", "2016-11-30T10:00", "2016-11-30T10:20"], "slot", "slot 1 is already on row 2"),
        (["5", "half past nine", "2016-11-30T10:20"], "start", "start 'half past nine' is not a date-time"),
        (["5", "2016-11-30T10:20", "2016-11-30T10:00"], "end", "slot 5 ends (10:00) before it starts (10:20)"),
        (["5", "2016-11-30T10:00+01:00", "2016-11-30T10:20+01:00"], "start", "mixes times with and without"),
    ],
)
def test_bad_slot_rows(row: list[str], field: str, reason: str) -> None:
    rows = numbered([["1", "2016-11-30T09:00", "2016-11-30T09:20"], row])
    slots, errors = parse_slots(["slot", "start", "end"], rows)
    assert [s.number for s in slots] == [1]
    line, got_field, got_reason = only(errors)
    assert (line, got_field) == (3, field)
    assert got_reason.startswith(reason)


# --- the demo instance through real CSV files ------------------------------------------


def read_csv(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], numbered(rows[1:])


def test_demo_csv_files_read_back_into_the_same_problem(tmp_path: Path) -> None:
    demo = demo_matchmaking()
    paths = demo.write_csvs(tmp_path / "matchmaking")
    parsed: dict[str, list] = {}
    for path in paths.values():
        headers, rows = read_csv(path)
        kind = detect_kind(headers)
        if kind == "participants":
            parsed[kind], errors = parse_participants(headers, rows)
        elif kind == "requests":
            parsed[kind], errors = parse_requests(headers, rows, {p.participant_id for p in parsed["participants"]})
        else:
            parsed[kind], errors = parse_slots(headers, rows)
        assert errors == []
    assert parsed["participants"] == demo.participants
    assert parsed["requests"] == demo.requests
    assert parsed["slots"] == demo.slots
    problem = Problem(tuple(parsed["participants"]), tuple(parsed["requests"]), Session(tuple(parsed["slots"]), 20))
    assert problem.session.breaks_after() == (8,)


def test_demo_instance_looks_like_the_pre_event() -> None:
    demo = demo_matchmaking()
    assert demo == demo_matchmaking()  # deterministic
    assert len(demo.participants) == 100 and len(demo.requests) == 300
    assert len({p.country for p in demo.participants}) >= 18
    assert len({p.organisation for p in demo.participants}) == 100
    assert any(not p.organisation.isascii() for p in demo.participants)
    assert any(p.registration_id for p in demo.participants)
    assert sum(p.available is not None for p in demo.participants) >= 10
    assert (len(demo.slots), demo.tables) == (16, 20)
    assert demo.slots[0].start.date() == dt.date(2016, 11, 30)
    assert len({r.priority for r in demo.requests}) > 1
    demo.problem()  # consistent: no unknown participant, duplicate or self-meeting
    other_day = demo_matchmaking(dt.date(2026, 11, 30))
    assert other_day.slots[0].start.date() == dt.date(2026, 11, 30)


def test_benchmark_instances_have_the_requested_size() -> None:
    instance = benchmark_matchmaking(250, 1100, tables=70, seed=3)
    assert (len(instance.participants), len(instance.requests), instance.tables) == (250, 1100, 70)
    instance.problem()
