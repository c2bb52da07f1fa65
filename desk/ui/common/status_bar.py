"""What the window's status bar shows on every page: online or offline, last sync, no audio.

Texts here can be long (a host name, a path); they are elided to the room they get, with the
whole sentence in the tooltip, so that no message ever widens the window past the screen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from desk.ui.common import theme
from desk.ui.common.workers import Workers

CHECK_INTERVAL_MS = 30_000


class ElidedLabel(QLabel):
    """A one-line label that shortens its text with "…" instead of growing its window.

    `text()` gives the whole text back; the tooltip shows it whenever it is cut.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None, *, objectName: str = "",  # noqa: N803
                 elide: Qt.TextElideMode = Qt.TextElideMode.ElideRight) -> None:
        super().__init__(parent)
        if objectName:
            self.setObjectName(objectName)
        self._full = ""
        self._details = ""
        self._mode = elide
        # as wide as the text when there is room, down to almost nothing when there is not
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._full = " ".join(text.split("\n"))
        self._elide()

    def text(self) -> str:
        return self._full

    def set_details(self, details: str) -> None:
        """A tooltip that says more than the text (shown whether or not the text is cut)."""
        self._details = details
        self._elide()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(16, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + 8, super().sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, self._mode, max(0, self.contentsRect().width()))
        super().setText(shown)
        self.setToolTip(self._details or (self._full if shown != self._full else ""))


class ConnectionIndicator(ElidedLabel):
    """Online/offline and the last sync, checked on a worker every `interval_ms` and on demand.

    `check()` returns a `services.connectivity.Connectivity`; it may take a few seconds
    (a feed that does not answer), so a new check waits until the last one finished.
    """

    def __init__(self, workers: Workers, check: Callable[[], Any], interval_ms: int = CHECK_INTERVAL_MS,
                 first_check_ms: int = 0, parent: QWidget | None = None) -> None:
        super().__init__("Checking the connection…", parent)
        self._workers, self._check = workers, check
        self._busy = self._again = False
        self.connectivity: Any = None
        self._timer = QTimer(self, interval=interval_ms, timeout=self.refresh)
        self._timer.start()
        QTimer.singleShot(first_check_ms, self.refresh)

    def refresh(self) -> None:
        """Check now (or right after the check that is running)."""
        if self._busy:
            self._again = True
            return
        self._busy = True
        try:
            self._workers.submit(lambda _h: self._check(), write=False, on_done=self._on_checked,
                                 on_error=self._on_failed)
        except RuntimeError:  # the workers were shut down: the window is closing
            self._timer.stop()

    def _on_checked(self, connectivity: Any) -> None:
        self.connectivity = connectivity
        self._show(connectivity.online, connectivity.sentence())
        self._done()

    def _on_failed(self, message: str) -> None:
        self._show(False, f"Cannot tell whether the desk is online ({message}).")
        self._done()

    def _done(self) -> None:
        self._busy = False
        if self._again:
            self._again = False
            self.refresh()

    def _show(self, online: bool, sentence: str) -> None:
        # colour always comes with the words: "Online" / "Offline" start the line
        self.setStyleSheet(f"color: {theme.GREEN if online else theme.RED};")
        self.setText(f"● {sentence}" if online else f"● Offline: {sentence}")

    @property
    def online(self) -> bool | None:
        return None if self.connectivity is None else self.connectivity.online


def audio_sentence(problem: str | None) -> str:
    """The status bar's words for a desk without sound ("" when sound works); the reason goes
    in the tooltip (`audio_reason`), so the online/offline sentence keeps its room."""
    return "No audio output" if problem else ""


def audio_reason(problem: str | None) -> str:
    """Why there is no audio output, for the tooltip."""
    return f"No audio output ({problem}): answers are shown, not heard." if problem else ""
