"""The desk window as app.py builds it: online/offline and last sync on every page, no audio,
the later tabs built once the window is up, and a 1366x768 screen."""

from __future__ import annotations

import datetime as dt
import re
import os
import socket
import subprocess
import sys
import typing
from dataclasses import FrozenInstanceError, fields, replace
from pathlib import Path

import pytest

from desk.app import Desk, build_desk, build_window
from desk.config import Settings
from desk.core.checkin.decision import ScanOutcome
from desk.services.demo.event import EVENT_TZ
from desk.devices.sound import RecordingSound
from desk.services.badges.codes import create_event_keys
from desk.services.demo.event import install_demo
from desk.startup import build_later_tabs
from desk.ui.common.deferred_page import DeferredPage
from desk.ui.common.scan_burst import scanner_keys
from desk.ui.common.workers import Workers
from desk.services.event import load_event
from tests.event_helpers import create_event
from tests.services.feedserver import FeedServer, make_registration

TIMEOUT_MS = 20_000
ROOT = Path(__file__).resolve().parents[2]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def make_window(qtbot, db, tmp_path):
    made: list = []

    def make(settings: Settings, sound_problem: str | None = None, demo: bool = True, clock=None):
        if demo:
            install_demo(db, dt.date(2016, 11, 30), with_programme=True)
        elif load_event(db) is None:
            create_event(db)  # a sync needs the event first
        # no webcam in tests (the page says so and works by hand), a sound that records
        ctx = replace(build_desk(settings, db, Workers()), sound=RecordingSound(problem=sound_problem))
        if clock is not None:
            ctx = replace(ctx, clock=clock)
        window = build_window(ctx)
        window.ctx = ctx  # for the tests below
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        made.append(window)
        return window

    yield make
    for window in made:
        window.close()


def _page(window, title):
    index = [window.tabs.tabText(i) for i in range(window.tabs.count())].index(title)
    return window.tabs.widget(index)


def test_an_unreachable_feed_shows_offline_in_a_plain_sentence(qtbot, make_window, tmp_path):
    port = _closed_port()
    window = make_window(Settings(feed_url=f"http://127.0.0.1:{port}/api", printer=f"folder:{tmp_path}"))
    window.connection.refresh()
    qtbot.waitUntil(lambda: window.connection.online is False, timeout=TIMEOUT_MS)
    # the demo event was just stored: that is the last sync
    assert re.fullmatch(rf"● Offline: The portal could not be reached \(nothing answers at 127\.0\.0\.1:{port}\)\. "
                        r"Working offline; last sync \d\d:\d\d\.", window.connection.text())
    assert "Errno" not in window.connection.text() and window.connection.isVisible()
    window.tabs.setCurrentIndex(window.tabs.count() - 1)  # another page: the status bar stays
    assert window.connection.isVisible()
    window.grab().save(str(tmp_path / "offline-1366.png"))


def test_the_last_sync_time_shows_after_a_sync(qtbot, make_window, db, tmp_path):
    from zoneinfo import ZoneInfo

    from desk.core.attendees import Event
    from desk.store import registrations as repo

    with db.begin() as session:  # an event far from the laptop: the status bar says its time
        repo.save_event(session, Event("Tokyo Cluster Days", "Tokyo", (dt.date(2016, 12, 1),), timezone="Asia/Tokyo"))
    with FeedServer([make_registration(n) for n in range(1, 6)]) as server:
        settings = Settings(feed_url=server.base_url, feed_token=server.token, printer=f"folder:{tmp_path}")
        window = make_window(settings, demo=False)
        window.connection.refresh()
        qtbot.waitUntil(lambda: window.connection.online is True, timeout=TIMEOUT_MS)
        assert window.connection.text() == "● Online · never synced."
        attendees = _page(window, "Attendees")
        with qtbot.waitSignal(attendees.sync_finished, timeout=TIMEOUT_MS):
            attendees.start_sync("")
        synced = dt.datetime.now(ZoneInfo("Asia/Tokyo"))
        qtbot.waitUntil(lambda: "last sync" in window.connection.text(), timeout=TIMEOUT_MS)
    shown = window.connection.text()
    assert shown.startswith("● Online · last sync ")
    assert shown in (f"● Online · last sync {synced:%H:%M}.",
                     f"● Online · last sync {synced - dt.timedelta(minutes=1):%H:%M}.")
    assert attendees.sync_status.text().startswith("Last import: added 5")


def test_no_audio_output_is_said_and_the_desk_keeps_working(qtbot, make_window, tmp_path):
    window = make_window(Settings(printer=f"folder:{tmp_path}"), sound_problem="no sound card or sound server found")
    qtbot.waitUntil(lambda: window.audio.isVisible(), timeout=TIMEOUT_MS)
    assert window.audio.text() == "No audio output"
    assert window.audio.toolTip() == ("No audio output (no sound card or sound server found): "
                                      "answers are shown, not heard.")
    checkin = window.tabs.widget(0)
    with qtbot.waitSignal(checkin.answer_shown, timeout=TIMEOUT_MS) as answer:
        checkin.scan_field.setText("ECC2016-NOSUCHCODE")
        checkin.scan_field.returnPressed.emit()
    assert answer.args[0] is not None


