"""Mapping an export's columns by hand: one choice per desk field, saved as a map file.

The form only shows and collects: what desk would read on its own comes from
`core.portalformats.suggest_columns`, and the TOML is written by the registrations service.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from desk.core.portal import COLUMNS, REQUIRED

NONE = "—  (not in this export)"


class ColumnMapDialog(QDialog):
    """A combo box per desk field listing the export's headers, preset to desk's own reading."""

    def __init__(self, headers: Sequence[str], suggested: Mapping[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Map the export's columns")
        self.boxes: dict[str, QComboBox] = {}
        form = QFormLayout()
        choices = [h for h in dict.fromkeys(headers) if h]
        for column in COLUMNS:
            box = QComboBox()
            box.addItem(NONE)
            guess = suggested.get(column, "")
            # a joined id ("Order code + Position ID") is offered as one choice
            box.addItems(choices + ([guess] if guess and guess not in choices else []))
            if guess:
                box.setCurrentText(guess)
            box.currentTextChanged.connect(self._check)
            label = column.replace("_", " ") + (" *" if column in REQUIRED else "")
            form.addRow(label, box)
            self.boxes[column] = box
        self.hint = QLabel(objectName="status")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Save map and import…")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Which column of the export holds each of desk's fields? "
                                "Statuses, days and categories are words you can add to the saved file."))
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self._check()

    def columns(self) -> dict[str, str]:
        """desk field → the header chosen for it (fields left at "not in this export" are out)."""
        return {c: box.currentText() for c, box in self.boxes.items() if box.currentText() != NONE}

    def _check(self, _text: str = "") -> None:
        chosen = self.columns()
        missing = [c for c in REQUIRED if c not in chosen]
        if "first_name" not in chosen and "last_name" not in chosen:
            missing.append("first or last name")
        self.hint.setText("Still needed: " + ", ".join(m.replace("_", " ") for m in missing) if missing else "")
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not missing)
