"""The entrance page driven as a desk worker would: scanner bursts, a webcam video, search, undo."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QWindow
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.exceptions import TimeoutError

from desk.app import Desk, build_desk, page_factories
from desk.config import Settings
from desk.services.demo.event import EVENT_TZ
from desk.devices.base import DeviceError
from desk.devices.camera import FileCamera
from desk.devices.decoder import default_decoder
from desk.devices.sound import RecordingSound
from desk.devices.synthetic import Degradation, make_frame, write_video
from desk.services.demo.event import install_demo
from desk.ui.common import theme
from desk.ui.badges.actions import folder_printer
from desk.ui.checkin.page import CheckInPage, build_page
from desk.ui.common.scan_burst import scanner_keys
from desk.ui.common.scan_worker import RepeatFilter
from desk.ui.common.workers import Workers

NOW = dt.datetime(2016, 12, 1, 8, 45, tzinfo=EVENT_TZ)
TIMEOUT_MS = 10_000


@pytest.fixture
def people(db):
    regs = install_demo(db, dt.date(2016, 11, 30), now=NOW).registrations
    return [r for r in regs if r.is_attendee and dt.date(2016, 12, 1) in r.days]


@pytest.fixture
def make_page(qtbot, db, people):
    made: list[tuple[CheckInPage, Desk]] = []

    def make(camera_factory=None, print_badge=None) -> tuple[CheckInPage, Desk]:
        ticks = itertools.count()  # a clock that moves: one second per look, from 08:45
        ctx = Desk(settings=Settings(desk_name="entrance-A", camera="none"), db=db, workers=Workers(),
                   sound=RecordingSound(), decoder=default_decoder(), camera_factory=camera_factory,
                   clock=lambda: NOW + dt.timedelta(seconds=next(ticks)), printer_for=folder_printer,
                   list_printers=list, print_badge=print_badge or (lambda _rid, _said: None))
        page = build_page(db=ctx.db, workers=ctx.workers, settings=ctx.settings, sound=ctx.sound, clock=ctx.clock,
                          decoder=ctx.decoder, camera_factory=ctx.camera_factory, print_badge=ctx.print_badge)
        qtbot.addWidget(page)
        page.resize(1366, 700)
        page.show()
        qtbot.waitUntil(lambda: "expected" in page.counters.text(), timeout=TIMEOUT_MS)
        made.append((page, ctx))
        return page, ctx
    yield make
    for page, ctx in made:
        page.shutdown()
        ctx.workers.shutdown()


def scan_burst(qtbot, page: CheckInPage, code: str, end=Qt.Key.Key_Return) -> None:
    """What a handheld scanner does: type the code fast, then Enter (or Tab)."""
    qtbot.keyClicks(page.scan_field, code)
    qtbot.keyClick(page.scan_field, end)


def wait_answer(qtbot, page: CheckInPage, headline: str) -> None:
    try:
        qtbot.waitUntil(lambda: page.answer.headline.text() == headline, timeout=TIMEOUT_MS)
    except TimeoutError:
        raise AssertionError(f"waited for {headline}, the page shows {page.answer.headline.text()!r}: "
                             f"{page.answer.sentence.text()!r}; scan field {page.scan_field.text()!r}") from None


def test_scanner_burst_welcomes_then_says_already_in(qtbot, make_page, people) -> None:
    page, ctx = make_page()
    person = people[0]
    scan_burst(qtbot, page, person.ticket_code)
    wait_answer(qtbot, page, "WELCOME")
    assert page.answer.family == "ok" and page.answer.colour == theme.GREEN
    assert page.answer.name.text() == person.full_name
    assert person.category.label in page.answer.detail.text()
    assert ctx.sound.played == ["ok"]
    assert page.scan_field.hasFocus() and page.scan_field.text() == ""
    qtbot.waitUntil(lambda: "Checked in today: 1 /" in page.counters.text(), timeout=TIMEOUT_MS)
    assert page.recent_model.rows()[0].outcome == "welcome"
    scan_burst(qtbot, page, person.ticket_code, end=Qt.Key.Key_Tab)  # Tab ends a burst too
    wait_answer(qtbot, page, "ALREADY IN")
    assert page.answer.family == "warn" and "Already checked in at 08:45 at entrance-A" in page.answer.sentence.text()
    assert ctx.sound.played == ["ok", "warn"]


def test_refusals_are_red_with_the_error_sound(qtbot, make_page) -> None:
    page, ctx = make_page()
    scan_burst(qtbot, page, "ECC2016-NOBODY00")
    wait_answer(qtbot, page, "UNKNOWN CODE")
    assert page.answer.family == "error" and "search by name" in page.answer.sentence.text().lower()
    assert ctx.sound.played == ["error"]
    assert page.scan_field.hasFocus()


def test_answer_returns_to_ready_after_a_few_seconds(qtbot, make_page, people) -> None:
    page, _ctx = make_page()
    page.answer_hold_ms = 200
    scan_burst(qtbot, page, people[1].ticket_code)
    wait_answer(qtbot, page, "WELCOME")
    wait_answer(qtbot, page, "Ready: scan a badge")


def test_search_and_enter_checks_in_then_undo(qtbot, make_page, people) -> None:
    printed: list[str] = []

    def print_badge(registration_id: str, said) -> None:
        printed.append(registration_id)
        said("Badge printed.")

    page, ctx = make_page(print_badge=print_badge)
    qtbot.keyClick(page, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)  # print badge on check-in
    assert page.print_box.isChecked()
    person = people[2]
    qtbot.keyClick(page, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.search_box.hasFocus()
    page.search_box.setText(person.email)  # may hold non-ASCII letters: setText, not keyClicks
    qtbot.waitUntil(lambda: page.search_model.rowCount() == 1, timeout=TIMEOUT_MS)
    qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    wait_answer(qtbot, page, "WELCOME")
    assert page.answer.name.text() == person.full_name and printed == [person.registration_id]
    assert page.status.text() == "Badge printed."  # what printing said, on the page that asked
    assert page.scan_field.hasFocus()
    qtbot.keyClick(page, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    wait_answer(qtbot, page, "CHECK-IN UNDONE")
    assert page.answer.family == "warn" and ctx.sound.played == ["ok", "warn"]
    qtbot.waitUntil(lambda: bool(page.recent_model.rows()) and page.recent_model.rows()[0].outcome == "undo",
                    timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: "Checked in today: 0 /" in page.counters.text(), timeout=TIMEOUT_MS)  # its own read


def test_search_finds_a_pending_registration_and_says_why_it_is_not_let_in(qtbot, make_page, db) -> None:
    from desk.core.attendees import Status
    from desk.store.registrations import all_registrations

    page, ctx = make_page()
    with db.begin() as session:
        pending = next(r for r in all_registrations(session) if r.status is Status.PENDING)
    page.search_box.setText(pending.email)
    qtbot.waitUntil(lambda: page.search_model.rowCount() == 1, timeout=TIMEOUT_MS)
    assert page.search_model.index(0, 2).data() == "⏳ awaiting validation"
    qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    wait_answer(qtbot, page, "NOT VALIDATED")
    assert "waiting for validation" in page.answer.sentence.text() and ctx.sound.played == ["warn"]


def test_webcam_video_of_a_held_badge_is_one_scan(qtbot, make_page, people, tmp_path) -> None:
    person = people[3]
    degraded = Degradation(tilt_deg=25, blur_sigma=0.8, noise_sigma=6, glare=0.5, jpeg_quality=70)
    frames = [make_frame(None, (640, 480), seed=i) for i in range(3)] + [
        make_frame(person.ticket_code, (640, 480), module_px=6, degradation=degraded, seed=10 + i) for i in range(20)]
    video = write_video(tmp_path / "webcam.avi", frames, fps=30, codec="MJPG")
    page, ctx = make_page(camera_factory=lambda: FileCamera(video, loop=True))
    page.start_camera()
    wait_answer(qtbot, page, "WELCOME")
    qtbot.waitUntil(lambda: page.preview.pixmap() is not None and not page.preview.pixmap().isNull(),
                    timeout=TIMEOUT_MS)
    assert page.camera_status.text().startswith("Camera on")
    # the video loops: the badge is in view again and again, still one scan
    qtbot.waitUntil(lambda: page.camera.running, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(page.status_refreshed, timeout=TIMEOUT_MS):
        page.refresh_status()
    assert [r.outcome for r in page.recent_model.rows()] == ["welcome"]
    assert ctx.sound.played == ["ok"]


def test_closing_the_window_lets_go_of_the_webcam(qtbot, make_page, tmp_path) -> None:
    frames = [make_frame(None, (320, 240), seed=i) for i in range(5)]
    video = write_video(tmp_path / "idle.avi", frames, fps=30, codec="MJPG")
    page, _ctx = make_page(camera_factory=lambda: FileCamera(video, loop=True))
    page.start_camera()
    qtbot.waitUntil(lambda: page.camera.running, timeout=TIMEOUT_MS)
    page.window().close()  # the desk window (here the page itself) closes: the camera stops
    qtbot.waitUntil(lambda: not page.camera.running, timeout=TIMEOUT_MS)


def test_a_missing_camera_is_a_state_with_retry(qtbot, make_page) -> None:
    def missing() -> FileCamera:
        raise DeviceError("camera 0 is not connected or busy")
    page, _ctx = make_page(camera_factory=missing)
    page.start_camera()
    qtbot.waitUntil(lambda: page.retry_button.isVisible(), timeout=TIMEOUT_MS)
    assert "not connected or busy" in page.camera_status.text() and page.preview.text() == "No camera"
    qtbot.keyClick(page, Qt.Key.Key_F2)  # retry: still missing, still no crash
    qtbot.waitUntil(lambda: page.retry_button.isVisible(), timeout=TIMEOUT_MS)


def test_checklist_button_writes_the_pdf(qtbot, make_page, tmp_path) -> None:
    page, _ctx = make_page()
    page.write_checklist(str(tmp_path / "paper.pdf"))
    qtbot.waitUntil(lambda: "page(s)" in page.status.text(), timeout=TIMEOUT_MS)
    assert (tmp_path / "paper.pdf").read_bytes().startswith(b"%PDF")


def test_the_desk_window_opens_on_the_entrance_tab(qtbot, db) -> None:
    ctx = build_desk(Settings(camera="none"), db, Workers())
    (title, build), *_later = page_factories(ctx)
    page = build()
    qtbot.addWidget(page)
    assert title == "Check-in" and isinstance(page, CheckInPage)
    page.shutdown()
    ctx.workers.shutdown()


def test_repeat_filter_counts_a_held_code_once() -> None:
    repeat = RepeatFilter(hold_s=3.0)
    assert repeat.accept("A", 0.0)
    assert not any(repeat.accept("A", t / 10) for t in range(1, 100))  # held for ten seconds
    assert repeat.accept("B", 10.0)
    assert repeat.accept("A", 14.0)  # away for four seconds: a new scan


# --- issue 11: the entrance under pressure (real key events, real timing) ----------------------

SCANNER_GAP_MS = 3  # a handheld scanner: a key every few milliseconds
PERSON_GAP_MS = 90  # a person typing


def type_keys(qtbot, target, text: str, gap_ms: int, end=Qt.Key.Key_Return) -> None:
    """Type `text` key by key into `target` (a widget, or a window: then its focus widget gets the keys).

    A person's keys (QTest, the event loop running between them); a scanner's keys come
    `gap_ms` apart, stamped when typed as the windowing system stamps them
    (desk.ui.common.scan_burst.scanner_keys), and reach the window's focus widget through the window.
    """
    if gap_ms < 50 and end is not None:
        window = target if isinstance(target, QWindow) else target.window().windowHandle()
        if not isinstance(target, QWindow):
            target.setFocus()
        scanner_keys(window, text, gap_ms, end)
        return
    for ch in text:
        QTest.keyClick(target, ch)
        qtbot.wait(gap_ms)
    if end is not None:
        QTest.keyClick(target, end)


def settle(qtbot) -> None:
    """Let the last answer's repaint and counters land: a test's keys are stamped when sent, so a
    repaint between two of them would stretch a burst, where a real scanner's keys keep their time."""
    qtbot.wait(300)


