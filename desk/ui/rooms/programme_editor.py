"""The programme editor: rooms and sessions in two tables, one form beside them.

Opened from the door page (Ctrl+E). Keys: Insert adds to the table last used, Enter edits
the selected row (and saves from the form), Del deletes after a confirmation, Esc leaves
the form (or closes the editor). Every read and write runs on ctx.workers; the checks are
the import's (desk.services.rooms.programme), and their sentences show beside the fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog, QFrame, QHBoxLayout, QHeaderView, QLabel, QPushButton, QStackedWidget, QTableView, QVBoxLayout,
    QWidget,
)

from desk.services.rooms import programme as svc
from desk.ui.common import theme
from desk.ui.common.models import ListTableModel
from desk.ui.rooms.programme_forms import FormPanel, RoomForm, SessionForm
from desk.ui.common.tables import table_view
from desk.ui.common.workers import Workers

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def _button(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setAutoDefault(False)
    button.setMinimumHeight(44)
    return button


class ProgrammeEditor(QDialog):
    """Add, change and delete rooms and sessions. Emits programme_changed(old, new) after each
    stored change; old and new name a renamed room, both "" otherwise."""

    programme_changed = Signal(str, str)

    def __init__(self, workers: Workers, db: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Programme: rooms and sessions")
        self._workers, self._db = workers, db
        self._tz: dt.tzinfo = dt.timezone.utc
        self._days: tuple[dt.date, ...] = ()
        self._kind = "rooms"  # the table Insert and Del act on: the one used last
        self._select: tuple[str, object] | None = None
        self._on_confirm: Callable[[], None] | None = None
        self.loads = 0  # sheets shown (tests wait on it)

        self.room_model = ListTableModel([
            ("Room", lambda r: r.name), ("Seats", lambda r: r.capacity),
            ("When full", lambda r: "refuse entry" if r.full_policy.value == "refuse" else "warn only")], self)
        self.session_model = ListTableModel([
            ("Day", lambda e: f"{e.session.start.astimezone(self._tz):%a %d %b}"),
            ("Time", lambda e: f"{e.session.start.astimezone(self._tz):%H:%M}–{e.session.end.astimezone(self._tz):%H:%M}"),
            ("Room", lambda e: e.session.room), ("Title", lambda e: e.session.title),
            ("Priority area", lambda e: e.session.priority_area), ("Topic", lambda e: e.session.topic)], self)
        self.room_table = table_view(self.room_model, row_height=34)
        self.session_table = table_view(self.session_model, row_height=34)
        # six rows without scrolling: a conference rarely has more rooms than that
        self.room_table.setFixedHeight(self.room_table.horizontalHeader().sizeHint().height() + 6 * 34 + 4)
        header = self.session_table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)  # the title takes what is left
        for column in (4, 5):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, 150)
        self.rooms_label = QLabel("Rooms", objectName="tableHeading")
        self.sessions_label = QLabel("Sessions", objectName="tableHeading")
        self.add_room_button = _button("Add room  (Insert)")
        self.delete_room_button = _button("Delete room  (Del)")
        self.add_session_button = _button("Add session  (Insert)")
        self.delete_session_button = _button("Delete session  (Del)")
        self.room_form, self.session_form = RoomForm(), SessionForm()
        self.forms = QStackedWidget()
        self.forms.addWidget(self.room_form)
        self.forms.addWidget(self.session_form)
        self.forms.setFixedWidth(420)
        self.confirm_label = QLabel(wordWrap=True)
        self.confirm_yes = _button("Delete  (Enter)")
        self.confirm_yes.setStyleSheet(f"background: {theme.RED}; color: white; font-weight: bold; padding: 0 16px;")
        self.confirm_no = _button("Keep  (Esc)")
        self.confirm_bar = self._confirm_bar()
        self.status_line = QLabel("Loading the programme…", objectName="status", wordWrap=True)
        self.close_button = _button("Close")
        self._layout()
        self._connect()
        self.resize(1340, 720)
        self.load()

    def _confirm_bar(self) -> QFrame:
        bar = QFrame(objectName="confirm")
        bar.setStyleSheet(f"QFrame#confirm {{ border: 2px solid {theme.RED}; border-radius: 6px; }}")
        row = QHBoxLayout(bar)
        row.addWidget(self.confirm_label, 1)
        row.addWidget(self.confirm_yes)
        row.addWidget(self.confirm_no)
        bar.setVisible(False)
        return bar

    def _layout(self) -> None:
        self.setStyleSheet("QLabel#tableHeading { font-size: 14pt; font-weight: bold; }")
        room_buttons = QHBoxLayout()
        room_buttons.addWidget(self.rooms_label, 1)
        room_buttons.addWidget(self.add_room_button)
        room_buttons.addWidget(self.delete_room_button)
        session_buttons = QHBoxLayout()
        session_buttons.addWidget(self.sessions_label, 1)
        session_buttons.addWidget(self.add_session_button)
        session_buttons.addWidget(self.delete_session_button)
        left = QVBoxLayout()
        left.addLayout(room_buttons)
        left.addWidget(self.room_table)
        left.addLayout(session_buttons)
        left.addWidget(self.session_table, 1)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addWidget(self.forms)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status_line, 1)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.confirm_bar)
        layout.addLayout(bottom)

    def _connect(self) -> None:
        for table, kind in ((self.room_table, "rooms"), (self.session_table, "sessions")):
            table.installEventFilter(self)
            table.doubleClicked.connect(lambda _i, kind=kind: self.edit_selected(kind))
            table.selectionModel().currentRowChanged.connect(lambda cur, _prev, kind=kind: self._show_row(kind, cur.row()))
            # Del on a table only: in a form field it deletes characters
            QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), table, activated=lambda kind=kind: self.ask_delete(kind),
                      context=Qt.ShortcutContext.WidgetShortcut)
        self.add_room_button.clicked.connect(lambda: self.add("rooms"))
        self.add_session_button.clicked.connect(lambda: self.add("sessions"))
        self.delete_room_button.clicked.connect(lambda: self.ask_delete("rooms"))
        self.delete_session_button.clicked.connect(lambda: self.ask_delete("sessions"))
        QShortcut(QKeySequence("Insert"), self, activated=lambda: self.add(self._kind))
        for form in (self.room_form, self.session_form):
            form.save_requested.connect(self.save)
            form.cancel_requested.connect(self._leave_form)
        self.confirm_yes.clicked.connect(self._confirmed)
        self.confirm_no.clicked.connect(self._hide_confirm)
        self.close_button.clicked.connect(self.close)

    # --- loading ---------------------------------------------------------------------
    def load(self) -> None:
        """Read the programme (on a worker) and show it."""
        self._workers.submit(lambda _h: svc.load_programme_sheet(self._db), write=False,
                             on_done=self._on_sheet, on_error=self._on_error)

    def _on_sheet(self, sheet: svc.ProgrammeSheet) -> None:
        self._tz, self._days = sheet.tz, sheet.event_days
        self.session_form.set_choices([r.name for r in sheet.rooms], sheet.priority_areas, sheet.topics, sheet.tz)
        self.room_model.set_rows(sheet.rooms)
        self.session_model.set_rows(sheet.sessions)
        self.rooms_label.setText(f"Rooms ({len(sheet.rooms)})")
        self.sessions_label.setText(f"Sessions ({len(sheet.sessions)})")
        if self.status_line.text().startswith("Loading"):
            self.status_line.setText("Insert adds, Enter edits, Del deletes. Times are the event's local time.")
        kind, key = self._select or (self._kind, None)
        self._select = None
        if key is not None:
            model, table = self._parts(kind)
            getter = (lambda r: r.name) if kind == "rooms" else (lambda e: e.id)
            row = next((i for i, r in enumerate(model.rows()) if getter(r) == key), -1)
            if row >= 0:
                table.selectRow(row)
        self.loads += 1

    # --- choosing and editing ----------------------------------------------------------
    def _parts(self, kind: str) -> tuple[ListTableModel, QTableView]:
        return (self.room_model, self.room_table) if kind == "rooms" else (self.session_model, self.session_table)

    def _form(self, kind: str) -> FormPanel:
        return self.room_form if kind == "rooms" else self.session_form

    def _use(self, kind: str) -> None:
        self._kind = kind
        self.forms.setCurrentWidget(self._form(kind))

    def _selected(self, kind: str) -> Any | None:
        model, table = self._parts(kind)
        rows = table.selectionModel().selectedRows()
        return model.row_at(rows[0].row()) if rows else None

    def _show_row(self, kind: str, row: int) -> None:
        self._use(kind)
        model, _table = self._parts(kind)
        if 0 <= row < model.rowCount():
            self._form(kind).load(model.row_at(row))

    def add(self, kind: str) -> None:
        """An empty form for a new room or session, focused."""
        self._use(kind)
        if kind == "rooms":
            self.room_form.load(None)
        else:
            first = self._days[1] if len(self._days) > 1 else self._days[0] if self._days else dt.date.today()
            self.session_form.load(None, dt.datetime.combine(first, dt.time(9, 0)))
        self._parts(kind)[1].clearSelection()
        self._form(kind).first_field().setFocus()

    def edit_selected(self, kind: str) -> None:
        """Open the selected row in its form, focused (Enter on a table)."""
        item = self._selected(kind)
        if item is None:
            self.add(kind)
            return
        self._use(kind)
        self._form(kind).load(item)
        self._form(kind).first_field().setFocus()

    def _leave_form(self) -> None:
        item = self._selected(self._kind)
        self._form(self._kind).load(item)
        self._parts(self._kind)[1].setFocus()

    def save(self) -> None:
        """Send the visible form to the service (on the writer); problems come back by field."""
        kind = self._kind
        if kind == "rooms":
            original, values = self.room_form.original, self.room_form.values()
            job = lambda _h: svc.save_room(self._db, original, values)  # noqa: E731
        else:
            session_id, values = self.session_form.session_id, self.session_form.values()
            job = lambda _h: svc.save_session(self._db, session_id, values)  # noqa: E731
        self.status_line.setText("Saving…")
        self._workers.submit(job, on_done=lambda edit: self._on_saved(kind, edit), on_error=self._on_error)

    def _on_saved(self, kind: str, edit: svc.ProgrammeEdit) -> None:
        if not edit.ok and edit.errors:
            # the sentences stand beside their fields; the status line only points there
            self._show_edit(svc.ProgrammeEdit(False, "Not saved: see the problems beside the fields."))
            self._form(kind).show_errors(edit.errors)
            return
        self._show_edit(edit)
        if not edit.ok:
            return
        key = self.room_form.values()["room"] if kind == "rooms" else self.session_form.session_id
        self._select = (kind, str(key).strip() if kind == "rooms" else key)
        self._changed(edit)
        self._parts(kind)[1].setFocus()

    # --- deleting --------------------------------------------------------------------
    def ask_delete(self, kind: str) -> None:
        """Ask before deleting the selected room or session (Enter deletes, Esc keeps)."""
        self._use(kind)
        item = self._selected(kind)
        if item is None:
            self.status_line.setText("Select a row to delete first.")
            return
        if kind == "rooms":
            name = item.name
            self.confirm_label.setText(f"Delete the room “{name}”? This cannot be undone.")
            self._on_confirm = lambda: self._delete(lambda _h: svc.delete_room(self._db, name))
        else:
            entry_id, title = item.id, item.session.title
            self.confirm_label.setText(f"Delete the session “{title}”? This cannot be undone.")
            self._on_confirm = lambda: self._delete(lambda _h: svc.delete_session(self._db, entry_id))
        self.status_line.setText("")
        self.confirm_bar.setVisible(True)
        self.confirm_yes.setFocus()

    def _confirmed(self) -> None:
        action, self._on_confirm = self._on_confirm, None
        self._hide_confirm()
        if action is not None:
            action()

    def _hide_confirm(self) -> None:
        self.confirm_bar.setVisible(False)
        self._on_confirm = None
        self._parts(self._kind)[1].setFocus()

    def _delete(self, job: Callable[[Any], svc.ProgrammeEdit]) -> None:
        self.status_line.setText("Deleting…")
        self._workers.submit(job, on_done=self._on_deleted, on_error=self._on_error)

    def _on_deleted(self, edit: svc.ProgrammeEdit) -> None:
        self._show_edit(edit)
        if edit.ok:
            self._changed(edit)

    # --- after a change --------------------------------------------------------------
    def _changed(self, edit: svc.ProgrammeEdit) -> None:
        old, new = edit.renamed or ("", "")
        self.load()
        self.programme_changed.emit(old, new)

    def _show_edit(self, edit: svc.ProgrammeEdit) -> None:
        mark, colour = ("✔", theme.GREEN) if edit.ok else ("⚠", theme.RED)
        self.status_line.setText(f"{mark} {edit.message}")
        self.status_line.setStyleSheet(f"color: {colour}; font-weight: bold;")

    def _on_error(self, message: str) -> None:
        self.status_line.setText(f"⚠ {message}")
        self.status_line.setStyleSheet(f"color: {theme.RED}; font-weight: bold;")

    # --- keys ------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched in (self.room_table, self.session_table):
            kind = "rooms" if watched is self.room_table else "sessions"
            if event.type() == QEvent.Type.FocusIn:
                self._use(kind)
            elif event.type() == QEvent.Type.KeyPress and event.key() in _ENTER:
                # handled here, not through `activated`: the view would pass Enter on to the
                # dialog, which would then find the focus in the form and save it
                self.edit_selected(kind)
                return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        # Fields and tables pass Enter and Esc up to here; what they mean depends on where the focus is.
        focus = self.focusWidget()
        in_form = focus is not None and self.forms.isAncestorOf(focus)
        if self.confirm_bar.isVisible() and event.key() in _ENTER:
            self._confirmed()
        elif self.confirm_bar.isVisible() and event.key() == Qt.Key.Key_Escape:
            self._hide_confirm()
        elif event.key() in _ENTER and in_form:
            self.save()
        elif event.key() == Qt.Key.Key_Escape and in_form:
            self._leave_form()
        elif event.key() not in _ENTER:  # a stray Enter must not press any button
            super().keyPressEvent(event)
