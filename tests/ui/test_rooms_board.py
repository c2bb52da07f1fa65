"""The occupancy board rendered offscreen: every room, its count, free seats, colour words."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desk.services.demo.event import install_demo
from desk.services.rooms.door import Rooms
from desk.services.rooms.programme import install_demo_programme
from desk.ui.rooms.board import RoomsBoard, level
from desk.ui.common.workers import Workers

BXL = ZoneInfo("Europe/Brussels")


def test_colour_levels_pair_with_words() -> None:
    assert level(0.5)[1] == "seats free" and level(0.8)[1] == "filling up"
    assert level(0.95)[1] == "almost full" and level(1.0)[1] == "FULL"


def test_board_shows_every_room_and_follows_door_scans(qtbot, db, tmp_path) -> None:
    data = install_demo(db, dt.date(2016, 11, 30))
    install_demo_programme(db, dt.date(2016, 11, 30))
    rooms = Rooms(db, keys={})
    now = dt.datetime(2016, 12, 1, 11, 5, tzinfo=BXL)
    rooms.headcount("Botanique", 40, now, "host")
    rooms.headcount("Atrium", 50, now, "host")
    workers = Workers()
    board = RoomsBoard(workers, rooms.status, lambda: now, BXL)
    qtbot.addWidget(board)
    board.resize(1366, 768)
    qtbot.waitUntil(lambda: board.refreshed >= 1, timeout=5000)
    rows = {row.name.text(): row for row in board._rows}
    assert list(rows) == ["Grand Ballroom", "Europa", "Atrium", "Rogier", "Botanique"]
    assert rows["Botanique"].free.text() == "FULL"
    assert rows["Botanique"].bar.text() == "40 of 40 seats taken — FULL"
    assert rows["Atrium"].bar.text() == "50 of 60 seats taken — 10 free, filling up"
    assert rows["Atrium"].free.text() == "10 free"
    assert rows["Europa"].bar.text() == "0 of 80 seats taken — 80 free"
    assert rows["Europa"].session.text().startswith("Now 11:00–12:30: Smart manufacturing")
    assert rows["Grand Ballroom"].next.text().startswith("Next: Thu 16:00 Plenary")
    person = next(r for r in data.registrations if r.is_attendee)
    rooms.scan("Europa", person.ticket_code, now, "door")
    seen = board.refreshed
    qtbot.waitUntil(lambda: board.refreshed > seen + 1, timeout=3000)  # the poll picks the scan up
    assert rows["Europa"].free.text() == "79 free"
    image = board.grab()
    assert (image.width(), image.height()) == (1366, 768)
    assert image.save(str(tmp_path / "board.png"))
    board.stop()
    workers.shutdown()


def _press(qtbot, key) -> None:
    """A key as the keyboard sends it: to whatever window and widget have the focus."""
    target = QApplication.focusWidget() or QApplication.activeWindow()
    assert target is not None, "no window has the keyboard"
    qtbot.keyClick(target, key)


def test_esc_leaves_full_screen_and_a_reopened_board_is_live(qtbot, db) -> None:
    data = install_demo(db, dt.date(2016, 11, 30))
    install_demo_programme(db, dt.date(2016, 11, 30))
    rooms = Rooms(db, keys={})
    now = dt.datetime(2016, 12, 1, 11, 5, tzinfo=BXL)
    workers = Workers()
    board = RoomsBoard(workers, rooms.status, lambda: now, BXL)
    qtbot.addWidget(board)
    board.showFullScreen()  # as the door's F11 opens it
    qtbot.waitExposed(board)
    qtbot.waitUntil(board.isActiveWindow, timeout=3000)
    assert board.isFullScreen()
    _press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not board.isFullScreen(), timeout=3000)
    assert board.width() <= 1366 and board.height() <= 768
    _press(qtbot, Qt.Key.Key_F11)
    qtbot.waitUntil(board.isFullScreen, timeout=3000)
    qtbot.waitUntil(lambda: board.refreshed >= 1, timeout=5000)
    board.close()
    rooms.headcount("Botanique", 40, now, "host")  # the room fills while the board is closed
    board.showFullScreen()
    qtbot.waitUntil(lambda: {r.name.text(): r.free.text() for r in board._rows}.get("Botanique") == "FULL",
                    timeout=3000)
    person = next(r for r in data.registrations if r.is_attendee)
    rooms.scan("Europa", person.ticket_code, now, "door")
    qtbot.waitUntil(lambda: {r.name.text(): r.free.text() for r in board._rows}["Europa"] == "79 free",
                    timeout=3000)  # and it keeps following the doors
    board.close()
    workers.shutdown()
