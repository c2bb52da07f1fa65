"""Scanner bursts at the window level: the timing rule alone, then the filter on real widgets,
the door and matchmaking pages included."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QPushButton, QTableWidget, QVBoxLayout, QWidget

from desk.config import Settings
from desk.devices.sound import RecordingSound
from desk.services.demo.event import install_demo
from desk.services.rooms.door import Rooms
from desk.services.rooms.programme import install_demo_programme
from desk.ui.rooms.door_page import DoorPage
from desk.ui.matchmaking.page import build_page as build_match_page
from desk.ui.common.scan_burst import BurstRule, install_scan_bursts, scan_target, scanner_keys
from desk.ui.common.workers import Workers

BXL = ZoneInfo("Europe/Brussels")


# --- the rule, no widgets ------------------------------------------------------------------

def feed(rule: BurstRule, text: str, start_ms: float, gap_ms: float) -> tuple[str, float]:
    """Type `text` into the rule; return what it released as typing and the time of the last key."""
    released, at = "", start_ms
    for i, ch in enumerate(text):
        at = start_ms + i * gap_ms
        released += rule.typed(ch, at)
    return released, at


def test_keys_a_few_ms_apart_ending_in_enter_are_a_scan() -> None:
    rule = BurstRule()
    released, last = feed(rule, "ECC2016-B4299691", 0, 4)
    assert released == "" and rule.held == 16
    assert rule.ended(last + 4) == "ECC2016-B4299691" and rule.held == 0


def test_a_person_typing_is_released_key_by_key() -> None:
    rule = BurstRule()
    released, last = feed(rule, "bakker", 0, 90)
    assert released == "bakke"  # each key goes out when the next comes too late to be a burst
    assert rule.due(last + 60) and rule.release() == "r"
    assert rule.ended(last + 200) is None


def test_short_or_late_enter_is_not_a_scan() -> None:
    rule = BurstRule(min_length=8)
    _, last = feed(rule, "mul", 0, 3)
    assert rule.ended(last + 3) is None and rule.release() == "mul"  # too short: typed
    _, last = feed(rule, "ECC2016-B4299691", 1000, 3)
    assert rule.ended(last + 120) is None  # Enter long after the code: a person pressed it
    assert rule.release() == "ECC2016-B4299691"


def test_a_pause_inside_cuts_the_burst_and_releases_what_came_before() -> None:
    rule = BurstRule(max_gap_ms=50)
    feed(rule, "ECC2016-", 0, 3)
    assert rule.typed("B", 21 + 80) == "ECC2016-"
    assert rule.held == 1


# --- the filter on widgets ----------------------------------------------------------------

class Page(QWidget):
    """The smallest scan target: a search box, a table, a button and a dialog."""

    def __init__(self) -> None:
        super().__init__()
        self.codes: list[str] = []
        self.search = QLineEdit()
        self.table = QTableWidget(3, 2)
        self.button = QPushButton("Act")
        self.clicks = 0
        self.button.clicked.connect(lambda: setattr(self, "clicks", self.clicks + 1))
        layout = QVBoxLayout(self)
        for w in (self.search, self.table, self.button):
            layout.addWidget(w)
        install_scan_bursts()

    def take_scan(self, code: str) -> None:
        self.codes.append(code)


def burst(target, code: str, gap_s: float = 0.003) -> None:
    """A scanner's burst into a window: keys stamped `gap_s` apart as typed, then Enter."""
    scanner_keys(target, code, gap_s * 1000)


def qtest_burst(target, code: str) -> None:
    """The same through QTest (keys stamped when sent, shortcuts map included)."""
    for ch in code:
        QTest.keyClick(target, ch)
        time.sleep(0.002)
    QTest.keyClick(target, Qt.Key.Key_Return)


def test_a_burst_goes_to_the_page_from_any_widget_and_typing_stays_typing(qtbot) -> None:
    page = Page()
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    for widget in (page.search, page.table, page.button):
        widget.setFocus()
        burst(page.windowHandle(), "ECC2016-B4299691")
        assert page.codes[-1] == "ECC2016-B4299691"
    assert len(page.codes) == 3 and page.search.text() == "" and page.clicks == 0
    page.search.setFocus()
    for ch in "muller":  # a person, 90 ms a key
        QTest.keyClick(page.windowHandle(), ch)
        qtbot.wait(90)
    qtbot.waitUntil(lambda: page.search.text() == "muller", timeout=2000)
    burst(page.windowHandle(), "D1:ABCDEFGHJK")
    assert page.codes[-1] == "D1:ABCDEFGHJK" and page.search.text() == "muller"
    qtest_burst(page.windowHandle(), "ECC2016-QT000001")  # through Qt's own key path too
    assert page.codes[-1] == "ECC2016-QT000001" and page.search.text() == "muller"


def test_a_dialog_of_the_page_passes_its_bursts_to_the_page(qtbot) -> None:
    page = Page()
    qtbot.addWidget(page)
    page.show()
    dialog = QWidget(page, Qt.WindowType.Dialog)
    field = QLineEdit(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    field.setFocus()
    assert scan_target(field) is page
    burst(dialog.windowHandle(), "ECC2016-B4299691")
    assert page.codes == ["ECC2016-B4299691"] and field.text() == ""


def test_keys_where_no_page_scans_are_not_held(qtbot) -> None:
    lone = QLineEdit()
    qtbot.addWidget(lone)
    lone.show()
    qtbot.waitExposed(lone)
    install_scan_bursts()
    qtest_burst(lone.windowHandle(), "ECC2016-B4299691")
    assert lone.text() == "ECC2016-B4299691"  # typed at once, nothing held back


def test_the_door_page_takes_a_burst_typed_anywhere(qtbot, db) -> None:
    data = install_demo(db, dt.date(2016, 11, 30))
    install_demo_programme(db, dt.date(2016, 11, 30))
    person = next(r for r in data.registrations if r.is_attendee and dt.date(2016, 12, 1) in r.days)
    workers, sound = Workers(), RecordingSound()
    page = DoorPage(workers, Rooms(db, keys={}), lambda: dt.datetime(2016, 12, 1, 11, 0, tzinfo=BXL),
                    "door-1", sound, None, BXL)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: page.room_box.count() == 5, timeout=5000)
    qtbot.wait(300)
    page.room_box.setFocus()  # the room picker, not the scan field
    burst(page.windowHandle(), person.ticket_code)
    qtbot.waitUntil(lambda: page.answers == 1, timeout=5000)
    assert sound.played and page.room_box.findData(page.room()) >= 0
    page.stop()
    workers.shutdown()


def test_the_matchmaking_page_takes_a_burst_as_a_presence_scan(qtbot, db) -> None:
    workers = Workers()
    page = build_match_page(db=db, workers=workers, clock=lambda: dt.datetime(2016, 11, 30, 8, 35, tzinfo=BXL),
                            sound=RecordingSound(), settings=Settings(desk_name="match desk"))
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    qtbot.wait(300)
    page.tables.setFocus()  # a spin box: a burst must not become its value
    burst(page.windowHandle(), "NOT-A-BADGE-0001")
    qtbot.waitUntil(lambda: page.scan_answer.text().startswith("✖"), timeout=5000)
    assert page.scan.text() == ""
    workers.shutdown()
