"""The badge printing page: find attendees, print one or a batch, watch and fix the queue.

Every service call runs on a worker: enqueueing and printing on the database writer (in
short passes, so check-ins are not held up behind a long batch), searches and the queue
list on the pool. A reprint always asks first.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QProgressBar, QPushButton, QSplitter, QTableView,
    QVBoxLayout, QWidget,
)

from desk.ui.badges.actions import FOLDER, PrintActions, build_actions, make_print_badge_hook
from desk.ui.badges.models import BadgeAttendeeModel, PrintJobModel
from desk.ui.common.status_bar import ElidedLabel
from desk.ui.common.tables import table_view
from desk.ui.common.workers import Job, Workers

if TYPE_CHECKING:
    from desk.config import Settings

__all__ = ["PrintPage", "build_page", "make_print_badge_hook"]
BATCH_PASS = 10  # badges per writer pass: check-ins get the database between passes
LAYOUT_LABELS = {"a6": "A6 insert", "label-4x3": "4 x 3 in label", "a4-sheet": "A4 sheet of 4", "foldover": "Fold-over"}


def _fit_columns(view: QTableView, cap_px: int = 320) -> None:
    view.resizeColumnsToContents()
    for column in range(view.model().columnCount() - 1):
        view.setColumnWidth(column, min(view.columnWidth(column), cap_px))


class PrintPage(QWidget):
    """Search, print (Enter / Ctrl+P), print all not yet printed, and the print queue with Retry."""

    def __init__(self, actions: PrintActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actions = actions
        self._workers = actions.workers
        self._search_seq = 0
        self._batch: Job | None = None
        self._batch_done = self._batch_total = 0
        self._stop_batch = False
        self._sized_attendees = self._sized_jobs = False

        self.search_box = QLineEdit(placeholderText="Find an attendee: name, organisation or e-mail   (Ctrl+F)")
        self.search_box.setClearButtonEnabled(True)
        self.count_label = QLabel(objectName="status")
        self.attendees = BadgeAttendeeModel(self)
        self.table = table_view(self.attendees, multi=True, fit_columns=False, zebra=True)
        self.layout_box = QComboBox()
        for name, label in LAYOUT_LABELS.items():
            self.layout_box.addItem(label, name)
        self.layout_box.setCurrentIndex(max(0, self.layout_box.findData(actions.layout)))
        self.printer_box = QComboBox()
        # a long printer or folder name is cut in the box, never widening the window
        self.printer_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.printer_box.setMinimumContentsLength(22)
        for label, choice in actions.printer_choices(None):
            self.printer_box.addItem(label, choice)
        self.print_button = QPushButton("Print badge  (Enter · Ctrl+P)", objectName="primary")
        self.batch_button = QPushButton("Print all not yet printed  (Ctrl+Shift+P)")
        self.cancel_button = QPushButton("Stop  (Esc)")
        self.progress = QProgressBar()
        self.jobs = PrintJobModel(self)
        self.job_table = table_view(self.jobs, multi=False, fit_columns=False, zebra=True)
        self.retry_button = QPushButton("Retry  (Ctrl+R)")
        self.remove_button = QPushButton("Remove from queue  (Del)")
        self.queue_label = ElidedLabel("Print queue")
        # one line, elided (whole text in the tooltip): a long file name must not widen the window
        self.status = ElidedLabel(objectName="status", elide=Qt.TextElideMode.ElideMiddle)
        self._build_layout()
        self._set_busy(False)

        self._debounce = QTimer(self, singleShot=True, interval=120, timeout=self.refresh)
        self._poll = QTimer(self, interval=4000, timeout=self.refresh_queue)  # jobs from check-in
        self.search_box.textChanged.connect(lambda _t: self._debounce.start())
        self.search_box.returnPressed.connect(self._on_search_enter)
        self.print_button.clicked.connect(self.print_selected)
        self.batch_button.clicked.connect(self.print_unprinted)
        self.cancel_button.clicked.connect(self.stop_batch)
        self.retry_button.clicked.connect(self.retry_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.printer_box.currentIndexChanged.connect(lambda _i: actions.choose_printer(self.printer_choice()))
        self.layout_box.currentIndexChanged.connect(lambda _i: actions.choose_layout(self.layout_box.currentData()))
        for keys, slot, parent in (("Ctrl+F", self._focus_search, self), ("Ctrl+P", self.print_selected, self),
                                   ("Ctrl+Shift+P", self.print_unprinted, self), ("Ctrl+R", self.retry_selected, self),
                                   ("Return", self.print_selected, self.table), ("Enter", self.print_selected, self.table),
                                   ("Delete", self.remove_selected, self.job_table), ("Escape", self.stop_batch, self)):
            QShortcut(QKeySequence(keys), parent, activated=slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._submit(lambda _h: actions.printer_choices(actions.system_printers()), write=False,
                             on_done=self._on_printers, on_error=self._show_error)
        self.refresh()
        self.refresh_queue()

    def _submit(self, fn: Callable[[Any], Any], write: bool = True, **callbacks: Any) -> Job | None:
        """Submit to the workers; None once they were shut down (the window is closing)."""
        try:
            return self._workers.submit(fn, write=write, **callbacks)
        except RuntimeError:
            self._poll.stop()
            return None

    def _build_layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.search_box, 1)
        top.addWidget(self.count_label)
        actions = QHBoxLayout()
        actions.addWidget(self.print_button)
        actions.addWidget(self.batch_button)
        actions.addWidget(self.progress, 1)
        actions.addWidget(self.cancel_button)
        actions.addStretch(0)
        actions.addWidget(QLabel("Layout"))
        actions.addWidget(self.layout_box)
        actions.addWidget(QLabel("Printer"))
        actions.addWidget(self.printer_box)
        queue_bar = QHBoxLayout()
        queue_bar.addWidget(self.queue_label, 1)
        queue_bar.addWidget(self.retry_button)
        queue_bar.addWidget(self.remove_button)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addLayout(queue_bar)
        lower_layout.addWidget(self.job_table, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(lower)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(actions)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)

    def showEvent(self, event: Any) -> None:  # noqa: N802
        self.show_settings()
        self._poll.start()
        self.refresh_queue()
        super().showEvent(event)

    def hideEvent(self, event: Any) -> None:  # noqa: N802
        self._poll.stop()
        super().hideEvent(event)

    # --- lists -----------------------------------------------------------------------
    def refresh(self) -> None:
        """Run the search on a worker; an answer older than the newest question is dropped."""
        self._search_seq += 1
        seq, query = self._search_seq, self.search_box.text()
        self._submit(lambda _h: self.actions.search(query), write=False,
                             on_done=lambda rows: self._on_search_done(seq, rows), on_error=self._show_error)

    def _on_search_done(self, seq: int, found: Any) -> None:
        if seq != self._search_seq:
            return
        rows, total = found
        self.attendees.set_rows(rows)
        self.count_label.setText(f"{len(rows)} of {total} attendees")
        if rows and not self._sized_attendees:
            self._sized_attendees = True
            _fit_columns(self.table)
            # sized while every badge reads "—": leave room for "Printing…"
            self.table.setColumnWidth(0, max(self.table.columnWidth(0), self.fontMetrics().horizontalAdvance("Printing…") + 24))

    def refresh_queue(self) -> None:
        """Reload the print queue on a worker."""
        from desk.services.event_clock import event_clock  # noqa: PLC0415

        self._submit(lambda _h: (self.actions.jobs(), event_clock(self.actions.db)), write=False,
                     on_done=lambda found: self._on_jobs(*found), on_error=self._show_error)

    def _on_jobs(self, jobs: list[Any], tz: Any = None) -> None:
        selected = self._selected_job()
        if tz is not None:
            self.jobs.tz = tz
        self.jobs.set_rows(jobs)
        counts = {s: sum(j.state == s for j in jobs) for s in ("queued", "printing", "failed", "done")}
        self.queue_label.setText("Print queue: " + " · ".join(f"{n} {s}" for s, n in counts.items()))
        for row, job in enumerate(jobs):
            if selected is not None and job.id == selected.id:
                self.job_table.selectRow(row)
        if jobs and not self._sized_jobs:
            self._sized_jobs = True
            _fit_columns(self.job_table)
            self.job_table.setColumnWidth(2, max(self.job_table.columnWidth(2), 190))  # "Printed · reprint"

    def _on_printers(self, choices: list[tuple[str, str]]) -> None:
        current = self.printer_choice()
        self.printer_box.blockSignals(True)
        self.printer_box.clear()
        for label, choice in choices:
            self.printer_box.addItem(label, choice)
        self.printer_box.setCurrentIndex(max(0, self.printer_box.findData(current)))
        self.printer_box.blockSignals(False)

    def settings_changed(self) -> None:
        """Desk ▸ Settings was saved: show the printer and layout chosen there."""
        self.show_settings()

    def show_settings(self) -> None:
        """Show the desk's printer and layout (they may have changed in Desk ▸ Settings)."""
        choice = self.actions.choice
        shown = f"PDF folder ({Path(choice[len(FOLDER):]).name})" if choice.startswith(FOLDER) else choice
        for box, value, label in ((self.printer_box, choice, shown),
                                  (self.layout_box, self.actions.layout, self.actions.layout)):
            box.blockSignals(True)
            if box.findData(value) < 0:
                box.addItem(label, value)
            box.setCurrentIndex(box.findData(value))
            box.blockSignals(False)

    def printer_choice(self) -> str:
        return str(self.printer_box.currentData() or "")

    def _selected_ids(self) -> list[str]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        if not rows and self.attendees.rowCount() == 1:
            rows = [0]
        return [self.attendees.row_at(r)[0].registration_id for r in rows]

    def _selected_job(self) -> Any:
        rows = self.job_table.selectionModel().selectedRows()
        return self.jobs.row_at(rows[0].row()) if rows else None

    # --- printing --------------------------------------------------------------------
    def _on_search_enter(self) -> None:
        if self.attendees.rowCount() == 1:
            self.print_selected()
        elif self.attendees.rowCount():
            self.table.setFocus()
            self.table.selectRow(0)

    def print_selected(self) -> None:
        """Print the selected attendees' badges; badges printed before ask first."""
        ids = self._selected_ids()
        if not ids:
            self.status.setText("Select an attendee first (type a name, then Enter).")
            return
        self._start(lambda h: self.actions.enqueue(ids, False), len(ids))

    def print_unprinted(self) -> None:
        """Queue and print every attendee's badge that was never printed."""
        if self._batch is None:
            self._start(lambda h: self.actions.enqueue_unprinted(), None)

    def _start(self, enqueue: Callable[[Any], list[Any]], expected: int | None) -> None:
        if self._batch is not None:
            self.status.setText("A print run is going on; wait for it or press Stop.")
            return
        self._batch_done, self._batch_total, self._stop_batch = 0, expected or 0, False
        self._set_busy(True)
        self.status.setText("Queueing…")
        self._batch = self._submit(enqueue, on_done=self._on_enqueued, on_error=self._on_failed)

    def _on_enqueued(self, results: list[Any]) -> None:
        queued = sum(r.queued or r.already_queued for r in results)
        self._batch_total = queued or self._batch_total
        again = [r.registration_id for r in results if r.needs_confirmation]
        self._batch = None
        if again and self._confirm_reprint(again):
            self._batch_total = queued + len(again)
            self._batch = self._submit(lambda h: self.actions.enqueue(again, True), on_done=self._on_reprints,
                                       on_error=self._on_failed)
            return
        self._next_pass()

    def _on_reprints(self, _results: list[Any]) -> None:
        self._next_pass()

    def _next_pass(self) -> None:
        if self._stop_batch:
            self._batch = None
            self._set_busy(False)
            self.status.setText("Stopped: the badges wait in the print queue.")
            self.refresh_queue()
            return
        self.status.setText("Printing…")
        self._batch = self._submit(lambda h: self.actions.process(h, BATCH_PASS), on_done=self._on_pass_done,
                                   on_error=self._on_failed, on_progress=self._on_progress)

    def _on_pass_done(self, report: Any) -> None:
        self._batch_done += len(report.printed) + len(report.failed)
        self.refresh_queue()
        if report.waiting and report.printer_ready and not report.cancelled and not self._stop_batch \
                and (report.printed or report.failed):
            self._next_pass()
            return
        self._batch = None
        self._set_busy(False)
        self.status.setText(("⚠ " if report.errors else "") + report.line())
        self.refresh()

    def _confirm_reprint(self, ids: list[str]) -> bool:
        names = {row[0].registration_id: row[0].full_name for row in self.attendees.rows()}
        who = ", ".join(names.get(rid, rid) for rid in ids[:5]) + (" …" if len(ids) > 5 else "")
        answer = QMessageBox.question(
            self, "Print again?", f"This badge was printed before: {who}.\n\nPrint it again? "
            "It is logged as a reprint.", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _on_progress(self, done: int, total: int) -> None:
        overall = max(self._batch_total, self._batch_done + total)
        self.progress.setRange(0, overall)
        self.progress.setValue(self._batch_done + done)

    def _on_failed(self, message: str) -> None:
        self._batch = None
        self._set_busy(False)
        self._show_error(message)
        self.refresh_queue()

    def stop_batch(self) -> None:
        """Stop a print run after the badge being printed now."""
        if self._batch is not None:
            self._stop_batch = True
            self._batch.handle.cancel()
            self.status.setText("Stopping after this badge…")

    def retry_selected(self) -> None:
        """Put the selected job back in the queue and print."""
        job = self._selected_job()
        if job is None or self._batch is not None:
            return
        self._start(lambda h: self.actions.retry(job.id), 1)

    def remove_selected(self) -> None:
        """Take the selected job (not printed) out of the queue."""
        job = self._selected_job()
        if job is not None:
            self._submit(lambda _h: self.actions.cancel(job.id), on_done=lambda _r: self.refresh_queue(),
                                 on_error=self._show_error)

    def _set_busy(self, busy: bool) -> None:
        self.print_button.setEnabled(not busy)
        self.batch_button.setEnabled(not busy)
        self.retry_button.setEnabled(not busy)
        self.cancel_button.setVisible(busy)
        self.progress.setVisible(busy)
        if busy:
            self.progress.setRange(0, 0)

    def _focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def _show_error(self, message: str) -> None:
        self.status.setText(f"⚠ {message}")
        self.status.setToolTip(message)


def build_page(*, db: Any, workers: Workers, settings: Settings, printer_for: Callable[[str, str], Any],
               list_printers: Callable[[], list[str]]) -> PrintPage:
    """The badges tab of the desk window (app.page_factories)."""
    return PrintPage(build_actions(db, workers, settings, printer_for, list_printers))
