"""The hub in the desk window: started by app.py when this desk syncs with a hub."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtWidgets import QWidget

from desk.services.hub import station
from desk.ui.hub.status import HubIndicator
from desk.ui.hub.sync import HubSync


def install_hub(desk: Any, window: Any, pages: list[tuple[str, QWidget]]) -> None:
    """When the desk's settings name a hub (`hub_url`) or its database joined one: the hub
    indicator beside the connection in the status bar, and the background sync (joining the
    settings' hub under `desk_name` first when the database is not a station yet).

    `window.hub` is the HubSync (None without a hub): `window.hub.stop()` when the window closes.
    """
    window.hub = None
    window.hub_indicator = None
    if desk.settings.hub_url:
        _start(desk, window, pages)
        return
    # whether the database joined a hub (desk hub join) is read on a worker, never here
    desk.workers.submit(lambda _h: bool(station(desk.db).hub_url), write=False,
                        on_done=lambda joined: joined and _start(desk, window, pages))


def _start(desk: Any, window: Any, pages: list[tuple[str, QWidget]]) -> None:
    from desk.ui.common.deferred_page import DeferredPage  # noqa: PLC0415

    if window.hub is not None:
        return
    indicator = HubIndicator(desk.clock)
    window.add_status(indicator)
    hub = HubSync(desk.db, desk.workers, hub_url=desk.settings.hub_url or None, name=desk.settings.desk_name,
                  parent=window)
    hub.state_changed.connect(indicator.show_state)
    window.hub, window.hub_indicator = hub, indicator
    for _title, page in pages:  # those of other roles too: they may be shown later
        if isinstance(page, DeferredPage):
            if page.page is not None:
                _hook(hub, page.page)
            else:
                page.built.connect(lambda built, hub=hub: _hook(hub, built))
        else:
            _hook(hub, page)
    hub.start()


def _hook(hub: HubSync, page: QWidget) -> None:
    """Local answers nudge the loop; a pull that brought entries refreshes what the page shows."""
    if _is(page, "desk.ui.checkin.page", "CheckInPage"):
        page.answer_shown.connect(hub.nudge)
        hub.entries_pulled.connect(lambda _n: page.refresh_status())
    elif _is(page, "desk.ui.rooms.door_page", "DoorPage"):
        page.answer_shown.connect(hub.nudge)
        hub.entries_pulled.connect(lambda _n: page.refresh())
    elif _is(page, "desk.ui.registrations.attendees_page", "AttendeesPage"):
        hub.entries_pulled.connect(lambda _n: page.refresh())


def _is(page: QWidget, module: str, name: str) -> bool:
    # a page's module is loaded once the page exists: one not loaded yet is not asked for here
    # (the door and attendees pages load OpenCV and pandas, which the window must not wait for)
    loaded = sys.modules.get(module)
    return loaded is not None and isinstance(page, getattr(loaded, name))
