"""This desk's settings, edited by a person rather than in a file.

The system's printers are listed on a worker (asking CUPS can take a while); the list fills
in when they arrive, and the desk's current printer is always offered.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
    QPushButton, QVBoxLayout, QWidget,
)

from desk.config import Settings

RESOLUTIONS = ((1280, 720), (1920, 1080), (640, 480))
LAYOUTS = {"a6": "A6 insert", "label-4x3": "4 x 3 in label", "a4-sheet": "A4 sheet of 4", "foldover": "Fold-over"}
FOLDER = "folder:"


def printer_label(choice: str) -> str:
    """How a printer choice reads in a list: a system printer's name, or the PDF folder."""
    if not choice:
        return "PDF folder (in desk's data folder)"
    if choice.startswith(FOLDER):
        path = choice[len(FOLDER):].rstrip("/")
        return f"PDF folder: {path.rsplit('/', 1)[-1] or path}"  # the whole path is in the tooltip
    return choice


class SettingsDialog(QDialog):
    """Desk name, portal feed, database, camera, printer, badge layout, print on check-in and
    sound; saved when the person says OK.

    The camera and the feed are used from the next scan or sync on; the database from the
    next start (the window says so).
    """

    def __init__(self, settings: Settings, save: Callable[[Settings], Any], parent: QWidget | None = None, *,
                 workers: Any = None, list_printers: Callable[[], list[str]] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Desk settings")
        self.setMinimumWidth(680)
        self._settings, self._save = settings, save
        self.desk_name = QLineEdit(settings.desk_name)
        self.feed_url = QLineEdit(settings.feed_url, placeholderText="https://portal.example.eu/api")
        self.feed_token = QLineEdit(settings.feed_token)
        self.feed_token.setEchoMode(QLineEdit.EchoMode.Password)
        self.db_url = QLineEdit(settings.db_url, placeholderText="empty: this computer's own database file")
        self.hub_url = QLineEdit(settings.hub_url,
                                 placeholderText="postgresql://desk@10.0.0.2/event — empty: this desk works alone")
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
        self.printer = QComboBox()
        # long printer names and folders are elided in the list, not widening the dialog
        self.printer.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.printer.setMinimumContentsLength(30)
        self._add_printer("")
        if settings.printer:
            self._add_printer(settings.printer)
        self.printer.setCurrentIndex(self.printer.count() - 1)
        self.folder_button = QPushButton("PDF folder…")
        self.folder_button.setAutoDefault(False)  # Enter in the form saves; it never opens a file dialog
        self.layout_box = QComboBox()
        for name, label in LAYOUTS.items():
            self.layout_box.addItem(label, name)
        if self.layout_box.findData(settings.badge_layout) < 0:
            self.layout_box.addItem(settings.badge_layout, settings.badge_layout)
        self.layout_box.setCurrentIndex(self.layout_box.findData(settings.badge_layout))
        self.print_on_checkin = QCheckBox("Print the badge when a person checks in")
        self.print_on_checkin.setChecked(settings.print_on_checkin)
        self.sound = QCheckBox("Play a sound with every answer")
        self.sound.setChecked(settings.sound)
        self.problem = QLabel(objectName="status", wordWrap=True)

        form = QFormLayout()
        form.addRow("Desk name", self.desk_name)
        form.addRow("Portal feed address", self.feed_url)
        form.addRow("Portal feed token", self.feed_token)
        form.addRow("Hub address", self.hub_url)
        form.addRow("Database address", self.db_url)
        form.addRow("Camera", self.camera)
        form.addRow("Camera resolution", self.resolution)
        printer_row = QHBoxLayout()
        printer_row.addWidget(self.printer, 1)
        printer_row.addWidget(self.folder_button)
        form.addRow("Badge printer", printer_row)
        form.addRow("Badge layout", self.layout_box)
        form.addRow("", self.print_on_checkin)
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
        self.folder_button.clicked.connect(self._on_folder_clicked)
        if workers is not None and list_printers is not None:
            workers.submit(lambda _h: list_printers(), write=False, on_done=self.add_printers,
                           on_error=lambda message: self.problem.setText(f"⚠ No system printers listed: {message}"))

    def add_printers(self, names: list[str]) -> None:
        """Offer the system's printers (the current choice stays selected)."""
        for name in names:
            if self.printer.findData(name) < 0:
                self._add_printer(name)

    def _add_printer(self, choice: str) -> None:
        self.printer.addItem(printer_label(choice), choice)
        self.printer.setItemData(self.printer.count() - 1, choice[len(FOLDER):] if choice.startswith(FOLDER)
                                 else choice or "printed-badges in desk's data folder", Qt.ItemDataRole.ToolTipRole)

    def choose_folder(self, folder: str) -> None:
        """Print badges as PDF files into `folder`."""
        choice = f"{FOLDER}{folder}"
        if self.printer.findData(choice) < 0:
            self._add_printer(choice)
        self.printer.setCurrentIndex(self.printer.findData(choice))

    def _on_folder_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for badge PDFs")
        if folder:
            self.choose_folder(folder)

    def edited(self) -> Settings:
        """The settings as the form now stands (the original is left untouched)."""
        width, height = (int(v) for v in self.resolution.currentData().split("x"))
        return dataclasses.replace(
            self._settings, desk_name=self.desk_name.text().strip(), feed_url=self.feed_url.text().strip(),
            feed_token=self.feed_token.text().strip(), db_url=self.db_url.text().strip(),
            hub_url=self.hub_url.text().strip(),
            camera=self.camera.text().strip() or "0", camera_width=width, camera_height=height,
            printer=str(self.printer.currentData() or ""), badge_layout=str(self.layout_box.currentData()),
            print_on_checkin=self.print_on_checkin.isChecked(), sound=self.sound.isChecked(), warnings=[],
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
        if edited.hub_url and not edited.hub_url.startswith(("postgresql://", "postgresql+psycopg://")):
            self.problem.setText("⚠ The hub address starts with postgresql:// (the hub is a PostgreSQL database).")
            self.hub_url.setFocus()
            return
        # The pages hold this same Settings object: update it in place, then save the file.
        for field in dataclasses.fields(Settings):
            if field.name != "warnings":
                setattr(self._settings, field.name, getattr(edited, field.name))
        self._save(self._settings)
        self.accept()
