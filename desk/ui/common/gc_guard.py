"""Python's cycle collector runs on the GUI thread only.

CPython starts a collection in whichever thread happens to allocate past the threshold. When
that is a worker or camera thread and the garbage holds Qt wrappers (a closed dialog, a page
torn down, a lambda that captured a widget), Qt objects get destroyed off their own thread
and the process dies with a segmentation fault. desk therefore switches the automatic
collector off while it has a Qt application and collects on the GUI thread instead, from a
timer, with the same generation thresholds CPython would use.
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QCoreApplication, QObject, QTimer

from desk.services.registrations import gcpause

_INTERVAL_MS = 200

_guard: _GuiThreadCollector | None = None


# A full collection walks every object of the process (100 ms and more with Qt, SQLAlchemy and
# OR-Tools loaded): like CPython, which waits until the old objects grew by a quarter, desk
# runs one rarely. What the start-up built is frozen out of later collections altogether.
_FULL_EVERY_S = 60.0
_FREEZE_AFTER_MS = 3000


class _GuiThreadCollector(QObject):
    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self._thresholds = gc.get_threshold()
        self._last_full = time.monotonic()
        self._timer = QTimer(self)
        self._timer.setInterval(_INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()
        gc.disable()
        QTimer.singleShot(_FREEZE_AFTER_MS, self._freeze_start_up)
        app.aboutToQuit.connect(self._stop)

    def check(self) -> int:
        """Collect the oldest generation due (a full one at most every minute); return objects found.

        Nothing while a bulk job (an import) asked the collector to wait.
        """
        if gcpause.paused():
            return 0
        counts = gc.get_count()
        t0, t1, t2 = self._thresholds
        if t2 and counts[2] > t2 and time.monotonic() - self._last_full >= _FULL_EVERY_S:
            self._last_full = time.monotonic()
            return gc.collect(2)
        if t1 and counts[1] > t1:
            return gc.collect(1)
        if t0 and counts[0] > t0:
            return gc.collect(0)
        return 0

    def _freeze_start_up(self) -> None:
        # the modules, the window and its pages live as long as the process
        if not gcpause.paused():
            gc.collect()
            gc.freeze()
            self._last_full = time.monotonic()

    def _stop(self) -> None:
        global _guard  # noqa: PLW0603 - one guard per application
        self._timer.stop()
        gc.unfreeze()
        gc.enable()
        _guard = None


def collect_on_gui_thread() -> bool:
    """Move garbage collection to the GUI thread; call on the GUI thread. Idempotent.

    Returns False (and changes nothing) when no Qt application exists yet.
    """
    global _guard  # noqa: PLW0603 - one guard per application
    app = QCoreApplication.instance()
    if app is None:
        return False
    if _guard is None:
        _guard = _GuiThreadCollector(app)
    return True


def collect_now() -> int:
    """Run the thresholded collection at once (tests call this between cases)."""
    return _guard.check() if _guard is not None else 0
