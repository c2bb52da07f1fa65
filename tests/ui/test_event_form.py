"""The first screen on a database without an event, and the New event… form, driven by keys."""

from __future__ import annotations

from dataclasses import replace

import datetime as dt

import pytest
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import QApplication, QTableView

from desk.app import build_desk, build_window, ensure_event
from desk.config import Settings
from desk.devices.sound import RecordingSound
from desk.services.event import load_event
from desk.ui.common.workers import Workers
from desk.ui.event.chooser import EventChooser
from desk.ui.event.form import EventForm

TIMEOUT_MS = 20_000
# the zone search's popup list asks the offscreen platform for what only a real screen does
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")


def _pick_day(qtbot, form: EventForm, day: dt.date) -> None:
    """Move the calendar to the day and press Enter on it, as a person does with the keyboard."""
    form.calendar.setSelectedDate(QDate(day.year, day.month, day.day))
    view = form.calendar.findChild(QTableView)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Return)


def _fill(qtbot, form: EventForm, *, name="Tokyo Robotics Forum", zone="Asia/Tokyo", days=(dt.date(2026, 5, 20),)):
    form.name.clear()
    qtbot.keyClicks(form.name, name)
    qtbot.keyClicks(form.venue, "Tokyo Big Sight")
    for day in days:
        _pick_day(qtbot, form, day)
    form.zone.clear()
    qtbot.keyClicks(form.zone, zone)
    form.zone.completer().popup().hide()


def _form(qtbot, db, workers) -> EventForm:
    from desk.services.event import create_event

    form = EventForm(lambda changes: create_event(db, changes), workers.submit)
    qtbot.addWidget(form)
    form.show()
    return form


def test_the_form_refuses_an_empty_name_no_day_and_an_unknown_zone(qtbot, db) -> None:
    workers = Workers()
    try:
        form = _form(qtbot, db, workers)
        qtbot.mouseClick(form.ok, Qt.MouseButton.LeftButton)
        assert form.error.isVisible() and "needs a name" in form.error.text()
        _fill(qtbot, form, days=())
        qtbot.mouseClick(form.ok, Qt.MouseButton.LeftButton)
        assert "at least one day" in form.error.text()
        _pick_day(qtbot, form, dt.date(2026, 5, 20))
        form.zone.clear()
        qtbot.keyClicks(form.zone, "Asia/Atlantis")
        qtbot.mouseClick(form.ok, Qt.MouseButton.LeftButton)
        assert "'Asia/Atlantis' is not a time zone" in form.error.text()
        assert form.isVisible() and load_event(db) is None
    finally:
        workers.shutdown()


def test_the_form_creates_the_event_with_days_picked_on_the_calendar(qtbot, db, tmp_path) -> None:
    workers = Workers()
    try:
        form = _form(qtbot, db, workers)
        days = (dt.date(2026, 5, 20), dt.date(2026, 5, 22), dt.date(2026, 5, 21))
        _fill(qtbot, form, days=(*days, dt.date(2026, 5, 23)))
        _pick_day(qtbot, form, dt.date(2026, 5, 23))  # a second Enter takes the day out again
        assert [form.day_list.item(i).text() for i in range(form.day_list.count())] == [
            "2026-05-20", "2026-05-21", "2026-05-22"]
        form.seats.setValue(120)
        form.per_organisation.setValue(3)
        form.resize(1366, 768)
        form.grab().save(str(tmp_path / "new-event-form.png"))
        qtbot.mouseClick(form.ok, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: form.result() == 1, timeout=TIMEOUT_MS)
    finally:
        workers.shutdown()
    saved = load_event(db)
    assert saved.line() == ("event 'Tokyo Robotics Forum' at Tokyo Big Sight on 2026-05-20, 2026-05-21, 2026-05-22 "
                            "(Asia/Tokyo): 120 seats, at most 3 per organisation")


def test_the_zone_field_finds_a_zone_from_a_few_letters(qtbot, db) -> None:
    workers = Workers()
    try:
        form = _form(qtbot, db, workers)
        qtbot.keyClicks(form.zone, "sao_p")
        completer = form.zone.completer()
        assert completer.completionCount() >= 1
        assert "America/Sao_Paulo" in [completer.completionModel().index(i, 0).data()
                                       for i in range(completer.completionCount())]
    finally:
        workers.shutdown()


def _answer_modal(qtbot, steps: list) -> None:
    """Run each step on the next modal dialog that shows up (the chooser, then the form)."""
    def next_step() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or not steps or not isinstance(dialog, steps[0][0]):
            QTimer.singleShot(50, next_step)
            return
        _kind, act = steps.pop(0)
        act(dialog)
        if steps:
            QTimer.singleShot(50, next_step)

    QTimer.singleShot(50, next_step)


