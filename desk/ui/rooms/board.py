"""The occupancy board: a full-screen window for a big screen near the rooms.

One row per room: name, current session, a bar of people against capacity (green, amber
from 80 %, red from 95 %, "FULL" at 100 %), free seats in big figures, what comes next.
The figures come from a worker every second (the service replays only new door events).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from desk.ui.common import theme
from desk.ui.common.big_screen import BigScreen
from desk.ui.common.workers import Workers

StatusFn = Callable[[dt.datetime], Sequence[Any]]  # at -> list[services.rooms.RoomStatus]
POLL_MS = 1000


def level(ratio: float) -> tuple[str, str]:
    """(colour, word) for a room filled to `ratio`: the colour is always paired with a word."""
    if ratio >= 1.0:
        return theme.RED, "FULL"
    if ratio >= 0.95:
        return theme.RED, "almost full"
    if ratio >= 0.80:
        return theme.AMBER, "filling up"
    return theme.GREEN, "seats free"


class RoomRow:
    """The widgets of one room's row on the board."""

    def __init__(self, grid: QGridLayout, row: int, scale: float) -> None:
        self.name = QLabel(objectName="boardRoom")
        self.session = QLabel(objectName="boardSession")
        self.session.setWordWrap(True)
        self.bar = QProgressBar(objectName="boardBar")
        self.bar.setTextVisible(True)
        self.bar.setMinimumHeight(int(44 * scale))
        self.free = QLabel(objectName="boardFree")
        self.free.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.next = QLabel(objectName="boardNext")
        self.next.setWordWrap(True)
        left = QVBoxLayout()
        left.setSpacing(0)
        left.addWidget(self.name)
        left.addWidget(self.session)
        middle = QVBoxLayout()
        middle.setSpacing(2)
        middle.addWidget(self.bar)
        middle.addWidget(self.next)
        grid.addLayout(left, row, 0)
        grid.addLayout(middle, row, 1)
        grid.addWidget(self.free, row, 2)

    def show(self, status: Any, tz: dt.tzinfo | None, at: dt.datetime) -> None:
        colour, word = level(status.ratio)
        self.name.setText(status.room)
        self.session.setText(session_sentence(status.session, tz, at))
        self.bar.setRange(0, max(1, status.capacity))
        self.bar.setValue(min(status.occupancy, status.capacity))
        self.bar.setFormat(bar_sentence(status.occupancy, status.capacity, word))
        self.bar.setStyleSheet(f"QProgressBar::chunk {{ background: {colour}; }}")
        self.free.setText("FULL" if status.free == 0 else f"{status.free} free")
        self.free.setStyleSheet(f"color: {colour};")
        n = status.next
        self.next.setText(f"Next: {n.start.astimezone(tz):%a %H:%M} {n.title}" if n else "Nothing more today")


def bar_sentence(occupancy: int, capacity: int, word: str) -> str:
    """`12 of 40 seats taken — 28 free` (with the level word once the room fills up)."""
    free = max(0, capacity - occupancy)
    if free == 0:
        return f"{occupancy} of {capacity} seats taken — FULL"
    tail = f", {word}" if word != "seats free" else ""
    return f"{occupancy} of {capacity} seats taken — {free} free{tail}"


def session_sentence(session: Any, tz: dt.tzinfo | None, at: dt.datetime) -> str:
    """`Now 11:00–12:30: Title`, `From 11:00–12:30: Title` (starting soon) or `No session now`."""
    if session is None:
        return "No session now"
    when = "Now" if session.start <= at else "From"
    return f"{when} {session.start.astimezone(tz):%H:%M}–{session.end.astimezone(tz):%H:%M}: {session.title}"


class RoomsBoard(BigScreen):
    """Every room against its capacity, refreshed from a worker about once a second."""

    def __init__(self, workers: Workers, status: StatusFn, clock: Callable[[], dt.datetime],
                 tz: dt.tzinfo | None = None, parent: QWidget | None = None) -> None:
        super().__init__("Rooms — occupancy", POLL_MS, parent)
        self._workers, self._status, self._clock, self._tz = workers, status, clock, tz
        self._busy = False
        self._rows: list[RoomRow] = []
        self.refreshed = 0  # how many answers were shown (tests wait on it)
        self.title = QLabel("Rooms", objectName="boardTitle")
        self.clock_label = QLabel(objectName="boardClock")
        self.clock_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.error = QLabel(objectName="boardError")
        self.error.setWordWrap(True)
        header = QGridLayout()
        header.addWidget(self.title, 0, 0)
        header.addWidget(self.clock_label, 0, 1)
        self._host = QFrame()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(32, 20, 32, 20)
        self._layout.addLayout(header)
        self._layout.addWidget(self._host, 1)
        self._layout.addWidget(self.error)
        self.start(self.refresh)

    def style_rules(self, px: Callable[[float], int]) -> str:
        # room names ~5 % of the screen height
        return f"""
            RoomsBoard {{ background: #101418; }}
            QLabel {{ color: #f1f3f4; }}
            QLabel#boardTitle {{ font-size: {px(40)}px; font-weight: bold; }}
            QLabel#boardClock {{ font-size: {px(40)}px; font-weight: bold; }}
            QLabel#boardRoom {{ font-size: {px(44)}px; font-weight: bold; }}
            QLabel#boardSession {{ font-size: {px(28)}px; color: #dadce0; }}
            QLabel#boardNext {{ font-size: {px(24)}px; color: #bdc1c6; }}
            QLabel#boardFree {{ font-size: {px(48)}px; font-weight: bold; }}
            QLabel#boardError {{ font-size: {px(22)}px; color: #f28b82; }}
            QProgressBar {{ font-size: {px(26)}px; font-weight: bold; color: white; background: #3c4043;
                            border: none; border-radius: 6px; text-align: center; min-height: {px(48)}px; }}
        """

    def refresh(self) -> None:
        """Ask a worker for the figures now; one request at a time."""
        if self._busy:
            return
        self._busy = True
        at = self._clock()
        self._workers.submit(lambda _h: self._status(at), write=False,
                             on_done=lambda result: self._on_status(at, result), on_error=self._on_error)

    def _on_status(self, at: dt.datetime, figures: Sequence[Any]) -> None:
        self._busy = False
        self.error.setText("")
        self.clock_label.setText(f"{at.astimezone(self._tz):%a %d %b  %H:%M}")
        if len(figures) != len(self._rows):
            self._rebuild(len(figures))
        for row, status in zip(self._rows, figures, strict=True):
            row.show(status, self._tz, at)
        if not figures:
            self.error.setText("No rooms yet: import the programme (desk programme import FILE).")
        self.refreshed += 1

    def _rebuild(self, count: int) -> None:
        # A fresh host widget per room list: taking items out of a grid one by one is
        # where PySide6 ownership goes wrong.
        host = QFrame()
        grid = QGridLayout(host)
        grid.setColumnStretch(0, 5)
        grid.setColumnStretch(1, 6)
        grid.setColumnStretch(2, 2)
        grid.setHorizontalSpacing(28)
        grid.setVerticalSpacing(18)
        self._rows = [RoomRow(grid, i, self._scale or 1.0) for i in range(count)]
        self._layout.replaceWidget(self._host, host)
        self._host.deleteLater()
        self._host = host

    def _on_error(self, message: str) -> None:
        self._busy = False
        self.error.setText(f"⚠ {message} — still trying every second.")

