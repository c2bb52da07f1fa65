"""Programme import (CSV, XLSX, JSON) with readable errors, and attendance exports."""

from __future__ import annotations

import csv
import datetime as dt
import json
from zoneinfo import ZoneInfo

import openpyxl

from desk.services.rooms import programme as edit
from desk.services.demo.event import install_demo
from desk.services.rooms.door import Rooms
from desk.services.rooms.export import attendance_counts, attendee_sessions, export_attendance
from desk.services.rooms.programme import import_programme, install_demo_programme
from desk.store import rooms as store

BXL = ZoneInfo("Europe/Brussels")
START = dt.date(2016, 11, 30)


def test_rooms_then_sessions_from_csv_keep_good_rows_and_name_the_bad(db, tmp_path) -> None:
    install_demo(db, START)
    rooms = tmp_path / "rooms.csv"
    rooms.write_text("Room;Capacity\nEuropa;80\nAtrium;sixty\nRogier;50\n", encoding="utf-8")
    report = import_programme(db, rooms)
    assert (report.rooms, report.sessions) == (2, 0)
    assert report.errors == ["row 3: capacity must be a whole number of seats, got 'sixty'"]
    sessions = tmp_path / "sessions.csv"
    sessions.write_text(
        "title,priority_area,topic,room,start,end\n"
        "Skills,Circular economy,Skills,Europa,2016-12-01 11:00,2016-12-01 12:30\n"
        "Clash,Circular economy,Skills,Europa,2016-12-01 12:00,2016-12-01 13:00\n"
        "Nowhere,Circular economy,Skills,Atrium,2016-12-01 11:00,2016-12-01 12:30\n"
        "Too late,Circular economy,Skills,Rogier,2016-12-05 11:00,2016-12-05 12:30\n", encoding="utf-8")
    report = import_programme(db, sessions)
    assert report.sessions == 1
    text = "\n".join(report.errors)
    assert "room 'Europa' has two sessions at once: 'Skills'" in text
    assert "session 'Nowhere': unknown room 'Atrium'" in text
    assert "'Too late' on Mon 05 Dec 2016 is outside the event days" in text
    with db.begin() as session:
        (only,) = store.list_sessions(session)
    assert only.start == dt.datetime(2016, 12, 1, 11, 0, tzinfo=BXL)


def test_xlsx_and_json_programmes(db, tmp_path) -> None:
    install_demo(db, START)
    book = openpyxl.Workbook()
    book.active.append(["room", "capacity"])
    book.active.append(["Grand Ballroom", 300])
    book.save(tmp_path / "rooms.xlsx")
    assert import_programme(db, tmp_path / "rooms.xlsx").rooms == 1
    (tmp_path / "p.json").write_text(json.dumps({
        "rooms": [{"room": "Europa", "capacity": 80}],
        "sessions": [{"title": "Opening", "priority_area": "", "topic": "", "room": "Grand Ballroom",
                      "start": "2016-12-01T09:00", "end": "2016-12-01T10:30"}]}), encoding="utf-8")
    report = import_programme(db, tmp_path / "p.json")
    assert (report.rooms, report.sessions, report.errors) == (1, 1, [])


def test_exports_are_formula_safe_and_count_attendance(db, tmp_path) -> None:
    data = install_demo(db, START)
    install_demo_programme(db, START)
    with db.begin() as session:
        store.save_rooms(session, [])
    people = [r for r in data.registrations if r.is_attendee][:3]
    rooms = Rooms(db, keys={})
    at = dt.datetime(2016, 12, 1, 11, 0, tzinfo=BXL)
    rooms.scan("Europa", people[0].ticket_code, at, "door")
    rooms.scan("Europa", people[1].ticket_code, at, "door")
    rooms.scan("Atrium", people[2].ticket_code, at, "door")
    counts = attendance_counts(db)
    assert counts["topic"]["Cross-sectoral value-chain linkages"] == 3
    assert sum(counts["priority_area"].values()) == 3
    assert len(attendee_sessions(db)[people[0].registration_id]) == 1
    # a hostile session title must stay text in a spreadsheet
    with db.begin() as session:
        sessions = store.list_sessions(session)
        first = sessions[0]
        store.replace_sessions(session, [type(first)("=HYPERLINK(\"x\")", "", "", first.room, first.start, first.end),
                                         *sessions[1:]])
    out = export_attendance(db, tmp_path / "attendance.csv")
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[1][0] == "'=HYPERLINK(\"x\")"
    assert (tmp_path / "attendance-attendees.csv").exists() and (tmp_path / "attendance-counts.csv").exists()
    export_attendance(db, tmp_path / "attendance.xlsx")
    book = openpyxl.load_workbook(tmp_path / "attendance.xlsx")
    assert book.sheetnames == ["Sessions", "Attendees", "Counts"]
    assert book["Sessions"]["A2"].value == "'=HYPERLINK(\"x\")"
    book.close()


