"""The hub as a person at the desk sees it: `Hub: online`, `Hub: offline (REASON)`,
`Hub: catching up (N entries)` and the age of the data (amber after 15 minutes, red after 60)
in the status bar; a scan at scanner speed answered while a sync round is running; a person
checked in at another station answered "already in" once it synced."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import replace

import psycopg
import pytest

from desk.app import build_desk, build_window
from desk.config import Settings
from desk.devices.sound import RecordingSound
from desk.services.checkin import entrance as checkin
from desk.services.hub import duplicates, station, sync
from desk.services.hub.loop import HubState, Link
from desk.store.hub import HUB_LOCK
from desk.ui.common import theme
from desk.ui.common.scan_burst import scanner_keys
from desk.ui.common.workers import Workers
from desk.ui.hub.status import HubIndicator
from tests.services.test_hub_loop import NOW, stations  # noqa: F401 - the two stations and their hub

TIMEOUT_MS = 20_000
T0 = dt.datetime(2016, 12, 1, 9, 0, tzinfo=dt.timezone.utc)


def _info(contact: dt.datetime | None):
    from desk.store.hub import StationInfo

    return StationInfo("s1", "entrance-A", "postgresql://hub/x", 0, contact, "", 0, 0, 0)


def test_the_indicator_says_each_state_in_words_and_colours_the_age(qtbot):
    now = [T0]
    indicator = HubIndicator(lambda: now[0], age_tick_ms=50)
    qtbot.addWidget(indicator)
    indicator.show()
    assert indicator.link.text() == "Hub: connecting…"

    indicator.show_state(HubState(Link.ONLINE, station=_info(T0 - dt.timedelta(seconds=3))))
    assert indicator.link.text() == "Hub: online" and theme.GREEN in indicator.link.styleSheet()
    assert indicator.age.text() == "data up to date" and theme.GREY in indicator.age.styleSheet()

    indicator.show_state(HubState(Link.CATCHING_UP, left=240, station=_info(T0 - dt.timedelta(minutes=2))))
    assert indicator.link.text() == "Hub: catching up (240 entries)" and theme.AMBER in indicator.link.styleSheet()
    assert indicator.age.text() == "data 2 min old"

    offline = HubState(Link.OFFLINE, reason="no answer from 10.0.0.5:5432: connection refused",
                       station=_info(T0 - dt.timedelta(minutes=17, seconds=30)), retry_in_s=8)
    indicator.show_state(offline)
    assert indicator.link.text() == "Hub: offline (no answer from 10.0.0.5:5432: connection refused)"
    assert theme.RED in indicator.link.styleSheet()
    assert "next try in 8 s" in indicator.link.toolTip()
    assert indicator.age.text() == "data 17 min old" and theme.AMBER in indicator.age.styleSheet()

    now[0] = T0 + dt.timedelta(minutes=44)  # the age grows while nothing comes: 61 minutes apart
    qtbot.waitUntil(lambda: indicator.age.text() == "data 61 min old", timeout=TIMEOUT_MS)
    assert indicator.age.text() == "data 61 min old" and theme.RED in indicator.age.styleSheet()
    assert "Last contact with the hub" in indicator.age.toolTip()


@pytest.fixture
def station_window(qtbot, stations):
    a, b, people, url = stations
    made = []

    def make():
        ticks = itertools.count()  # the event's morning, one second per look
        settings = Settings(desk_name="entrance-B", hub_url=url, camera="none", role="desk")
        ctx = replace(build_desk(settings, b, Workers()), sound=RecordingSound(),
                      clock=lambda: NOW + dt.timedelta(seconds=next(ticks)))
        window = build_window(ctx)
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        made.append(window)
        return window

    yield make, a, b, people, url
    for window in made:
        window.close()


def _checkin_page(window):
    return window.tabs.widget(0)


def _wait_answer(qtbot, page, headline: str) -> None:
    qtbot.waitUntil(lambda: page.answer.headline.text() == headline, timeout=TIMEOUT_MS)


def test_the_window_syncs_in_the_background_and_answers_scans_meanwhile(qtbot, station_window):
    make, a, b, people, url = station_window
    window = make()
    page = _checkin_page(window)
    qtbot.waitUntil(lambda: window.hub_indicator is not None and
                    window.hub_indicator.link.text() == "Hub: online", timeout=TIMEOUT_MS)
    assert window.hub_indicator.age.text() == "data up to date"
    assert window.hub_indicator.isVisible()

    # a person checked in at the other station, which synced: this window pulls it on the
    # hub's NOTIFY (nobody syncs here) and its counters follow without a scan
    first = people[0]
    checkin.check_in_registration(a, first.registration_id, "entrance-A", NOW)
    sync(a)
    qtbot.waitUntil(lambda: "Checked in today: 1 /" in page.counters.text(), timeout=TIMEOUT_MS)
    scanner_keys(window.windowHandle(), first.ticket_code)
    _wait_answer(qtbot, page, "ALREADY IN")
    assert "entrance-A" in page.answer.sentence.text()

    # the hub is busy with another station's push (its lock held): this desk's round waits
    # at the hub, and scans at scanner speed are answered all the same
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=False) as hub:
        hub.execute("SELECT pg_advisory_xact_lock(%s)", (HUB_LOCK,))
        second, third = people[1], people[2]
        scanner_keys(window.windowHandle(), second.ticket_code)  # answered, then nudges a round
        _wait_answer(qtbot, page, "WELCOME")
        qtbot.waitUntil(lambda: _waiting_for_the_hub_lock(url), timeout=TIMEOUT_MS)
        scanner_keys(window.windowHandle(), third.ticket_code, gap_ms=4)
        qtbot.waitUntil(lambda: page.answer.name.text() == third.full_name, timeout=TIMEOUT_MS)
        assert page.answer.headline.text() == "WELCOME"
        assert _waiting_for_the_hub_lock(url)  # the round was still under way when the answer came
        hub.rollback()  # the other push ends: this desk's round goes on
    qtbot.waitUntil(lambda: station(b).unpushed == 0, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.hub_indicator.link.text() == "Hub: online", timeout=TIMEOUT_MS)
    sync(a)
    assert duplicates(a) == []  # apart from nobody: no person was checked in at both
    assert checkin.check_in_registration(a, third.registration_id, "entrance-A", NOW).outcome.value == "already_in"
    window.close()  # the background sync ends with the window
    assert window.hub.loop.stopped and window.hub.loop.stop(timeout_s=0)


def _waiting_for_the_hub_lock(url: str) -> bool:
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
        return bool(conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
                    .fetchone()[0])


def test_a_window_without_a_hub_shows_no_hub_indicator(qtbot, db):
    from desk.services.demo.event import install_demo

    install_demo(db, dt.date(2016, 11, 30))
    ctx = replace(build_desk(Settings(camera="none"), db, Workers()), sound=RecordingSound())
    window = build_window(ctx)
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.connection.online is not None, timeout=TIMEOUT_MS)
        assert window.hub is None and window.hub_indicator is None
    finally:
        window.close()


def test_a_hub_typed_into_settings_starts_the_sync_at_once(qtbot, db, pg_url):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialogButtonBox

    from desk import app as desk_app
    from desk.config import load_settings
    from desk.services.demo.event import install_demo
    from desk.services.hub import init_hub
    from desk.ui.common.settings_dialog import SettingsDialog

    install_demo(db, dt.date(2016, 11, 30))
    init_hub(pg_url)
    ctx = replace(build_desk(Settings(desk_name="door-Europa", camera="none"), db, Workers()), sound=RecordingSound())
    window = build_window(ctx)
    qtbot.addWidget(window)
    window.show()

    def fill(address: str) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, SettingsDialog):
            QTimer.singleShot(50, lambda: fill(address))
            return
        dialog.hub_url.setText(address)
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    try:
        assert window.hub is None
        QTimer.singleShot(50, lambda: fill("hub.local/event"))  # not an address: said, nothing saved
        QTimer.singleShot(400, lambda: QApplication.activeModalWidget() and QApplication.activeModalWidget().reject())
        desk_app.open_settings(ctx, window)
        assert window.hub is None and load_settings().hub_url == ""
        QTimer.singleShot(50, lambda: fill(pg_url))
        desk_app.open_settings(ctx, window)
        qtbot.waitUntil(lambda: window.hub_indicator is not None
                        and window.hub_indicator.link.text() == "Hub: online", timeout=TIMEOUT_MS)
        assert station(db).name == "door-Europa" and station(db).hub_url == pg_url
        assert load_settings().hub_url == pg_url
        assert "syncing with the hub" in window.status_label.text()
    finally:
        window.close()


def test_a_door_scan_is_sent_to_the_hub_at_once_and_a_pull_refreshes_the_door(qtbot, stations, monkeypatch):
    from functools import partial

    from PySide6.QtCore import Qt

    from desk.services.hub.loop import HubLoop
    from desk.services.rooms.door import Rooms
    from desk.services.rooms.programme import install_demo_programme
    from desk.ui.common.deferred_page import DeferredPage
    from desk.ui.hub import window as hub_window
    from desk.ui.hub.sync import HubSync

    a, b, people, url = stations
    install_demo_programme(a, dt.date(2016, 11, 30))
    now = dt.datetime(2016, 12, 1, 11, 0, tzinfo=NOW.tzinfo)
    for person in people[:2]:  # in at the entrance of the other station
        checkin.check_in_registration(a, person.registration_id, "entrance-A", now - dt.timedelta(hours=2))
    sync(a)
    sync(b)
    # rounds only on a nudge or the hub's NOTIFY: a push within seconds is the door's nudge
    monkeypatch.setattr(hub_window, "HubSync", partial(HubSync, make_loop=partial(HubLoop, interval_s=600)))
    settings = Settings(desk_name="door-B", hub_url=url, camera="none", role="door")
    ctx = replace(build_desk(settings, b, Workers()), sound=RecordingSound(), clock=lambda: now)
    window = build_window(ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.hub_indicator is not None
                        and window.hub_indicator.link.text() == "Hub: online", timeout=TIMEOUT_MS)
        rounds: list[object] = []  # the round the hub's listener asks for once it is connected comes first
        window.hub.state_changed.connect(rounds.append)
        qtbot.waitUntil(lambda: len(rounds) >= 1, timeout=TIMEOUT_MS)
        tab = next(window.tabs.widget(i) for i in range(window.tabs.count()) if window.tabs.tabText(i) == "Door")
        page = tab.ensure_built() if isinstance(tab, DeferredPage) else tab
        qtbot.waitUntil(lambda: page.room_box.findData("Europa") >= 0, timeout=TIMEOUT_MS)
        page.room_box.setCurrentIndex(page.room_box.findData("Europa"))
        qtbot.waitUntil(lambda: "seats taken" in page.count_label.text(), timeout=TIMEOUT_MS)
        before = page.answers
        qtbot.keyClicks(page.scan_field, people[0].ticket_code)
        qtbot.keyClick(page.scan_field, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: page.answers > before, timeout=TIMEOUT_MS)
        assert page.count_label.text().startswith("1 of ")  # in: the door's own count
        qtbot.waitUntil(lambda: station(b).unpushed == 0, timeout=TIMEOUT_MS)
        # someone enters Europa at the other station's door: this door's count follows on the pull
        assert Rooms(a).scan("Europa", people[1].ticket_code, now, "door-A").outcome.value in ("entered", "entered_again")
        sync(a)
        qtbot.waitUntil(lambda: page.count_label.text().startswith("2 of "), timeout=TIMEOUT_MS)
    finally:
        window.close()
