"""The occupancy board rendered offscreen: every room, its count, free seats, colour words."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from desk.services.demo import install_demo
from desk.services.rooms import Rooms
from desk.services.rooms_programme import install_demo_programme
from desk.ui.rooms_board import RoomsBoard, level
from desk.ui.workers import Workers

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
    assert rows["Botanique"].free.text() == "FULL" and rows["Botanique"].bar.text() == "40 / 40  ·  FULL"
    assert rows["Atrium"].bar.text() == "50 / 60  ·  filling up" and rows["Atrium"].free.text() == "10 free"
    assert rows["Europa"].session.text().startswith("11:00–12:30  Smart manufacturing")
    assert rows["Grand Ballroom"].next.text().startswith("Next: Thu 16:00  Plenary")
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
