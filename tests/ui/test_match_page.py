"""The organiser's matchmaking page: import, schedule on a worker, publish, the board, the round's meetings."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt

from desk.config import Settings
from desk.core.matchmaking.model import Meeting, Schedule
from desk.devices.sound import RecordingSound
from desk.services.matchmaking import schedule as match
from desk.services.matchmaking import day as match_day
from desk.store import matchmaking as store
from desk.ui.matchmaking.page import MatchPage, build_page
from desk.ui.common.workers import Workers
from tests.services.match_files import write

AT = dt.datetime(2016, 11, 30, 8, 35, tzinfo=dt.timezone.utc)


def _brussels_event(db) -> None:
    """The slot files' naive times are the event's local time: Brussels here (UTC+1)."""
    from desk.core.attendees import Event
    from desk.store import registrations as repo

    with db.begin() as session:
        repo.save_event(session, Event("Matchmaking", "", (dt.date(2016, 11, 30),), timezone="Europe/Brussels"))


def test_import_schedule_publish_and_board(qtbot, db, tmp_path) -> None:
    _brussels_event(db)
    workers = Workers()
    page = build_page(db=db, workers=workers, clock=lambda: AT, sound=RecordingSound(),
                      settings=Settings(desk_name="match desk"))
    qtbot.addWidget(page)
    assert isinstance(page, MatchPage)
    page.import_paths(write(tmp_path))
    qtbot.waitUntil(lambda: page.counts.text().startswith("5 participants"), timeout=5000)
    page.tables.setValue(2)
    page.time_limit.setValue(1)
    page.schedule()
    qtbot.waitUntil(lambda: page.summary.text().startswith("held 5 of 7 requested, upper bound 5, optimal yes"),
                    timeout=10000)
    assert page.unscheduled.count() == 2 and page.schedule_button.isEnabled()
    page.publish_button.click()  # asks first; Esc keeps it unpublished
    qtbot.waitUntil(lambda: page.publish_box is not None and page.publish_box.isVisible(), timeout=5000)
    assert page.publish_box.text() == "Publish schedule version 1?"
    qtbot.keyClick(page.publish_box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: page.message.text() == "Not published.", timeout=5000)
    with db.begin() as session:
        assert store.latest_version(session, published=True) is None
    page.publish_button.click()
    qtbot.waitUntil(lambda: page.publish_box is not None and page.publish_box.isVisible(), timeout=5000)
    qtbot.keyClick(page.publish_box, Qt.Key.Key_Return)  # Publish is the default button
    qtbot.waitUntil(lambda: page.message.text() == "Schedule version 1 published.", timeout=5000)
    page.scan.setText("NOT-A-BADGE")
    page.scan.returnPressed.emit()
    qtbot.waitUntil(lambda: page.scan_answer.text().startswith("✖"), timeout=5000)
    page.open_board()
    qtbot.addWidget(page.board)
    qtbot.waitUntil(lambda: page.board.title.text() == "Round 1  ·  09:30–09:50", timeout=5000)
    page.board.stop()
    workers.shutdown()


# --- on the day: the round's meetings, held / no-show, a new partner ---------------------

class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


@pytest.fixture
def day(qtbot, db, tmp_path):
    """The five-cluster files with a fixed, published schedule; the page on screen at 09:35 (round 1)."""
    _brussels_event(db)
    match.import_files(db, write(tmp_path))
    meetings = [Meeting("A", "C", 1, 1), Meeting("B", "E", 1, 2), Meeting("C", "E", 2, 1), Meeting("A", "B", 2, 2),
                Meeting("C", "D", 3, 1)]
    with db.begin() as session:
        version = store.save_schedule(session, Schedule(5, 7, 5, True, meetings, []), 2, AT)
        store.publish(session, version, AT)
    for pid in ("A", "B", "E"):  # C and D have not arrived
        match_day.mark_present(db, pid, AT, "entrance")
    workers, clock = Workers(), FakeClock(AT)
    page = build_page(db=db, workers=workers, clock=clock, sound=RecordingSound(),
                      settings=Settings(desk_name="match desk"))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    panel = page.meetings
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=5000)
    panel.table.setFocus()
    yield SimpleNamespace(page=page, panel=panel, clock=clock, db=db)
    page.close()  # stops the periodic reload before the workers go
    workers.shutdown()


def _cells(panel, row: int) -> list[str]:
    return [panel.model.index(row, c).data() for c in range(panel.model.columnCount())]


def _select(panel, row: int) -> None:
    panel.table.selectRow(row)
    panel.table.setFocus()


def test_the_round_on_is_listed_with_presence_and_h_records_held(qtbot, day) -> None:
    panel = day.panel
    assert panel.round_label.text().startswith("Round 1 · 09:30–09:50 · on now · 2 meetings, 0 recorded")
    assert _cells(panel, 0) == ["1", "Silicon Saxony — Jürgen Müller", "✔ here", "Клъстер Мехатроника — Петър Петров",
                                "✖ not here", "… pending"]
    _select(panel, 1)
    qtbot.keyClick(panel.table, Qt.Key.Key_H)
    qtbot.waitUntil(lambda: _cells(panel, 1)[5] == "✔ held", timeout=5000)
    assert panel.status.text() == "Table 2: held"
    assert panel.round_label.text().endswith("2 meetings, 1 recorded")
    # another round on demand; then back to the clock, which has moved on to round 2
    qtbot.keyClick(panel.table, Qt.Key.Key_O)  # a held meeting frees nobody
    assert panel.status.text().startswith("Record first who did not come")
    panel.round_box.setCurrentIndex(panel.round_box.findData(3))
    assert panel.round_label.text().startswith("Round 3 · 10:30–10:50 · 1 meetings")
    assert _cells(panel, 0)[3] == "Aerospace Valley — Hélène Girard"
    panel.round_box.setCurrentIndex(0)
    day.clock.at = AT + dt.timedelta(minutes=20)
    qtbot.waitUntil(lambda: panel.round_label.text().startswith("Round 2 · 09:50–10:10 · on now"), timeout=3000)


def test_no_show_then_offer_and_accept_a_new_partner_at_the_freed_table(qtbot, day) -> None:
    panel, page = day.panel, day.page
    page.open_board()
    qtbot.addWidget(page.board)
    page.board.stop()
    page.activateWindow()  # the organiser works on the page; the board is on the big screen
    qtbot.waitUntil(page.isActiveWindow, timeout=5000)
    _select(panel, 0)
    qtbot.keyClick(panel.table, Qt.Key.Key_N)  # C was never scanned: no question asked
    qtbot.waitUntil(lambda: _cells(panel, 0)[5] == "✖ no-show: Клъстер Мехатроника", timeout=5000)
    assert "press O to offer a new partner" in panel.status.text()
    qtbot.keyClick(panel.table, Qt.Key.Key_O)  # B and E are both meeting; D is free in round 3 only
    qtbot.waitUntil(lambda: panel.status.text() == "Nobody is free in this round for Silicon Saxony.", timeout=5000)
    assert not panel.offer_box.isVisible()
    # both sides of B-E are here, so N asks who did not come; 1 = the first organisation
    _select(panel, 1)
    qtbot.keyClick(panel.table, Qt.Key.Key_N)
    assert panel.chooser.isVisible() and panel.absent_buttons[0].text() == "1 · Στρατηγική Ομάδα Αθηνών"
    qtbot.keyClick(panel.table, Qt.Key.Key_1)
    qtbot.waitUntil(lambda: _cells(panel, 1)[5] == "✖ no-show: Στρατηγική Ομάδα Αθηνών", timeout=5000)
    assert not panel.chooser.isVisible()
    _select(panel, 0)
    qtbot.keyClick(panel.table, Qt.Key.Key_O)
    qtbot.waitUntil(panel.offer_box.isVisible, timeout=5000)
    assert panel.offer_text.text() == ("<b>Silicon Saxony</b> can meet <b>Brainport Eindhoven (Joost de Vries)</b> "
                                       "at table 1 in round 1 — their partner is absent too.")
    qtbot.keyClick(panel.accept_button, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3, timeout=5000)
    assert not panel.offer_box.isVisible()
    assert panel.status.text() == "New meeting at table 1: Silicon Saxony – Brainport Eindhoven"
    new = panel.selected()
    assert (new.meeting.table, new.left, new.right) == (1, "Silicon Saxony — Jürgen Müller",
                                                        "Brainport Eindhoven — Joost de Vries")
    assert _cells(panel, panel.model.rows().index(new))[5] == "… pending · new today"
    qtbot.waitUntil(lambda: any(line.right.text() == "Brainport Eindhoven\nJoost de Vries" and line.table.text() == "1"
                                for line in page.board.lines), timeout=5000)


def test_ctrl_z_takes_a_wrong_held_back_and_the_button_follows(qtbot, day) -> None:
    panel = day.panel
    _select(panel, 0)
    assert not panel.undo_button.isEnabled()  # nothing recorded yet
    qtbot.keyClick(panel.table, Qt.Key.Key_H)
    qtbot.waitUntil(lambda: _cells(panel, 0)[5] == "✔ held", timeout=5000)
    _select(panel, 0)
    qtbot.waitUntil(panel.undo_button.isEnabled, timeout=5000)
    qtbot.keyClick(panel.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _cells(panel, 0)[5] == "… pending", timeout=5000)
    assert panel.status.text() == "Table 1: outcome undone, pending again"
    qtbot.waitUntil(lambda: not panel.undo_button.isEnabled(), timeout=5000)
    qtbot.keyClick(panel.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # nothing left to undo
    qtbot.waitUntil(lambda: panel.status.text() == "⚠ Table 1: nothing recorded yet, nothing to undo", timeout=5000)


def test_no_schedule_yet_goes_once_there_is_one_and_presence_names_the_table(qtbot, db, tmp_path) -> None:
    from desk.services.demo.event import install_demo

    data = install_demo(db, dt.date(2016, 11, 30))
    reg = next(r for r in data.registrations if r.is_attendee)
    paths = write(tmp_path)
    paths[0].write_text(paths[0].read_text(encoding="utf-8").replace(
        "A,Silicon Saxony,Jürgen Müller,DE,,", f"A,Silicon Saxony,Jürgen Müller,DE,{reg.registration_id},"),
        encoding="utf-8")
    workers, clock = Workers(), FakeClock(AT)
    page = build_page(db=db, workers=workers, clock=clock, sound=RecordingSound(),
                      settings=Settings(desk_name="match desk"))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    page.import_paths(paths)
    qtbot.waitUntil(lambda: page.counts.text().startswith("5 participants"), timeout=5000)
    page.open_board()
    qtbot.addWidget(page.board)
    qtbot.waitUntil(lambda: page.meetings.status.text().startswith("no schedule yet"), timeout=5000)
    assert page.board.next_label.text() == "No schedule yet"
    page.tables.setValue(2)
    page.time_limit.setValue(1)
    qtbot.keyClick(page, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.summary.text().startswith("held 5 of 7"), timeout=10000)
    qtbot.waitUntil(lambda: page.meetings.status.text() == "", timeout=5000)
    qtbot.waitUntil(lambda: page.board.title.text() == "Round 1  ·  09:30–09:50", timeout=5000)
    assert page.board.next_label.text() != "No schedule yet"
    assert page.meetings.round_label.text().startswith("Round 1 · 09:30–09:50 · on now")
    state = match_day.day_state(db, AT)
    mine = next(m for m in state.meetings if m.slot >= 1 and "A" in (m.requester, m.partner)
                and m in state.live_meetings(m.slot))
    slot = next(s for s in state.slots if s.number == mine.slot)
    other = state.people[mine.partner if mine.requester == "A" else mine.requester].organisation
    page.scan.setFocus()
    qtbot.keyClicks(page.scan, reg.ticket_code)
    qtbot.keyClick(page.scan, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.scan_answer.text().startswith("✔"), timeout=5000)
    when = "on now until 09:50" if slot.number == 1 else f"at {slot.start.astimezone(state.tz):%H:%M}"
    assert page.scan_answer.text() == (f"✔ Silicon Saxony: arrived — table {mine.table} with {other}, "
                                       f"round {slot.number}{',' if slot.number == 1 else ''} {when}")
    assert page.minimumSizeHint().height() <= 768 and page.minimumSizeHint().width() <= 1366
    assert page.grab().save(str(tmp_path / "match.png"))
    page.board.stop()
    page.close()
    workers.shutdown()
