"""The table board: a full-screen window for the matchmaking area.

For the round on: a big countdown to its end (a gong when it ends), then one line per table:
the table number and both organisations with their representatives; a meeting whose
participant has not arrived is marked in words and colour. Between rounds the board says
"Break" and shows the next round's tables. Long lists page by themselves. The board has no
I/O: the page hands it a `DayState` and it reads the time from the clock it was given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from desk.core.matchmaking import Meeting
from desk.services.match_day import DayState, RoundState, round_state
from desk.ui import theme
from desk.ui.big_screen import BigScreen

TICK_MS = 250
PAGE_S = 10


def countdown_text(seconds: int) -> str:
    """`MM:SS` (or `H:MM:SS` for an hour or more)."""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


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
        """Show a meeting, or blank the line."""
        widgets = (self.table, self.left, self.right, self.mark)
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
        self.countdown = QLabel(objectName="boardCountdown")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.next_label = QLabel(objectName="boardNext")
        self.page_label = QLabel(objectName="boardNext")
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        header = QGridLayout()
        header.addWidget(self.title, 0, 0)
        header.addWidget(self.countdown, 0, 1, 2, 1)
        header.addWidget(self.next_label, 1, 0)
        grid = QGridLayout()
        grid.setColumnStretch(1, 7)
        grid.setColumnStretch(2, 7)
        grid.setColumnStretch(3, 4)
        grid.setHorizontalSpacing(24)
        self.lines = [TableLine(grid, i) for i in range(rows_per_page)]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 16, 32, 16)
        layout.addLayout(header)
        layout.addLayout(grid, 1)
        layout.addWidget(self.page_label)
        self.start(self.tick)

    def style_rules(self, px: Callable[[float], int]) -> str:
        # table numbers and the countdown read from 5 metres
        return f"""
            TableBoard {{ background: #101418; }}
            QLabel {{ color: #f1f3f4; font-family: "{theme.FAMILY}"; }}
            QLabel#boardTitle {{ font-size: {px(46)}px; font-weight: bold; }}
            QLabel#boardCountdown {{ font-size: {px(120)}px; font-weight: bold; }}
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
        shown_slot = rs.slot or rs.next_slot
        meetings = (state.live_meetings(shown_slot.number)
                    if state is not None and shown_slot is not None else [])
        per_page = len(self.lines)
        self.pages = max(1, -(-len(meetings) // per_page))
        # the page follows the clock, so every board in the room shows the same page
        self.page = int(at.timestamp() // self._page_s) % self.pages
        chunk = meetings[self.page * per_page:(self.page + 1) * per_page]
        for k, line in enumerate(self.lines):
            line.show(chunk[k] if k < len(chunk) else None, state)
        self.page_label.setText(f"page {self.page + 1} of {self.pages}" if self.pages > 1 else "")

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
        self.countdown.setText(countdown_text(rs.remaining_s(at)) if rs.ends_at else "")

