"""The organiser PIN dialog: asks the PIN (or, in set-up, sets the first one) off the GUI thread.

scrypt takes ~0.25 s and the PIN file is on disk, so every check runs on a worker. After a
wrong PIN the field is disabled and a countdown says when the next try is looked at; the
back-off is read from the PIN file when the dialog opens, so a restart does not skip it.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from desk.core.errors import DeskError
from desk.core.roles import check_new_pin
from desk.services.roles import PinCheck, PinStore
from desk.ui.common.workers import Workers


class PinDialog(QDialog):
    """Asks the organiser PIN; with `setting` (no PIN yet) asks a new one twice and stores it.

    Accepted once the PIN was right (or set). `answered` carries each check's sentence.
    """

    answered = Signal(str)

    def __init__(self, pins: PinStore, workers: Workers, setting: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pins, self._workers, self.setting = pins, workers, setting
        self._wait_s = 0
        self._busy = False
        self.setWindowTitle("Set the organiser PIN" if setting else "Organiser PIN")
        intro = ("No organiser PIN is set on this station yet. Choose one: organiser actions "
                 "(exports, keys, another desk's undo) will ask for it." if setting
                 else "The organiser's pages and actions need the PIN.")
        self.intro = QLabel(intro, wordWrap=True)
        self.pin_field = QLineEdit(echoMode=QLineEdit.EchoMode.Password, placeholderText="PIN")
        self.again_field = QLineEdit(echoMode=QLineEdit.EchoMode.Password, placeholderText="the same PIN again")
        self.message = QLabel("", objectName="status", wordWrap=True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Set PIN" if setting else "Unlock")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("PIN", self.pin_field)
        if setting:
            form.addRow("Again", self.again_field)
        else:
            self.again_field.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        # precise: a coarse timer may fire early, and the PIN file's back-off would still refuse
        self._tick = QTimer(self, interval=1000, timerType=Qt.TimerType.PreciseTimer)
        self._tick.timeout.connect(self._on_tick)
        if not setting:  # a back-off left from before (another window, a restart) still runs
            self._workers.submit(lambda _h: self._pins.wait_s(), write=False, on_done=self._start_countdown,
                                 on_error=self._on_error)

    # --- asking ---------------------------------------------------------------------
    def submit(self) -> None:
        """Check (or set) the PIN typed so far, on a worker."""
        if self._busy or self._wait_s > 0:
            return
        pin = self.pin_field.text()
        if self.setting:
            try:
                pin = check_new_pin(pin)
            except DeskError as exc:
                self._say(str(exc))
                return
            if pin != self.again_field.text().strip():
                self._say("The two PINs differ: type the same PIN twice.")
                return
            self._run(lambda _h: self._pins.set_pin(pin), lambda _r: self._done("Organiser PIN set."))
            return
        self._run(lambda _h: self._pins.verify(pin), self._on_checked)

    def _run(self, work, on_done) -> None:  # noqa: ANN001
        self._busy = True
        self._enable(False)
        self._say("Checking…")
        self._workers.submit(work, write=False, on_done=on_done, on_error=self._on_error)

    def _on_checked(self, check: PinCheck) -> None:
        self._busy = False
        if check.ok:
            self._done(check.reason)
            return
        self.pin_field.clear()
        self._start_countdown(check.wait_s, check.reason)

    def _done(self, sentence: str) -> None:
        self._busy = False
        self.answered.emit(sentence)
        self.accept()

    def _on_error(self, sentence: str) -> None:
        self._busy = False
        self._enable(True)
        self._say(sentence)

    # --- the back-off -----------------------------------------------------------------
    def _start_countdown(self, wait_s: float, reason: str = "") -> None:
        if reason:
            self.answered.emit(reason)
        self._wait_s = math.ceil(wait_s)
        if self._wait_s <= 0:
            self._enable(True)
            self._say(reason)
            return
        self._lead = "Wrong PIN." if reason.startswith("wrong") else "Too many wrong PINs."
        self._enable(False)
        self._show_wait()
        self._tick.start()

    def _on_tick(self) -> None:
        self._wait_s -= 1
        if self._wait_s <= 0:
            self._tick.stop()
            self._enable(True)
            self._say("Try again.")
            return
        self._show_wait()

    def _show_wait(self) -> None:
        self._say(f"{self._lead} Try again in {self._wait_s} s.")

    def _enable(self, on: bool) -> None:
        for widget in (self.pin_field, self.again_field, self.ok_button):
            widget.setEnabled(on)
        if on:
            self.pin_field.setFocus()

    def _say(self, text: str) -> None:
        self.message.setText(text)

    @property
    def waiting_s(self) -> int:
        """Seconds left on the countdown (0: the field takes a PIN)."""
        return self._wait_s
