"""Ask for the key of an encrypted local database when the window starts (not in a log, not echoed)."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget

TITLE = "Database key"


def ask_database_key(problem: str = "", parent: QWidget | None = None) -> str | None:
    """The key typed by the person, or None when they closed the question."""
    lead = f"{problem}\n\n" if problem else ""
    key, ok = QInputDialog.getText(
        parent, TITLE, f"{lead}This desk's database is encrypted.\nType its key and press Enter:",
        QLineEdit.EchoMode.Password)
    return key if ok and key else None