def checked_in_today(db) -> set[str]:
    from desk.store.checkins import checked_in_ids

    with db.begin() as session:
        return checked_in_ids(session, NOW.date())


def test_a_scan_into_the_search_box_checks_in_the_scanned_person_only(qtbot, make_page, people, db) -> None:
    page, _ctx = make_page()
    scanned = next(p for p in people if p.last_name == "Bakker")
    page.search_box.setFocus()
    page.search_box.setText("muller")  # left in the search box
    qtbot.waitUntil(lambda: page.search_model.rowCount() > 0, timeout=TIMEOUT_MS)
    type_keys(qtbot, page.search_box, scanned.ticket_code, SCANNER_GAP_MS)
    wait_answer(qtbot, page, "WELCOME")
    assert page.answer.name.text() == scanned.full_name
    assert checked_in_today(db) == {scanned.registration_id}
    assert page.search_box.text() == "muller"  # the burst never became a search


def test_the_first_scan_after_start_is_answered(qtbot, make_page, people) -> None:
    page, _ctx = make_page()
    qtbot.waitExposed(page)
    assert page.scan_field.hasFocus()  # from the first paint
    # the keys go where the window sends them, as a scanner's would
    type_keys(qtbot, page.windowHandle(), people[4].ticket_code, SCANNER_GAP_MS)
    wait_answer(qtbot, page, "WELCOME")
    assert page.answer.name.text() == people[4].full_name


