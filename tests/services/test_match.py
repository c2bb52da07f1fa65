"""Matchmaking services: importing files by header, scheduling, publication and re-scheduling."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from desk.core.attendees import Event
from desk.core.matchmaking.model import MatchmakingError
from desk.services.matchmaking import schedule as match
from desk.store import matchmaking as store
from desk.store import registrations as repo
from tests.services.match_files import PARTICIPANTS, REQUESTS, SLOTS, write

NOW = dt.datetime(2016, 11, 29, 18, 0, tzinfo=dt.timezone.utc)


def test_files_are_told_by_their_header_in_any_order(db, tmp_path) -> None:
    with db.begin() as session:
        repo.save_event(session, Event("Matchmaking", "", (dt.date(2016, 11, 30),), timezone="Europe/Brussels"))
    slots, requests, people = write(tmp_path, slots=SLOTS, requests=REQUESTS, participants=PARTICIPANTS)
    report = match.import_files(db, [slots, requests, people])
    assert report.ok
    assert [(f.kind, f.kept) for f in report.files] == [("slots", 3), ("requests", 7), ("participants", 5)]
    problem = match.load_problem(db)
    assert len(problem.requests) == 7 and problem.tables == 20
    # naive times are the event's local time (Brussels: UTC+1 in November)
    assert problem.session.slots[0].start == dt.datetime(2016, 11, 30, 9, 30, tzinfo=ZoneInfo("Europe/Brussels"))


def test_bad_rows_are_reported_with_their_line_and_good_rows_kept(db, tmp_path) -> None:
    paths = write(tmp_path, participants=PARTICIPANTS,
                  requests="requester,partner\nA,B\nA,Z\nC,C\nB,A\nC,D\n")
    report = match.import_files(db, paths)
    requests = report.files[1]
    assert requests.kept == 2
    assert requests.lines()[1:] == [
        "requests.csv line 3: partner Z is not a known participant",
        "requests.csv line 4: C cannot meet themself",
        "requests.csv line 5: B and A are already paired on row 2",
    ]
    assert not report.ok


def test_a_file_with_an_unknown_header_is_refused_in_one_line(db, tmp_path) -> None:
    (other,) = write(tmp_path, rooms="room,capacity\nEuropa,300\n")
    report = match.import_files(db, [other])
    assert report.files[0].refused.startswith("the columns (room, capacity) are not a matchmaking file")
    assert len(report.files[0].lines()) == 1


def test_xlsx_files_are_read_with_spreadsheet_row_numbers(db, tmp_path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["Slot", "Start", "End"], [1, "2016-11-30T09:30", "2016-11-30T09:50"], [2, "09:50", "10:10"]):
        sheet.append(row)
    book.save(tmp_path / "slots.xlsx")
    report = match.import_files(db, [tmp_path / "slots.xlsx"])
    assert report.files[0].kept == 1
    assert report.files[0].lines()[1].startswith("slots.xlsx line 3: start '09:50' is not a date-time")


def test_scheduling_needs_imported_files(db) -> None:
    with pytest.raises(MatchmakingError, match="no slots yet"):
        match.plan_schedule(db, time_limit_s=0.5)


def test_schedule_store_publish_and_reschedule_with_what_to_reprint(db, tmp_path) -> None:
    match.import_files(db, write(tmp_path))
    ticks: list[tuple[int, int]] = []
    plan = match.plan_schedule(db, tables=2, time_limit_s=0.5, progress=lambda d, t: ticks.append((d, t)))
    assert plan.change is None and ticks[-1] == (1, 1)
    assert plan.schedule.summary_line() == "held 5 of 7 requested, upper bound 5, optimal yes"
    # Several schedules hold 5; whichever the solver settles on under load, each meeting left
    # out names one of its own sides as having more accepted meetings than free slots.
    assert len(plan.schedule.unscheduled) == 2
    for u in plan.schedule.unscheduled:
        assert u.reason in {f"participant {p} has more accepted meetings than free slots" for p in (u.requester, u.partner)}
    version = match.store_plan(db, plan, NOW)
    assert match.publish(db, NOW) == version
    # D can no longer come: the published meeting with D is dropped and must be reprinted
    (people,) = write(tmp_path, participants=PARTICIPANTS.replace("FR,,3", "FR,,none"))
    match.import_files(db, [people])
    again = match.plan_schedule(db, time_limit_s=0.5)
    assert again.published_version == version
    dropped = [m for m in again.change.dropped]
    assert dropped and all("D" in (m.requester, m.partner) for m in dropped)
    assert "D" in again.change.agendas and again.change.table_sheets
    # every other published meeting is still held (moved only if that gains a meeting)
    kept = {(m.requester, m.partner) for m in plan.schedule.meetings if "D" not in (m.requester, m.partner)}
    assert kept <= {(m.requester, m.partner) for m in again.schedule.meetings}
    assert again.schedule.held >= len(kept)


def test_a_cancelled_schedule_stores_nothing(db, tmp_path) -> None:
    match.import_files(db, write(tmp_path))
    with pytest.raises(match.MatchCancelled):
        match.plan_schedule(db, time_limit_s=0.5, cancelled=lambda: True)
    with db.begin() as session:
        assert store.latest_version(session) is None


def test_tables_what_if_and_overview(db, tmp_path) -> None:
    match.import_files(db, write(tmp_path))
    answer = match.what_if_tables(db, time_limit_s=1)
    assert answer.tables == 2 and answer.held == 5
    view = match.overview(db)
    assert (view.participants, view.requests, view.slots, view.latest) == (5, 7, 3, None)
