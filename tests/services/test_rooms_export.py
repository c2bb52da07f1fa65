"""Attendance exports with hostile text: control characters and formulas stay inert."""

from __future__ import annotations

import csv
import datetime as dt
import re
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import update

from desk.services.demo.event import install_demo
from desk.services.rooms.door import Rooms
from desk.core.cells import safe_cell
from desk.services.rooms.export import export_attendance
from desk.services.rooms.programme import install_demo_programme
from desk.store import rooms as store
from desk.store.schema import RegistrationRow

BXL = ZoneInfo("Europe/Brussels")
START = dt.date(2016, 11, 30)
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
TITLE = "Skills\x07 lab\x00 \x1b[31mred\x1b[0m\tday\r\none\x85"
CLEAN = "Skills  lab   [31mred [0m day one "  # each run of controls is one space
FORMULA_TITLE = "\x1b=HYPERLINK(\"http://x\")"


@pytest.fixture
def hostile(db):
    data = install_demo(db, START)
    install_demo_programme(db, START)
    people = [r for r in data.registrations if r.is_attendee][:2]
    with db.begin() as session:
        sessions = store.list_sessions(session)
        a, b = sessions[0], sessions[1]
        store.replace_sessions(session, [type(a)(TITLE, a.priority_area, a.topic, a.room, a.start, a.end),
                                         type(b)(FORMULA_TITLE, "", "", b.room, b.start, b.end), *sessions[2:]])
        session.execute(update(RegistrationRow).where(RegistrationRow.registration_id == people[0].registration_id)
                        .values(last_name="Nowak\x08\x08", organisation="+48 Cluster\x0b"))
    rooms = Rooms(db, keys={})
    rooms.scan(a.room, people[0].ticket_code, a.start + dt.timedelta(minutes=5), "door")
    rooms.scan(b.room, people[1].ticket_code, b.start + dt.timedelta(minutes=5), "door")
    return db


def test_safe_cell_neutralises_controls_and_formulas():
    assert safe_cell(TITLE) == CLEAN
    assert safe_cell(FORMULA_TITLE) == "' =HYPERLINK(\"http://x\")"
    assert [safe_cell(v) for v in ("=1+1", "+32", "-2", "@SUM(A1)", "\t=1", "x\ud800", 7, None)] == \
        ["'=1+1", "'+32", "'-2", "'@SUM(A1)", "' =1", "x\ufffd", 7, None]
    assert safe_cell("Łódź – Müller, Δημήτρης") == "Łódź – Müller, Δημήτρης"


def test_the_xlsx_export_holds_control_characters_as_spaces(hostile, tmp_path):
    export_attendance(hostile, tmp_path / "attendance.xlsx")  # openpyxl raised IllegalCharacterError
    book = openpyxl.load_workbook(tmp_path / "attendance.xlsx")
    try:
        cells = [c for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
        titles = [row[0] for row in book["Sessions"].iter_rows(min_row=2, values_only=True)]
        people = list(book["Attendees"].iter_rows(min_row=2, values_only=True))
    finally:
        book.close()
    assert not any(CONTROL.search(c) for c in cells)
    assert CLEAN in titles
    assert "' =HYPERLINK(\"http://x\")" in titles
    assert ("Nowak ", "'+48 Cluster ") in [(p[1], p[3]) for p in people]


def test_the_csv_export_carries_no_raw_control_bytes(hostile, tmp_path):
    out = export_attendance(hostile, tmp_path / "attendance.csv")
    for path in (out, tmp_path / "attendance-attendees.csv", tmp_path / "attendance-counts.csv"):
        raw = path.read_bytes().decode("utf-8-sig")
        # the csv writer ends rows with CRLF; nothing else below 0x20 may be in the file
        assert not CONTROL.search(raw.replace("\r\n", "")), path.name
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    titles = {row[0] for row in rows[1:]}
    assert CLEAN in titles and "' =HYPERLINK(\"http://x\")" in titles
    with (tmp_path / "attendance-attendees.csv").open(encoding="utf-8-sig", newline="") as fh:
        people = list(csv.reader(fh))
    assert ["Nowak ", "'+48 Cluster "] in [[p[1], p[3]] for p in people]
    assert any(CLEAN.strip() in p[5] for p in people[1:])
