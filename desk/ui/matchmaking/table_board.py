"""The table board: a full-screen window for the matchmaking area.

For the round on: a big countdown to its end (a gong when it ends), then one line per table:
the table number and both organisations with their representatives; a meeting whose
participant has not arrived is marked in words and colour. Between rounds the board says
"Break" and shows the next round's tables; after the last one, "Matchmaking is over" and no
cards. Long lists page by themselves. A participant types a few letters of their
organisation into the find field to see their table (Esc or FIND_CLEAR_S of quiet clears it).
The board has no I/O: the page hands it a `DayState` and it reads the time from the clock it
was given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QLineEdit, QSizePolicy, QVBoxLayout, QWidget

from desk.core.matchmaking.model import Meeting
from desk.core.text import fold
from desk.services.matchmaking.day import DayState, RoundState, find_tables, round_state
from desk.ui.common import theme
from desk.ui.common.big_screen import BigScreen

TICK_MS = 250
PAGE_S = 10
FIND_CLEAR_S = 30  # the next person walking up finds the board as usual


def countdown_text(seconds: int) -> str:
    """`MM:SS` (or `H:MM:SS` for an hour or more)."""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def countdown_caption(rs: RoundState) -> str:
    """What the big countdown counts to: `Round 3 ends in` or `Round 4 starts in` ("" after the last)."""
    if rs.phase == "round" and rs.slot is not None:
        return f"Round {rs.slot.number} ends in"
    if rs.next_slot is not None:
        return f"Round {rs.next_slot.number} starts in"
    return ""


class TableLine:
    """The widgets of one table's line."""

    def __init__(self, grid: QGridLayout, row: int) -> None:
        self.table = QLabel(objectName="boardTable")
        self.table.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.left = QLabel(objectName="boardSide")
        self.right = QLabel(objectName="boardSide")
        self.mark = QLabel(objectName="boardMark")
        for label in (self.left, self.right, self.mark):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)  # wraps within its column instead of widening it
        grid.addWidget(self.table, row, 0)
        grid.addWidget(self.left, row, 1)
        grid.addWidget(self.right, row, 2)
        grid.addWidget(self.mark, row, 3)

    def show(self, meeting: Meeting | None, state: DayState | None) -> None:
        """Show a meeting, or hide the line (no empty cards)."""
        widgets = (self.table, self.left, self.right, self.mark)
        for w in widgets:
            w.setVisible(meeting is not None and state is not None)
        if meeting is None or state is None:
            for w in widgets:
                w.setText("")
            return
        self.table.setText(str(meeting.table))
        for label, pid in ((self.left, meeting.requester), (self.right, meeting.partner)):
            person = state.people.get(pid)
            label.setText(f"{person.organisation}\n{person.name}" if person else pid)
        absent = state.absent_in(meeting)
        if len(absent) == 2:
            self.mark.setText("⚠ both not here yet")
        elif absent:
            (pid,) = absent
            self.mark.setText(f"⚠ waiting for {state.people[pid].organisation if pid in state.people else pid}")
        else:
            self.mark.setText("")


