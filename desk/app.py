"""The composition root: settings → database → services → devices → windows.

The only module that knows which camera, printer and sound classes are real.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from desk import startup
from desk.config import DatabaseKeyMissing, Settings, database_key, load_settings
from desk.core.roles import pages_of

if TYPE_CHECKING:  # SQLAlchemy, NumPy and Qt take most of a second to import: they load beside the window
    from PySide6.QtWidgets import QWidget

    from desk.devices.base import Camera, Decoder, Printer
    from desk.store.db import Database
    from desk.ui.checkin.page import PrintBadge
    from desk.ui.common.workers import Workers


class Sound(Protocol):
    """The desk's sound: plays cues, and can say why they are not heard."""

    def play(self, cue: str) -> None: ...

    def output_problem(self) -> str | None: ...


@dataclass(frozen=True)
class Desk:
    """This desk's services and devices, built once by `build_desk` before the window exists.

    Devices are chosen here and nowhere else. Each page's factory takes the fields it uses.
    """

    settings: Settings
    db: Database
    workers: Workers
    sound: Sound
    clock: Callable[[], dt.datetime]  # aware datetimes
    printer_for: Callable[[str, str], Printer]  # (choice, layout): "folder:<path>" or a system printer's name
    list_printers: Callable[[], list[str]]  # the system's printer names (may talk to CUPS: on a worker)
    print_badge: PrintBadge  # print on check-in: (registration_id, on_result) on a worker
    decoder: Decoder | None = None  # None: no QR decoder installed (scan by hand or search)
    camera_factory: Callable[[], Camera] | None = None  # None: no webcam
    warnings: tuple[str, ...] = ()


# The camera opens this long after the window is shown (a webcam takes longer to wake up).
CAMERA_AFTER_SHOW_S = 0.5


def build_desk(settings: Settings, db: Database, workers: Workers, warnings: tuple[str, ...] = (),
               camera_factory: Callable[[], Camera] | None = None) -> Desk:
    """Pick the real devices for this desk from its settings and wire them with its services.

    `camera_factory` is the webcam (main gives `OpenCVCameraAfterShow`); None: no webcam.
    """
    import importlib.util  # noqa: PLC0415

    from desk.devices.sound import SoundPlayer  # noqa: PLC0415

    decoder: Decoder | None = None
    if any(importlib.util.find_spec(name) for name in ("zxingcpp", "pyzbar")):
        decoder = _DecoderOnFirstFrame()
    else:  # no decoder: the desk still works by hand
        warnings = (*warnings, "no QR decoder available (install zxing-cpp); scan with a handheld scanner or search")
    return Desk(settings=settings, db=db, workers=workers, sound=_SettingsSound(SoundPlayer(), settings),
                clock=lambda: dt.datetime.now(dt.timezone.utc), printer_for=make_printer,
                list_printers=system_printers, print_badge=_BadgeOnCheckIn(db, workers, settings, make_printer),
                decoder=decoder, camera_factory=camera_factory, warnings=warnings)


