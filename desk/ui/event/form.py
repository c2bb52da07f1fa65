"""The event form (New event… and Desk ▸ Event…): name, venue, days on a calendar, time zone
with search, seats, per-organisation cap, deadline.

The form checks what a person can fix here (an empty name, no day, a zone desk does not know)
and hands an EventChanges to `save`, which runs on a worker; the dialog closes when it worked
and shows the reason when it did not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, QStringListModel, Qt, QTime
from PySide6.QtGui import QTextCharFormat
from PySide6.QtWidgets import (
    QCalendarWidget, QCheckBox, QCompleter, QDateTimeEdit, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
    QLabel, QLineEdit, QListWidget, QPushButton, QSpinBox, QVBoxLayout, QWidget,
)

from desk.services.event import EventChanges, EventSettings, zone_names


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


class EventForm(QDialog):
    """Create (settings None) or edit the event. `save(changes)` runs on a worker via `submit`."""

    def __init__(self, save: Callable[[EventChanges], EventSettings], submit: Callable[..., Any],
                 settings: EventSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._save, self._submit = save, submit
        self.saved: EventSettings | None = None
        self.setWindowTitle("New event" if settings is None else "Event")
        self.name = QLineEdit(placeholderText="European Cluster Conference 2016")
        self.venue = QLineEdit(placeholderText="Crowne Plaza Rogier, Brussels")
        self.calendar = QCalendarWidget()
        self.calendar.setGridVisible(True)
        self.calendar.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        self.calendar.clicked.connect(self.toggle_day)
        self.calendar.activated.connect(self.toggle_day)
        self.day_list = QListWidget()
        self.day_list.setMaximumWidth(150)
        remove = QPushButton("Remove day")
        remove.clicked.connect(self._remove_selected)
        self.zone = QLineEdit(placeholderText="type to search: brussels, sao paulo, tokyo…")
        completer = QCompleter(QStringListModel(zone_names(), self), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setMaxVisibleItems(12)
        self.zone.setCompleter(completer)
        self.seats = QSpinBox(minimum=1, maximum=1_000_000, value=250)
        self.per_organisation = QSpinBox(minimum=1, maximum=10_000, value=2)
        self.has_deadline = QCheckBox("Registration deadline")
        self.deadline = QDateTimeEdit(displayFormat="yyyy-MM-dd HH:mm", calendarPopup=True)
        self.deadline.setEnabled(False)
        for box in (self.seats, self.per_organisation, self.deadline):
            box.setMaximumWidth(220)
        self.has_deadline.toggled.connect(self.deadline.setEnabled)
        self.error = QLabel(objectName="formError", wordWrap=True)
        self.error.setStyleSheet("color: #b3261e; font-weight: bold;")
        self.error.setVisible(False)

        self.days: set[dt.date] = set()
        days_box = QHBoxLayout()
        days_box.addWidget(self.calendar, 1)
        side = QVBoxLayout()
        side.addWidget(QLabel("Chosen days\n(click or Enter on a day\nadds or removes it):"))
        side.addWidget(self.day_list, 1)
        side.addWidget(remove)
        days_box.addLayout(side)
        deadline_row = QHBoxLayout()
        deadline_row.addWidget(self.has_deadline)
        deadline_row.addWidget(self.deadline)
        deadline_row.addStretch(1)
        form = QFormLayout()
        form.addRow("&Name", self.name)
        form.addRow("&Venue", self.venue)
        form.addRow("Days", days_box)
        form.addRow("&Time zone", self.zone)
        form.addRow("&Seats", self.seats)
        form.addRow("At most per &organisation", self.per_organisation)
        form.addRow("", deadline_row)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Create event" if settings is None else "Save")
        self.ok.setObjectName("primary")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._editing = settings is not None
        self.deadline.setDateTime(QDateTime(QDate.currentDate(), QTime(23, 59)))
        if settings is not None:
            self._fill(settings)
        self.resize(760, 620)

    def _fill(self, settings: EventSettings) -> None:
        e = settings.event
        self.name.setText(e.name)
        self.venue.setText(e.venue)
        for day in e.days:
            self.toggle_day(_qdate(day))
        if e.days:
            self.calendar.setSelectedDate(_qdate(e.days[0]))
        self.zone.setText(settings.timezone)
        self.seats.setValue(e.seat_cap)
        self.per_organisation.setValue(e.per_organisation_cap)
        if e.registration_deadline is not None:
            local = e.registration_deadline.astimezone(ZoneInfo(settings.timezone))
            self.has_deadline.setChecked(True)
            self.deadline.setDateTime(QDateTime(_qdate(local.date()), QTime(local.hour, local.minute)))

    # --- days ---------------------------------------------------------------------------------

    def toggle_day(self, day: QDate) -> None:
        """Add the day to the event, or take it out when it is in already."""
        picked = _pydate(day)
        chosen = QTextCharFormat()
        if picked in self.days:
            self.days.discard(picked)
        else:
            self.days.add(picked)
            chosen.setBackground(Qt.GlobalColor.darkCyan)
            chosen.setForeground(Qt.GlobalColor.white)
            chosen.setFontWeight(700)
        self.calendar.setDateTextFormat(day, chosen)
        self._list_days()

    def _remove_selected(self) -> None:
        item = self.day_list.currentItem()
        if item is not None:
            self.toggle_day(_qdate(dt.date.fromisoformat(item.text())))

    def _list_days(self) -> None:
        self.day_list.clear()
        self.day_list.addItems([d.isoformat() for d in sorted(self.days)])

    # --- saving -------------------------------------------------------------------------------

    def problem(self) -> str | None:
        """What the person must fix before the event can be saved, or None."""
        from desk.services.event import EventError, check_zone  # noqa: PLC0415

        if not self.name.text().strip():
            return "The event needs a name."
        if not self.days:
            return "Pick at least one day on the calendar."
        try:
            check_zone(self.zone.text())
        except EventError:
            return f"'{self.zone.text().strip()}' is not a time zone desk knows: pick one from the list."
        return None

    def changes(self) -> EventChanges:
        zone = self.zone.text().strip()
        deadline = None
        if self.has_deadline.isChecked():
            when = self.deadline.dateTime()
            deadline = dt.datetime(when.date().year(), when.date().month(), when.date().day(),
                                   when.time().hour(), when.time().minute(), tzinfo=ZoneInfo(zone))
        return EventChanges(name=self.name.text().strip(), venue=self.venue.text().strip(),
                            days=tuple(sorted(self.days)), timezone=zone, seats=self.seats.value(),
                            per_organisation=self.per_organisation.value(), deadline=deadline)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))
        self.ok.setEnabled(True)

    def submit(self) -> None:
        """Check the form, then save on a worker; close once it is saved."""
        problem = self.problem()
        if problem:
            self.show_error(problem)
            return
        self.show_error("")
        self.ok.setEnabled(False)
        changes = self.changes()
        self._submit(lambda _h: self._save(changes), on_done=self._saved, on_error=self.show_error)

    def _saved(self, settings: EventSettings) -> None:
        self.saved = settings
        self.accept()
