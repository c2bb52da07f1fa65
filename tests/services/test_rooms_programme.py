"""Programme import (CSV, XLSX, JSON) with readable errors, and attendance exports."""

from __future__ import annotations

import csv
import datetime as dt
import json
from zoneinfo import ZoneInfo

import openpyxl

from desk.services.demo import install_demo
from desk.services.rooms import Rooms
from desk.services.rooms_export import attendance_counts, attendee_sessions, export_attendance
from desk.services.rooms_programme import import_programme, install_demo_programme
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