class TableBoard(BigScreen):
    """The current round's tables with a countdown; pages every `page_s` seconds."""

    def __init__(self, clock: Callable[[], dt.datetime], sound: Any = None, tz: dt.tzinfo | None = None,
                 *, rows_per_page: int = 8, page_s: int = PAGE_S, parent: QWidget | None = None) -> None:
        super().__init__("Matchmaking — tables", TICK_MS, parent)
        self._clock, self._sound, self._tz = clock, sound, tz
        self._state: DayState | None = None
        self._page_s = page_s
        self._on_slot: int | None = None  # the round seen on at the last tick (for the gong)
        self.page = 0
        self.pages = 1
        self.title = QLabel(objectName="boardTitle")
        self.countdown_caption = QLabel(objectName="boardCaption")  # "Round 3 ends in": not the time of day
        self.countdown_caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom)
        self.countdown = QLabel(objectName="boardCountdown")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.next_label = QLabel(objectName="boardNext")
        self.page_label = QLabel(objectName="boardNext")
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.find_field = QLineEdit(objectName="boardFind", placeholderText="Your table? Type your organisation")
        self.find_field.setClearButtonEnabled(True)
        self.found = QLabel(objectName="boardFound")
        self.found.setWordWrap(True)
        self.found.setTextFormat(Qt.TextFormat.PlainText)
        # a long answer wraps instead of widening the board past the screen
        self.found.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setFocusProxy(self.find_field)  # typing on the board goes to the find field
        self._find_clear = QTimer(self, singleShot=True, interval=FIND_CLEAR_S * 1000)
        self._find_clear.timeout.connect(self.find_field.clear)
        self.find_field.textChanged.connect(self._on_find_changed)
        header = QGridLayout()
        header.addWidget(self.title, 0, 0)
        header.addWidget(self.countdown_caption, 0, 1)
        header.addWidget(self.countdown, 1, 1, 2, 1)
        header.addWidget(self.next_label, 1, 0)
        header.setColumnStretch(0, 1)
        grid = QGridLayout()
        grid.setColumnStretch(1, 7)
        grid.setColumnStretch(2, 7)
        grid.setColumnStretch(3, 4)
        grid.setHorizontalSpacing(24)
        self.lines = [TableLine(grid, i) for i in range(rows_per_page)]
        grid.setRowStretch(rows_per_page, 1)  # a short last page keeps its cards' height, space below
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 16, 32, 16)
        layout.addLayout(header)
        layout.addLayout(grid, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.find_field, 4)
        bottom.addWidget(self.found, 5)
        bottom.addWidget(self.page_label, 1)
        layout.addLayout(bottom)
        self.start(self.tick)

    def style_rules(self, px: Callable[[float], int]) -> str:
        # table numbers and the countdown read from 5 metres
        return f"""
            TableBoard {{ background: #101418; }}
            QLabel {{ color: #f1f3f4; font-family: "{theme.FAMILY}"; }}
            QLabel#boardTitle {{ font-size: {px(46)}px; font-weight: bold; }}
            QLabel#boardCountdown {{ font-size: {px(110)}px; font-weight: bold; }}
            QLabel#boardCaption {{ font-size: {px(30)}px; color: #bdc1c6; }}
            QLabel#boardFound {{ font-size: {px(26)}px; font-weight: bold; color: #fdd663; }}
            QLineEdit#boardFind {{ font-size: {px(26)}px; color: #f1f3f4; background: #2d3a4a;
                                   border: 1px solid #5f6368; border-radius: 6px; padding: {px(6)}px; }}
            QLabel#boardNext {{ font-size: {px(26)}px; color: #bdc1c6; }}
            QLabel#boardTable {{ font-size: {px(54)}px; font-weight: bold; background: #2d3a4a;
                                 border-radius: 8px; min-width: {px(96)}px; }}
            QLabel#boardSide {{ font-size: {px(32)}px; }}
            QLabel#boardMark {{ font-size: {px(28)}px; font-weight: bold; color: #fdd663; }}
        """

    def set_state(self, state: DayState | None) -> None:
        """Show this day state (schedule, presence, outcomes) from the next tick on."""
        self._state = state
        self.tick()

    def tick(self) -> None:
        """Read the clock and redraw: phase, countdown, gong at a round's end, the page on."""
        at = self._clock()
        state = self._state
        rs = round_state(state.slots, at) if state is not None else RoundState("after", None, None, None)
        if self._on_slot is not None and (rs.slot is None or rs.slot.number != self._on_slot) and self._sound:
            self._sound.play("round_end")
        self._on_slot = rs.slot.number if rs.slot is not None else None
        self._show_heading(rs, at)
        # nothing left to look up once the last round is over (or before any schedule)
        self.find_field.setVisible(state is not None and rs.phase != "after")
        shown_slot = rs.slot or rs.next_slot
        meetings = (state.live_meetings(shown_slot.number)
                    if state is not None and shown_slot is not None else [])
        meetings = self._find(meetings, at)
        per_page = len(self.lines)
        self.pages = max(1, -(-len(meetings) // per_page))
        # the page follows the clock, so every board in the room shows the same page
        self.page = int(at.timestamp() // self._page_s) % self.pages
        chunk = meetings[self.page * per_page:(self.page + 1) * per_page]
        for k, line in enumerate(self.lines):
            line.show(chunk[k] if k < len(chunk) else None, state)
        self.page_label.setText(f"page {self.page + 1} of {self.pages}" if self.pages > 1 else "")

    def _find(self, meetings: list[Meeting], at: dt.datetime) -> list[Meeting]:
        """With letters in the find field: only the tables of the matching organisations,
        and where each one meets next (a later round when not in this one)."""
        query = fold(self.find_field.text()).strip()
        state = self._state
        if not query:
            self.found.setText("")
            return meetings
        if state is None:
            self.found.setText("No schedule yet")
            return []
        hits, total = find_tables(state, query, at, limit=2)
        more = f"  (+{total - len(hits)} more: type more letters)" if total > len(hits) else ""
        self.found.setText("\n".join(h.text for h in hits) + more if hits
                           else f"No organisation matches “{self.find_field.text().strip()}”")

        def matches(pid: str) -> bool:
            person = state.people.get(pid)
            return person is not None and query in fold(person.organisation)
        return [m for m in meetings if matches(m.requester) or matches(m.partner)]

    def _on_find_changed(self, _text: str) -> None:
        self._find_clear.start()
        self.tick()

    def leave_full_screen(self) -> None:
        """Esc: first clears the find field, then leaves full screen."""
        if self.find_field.text():
            self.find_field.clear()
            return
        super().leave_full_screen()

    def _show_heading(self, rs: RoundState, at: dt.datetime) -> None:
        tz = self._tz or (self._state.tz if self._state is not None else None)  # the event's zone by default

        def hm(t: dt.datetime) -> str:
            return f"{t.astimezone(tz):%H:%M}"

        nxt = rs.next_slot
        if self._state is None:
            self.title.setText("Matchmaking")
            self.next_label.setText("No schedule yet")
        elif rs.phase == "round":
            self.title.setText(f"Round {rs.slot.number}  ·  {hm(rs.slot.start)}–{hm(rs.slot.end)}")
            self.next_label.setText(f"Next: round {nxt.number} at {hm(nxt.start)}" if nxt else "Last round")
        elif rs.phase in ("before", "break"):
            word = "Break" if rs.phase == "break" else "Starting soon"
            self.title.setText(f"{word}  ·  round {nxt.number} starts at {hm(nxt.start)}")
            self.next_label.setText("Tables of the next round:")
        else:
            self.title.setText("Matchmaking is over — thank you!")
            self.next_label.setText("")
        self.countdown.setText(countdown_text(rs.remaining_s(at)) if rs.ends_at and self._state is not None else "")
        self.countdown_caption.setText(countdown_caption(rs) if self._state is not None else "")

