"""The entrance page driven as a desk worker would: scanner bursts, a webcam video, search, undo."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from PySide6.QtCore import Qt

from desk.app import Context
from desk.config import Settings
from desk.core.checkin import EVENT_TZ
from desk.devices.base import DeviceError
from desk.devices.camera import FileCamera
from desk.devices.decoder import default_decoder
from desk.devices.sound import RecordingSound
from desk.devices.synthetic import Degradation, make_frame, write_video
from desk.services.demo import install_demo
from desk.ui import theme
from desk.ui.checkin_page import CheckInPage, build_page
from desk.ui.scan_worker import RepeatFilter
from desk.ui.workers import Workers

NOW = dt.datetime(2016, 12, 1, 8, 45, tzinfo=EVENT_TZ)
TIMEOUT_MS = 10_000


@pytest.fixture
def people(db):  # noqa: ANN001, ANN201
    regs = install_demo(db, dt.date(2016, 11, 30), now=NOW).registrations
    return [r for r in regs if r.is_attendee and dt.date(2016, 12, 1) in r.days]


@pytest.fixture
def make_page(qtbot, db, people):  # noqa: ANN001, ANN201
    made: list[tuple[CheckInPage, Context]] = []

    def make(camera_factory=None, print_badge=None) -> tuple[CheckInPage, Context]:  # noqa: ANN001
        ticks = itertools.count()  # a clock that moves: one second per look, from 08:45
        ctx = Context(settings=Settings(desk_name="entrance-A", camera="none"), db=db, workers=Workers(),
                      sound=RecordingSound(), decoder=default_decoder(), camera_factory=camera_factory,
                      clock=lambda: NOW + dt.timedelta(seconds=next(ticks)))
        if print_badge is not None:
            ctx.print_badge = print_badge
        page = CheckInPage(ctx)
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


def scan_burst(qtbot, page: CheckInPage, code: str, end=Qt.Key.Key_Return) -> None:  # noqa: ANN001
    """What a handheld scanner does: type the code fast, then Enter (or Tab)."""
    qtbot.keyClicks(page.scan_field, code)
    qtbot.keyClick(page.scan_field, end)


def wait_answer(qtbot, page: CheckInPage, headline: str) -> None:  # noqa: ANN001
    qtbot.waitUntil(lambda: page.answer.headline.text() == headline, timeout=TIMEOUT_MS)


def test_scanner_burst_welcomes_then_says_already_in(qtbot, make_page, people) -> None:
    page, ctx = make_page()
    person = people[0]
    scan_burst(qtbot, page, person.ticket_code)
    wait_answer(qtbot, page, "WELCOME")
    assert page.answer.family == "ok" and theme.GREEN in page.answer.styleSheet()
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
    page, ctx = make_page(print_badge=printed.append)
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
    assert page.scan_field.hasFocus()
    qtbot.keyClick(page, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    wait_answer(qtbot, page, "CHECK-IN UNDONE")
    assert page.answer.family == "warn" and ctx.sound.played == ["ok", "warn"]
    qtbot.waitUntil(lambda: bool(page.recent_model.rows()) and page.recent_model.rows()[0].outcome == "undo",
                    timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: "Checked in today: 0 /" in page.counters.text(), timeout=TIMEOUT_MS)  # its own read


def test_search_finds_a_pending_registration_and_says_why_it_is_not_let_in(qtbot, make_page, db) -> None:
    from desk.core.attendees import Status  # noqa: PLC0415
    from desk.store.registrations import all_registrations  # noqa: PLC0415

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


def test_build_page_offers_the_entrance_tab(qtbot, db) -> None:
    ctx = Context(settings=Settings(camera="none"), db=db, workers=Workers(), sound=RecordingSound())
    title, page = build_page(ctx)
    qtbot.addWidget(page)
    assert title == "Check-in"
    ctx.workers.shutdown()


def test_repeat_filter_counts_a_held_code_once() -> None:
    repeat = RepeatFilter(hold_s=3.0)
    assert repeat.accept("A", 0.0)
    assert not any(repeat.accept("A", t / 10) for t in range(1, 100))  # held for ten seconds
    assert repeat.accept("B", 10.0)
    assert repeat.accept("A", 14.0)  # away for four seconds: a new scan
