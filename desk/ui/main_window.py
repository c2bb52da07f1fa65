"""The desk window: one tab per job at the desk."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QSettings
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QTabWidget, QWidget

from desk.ui.common.deferred_page import DeferredPage
from desk.ui.common.status_bar import ElidedLabel

from desk.ui.common.scan_burst import install_scan_bursts


class MainWindow(QMainWindow):
    """Tabs for the pages app.py hands in; Ctrl+1..9 switch between the shown ones.

    `show_only(titles)` keeps the tabs of the station's role (desk.core.roles): the others
    stay built (or waiting) out of sight, and come back when the role changes.
    """

    def __init__(self, title: str, pages: Sequence[tuple[str, QWidget]],
                 on_close: Callable[[], None] | None = None,
                 open_settings: Callable[[], None] | None = None,
                 open_event: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.setWindowTitle(title)
        self._on_close = on_close
        menu = self.desk_menu = self.menuBar().addMenu("&Desk")
        if open_event is not None:
            menu.addAction("&Event…", open_event)
        if open_settings is not None:
            menu.addAction("&Settings…", QKeySequence("Ctrl+,"), open_settings)
        menu.addAction("&Quit", QKeySequence("Ctrl+Q"), self.close)
        self.tabs = QTabWidget()
        self._pages = list(pages)
        for label, page in pages:
            self.tabs.addTab(page, label)
        self.setCentralWidget(self.tabs)
        # elided, never wider than its share: a long warning must not widen the window
        self.status_label = ElidedLabel()
        self.statusBar().addPermanentWidget(self.status_label)
        for i in range(min(9, len(pages))):
            QShortcut(QKeySequence(f"Ctrl+{i + 1}"), self, activated=lambda i=i: self.tabs.setCurrentIndex(i))
        install_scan_bursts()  # a handheld scanner's burst goes to the current tab, wherever the focus is
        self.resize(1280, 720)
        geometry = QSettings("desk", "desk").value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    def show_only(self, titles: Sequence[str]) -> None:
        """Show the tabs named in `titles` (in the window's order), hide the others; the current
        tab stays current when it is still shown."""
        current = self.tabs.currentWidget()
        wanted = [(label, page) for label, page in self._pages if label in titles]
        if [self.tabs.widget(i) for i in range(self.tabs.count())] == [page for _label, page in wanted]:
            return
        # hidden pages stay children of the tab stack: built pages keep their state meanwhile
        while self.tabs.count():
            self.tabs.removeTab(0)
        for label, page in wanted:
            self.tabs.addTab(page, label)
        if any(page is current for _label, page in wanted):
            self.tabs.setCurrentWidget(current)

    def shown_titles(self) -> list[str]:
        """The titles of the tabs shown now, in order."""
        return [self.tabs.tabText(i) for i in range(self.tabs.count())]

    def scan_target(self) -> QWidget | None:
        """The page a scanner burst typed anywhere in this window (or its dialogs) goes to: the current tab."""
        page = self.tabs.currentWidget()
        # a tab built after start-up holds its page in a DeferredPage: the scan is for the page
        return page.ensure_built() if isinstance(page, DeferredPage) else page

    def show_message(self, text: str) -> None:
        """A line in the status bar (database warnings, desk name...)."""
        self.status_label.setText(text)

    def add_status(self, widget: QWidget, stretch: int = 0) -> None:
        """Put a widget on the left of the status bar (connection, audio): on every page."""
        self.statusBar().addWidget(widget, stretch)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        QSettings("desk", "desk").setValue("main/geometry", self.saveGeometry())
        if self._on_close:
            self._on_close()
        super().closeEvent(event)
