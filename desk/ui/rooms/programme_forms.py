"""The programme editor's two forms: one room, one session, each field with its problem beside it.

A form only gathers what was typed and shows what the service answered; the checks (names
taken, clashes, event days) live in desk.core.rooms.programme and come back by field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QTime, Signal
from PySide6.QtWidgets import (
    QComboBox, QDateTimeEdit, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout,
    QWidget,
)

from desk.ui.common import theme

FIELD_HEIGHT = 38


class FormPanel(QWidget):
    """Heading, labelled fields with an error line under each, Save and Cancel buttons."""

    save_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, save_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel(objectName="formHeading")
        self.heading.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.heading.setWordWrap(True)
        self.errors: dict[str, QLabel] = {}
        self._form = QFormLayout()
        self._form.setVerticalSpacing(2)
        self.save_button = QPushButton(save_text)
        self.cancel_button = QPushButton("Cancel  (Esc)")
        for button in (self.save_button, self.cancel_button):
            # no dialog default button: Enter is routed by the editor, never to a stray button
            button.setAutoDefault(False)
            button.setMinimumHeight(44)
        self.save_button.clicked.connect(self.save_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button, 2)
        buttons.addWidget(self.cancel_button, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addLayout(self._form)
        layout.addLayout(buttons)
        layout.addStretch(1)

    def add_field(self, name: str, label: str, widget: QWidget) -> None:
        """A field, and under it the (hidden until needed) sentence of what is wrong with it."""
        widget.setMinimumHeight(FIELD_HEIGHT)
        error = QLabel(objectName=f"error_{name}")
        error.setWordWrap(True)
        error.setStyleSheet(f"color: {theme.RED}; font-weight: bold;")
        error.setVisible(False)
        self.errors[name] = error
        self._form.addRow(label, widget)
        self._form.addRow("", error)

    def show_errors(self, errors: dict[str, str]) -> None:
        """Show each problem beside its field (a warning sign and words, not only red)."""
        for name, label in self.errors.items():
            text = errors.get(name, "")
            label.setText(f"⚠ {text}" if text else "")
            label.setVisible(bool(text))

    def first_field(self) -> QWidget:
        """The field that takes the focus when the form opens."""
        raise NotImplementedError


class RoomForm(FormPanel):
    """Name, certified capacity and what the door does when the room is full."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Save room  (Enter)", parent)
        self.original: str | None = None
        self.name_edit = QLineEdit(placeholderText="e.g. Europa")
        self.capacity_box = QSpinBox()
        self.capacity_box.setRange(1, 10000)
        self.capacity_box.setSuffix(" seats")
        self.policy_box = QComboBox()
        self.policy_box.addItem("Refuse entry", "refuse")
        self.policy_box.addItem("Warn only (let in)", "warn")
        self.add_field("room", "Name", self.name_edit)
        self.add_field("capacity", "Capacity", self.capacity_box)
        self.add_field("full_policy", "When full", self.policy_box)
        self.load(None)

    def load(self, room: Any | None) -> None:
        """Show `room` for editing, or an empty form for a new one."""
        self.original = room.name if room is not None else None
        self.heading.setText(f"Room “{room.name}”" if room is not None else "New room")
        self.name_edit.setText(room.name if room is not None else "")
        self.capacity_box.setValue(room.capacity if room is not None else 50)
        policy = room.full_policy.value if room is not None else "refuse"
        self.policy_box.setCurrentIndex(max(0, self.policy_box.findData(policy)))
        self.show_errors({})

    def values(self) -> dict[str, object]:
        """What the form holds, with the import's field names."""
        return {"room": self.name_edit.text(), "capacity": self.capacity_box.value(),
                "full_policy": self.policy_box.currentData()}

    def first_field(self) -> QWidget:
        return self.name_edit


def _time_edit() -> QDateTimeEdit:
    edit = QDateTimeEdit()
    edit.setDisplayFormat("ddd dd MMM yyyy  HH:mm")
    edit.setCalendarPopup(True)
    return edit


def _qt(stamp: dt.datetime) -> QDateTime:
    return QDateTime(QDate(stamp.year, stamp.month, stamp.day), QTime(stamp.hour, stamp.minute))


class SessionForm(FormPanel):
    """Title, priority area and horizontal topic (a list or free text), room, start and end
    in the event's local time."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Save session  (Enter)", parent)
        self.session_id: int | None = None
        self.tz: dt.tzinfo = dt.timezone.utc
        self.title_edit = QLineEdit(placeholderText="e.g. Circular economy: Skills for smart industries")
        self.area_box = QComboBox(editable=True)
        self.topic_box = QComboBox(editable=True)
        for box in (self.area_box, self.topic_box):
            box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)  # free text is saved, not added to the list
        self.room_box = QComboBox()
        self.start_edit = _time_edit()
        self.end_edit = _time_edit()
        self.add_field("title", "Title", self.title_edit)
        self.add_field("priority_area", "Priority area", self.area_box)
        self.add_field("topic", "Topic", self.topic_box)
        self.add_field("room", "Room", self.room_box)
        self.add_field("start", "Starts", self.start_edit)
        self.add_field("end", "Ends", self.end_edit)
        self.start_edit.dateTimeChanged.connect(self._keep_end_after_start)
        self._start_before = self.start_edit.dateTime()

    def set_choices(self, rooms: list[str], areas: tuple[str, ...], topics: tuple[str, ...], tz: dt.tzinfo) -> None:
        """The rooms, priority areas and topics to offer, and the zone times are shown in."""
        self.tz = tz
        for box, items in ((self.room_box, rooms), (self.area_box, ("", *areas)), (self.topic_box, ("", *topics))):
            text = box.currentText()
            box.clear()
            box.addItems(list(items))
            if box.isEditable():
                box.setCurrentText(text)
            else:
                box.setCurrentIndex(max(0, box.findText(text)))

    def load(self, entry: Any | None, default_start: dt.datetime | None = None) -> None:
        """Show a SessionEntry for editing, or an empty form starting at `default_start`."""
        s = entry.session if entry is not None else None
        self.session_id = entry.id if entry is not None else None
        self.heading.setText(f"Session “{s.title}”" if s else "New session")
        self.title_edit.setText(s.title if s else "")
        self.area_box.setCurrentText(s.priority_area if s else "")
        self.topic_box.setCurrentText(s.topic if s else "")
        if s is not None:
            self.room_box.setCurrentIndex(max(0, self.room_box.findText(s.room)))
        start = s.start.astimezone(self.tz) if s else default_start
        if start is not None:
            end = s.end.astimezone(self.tz) if s else start + dt.timedelta(minutes=90)
            self.start_edit.setDateTime(_qt(start))
            self.end_edit.setDateTime(_qt(end))
        for line in (self.title_edit, self.area_box.lineEdit(), self.topic_box.lineEdit()):
            line.setCursorPosition(0)  # long titles show their beginning
        self.show_errors({})

    def _keep_end_after_start(self, start: QDateTime) -> None:
        # moving the start moves the end with it: the session keeps its length
        shift = self._start_before.secsTo(start)
        self._start_before = start
        self.end_edit.setDateTime(self.end_edit.dateTime().addSecs(shift))

    def values(self) -> dict[str, object]:
        """What the form holds; times are naive, meaning the event's local time."""
        return {"title": self.title_edit.text(), "priority_area": self.area_box.currentText(),
                "topic": self.topic_box.currentText(), "room": self.room_box.currentText(),
                "start": self.start_edit.dateTime().toPython(), "end": self.end_edit.dateTime().toPython()}

    def first_field(self) -> QWidget:
        return self.title_edit
