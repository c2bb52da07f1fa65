"""The voting kiosk: a participant scans their badge, chooses a finalist per open award,
confirms, and reads "Thank you"; the kiosk is then ready for the next person at once.

A person's choices live only in this page until they confirm, and are forgotten at the
confirmation, at "Start again" (Esc) and after IDLE_MS without a key or a click, so the next
person never sees them. Keys 1-9 choose, Backspace goes back an award, Enter confirms. The
check of the badge and the ballots run on the desk's workers, never on the GUI thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from desk.ui.common import theme
from desk.ui.common.scan_burst import install_scan_bursts
from desk.ui.common.workers import Workers

IDLE_MS = 20_000
"""Idle time after which a half-filled ballot is forgotten and the kiosk waits for the next badge."""
MESSAGE_HOLD_MS = 6000
"""How long "Thank you" (or why a badge cannot vote) stays before the kiosk shows only its prompt."""
READY = "Scan your badge to vote"
_COLOURS = {"ok": theme.GREEN, "warn": theme.AMBER, "error": theme.RED, "idle": theme.GREY}

Paper = Callable[[str, dt.datetime], Any]  # (code, at) -> desk.services.awards.voting.BallotPaper
Cast = Callable[[str, Mapping[str, str], dt.datetime], list[Any]]  # (code, choices, at) -> [VoteResult]


class KioskPage(QWidget):
    """Scan, choose per award, confirm, thank: one person at a time."""

    def __init__(self, workers: Workers, paper: Paper, cast: Cast, clock: Callable[[], dt.datetime],
                 idle_ms: int = IDLE_MS, parent: QWidget | None = None, *, hold_ms: int = MESSAGE_HOLD_MS) -> None:
        super().__init__(parent)
        self._workers, self._paper, self._cast, self._clock = workers, paper, cast, clock
        self._code: str | None = None
        self._awards: tuple[Any, ...] = ()
        self._step = 0
        self._choices: dict[str, str] = {}
        self._seq = 0
        self.answers = 0  # scans and confirmations answered (tests wait on it)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        install_scan_bursts()  # a handheld scanner's burst is a scan wherever the focus is

        self.idle_timer = QTimer(self, singleShot=True, interval=idle_ms)
        self.idle_timer.timeout.connect(self.reset)
        self.hold_timer = QTimer(self, singleShot=True, interval=hold_ms)
        self.hold_timer.timeout.connect(self._on_hold_over)

        self.stack = QStackedWidget()
        # the waiting screen: the last answer ("Thank you", or why a badge cannot vote) and the prompt
        self.message = QLabel(READY, objectName="kioskMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.prompt = QLabel(READY, objectName="kioskPrompt")
        self.prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        waiting = QWidget()
        wl = QVBoxLayout(waiting)
        wl.addStretch(1)
        wl.addWidget(self.message)
        wl.addWidget(self.prompt)
        wl.addStretch(1)
        # one award: its name and a large button per finalist
        self.award_title = QLabel(objectName="kioskAward")
        self.award_title.setWordWrap(True)
        self.award_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.award_hint = QLabel(objectName="status")
        self.award_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.finalist_box = QVBoxLayout()
        self.finalist_buttons: list[QPushButton] = []
        choosing = QWidget()
        cl = QVBoxLayout(choosing)
        cl.addWidget(self.award_title)
        cl.addWidget(self.award_hint)
        cl.addLayout(self.finalist_box)
        cl.addStretch(1)
        keys_hint = QLabel("Backspace: previous award   ·   Esc: start again", objectName="status")
        keys_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        cl.addWidget(keys_hint)
        # the confirmation: every choice, then Confirm or Start again
        self.summary = QLabel(objectName="kioskSummary")
        self.summary.setWordWrap(True)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.confirm_button = QPushButton("Confirm my vote  (Enter)", objectName="kioskConfirm")
        self.back_button = QPushButton("Change  (Backspace)", objectName="kioskSecondary")
        self.restart_button = QPushButton("Start again  (Esc)", objectName="kioskSecondary")
        buttons = QHBoxLayout()
        buttons.addWidget(self.restart_button)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.confirm_button, 2)
        confirming = QWidget()
        fl = QVBoxLayout(confirming)
        fl.addStretch(1)
        fl.addWidget(self.summary)
        fl.addLayout(buttons)
        fl.addStretch(1)
        for screen in (waiting, choosing, confirming):
            self.stack.addWidget(screen)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)

        self.confirm_button.clicked.connect(self.confirm)
        self.back_button.clicked.connect(self.back)
        self.restart_button.clicked.connect(lambda: self.reset())
        for button in (self.confirm_button, self.back_button, self.restart_button):
            button.installEventFilter(self)  # a click anywhere on the page counts as activity
        self.setStyleSheet("""
            QLabel#kioskMessage { font-size: 30pt; font-weight: bold; color: white; background: #5f6368;
                                  border-radius: 12px; padding: 24px; }
            QLabel#kioskPrompt { font-size: 22pt; padding: 16px; }
            QLabel#kioskAward { font-size: 24pt; font-weight: bold; padding: 8px; }
            QLabel#kioskSummary { font-size: 18pt; padding: 12px; }
            QPushButton#kioskFinalist { font-size: 17pt; text-align: left; min-height: 110px; padding: 8px 20px;
                                        background: white; border: 2px solid #0b57d0; border-radius: 12px;
                                        margin: 6px 40px; }
            QPushButton#kioskFinalist:pressed { background: #d3e3fd; }
            QPushButton#kioskConfirm { font-size: 20pt; min-height: 80px; background: #1b7f3b; color: white;
                                       font-weight: bold; }
            QPushButton#kioskSecondary { font-size: 16pt; min-height: 80px; }
        """)
        self._show_message(READY, "idle")

    # --- what a person does -------------------------------------------------------------

    def take_scan(self, code: str) -> None:
        """A badge was scanned: ask which awards its holder may vote for (a worker reads it)."""
        self._forget()
        self._seq += 1
        seq, at, code = self._seq, self._clock(), code.strip()
        self._show_message("Checking your badge…", "idle")
        self._workers.submit(lambda _h: self._paper(code, at), write=False,
                             on_done=lambda paper: self._on_paper(seq, code, paper), on_error=self._on_error)

    def choose(self, number: int) -> None:
        """Choose finalist `number` (1-based) of the award on screen, then go to the next award."""
        if self.stack.currentIndex() != 1 or not 1 <= number <= len(self._awards[self._step].finalists):
            return
        self._touch()
        award = self._awards[self._step]
        self._choices[award.name] = award.finalists[number - 1].name
        self._step += 1
        self._show_step()

    def back(self) -> None:
        """Go back to the previous award (its choice can be changed)."""
        if self._code is None or self._step == 0:
            return
        self._touch()
        self._step -= 1
        self._show_step()

    def confirm(self) -> None:
        """Cast the chosen ballots; the page forgets them and waits for the next person at once."""
        if self.stack.currentIndex() != 2 or self._code is None:
            return
        code, choices, at = self._code, dict(self._choices), self._clock()
        self._seq += 1
        seq = self._seq
        self._forget()
        self._show_message("Thank you! Your vote is being counted…", "ok")
        self._workers.submit(lambda _h: self._cast(code, choices, at), write=True,
                             on_done=lambda results: self._on_cast(seq, results), on_error=self._on_error)

    def reset(self) -> None:
        """Forget the person at the kiosk and wait for the next badge."""
        self._seq += 1  # an answer still on its way is for nobody now
        self._forget()
        self._show_message(READY, "idle")

    # --- answers from the workers -----------------------------------------------------

    def _on_paper(self, seq: int, code: str, paper: Any) -> None:
        if seq != self._seq:
            return
        self.answers += 1
        if paper.outcome is not None:
            family = "warn" if paper.outcome in ("already_voted", "closed", "busy") else "error"
            self._show_message(paper.reason, family)
            return
        self._code, self._awards, self._step, self._choices = code, tuple(paper.awards), 0, {}
        self._touch()
        self._show_step()

    def _on_cast(self, seq: int, results: list[Any]) -> None:
        self.answers += 1
        if seq != self._seq:
            return  # the next person has scanned already: they see their own screen
        refused = [r for r in results if not r.counted]
        if not refused:
            self._show_message("Thank you! Your vote is counted.", "ok")
        else:
            self._show_message("Not counted: " + " ".join(r.reason for r in refused), "warn")

    def _on_error(self, sentence: str) -> None:
        self.answers += 1
        self._forget()
        self._show_message(sentence, "error")

    # --- screens ------------------------------------------------------------------------

    def _forget(self) -> None:
        self.idle_timer.stop()
        self._code, self._awards, self._step, self._choices = None, (), 0, {}

    def _touch(self) -> None:
        if self._code is not None:
            self.idle_timer.start()

    def _on_hold_over(self) -> None:
        if self.stack.currentIndex() == 0 and self._code is None:
            self._show_message(READY, "idle")

    def _show_message(self, text: str, family: str) -> None:
        if text != READY:
            self.hold_timer.start()  # the next person should not read the last one's answer
        self.message.setText(text)
        self.message.setStyleSheet(f"background: {_COLOURS[family]};")
        self.prompt.setText(READY if text != READY else "")
        self.stack.setCurrentIndex(0)
        self.setFocus()

    def _show_step(self) -> None:
        if self._step >= len(self._awards):
            lines = [f"{award}:  {finalist}" for award, finalist in self._choices.items()]
            self.summary.setText("Your vote\n\n" + "\n".join(lines))
            self.stack.setCurrentIndex(2)
            self.setFocus()
            return
        award = self._awards[self._step]
        self.award_title.setText(award.name)
        chosen = self._choices.get(award.name)
        self.award_hint.setText(f"Award {self._step + 1} of {len(self._awards)}: press a number or touch a "
                                "finalist" + (f" (you chose {chosen})" if chosen else ""))
        for button in self.finalist_buttons:
            self.finalist_box.removeWidget(button)
            button.deleteLater()
        self.finalist_buttons = []
        for i, finalist in enumerate(award.finalists[:9], start=1):
            text = f"{i}   {finalist.name}" + (f"\n     {finalist.description}" if finalist.description else "")
            button = QPushButton(text, objectName="kioskFinalist")
            button.clicked.connect(lambda _c=False, i=i: self.choose(i))
            button.installEventFilter(self)
            self.finalist_box.addWidget(button)
            self.finalist_buttons.append(button)
        self.stack.setCurrentIndex(1)
        self.setFocus()

    # --- keys ---------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key, text = event.key(), event.text()
        if text.isdigit() and text != "0":
            self.choose(int(text))
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.confirm()
        elif key == Qt.Key.Key_Backspace:
            self.back()
        elif key == Qt.Key.Key_Escape:
            self.reset()
        else:
            super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.MouseButtonPress:
            self._touch()
        return False


def build_page(*, db: Any, workers: Workers, clock: Callable[[], dt.datetime]) -> KioskPage:
    """The Awards tab of the desk window (app.page_factories)."""
    from desk.services.awards.voting import ballot_paper, cast_ballots  # noqa: PLC0415
    from desk.services.checkin.entrance import desk_keys  # noqa: PLC0415

    keys: dict[int, Any] = {}

    def event_keys() -> dict[int, Any]:
        # read once, on a worker (cryptography loads lazily)
        if not keys:
            keys.update(desk_keys(db)[0])
        return keys

    return KioskPage(
        workers,
        lambda code, at: ballot_paper(db, code, at, event_keys(), from_keyboard=True),
        lambda code, choices, at: cast_ballots(db, code, choices, at, event_keys(), from_keyboard=True),
        clock,
    )
