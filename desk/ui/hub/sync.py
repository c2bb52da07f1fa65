"""The window's background sync with the hub: a HubLoop on its own threads, its reports
brought to the GUI thread, local check-ins nudging it, pages refreshed after a pull."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from desk.services.hub.loop import HubLoop, HubState, Link
from desk.ui.common.workers import Workers


class HubSync(QObject):
    """Runs the hub loop for this desk's database; `state_changed(HubState)` on the GUI thread,
    `entries_pulled(int)` after a round that brought entries from other stations."""

    state_changed = Signal(object)
    entries_pulled = Signal(int)

    def __init__(self, db: Any, workers: Workers, *, hub_url: str | None, name: str,
                 make_loop: Callable[..., HubLoop] = HubLoop, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._workers = workers
        # the loop calls back from its own threads: the report crosses to the GUI thread here
        self.loop = make_loop(db, lambda state: workers.post(lambda: self._on_state(state)), hub_url=hub_url,
                              name=name)

    def start(self) -> None:
        self.loop.start()

    def nudge(self, *_args: object) -> None:
        """A local write waits to be pushed (e.g. a check-in was just answered)."""
        self.loop.nudge()

    def stop(self) -> None:
        """End the loop (the window closes): it stops within a second."""
        self.loop.stop()

    def _on_state(self, state: HubState) -> None:
        if self.loop.stopped:
            return
        self.state_changed.emit(state)
        if state.link is Link.ONLINE and state.pulled:
            self.entries_pulled.emit(state.pulled)
