"""Door mode as a host uses it: scan in, move between rooms, exit, headcount, full room."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from desk.devices.sound import RecordingSound
from desk.services.demo import install_demo
from desk.services.rooms import Rooms
from desk.services.rooms_programme import install_demo_programme
from desk.store.schema_checkin import CheckinRow
from desk.ui.door_page import DoorPage
from desk.ui.workers import Workers

BXL = ZoneInfo("Europe/Brussels")


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2016, 12, 1, 11, 0, tzinfo=BXL)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def door(qtbot, db):
    data = install_demo(db, dt.date(2016, 11, 30))
    install_demo_programme(db, dt.date(2016, 11, 30))
    people = [r for r in data.registrations if r.is_attendee and dt.date(2016, 12, 1) in r.days]
    with db.begin() as session:
        session.add_all(CheckinRow(id=uuid.uuid4().hex, registration_id=r.registration_id, day=dt.date(2016, 12, 1),
                                   at=dt.datetime(2016, 12, 1, 8, 0, tzinfo=BXL), desk="entrance") for r in people[:-1])
    workers, clock, sound = Workers(), Clock(), RecordingSound()
    page = DoorPage(workers, Rooms(db, keys={}), clock, "door-1", sound, None, BXL)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(lambda: page.room_box.count() == 5, timeout=5000)
    yield page, people, clock, sound
    page.stop()
    workers.shutdown()


def pick(qtbot, page, room: str) -> None:
    page.room_box.setCurrentIndex(page.room_box.findData(room))
    qtbot.waitUntil(lambda: page.count_label.text().endswith("free"), timeout=5000)


def scan(qtbot, page, code: str) -> None:
    before = page.answers
    qtbot.keyClicks(page.scan_field, code)
    qtbot.keyClick(page.scan_field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.answers > before, timeout=5000)


def test_scan_in_then_move_to_another_room(qtbot, door) -> None:
    page, people, clock, sound = door
    pick(qtbot, page, "Europa")
    scan(qtbot, page, people[0].ticket_code)
    assert page.answer.text().startswith("IN\n") and people[0].full_name in page.answer.text()
    assert page.count_label.text() == "1 / 80   79 free" and sound.played == ["ok"]
    assert page.scan_field.hasFocus() or not page.isVisible()
    clock.now += dt.timedelta(minutes=2)
    pick(qtbot, page, "Atrium")
    scan(qtbot, page, people[0].ticket_code)
    assert page.count_label.text() == "1 / 60   59 free"
    pick(qtbot, page, "Europa")
    qtbot.waitUntil(lambda: page.count_label.text() == "0 / 80   80 free", timeout=5000)


def test_exit_mode_and_auto_exit_at_session_end(qtbot, door) -> None:
    page, people, clock, _sound = door
    pick(qtbot, page, "Rogier")
    scan(qtbot, page, people[0].ticket_code)
    scan(qtbot, page, people[1].ticket_code)
    qtbot.keyClick(page, Qt.Key.Key_F2)
    assert page.exit_button.isChecked() and "EXIT" in page.exit_button.text()
    scan(qtbot, page, people[1].ticket_code)
    assert page.answer.text().startswith("OUT") and page.count_label.text() == "1 / 50   49 free"
    clock.now = dt.datetime(2016, 12, 1, 12, 30, tzinfo=BXL)
    page.refresh()
    qtbot.waitUntil(lambda: page.count_label.text() == "0 / 50   50 free", timeout=5000)


def test_headcount_and_full_room_with_redirect(qtbot, door) -> None:
    page, people, _clock, sound = door
    pick(qtbot, page, "Botanique")
    page.headcount_box.setValue(40)
    qtbot.mouseClick(page.headcount_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Headcount recorded" in page.status_line.text(), timeout=5000)
    qtbot.waitUntil(lambda: page.count_label.text() == "40 / 40   0 free", timeout=5000)
    scan(qtbot, page, people[0].ticket_code)
    assert page.answer.text().startswith("ROOM FULL")
    assert page.detail.text().startswith("Send them to Europa") and "80 seats free" in page.detail.text()
    assert sound.played[-1] == "error"


def test_not_checked_in_and_unknown_codes_warn(qtbot, door) -> None:
    page, people, _clock, sound = door
    pick(qtbot, page, "Europa")
    scan(qtbot, page, people[-1].ticket_code)
    assert "not checked in" in page.answer.text() and sound.played[-1] == "warn"
    scan(qtbot, page, "NOPE-123")
    assert page.answer.text().startswith("UNKNOWN CODE") and sound.played[-1] == "error"
