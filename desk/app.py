"""The composition root: settings → database → services → devices → windows.

The only module that knows which camera, printer and sound classes are real.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from desk import startup
from desk.config import Settings, load_settings

if TYPE_CHECKING:  # SQLAlchemy and Alembic take ~0.8 s to import: they load beside the window
    from desk.store.db import Database


@dataclass
class Context:
    """Everything the pages need, built once. Devices are chosen here and nowhere else."""

    settings: Settings
    db: Database
    workers: Any  # desk.ui.common.workers.Workers
    warnings: list[str] = field(default_factory=list)
    sound: Any = None  # desk.devices.base.SoundSink
    decoder: Any = None  # desk.devices.base.Decoder
    camera_factory: Any = None  # () -> desk.devices.base.Camera
    printer_factory: Any = None  # () -> desk.devices.base.Printer
    printer_for: Any = None  # (choice, layout) -> Printer: "folder:<path>" or a system printer's name
    list_printers: Any = None  # () -> the system's printer names (may talk to CUPS: on a worker)
    clock: Any = None  # () -> aware datetime
    print_badge: Any = None  # (registration_id) -> None: queue a badge (set once the window exists)
    camera_not_before: float = 0.0  # time.monotonic() before which no camera opens (start-up)


# The desk window's tabs after the attendee list, in order. Each module offers
# `build_page(ctx) -> (title, widget)`; they are named here (not discovered) so that the
# frozen build includes them. The first is built with the window; the others (with their
# tab titles here) are built once the window is up, or when their tab is opened.
PAGE_MODULES = (
    "desk.ui.checkin.page",
    "desk.ui.badges.page",
    "desk.ui.rooms.door_page",
    "desk.ui.matchmaking.page",
)
PAGE_TITLES = {"desk.ui.checkin.page": "Check-in", "desk.ui.badges.page": "Badges",
               "desk.ui.rooms.door_page": "Door", "desk.ui.matchmaking.page": "Matchmaking"}
# The camera opens this long after the window is shown (a webcam takes longer to wake up).
CAMERA_AFTER_SHOW_S = 0.5


def build_devices(ctx: Context) -> None:
    """Pick the real devices for this desk from its settings."""
    import importlib.util  # noqa: PLC0415

    from desk.devices.sound import SoundPlayer  # noqa: PLC0415

    settings = ctx.settings
    ctx.sound = _SettingsSound(SoundPlayer(), settings)
    if any(importlib.util.find_spec(name) for name in ("zxingcpp", "pyzbar")):
        ctx.decoder = _DecoderOnFirstFrame()
    else:  # no decoder: the desk still works by hand
        ctx.warnings.append("no QR decoder available (install zxing-cpp); scan with a handheld scanner or search")

    def camera() -> Any:
        # On the camera's thread: OpenCV's import holds the interpreter for most of its 0.4 s,
        # so the first camera waits until the window is painted (a fixed, short wait: the
        # page may stop the camera meanwhile, and waits for this thread when it does).
        time.sleep(max(0.0, ctx.camera_not_before - time.monotonic()))
        from desk.devices.camera import OpenCVCamera  # noqa: PLC0415

        return OpenCVCamera(settings.camera, settings.camera_width, settings.camera_height)

    ctx.camera_factory = camera
    ctx.printer_for = make_printer
    ctx.list_printers = system_printers
    ctx.printer_factory = _printer_factory(settings)
    ctx.clock = lambda: dt.datetime.now(dt.timezone.utc)


class _DecoderOnFirstFrame:
    """The QR decoder, built at the camera's first frame on the camera's thread.

    The decoders load OpenCV and NumPy (~0.4 s): not on the way to the first window.
    """

    name = "QR decoder"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._decoder: Any = None

    def decode(self, frame: Any) -> list[Any]:
        with self._lock:
            if self._decoder is None:
                from desk.devices.decoder import default_decoder  # noqa: PLC0415

                self._decoder = default_decoder()
                self.name = self._decoder.name
        return self._decoder.decode(frame)


class _SettingsSound:
    """Plays cues while the desk's settings say sound is on (switchable while running)."""

    def __init__(self, player: Any, settings: Settings) -> None:
        self._player, self._settings = player, settings

    def play(self, cue: str) -> None:
        if self._settings.sound:
            self._player.play(cue)

    def output_problem(self) -> str | None:
        """Why cues are not heard on this computer (None: they are)."""
        return self._player.output_problem()