def test_the_first_scan_after_the_settings_dialog_is_answered(qtbot, make_page, people) -> None:
    from desk.ui.main_window import MainWindow
    from desk.ui.common.settings_dialog import SettingsDialog

    page, ctx = make_page()
    window = MainWindow("desk", [("Check-in", page), ("Attendees", QWidget())])
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: page.scan_field.hasFocus(), timeout=TIMEOUT_MS)
    dialog = SettingsDialog(ctx.settings, lambda _s: None, window)
    dialog.open()
    qtbot.waitExposed(dialog)
    QTest.keyClick(dialog.windowHandle(), Qt.Key.Key_Escape)  # closed with the keyboard
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=TIMEOUT_MS)
    assert window.focusWidget() is page.scan_field  # where the window sends the next keys
    window.activateWindow()  # what the window manager does when the dialog closes
    qtbot.waitUntil(lambda: page.scan_field.hasFocus(), timeout=TIMEOUT_MS)
    type_keys(qtbot, window.windowHandle(), people[5].ticket_code, SCANNER_GAP_MS)
    wait_answer(qtbot, page, "WELCOME")
    assert page.answer.name.text() == people[5].full_name
    settle(qtbot)
    # focus on the tab bar, a scan still goes to the check-in page (the window's current tab)
    window.tabs.tabBar().setFocus()
    type_keys(qtbot, window.windowHandle(), people[6].ticket_code, SCANNER_GAP_MS)
    qtbot.waitUntil(lambda: page.answer.name.text() == people[6].full_name, timeout=TIMEOUT_MS)