# --- editing in the app ------------------------------------------------------------------------


def _session_values(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {"title": "Skills lab", "priority_area": "Circular economy", "topic": "Skills",
                                 "room": "Europa", "start": dt.datetime(2016, 12, 2, 14, 0),
                                 "end": dt.datetime(2016, 12, 2, 15, 0)}
    return values | changes


def test_room_edits_validate_rename_keeps_history_and_delete_says_why(db) -> None:
    data = install_demo(db, START)
    install_demo_programme(db, START)
    assert edit.save_room(db, None, {"room": "europa", "capacity": 20}).errors == {
        "room": "There is already a room called 'Europa'."}
    assert edit.save_room(db, None, {"room": "Orangerie", "capacity": "many"}).errors == {
        "capacity": "Capacity must be a whole number of seats, got 'many'."}
    added = edit.save_room(db, None, {"room": "Orangerie", "capacity": 25, "full_policy": "warn"})
    assert added.ok and added.message == "Room 'Orangerie' added (25 seats)."
    person = next(r for r in data.registrations if r.is_attendee)
    Rooms(db, keys={}).scan("Europa", person.ticket_code, dt.datetime(2016, 12, 1, 11, 0, tzinfo=BXL), "door")
    renamed = edit.save_room(db, "Europa", {"room": "Europa Hall", "capacity": 90, "full_policy": "refuse"})
    assert renamed.ok and renamed.renamed == ("Europa", "Europa Hall")
    sheet = edit.load_programme_sheet(db)
    assert [r.name for r in sheet.rooms][1] == "Europa Hall"  # same place on the board
    assert sum(e.session.room == "Europa Hall" for e in sheet.sessions) == 4
    assert not any(e.session.room == "Europa" for e in sheet.sessions)
    with db.begin() as session:
        assert [e.room for e in store.door_events(session)] == ["Europa Hall"]
    refused = edit.delete_room(db, "Europa Hall")
    assert not refused.ok and refused.message.startswith("'Europa Hall' has 4 session(s)")
    assert edit.delete_room(db, "Orangerie").ok
    assert "Circular economy" in sheet.priority_areas and len(sheet.topics) == 4


def test_session_edits_name_the_clash_and_the_allowed_days(db) -> None:
    install_demo(db, START)
    install_demo_programme(db, START)
    sheet = edit.load_programme_sheet(db)
    clash = edit.save_session(db, None, _session_values(start=dt.datetime(2016, 12, 1, 12, 0),
                                                        end=dt.datetime(2016, 12, 1, 13, 0)))
    other = next(e.session for e in sheet.sessions if e.session.room == "Europa"
                 and e.session.start == dt.datetime(2016, 12, 1, 11, 0, tzinfo=BXL))
    assert not clash.ok and clash.errors == {
        "room": f"Europa already has '{other.title}' then (Thu 01 Dec 11:00–12:30)."}
    late = edit.save_session(db, None, _session_values(start="2016-12-05 09:00", end="2016-12-05 10:00"))
    assert late.errors["start"] == ("Mon 05 Dec 2016 is not an event day: sessions can be on "
                                    "Wed 30 Nov 2016 or Thu 01 Dec 2016 or Fri 02 Dec 2016.")
    assert edit.save_session(db, None, _session_values(room="Mars")).errors == {
        "room": "There is no room 'Mars': add it to the rooms first."}
    assert "end" in edit.save_session(db, None, _session_values(end=dt.datetime(2016, 12, 2, 13, 0))).errors
    assert edit.save_session(db, None, _session_values(title=" ")).errors == {"title": "The session has no title."}
    saved = edit.save_session(db, None, _session_values())
    assert saved.ok and saved.message == "Session 'Skills lab' saved: Europa, Fri 02 Dec 14:00–15:00."
    entry = next(e for e in edit.load_programme_sheet(db).sessions if e.session.title == "Skills lab")
    assert entry.session.start == dt.datetime(2016, 12, 2, 14, 0, tzinfo=BXL)
    # moving a session onto itself is no clash; into a taken slot is
    assert edit.save_session(db, entry.id, _session_values(end=dt.datetime(2016, 12, 2, 15, 30))).ok
    assert edit.delete_session(db, entry.id).ok
    assert not edit.delete_session(db, entry.id).ok
    assert len(edit.load_programme_sheet(db).sessions) == len(sheet.sessions)
