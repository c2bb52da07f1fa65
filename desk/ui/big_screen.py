"""What every big-screen board shares: dark, sized on its window, F11, a steady timer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget


class BigScreen(QWidget):
    """Base of the boards shown on a screen across the room.

    Subclasses give their style rules from `style_rules(px)`, where `px` scales a size in
    pixels for a 1920x1080 screen to the window: the same board fills 1366x768 and a 1080p
    screen and stays readable from 5 metres.
    """

    def __init__(self, title: str, interval_ms: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._scale = 0.0
        self._timer = QTimer(self, interval=interval_ms)
        QShortcut(QKeySequence("F11"), self, activated=self._toggle_full_screen)
        QShortcut(QKeySequence("Escape"), self, activated=self.showNormal)

    def start(self, on_tick: Callable[[], None]) -> None:
        """Style the board, run `on_tick` now and then at every interval."""
        self._apply_style(1.0)
        self._timer.timeout.connect(on_tick)
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

    def _toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def stop(self) -> None:
        """Stop the timer (the window is closing)."""
        self._timer.stop()

    def closeEvent(self, event: Any) -> None:  # noqa: N802
        self.stop()
        super().closeEvent(event)
