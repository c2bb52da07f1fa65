"""The webcam part of a scanning page: preview, a state line, Retry, and the worker's life.

The entrance and the room doors use the same panel, so the camera behaves alike on both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget

from desk.ui.common import theme
from desk.ui.common.scan_worker import ScanWorker

PREVIEW_W, PREVIEW_H = 320, 180


class _WindowCloseWatch(QObject):
    """Calls `stop` when the page's window closes (lives and dies with the page)."""

    def __init__(self, page: QWidget, stop: Callable[[], None]) -> None:
        super().__init__(page)
        self._page, self._stop = page, stop
        page.window().installEventFilter(self)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._on_quit)

    def _on_quit(self) -> None:
        self._stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Close and watched is self._page.window():
            self._stop()
        return False


def stop_with_window(page: QWidget, stop: Callable[[], None]) -> QObject:
    """Have `stop` called when the page's window closes or the application quits.

    Call it once the page is in its window (from the first showEvent) and keep what it
    returns; a scanning page uses it to let go of the webcam and its timers.
    """
    return _WindowCloseWatch(page, stop)


class CameraPanel(QObject):
    """Owns the preview, the state line and the Retry button; emits `code_scanned` per new code."""

    code_scanned = Signal(str)

    def __init__(self, camera_factory: Callable[[], Any] | None, decoder: Any, retry_key: str,
                 no_camera_hint: str, idle_text: str = "", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._factory, self._decoder, self._hint = camera_factory, decoder, no_camera_hint
        self._worker: ScanWorker | None = None
        self.preview = QLabel("Camera off", alignment=Qt.AlignmentFlag.AlignCenter)
        self.preview.setFixedSize(PREVIEW_W, PREVIEW_H)
        self.preview.setStyleSheet("background: #202124; color: white;")
        self.status = QLabel(idle_text, objectName="status", wordWrap=True)
        self.retry_button = QPushButton(f"Retry camera  ({retry_key})")
        self.retry_button.setMinimumHeight(44)
        self.retry_button.setVisible(False)
        self.retry_button.clicked.connect(self.start)

    @property
    def running(self) -> bool:
        return self._worker is not None and self._worker.isRunning()

    def start(self) -> None:
        """Start (or restart) the webcam worker; without a camera or decoder, say so."""
        if self._decoder is None or self._factory is None:
            self._on_failed(self._hint)
            return
        if self.running:
            return
        self.retry_button.setVisible(False)
        self.status.setStyleSheet("")
        self.status.setText("Starting the camera…")
        worker = ScanWorker(self._factory, self._decoder)
        worker.scan_decoded.connect(self.code_scanned)
        worker.preview_ready.connect(self._on_preview)
        worker.camera_started.connect(self._on_started)
        worker.camera_failed.connect(self._on_failed)
        self._worker = worker
        worker.start()

    def stop(self) -> None:
        """Stop the worker and wait for it (page hidden, window closing, app quitting)."""
        if self._worker is not None:
            self._worker.stop()
            self._worker = None

    def _on_preview(self, image: QImage) -> None:
        self.preview.setPixmap(QPixmap.fromImage(image).scaled(
            self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))

    def _on_started(self, label: str) -> None:
        self.status.setStyleSheet("")
        self.status.setText(f"Camera on: {label}")

    def _on_failed(self, message: str) -> None:
        self.preview.clear()
        self.preview.setText("No camera")
        self.status.setText(f"⚠ {message}")
        self.status.setStyleSheet(f"color: {theme.RED};")
        self.retry_button.setVisible(True)
