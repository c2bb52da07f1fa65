"""The first screen on a database without an event: New event… or Open the demo event."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QVBoxLayout, QWidget

NEW_EVENT = 1
DEMO = 2


class EventChooser(QDialog):
    """Two big choices; the dialog's result is NEW_EVENT, DEMO, or 0 (closed: quit)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("desk — no event yet")
        title = QLabel("This database has no event yet.", objectName="chooserTitle")
        title.setStyleSheet("font-size: 18pt; font-weight: bold;")
        text = QLabel("Create your event (its days, time zone and seats) and then import its registrations, "
                      "or look around in the demo event first.", wordWrap=True)
        self.new_event = QPushButton("New event…", objectName="primary")
        self.demo = QPushButton("Open the demo event")
        for button in (self.new_event, self.demo):
            button.setMinimumHeight(48)
        self.new_event.setDefault(True)
        self.new_event.clicked.connect(lambda: self.done(NEW_EVENT))
        self.demo.clicked.connect(lambda: self.done(DEMO))
        layout = QVBoxLayout(self)
        layout.addWidget(title, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(text)
        layout.addSpacing(12)
        layout.addWidget(self.new_event)
        layout.addWidget(self.demo)
        self.resize(520, 260)
