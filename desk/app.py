"""The composition root: settings → database → services → devices → windows.

The only module that knows which camera, printer and sound classes are real.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from desk.config import Settings, load_settings
from desk.store.db import Database, DatabaseUnavailable, open_database


@dataclass
class Context:
    """Everything the pages need, built once. Devices are chosen here and nowhere else."""

    settings: Settings
    db: Database
    workers: Any  # desk.ui.workers.Workers
    warnings: list[str] = field(default_factory=list)
    sound: Any = None  # desk.devices.base.SoundSink
    decoder: Any = None  # desk.devices.base.Decoder
    camera_factory: Any = None  # () -> desk.devices.base.Camera
    printer_factory: Any = None  # () -> desk.devices.base.Printer
    printer_for: Any = None  # (choice, layout) -> Printer: "folder:<path>" or a system printer's name
    list_printers: Any = None  # () -> the system's printer names (may talk to CUPS: on a worker)
    clock: Any = None  # () -> aware datetime
    print_badge: Any = None  # (registration_id) -> None: queue a badge (set once the window exists)


# The desk window's tabs after the attendee list, in order. Each module offers
# `build_page(ctx) -> (title, widget)`; they are named here (not discovered) so that the
# frozen build includes them.
PAGE_MODULES = (
    "desk.ui.checkin_page",
    "desk.ui.print_page",
    "desk.ui.door_page",
    "desk.ui.match_page",
)


def build_devices(ctx: Context) -> None:
    """Pick the real devices for this desk from its settings."""
    from desk.devices.camera import OpenCVCamera  # noqa: PLC0415
    from desk.devices.decoder import default_decoder  # noqa: PLC0415
    from desk.devices.sound import SoundPlayer  # noqa: PLC0415

    settings = ctx.settings
    ctx.sound = _SettingsSound(SoundPlayer(), settings)
    try:
        ctx.decoder = default_decoder()
    except Exception as exc:  # noqa: BLE001 - no decoder: the desk still works by hand
        ctx.warnings.append(f"no QR decoder available ({exc}); scan with a handheld scanner or search")
    ctx.camera_factory = lambda: OpenCVCamera(settings.camera, settings.camera_width, settings.camera_height)
    ctx.printer_for = make_printer
    ctx.list_printers = system_printers
    ctx.printer_factory = _printer_factory(settings)
    ctx.clock = lambda: dt.datetime.now(dt.timezone.utc)


class _SettingsSound:
    """Plays cues while the desk's settings say sound is on (switchable while running)."""

    def __init__(self, player: Any, settings: Settings) -> None:
        self._player, self._settings = player, settings

    def play(self, cue: str) -> None:
        if self._settings.sound:
            self._player.play(cue)


def make_printer(choice: str, layout: str = "a6") -> Any:
    """The printer device for a choice: "folder:<path>" or a system printer's name.

    The Qt printer is imported only when a system printer is chosen: it is the one device
    that needs Qt, and the folder printer does without it.
    """
    from desk.ui.print_actions import FOLDER, MEDIA, folder_printer  # noqa: PLC0415

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
    """The desk window's tabs, in order."""
    from desk.services.attendees import search_attendees  # noqa: PLC0415
    from desk.services.sources import open_source  # noqa: PLC0415
    from desk.services.sync import run_sync  # noqa: PLC0415
    from desk.ui.attendees_page import AttendeesPage  # noqa: PLC0415

    settings = ctx.settings

    def sync(location: str, handle: Any) -> Any:
        source = open_source(location or settings.feed_url, settings.feed_token)
        return run_sync(ctx.db, source, progress=handle.progress, cancelled=handle.cancelled)

    attendees = AttendeesPage(ctx.workers, lambda q: search_attendees(ctx.db, q), sync,
                              feed_configured=lambda: bool(settings.feed_url))
    attendees.refresh()
    pages: list[tuple[str, Any]] = []
    import importlib  # noqa: PLC0415

    for name in PAGE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        pages.append(module.build_page(ctx))
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
    """
    if not _has_display():
        print("desk: no display found (DISPLAY is not set). Run desk on the desk laptop's screen, "
              "or set QT_QPA_PLATFORM=offscreen to try it without one.", file=sys.stderr)
        return 1
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    from desk.ui import theme  # noqa: PLC0415
    from desk.ui.main_window import MainWindow  # noqa: PLC0415
    from desk.ui.workers import Workers  # noqa: PLC0415

    settings = load_settings()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("desk")
    theme.apply(app)
    try:
        db = open_database(db_url or settings.database_url)
    except DatabaseUnavailable as exc:  # not a desk database, damaged, unreachable: say so, keep the file
        return refuse_to_start(str(exc), screenshot)
    warnings = list(settings.warnings) + list(db.warnings)
    if with_demo:
        from desk.services.demo import install_demo  # noqa: PLC0415
        from desk.store.registrations import get_event  # noqa: PLC0415

        with db.begin() as session:
            empty = get_event(session) is None
        if empty:
            install_demo(db, dt.date.today(), with_programme=True, with_keys=True)
    ctx = Context(settings=settings, db=db, workers=Workers(), warnings=warnings)
    build_devices(ctx)
    with db.begin() as session:
        from desk.store.registrations import get_event  # noqa: PLC0415

        event = get_event(session)
    title = f"desk — {event.name}" if event else "desk"
    def open_settings() -> None:
        from desk.config import save_settings  # noqa: PLC0415
        from desk.ui.settings_dialog import SettingsDialog  # noqa: PLC0415

        def save(edited: Settings) -> None:
            ctx.workers.submit(lambda _h: save_settings(edited), write=False, on_error=window.show_message)
            window.show_message(f"Desk: {edited.desk_name}  ·  settings saved")

        SettingsDialog(ctx.settings, save, window).exec()

    window = MainWindow(title, build_pages(ctx), on_close=lambda: ctx.workers.shutdown(),
                        open_settings=open_settings)
    window.show_message("  ·  ".join([f"Desk: {settings.desk_name}"] + ctx.warnings))
    try:
        from desk.ui.print_page import make_print_badge_hook  # noqa: PLC0415

        ctx.print_badge = make_print_badge_hook(ctx, on_result=window.show_message)
    except ModuleNotFoundError:
        pass
    window.show()
    if screenshot:
        from PySide6.QtCore import QTimer  # noqa: PLC0415

        def shoot() -> None:
            window.grab().save(screenshot)
            window.close()

        QTimer.singleShot(1500, shoot)
    code = app.exec()
    db.close()
    return code
