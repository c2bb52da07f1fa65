"""What every big-screen board shares: dark, sized on its window, F11 and Esc, a steady timer
that runs while the board is on screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget


class BigScreen(QWidget):
    """Base of the boards shown on a screen across the room.

    Subclasses give their style rules from `style_rules(px)`, where `px` scales a size in
    pixels for a 1920x1080 screen to the window: the same board fills 1366x768 and a 1080p
    screen and stays readable from 5 metres.

    The timer runs while the board is shown: closing it stops the timer, showing it again
    (the door's F11 opens the same board) starts it and redraws at once.
    """

    def __init__(self, title: str, interval_ms: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        # the board takes the keyboard when it opens, so Esc and F11 reach it without a click
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._scale = 0.0
        self._on_tick: Callable[[], None] | None = None
        self._timer = QTimer(self, interval=interval_ms)
        QShortcut(QKeySequence("F11"), self, activated=self._toggle_full_screen)
        QShortcut(QKeySequence("Escape"), self, activated=self.leave_full_screen)

    def start(self, on_tick: Callable[[], None]) -> None:
        """Style the board, run `on_tick` now and then at every interval."""
        self._apply_style(1.0)
        if self._on_tick is None:
            self._timer.timeout.connect(on_tick)
        self._on_tick = on_tick
        self._timer.start()
        on_tick()

    def style_rules(self, px: Callable[[float], int]) -> str:
        """The board's style sheet for a size scale (override)."""
        return ""

    def _apply_style(self, scale: float) -> None:
        if abs(scale - self._scale) < 0.05:
            return
        self._scale = scale
        self.setStyleSheet(self.style_rules(lambda v: max(10, int(v * scale))))

    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        self._apply_style(max(0.55, min(self.height() / 1080, self.width() / 1920)))
        super().resizeEvent(event)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(1280, 720)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        # the style scales with the window: never ask for more than a 1366x768 screen
        return QSize(640, 360)

    def _toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.leave_full_screen()
        else:
            self.showFullScreen()

    def leave_full_screen(self) -> None:
        """Esc: back to a window smaller than the screen, so the desk behind it shows."""
        if not self.isFullScreen():
            return
        self.showNormal()
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        if screen is not None and (self.width() >= screen.width() or self.height() >= screen.height()):
            # Shown full screen from the start, a board has no smaller size of its own to go back to
            self.resize(int(screen.width() * 0.75), int(screen.height() * 0.75))

    def stop(self) -> None:
        """Stop the timer (the window is closing)."""
        self._timer.stop()

    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        if self._on_tick is not None and not self._timer.isActive():
            self._timer.start()
            self._on_tick()  # reopened: the figures of now, not those of when it was closed
        self.activateWindow()
        self.setFocus()

    def hideEvent(self, event: Any) -> None:  # noqa: N802
        if not event.spontaneous():  # hidden by the program (not minimised): nothing to redraw
            self.stop()
        super().hideEvent(event)

    def closeEvent(self, event: Any) -> None:  # noqa: N802
        self.stop()
        super().closeEvent(event)
