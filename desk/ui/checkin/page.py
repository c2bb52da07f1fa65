"""The entrance page: scan (webcam or handheld), a big answer, search and manual check-in, counters.

Every database call runs through the desk's workers; the camera runs in its own ScanWorker thread (through CameraPanel).
The page only shows answers the check-in service returned, i.e. after their commit.

A handheld scanner's burst is a scan wherever the focus is (desk.ui.common.scan_burst hands it to
`take_scan`); the keyboard drives the rest: Ctrl+Z undoes, Up/Down pick a search result and
Enter checks them in, F11 fills the screen with the answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox, QFileDialog, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
    QVBoxLayout, QWidget,
)

from desk.core.categories import builtin_label
from desk.core.checkin.decision import ScanOutcome
from desk.services.checkin import entrance as svc
from desk.services.checkin.search import find_at_desk
from desk.ui.common.camera_panel import CameraPanel, stop_with_window
from desk.ui.checkin.search import CheckinSearch
from desk.ui.checkin.widgets import AnswerPanel, ArrivalsChart, FullScreenAnswer, cue
from desk.ui.common.models import ListTableModel
from desk.ui.common.scan_burst import install_scan_bursts
from desk.ui.common.tables import table_view

if TYPE_CHECKING:
    from desk.config import Settings
    from desk.devices.base import Camera, Decoder, SoundSink
    from desk.ui.common.workers import Workers

# (registration_id, on_result): queue and print one badge on a worker; `on_result` gets one
# sentence on the GUI thread (printed, waiting, not reprinted, or the problem).
PrintBadge = Callable[[str, Callable[[str], None]], None]

ANSWER_HOLD_MS = 8000
BUSY_AFTER_MS = 80
STATUS_AFTER_MS = 500


def _local(stamp: dt.datetime, tz: dt.tzinfo) -> str:
    return stamp.astimezone(tz).strftime("%H:%M:%S")


class CheckInPage(QWidget):
    """Scan field, answer, camera preview, search, counters, last scans and the arrivals chart."""

    answer_shown = Signal(object)  # the CheckinResult or UndoResult just shown
    status_refreshed = Signal(object)  # the DeskStatus just shown

    def __init__(self, *, db: Any, workers: Workers, settings: Settings, sound: SoundSink,
                 clock: Callable[[], dt.datetime], decoder: Decoder | None, camera_factory: Callable[[], Camera] | None,
                 print_badge: PrintBadge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # db: the desk's database (desk.store.db.Database; the ui reaches it only through services)
        self._db, self._workers, self._settings, self._sound = db, workers, settings, sound
        self._clock, self._print_badge_on_checkin = clock, print_badge
        self._keys: dict[int, Any] = {}
        self._keys_loaded = False
        self._tz: dt.tzinfo = dt.timezone.utc  # the event's clock, from the first status read
        self._waiting: list[tuple[str, bool, dt.datetime]] = []  # scans that came before the keys
        self._last_welcome: str | None = None
        self._window_watched: QWidget | None = None
        self.full_screen: FullScreenAnswer | None = None  # made on the first F11
        self._close_watch: QObject | None = None  # stops the camera with the window
        self.answer_hold_ms = ANSWER_HOLD_MS

        self.answer = AnswerPanel()
        self.scan_field = QLineEdit(placeholderText="Scan a badge, or type its code and press Enter")
        self.scan_field.installEventFilter(self)
        self.undo_button = QPushButton("Undo last check-in  (Ctrl+Z)")
        self.camera = CameraPanel(camera_factory, decoder, "F2",
                                  "No QR decoder or camera on this desk: scan by hand or search.", parent=self)
        self.preview, self.camera_status, self.retry_button = (
            self.camera.preview, self.camera.status, self.camera.retry_button)
        self.counters = QLabel(wordWrap=True)
        self.counters.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.categories = QLabel(objectName="status", wordWrap=True)
        self.chart = ArrivalsChart()
        self.search = CheckinSearch(lambda query, at: find_at_desk(db, query, at, limit=30),
                                    lambda fn, done: self._submit(fn, done, write=False, on_error=self._on_read_error),
                                    self._now, self)
        self.search_box, self.search_model, self.search_table = self.search.box, self.search.model, self.search.table
        self.search_box.installEventFilter(self)  # Ctrl+Z there undoes the check-in, not the typing
        self.recent_model = ListTableModel([
            ("Time", lambda s: _local(s.at, self._tz)), ("Answer", lambda s: s.outcome.replace("_", " ")),
            ("Name", lambda s: s.name or s.code[:30]), ("Desk", lambda s: s.desk),
        ], self)
        self.recent_table = table_view(self.recent_model)
        self.print_box = QCheckBox("Print badge on check-in  (Ctrl+B)")
        self.print_box.setChecked(settings.print_on_checkin)
        self.checklist_button = QPushButton("Paper checklist…  (Ctrl+L)")
        self.status = QLabel(objectName="status", wordWrap=True)
        self._layout()

        # "Checking…" only when an answer takes long enough to be noticed: a quick answer
        # replaces the last one directly, with one repaint instead of two.
        self._busy = QTimer(self, singleShot=True, interval=BUSY_AFTER_MS)
        self._busy.timeout.connect(lambda: self._answers("show_busy"))
        # The counters, last scans and chart follow the answers, a moment later and at most
        # one read at a time, so that a rush of scans is not slowed by reading them.
        self._status_due = QTimer(self, singleShot=True, interval=STATUS_AFTER_MS)
        self._status_due.timeout.connect(self.refresh_status)
        self._status_reading = False
        self._status_again = False
        self._in_flight = 0  # check-ins sent and not answered yet
        self._reset = QTimer(self, singleShot=True)
        self._reset.timeout.connect(lambda: self._answers("show_idle"))
        self.scan_field.returnPressed.connect(self._on_scan_entered)
        self.search.chosen.connect(self.check_in_registration)
        self.search.noted.connect(self.status.setText)
        self.search.left.connect(self.scan_field.setFocus)
        self.undo_button.clicked.connect(self.undo_last)
        self.camera.code_scanned.connect(self.submit_code)
        self.checklist_button.clicked.connect(self._on_checklist_clicked)
        self.print_box.toggled.connect(self._on_print_toggled)
        for keys, slot in (("Ctrl+Z", self.undo_last), ("Ctrl+F", self.search.focus), ("F2", self.start_camera),
                           ("Ctrl+L", self._on_checklist_clicked), ("Ctrl+B", self.print_box.toggle),
                           ("F5", self.refresh_status), ("F11", self.toggle_full_screen)):
            QShortcut(QKeySequence(keys), self, activated=slot)
        install_scan_bursts()
        self._load_keys()
        self.refresh_status()

    def _layout(self) -> None:
        scan_row = QHBoxLayout()
        scan_row.addWidget(QLabel("Scan:"))
        scan_row.addWidget(self.scan_field, 1)
        scan_row.addWidget(self.undo_button)
        left = QVBoxLayout()
        left.addWidget(self.answer, 1)
        left.addLayout(scan_row)
        right = QVBoxLayout()
        right.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignHCenter)
        camera_row = QHBoxLayout()
        camera_row.addWidget(self.camera_status, 1)
        camera_row.addWidget(self.retry_button)
        right.addLayout(camera_row)
        right.addWidget(self.counters)
        right.addWidget(self.categories)
        right.addStretch(1)
        search = QVBoxLayout()
        search.addWidget(self.search_box)
        search.addWidget(self.search_table, 1)
        recent = QVBoxLayout()
        recent.addWidget(self.chart)
        recent.addWidget(self.recent_table, 1)
        grid = QGridLayout()
        grid.addLayout(left, 0, 0)
        grid.addLayout(right, 0, 1)
        grid.addLayout(search, 1, 0)
        grid.addLayout(recent, 1, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)
        bottom = QHBoxLayout()
        bottom.addWidget(self.print_box)
        bottom.addWidget(self.checklist_button)
        bottom.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(grid, 1)
        layout.addLayout(bottom)

    # --- helpers -----------------------------------------------------------------------
    def _now(self) -> dt.datetime:
        return self._clock()

    def _desk(self) -> str:
        return self._settings.desk_name

    def _submit(self, fn: Any, on_done: Any, write: bool = True, on_error: Any = None) -> None:
        # Reads report on the status line; check-ins (the default) on the answer panel.
        self._workers.submit(lambda _h: fn(), on_done=on_done, on_error=on_error or self._on_error, write=write)

    def _on_read_error(self, message: str) -> None:
        self.status.setText(f"⚠ {message}")

    def _load_keys(self) -> None:
        def loaded(result: tuple[dict[int, Any], str]) -> None:
            self._keys, problem = result
            if problem:
                self.status.setText(f"⚠ {problem}")
            self._keys_ready()

        def failed(message: str) -> None:
            self._on_read_error(message)
            self._keys_ready()
        self._submit(lambda: svc.desk_keys(self._db), loaded, write=False, on_error=failed)

    def _keys_ready(self) -> None:
        # A scan in the first moments after start waited for the keys: without them a good
        # badge would be answered "unknown key".
        self._keys_loaded = True
        waiting, self._waiting = self._waiting, []
        for code, from_keyboard, at in waiting:
            self._check_code(code, from_keyboard, at)

    # --- scanning ----------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if watched is self._window_watched:
            # Back from a dialog, another window or the full-screen answer: the next scan may be typed.
            if kind == QEvent.Type.WindowActivate and self.isVisible():
                self.scan_field.setFocus()
            return False
        if watched not in (self.scan_field, self.search_box) or kind not in (
                QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            return super().eventFilter(watched, event)
        assert isinstance(event, QKeyEvent)
        if event.matches(QKeySequence.StandardKey.Undo):
            # Ctrl+Z undoes the last check-in, never the line edit's own typing: claim the
            # override (or the line edit takes the key), then act on the key press.
            event.accept()
            if kind == QEvent.Type.KeyPress:
                self.undo_last()
            return True
        if kind != QEvent.Type.KeyPress:
            return False
        # A scanner may end its burst with Tab instead of Enter: that is a scan too.
        if watched is self.scan_field and event.key() == Qt.Key.Key_Tab:
            self._on_scan_entered()
            return True
        return False

    def take_scan(self, code: str) -> None:
        """A handheld scanner's burst, wherever the focus was (desk.ui.common.scan_burst.ScanTarget)."""
        self.submit_code(code, from_keyboard=True)

    def _on_scan_entered(self) -> None:
        text = self.scan_field.text()
        self.scan_field.clear()
        if text.strip():
            self.submit_code(text, from_keyboard=True)

    def submit_code(self, code: str, from_keyboard: bool = False) -> None:
        """Check in a scanned code on the writer thread; the answer shows when it is committed."""
        self._busy.start()
        if not self._keys_loaded:
            self._waiting.append((code, from_keyboard, self._now()))
            return
        self._check_code(code, from_keyboard, self._now())

    def _check_code(self, code: str, from_keyboard: bool, at: dt.datetime) -> None:
        desk, keys = self._desk(), dict(self._keys)
        self._in_flight += 1
        self._submit(lambda: svc.check_in(self._db, code, desk, at, keys, from_keyboard=from_keyboard),
                     self._show_result)

    def check_in_registration(self, registration_id: str) -> None:
        """Manual check-in of a person found by search."""
        at, desk = self._now(), self._desk()
        self._busy.start()
        self._in_flight += 1
        self._submit(lambda: svc.check_in_registration(self._db, registration_id, desk, at), self._show_result)

    def _show_result(self, result: svc.CheckinResult) -> None:
        self._in_flight = max(0, self._in_flight - 1)
        reg = result.registration
        name = reg.full_name if reg else ""
        detail = f"{reg.organisation} · {result.category_label or builtin_label(reg.category)}" if reg else ""
        note = "\n".join(line for line in (result.note, result.duplicate) if line)
        self._answers("show_answer", result.outcome, result.reason, name, detail, note)
        self._sound.play(cue(result.outcome))
        if result.outcome is ScanOutcome.WELCOME and reg is not None:
            self._last_welcome = reg.registration_id
            self._print_badge(reg.registration_id)
        self._after_answer(result)

    def _after_answer(self, result: object) -> None:
        self._busy.stop()
        self._reset.start(self.answer_hold_ms)
        self.scan_field.setFocus()
        self.answer_shown.emit(result)
        self._status_due.start()

    def _answers(self, method: str, *args: Any) -> None:
        # The page's answer, and the full-screen one while it is open: one state, two sizes.
        for panel in (self.answer, self.full_screen.answer if self.full_screen is not None else None):
            if panel is not None:
                getattr(panel, method)(*args)

    def toggle_full_screen(self) -> None:
        """F11: the answer fills the screen (readable from 3 m); F11 or Esc again: back to the desk."""
        if self.full_screen is not None and self.full_screen.isVisible():
            self.leave_full_screen()
            return
        if self.full_screen is None:
            self.full_screen = FullScreenAnswer(self)
            for keys, slot in (("F11", self.leave_full_screen), ("Escape", self.leave_full_screen),
                               ("Ctrl+Z", self.undo_last)):
                QShortcut(QKeySequence(keys), self.full_screen, activated=slot)
        self._copy_answer(self.full_screen.answer)
        self.full_screen.showFullScreen()
        self.full_screen.activateWindow()

    def leave_full_screen(self) -> None:
        """Back to the desk page, focus in the scan field."""
        if self.full_screen is not None:
            self.full_screen.hide()
        self.window().activateWindow()
        self.scan_field.setFocus()

    def _copy_answer(self, panel: AnswerPanel) -> None:
        panel._paint(self.answer.family)
        for mine, theirs in ((self.answer.headline, panel.headline), (self.answer.sentence, panel.sentence),
                             (self.answer.name, panel.name), (self.answer.detail, panel.detail)):
            theirs.setText(mine.text())

    def _print_badge(self, registration_id: str) -> None:
        if self.print_box.isChecked():
            self.status.setText("Badge sent to the printer.")  # then printed, waiting, or the problem
            self._print_badge_on_checkin(registration_id, self.status.setText)

    def undo_last(self) -> None:
        """Reverse the last check-in made at this desk (from this window)."""
        if self._last_welcome is None:
            self.status.setText("Nothing to undo yet.")
            return
        rid, self._last_welcome = self._last_welcome, None
        at, desk = self._now(), self._desk()
        self._submit(lambda: svc.undo_registration(self._db, rid, desk, at), self._show_undo)

    def _show_undo(self, result: svc.UndoResult) -> None:
        name = result.registration.full_name if result.registration else ""
        headline = "CHECK-IN UNDONE" if result.undone else "NOTHING TO UNDO"
        self._answers("show_message", "warn", headline, result.reason, name)
        self._sound.play("warn")
        self._after_answer(result)

    def _on_error(self, message: str) -> None:
        self._busy.stop()
        self._in_flight = max(0, self._in_flight - 1)
        self._answers("show_message", "error", "NOT CHECKED IN", f"{message}\nNothing was stored: scan again.")
        self._sound.play("error")
        self._reset.start(self.answer_hold_ms)
        self.scan_field.setFocus()

    # --- counters, chart, last scans ---------------------------------------------------
    def refresh_status(self) -> None:
        """Reload the counters, the last 20 scans and the arrivals (a read on the pool)."""
        if self._status_reading or self._in_flight:
            # after the read under way, or the check-ins on their way: they come first
            self._status_again = True
            if not self._status_reading:
                self._status_due.start()
            return
        self._status_reading = True
        at = self._now()
        self._submit(lambda: svc.desk_status(self._db, at, 20), self._show_status, write=False,
                     on_error=self._on_status_error)

    def _status_read(self) -> None:
        self._status_reading = False
        if self._status_again:
            self._status_again = False
            self._status_due.start()

    def _on_status_error(self, message: str) -> None:
        self._status_read()
        self._on_read_error(message)

    def _show_status(self, status: svc.DeskStatus) -> None:
        self._status_read()
        self._tz = status.tz
        c = status.counters
        self.counters.setText(f"Checked in today: {c.checked_in} / {c.expected} expected")
        self.categories.setText("   ".join(f"{status.label(line.category)} {line.checked_in}/{line.expected}"
                                           for line in c.by_category))
        self.recent_model.set_rows(status.recent)
        self.chart.set_bins(status.arrivals)
        self.status_refreshed.emit(status)

    # --- camera ------------------------------------------------------------------------
    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        self.scan_field.setFocus()
        if self._close_watch is None:
            self._close_watch = stop_with_window(self, self.shutdown)
        if self._window_watched is None:
            self._window_watched = self.window()
            self._window_watched.installEventFilter(self)
        if not self.camera.running and self._settings.camera.lower() not in ("", "none", "off"):
            self.start_camera()

    def hideEvent(self, event: Any) -> None:  # noqa: N802
        # Another tab (the door page) took over: let go of the webcam so it can open it.
        if not event.spontaneous():
            self.shutdown()
        super().hideEvent(event)

    def start_camera(self) -> None:
        """Start (or restart, F2) the webcam; without a camera or decoder, say so."""
        self.camera.start()

    def shutdown(self) -> None:
        """Stop the camera worker and wait for it (window close, app quit, tests)."""
        self.camera.stop()
        self.search.stop()  # a search typed just before closing must not reach stopped workers
        for timer in (self._status_due, self._busy):
            timer.stop()
        if self.full_screen is not None:
            self.full_screen.hide()

    # --- settings and paper ------------------------------------------------------------
    def _on_print_toggled(self, on: bool) -> None:
        from desk.config import save_settings  # noqa: PLC0415

        self._settings.print_on_checkin = on
        settings = self._settings
        self._submit(lambda: save_settings(settings), lambda _r: None, write=False, on_error=self._on_read_error)

    def settings_changed(self) -> None:
        """Desk ▸ Settings was saved: show its print-on-check-in choice."""
        self.print_box.setChecked(self._settings.print_on_checkin)

    def organiser_guard(self, action: Callable[[], None]) -> None:
        """Run an organiser action (the window puts its role gate here; alone, the page runs it)."""
        action()

    def _on_checklist_clicked(self) -> None:
        self.organiser_guard(self._ask_checklist_path)  # a list of names: an export of personal data

    def _ask_checklist_path(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the paper checklist", "checklist.pdf",
                                              "PDF (*.pdf);;CSV for a spreadsheet (*.csv)")
        self.scan_field.setFocus()  # back from the dialog: the next badge may be scanned
        if path:
            self.write_checklist(path)

    def write_checklist(self, path: str) -> None:
        """Write today's paper checklist to `path` on a worker; the status line says where."""
        from desk.services.checkin.checklist import write_checklist  # noqa: PLC0415

        now = self._now()
        self.status.setText("Writing the checklist…")
        self._submit(lambda: write_checklist(self._db, path, now=now),
                     lambda done: self.status.setText(
                         f"Checklist of {done.day:%a %d %b}: {done.attendees} people, "
                         f"{f'{done.pages} page(s)' if done.pages else 'CSV'} in {done.path}"),
                     write=False, on_error=self._on_read_error)


def build_page(*, db: Any, workers: Workers, settings: Settings, sound: SoundSink, clock: Callable[[], dt.datetime],
               decoder: Decoder | None, camera_factory: Callable[[], Camera] | None,
               print_badge: PrintBadge) -> CheckInPage:
    """The entrance tab of the desk window (app.page_factories)."""
    return CheckInPage(db=db, workers=workers, settings=settings, sound=sound, clock=clock, decoder=decoder,
                       camera_factory=camera_factory, print_badge=print_badge)
