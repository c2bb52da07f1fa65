"""This desk's settings, edited by a person rather than in a file."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget,
)

from desk.config import Settings

RESOLUTIONS = ((1280, 720), (1920, 1080), (640, 480))


class SettingsDialog(QDialog):
    """Desk name, portal feed, database, camera and sound; saved when the person says OK.

    The camera and the feed are used from the next scan or sync on; the database from the
    next start (the window says so).
    """

    def __init__(self, settings: Settings, save: Callable[[Settings], Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Desk settings")
        self.setMinimumWidth(680)
        self._settings, self._save = settings, save
        self.desk_name = QLineEdit(settings.desk_name)
        self.feed_url = QLineEdit(settings.feed_url, placeholderText="https://portal.example.eu/api")
        self.feed_token = QLineEdit(settings.feed_token)
        self.feed_token.setEchoMode(QLineEdit.EchoMode.Password)
        self.db_url = QLineEdit(settings.db_url, placeholderText="empty: this computer's own database file")
        self.camera = QLineEdit(settings.camera, placeholderText="0 = the built-in webcam; 'off' for none")
        self.resolution = QComboBox()
        # item data is "WxH" text: Qt does not carry Python tuples through item data
        for w, h in RESOLUTIONS:
            self.resolution.addItem(f"{w} × {h}", f"{w}x{h}")
        current = self.resolution.findData(f"{settings.camera_width}x{settings.camera_height}")
        if current < 0:
            self.resolution.addItem(f"{settings.camera_width} × {settings.camera_height}",
                                    f"{settings.camera_width}x{settings.camera_height}")
            current = self.resolution.count() - 1
        self.resolution.setCurrentIndex(current)
        self.sound = QCheckBox("Play a sound with every answer")
        self.sound.setChecked(settings.sound)
        self.problem = QLabel(objectName="status", wordWrap=True)

        form = QFormLayout()
        form.addRow("Desk name", self.desk_name)
        form.addRow("Portal feed address", self.feed_url)
        form.addRow("Portal feed token", self.feed_token)
        form.addRow("Database (hub) address", self.db_url)
        form.addRow("Camera", self.camera)
        form.addRow("Camera resolution", self.resolution)
        form.addRow("", self.sound)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setDefault(True)  # Enter saves
        buttons.accepted.connect(self._on_ok)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("A new database address is used from the next start of desk.", objectName="status"))
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def edited(self) -> Settings:
        """The settings as the form now stands (the original is left untouched)."""
        width, height = (int(v) for v in self.resolution.currentData().split("x"))
        return dataclasses.replace(
            self._settings, desk_name=self.desk_name.text().strip(), feed_url=self.feed_url.text().strip(),
            feed_token=self.feed_token.text().strip(), db_url=self.db_url.text().strip(),
            camera=self.camera.text().strip() or "0", camera_width=width, camera_height=height,
            sound=self.sound.isChecked(), warnings=[],
        )

    def _on_ok(self) -> None:
        edited = self.edited()
        if not edited.desk_name:
            self.problem.setText("⚠ Give this desk a name: it is written with every check-in and print.")
            self.desk_name.setFocus()
            return
        if edited.feed_url and not edited.feed_url.startswith(("http://", "https://")):
            self.problem.setText("⚠ The portal feed address starts with https:// (or http://).")
            self.feed_url.setFocus()
            return
        # The pages hold this same Settings object: update it in place, then save the file.
        for field in dataclasses.fields(Settings):
            if field.name != "warnings":
                setattr(self._settings, field.name, getattr(edited, field.name))
        self._save(self._settings)
        self.accept()
