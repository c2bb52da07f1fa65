"""The station's role in the window: which tabs show, the organiser's PIN, the idle lock.

`RoleGate` holds the role the window is in. Choosing desk, door or printing (Desk ▸ Role)
switches at once and is remembered as the station's role; choosing organiser asks the PIN
(in set-up, a new PIN first). `require_organiser(action)` runs an organiser action at once
in the organiser role, else after the PIN. The organiser role locks back to the station's
role after `idle_lock_ms` without a key or a click anywhere in the application.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from desk.core.roles import IDLE_LOCK_S, Role, base_role
from desk.services.roles import PinStore
from desk.ui.common.workers import Workers
from desk.ui.roles.pin_dialog import PinDialog

_ACTIVITY = (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel, QEvent.Type.TouchBegin)
_LABELS = {Role.DESK: "&Desk (check-in)", Role.DOOR: "D&oor (rooms)", Role.PRINTING: "&Printing (badges)",
           Role.ORGANISER: "O&rganiser…"}


class RoleGate(QObject):
    """The window's current role and the way into the organiser's; see the module docstring."""

    role_changed = Signal(str)  # the role's word
    locked = Signal()  # the organiser role locked after being idle

    def __init__(self, station_role: Role, pins: PinStore, workers: Workers, pin_set: bool,
                 save_role: Callable[[Role], None] = lambda _role: None,
                 idle_lock_ms: int = IDLE_LOCK_S * 1000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pins, self._workers, self._save_role = pins, workers, save_role
        self.station_role = station_role
        self.pin_set = pin_set
        # an organiser station opens locked once a PIN exists: the PIN first, then the organiser's pages
        self._role = station_role if station_role is not Role.ORGANISER or not pin_set else base_role(station_role)
        self.dialog: PinDialog | None = None
        self._idle = QTimer(self, singleShot=True, interval=idle_lock_ms)
        self._idle.timeout.connect(self._on_idle)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self._arm()

    @property
    def role(self) -> Role:
        return self._role

    # --- choosing ---------------------------------------------------------------------
    def choose(self, role: Role, parent: QWidget | None = None) -> None:
        """Switch the window to `role`: at once, or after the PIN for the organiser."""
        if role is Role.ORGANISER:
            if self._role is not Role.ORGANISER:
                self.require_organiser(lambda: None, parent)
            return
        self.station_role = role
        self._save_role(role)
        self._set(role)

    def require_organiser(self, action: Callable[[], None], parent: QWidget | None = None) -> None:
        """Run `action` as the organiser: at once in the organiser role (a PIN being set), else
        after the PIN dialog was accepted; in set-up, after a first PIN was chosen."""
        if self.pin_set and self._role is Role.ORGANISER:
            action()
            return
        if self.dialog is not None:  # one dialog at a time
            self.dialog.raise_()
            return
        self.dialog = PinDialog(self._pins, self._workers, setting=not self.pin_set, parent=parent)

        def accepted() -> None:
            self.pin_set = True
            self._set(Role.ORGANISER)
            action()

        self.dialog.accepted.connect(accepted)
        self.dialog.finished.connect(self._on_dialog_closed)
        self.dialog.open()

    def _on_dialog_closed(self, _result: int) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None

    def lock(self) -> None:
        """Leave the organiser role for the station's own (desk for an organiser station)."""
        if self._role is Role.ORGANISER:
            self._set(base_role(self.station_role))
            self.locked.emit()

    def _set(self, role: Role) -> None:
        changed = role is not self._role
        self._role = role
        self._arm()
        if changed:
            self.role_changed.emit(role.value)

    # --- the idle lock ----------------------------------------------------------------
    def _arm(self) -> None:
        if self._role is Role.ORGANISER and self.pin_set:
            self._idle.start()
        else:
            self._idle.stop()

    def _on_idle(self) -> None:
        if self.dialog is None:
            self.lock()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in _ACTIVITY and self._idle.isActive():
            self._idle.start()  # a key or a click: the organiser is still there
        return False

    def detach(self) -> None:
        """Stop watching the application's input (the window closes)."""
        self._idle.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


def role_menu(gate: RoleGate, menu: QMenu, parent: QWidget) -> QMenu:
    """Desk ▸ Role: one checkable entry per role, following the gate."""
    sub = menu.addMenu("&Role")
    group = QActionGroup(sub)
    actions: dict[Role, QAction] = {}
    for role in Role:
        action = QAction(_LABELS[role], sub, checkable=True)
        action.setData(role.value)
        group.addAction(action)
        sub.addAction(action)
        actions[role] = action
        action.triggered.connect(lambda _checked=False, r=role: gate.choose(r, parent))

    def show(_word: str = "") -> None:
        actions[gate.role].setChecked(True)

    gate.role_changed.connect(show)
    # a cancelled PIN dialog leaves the old role: its entry is checked again
    sub.aboutToShow.connect(show)
    show()
    return sub
