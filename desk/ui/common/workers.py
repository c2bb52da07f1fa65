"""Running service calls off the GUI thread.

A job is a plain function that receives a `JobHandle` (progress and cancel check, no Qt).
Database writes run one at a time on a single worker thread (SQLite has one writer);
reads and network work share a small pool. Results, errors and progress come back to the
GUI thread through a queued signal; a worker never touches a widget.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from desk.core.errors import DeskError
from desk.ui.common.gc_guard import collect_on_gui_thread


def describe_error(exc: BaseException) -> str:
    """A sentence for a desk worker: the domain message, or what kind of failure it was."""
    if isinstance(exc, DeskError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"The computer refused: {exc.strerror or exc}"
    return f"Something went wrong ({exc.__class__.__name__}: {exc}). The desk keeps working; try again."


class JobHandle:
    """Given to a job function: report progress (throttled) and check for cancel."""

    def __init__(self, emit_progress: Callable[[int, int], None], min_interval_s: float = 0.1) -> None:
        self._emit = emit_progress
        self._cancel = threading.Event()
        self._last = float("-inf")  # the first report always goes out
        self._last_pct = -1
        self._interval = min_interval_s

    def progress(self, done: int, total: int) -> None:
        # Throttled: at most every `min_interval_s`, and with a total only when the bar would
        # move visibly (without one, the count read so far is news).
        pct = int(done * 100 / total) if total else -1
        now = time.monotonic()
        if ((not total or pct != self._last_pct) and now - self._last >= self._interval) or (total and done >= total):
            self._last, self._last_pct = now, pct
            self._emit(done, total)

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()


class _Relay(QObject):
    """Lives on the GUI thread; runs callables posted from workers there."""

    posted = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.closed = False
        self.posted.connect(self._run, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _run(self, fn: Callable[[], None]) -> None:
        # After shutdown the widgets these callbacks touch may be gone: calling into a
        # deleted widget crashes the process, so late answers are dropped instead.
        if not self.closed:
            fn()


class Job:
    """A submitted job: cancel it, or ask whether it ended."""

    def __init__(self, handle: JobHandle, future: Future) -> None:
        self.handle = handle
        self.future = future

    def cancel(self) -> None:
        self.handle.cancel()
        self.future.cancel()

    def done(self) -> bool:
        return self.future.done()


class Workers:
    """The desk's worker threads: one writer, a small pool for reads and network."""

    def __init__(self, read_threads: int = 2) -> None:
        # Worker threads must never run the cycle collector over Qt objects.
        collect_on_gui_thread()
        self._relay = _Relay()
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="desk-db-write")
        self._pool = ThreadPoolExecutor(read_threads, thread_name_prefix="desk-io")
        self._jobs: set[Job] = set()

    def post(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the GUI thread soon (safe to call from any thread)."""
        self._relay.posted.emit(fn)

    def submit(
        self, fn: Callable[[JobHandle], Any], *, on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None, on_progress: Callable[[int, int], None] | None = None,
        write: bool = True,
    ) -> Job:
        """Run `fn(handle)` on a worker; callbacks run on the GUI thread."""
        handle = JobHandle(lambda d, t: on_progress and self.post(lambda: on_progress(d, t)))

        def run() -> Any:
            try:
                result = fn(handle)
            except BaseException as exc:  # noqa: BLE001 - every failure reaches the ui as a sentence
                message = describe_error(exc)
                if not isinstance(exc, DeskError):
                    traceback.print_exc()
                if on_error:
                    self.post(lambda: on_error(message))
                result = None
            else:
                if on_done:
                    self.post(lambda: on_done(result))
            # The job's functions usually hold widgets: let the GUI thread drop the last
            # reference to them, never this worker.
            self.post(lambda keep=(fn, on_done, on_error, on_progress): None)
            return result

        future = (self._writer if write else self._pool).submit(run)
        job = Job(handle, future)
        self._jobs.add(job)
        future.add_done_callback(lambda _f: self._jobs.discard(job))
        return job

    def shutdown(self, timeout_s: float = 5.0) -> None:
        """Cancel pending jobs, ask running ones to stop, wait up to `timeout_s`.

        Answers still on their way to the GUI thread are dropped.
        """
        self._relay.closed = True
        for job in list(self._jobs):
            job.cancel()
        deadline = time.monotonic() + timeout_s
        for executor in (self._writer, self._pool):
            executor.shutdown(wait=False, cancel_futures=True)
        for job in list(self._jobs):
            try:
                job.future.result(timeout=max(0.0, deadline - time.monotonic()))
            except Exception:  # noqa: BLE001, S110 - cancelled or failed; already reported
                pass
