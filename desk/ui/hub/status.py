"""The status bar's hub indicator: `Hub: online`, `Hub: offline (REASON)` or
`Hub: catching up (N entries)`, and how old the station's data is (amber after 15 minutes
without contact with the hub, red after 60). Colour always comes with the words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QWidget

from desk.services.hub import data_age
from desk.services.hub.loop import AgeLevel, HubState, Link, age_level, age_words
from desk.ui.common import theme
from desk.ui.common.status_bar import ElidedLabel

AGE_TICK_MS = 20_000  # the age is read again this often (it grows while nothing happens)
_LINK_COLOUR = {Link.ONLINE: theme.GREEN, Link.CATCHING_UP: theme.AMBER, Link.OFFLINE: theme.RED,
                Link.STARTING: theme.GREY}
_AGE_COLOUR = {AgeLevel.FRESH: theme.GREY, AgeLevel.AMBER: theme.AMBER, AgeLevel.RED: theme.RED}


class HubIndicator(QWidget):
    """Two short labels side by side: the link to the hub, and the age of the data."""

    def __init__(self, clock: Callable[[], dt.datetime], age_tick_ms: int = AGE_TICK_MS,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self.state = HubState(Link.STARTING)
        self.link = ElidedLabel("Hub: connecting…", objectName="hub-link")
        self.age = ElidedLabel("", objectName="hub-age")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(self.link, 1)
        layout.addWidget(self.age)
        self.age_level: AgeLevel | None = None
        self._tick = QTimer(self, interval=age_tick_ms, timeout=self._show_age)
        self._tick.start()
        self._paint_link()

    def show_state(self, state: HubState) -> None:
        """Show what the hub loop reported (on the GUI thread)."""
        self.state = state
        self._paint_link()
        self._show_age()

    def _paint_link(self) -> None:
        state = self.state
        self.link.setText("Hub: connecting…" if state.link is Link.STARTING else f"Hub: {state.words()}")
        self.link.setStyleSheet(f"color: {_LINK_COLOUR[state.link]};")
        if state.link is Link.OFFLINE:
            self.link.set_details(f"The hub cannot be reached ({state.reason}). This desk goes on working on its "
                                  f"own data and sends what it did when the hub is back; next try in "
                                  f"{state.retry_in_s:g} s.")
        else:
            self.link.set_details("")

    def _show_age(self) -> None:
        if self.state.station is None:
            self.age.setText("")
            self.age_level = None
            return
        age = data_age(self.state.station, self._clock())
        self.age_level = age_level(age)
        self.age.setText(age_words(age))
        self.age.setStyleSheet(f"color: {_AGE_COLOUR[self.age_level]};"
                               + (" font-weight: bold;" if self.age_level is not AgeLevel.FRESH else ""))
        contact = self.state.last_contact_at
        self.age.set_details(f"Last contact with the hub: {contact.astimezone():%H:%M:%S, %d %b}" if contact
                             else "This desk has not reached the hub yet.")
