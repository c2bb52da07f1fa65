"""Staff roles in the window: each role's tabs, the PIN dialog and its back-off countdown,
the first PIN in set-up, the idle lock, and the scanner going to the role's page."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from desk.app import build_window
from desk.app import build_desk
from desk.config import Settings, load_settings
from desk.devices.sound import RecordingSound
from desk.services.demo.event import install_demo
from desk.services.roles import PinStore
from desk.ui.common.deferred_page import DeferredPage
from desk.ui.common.workers import Workers
from desk.ui.rooms.door_page import DoorPage

TIMEOUT_MS = 20_000
ALL = ["Check-in", "Attendees", "Badges", "Door", "Matchmaking", "Awards"]
DESK = ["Check-in", "Attendees", "Awards"]


@pytest.fixture
def make_window(qtbot, db, tmp_path):
    install_demo(db, dt.date(2016, 11, 30), with_programme=True)
    made: list = []

    def make(role: str, idle_lock_ms: int | None = None):
        settings = Settings(camera="none", printer=f"folder:{tmp_path}", role=role)
        ctx = replace(build_desk(settings, db, Workers()), sound=RecordingSound())
        window = build_window(ctx, idle_lock_ms=idle_lock_ms)
        qtbot.addWidget(window)
        window.show()
        made.append(window)
        return window

    yield make
    for window in made:
        window.close()


def _unlock(qtbot, window, pin: str) -> None:
    dialog = window.roles.dialog
    qtbot.waitUntil(lambda: dialog.pin_field.isEnabled(), timeout=TIMEOUT_MS)
    dialog.pin_field.setText(pin)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


@pytest.mark.parametrize(("role", "tabs"), [("desk", DESK), ("door", ["Door"]),
                                            ("printing", ["Badges"]), ("organiser", ALL)])
def test_each_role_shows_only_its_tabs(make_window, role, tabs):
    window = make_window(role)
    assert window.shown_titles() == tabs
    assert window.roles.role.value == role


def test_an_unknown_role_opens_as_desk_and_says_so(make_window):
    window = make_window("boss")
    assert window.shown_titles() == DESK
    assert "role 'boss' is not one of desk, door, printing, organiser" in window.status_label.text()


def test_an_organiser_station_opens_locked_once_a_pin_is_set(make_window):
    PinStore().set_pin("4711")
    window = make_window("organiser")
    assert window.roles.role.value == "desk" and window.shown_titles() == DESK


def test_switching_to_door_from_the_menu_is_remembered(qtbot, make_window):
    window = make_window("desk")
    role_menu = next(a.menu() for a in window.desk_menu.actions() if a.menu() is not None)
    door = next(a for a in role_menu.actions() if a.data() == "door")
    door.trigger()
    assert window.shown_titles() == ["Door"]
    qtbot.waitUntil(lambda: load_settings().role == "door", timeout=TIMEOUT_MS)


def test_the_organiser_role_asks_the_pin_then_shows_every_tab(qtbot, make_window):
    PinStore().set_pin("4711")
    window = make_window("door")
    window.roles.choose(window.roles.role.ORGANISER, window)
    assert window.roles.dialog is not None and not window.roles.dialog.setting
    assert window.shown_titles() == ["Door"]  # nothing opens before the PIN
    _unlock(qtbot, window, "4711")
    qtbot.waitUntil(lambda: window.shown_titles() == ALL, timeout=TIMEOUT_MS)
    assert window.roles.role.value == "organiser" and load_settings().role == "organiser"  # not saved: door stays
    # a switch back to door is free
    window.roles.choose(window.roles.role.DOOR, window)
    assert window.shown_titles() == ["Door"]


def test_a_wrong_pin_disables_the_field_with_a_countdown(qtbot, make_window):
    PinStore().set_pin("4711")
    window = make_window("desk")
    window.roles.choose(window.roles.role.ORGANISER, window)
    dialog = window.roles.dialog
    _unlock(qtbot, window, "0000")
    qtbot.waitUntil(lambda: "Try again in 1 s" in dialog.message.text(), timeout=TIMEOUT_MS)
    assert not dialog.pin_field.isEnabled() and not dialog.ok_button.isEnabled()
    assert window.shown_titles() == DESK
    qtbot.waitUntil(lambda: dialog.pin_field.isEnabled(), timeout=TIMEOUT_MS)  # the GUI kept running meanwhile
    assert dialog.message.text() == "Try again."
    _unlock(qtbot, window, "0000")  # the second wrong PIN waits 2 s
    qtbot.waitUntil(lambda: "Try again in 2 s" in dialog.message.text(), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: dialog.pin_field.isEnabled(), timeout=TIMEOUT_MS)
    _unlock(qtbot, window, "4711")
    qtbot.waitUntil(lambda: window.shown_titles() == ALL, timeout=TIMEOUT_MS)


def test_a_back_off_survives_a_new_dialog(qtbot, make_window):
    store = PinStore()
    store.set_pin("4711")
    assert not store.verify("1111").ok and not store.verify("2222").ok  # 2 s to wait (from the second)
    window = make_window("desk")
    window.roles.choose(window.roles.role.ORGANISER, window)
    dialog = window.roles.dialog
    qtbot.waitUntil(lambda: "Too many wrong PINs. Try again in" in dialog.message.text(), timeout=TIMEOUT_MS)
    assert not dialog.pin_field.isEnabled()


def test_set_up_asks_for_a_first_pin_before_the_first_organiser_action(qtbot, make_window):
    window = make_window("organiser")
    assert window.shown_titles() == ALL  # set-up: the organiser's pages without a PIN
    page = window.tabs.widget(0)
    done: list[str] = []
    page.organiser_guard(lambda: done.append("checklist"))  # what the Checklist button does first
    dialog = window.roles.dialog
    assert dialog is not None and dialog.setting and done == []
    dialog.pin_field.setText("4711")
    dialog.again_field.setText("4712")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.message.text() == "The two PINs differ: type the same PIN twice."
    dialog.again_field.setText("4711")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: done == ["checklist"], timeout=TIMEOUT_MS)
    assert PinStore().is_set() and PinStore().verify("4711").ok
    page.organiser_guard(lambda: done.append("again"))  # unlocked now: no second dialog
    assert done == ["checklist", "again"] and window.roles.dialog is None


def test_the_organiser_role_locks_when_idle(qtbot, make_window):
    PinStore().set_pin("4711")
    window = make_window("door", idle_lock_ms=300)
    window.roles.choose(window.roles.role.ORGANISER, window)
    _unlock(qtbot, window, "4711")
    qtbot.waitUntil(lambda: window.shown_titles() == ALL, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(window.roles.locked, timeout=TIMEOUT_MS):
        pass
    assert window.shown_titles() == ["Door"] and window.roles.role.value == "door"
    assert "the organiser role locked" in window.status_label.text()


def test_input_keeps_the_organiser_role_open(qtbot, make_window):
    PinStore().set_pin("4711")
    window = make_window("desk", idle_lock_ms=1500)
    window.roles.choose(window.roles.role.ORGANISER, window)
    _unlock(qtbot, window, "4711")
    qtbot.waitUntil(lambda: window.roles.role.value == "organiser", timeout=TIMEOUT_MS)
    ticks = []
    for _ in range(4):  # a key every ~0.5 s for 2 s: longer than the lock, never idle that long
        qtbot.waitUntil(lambda: ticks.append(1) or len(ticks) % 50 == 0, timeout=TIMEOUT_MS)
        qtbot.keyClick(window, Qt.Key.Key_Shift)
    assert window.roles.role.value == "organiser"


def test_the_scanner_goes_to_the_door_page_of_a_door_station(qtbot, make_window):
    window = make_window("door")
    target = window.scan_target()
    assert isinstance(target, DoorPage)
    # the entrance, not in this role, was never built (no camera, no lookups behind the door)
    hidden = [p for t, p in window._pages if t == "Check-in"][0]
    assert isinstance(hidden, DeferredPage) and hidden.page is None


def test_a_scanner_burst_reaches_the_door_page_of_a_door_station(qtbot, make_window):
    from desk.ui.common.scan_burst import scanner_keys

    window = make_window("door")
    holder = window.tabs.currentWidget()
    qtbot.waitUntil(lambda: holder.page is not None and holder.page.room_box.count() > 0, timeout=TIMEOUT_MS)
    window.tabs.tabBar().setFocus()
    scanner_keys(window.windowHandle(), "ECC2016-NOBODY42")
    qtbot.waitUntil(lambda: holder.page.answers == 1, timeout=TIMEOUT_MS)


def test_the_checklist_button_of_a_desk_station_asks_the_pin_first(qtbot, make_window):
    PinStore().set_pin("4711")
    window = make_window("desk")
    page = window.tabs.widget(0)
    qtbot.mouseClick(page.checklist_button, Qt.MouseButton.LeftButton)
    dialog = window.roles.dialog
    assert dialog is not None and not dialog.setting and dialog.isVisible()
    dialog.reject()  # cancelled: no file dialog, still the desk role
    qtbot.waitUntil(lambda: window.roles.dialog is None, timeout=TIMEOUT_MS)
    assert window.roles.role.value == "desk" and window.shown_titles() == DESK


def test_the_checklist_as_csv_from_the_page(qtbot, make_window, tmp_path):
    window = make_window("organiser")
    page = window.tabs.widget(0)
    page.write_checklist(str(tmp_path / "day.csv"))
    qtbot.waitUntil(lambda: "people, CSV in" in page.status.text(), timeout=TIMEOUT_MS)
    assert (tmp_path / "day.csv").read_text(encoding="utf-8-sig").startswith("checked_in,last_name")
