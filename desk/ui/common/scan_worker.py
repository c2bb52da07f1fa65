"""The webcam worker: one long-lived thread reads frames, decodes them and reports new codes.

It never touches a widget: it emits `scan_decoded` for a code it has not just seen, a
downscaled preview (with the code outlined) a few times a second, and `camera_failed` with
a sentence when the camera is missing, busy or stops delivering. It checks its stop flag
every frame; the page waits for it on close.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QThread, Signal
from PySide6.QtGui import QImage

if TYPE_CHECKING:  # OpenCV loads on the camera thread with the first frame, not with the window
    import numpy as np

# A camera that delivers nothing this many times in a row is gone (unplugged, end of file).
_MAX_EMPTY_READS = 30


class RepeatFilter:
    """Says whether a payload is a new scan: the same code held in view for seconds is one scan.

    A code counts again only after it was out of view for `hold_s` (each sighting renews it).
    """

    def __init__(self, hold_s: float = 3.0) -> None:
        self.hold_s = hold_s
        self._last_seen: dict[str, float] = {}

    def accept(self, payload: str, now: float) -> bool:
        """True when `payload` is a new scan at monotonic time `now` (and remember the sighting)."""
        last = self._last_seen.get(payload)
        self._last_seen[payload] = now
        if len(self._last_seen) > 256:  # forget the oldest: a long day must not grow this
            cutoff = now - self.hold_s
            self._last_seen = {p: t for p, t in self._last_seen.items() if t >= cutoff}
        return last is None or now - last > self.hold_s


def preview_image(frame: np.ndarray, outlines: list[tuple[tuple[int, int], ...]], width: int) -> QImage:
    """A downscaled RGB copy of the frame with each decoded code outlined in green."""
    import cv2  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415

    height, full_width = frame.shape[:2]
    scale = width / full_width
    small = cv2.resize(frame, (width, max(1, int(height * scale))), interpolation=cv2.INTER_AREA)
    for corners in outlines:
        if len(corners) >= 3:
            pts = (np.array(corners, dtype=np.float32) * scale).astype(np.int32)
            cv2.polylines(small, [pts], True, (60, 200, 60), 3)
    rgb = cv2.cvtColor(small, cv2.COLOR_BGR2RGB)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()  # own the pixels


class ScanWorker(QThread):
    """Reads a camera until stopped. Signals: scan_decoded(code), preview_ready(QImage),
    camera_started(label), camera_failed(sentence)."""

    scan_decoded = Signal(str)
    preview_ready = Signal(QImage)
    camera_started = Signal(str)
    camera_failed = Signal(str)

    def __init__(self, camera_factory: Callable[[], Any], decoder: Any, hold_s: float = 3.0,
                 preview_interval_s: float = 0.15, preview_width: int = 320) -> None:
        super().__init__()
        self._camera_factory = camera_factory
        self._decoder = decoder
        self._stop = threading.Event()
        self._filter = RepeatFilter(hold_s)
        self._preview_interval_s = preview_interval_s
        self._preview_width = preview_width

    def stop(self, timeout_ms: int = 3000) -> None:
        """Ask the loop to end and wait for it (at most `timeout_ms`)."""
        self._stop.set()
        self.wait(timeout_ms)

    def run(self) -> None:
        try:
            camera = self._camera_factory()
            camera.open()
        except Exception as exc:  # noqa: BLE001 - a missing camera is a state, not a crash
            self.camera_failed.emit(f"No camera: {exc}. Retry, or scan by hand.")
            return
        try:
            self.camera_started.emit(getattr(camera, "label", "camera"))
            self._loop(camera)
        except Exception as exc:  # noqa: BLE001 - the desk keeps working by hand
            self.camera_failed.emit(f"The camera stopped ({exc.__class__.__name__}: {exc}). Retry, or scan by hand.")
        finally:
            camera.close()

    def _loop(self, camera: Any) -> None:
        empty = 0
        last_preview = 0.0
        while not self._stop.is_set():
            frame = camera.read()
            if frame is None:
                empty += 1
                if empty >= _MAX_EMPTY_READS:
                    self.camera_failed.emit("The camera stopped delivering pictures (unplugged?). "
                                            "Retry, or scan by hand.")
                    return
                self.msleep(10)
                continue
            empty = 0
            found = self._decoder.decode(frame)
            now = time.monotonic()
            for item in found:
                if self._filter.accept(item.text, now):
                    self.scan_decoded.emit(item.text)
            # outlines show sooner, but never faster than three previews per interval
            interval = self._preview_interval_s / 3 if found else self._preview_interval_s
            if now - last_preview >= interval:
                last_preview = now
                self.preview_ready.emit(preview_image(frame, [d.corners for d in found], self._preview_width))