def test_audio_output_present_shows_nothing(qtbot, make_window, tmp_path):
    window = make_window(Settings(printer=f"folder:{tmp_path}"))
    qtbot.wait(300)
    assert not window.audio.isVisible() and window.audio.text() == ""


def test_later_tabs_are_built_once_the_window_is_up_and_fit_1366x768(qtbot, make_window, tmp_path):
    window = make_window(Settings(printer=f"folder:{tmp_path}"))
    deferred = [window.tabs.widget(i) for i in range(window.tabs.count())
                if isinstance(window.tabs.widget(i), DeferredPage)]
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())][:3] == ["Check-in", "Attendees", "Badges"]
    assert deferred and all(p.page is None for p in deferred)
    build_later_tabs(window)
    qtbot.waitUntil(lambda: all(p.page is not None for p in deferred), timeout=60_000)
    for i in range(window.tabs.count()):
        window.tabs.setCurrentIndex(i)
        qtbot.wait(100)
        assert window.width() <= 1366 and window.height() <= 768, window.tabs.tabText(i)
        window.grab().save(str(tmp_path / f"tab-{i}.png"))


def test_settings_saved_in_the_dialog_reach_the_pages(qtbot, make_window, tmp_path, monkeypatch):
    from desk.app import open_settings
    from desk.config import load_settings
    from desk.ui.common.settings_dialog import SettingsDialog

    window = make_window(Settings(printer=f"folder:{tmp_path}"))
    checkin = window.tabs.widget(0)
    assert not checkin.print_box.isChecked()

    def edit_and_ok(dialog):
        dialog.print_on_checkin.setChecked(True)
        dialog.layout_box.setCurrentIndex(dialog.layout_box.findData("a4-sheet"))
        dialog._on_ok()
        return SettingsDialog.DialogCode.Accepted

    monkeypatch.setattr(SettingsDialog, "exec", edit_and_ok)
    open_settings(window.ctx, window)
    assert checkin.print_box.isChecked() and window.ctx.settings.print_on_checkin
    qtbot.waitUntil(lambda: load_settings().print_on_checkin, timeout=TIMEOUT_MS)
    assert load_settings().badge_layout == "a4-sheet"



def test_print_on_check_in_prints_through_the_desk_and_the_entrance_says_so(qtbot, make_window, db, tmp_path):
    now = dt.datetime(2016, 12, 1, 8, 45, tzinfo=EVENT_TZ)
    regs = install_demo(db, dt.date(2016, 11, 30), now=now).registrations
    person = next(r for r in regs if r.is_attendee and dt.date(2016, 12, 1) in r.days)
    create_event_keys(db)  # badges carry a signed code
    out = tmp_path / "out"
    window = make_window(Settings(printer=f"folder:{out}", print_on_checkin=True, camera="none"), demo=False,
                         clock=lambda: now)
    checkin = window.tabs.widget(0)
    assert checkin.print_box.isChecked()
    with qtbot.waitSignal(checkin.answer_shown, timeout=TIMEOUT_MS) as answer:
        checkin.scan_field.setText(person.ticket_code)
        checkin.scan_field.returnPressed.emit()
    assert answer.args[0].outcome is ScanOutcome.WELCOME
    qtbot.waitUntil(lambda: "Badge sent" not in checkin.status.text(), timeout=TIMEOUT_MS)
    assert checkin.status.text() == "Badge printed."
    assert len(list(out.glob("*.pdf"))) == 1


def test_the_desk_record_is_frozen_and_every_field_has_a_real_type(db):
    from PySide6.QtWidgets import QWidget

    from desk.devices.base import Camera, Decoder, Printer
    from desk.store.db import Database
    from desk.ui.checkin.page import PrintBadge

    desk = build_desk(Settings(), db, Workers())
    with pytest.raises(FrozenInstanceError):
        desk.print_badge = print  # type: ignore[misc]
    desk.workers.shutdown()
    hints = typing.get_type_hints(Desk, localns={"Database": Database, "Workers": Workers, "Camera": Camera,
                                                 "Decoder": Decoder, "Printer": Printer, "QWidget": QWidget,
                                                 "PrintBadge": PrintBadge})
    assert set(hints) == {f.name for f in fields(Desk)} and typing.Any not in hints.values()


def test_importing_the_composition_root_loads_no_qt_and_no_sqlalchemy():
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, desk.app; "
         "print(sorted({m.split('.')[0] for m in sys.modules} & {'PySide6', 'sqlalchemy', 'numpy', 'cv2'}))"],
        capture_output=True, text=True, check=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert loaded.stdout.strip() == "[]"  # the record's types are imported for type checking only


def test_a_burst_on_a_tab_built_after_start_up_reaches_its_page(qtbot, make_window, tmp_path):
    window = make_window(Settings(printer=f"folder:{tmp_path}"))
    holder = _page(window, "Door")
    window.tabs.setCurrentWidget(holder)  # shown, so built: the tab itself stays the holder
    qtbot.waitUntil(lambda: holder.page is not None and holder.page.room_box.count() > 0, timeout=TIMEOUT_MS)
    window.tabs.tabBar().setFocus()  # where a person's click on the tab leaves the focus
    scanner_keys(window.windowHandle(), "ECC2016-NOBODY42")
    qtbot.waitUntil(lambda: holder.page.answers == 1, timeout=TIMEOUT_MS)
