"""The attendee list: live accent-insensitive search, and sync with progress and cancel.

The result of the last import stays on the page below the list: its summary, then every
rejected row and every flag in a scrollable list (a 3,000-line report fits; a tooltip
would run off the screen).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QProgressBar,
    QPushButton, QVBoxLayout, QWidget,
)

from desk.core.errors import DeskError
from desk.core.portalformats import suggest_columns
from desk.ui.common import theme
from desk.ui.common.models import AttendeeTableModel
from desk.ui.common.tables import table_view
from desk.ui.common.workers import Job, JobHandle, Workers
from desk.ui.registrations.map_dialog import ColumnMapDialog

if TYPE_CHECKING:
    from desk.config import Settings

SearchFn = Callable[[str], Any]          # -> services.attendees.SearchResult
# (file path or "" for the feed, handle[, map file path]) -> SyncReport; the map file only when one was chosen
SyncFn = Callable[..., Any]


class AttendeesPage(QWidget):
    """Search box over a table of attendees; Sync and Import buttons with a progress bar."""

    sync_finished = Signal(object)  # the SyncReport, for other pages to refresh
    sync_failed = Signal(str)  # the sentence shown (the status bar checks the connection again)

    def __init__(self, workers: Workers, search: SearchFn, sync: SyncFn,
                 feed_configured: bool | Callable[[], bool], parent: QWidget | None = None,
                 describe_failure: Callable[[str], str] | None = None) -> None:
        super().__init__(parent)
        self._workers, self._search, self._sync = workers, search, sync
        self._describe_failure = describe_failure or (lambda message: message)
        # a callable: the feed address can be set in the desk's settings while the window is open
        self._feed_configured = feed_configured if callable(feed_configured) else (lambda: feed_configured)
        self._search_seq = 0
        self._sized = False
        self._sync_job: Job | None = None
        self.map_dialog: ColumnMapDialog | None = None  # the hand-mapping form, while it is open

        self.search_box = QLineEdit(placeholderText="Search name, organisation or e-mail   (Ctrl+F)")
        self.search_box.setClearButtonEnabled(True)
        self.model = AttendeeTableModel(self)
        self.table = table_view(self.model, fit_columns=False, zebra=True)
        self.count_label = QLabel(objectName="status")

        self.sync_button = QPushButton("Sync from portal  (F5)", objectName="primary")
        self.sync_button.setToolTip("Fetch new and changed registrations from the portal feed; without a "
                                    "feed address (Desk ▸ Settings) it asks for an export file")
        self.import_button = QPushButton("Import file…  (Ctrl+O)")
        self.map_button = QPushButton("Import with map…  (Ctrl+Shift+O)")
        self.columns_button = QPushButton("Map columns…  (Ctrl+Shift+M)")
        self.columns_button.setToolTip("Say by hand which column of an export holds what, save that as a map "
                                       "file and import with it")
        self.map_button.setToolTip("Import a portal export with a map file (TOML) that says which of its columns "
                                   "and words are the event's days, categories and statuses")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.sync_status = QLabel(objectName="status")
        self.sync_status.setWordWrap(True)
        self.sync_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # rejected rows, flags and notes of the last import: all of them, scrolled, copyable
        self.result_list = QListWidget()
        self.result_list.setUniformItemSizes(True)
        self.result_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.result_list.setMaximumHeight(170)
        self.result_list.setVisible(False)

        top = QHBoxLayout()
        top.addWidget(self.search_box, 1)
        top.addWidget(self.count_label)
        bottom = QHBoxLayout()
        bottom.addWidget(self.sync_button)
        bottom.addWidget(self.import_button)
        bottom.addWidget(self.map_button)
        bottom.addWidget(self.columns_button)
        bottom.addWidget(self.progress, 1)
        bottom.addWidget(self.cancel_button)
        bottom.addStretch(0)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.sync_status)
        layout.addWidget(self.result_list)

        self._debounce = QTimer(self, singleShot=True, interval=120)
        self._debounce.timeout.connect(self.refresh)
        self.search_box.textChanged.connect(lambda _t: self._debounce.start())
        self.sync_button.clicked.connect(self._on_sync_clicked)
        self.import_button.clicked.connect(self._on_import_clicked)
        self.map_button.clicked.connect(self._on_import_with_map_clicked)
        self.columns_button.clicked.connect(self._on_map_columns_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self._focus_search)
        QShortcut(QKeySequence("F5"), self, activated=self._on_sync_clicked)
        QShortcut(QKeySequence("Ctrl+O"), self, activated=self._on_import_clicked)
        QShortcut(QKeySequence("Ctrl+Shift+O"), self, activated=self._on_import_with_map_clicked)
        QShortcut(QKeySequence("Ctrl+Shift+M"), self, activated=self._on_map_columns_clicked)
        QShortcut(QKeySequence("Escape"), self.search_box, activated=self.search_box.clear)

    # --- search ----------------------------------------------------------------------
    def refresh(self) -> None:
        """Run the current search on a worker; stale answers are dropped."""
        self._search_seq += 1
        seq, query = self._search_seq, self.search_box.text()
        self._workers.submit(lambda _h: self._search(query), write=False,
                             on_done=lambda result: self._on_search_done(seq, result),
                             on_error=self._show_error)

    def _on_search_done(self, seq: int, result: Any) -> None:
        if seq != self._search_seq:
            return
        self.model.set_category_labels(getattr(result, "category_labels", {}))
        self.model.set_rows(result.attendees)
        shown = len(result.attendees)
        more = f" (first {shown})" if result.truncated else ""
        self.count_label.setText(f"{shown}{more} of {result.total_attendees} attendees")
        if shown and not self._sized:
            self._sized = True
            self.table.resizeColumnsToContents()
            for column in range(self.model.columnCount()):
                self.table.setColumnWidth(column, min(self.table.columnWidth(column), 320))

    def _focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    # --- sync ------------------------------------------------------------------------
    def _on_sync_clicked(self) -> None:
        if not self._feed_configured():
            self._on_import_clicked()
            return
        self.start_sync("")

    def _on_import_clicked(self) -> None:
        if self._sync_job is not None:
            return
        path, _ = QFileDialog.getOpenFileName(self, "Import a portal export", "",
                                              "Portal exports (*.csv *.tsv *.txt *.xlsx *.json);;All files (*)")
        if path:
            self.start_sync(path)

    def _on_import_with_map_clicked(self) -> None:
        if self._sync_job is not None:
            return
        path, _ = QFileDialog.getOpenFileName(self, "Import a portal export", "",
                                              "Portal exports (*.csv *.tsv *.txt *.xlsx);;All files (*)")
        if not path:
            return
        from desk.services.registrations.sources import remembered_map  # noqa: PLC0415 - loads with the first use

        # the map used for the last export from this portal (same header row) is offered first
        self._workers.submit(lambda _handle: remembered_map(Path(path)), write=False,
                             on_done=lambda known: self._ask_map(path, known), on_error=self._show_error)

    def _ask_map(self, path: str, known: Path | None) -> None:
        map_path, _ = QFileDialog.getOpenFileName(self, "The map file for this export", str(known or ""),
                                                  "Map files (*.toml);;All files (*)")
        if map_path:
            self.start_sync(path, map_path)

    def _on_map_columns_clicked(self) -> None:
        if self._sync_job is not None:
            return
        path, _ = QFileDialog.getOpenFileName(self, "Map the columns of a portal export", "",
                                              "Portal exports (*.csv *.tsv *.txt *.xlsx);;All files (*)")
        if path:
            from desk.services.registrations.sources import map_columns  # noqa: PLC0415 - loads with the first use

            self._workers.submit(lambda _handle: map_columns(Path(path)), write=False,
                                 on_done=lambda found: self._ask_columns(path, *found), on_error=self._show_error)

    def _ask_columns(self, path: str, header: list[str], known: Path | None, columns: dict[str, str] | None) -> None:
        # the map of the last export with this header row, else what desk reads on its own
        self.map_dialog = ColumnMapDialog(header, columns if columns is not None else suggest_columns(header), self)
        dialog = self.map_dialog
        dialog.accepted.connect(lambda: self._save_map(path, dialog.columns(), known))
        dialog.open()

    def _save_map(self, path: str, columns: dict[str, str], known: Path | None = None) -> None:
        target, _ = QFileDialog.getSaveFileName(self, "Save the map file",
                                                str(known or Path(path).with_suffix(".map.toml")), "Map files (*.toml)")
        if target:
            from desk.services.registrations.sources import save_map  # noqa: PLC0415 - loads with the first use

            self._workers.submit(lambda _handle: save_map(Path(target), columns),
                                 on_done=lambda saved: self.start_sync(path, str(saved)), on_error=self._show_error)

    def start_sync(self, location: str, map_path: str | None = None) -> None:
        """Sync from a file path (read through `map_path` when given), or from the portal feed when
        `location` is empty."""
        if self._sync_job is not None:
            return
        self._set_busy(True)
        self.sync_status.setText("Syncing…")
        sync = self._sync

        def with_map(handle: Any) -> Any:
            from desk.services.registrations.sources import remember_map  # noqa: PLC0415

            report = sync(location, handle, map_path)
            if not report.cancelled:
                try:
                    remember_map(Path(location), Path(map_path))  # type: ignore[arg-type]
                except (OSError, DeskError):
                    pass  # only a convenience for the next export: the import itself is done
            return report

        self._sync_job = self._workers.submit(
            with_map if map_path else (lambda handle: sync(location, handle)),
            on_done=self._on_sync_done,
            on_error=self._on_sync_failed, on_progress=self._on_sync_progress,
        )

    def _on_sync_progress(self, done: int, total: int) -> None:
        if total:  # storing: the bar fills
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            text = f"Syncing… {done:,} of {total:,} rows stored"
        else:  # reading: a file or the feed does not say how much is left
            self.progress.setRange(0, 0)
            text = f"Syncing… {done:,} rows read"
        if self._sync_job is not None and not self._sync_job.handle.cancelled():  # else "Cancelling…" stays
            self.sync_status.setText(text)

    def _on_sync_done(self, report: Any) -> None:
        self._sync_job = None
        self._set_busy(False)
        self.show_report(report)
        self.refresh()
        self.sync_finished.emit(report)

    def show_report(self, report: Any) -> None:
        """The import's summary, then every rejected row, flag and note in the list below it."""
        lines = report.lines()
        head = "Cancelled: nothing more was applied. " if report.cancelled else ""
        stopped = f" Stopped early: {self._describe_failure(report.stopped)}" if report.stopped else ""
        # flags first: one seat-cap flag must not hide below 3,000 rejected rows
        flags_first = sorted(lines[1:], key=lambda line: not line.startswith("flag:"))
        details = flags_first + report.notes()
        flagged = len(lines) - 1 - report.rejected
        flags = f"; {flagged} flag(s)" if flagged else ""
        below = " (listed below)" if details else ""
        kind = getattr(report, "format", "")
        read_as = f" Read as {'a mapped' if kind == 'mapped' else kind} export." if kind and kind != "desk" else ""
        self.sync_status.setText(f"Last import: {head}{lines[0]}{flags}{below}.{read_as}{stopped}")
        self.sync_status.setToolTip("")
        self.result_list.clear()
        colours = {"row": theme.RED, "flag": theme.AMBER}
        for line in details:
            item = QListWidgetItem(line)
            colour = colours.get(line.split(" ", 1)[0].rstrip(":"))
            if colour:
                item.setForeground(QColor(colour))
            self.result_list.addItem(item)
        self.result_list.setVisible(bool(details))

    def _on_sync_failed(self, message: str) -> None:
        self._sync_job = None
        self._set_busy(False)
        sentence = self._describe_failure(message)
        self._show_error(sentence)
        self.sync_failed.emit(sentence)

    def _on_cancel_clicked(self) -> None:
        if self._sync_job is not None:
            self._sync_job.handle.cancel()
            self.sync_status.setText("Cancelling…")

    def _set_busy(self, busy: bool) -> None:
        self.sync_button.setEnabled(not busy)
        self.import_button.setEnabled(not busy)
        self.map_button.setEnabled(not busy)
        self.columns_button.setEnabled(not busy)
        self.cancel_button.setVisible(busy)
        self.progress.setVisible(busy)
        if busy:
            self.progress.setRange(0, 0)

    def _show_error(self, message: str) -> None:
        self.sync_status.setText(f"⚠ {message}")


def build_page(*, db: Any, workers: Workers, settings: Settings) -> AttendeesPage:
    """The attendees tab of the desk window (app.page_factories), its list already loading.

    `db` is the desk's database (desk.store.db.Database; the ui reaches it only through services).
    """
    from desk.services.connectivity import plain_sync_failure  # noqa: PLC0415
    from desk.services.registrations.search import search_attendees  # noqa: PLC0415

    def sync(location: str, handle: JobHandle, map_path: str | None = None) -> Any:
        from desk.services.registrations.sources import open_source  # noqa: PLC0415
        from desk.services.registrations.sync import run_sync  # noqa: PLC0415

        source = open_source(location or settings.feed_url, settings.feed_token, map_path)
        return run_sync(db, source, progress=handle.progress, cancelled=handle.cancelled)

    page = AttendeesPage(workers, lambda query: search_attendees(db, query), sync,
                         feed_configured=lambda: bool(settings.feed_url),
                         describe_failure=lambda message: plain_sync_failure(message, settings.feed_url))
    page.refresh()
    return page
