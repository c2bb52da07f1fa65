"""No cycle collection while a sync builds hundreds of thousands of objects: the one
interpreter-wide switch desk sets for speed.

CPython's collector walks every live container each time the heap has grown by a quarter;
an import that keeps 100,000 rows of records and registrations alive pays that walk again and
again. The objects such a job creates hold no reference cycles worth collecting before it
ends, so the collector waits. The cost it prevents, measured on `benchmarks/sync.py`'s
100,000-row export (medians of three alternating runs, CPU time, 2-core desk machine): a
first import takes 7.3 s with the pause and 9.6 s without, an unchanged re-import 1.3 s and
2.3 s.

`run_sync` is the only caller. The GUI-thread collector (`ui/common/gc_guard.py`, which
prevents a crash, not a cost) asks `paused()` and waits too.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def bulk_work() -> Iterator[None]:
    """Pause automatic collection for the duration (nestable, any thread)."""
    global _depth, _was_enabled  # noqa: PLW0603 - one collector per process
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()


def paused() -> bool:
    """True while some bulk job asked the collector to wait (a GUI-thread collector obeys too)."""
    return _depth > 0
