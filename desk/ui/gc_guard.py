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

from PySide6.QtCore import QCoreApplication, QObject, QTimer

from desk.services import gcpause

_INTERVAL_MS = 200

_guard: _GuiThreadCollector | None = None


class _GuiThreadCollector(QObject):
    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(_INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()
        gc.disable()
        app.aboutToQuit.connect(self._stop)

    def check(self) -> int:
        """Collect the oldest generation whose count passed its threshold; return objects found.

        Nothing while a bulk job (an import) asked the collector to wait.
        """
        if gcpause.paused():
            return 0
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if self._thresholds[generation] and counts[generation] > self._thresholds[generation]:
                return gc.collect(generation)
        return 0

    def _stop(self) -> None:
        global _guard  # noqa: PLW0603 - one guard per application
        self._timer.stop()
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
