"""The worker threads: results come back on the GUI thread, and never after shutdown."""

from __future__ import annotations

import threading

from desk.core.errors import DeskError
from desk.ui.common.workers import JobHandle, Workers


def test_a_result_and_an_error_come_back_on_the_gui_thread(qtbot):
    workers = Workers()
    seen: list[object] = []
    gui = threading.current_thread()
    workers.submit(lambda _h: 41 + 1, on_done=lambda r: seen.append((r, threading.current_thread() is gui)))

    def fail(_h: JobHandle) -> None:
        raise DeskError("the printer is out of labels")

    workers.submit(fail, on_error=lambda m: seen.append(m))
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    assert (42, True) in seen and "the printer is out of labels" in seen
    workers.shutdown()


def test_answers_arriving_after_shutdown_are_dropped(qtbot):
    workers = Workers()
    seen: list[object] = []
    release = threading.Event()
    workers.submit(lambda _h: release.wait(5) and "late", on_done=seen.append)
    release.set()
    workers.shutdown()  # the job ends and posts its answer; the page that asked is gone
    qtbot.wait(50)
    assert seen == []


def test_progress_is_throttled_but_the_end_always_arrives():
    sent: list[tuple[int, int]] = []
    handle = JobHandle(lambda d, t: sent.append((d, t)), min_interval_s=3600)
    for done in range(1, 1001):
        handle.progress(done, 1000)
    assert sent[0] == (1, 1000) and sent[-1] == (1000, 1000) and len(sent) == 2


def test_progress_without_a_total_goes_out_once_per_interval(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr("desk.ui.common.workers.time.monotonic", lambda: clock[0])
    sent: list[tuple[int, int]] = []
    handle = JobHandle(lambda d, t: sent.append((d, t)), min_interval_s=0.1)
    for done in range(2000, 12000, 2000):
        handle.progress(done, 0)
        handle.progress(done + 1, 0)  # within the interval: held back
        clock[0] += 0.2
    assert sent == [(n, 0) for n in range(2000, 12000, 2000)]


class _Witness:
    """Part of a reference cycle; notes which thread finally freed it."""

    freed_on: list[str] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        _Witness.freed_on.append(threading.current_thread().name)


def test_cycles_made_by_a_worker_are_collected_on_the_gui_thread(qtbot):
    import gc

    workers = Workers()
    assert not gc.isenabled()  # the automatic collector would run in whichever thread allocates

    def churn(_h: JobHandle) -> list:
        _Witness()
        # Far past the first generation's threshold: CPython would collect in this thread.
        return [[i] for i in range(gc.get_threshold()[0] * 50)]

    done: list[list] = []
    workers.submit(churn, on_done=done.append, write=False)
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    qtbot.waitUntil(lambda: bool(_Witness.freed_on), timeout=5000)  # the GUI thread's timer collects
    assert _Witness.freed_on == [threading.current_thread().name]
    workers.shutdown()
