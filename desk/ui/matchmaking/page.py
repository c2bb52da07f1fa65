"""The organiser's matchmaking page: import, schedule on a worker, publish, presence scans, the round's
meetings (held / no-show, a new partner for a freed participant), the table board.

Every service call runs on a worker: solving on the read pool (it may take the whole time
limit), writes on the single writer. The page only shows results and forwards intent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desk.services.matchmaking import schedule as match
from desk.services.matchmaking import day as match_day
from desk.services.demo.matchmaking import install_demo_matchmaking
from desk.ui.matchmaking.meetings import MeetingsPanel
from desk.ui.common.scan_burst import install_scan_bursts
from desk.ui.common.workers import Workers

if TYPE_CHECKING:
    from desk.config import Settings
    from desk.devices.base import SoundSink


class MatchPage(QWidget):
    """Import files, schedule with progress and Stop, publish, scan presence, open the table board."""

    def __init__(self, *, db: Any, workers: Workers, settings: Settings, sound: SoundSink,
                 clock: Callable[[], dt.datetime], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # db: the desk's database (desk.store.db.Database; the ui reaches it only through services)
        self._db, self._workers, self._settings, self._sound, self._clock = db, workers, settings, sound, clock
        self._job: Any = None
        self.board: Any = None
        self.publish_box: QMessageBox | None = None  # the question before publishing (tests answer it)
        self._latest: int | None = None  # the newest schedule version, and the published one
        self._published: int | None = None
        self.counts = QLabel(objectName="matchCounts")
        self.summary = QLabel("No schedule yet.", objectName="matchSummary")
        self.summary.setStyleSheet("font-size: 20px; font-weight: bold;")
        self.tables = QSpinBox(minimum=0, maximum=500, value=20, suffix=" tables")
        self.time_limit = QSpinBox(minimum=1, maximum=600, value=10, suffix=" s")
        self.import_button = QPushButton("&Import files…")
        self.demo_button = QPushButton("Demo instance")
        self.schedule_button = QPushButton("&Schedule (Ctrl+R)")
        self.stop_button = QPushButton("Stop", enabled=False)
        self.publish_button = QPushButton("&Publish")
        self.board_button = QPushButton("Table &board (Ctrl+B)")
        self.progress = QProgressBar(textVisible=False)
        self.progress.hide()  # shown only while scheduling: at 768 px every row of meetings counts
        self.unscheduled = QListWidget()
        self.scan = QLineEdit(placeholderText="Scan a badge at the matchmaking area (Enter)")
        self.scan_answer = QLabel(objectName="matchScanAnswer", wordWrap=True)  # long names wrap, never widen
        self.scan_answer.setStyleSheet("font-size: 22px; font-weight: bold;")
        self.message = QLabel(wordWrap=True)
        self.meetings = MeetingsPanel(self._db, self._workers, self._clock, settings.desk_name)
        for button in (self.import_button, self.demo_button, self.schedule_button, self.stop_button,
                       self.publish_button, self.board_button):
            button.setMinimumHeight(44)
        top = QHBoxLayout()
        for w in (self.import_button, self.demo_button, self.tables, self.time_limit, self.schedule_button,
                  self.stop_button, self.publish_button, self.board_button):
            top.addWidget(w)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.counts)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        not_held = QWidget()
        not_held_layout = QVBoxLayout(not_held)
        not_held_layout.setContentsMargins(0, 0, 0, 0)
        not_held_layout.addWidget(QLabel("Meetings not scheduled, with the reason:"))
        not_held_layout.addWidget(self.unscheduled)
        # the round's meetings matter on the day; the organiser can drag the reasons list larger
        split = QSplitter(Qt.Orientation.Vertical, childrenCollapsible=False)
        split.addWidget(self.meetings)
        split.addWidget(not_held)
        split.setSizes([1000, 120])
        layout.addWidget(split, 1)
        layout.addWidget(self.scan)
        layout.addWidget(self.scan_answer)
        layout.addWidget(self.message)
        self.import_button.clicked.connect(self._on_import)
        self.demo_button.clicked.connect(self._on_demo)
        self.schedule_button.clicked.connect(self.schedule)
        self.stop_button.clicked.connect(self._on_stop)
        self.publish_button.clicked.connect(self._on_publish)
        self.board_button.clicked.connect(self.open_board)
        self.scan.returnPressed.connect(self._on_scan)
        self.meetings.state_loaded.connect(self._on_day_state)
        install_scan_bursts()
        QShortcut(QKeySequence("Ctrl+R"), self, activated=self.schedule)
        QShortcut(QKeySequence("Ctrl+B"), self, activated=self.open_board)
        self.refresh()

    # --- reading ---------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the counts, the newest schedule and the round's meetings on workers."""
        self._workers.submit(lambda _h: match.overview(self._db), write=False, on_done=self._on_overview,
                             on_error=self._on_error)
        self.meetings.reload()

    def _on_overview(self, view: match.Overview) -> None:
        self.counts.setText(f"{view.participants} participants · {view.requests} accepted requests · "
                            f"{view.slots} slots · {view.tables} tables")
        self.tables.setValue(view.tables)
        self._published = view.published_version
        if view.latest is not None:
            self._latest = view.latest.version
            published = " (published)" if view.published_version == view.latest.version else ""
            self._show_schedule(view.latest.schedule, f"version {view.latest.version}{published}")

    def _show_schedule(self, schedule: Any, label: str) -> None:
        self.summary.setText(f"{schedule.summary_line()} — {label}")
        self.unscheduled.clear()
        self.unscheduled.addItems([f"{u.requester} – {u.partner}: {u.reason}" for u in schedule.unscheduled])

    # --- actions ---------------------------------------------------------------------
    def _on_import(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Matchmaking files", "", "Tables (*.csv *.xlsx *.txt)")
        if names:
            self.import_paths([Path(n) for n in names])

    def import_paths(self, paths: list[Path]) -> None:
        """Import files on the writer and show every file's report."""
        def done(report: match.ImportReport) -> None:
            self.message.setText("\n".join(line for f in report.files for line in f.lines()[:6]))
            self.refresh()
        self._workers.submit(lambda _h: match.import_files(self._db, paths), on_done=done, on_error=self._on_error)

    def _on_demo(self) -> None:
        self._workers.submit(lambda _h: install_demo_matchmaking(self._db), on_error=self._on_error,
                             on_done=lambda r: (self.message.setText(r.line()), self.refresh()))

    def schedule(self) -> None:
        """Solve on the read pool with progress and Stop; store the result on the writer."""
        if self._job is not None:
            return
        tables, limit = self.tables.value(), float(self.time_limit.value())
        self.schedule_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.show()

        def work(handle: Any) -> match.Plan:
            return match.plan_schedule(self._db, tables=tables, time_limit_s=limit, progress=handle.progress,
                                       cancelled=handle.cancelled)
        self._job = self._workers.submit(work, write=False, on_done=self._on_planned, on_error=self._on_plan_error,
                                         on_progress=lambda d, t: self.progress.setValue(int(100 * d / max(1, t))))

    def _on_planned(self, plan: match.Plan) -> None:
        self._end_job()
        at = self._clock()
        def stored(version: int) -> None:
            self._latest = version
            self._show_schedule(plan.schedule, f"version {version}")
            self.refresh()  # the counts (tables) and the round's meetings follow the new schedule
        self._workers.submit(lambda _h: match.store_plan(self._db, plan, at), on_error=self._on_error,
                             on_done=stored)
        change = plan.change
        if change is not None:
            self.message.setText("Nothing to reprint." if change.unchanged else
                                 f"Reprint agendas of {', '.join(change.agendas)}; table sheets "
                                 f"{', '.join(map(str, change.table_sheets))}.")

    def _on_plan_error(self, message: str) -> None:
        self._end_job()
        self._on_error(message)

    def _end_job(self) -> None:
        self._job = None
        self.schedule_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        self.progress.setValue(100)
        self.progress.hide()

    def _on_stop(self) -> None:
        if self._job is not None:
            self._job.handle.cancel()
            self.message.setText("Stopping after the solver's current step…")

    def _on_publish(self) -> None:
        """Ask first: publishing changes what every participant, table host and board follows."""
        which = f"schedule version {self._latest}" if self._latest is not None else "the newest schedule"
        box = QMessageBox(QMessageBox.Icon.Question, "Publish the schedule", f"Publish {which}?",
                          QMessageBox.StandardButton.NoButton, self)
        replaces = (f" It replaces version {self._published}: reprint what the last schedule lists."
                    if self._published is not None and self._published != self._latest else "")
        box.setInformativeText("Agendas, table sheets and the table board follow the published schedule." + replaces)
        publish = box.addButton("Publish", QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(publish)
        box.setEscapeButton(cancel)
        box.finished.connect(lambda _r: self._on_publish_answered(box.clickedButton() is publish))
        self.publish_box = box
        box.open()

    def _on_publish_answered(self, yes: bool) -> None:
        self.publish_box = None
        if not yes:
            self.message.setText("Not published.")
            return
        at = self._clock()
        self._workers.submit(lambda _h: match.publish(self._db, at), on_error=self._on_error,
                             on_done=lambda v: (self.message.setText(f"Schedule version {v} published."),
                                                self.refresh()))

    def _on_scan(self) -> None:
        code = self.scan.text()
        self.scan.clear()
        self.take_scan(code)

    def take_scan(self, code: str) -> None:
        """A presence scan: the scan field's Enter, or a scanner burst wherever the focus was."""
        at = self._clock()
        desk = self._settings.desk_name
        self._workers.submit(
            lambda _h: match_day.scan_presence(self._db, code, at, desk, from_keyboard=True),
            on_done=self._on_scanned, on_error=self._on_error)

    def _on_scanned(self, answer: match_day.PresenceAnswer) -> None:
        colour = "#1b7f3b" if answer.ok else "#b3261e"
        self.scan_answer.setStyleSheet(f"font-size: 22px; font-weight: bold; color: {colour};")
        self.scan_answer.setText(("✔ " if answer.ok else "✖ ") + answer.reason)
        self._sound.play("ok" if answer.ok else "error")
        self.scan.setFocus()
        self._refresh_board()

    def open_board(self) -> None:
        """Open the table board in its own window (F11: full screen)."""
        from desk.ui.matchmaking.table_board import TableBoard  # noqa: PLC0415

        if self.board is None:
            self.board = TableBoard(self._clock, self._sound)
        self.board.show()
        self._refresh_board()

    def _refresh_board(self) -> None:
        # one read serves both: the meetings list hands each fresh day state to the board
        self.meetings.reload()

    def _on_day_state(self, state: match_day.DayState) -> None:
        if self.board is not None:
            self.board.set_state(state)

    def _on_error(self, message: str) -> None:
        self.message.setText(f"⚠ {message}")


def build_page(*, db: Any, workers: Workers, settings: Settings, sound: SoundSink,
               clock: Callable[[], dt.datetime]) -> MatchPage:
    """The matchmaking tab of the desk window (app.page_factories)."""
    return MatchPage(db=db, workers=workers, settings=settings, sound=sound, clock=clock)