def test_ctrl_z_undoes_the_check_in_not_the_typing(qtbot, make_page, people, db) -> None:
    page, _ctx = make_page()
    person = people[7]
    type_keys(qtbot, page.scan_field, person.ticket_code, PERSON_GAP_MS)  # typed by hand, then Enter
    wait_answer(qtbot, page, "WELCOME")
    assert checked_in_today(db) == {person.registration_id}
    QTest.keyClick(page.scan_field, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    wait_answer(qtbot, page, "CHECK-IN UNDONE")
    assert page.scan_field.text() == "" and checked_in_today(db) == set()
    settle(qtbot)
    # from the search box too
    type_keys(qtbot, page.windowHandle(), person.ticket_code, SCANNER_GAP_MS)
    wait_answer(qtbot, page, "WELCOME")
    page.search_box.setFocus()
    page.search_box.setText("bak")
    QTest.keyClick(page.search_box, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    wait_answer(qtbot, page, "CHECK-IN UNDONE")
    assert page.search_box.text() == "bak" and checked_in_today(db) == set()


def test_down_down_enter_checks_in_the_third_match(qtbot, make_page, db) -> None:
    page, _ctx = make_page()
    page.search_box.setFocus()
    page.search_box.setText("bakker")  # Femke, Joost and Sanne Bakker
    qtbot.waitUntil(lambda: page.search_model.rowCount() == 3, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: not page.search.debounce.isActive() and page.search.shown_query == "bakker", timeout=TIMEOUT_MS)
    for key in (Qt.Key.Key_Down, Qt.Key.Key_Down):
        QTest.keyClick(page.search_box, key)
        qtbot.wait(PERSON_GAP_MS)
    assert page.search_box.hasFocus()
    third = page.search_model.row_at(2)
    QTest.keyClick(page.search_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.answer.name.text() == third.registration.full_name, timeout=TIMEOUT_MS)
    assert third.registration.first_name == "Sanne" and page.answer.headline.text() == "WELCOME"
    assert checked_in_today(db) == {third.registration.registration_id}


def test_results_show_who_may_enter_and_enter_refuses_a_cancelled_person(qtbot, make_page, people, db) -> None:
    from desk.core.attendees import Status
    from desk.store.registrations import all_registrations

    page, _ctx = make_page()
    person = people[8]
    type_keys(qtbot, page.windowHandle(), person.ticket_code, SCANNER_GAP_MS)
    wait_answer(qtbot, page, "WELCOME")
    settle(qtbot)
    page.search_box.setFocus()
    page.search_box.setText(person.email)
    qtbot.waitUntil(lambda: page.search_model.rowCount() == 1, timeout=TIMEOUT_MS)
    assert page.search_model.index(0, 2).data() == "✔ already in at 08:45 (entrance-A)"  # Brussels time
    with db.begin() as session:
        cancelled = next(r for r in all_registrations(session) if r.status is Status.CANCELLED)
    page.search_box.setText(cancelled.email)
    qtbot.waitUntil(lambda: page.search_model.rowCount() == 1 and page.search.shown_query == cancelled.email,
                    timeout=TIMEOUT_MS)
    assert page.search_model.index(0, 2).data() == "✖ cancelled"
    QTest.keyClick(page.search_box, Qt.Key.Key_Return)
    wait_answer(qtbot, page, "CANCELLED")
    assert "cancelled" in page.answer.sentence.text() and checked_in_today(db) == {person.registration_id}


def test_enter_on_a_list_older_than_the_query_checks_nobody_in(qtbot, make_page, db) -> None:
    page, _ctx = make_page()
    page.search_box.setFocus()
    page.search_box.setText("muller")
    qtbot.waitUntil(lambda: page.search_model.rowCount() > 0, timeout=TIMEOUT_MS)
    page.search_box.setText("bakker")  # Enter before the list caught up with the new words
    QTest.keyClick(page.search_box, Qt.Key.Key_Return)
    assert "not up to date" in page.status.text()
    qtbot.waitUntil(lambda: page.search.shown_query == "bakker", timeout=TIMEOUT_MS)
    assert checked_in_today(db) == set() and page.answer.family == "idle"


def test_slow_typing_in_the_search_box_stays_a_search(qtbot, make_page, people, db) -> None:
    page, _ctx = make_page()
    person = next(p for p in people if p.last_name.isascii() and len(p.last_name) >= 5)
    query = f"{person.first_name} {person.last_name}".lower()
    assert query.isascii() and len(query) >= 8  # long enough to be a burst, were it fast
    page.search_box.setFocus()
    type_keys(qtbot, page.search_box, query, PERSON_GAP_MS, end=None)
    qtbot.waitUntil(lambda: page.search.shown_query == query and page.search_model.rowCount() >= 1, timeout=TIMEOUT_MS)
    assert page.search_box.text() == query and page.answer.family == "idle" and checked_in_today(db) == set()
    wanted = next(i for i in range(page.search_model.rowCount())
                  if page.search_model.row_at(i).registration.registration_id == person.registration_id)
    for _ in range(wanted):
        QTest.keyClick(page.search_box, Qt.Key.Key_Down)
    qtbot.wait(PERSON_GAP_MS)
    QTest.keyClick(page.search_box, Qt.Key.Key_Return)  # a search and Enter: the manual check-in
    wait_answer(qtbot, page, "WELCOME")
    assert checked_in_today(db) == {person.registration_id}


def test_f11_fills_the_screen_with_the_answer_and_esc_leaves(qtbot, make_page, people, tmp_path) -> None:
    page, _ctx = make_page()
    page.resize(1366, 768)
    page.grab().save(str(tmp_path / "checkin-1366x768.png"))
    QTest.keyClick(page.scan_field, Qt.Key.Key_F11)
    big = page.full_screen
    assert big is not None
    qtbot.waitExposed(big)
    assert big.isFullScreen()
    big.resize(1366, 768)
    settle(qtbot)
    type_keys(qtbot, big.windowHandle(), people[9].ticket_code, SCANNER_GAP_MS)  # scanned while it shows
    qtbot.waitUntil(lambda: big.answer.headline.text() == "WELCOME", timeout=TIMEOUT_MS)
    assert big.answer.name.text() == people[9].full_name and big.answer.family == "ok"
    headline_px = int(big.answer.headline.styleSheet().split("font-size: ")[1].split("px")[0])
    assert headline_px >= 100  # about 3 cm high on a laptop screen: read at 3 m
    big.grab().save(str(tmp_path / "checkin-f11-1366x768.png"))
    settle(qtbot)
    type_keys(qtbot, big.windowHandle(), people[9].ticket_code, SCANNER_GAP_MS)  # the next scan replaces it
    qtbot.waitUntil(lambda: big.answer.headline.text() == "ALREADY IN", timeout=TIMEOUT_MS)
    QTest.keyClick(big.windowHandle(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not big.isVisible(), timeout=TIMEOUT_MS)
    assert page.scan_field.hasFocus()


def test_a_long_answer_fits_the_page_at_1366x768_without_growing_the_window(qtbot, make_page, request) -> None:
    from desk.core.checkin.decision import ScanOutcome
    from desk.ui.main_window import MainWindow

    app = QApplication.instance()
    font, sheet = app.font(), app.styleSheet()
    theme.apply(app)  # the desk's own font and sizes, as app.py sets them
    request.addfinalizer(lambda: (app.setFont(font), app.setStyleSheet(sheet)))
    page, _ctx = make_page()
    window = MainWindow("desk", [("Check-in", page), ("Attendees", QWidget())])
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    page._answers("show_answer", ScanOutcome.NOT_READABLE,
                  "This code was typed with an AZERTY keyboard layout and more than one reading is a valid "
                  "badge code, so it was refused.", "Dimitrios Papadopoulos-Konstantinou-Alexandropoulos",
                  "Cluster Łódź Chemia Sp. z o.o. and the Association of Very Long Organisation Names",
                  "Switch the scanner to QWERTY or turn Caps Lock off, then scan again.")
    qtbot.wait(200)
    assert window.width() <= 1366 and window.height() <= 768
    panel = page.answer
    labels = (panel.headline, panel.sentence, panel.name, panel.detail)
    margins = panel.layout().contentsMargins()
    needed = (sum(label.heightForWidth(label.width()) for label in labels)
              + 3 * panel.layout().spacing() + margins.top() + margins.bottom())
    assert needed <= panel.height()  # every line of the answer shows, none cut off