def make_printer(choice: str, layout: str = "a6") -> Any:
    """The printer device for a choice: "folder:<path>" or a system printer's name.

    The Qt printer is imported only when a system printer is chosen: it is the one device
    that needs Qt, and the folder printer does without it.
    """
    from desk.ui.badges.actions import FOLDER, MEDIA, folder_printer  # noqa: PLC0415

    if choice.startswith(FOLDER):
        return folder_printer(choice, layout)
    from desk.devices.qtprinter import QtPrinter  # noqa: PLC0415

    return QtPrinter(choice, media=MEDIA.get(layout, "A6"))


def system_printers() -> list[str]:
    """The system's printers (may talk to CUPS: call it on a worker)."""
    from desk.devices.qtprinter import system_printers as names  # noqa: PLC0415

    return names()


def _printer_factory(settings: Settings) -> Any:
    def make() -> Any:
        from desk.config import data_dir  # noqa: PLC0415

        # no printer chosen yet: badges go to a PDF folder rather than to whatever is default
        return make_printer(settings.printer or f"folder:{data_dir() / 'printed-badges'}", settings.badge_layout)
    return make


def _has_display() -> bool:
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform in ("offscreen", "minimal", "vnc") or sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def build_pages(ctx: Context) -> list[tuple[str, Any]]:
    """The desk window's tabs, in order; all but the first two are DeferredPages."""
    from desk.services.registrations.search import search_attendees  # noqa: PLC0415
    from desk.services.connectivity import plain_sync_failure  # noqa: PLC0415
    from desk.ui.registrations.attendees_page import AttendeesPage  # noqa: PLC0415
    from desk.ui.common.deferred_page import DeferredPage  # noqa: PLC0415

    settings = ctx.settings

    def sync(location: str, handle: Any, map_path: str | None = None) -> Any:
        from desk.services.registrations.sources import open_source  # noqa: PLC0415
        from desk.services.registrations.sync import run_sync  # noqa: PLC0415

        source = open_source(location or settings.feed_url, settings.feed_token, map_path)
        return run_sync(ctx.db, source, progress=handle.progress, cancelled=handle.cancelled)

    attendees = AttendeesPage(ctx.workers, lambda q: search_attendees(ctx.db, q), sync,
                              feed_configured=lambda: bool(settings.feed_url),
                              describe_failure=lambda message: plain_sync_failure(message, settings.feed_url))
    attendees.refresh()
    pages: list[tuple[str, Any]] = []
    import importlib  # noqa: PLC0415
    import importlib.util  # noqa: PLC0415

    def load(name: str) -> Any:
        return importlib.import_module(name).build_page(ctx)[1]

    for name in PAGE_MODULES:
        if importlib.util.find_spec(name) is None:
            continue
        if not pages:
            pages.append(importlib.import_module(name).build_page(ctx))
        else:
            pages.append((PAGE_TITLES.get(name, name.rsplit(".", 1)[-1]), DeferredPage(lambda n=name: load(n))))
    # The entrance page comes first when there is one: it is what a desk does most.
    return pages[:1] + [("Attendees", attendees)] + pages[1:]


def refuse_to_start(message: str, screenshot: str | None = None) -> int:
    """Tell the person why desk cannot open its database, in a window and on stderr; exit code 1."""
    from PySide6.QtCore import QTimer  # noqa: PLC0415
    from PySide6.QtWidgets import QMessageBox  # noqa: PLC0415

    print(f"desk: {message}", file=sys.stderr)
    box = QMessageBox(QMessageBox.Icon.Critical, "desk cannot start", message[:1].upper() + message[1:])
    if screenshot:
        QTimer.singleShot(1500, lambda: (box.grab().save(screenshot), box.done(0)))
    box.exec()
    return 1


def main(db_url: str | None = None, with_demo: bool = False, screenshot: str | None = None) -> int:
    """Open the desk window; return the process exit code.

    With `screenshot`, the window saves a PNG of itself after it settled and closes.
    With DESK_STARTUP_PROBE=<code> in the environment, the window types that code into
    the scan field once it is shown, prints when it was shown and answered on stderr, and
    quits (benchmarks/startup.py).
    """
    if not _has_display():
        print("desk: no display found (DISPLAY is not set). Run desk on the desk laptop's screen, "
              "or set QT_QPA_PLATFORM=offscreen to try it without one.", file=sys.stderr)
        return 1
    settings = load_settings()
    # SQLAlchemy, Alembic and the migration check run beside Qt's start, not before it
    pending_db = startup.open_database_beside(db_url or settings.database_url)
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    from desk.ui.common import theme  # noqa: PLC0415
    from desk.ui.common.workers import Workers  # noqa: PLC0415

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("desk")
    theme.apply(app)
    from desk.store.db import DatabaseUnavailable  # noqa: PLC0415 - loaded by now, beside Qt's start

    try:
        db = pending_db.result()
    except DatabaseUnavailable as exc:  # not a desk database, damaged, unreachable: say so, keep the file
        return refuse_to_start(str(exc), screenshot)
    warnings = list(settings.warnings) + list(db.warnings)
    if with_demo:
        from desk.services.demo.event import install_demo  # noqa: PLC0415
        from desk.store.registrations import get_event  # noqa: PLC0415

        with db.begin() as session:
            empty = get_event(session) is None
        if empty:
            install_demo(db, dt.date.today(), with_programme=True, with_keys=True)
    ctx = Context(settings=settings, db=db, workers=Workers(), warnings=warnings)
    build_devices(ctx)
    window = build_window(ctx)
    ctx.camera_not_before = time.monotonic() + CAMERA_AFTER_SHOW_S
    window.show()
    startup.after_first_paint(window, screenshot)
    code = app.exec()
    db.close()
    return code