def test_first_screen_new_event_then_the_window_opens_its_pages(qtbot, db) -> None:
    def create(form: EventForm) -> None:
        _fill(qtbot, form, name="Festival Robotica", zone="America/Sao_Paulo",
              days=(dt.date(2026, 8, 4), dt.date(2026, 8, 5)))
        qtbot.mouseClick(form.ok, Qt.MouseButton.LeftButton)

    _answer_modal(qtbot, [(EventChooser, lambda chooser: qtbot.mouseClick(chooser.new_event, Qt.MouseButton.LeftButton)),
                          (EventForm, create)])
    assert ensure_event(db) is True
    settings = load_event(db)
    assert settings.event.name == "Festival Robotica" and settings.timezone == "America/Sao_Paulo"
    ctx = replace(build_desk(Settings(), db, Workers()), sound=RecordingSound())  # no webcam in tests
    window = build_window(ctx)
    qtbot.addWidget(window)
    window.show()
    try:
        titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
        assert titles == ["Check-in", "Attendees", "Badges", "Door", "Matchmaking", "Awards"]
        qtbot.waitUntil(lambda: window.windowTitle() == "desk — Festival Robotica", timeout=TIMEOUT_MS)
        menu = window.menuBar().actions()[0].menu()
        assert "&Event…" in [a.text() for a in menu.actions()]
    finally:
        window.close()


def test_first_screen_closed_means_no_event_and_no_window(qtbot, db) -> None:
    _answer_modal(qtbot, [(EventChooser, lambda chooser: chooser.reject())])
    assert ensure_event(db) is False
    assert load_event(db) is None


def test_first_screen_can_open_the_demo_event(qtbot, db) -> None:
    _answer_modal(qtbot, [(EventChooser, lambda chooser: qtbot.mouseClick(chooser.demo, Qt.MouseButton.LeftButton))])
    assert ensure_event(db) is True
    assert load_event(db).event.name == "European Cluster Conference 2016"


def test_desk_event_menu_edits_the_event(qtbot, db) -> None:
    from tests.event_helpers import create_event

    create_event(db)
    ctx = replace(build_desk(Settings(), db, Workers()), sound=RecordingSound())  # no webcam in tests
    window = build_window(ctx)
    qtbot.addWidget(window)
    window.show()
    seen: list[EventForm] = []

    def edit(form: EventForm) -> None:
        seen.append(form)
        assert form.name.text() == "European Cluster Conference 2016" and form.zone.text() == "Europe/Brussels"
        assert form.day_list.count() == 3
        form.seats.setValue(300)
        form.name.setText("ECC 2016")
        qtbot.mouseClick(form.ok, Qt.MouseButton.LeftButton)

    try:
        _answer_modal(qtbot, [(EventForm, edit)])
        (action,) = [a for a in window.menuBar().actions()[0].menu().actions() if a.text() == "&Event…"]
        action.trigger()
        qtbot.waitUntil(lambda: window.windowTitle() == "desk — ECC 2016", timeout=TIMEOUT_MS)
        assert seen and "300 seats" in window.status_label.text()
        saved = load_event(db)
        assert (saved.event.name, saved.event.seat_cap, saved.timezone) == ("ECC 2016", 300, "Europe/Brussels")
    finally:
        window.close()


def test_from_the_new_event_form_to_a_welcome_at_the_entrance(qtbot, db) -> None:
    """The organiser's own event through the window: the form, a pretix export, a scan."""
    from pathlib import Path
    from zoneinfo import ZoneInfo

    from desk.ui.common.scan_burst import scanner_keys

    portals = Path(__file__).resolve().parents[1] / "fixtures" / "import" / "portals"

    def create(form: EventForm) -> None:
        _fill(qtbot, form, name="European Cluster Conference 2016", zone="Europe/Brussels",
              days=(dt.date(2016, 11, 30), dt.date(2016, 12, 1), dt.date(2016, 12, 2)))
        qtbot.mouseClick(form.ok, Qt.MouseButton.LeftButton)

    _answer_modal(qtbot, [(EventChooser, lambda chooser: qtbot.mouseClick(chooser.new_event, Qt.MouseButton.LeftButton)),
                          (EventForm, create)])
    assert ensure_event(db) is True
    morning = dt.datetime(2016, 12, 1, 8, 30, tzinfo=ZoneInfo("Europe/Brussels"))
    ctx = replace(build_desk(Settings(camera="none"), db, Workers()), sound=RecordingSound(), clock=lambda: morning)
    window = build_window(ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    try:
        attendees = window.tabs.widget(1)
        with qtbot.waitSignal(attendees.sync_finished, timeout=TIMEOUT_MS) as synced:
            attendees.start_sync(str(portals / "pretix-positions.csv"), str(portals / "pretix-map.toml"))
        assert synced.args[0].added == 8
        window.tabs.setCurrentIndex(0)
        checkin = window.tabs.widget(0)
        with qtbot.waitSignal(checkin.answer_shown, timeout=TIMEOUT_MS) as answered:
            scanner_keys(window.windowHandle(), "7xq3p00vz4kmn9rjw2ahb8tcyd5euf0")
        assert answered.args[0].outcome.value == "welcome"
        assert answered.args[0].registration.registration_id == "ECC17-1"
        assert checkin.answer.headline.text() == "WELCOME"
    finally:
        window.close()
