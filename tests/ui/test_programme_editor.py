"""The programme editor as an organiser uses it: keys, forms, problems beside the fields."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate, QDateTime, Qt, QTime

from desk.services.demo.event import install_demo
from desk.services.rooms.programme import install_demo_programme
from desk.ui.rooms.programme_editor import ProgrammeEditor
from desk.ui.common.workers import Workers

START = dt.date(2016, 11, 30)
TIMEOUT_MS = 5000


@pytest.fixture
def editor(qtbot, db):
    install_demo(db, START)
    install_demo_programme(db, START)
    workers = Workers()
    dialog = ProgrammeEditor(workers, db)
    qtbot.addWidget(dialog)
    dialog.resize(1366, 768)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.loads == 1, timeout=TIMEOUT_MS)
    yield dialog
    workers.shutdown()


def reloaded(qtbot, dialog: ProgrammeEditor, before: int) -> None:
    qtbot.waitUntil(lambda: dialog.loads > before, timeout=TIMEOUT_MS)


def row_of(dialog: ProgrammeEditor, title: str) -> int:
    return next(i for i, e in enumerate(dialog.session_model.rows()) if e.session.title == title)


def when(day: int, hour: int, minute: int = 0) -> QDateTime:
    return QDateTime(QDate(2016, 12, day), QTime(hour, minute))


def test_both_tables_show_the_programme(editor) -> None:
    assert editor.rooms_label.text() == "Rooms (5)" and editor.sessions_label.text() == "Sessions (19)"
    assert [editor.room_model.data(editor.room_model.index(1, c)) for c in range(3)] == ["Europa", "80", "refuse entry"]
    first = [editor.session_model.data(editor.session_model.index(0, c)) for c in range(4)]
    assert first == ["Thu 01 Dec", "09:00–10:30", "Grand Ballroom",
                     "Opening plenary: clusters for Europe's industrial modernisation"]


def test_insert_adds_a_room_and_a_taken_name_is_named_beside_the_field(qtbot, editor) -> None:
    editor.room_table.setFocus()
    qtbot.keyClick(editor.room_table, Qt.Key.Key_Insert)
    form = editor.room_form
    assert form.heading.text() == "New room" and form.name_edit.hasFocus()
    qtbot.keyClicks(form.name_edit, "europa")
    qtbot.keyClick(form.name_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.errors["room"].isVisible(), timeout=TIMEOUT_MS)
    assert form.errors["room"].text() == "⚠ There is already a room called 'Europa'."
    form.name_edit.setText("Orangerie")
    form.capacity_box.setValue(25)
    form.policy_box.setCurrentIndex(form.policy_box.findData("warn"))
    before = editor.loads
    qtbot.keyClick(form.capacity_box, Qt.Key.Key_Return)  # Enter saves from any field of the form
    reloaded(qtbot, editor, before)
    assert editor.status_line.text() == "✔ Room 'Orangerie' added (25 seats)."
    assert editor.rooms_label.text() == "Rooms (6)" and not form.errors["room"].isVisible()
    assert editor.room_model.rows()[-1].full_policy.value == "warn"


def test_a_room_with_sessions_is_not_deleted_and_says_how_many(qtbot, editor) -> None:
    editor.room_table.setFocus()
    editor.room_table.selectRow(2)  # Atrium
    qtbot.keyClick(editor.room_table, Qt.Key.Key_Delete)
    assert editor.confirm_bar.isVisible() and "Delete the room “Atrium”?" in editor.confirm_label.text()
    qtbot.keyClick(editor.confirm_yes, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "session(s)" in editor.status_line.text(), timeout=TIMEOUT_MS)
    assert editor.status_line.text() == ("⚠ 'Atrium' has 4 session(s): move them to another room "
                                         "or delete them first.")
    assert editor.room_model.rowCount() == 5 and not editor.confirm_bar.isVisible()


def test_a_clash_names_the_other_session_and_other_days_are_refused(qtbot, editor) -> None:
    editor.session_table.setFocus()
    qtbot.keyClick(editor.session_table, Qt.Key.Key_Insert)
    form = editor.session_form
    assert form.heading.text() == "New session" and form.title_edit.hasFocus()
    qtbot.keyClicks(form.title_edit, "Skills lab")
    form.area_box.setCurrentText("Circular economy")
    form.room_box.setCurrentIndex(form.room_box.findText("Europa"))
    form.start_edit.setDateTime(when(1, 12))
    form.end_edit.setDateTime(when(1, 13))
    qtbot.keyClick(form.title_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.errors["room"].isVisible(), timeout=TIMEOUT_MS)
    assert form.errors["room"].text() == ("⚠ Europa already has 'Smart manufacturing & digital transformation: "
                                          "Cross-sectoral value-chain linkages' then (Thu 01 Dec 11:00–12:30).")
    form.start_edit.setDateTime(QDateTime(QDate(2016, 12, 5), QTime(12, 0)))  # the end moves along
    qtbot.keyClick(form.title_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.errors["start"].isVisible(), timeout=TIMEOUT_MS)
    assert form.errors["start"].text() == ("⚠ Mon 05 Dec 2016 is not an event day: sessions can be on "
                                           "Wed 30 Nov 2016 or Thu 01 Dec 2016 or Fri 02 Dec 2016.")
    assert not form.errors["room"].isVisible()
    form.start_edit.setDateTime(when(2, 14))
    before = editor.loads
    qtbot.keyClick(form.title_edit, Qt.Key.Key_Return)
    reloaded(qtbot, editor, before)
    assert editor.status_line.text() == "✔ Session 'Skills lab' saved: Europa, Fri 02 Dec 14:00–15:00."
    assert editor.sessions_label.text() == "Sessions (20)"


def test_enter_edits_a_session_and_del_deletes_it_after_confirmation(qtbot, editor) -> None:
    title = "Circular economy: Skills for smart industries"
    editor.session_table.setFocus()
    editor.session_table.selectRow(row_of(editor, title))
    qtbot.keyClick(editor.session_table, Qt.Key.Key_Return)
    form = editor.session_form
    assert form.title_edit.hasFocus() and form.title_edit.text() == title
    form.title_edit.setText("Circular economy: skills for the circular economy")
    before = editor.loads
    qtbot.keyClick(form.title_edit, Qt.Key.Key_Return)
    reloaded(qtbot, editor, before)
    row = row_of(editor, "Circular economy: skills for the circular economy")
    assert editor.session_table.selectionModel().selectedRows()[0].row() == row  # still on the edited row
    assert editor.session_table.hasFocus()
    qtbot.keyClick(editor.session_table, Qt.Key.Key_Delete)
    qtbot.keyClick(editor.confirm_yes, Qt.Key.Key_Escape)  # Esc keeps it
    assert not editor.confirm_bar.isVisible() and editor.session_model.rowCount() == 19
    qtbot.keyClick(editor.session_table, Qt.Key.Key_Delete)
    before = editor.loads
    qtbot.keyClick(editor.confirm_yes, Qt.Key.Key_Return)
    reloaded(qtbot, editor, before)
    assert editor.status_line.text() == "✔ Session 'Circular economy: skills for the circular economy' deleted."
    assert editor.sessions_label.text() == "Sessions (18)"