def build_window(ctx: Context) -> Any:
    """The desk window for a context whose devices are chosen: tabs, status bar, hooks."""
    from desk.ui.main_window import MainWindow  # noqa: PLC0415

    window = MainWindow("desk", build_pages(ctx), on_close=lambda: ctx.workers.shutdown(),
                        open_settings=lambda: open_settings(ctx, window))
    window.show_message("  ·  ".join([f"Desk: {ctx.settings.desk_name}"] + ctx.warnings))
    ctx.print_badge = _print_badge_hook(ctx, window.show_message)
    _add_status(ctx, window)
    ctx.workers.submit(lambda _h: _event_title(ctx.db), write=False, on_done=window.setWindowTitle)
    return window


def _event_title(db: Database) -> str:
    from desk.store.registrations import get_event  # noqa: PLC0415

    with db.begin() as session:
        event = get_event(session)
    return f"desk — {event.name}" if event else "desk"


def _print_badge_hook(ctx: Context, on_result: Any) -> Any:
    """Print on check-in: the printing code (reportlab) loads with the first badge, not at start."""
    hook: list[Any] = []

    def print_badge(registration_id: str) -> None:
        if not hook:
            from desk.ui.badges.page import make_print_badge_hook  # noqa: PLC0415

            hook.append(make_print_badge_hook(ctx, on_result=on_result))
        hook[0](registration_id)

    return print_badge


def _add_status(ctx: Context, window: Any) -> None:
    """Online/offline with the last sync, and a missing audio output, in the status bar."""
    from desk.services.connectivity import check  # noqa: PLC0415
    from desk.ui.common.status_bar import ConnectionIndicator, ElidedLabel, audio_reason, audio_sentence  # noqa: PLC0415

    settings = ctx.settings
    window.connection = ConnectionIndicator(
        ctx.workers, lambda: check(ctx.db, settings.feed_url, settings.feed_token), first_check_ms=startup.SETTLE_MS)
    window.add_status(window.connection, 1)
    window.audio = ElidedLabel(objectName="status")
    window.audio.setVisible(False)
    window.add_status(window.audio)

    def on_audio(problem: str | None) -> None:
        window.audio.setText(audio_sentence(problem))
        window.audio.set_details(audio_reason(problem))
        window.audio.setVisible(bool(problem))

    problem = getattr(ctx.sound, "output_problem", None)  # a sound sink may not know (a test's)
    if problem is not None:
        ctx.workers.submit(lambda _h: problem(), write=False, on_done=on_audio)
    for page in (window.tabs.widget(i) for i in range(window.tabs.count())):
        for signal in ("sync_finished", "sync_failed"):
            if hasattr(page, signal):
                getattr(page, signal).connect(lambda *_a: window.connection.refresh())


def open_settings(ctx: Context, window: Any) -> None:
    """The Settings dialog (Ctrl+,): saved on a worker, shown at once in the window."""
    from desk.config import save_settings  # noqa: PLC0415
    from desk.ui.common.settings_dialog import SettingsDialog  # noqa: PLC0415

    def save(edited: Settings) -> None:
        ctx.workers.submit(lambda _h: save_settings(edited), write=False, on_error=window.show_message)
        window.show_message(f"Desk: {edited.desk_name}  ·  settings saved")
        connection = getattr(window, "connection", None)
        if connection is not None:
            connection.refresh()  # the feed address may have changed
        for page in startup.built_pages(window):
            if hasattr(page, "settings_changed"):
                page.settings_changed()  # e.g. print on check-in, the badge printer

    SettingsDialog(ctx.settings, save, window, workers=ctx.workers, list_printers=ctx.list_printers).exec()
