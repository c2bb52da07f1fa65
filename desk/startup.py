"""The first seconds of the desk window: what loads beside Qt, what waits until it is up.

`desk run` must answer the first scan quickly (benchmarks/startup.py). The database opens on
a thread while Qt starts; the entrance page is built with the window; the other tabs, and
the heavy libraries they import (reportlab, OpenCV, OR-Tools, pandas), come once the window
is on the screen. With DESK_STARTUP_PROBE=<code>, the window scans that code as soon as it
is shown and reports on stderr (the benchmark reads it).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from concurrent.futures import Future
from typing import Any

# What the later pages and devices import (heavy): loaded on a thread once the window is up.
WARM_UP_MODULES = ("desk.services.badges.printing", "desk.services.badges.pdf", "desk.services.registrations.sync", "desk.services.matchmaking.schedule",
                   "desk.services.rooms.door", "cv2")
# What the entrance page and the attendee list import: loaded beside Qt's start.
FIRST_PAGE_MODULES = ("desk.store.registrations", "desk.services.registrations.search", "desk.services.checkin.entrance")
# Wait this long after the first paint before warming up and building the other tabs: the
# first scans must not queue behind them.
SETTLE_MS = 1500


def warm_up(names: tuple[str, ...] = WARM_UP_MODULES) -> threading.Thread:
    """Import the later pages' heavy libraries on a thread, so opening a tab is quick."""
    import importlib  # noqa: PLC0415

    def run() -> None:
        for name in names:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the page that needs it will say what is missing
                continue

    thread = threading.Thread(target=run, name="desk-warm-up", daemon=True)
    thread.start()
    return thread


def open_database_beside(url: str, key: str | None = None) -> Future:
    """Open (and migrate) the database on a thread while Qt starts; the future gives it.
    `key` opens an encrypted local database."""
    future: Future = Future()

    def run() -> None:
        try:
            from desk.store.db import open_database  # noqa: PLC0415

            future.set_result(open_database(url, key=key))
        except BaseException as exc:  # noqa: BLE001 - re-raised on the GUI thread by result()
            future.set_exception(exc)
            return
        # the models and the entrance's services, while the GUI thread builds the window
        warm_up(FIRST_PAGE_MODULES).join()

    threading.Thread(target=run, name="desk-open-db", daemon=True).start()
    return future


def built_pages(window: Any) -> list[Any]:
    """The window's pages that exist so far (a tab not built yet is left out)."""
    from desk.ui.common.deferred_page import DeferredPage  # noqa: PLC0415

    pages = []
    for i in range(window.tabs.count()):
        page = window.tabs.widget(i)
        page = page.page if isinstance(page, DeferredPage) else page
        if page is not None:
            pages.append(page)
    return pages


def _build_deferred(window: Any) -> None:
    """Build the tabs still waiting, one per turn of the event loop (scans go in between)."""
    from PySide6.QtCore import QTimer  # noqa: PLC0415

    from desk.ui.common.deferred_page import DeferredPage  # noqa: PLC0415

    if not window.isVisible():
        return  # the window closed: desk is quitting, nothing more to build
    waiting = [window.tabs.widget(i) for i in range(window.tabs.count())
               if isinstance(window.tabs.widget(i), DeferredPage) and window.tabs.widget(i).page is None]
    if waiting:
        waiting[0].ensure_built()
        QTimer.singleShot(50, window, lambda: _build_deferred(window))


def after_first_paint(window: Any, screenshot: str | None) -> None:
    from PySide6.QtCore import QTimer  # noqa: PLC0415

    QTimer.singleShot(SETTLE_MS, window, lambda: build_later_tabs(window))
    probe = os.environ.get("DESK_STARTUP_PROBE")
    if probe:
        QTimer.singleShot(0, lambda: _probe_scan(window, probe))
    if screenshot:
        def shoot() -> None:
            window.grab().save(screenshot)
            window.close()

        QTimer.singleShot(1500, shoot)


def build_later_tabs(window: Any) -> None:
    """Once the window is up: warm the heavy imports on a thread, then build the waiting tabs."""
    from PySide6.QtCore import QTimer  # noqa: PLC0415

    thread = warm_up()

    def build_when_warm() -> None:
        if thread.is_alive():
            QTimer.singleShot(100, window, build_when_warm)
        else:
            _build_deferred(window)

    build_when_warm()


def _probe_scan(window: Any, code: str) -> None:
    """Say the window is shown, scan `code` like a handheld scanner, say when it was answered, quit."""
    from PySide6.QtCore import QTimer  # noqa: PLC0415

    print(f"desk-startup: window shown {time.process_time():.3f}", file=sys.stderr, flush=True)
    page = window.tabs.widget(0)
    if not hasattr(page, "scan_field") or not hasattr(page, "answer_shown"):
        print("desk-startup: no scan field on the first page", file=sys.stderr, flush=True)
        window.close()
        return

    def answered(result: Any) -> None:
        outcome = getattr(getattr(result, "outcome", None), "value", result)
        print(f"desk-startup: scan answered {outcome}", file=sys.stderr, flush=True)
        QTimer.singleShot(0, window.close)  # after the page finished its own answer

    page.answer_shown.connect(answered)
    page.scan_field.setText(code)
    page.scan_field.returnPressed.emit()
