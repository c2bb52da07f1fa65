"""The pages show the event's own time: an event in Tokyo, on a laptop set to New York.

The check-in page's last scans and search, the door page (built as the window builds it)
and the print queue all say Tokyo time just after local midnight.
"""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from desk.config import Settings
from desk.core.attendees import Category, Event, Registration, Status
from desk.core.rooms.occupancy import ProgrammeSession, Room
from desk.devices.sound import RecordingSound
from desk.services.checkin.entrance import check_in
from desk.store import registrations as repo
from desk.store import rooms as rooms_store
from desk.ui.checkin.page import CheckInPage
from desk.ui.checkin.search import match_status
from desk.ui.common.workers import Workers
from desk.ui.rooms.door_page import build_page as build_door_page

TOKYO = ZoneInfo("Asia/Tokyo")
D1, D2 = dt.date(2016, 12, 1), dt.date(2016, 12, 2)
AFTER_MIDNIGHT = dt.datetime(2016, 12, 2, 0, 10, tzinfo=TOKYO)  # 15:10 UTC on 1 December
TIMEOUT_MS = 10_000


@pytest.fixture
def tokyo(db, monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")  # the laptop's own zone must not leak in
    time.tzset()
    people = [Registration(f"R-{n}", Status.VALIDATED, first, last, f"{n}@example.jp", "Tokyo Cluster", "JP",
                           Category.CLUSTER_PRACTITIONER, (), ticket_code=f"T-{n}")
              for n, (first, last) in enumerate((("Yuki", "Tanaka"), ("Kenji", "Sato")), start=1)]
    with db.begin() as session:
        repo.save_event(session, Event("Tokyo Cluster Days", "Tokyo", (D1, D2), timezone="Asia/Tokyo"))
        repo.store_registrations(session, people, [], "test", AFTER_MIDNIGHT - dt.timedelta(days=30))
        rooms_store.save_rooms(session, [Room("Hall A", 40)])
        rooms_store.replace_sessions(session, [
            ProgrammeSession("Night talk", "", "", "Hall A", dt.datetime(2016, 12, 1, 23, 0, tzinfo=TOKYO),
                             dt.datetime(2016, 12, 1, 23, 59, tzinfo=TOKYO)),
            ProgrammeSession("Midnight session", "", "", "Hall A", dt.datetime(2016, 12, 2, 0, 0, tzinfo=TOKYO),
                             dt.datetime(2016, 12, 2, 1, 0, tzinfo=TOKYO))])
    yield db, people
    monkeypatch.delenv("TZ")
    time.tzset()


def test_checkin_page_shows_tokyo_time_after_local_midnight(qtbot, tokyo) -> None:
    db, people = tokyo
    check_in(db, people[0].ticket_code, "entrance-B", AFTER_MIDNIGHT)
    workers = Workers()
    page = CheckInPage(db=db, workers=workers, settings=Settings(desk_name="entrance-A", camera="none"),
                       sound=RecordingSound(), clock=lambda: AFTER_MIDNIGHT + dt.timedelta(minutes=5),
                       decoder=None, camera_factory=None, print_badge=lambda _rid, _on_result: None)
    qtbot.addWidget(page)
    try:
        page.show()
        qtbot.waitUntil(lambda: "Checked in today: 1 / 2 expected" in page.counters.text(), timeout=TIMEOUT_MS)
        assert page.recent_model.data(page.recent_model.index(0, 0)) == "00:10:00"
        page.search_box.setText("Tanaka")
        qtbot.waitUntil(lambda: page.search_model.rowCount() == 1, timeout=TIMEOUT_MS)
        match = page.search_model.row_at(0)
        assert match_status(match) == "✔ already in at 00:10 (entrance-B)"
        # Kenji is welcomed on day 2 (his first scan after local midnight)
        page.scan_field.setText(people[1].ticket_code)
        qtbot.keyClick(page.scan_field, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: page.answer.headline.text() == "WELCOME", timeout=TIMEOUT_MS)
    finally:
        page.shutdown()
        workers.shutdown()


def test_door_page_built_by_the_window_says_the_session_in_tokyo_time(qtbot, tokyo) -> None:
    db, _people = tokyo
    workers = Workers()
    page = build_door_page(db=db, workers=workers, clock=lambda: AFTER_MIDNIGHT, sound=RecordingSound(),
                           settings=Settings(desk_name="door-1", camera="none"), camera_factory=None, decoder=None)
    qtbot.addWidget(page)
    try:
        page.show()
        qtbot.waitUntil(lambda: page.room_box.count() == 1, timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: "Midnight session" in page.session_label.text(), timeout=TIMEOUT_MS)
        assert page.session_label.text() == "00:00–01:00  Midnight session"
    finally:
        page.stop()
        workers.shutdown()
