"""No cycle collection while a bulk job builds hundreds of thousands of objects.

CPython's collector walks every live container each time the heap has grown by a quarter;
an import that keeps 100,000 rows of records and registrations alive pays that walk again and
again (about half of the time it takes to read and validate a large export). The objects such
a job creates hold no reference cycles worth collecting before it ends, so the collector waits.
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
