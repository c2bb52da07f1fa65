"""A tab whose page is built after the window is on the screen (start-up time).

The entrance page is built with the window; the other tabs (badges, door, matchmaking)
import reportlab, OpenCV, OR-Tools and pandas, which cost more than a second together.
Each of them sits in a `DeferredPage` until it is first shown or until the window has
settled, whichever comes first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class DeferredPage(QWidget):
    """Holds the place of a page in the tabs; `ensure_built()` makes the page."""

    built = Signal(object)  # the page, once it exists

    def __init__(self, build: Callable[[], QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build = build
        self.page: QWidget | None = None
        self._placeholder = QLabel("Opening…", objectName="status")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._placeholder)

    def ensure_built(self) -> QWidget:
        """Build the page now if it was not built yet; return it."""
        if self.page is None:
            self.page = self._build()
            self._placeholder.hide()
            self.layout().addWidget(self.page)
            self.built.emit(self.page)
        return self.page

    def showEvent(self, event: Any) -> None:  # noqa: N802
        self.ensure_built()
        super().showEvent(event)
