"""The table board offscreen with a fake clock: round, countdown, break, paging, gong, absent partners."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from desk.core.matchmaking.model import Meeting, Participant, Slot
from desk.devices.sound import RecordingSound
from desk.services.matchmaking.day import DayState
from desk.store.matchmaking import Outcome
from desk.ui.matchmaking.table_board import TableBoard, countdown_text

BXL = ZoneInfo("Europe/Brussels")
T0 = dt.datetime(2016, 11, 30, 9, 30, tzinfo=BXL)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


def _state(present: set[str], tables: int = 3) -> DayState:
    people = {f"P{k}": Participant(f"P{k}", f"Cluster {k}", f"Person {k}", "BE") for k in range(2 * tables)}
    people["P0"] = Participant("P0", "Στρατηγική Ομάδα Αθηνών", "Δημήτρης Παπαδόπουλος", "GR")
    slots = (Slot(1, T0, T0 + dt.timedelta(minutes=20)),
             Slot(2, T0 + dt.timedelta(minutes=40), T0 + dt.timedelta(minutes=60)))
    meetings = tuple(Meeting(f"P{2 * t}", f"P{2 * t + 1}", s, t + 1) for s in (1, 2) for t in range(tables))
    outcomes = {(("P2", "P3"), 1): Outcome("P2", "P3", 1, "no_show", "P3", "host", T0)}
    return DayState(1, slots, meetings, frozenset(), people, frozenset(present), outcomes, frozenset(), BXL)


def _board(qtbot, clock: FakeClock, sound: RecordingSound, **kw) -> TableBoard:
    board = TableBoard(clock, sound, BXL, **kw)
    qtbot.addWidget(board)
    board.resize(1366, 768)
    board.stop()  # the test ticks by hand
    return board


def test_countdown_text() -> None:
    assert countdown_text(5 * 60 + 7) == "05:07" and countdown_text(3725) == "1:02:05" and countdown_text(-3) == "00:00"


def test_current_round_countdown_and_absent_partner(qtbot) -> None:
    clock, sound = FakeClock(T0 + dt.timedelta(minutes=5, seconds=30)), RecordingSound()
    board = _board(qtbot, clock, sound)
    board.set_state(_state(present={"P0", "P1", "P2", "P4"}))
    assert board.title.text() == "Round 1  ·  09:30–09:50"
    assert board.countdown.text() == "14:30"
    assert f"{board.countdown_caption.text()} {board.countdown.text()}" == "Round 1 ends in 14:30"
    assert board.next_label.text() == "Next: round 2 at 10:10"
    lines = [(line.table.text(), line.left.text(), line.mark.text()) for line in board.lines[:3]]
    assert lines[0] == ("1", "Στρατηγική Ομάδα Αθηνών\nΔημήτρης Παπαδόπουλος", "")
    assert lines[1] == ("2", "Cluster 2\nPerson 2", "⚠ waiting for Cluster 3")  # recorded no-show
    assert lines[2][2] == "⚠ waiting for Cluster 5"  # not scanned at the area yet
    assert board.lines[3].table.text() == "" and board.lines[3].table.isHidden()  # no empty card
    board.set_state(_state(present={"P0", "P1"}))
    assert board.lines[2].mark.text() == "⚠ both not here yet"  # short: the names are on the line already


def test_gong_at_the_end_of_a_round_then_break_with_the_next_tables(qtbot) -> None:
    clock, sound = FakeClock(T0 + dt.timedelta(minutes=19, seconds=59)), RecordingSound()
    board = _board(qtbot, clock, sound)
    board.set_state(_state(present=set()))
    assert board.countdown.text() == "00:01" and sound.played == []
    clock.at = T0 + dt.timedelta(minutes=20)
    board.tick()
    assert sound.played == ["round_end"]
    assert board.title.text() == "Break  ·  round 2 starts at 10:10"
    assert f"{board.countdown_caption.text()} {board.countdown.text()}" == "Round 2 starts in 20:00"
    board.tick()
    assert sound.played == ["round_end"]  # once per round


def test_long_lists_page_with_the_clock(qtbot) -> None:
    clock, sound = FakeClock(T0 + dt.timedelta(minutes=1)), RecordingSound()
    board = _board(qtbot, clock, sound, rows_per_page=4, page_s=10)
    board.set_state(_state(present=set(), tables=10))
    assert board.pages == 3
    seen = set()
    for step in range(3):
        clock.at = T0 + dt.timedelta(minutes=1, seconds=10 * step)
        board.tick()
        seen.add(board.lines[0].table.text())
        assert board.page_label.text() == f"page {board.page + 1} of 3"
    assert seen == {"1", "5", "9"}


def test_before_and_after_the_session_and_without_a_schedule(qtbot) -> None:
    clock, sound = FakeClock(T0 - dt.timedelta(minutes=10)), RecordingSound()
    board = _board(qtbot, clock, sound)
    assert board.next_label.text() == "No schedule yet" and board.countdown.text() == ""
    assert all(line.table.isHidden() for line in board.lines)
    board.set_state(_state(present=set()))
    assert board.title.text().startswith("Starting soon") and board.countdown.text() == "10:00"
    clock.at = T0 + dt.timedelta(hours=3)
    board.tick()
    assert board.title.text() == "Matchmaking is over — thank you!" and board.countdown.text() == ""
    assert board.countdown_caption.text() == ""
    assert all(line.table.isHidden() and line.left.isHidden() for line in board.lines)  # no empty cards
    assert board.find_field.isHidden()


def test_the_board_ticks_by_itself(qtbot) -> None:
    clock, sound = FakeClock(T0 + dt.timedelta(minutes=19, seconds=59)), RecordingSound()
    board = TableBoard(clock, sound, BXL)
    qtbot.addWidget(board)
    board.set_state(_state(present=set()))
    clock.at = T0 + dt.timedelta(minutes=21)
    qtbot.waitUntil(lambda: sound.played == ["round_end"], timeout=3000)
    board.stop()


def _type(qtbot, text: str) -> None:
    """Keys as a keyboard sends them: to the widget that has the focus."""
    for ch in text:
        target = QApplication.focusWidget()
        if ch.isascii():
            qtbot.keyClick(target, ch)
        else:  # qtbot.keyClick aborts on non-ASCII: a key event carrying the text, as a keyboard layout sends it
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(target, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


def test_a_participant_types_a_few_letters_and_sees_their_table(qtbot) -> None:
    clock, sound = FakeClock(T0 + dt.timedelta(minutes=5)), RecordingSound()
    board = _board(qtbot, clock, sound)
    board.set_state(_state(present=set(), tables=6))
    board.showFullScreen()
    qtbot.waitExposed(board)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is board.find_field, timeout=3000)
    _type(qtbot, "ster 7")
    shown = [line.table.text() for line in board.lines if not line.table.isHidden()]
    assert shown == ["4"]  # P6-P7: only the table of Cluster 7
    assert board.found.text() == "Cluster 7 — table 4 with Cluster 6, round 1, on now until 09:50"
    board.find_field.clear()
    _type(qtbot, "στρατ")  # any script, no accents needed
    assert board.found.text().startswith("Στρατηγική Ομάδα Αθηνών — table 1 with Cluster 1")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)  # clears the search first
    assert board.find_field.text() == "" and board.isFullScreen()
    assert [line.table.text() for line in board.lines[:6]] == ["1", "2", "3", "4", "5", "6"]
    _type(qtbot, "zz")
    assert board.found.text() == "No organisation matches “zz”"
    assert all(line.table.isHidden() for line in board.lines)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)  # then leaves full screen
    qtbot.waitUntil(lambda: not board.isFullScreen(), timeout=3000)
    board.stop()


def test_the_board_fits_1366x768_and_reads_well(qtbot, tmp_path) -> None:
    clock, sound = FakeClock(T0 + dt.timedelta(minutes=5, seconds=31)), RecordingSound()
    board = _board(qtbot, clock, sound)
    board.set_state(_state(present={"P0", "P1", "P2"}, tables=10))
    board.show()
    qtbot.waitExposed(board)
    hint = board.minimumSizeHint().expandedTo(board.layout().minimumSize())
    assert hint.width() <= 1366 and hint.height() <= 768
    image = board.grab()
    assert (image.width(), image.height()) == (1366, 768) and image.save(str(tmp_path / "tables.png"))
    board.stop()
