"""The voting kiosk as a participant uses it: scan the badge, choose, confirm, "Thank you";
the kiosk forgets a half-filled ballot after the idle time, and the window sends scans to it."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QWidget

from desk.core.attendees import Category
from desk.core.awards.results import TieBreak
from desk.services.awards.results import award_results
from desk.services.awards.voting import ballot_paper, cast_ballots
from desk.services.checkin.entrance import check_in_registration
from desk.services.demo.awards import MANAGER, PARTNERSHIP, install_demo_awards
from desk.services.demo.event import EVENT_TZ, install_demo
from desk.ui.awards.kiosk import READY, KioskPage
from desk.ui.common.deferred_page import DeferredPage
from desk.ui.common.scan_burst import scanner_keys
from desk.ui.common.workers import Workers
from desk.ui.main_window import MainWindow

START = dt.date(2016, 11, 30)
NOW = dt.datetime(2016, 12, 1, 11, 0, tzinfo=EVENT_TZ)
TIMEOUT_MS = 10_000
# long enough that a loaded machine presses the next key before the kiosk gives up on the person
IDLE_MS = 2_000


@pytest.fixture
def people(db):
    data = install_demo(db, START)
    install_demo_awards(db, START)
    day = NOW.date()
    attendees = [r for r in data.registrations if r.is_attendee and day in (r.days or (day,)) and r.ticket_code]
    voters = [r for r in attendees if r.category != Category.STAFF][:3]
    staff = next(r for r in attendees if r.category == Category.STAFF)
    for r in (*voters, staff):
        check_in_registration(db, r.registration_id, "entrance", NOW - dt.timedelta(hours=2))
    return voters, staff


@pytest.fixture
def kiosk(qtbot, db, people):
    workers = Workers()
    page = KioskPage(workers, lambda code, at: ballot_paper(db, code, at, {}, from_keyboard=True),
                     lambda code, choices, at: cast_ballots(db, code, choices, at, {}, from_keyboard=True),
                     lambda: NOW, idle_ms=IDLE_MS)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    yield page
    workers.shutdown()


def scan(qtbot, page, window, code: str) -> None:
    answered = page.answers
    scanner_keys(window, code)
    qtbot.waitUntil(lambda: page.answers == answered + 1, timeout=TIMEOUT_MS)


def counts(db, award: str) -> dict[str, int]:
    (result,) = [r for r in award_results(db, TieBreak("earliest-ballot")) if r.award == award]
    assert result.reconciled
    return {f.name: f.votes for f in result.finalists}


def test_a_participant_scans_chooses_confirms_and_is_thanked(qtbot, db, kiosk, people) -> None:
    voters, _staff = people
    scan(qtbot, kiosk, kiosk.windowHandle(), voters[0].ticket_code)
    assert kiosk.award_title.text() == MANAGER
    texts = [b.text() for b in kiosk.finalist_buttons]
    assert texts[1].startswith("2   Małgorzata Wójcik") and "Silesian Circular Economy Cluster" in texts[1]
    assert all(b.height() >= 100 for b in kiosk.finalist_buttons)  # large targets
    QTest.keyClick(kiosk, Qt.Key.Key_2)  # a person: the scanner filter hands the key on
    qtbot.waitUntil(lambda: kiosk.award_title.text() == PARTNERSHIP, timeout=TIMEOUT_MS)
    qtbot.mouseClick(kiosk.finalist_buttons[1], Qt.MouseButton.LeftButton)  # touch the second finalist
    qtbot.waitUntil(lambda: kiosk.stack.currentIndex() == 2, timeout=TIMEOUT_MS)
    assert "Małgorzata Wójcik" in kiosk.summary.text() and "ESCP-4i Circular Value Chains" in kiosk.summary.text()
    QTest.keyClick(kiosk, Qt.Key.Key_Backspace)  # change the second choice
    qtbot.waitUntil(lambda: kiosk.stack.currentIndex() == 1, timeout=TIMEOUT_MS)
    assert "you chose ESCP-4i Circular Value Chains" in kiosk.award_hint.text()
    QTest.keyClick(kiosk, Qt.Key.Key_3)
    qtbot.waitUntil(lambda: kiosk.stack.currentIndex() == 2, timeout=TIMEOUT_MS)
    answered = kiosk.answers
    QTest.keyClick(kiosk, Qt.Key.Key_Return)
    # at once: the choices are gone and the kiosk waits for the next badge
    assert kiosk.stack.currentIndex() == 0 and kiosk.prompt.text() == READY and "Thank you" in kiosk.message.text()
    qtbot.waitUntil(lambda: kiosk.answers == answered + 1, timeout=TIMEOUT_MS)
    assert kiosk.message.text() == "Thank you! Your vote is counted."
    assert counts(db, MANAGER)["Małgorzata Wójcik"] == 1
    assert counts(db, PARTNERSHIP)["ESCP-4i Data-Driven Creative Industries"] == 1

    # the same badge again: nothing left to vote for
    scan(qtbot, kiosk, kiosk.windowHandle(), voters[0].ticket_code)
    assert kiosk.stack.currentIndex() == 0 and "already voted" in kiosk.message.text()


def test_who_may_not_vote_reads_why(qtbot, kiosk, people) -> None:
    _voters, staff = people
    scan(qtbot, kiosk, kiosk.windowHandle(), staff.ticket_code)
    assert kiosk.stack.currentIndex() == 0 and kiosk.message.text() == "Staff do not vote."
    kiosk.hold_timer.setInterval(50)  # the answer goes, the prompt stays
    kiosk.hold_timer.start()
    qtbot.waitUntil(lambda: kiosk.message.text() == READY, timeout=TIMEOUT_MS)
    scan(qtbot, kiosk, kiosk.windowHandle(), "ECC2016-NOSUCHCODE")
    assert "Nobody with this code is registered" in kiosk.message.text()


def test_an_idle_ballot_is_forgotten(qtbot, db, kiosk, people) -> None:
    voters, _staff = people
    scan(qtbot, kiosk, kiosk.windowHandle(), voters[1].ticket_code)
    QTest.keyClick(kiosk, Qt.Key.Key_1)
    qtbot.waitUntil(lambda: kiosk.award_title.text() == PARTNERSHIP, timeout=TIMEOUT_MS)
    # the person walks away: after the idle time the kiosk is back to "scan your badge", nothing cast
    qtbot.waitUntil(lambda: kiosk.stack.currentIndex() == 0 and kiosk.message.text() == READY, timeout=TIMEOUT_MS)
    QTest.keyClick(kiosk, Qt.Key.Key_Return)
    qtbot.wait(100)
    assert counts(db, MANAGER) == {n: 0 for n in counts(db, MANAGER)}
    # Esc starts again at once
    scan(qtbot, kiosk, kiosk.windowHandle(), voters[1].ticket_code)
    QTest.keyClick(kiosk, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: kiosk.stack.currentIndex() == 0, timeout=TIMEOUT_MS)
    assert kiosk.message.text() == READY


def test_the_window_sends_scans_to_the_kiosk_when_it_is_the_current_tab(qtbot, db, people) -> None:
    voters, _staff = people
    workers = Workers()
    built: list[KioskPage] = []

    def build() -> KioskPage:
        built.append(KioskPage(workers, lambda code, at: ballot_paper(db, code, at, {}, from_keyboard=True),
                               lambda code, choices, at: cast_ballots(db, code, choices, at, {}), lambda: NOW))
        return built[0]

    entrance = QWidget()
    search = QLineEdit(entrance)
    window = MainWindow("desk", [("Check-in", entrance), ("Awards", DeferredPage(build))])
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: bool(built), timeout=TIMEOUT_MS)
    kiosk = built[0]
    assert window.scan_target() is kiosk
    window.tabs.setFocus()  # the tab bar has the focus, not the kiosk
    scan(qtbot, kiosk, window.windowHandle(), voters[2].ticket_code)
    assert kiosk.award_title.text() == MANAGER and search.text() == ""
    window.close()
    workers.shutdown()
