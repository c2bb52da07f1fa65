"""The entrance page's search: a box, the people it finds with what Enter would answer, the keys.

Up/Down (and Page Up/Down) move through the results while the focus stays in the box; Enter
checks the highlighted person in, but only from a list that answers the words in the box
(a list still showing an older query is refreshed instead). Esc clears the box.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QLineEdit, QWidget

from desk.core.attendees import Status
from desk.core.categories import builtin_label
from desk.core.checkin.decision import ScanOutcome
from desk.services.checkin.search import DeskMatch
from desk.ui.common.models import ListTableModel
from desk.ui.common.tables import table_view

SEARCH_DELAY_MS = 150

STATUS_WORDS = {
    Status.VALIDATED: "✔ registered", Status.PENDING: "⏳ awaiting validation",
    Status.REJECTED: "✖ not accepted", Status.CANCELLED: "✖ cancelled",
}
_NAVIGATION = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: 10, Qt.Key.Key_PageUp: -10}


def match_status(match: DeskMatch) -> str:
    """The Status cell of a search result: may they enter today, and if not, why (times in the event's zone)."""
    reg = match.registration
    if match.outcome is ScanOutcome.ALREADY_IN and match.first_checkin is not None:
        first = match.first_checkin
        return f"✔ already in at {first.at.astimezone(match.tz):%H:%M} ({first.where})"
    if match.outcome is ScanOutcome.WELCOME:
        return "✔ registered, not in yet"
    if match.outcome is ScanOutcome.WRONG_DAY:
        return "✖ not expected today"
    return STATUS_WORDS.get(reg.status, reg.status.value)


class CheckinSearch(QObject):
    """Owns the search box and the results table; emits `chosen` with a registration id on Enter."""

    chosen = Signal(str)  # the registration id to check in
    noted = Signal(str)  # a sentence for the page's status line
    left = Signal()  # Esc: back to the scan field

    def __init__(self, find: Callable[[str, dt.datetime], list[DeskMatch]],
                 read: Callable[[Callable[[], Any], Callable[[Any], None]], None],
                 now: Callable[[], dt.datetime], parent: QWidget) -> None:
        super().__init__(parent)
        self._find, self._read, self._now = find, read, now
        self._seq = 0
        self.shown_query: str | None = None  # the query the results on screen answer
        self.box = QLineEdit(placeholderText="Search name, organisation, e-mail  (Ctrl+F) — ↑↓ pick, Enter checks in")
        self.box.installEventFilter(self)
        # every registration, not only attendees: the desk can tell a person why they are not let in
        self.model = ListTableModel([
            ("Name", lambda m: f"{m.registration.last_name.upper()}, {m.registration.first_name}"),
            ("Organisation", lambda m: m.registration.organisation), ("Status", match_status),
            ("Category", lambda m: m.category_label or builtin_label(m.registration.category)),
        ], self)
        self.table = table_view(self.model)
        self.debounce = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self.debounce.timeout.connect(self.run)
        self.box.textChanged.connect(lambda _t: self.debounce.start())
        self.box.returnPressed.connect(self._on_entered)
        self.table.activated.connect(lambda index: self.chosen.emit(self._rid(index.row())))
        QShortcut(QKeySequence("Escape"), self.box, activated=self.leave, context=Qt.ShortcutContext.WidgetShortcut)

    def _rid(self, row: int) -> str:
        return self.model.row_at(row).registration.registration_id

    def focus(self) -> None:
        """Ctrl+F: into the box, its words selected."""
        self.box.setFocus()
        self.box.selectAll()

    def leave(self) -> None:
        """Esc: clear the box and go back to scanning."""
        self.box.clear()
        self.left.emit()

    def stop(self) -> None:
        """No search may start any more (the page is closing)."""
        self.debounce.stop()

    def run(self) -> None:
        """Search now for the words in the box (a read on a worker); the newest answer wins."""
        self.debounce.stop()
        self._seq += 1
        seq, query, at = self._seq, self.box.text(), self._now()
        if not query.strip():
            self.model.set_rows([])
            self.shown_query = query
            return

        def found(matches: list[DeskMatch]) -> None:
            if seq == self._seq:
                self.model.set_rows(matches)
                self.shown_query = query
                if matches:
                    self.table.selectRow(0)
        self._read(lambda: self._find(query, at), found)

    def move(self, step: int) -> None:
        """Highlight the result `step` rows down (up when negative), within the list."""
        count = self.model.rowCount()
        if not count:
            return
        rows = self.table.selectionModel().selectedRows()
        current = rows[0].row() if rows else -1
        target = max(0, min(count - 1, current + step))
        self.table.selectRow(target)
        self.table.scrollTo(self.model.index(target, 0))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.box and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in _NAVIGATION and not event.modifiers():
                self.move(_NAVIGATION[event.key()])
                return True
        return super().eventFilter(watched, event)

    def _on_entered(self) -> None:
        if not self.box.text().strip():
            return
        if self.debounce.isActive() or self.shown_query != self.box.text():
            # The list on screen answers an older query: never check in from it.
            self.run()
            self.noted.emit("The list was not up to date: check the highlighted person, then press Enter.")
            return
        rows = self.table.selectionModel().selectedRows()
        if rows:
            # The check-in decides again (and logs it): a cancelled or pending person is told why, not let in.
            self.chosen.emit(self._rid(rows[0].row()))