class OpenCVCameraAfterShow:
    """The desk's webcam (settings.camera), opened no sooner than `CAMERA_AFTER_SHOW_S` after
    the window is shown (`window_shown()`).

    Called on the camera's thread: OpenCV's import holds the interpreter for most of its 0.4 s,
    so the first camera waits until the window is painted (a fixed, short wait: the page may
    stop the camera meanwhile, and waits for this thread when it does).
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._not_before = 0.0  # time.monotonic() before which no camera opens

    def window_shown(self) -> None:
        self._not_before = time.monotonic() + CAMERA_AFTER_SHOW_S

    def __call__(self) -> Camera:
        time.sleep(max(0.0, self._not_before - time.monotonic()))
        from desk.devices.camera import OpenCVCamera  # noqa: PLC0415

        settings = self._settings
        return OpenCVCamera(settings.camera, settings.camera_width, settings.camera_height)


class _BadgeOnCheckIn:
    """Print on check-in: the printing code (reportlab) loads with the first badge, not at start."""

    def __init__(self, db: Database, workers: Workers, settings: Settings,
                 printer_for: Callable[[str, str], Printer]) -> None:
        self._db, self._workers, self._settings, self._printer_for = db, workers, settings, printer_for
        self._hook: PrintBadge | None = None

    def __call__(self, registration_id: str, on_result: Callable[[str], None]) -> None:
        if self._hook is None:
            from desk.ui.badges.actions import build_actions, make_print_badge_hook  # noqa: PLC0415

            self._hook = make_print_badge_hook(build_actions(self._db, self._workers, self._settings,
                                                             self._printer_for, list))
        self._hook(registration_id, on_result)


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


def make_printer(choice: str, layout: str = "a6") -> Printer:
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


def _has_display() -> bool:
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform in ("offscreen", "minimal", "vnc") or sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def page_factories(desk: Desk) -> list[tuple[str, Callable[[], QWidget]]]:
    """The desk window's tabs, in order: each tab's title and how its page is built.

    Every page module offers `build_page(...)` taking only what that page uses. The modules
    are imported when their page is built: the later ones load reportlab, OpenCV, OR-Tools
    and pandas, which the first scan must not wait for.
    """
    def checkin() -> QWidget:
        from desk.ui.checkin.page import build_page  # noqa: PLC0415

        return build_page(db=desk.db, workers=desk.workers, settings=desk.settings, sound=desk.sound,
                          clock=desk.clock, decoder=desk.decoder, camera_factory=desk.camera_factory,
                          print_badge=desk.print_badge)

    def attendees() -> QWidget:
        from desk.ui.registrations.attendees_page import build_page  # noqa: PLC0415

        return build_page(db=desk.db, workers=desk.workers, settings=desk.settings)

    def badges() -> QWidget:
        from desk.ui.badges.page import build_page  # noqa: PLC0415

        return build_page(db=desk.db, workers=desk.workers, settings=desk.settings,
                          printer_for=desk.printer_for, list_printers=desk.list_printers)

    def rooms() -> QWidget:
        from desk.ui.rooms.door_page import build_page  # noqa: PLC0415

        return build_page(db=desk.db, workers=desk.workers, settings=desk.settings, sound=desk.sound,
                          clock=desk.clock, decoder=desk.decoder, camera_factory=desk.camera_factory)

    def matchmaking() -> QWidget:
        from desk.ui.matchmaking.page import build_page  # noqa: PLC0415

        return build_page(db=desk.db, workers=desk.workers, settings=desk.settings, sound=desk.sound,
                          clock=desk.clock)

    def awards() -> QWidget:
        from desk.ui.awards.kiosk import build_page  # noqa: PLC0415

        return build_page(db=desk.db, workers=desk.workers, clock=desk.clock)

    return [("Check-in", checkin), ("Attendees", attendees), ("Badges", badges), ("Door", rooms),
            ("Matchmaking", matchmaking), ("Awards", awards)]


# The tabs built with the window (the entrance comes first: it is what a desk does most);
# the others are DeferredPages, built once the window is up or when their tab is opened.
BUILT_WITH_WINDOW = 2


def build_pages(desk: Desk, shown: list[str] | None = None) -> list[tuple[str, QWidget]]:
    """The desk window's tabs, in order; all but the first two are DeferredPages, and so are
    those not in `shown` (the station role's tabs; None: all), which are built only if opened."""
    from desk.ui.common.deferred_page import DeferredPage  # noqa: PLC0415

    return [(title, build() if i < BUILT_WITH_WINDOW and (shown is None or title in shown) else DeferredPage(build))
            for i, (title, build) in enumerate(page_factories(desk))]


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
    url = db_url or settings.database_url
    pending_db: Future = Future()
    ask_key = False
    try:
        key = database_key(settings) if url.startswith("sqlite") else None
    except DatabaseKeyMissing:  # the window asks for it once Qt is up
        ask_key = True
    else:
        # SQLAlchemy, Alembic and the migration check run beside Qt's start, not before it
        pending_db = startup.open_database_beside(url, key)
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    from desk.ui.common import theme  # noqa: PLC0415
    from desk.ui.common.workers import Workers  # noqa: PLC0415

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("desk")
    theme.apply(app)
    from desk.store.db import DatabaseUnavailable  # noqa: PLC0415 - loaded by now, beside Qt's start

    try:
        db = _open_with_key(url) if ask_key else pending_db.result()
    except (DatabaseUnavailable, DatabaseKeyMissing) as exc:  # not a desk database, damaged, unreachable: say so, keep the file
        return refuse_to_start(str(exc), screenshot)
    if db is None:
        return 0  # the person closed the question for the key: nothing to open
    warnings = list(settings.warnings) + list(db.warnings)
    if with_demo:
        from desk.services.demo.event import install_demo  # noqa: PLC0415
        from desk.store.registrations import get_event  # noqa: PLC0415

        with db.begin() as session:
            empty = get_event(session) is None
        if empty:
            install_demo(db, dt.date.today(), with_programme=True, with_keys=True)
    if not with_demo and not ensure_event(db):
        db.close()  # the person closed the first screen: nothing to open
        return 0
    camera = OpenCVCameraAfterShow(settings)
    desk = build_desk(settings, db, Workers(), tuple(warnings), camera_factory=camera)
    window = build_window(desk)
    camera.window_shown()
    window.show()
    startup.after_first_paint(window, screenshot)
    code = app.exec()
    db.close()
    return code


def _open_with_key(url: str) -> Any:
    """Ask for the database key until it opens the database (None: the person gave up).
    A wrong key is said in the next question; the file is never changed by a wrong key."""
    from desk.store.db import DatabaseKeyWrong  # noqa: PLC0415
    from desk.ui.common.key_prompt import ask_database_key  # noqa: PLC0415

    problem = ""
    while True:
        key = ask_database_key(problem)
        if key is None:
            return None
        try:
            return startup.open_database_beside(url, key).result()
        except DatabaseKeyWrong as exc:
            problem = str(exc)[:1].upper() + str(exc)[1:]


def build_window(desk: Desk, idle_lock_ms: int | None = None) -> Any:
    """The desk window for this desk: the tabs of its role, status bar, hooks.

    `idle_lock_ms`: how long the organiser role stays unlocked without input (default 5 minutes).
    """
    from desk.ui.main_window import MainWindow  # noqa: PLC0415
    from desk.ui.registrations.attendees_page import AttendeesPage  # noqa: PLC0415

    gate, role_warning = _role_gate(desk, idle_lock_ms)
    titles = [title for title, _build in page_factories(desk)]
    pages = build_pages(desk, pages_of(gate.role, titles))

    def closing() -> None:
        gate.detach()
        if getattr(window, "hub", None) is not None:
            window.hub.stop()
        desk.workers.shutdown()

    window = MainWindow("desk", pages, on_close=closing,
                        open_settings=lambda: open_settings(desk, window),
                        open_event=lambda: open_event(desk, window))
    _install_roles(desk, window, gate, pages)
    window.show_message("  ·  ".join([f"Desk: {desk.settings.desk_name}", f"Role: {gate.role.value}",
                                      *desk.warnings, *role_warning]))
    _add_status(desk, window)
    from desk.ui.hub.window import install_hub  # noqa: PLC0415

    window.hub_pages = pages  # a hub set later in Settings hooks the same pages
    install_hub(desk, window, pages)  # the hub's sync in the background, when this desk has one
    for _title, page in pages:
        if isinstance(page, AttendeesPage):  # a sync says something about the connection: check it again
            page.sync_finished.connect(lambda _report: window.connection.refresh())
            page.sync_failed.connect(lambda _sentence: window.connection.refresh())
    desk.workers.submit(lambda _h: _event_title(desk.db), write=False, on_done=window.setWindowTitle)
    return window


def _role_gate(desk: Desk, idle_lock_ms: int | None) -> tuple[Any, tuple[str, ...]]:
    """The window's RoleGate (the station's role from its settings, the PIN file beside them)
    and a warning when the settings name no role desk knows."""
    from desk.config import save_settings  # noqa: PLC0415
    from desk.core.roles import IDLE_LOCK_S, Role, UnknownRole, parse_role  # noqa: PLC0415
    from desk.services.roles import PinStore  # noqa: PLC0415
    from desk.ui.roles.gate import RoleGate  # noqa: PLC0415

    warning: tuple[str, ...] = ()
    try:
        role = parse_role(desk.settings.role)
    except UnknownRole as exc:  # a typo in settings.toml must not open the organiser's pages
        role, warning = Role.DESK, (f"settings: {exc}; opened as desk",)
    pins = PinStore()

    def save_role(chosen: Role) -> None:
        desk.settings.role = chosen.value
        settings = desk.settings
        desk.workers.submit(lambda _h: save_settings(settings), write=False)

    return RoleGate(role, pins, desk.workers, pin_set=pins.is_set(), save_role=save_role,
                    idle_lock_ms=IDLE_LOCK_S * 1000 if idle_lock_ms is None else idle_lock_ms), warning


def _install_roles(desk: Desk, window: Any, gate: Any, pages: list[tuple[str, QWidget]]) -> None:
    """Desk ▸ Role, the role's tabs now and on every switch, and the organiser's guard on the pages."""
    from desk.core.roles import Role  # noqa: PLC0415
    from desk.ui.common.deferred_page import DeferredPage  # noqa: PLC0415
    from desk.ui.roles.gate import role_menu  # noqa: PLC0415

    titles = [title for title, _page in pages]
    window.roles = gate
    role_menu(gate, window.desk_menu, window)
    window.show_only(pages_of(gate.role, titles))

    def on_role(word: str) -> None:
        window.show_only(pages_of(Role(word), titles))
        window.show_message(f"Desk: {desk.settings.desk_name}  ·  Role: {word}")

    gate.role_changed.connect(on_role)
    gate.locked.connect(lambda: window.show_message(
        f"Desk: {desk.settings.desk_name}  ·  Role: {gate.role.value} (the organiser role locked: no input for a while)"))

    def guard(page: QWidget) -> None:  # pages with organiser actions take the gate's check
        if hasattr(page, "organiser_guard"):
            page.organiser_guard = lambda action: gate.require_organiser(action, window)

    for _title, page in pages:
        if isinstance(page, DeferredPage):
            page.built.connect(guard)
        else:
            guard(page)


def _event_title(db: Database) -> str:
    from desk.store.registrations import get_event  # noqa: PLC0415

    with db.begin() as session:
        event = get_event(session)
    return f"desk — {event.name}" if event else "desk"


def _add_status(desk: Desk, window: Any) -> None:
    """Online/offline with the last sync, and a missing audio output, in the status bar."""
    from desk.services.connectivity import check  # noqa: PLC0415
    from desk.ui.common.status_bar import ConnectionIndicator, ElidedLabel, audio_reason, audio_sentence  # noqa: PLC0415

    settings = desk.settings
    window.connection = ConnectionIndicator(
        desk.workers, lambda: check(desk.db, settings.feed_url, settings.feed_token), first_check_ms=startup.SETTLE_MS)
    window.add_status(window.connection, 1)
    window.audio = ElidedLabel(objectName="status")
    window.audio.setVisible(False)
    window.add_status(window.audio)

    def on_audio(problem: str | None) -> None:
        window.audio.setText(audio_sentence(problem))
        window.audio.set_details(audio_reason(problem))
        window.audio.setVisible(bool(problem))

    desk.workers.submit(lambda _h: desk.sound.output_problem(), write=False, on_done=on_audio)


def open_settings(desk: Desk, window: Any) -> None:
    """The Settings dialog (Ctrl+,): saved on a worker, shown at once in the window."""
    from desk.config import save_settings  # noqa: PLC0415
    from desk.ui.common.settings_dialog import SettingsDialog  # noqa: PLC0415

    hub_before = desk.settings.hub_url

    def save(edited: Settings) -> None:
        desk.workers.submit(lambda _h: save_settings(edited), write=False, on_error=window.show_message)
        window.show_message(f"Desk: {edited.desk_name}  ·  settings saved")
        if edited.hub_url != hub_before:
            _hub_changed(desk, window, edited.hub_url)
        window.connection.refresh()  # the feed address may have changed
        for page in startup.built_pages(window):
            if hasattr(page, "settings_changed"):
                page.settings_changed()  # e.g. print on check-in, the badge printer

    SettingsDialog(desk.settings, save, window, workers=desk.workers, list_printers=desk.list_printers).exec()


def _hub_changed(desk: Desk, window: Any, hub_url: str) -> None:
    """A hub set in Settings starts the background sync at once; another hub, or none, takes
    effect when desk starts again (the station's log stays as it is meanwhile)."""
    from desk.ui.hub.window import install_hub  # noqa: PLC0415

    if hub_url and getattr(window, "hub", None) is None:
        install_hub(desk, window, window.hub_pages)
        window.show_message(f"Desk: {desk.settings.desk_name}  ·  settings saved  ·  syncing with the hub")
    else:
        window.show_message(f"Desk: {desk.settings.desk_name}  ·  settings saved  ·  "
                            "the new hub address takes effect when desk starts again")


def ensure_event(db: Database) -> bool:
    """No event yet → the first screen: New event… (the form) or Open the demo event; then go on.

    Returns False when the person closed the first screen instead (desk then quits).
    """
    from desk.services.event import create_event, load_event  # noqa: PLC0415

    if load_event(db) is not None:
        return True
    from PySide6.QtWidgets import QDialog  # noqa: PLC0415

    from desk.ui.common.workers import Workers  # noqa: PLC0415
    from desk.ui.event.chooser import DEMO, NEW_EVENT, EventChooser  # noqa: PLC0415
    from desk.ui.event.form import EventForm  # noqa: PLC0415

    while True:
        choice = EventChooser().exec()
        if choice == DEMO:
            from desk.services.demo.event import install_demo  # noqa: PLC0415

            install_demo(db, dt.date.today(), with_programme=True, with_keys=True)
            return True
        if choice != NEW_EVENT:
            return False
        workers = Workers()
        try:
            if EventForm(lambda changes: create_event(db, changes), workers.submit).exec() == QDialog.DialogCode.Accepted:
                return True
        finally:
            workers.shutdown()


def open_event(desk: Desk, window: Any) -> None:
    """Desk ▸ Event…: the event form filled with the event; saved on a worker."""
    from desk.services.event import edit_event, load_event  # noqa: PLC0415
    from desk.ui.event.form import EventForm  # noqa: PLC0415

    def show(settings: Any) -> None:
        form = EventForm(lambda changes: edit_event(desk.db, changes), desk.workers.submit, settings, window)
        if form.exec() and form.saved is not None:
            window.setWindowTitle(f"desk — {form.saved.event.name}")
            window.show_message(f"Event saved: {form.saved.line()}")

    desk.workers.submit(lambda _h: load_event(desk.db), write=False, on_done=show, on_error=window.show_message)
