"""Door mode: a host at one room's door scans badges in (and out); the answer is a big
coloured sentence with a sound, the room's count against capacity stays in view.

The handheld scanner types into the scan field (a burst ending in Enter); its keyboard
layout damage is repaired by the service. The webcam feeds the same scan through the
entrance page's ScanWorker (preview with the code outlined, "no camera" with Retry). F2
toggles exit mode, F3 retries the camera, Ctrl+H sets a headcount, Ctrl+E edits the
programme, F11 opens the occupancy board. An answer stays in view for ANSWER_HOLD_MS, then
the page goes back to a neutral "ready" state, so the next person is never read an old answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget,
)

from desk.ui.common import theme
from desk.ui.common.camera_panel import CameraPanel, stop_with_window
from desk.ui.rooms.door_answers import headline
from desk.ui.common.scan_burst import install_scan_bursts
from desk.ui.common.workers import Workers

if TYPE_CHECKING:
    from desk.config import Settings
    from desk.devices.base import Camera, Decoder, SoundSink

_COLOURS = {"ok": theme.GREEN, "warn": theme.AMBER, "error": theme.RED}
READY = "Ready: scan a badge"
ANSWER_HOLD_MS = 5000  # long enough to read twice, short enough to be gone for the next person


def seats_sentence(occupancy: int, capacity: int) -> str:
    """`12 of 40 seats taken — 28 free` (`FULL` instead of `0 free`)."""
    free = max(0, capacity - occupancy)
    return f"{occupancy} of {capacity} seats taken — " + (f"{free} free" if free else "FULL")


class DoorPage(QWidget):
    """One room's door: pick the room, scan, read the answer; count and session always shown."""

    answer_shown = Signal(object)  # the door's answer just shown (the hub's sync sends it at once)

    def __init__(self, workers: Workers, rooms: Any, clock: Callable[[], dt.datetime], desk: str,
                 sound: Any = None, open_board: Callable[[], None] | None = None, tz: dt.tzinfo | None = None,
                 parent: QWidget | None = None, *, camera_factory: Callable[[], Any] | None = None,
                 decoder: Any = None, camera_on_show: bool = False) -> None:
        super().__init__(parent)
        self._workers, self._rooms, self._clock, self._desk = workers, rooms, clock, desk
        self._sound, self._open_board, self._tz = sound, open_board, tz
        self._camera_on_show = camera_on_show
        self._close_watch: QObject | None = None  # stops the camera and the poll with the window
        self._editor: Any = None  # desk.ui.rooms.programme_editor.ProgrammeEditor, made on first use
        self._room_list: tuple[tuple[str, int], ...] = ()  # what the picker shows, to notice imports
        self._follow: str | None = None  # a renamed room the picker should stay on
        self._seq = 0
        self.answers = 0  # answers shown (tests wait on it)

        self.room_box = QComboBox()
        self.room_box.setMinimumHeight(48)
        self.policy_box = QComboBox()
        self.policy_box.addItem("When full: refuse", "refuse")
        self.policy_box.addItem("When full: warn only", "warn")
        self.day_policy_box = QComboBox()
        self.day_policy_box.addItem("Wrong day: as the event", "event")
        self.day_policy_box.addItem("Wrong day: refuse", "refuse")
        self.day_policy_box.addItem("Wrong day: warn only", "warn")
        self.day_policy_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.exit_button = QPushButton("Exit mode  (F2)")
        self.exit_button.setCheckable(True)
        self.board_button = QPushButton("Board  (F11)")
        self.programme_button = QPushButton("Programme…  (Ctrl+E)")
        self.camera = CameraPanel(camera_factory, decoder, "F3",
                                  "No QR decoder or camera on this desk: scan with the handheld scanner.",
                                  "Webcam not started: F3 starts it.", self)
        self.preview, self.camera_status, self.retry_button = (
            self.camera.preview, self.camera.status, self.camera.retry_button)
        self.camera_status.setFixedWidth(320)
        self.scan_field = QLineEdit(placeholderText="Scan a badge here (or type a ticket code and press Enter)")
        self.session_label = QLabel(objectName="doorSession")
        self.session_label.setWordWrap(True)
        self.count_label = QLabel(objectName="doorCount")
        self.answer = QLabel(READY, objectName="doorAnswer")
        self.answer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.answer.setWordWrap(True)
        self.answer.setMinimumHeight(190)
        self.detail = QLabel(objectName="doorDetail")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail.setWordWrap(True)
        self.headcount_box = QSpinBox()
        self.headcount_box.setRange(0, 5000)
        self.headcount_box.setMinimumSize(140, 44)
        self.headcount_button = QPushButton("Set headcount  (Ctrl+H)")
        self.status_line = QLabel(objectName="status")
        self.status_line.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(QLabel("Room:"))
        top.addWidget(self.room_box, 2)
        top.addWidget(self.exit_button)
        top.addWidget(self.board_button)
        top.addWidget(self.programme_button)
        camera = QVBoxLayout()
        camera.addWidget(self.preview)
        camera.addWidget(self.camera_status)
        camera.addWidget(self.retry_button)
        camera.addStretch(1)
        middle = QHBoxLayout()
        middle.addWidget(self.answer, 1)
        middle.addLayout(camera)
        counts = QHBoxLayout()
        counts.addWidget(self.session_label, 3)
        counts.addWidget(self.count_label, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("People in the room:"))
        bottom.addWidget(self.headcount_box)
        bottom.addWidget(self.headcount_button)
        bottom.addStretch(1)
        bottom.addWidget(self.policy_box)
        bottom.addWidget(self.day_policy_box)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.scan_field)
        layout.addLayout(counts)
        layout.addLayout(middle, 1)
        layout.addWidget(self.detail)
        layout.addLayout(bottom)
        layout.addWidget(self.status_line)
        self.setStyleSheet("""
            QLabel#doorSession { font-size: 16pt; }
            QLabel#doorCount { font-size: 22pt; font-weight: bold; }
            QLabel#doorAnswer { font-size: 34pt; font-weight: bold; color: white; background: #5f6368;
                                border-radius: 10px; padding: 12px; }
            QLabel#doorDetail { font-size: 16pt; }
        """)

        self.scan_field.returnPressed.connect(self._on_scan_entered)
        self.room_box.currentIndexChanged.connect(lambda _i: self._on_room_changed())
        self.policy_box.activated.connect(lambda _i: self._on_policy_chosen())
        self.day_policy_box.activated.connect(lambda _i: self._on_day_policy_chosen())
        self.exit_button.toggled.connect(self._on_exit_toggled)
        self.headcount_button.clicked.connect(self._on_headcount)
        self.headcount_box.lineEdit().returnPressed.connect(self._on_headcount)  # Ctrl+H, type, Enter
        self.board_button.clicked.connect(self._on_board)
        self.programme_button.clicked.connect(self.open_editor)
        self.camera.code_scanned.connect(self._on_camera_code)
        QShortcut(QKeySequence("F2"), self, activated=self.exit_button.toggle)
        QShortcut(QKeySequence("F3"), self, activated=self.start_camera)
        QShortcut(QKeySequence("Ctrl+E"), self, activated=self.open_editor)
        QShortcut(QKeySequence("Ctrl+H"), self, activated=self._focus_headcount)
        QShortcut(QKeySequence("F11"), self, activated=self._on_board)
        self.answer_hold_ms = ANSWER_HOLD_MS
        self._clear_timer = QTimer(self, singleShot=True)
        self._clear_timer.timeout.connect(self.clear_answer)
        install_scan_bursts()
        self._poll = QTimer(self, interval=1000)
        self._poll.timeout.connect(self.refresh)  # runs while the page is on screen (showEvent)
        self.load_rooms()

    # --- rooms -----------------------------------------------------------------------
    def load_rooms(self) -> None:
        """Fill the room picker from the programme (on a worker)."""
        self._workers.submit(lambda _h: self._rooms.programme(), write=False, on_done=self._on_programme,
                             on_error=self._show_error)

    def _on_programme(self, programme: Any) -> None:
        current, self._follow = self._follow or self.room_box.currentData(), None
        self.room_box.blockSignals(True)
        self.room_box.clear()
        for room in programme.rooms:
            self.room_box.addItem(f"{room.name}  ({room.capacity} seats)", room.name)
        index = max(0, self.room_box.findData(current))
        self.room_box.setCurrentIndex(index)
        self.room_box.blockSignals(False)
        self._room_list = tuple((r.name, r.capacity) for r in programme.rooms)
        if not programme.rooms:
            self.status_line.setText("No rooms yet: add them (Ctrl+E) or import the programme "
                                     "(desk programme import FILE).")
        self._on_room_changed()

    def room(self) -> str | None:
        """The room this door is for."""
        return self.room_box.currentData()

    def _on_room_changed(self) -> None:
        self.refresh()
        self.scan_field.setFocus()

    def refresh(self) -> None:
        """Fetch this room's count, session and policy (on a worker)."""
        room = self.room()
        if room is None:
            return
        at = self._clock()
        self._workers.submit(lambda _h: self._rooms.status(at), write=False,
                             on_done=lambda figures: self._on_status(room, figures), on_error=self._show_error)

    def _on_status(self, room: str, figures: Any) -> None:
        if tuple((f.room, f.capacity) for f in figures) != self._room_list:
            self.load_rooms()  # the programme changed elsewhere (an import, another desk)
            return
        mine = next((f for f in figures if f.room == room), None)
        if mine is None or room != self.room():
            return
        s = mine.session
        self.session_label.setText(
            f"{s.start.astimezone(self._tz):%H:%M}–{s.end.astimezone(self._tz):%H:%M}  {s.title}" if s
            else "No session now" + (f" — next {mine.next.start.astimezone(self._tz):%H:%M} {mine.next.title}"
                                     if mine.next else ""))
        colour = _COLOURS["error" if mine.free == 0 else "warn" if mine.ratio >= 0.8 else "ok"]
        self.count_label.setText(seats_sentence(mine.occupancy, mine.capacity))
        self.count_label.setStyleSheet(f"color: {colour};")
        self._follow_count(mine.occupancy)
        self.policy_box.setCurrentIndex(max(0, self.policy_box.findData(mine.full_policy.value)))
        self.day_policy_box.setItemText(0, f"Wrong day: as the event ({mine.event_wrong_day_policy.value})")
        own = mine.wrong_day_policy.value if mine.wrong_day_policy is not None else "event"
        self.day_policy_box.setCurrentIndex(max(0, self.day_policy_box.findData(own)))

    def _follow_count(self, occupancy: int) -> None:
        # The headcount box starts from what the door counted; a host typing a count keeps it.
        if not self.headcount_box.hasFocus():
            self.headcount_box.setValue(occupancy)

    # --- scanning --------------------------------------------------------------------
    def _on_scan_entered(self) -> None:
        code = self.scan_field.text()
        self.scan_field.clear()
        room = self.room()
        if not code.strip() or room is None:
            return
        self.scan(room, code, leaving=self.exit_button.isChecked(), from_keyboard=True)

    def take_scan(self, code: str) -> None:
        """A handheld scanner's burst, wherever the focus was (desk.ui.common.scan_burst.ScanTarget)."""
        room = self.room()
        if room is not None:
            self.scan(room, code, leaving=self.exit_button.isChecked(), from_keyboard=True)

    def scan(self, room: str, code: str, *, leaving: bool = False, from_keyboard: bool = False) -> None:
        """Send one scan to the service on the writer; the answer comes back to the page."""
        self._seq += 1
        seq, at = self._seq, self._clock()
        self._clear_timer.stop()
        self.answer.setText("…")
        self._workers.submit(
            lambda _h: self._rooms.scan(room, code, at, self._desk, leaving=leaving, from_keyboard=from_keyboard),
            on_done=lambda answer: self._on_answer(seq, answer), on_error=self._show_error)

    def _on_answer(self, seq: int, answer: Any) -> None:
        colour = _COLOURS.get(answer.family, theme.GREY)
        title, detail = headline(answer)
        self.answer.setText(title)
        self.answer.setStyleSheet(f"background: {colour};")
        self.detail.setText(detail)
        self.count_label.setText(seats_sentence(answer.occupancy, answer.capacity))
        self._follow_count(answer.occupancy)
        if seq == self._seq:
            self._clear_timer.start(self.answer_hold_ms)
        if self._sound is not None:
            self._sound.play(answer.family)
        self.answers += 1
        if seq == self._seq:
            self.scan_field.setFocus()
        self.refresh()
        self.answer_shown.emit(answer)

    def clear_answer(self) -> None:
        """Back to the neutral "ready" state (after ANSWER_HOLD_MS)."""
        self._clear_timer.stop()
        self.answer.setText(READY)
        self.answer.setStyleSheet("")
        self.detail.setText("")

    def _on_exit_toggled(self, on: bool) -> None:
        self.exit_button.setText("EXIT MODE on  (F2)" if on else "Exit mode  (F2)")
        self.exit_button.setStyleSheet(f"background: {theme.AMBER}; color: white; font-weight: bold;" if on else "")
        self.scan_field.setPlaceholderText("Scan badges of people LEAVING the room" if on
                                           else "Scan a badge here (or type a ticket code and press Enter)")
        self.scan_field.setFocus()

    # --- headcount and policy --------------------------------------------------------
    def _focus_headcount(self) -> None:
        self.headcount_box.setFocus()
        self.headcount_box.selectAll()

    def _on_headcount(self) -> None:
        room, count, at = self.room(), self.headcount_box.value(), self._clock()
        if room is None:
            return
        self._workers.submit(lambda _h: self._rooms.headcount(room, count, at, self._desk),
                             on_done=self._on_headcount_done, on_error=self._show_error)

    def _on_headcount_done(self, status: Any) -> None:
        self.status_line.setText(f"Headcount recorded: {status.room} now shows {status.occupancy} people.")
        self.refresh()
        self.scan_field.setFocus()

    def _on_policy_chosen(self) -> None:
        room, policy = self.room(), self.policy_box.currentData()
        if room is None:
            return
        from desk.core.rooms.occupancy import FullPolicy  # noqa: PLC0415

        self._workers.submit(lambda _h: self._rooms.set_full_policy(room, FullPolicy(policy)),
                             on_done=lambda _r: self.status_line.setText(f"{room}: when full, {policy}."),
                             on_error=self._show_error)

    def _on_day_policy_chosen(self) -> None:
        room, choice = self.room(), self.day_policy_box.currentData()
        if room is None:
            return
        from desk.core.rooms.occupancy import WrongDayPolicy  # noqa: PLC0415

        policy = None if choice == "event" else WrongDayPolicy(choice)
        said = "as the event" if policy is None else choice
        self._workers.submit(lambda _h: self._rooms.set_wrong_day_policy(room, policy),
                             on_done=lambda _r: (self.status_line.setText(f"{room}: on the wrong day, {said}."),
                                                 self.refresh()),
                             on_error=self._show_error)
        self.scan_field.setFocus()

    # --- programme editor ----------------------------------------------------------
    def open_editor(self) -> None:
        """Open the programme editor (Ctrl+E); the room picker follows its changes."""
        from desk.ui.rooms.programme_editor import ProgrammeEditor  # noqa: PLC0415 - only when asked for

        if self._editor is None:
            self._editor = ProgrammeEditor(self._workers, self._rooms.db, self)
            self._editor.programme_changed.connect(self._on_programme_edited)
        else:
            self._editor.load()
        if self._editor.isVisible():
            self._editor.raise_()  # open behind the door window: bring it forward
        self._editor.show()
        self._editor.activateWindow()

    def _on_programme_edited(self, old: str, new: str) -> None:
        if old and self.room() == old:
            self._follow = new
        self.load_rooms()

    # --- webcam ----------------------------------------------------------------------
    def start_camera(self) -> None:
        """Start (or restart, F3) the webcam; without a camera or decoder, say so."""
        self.camera.start()

    def stop_camera(self) -> None:
        """Stop the webcam and wait for it (page hidden, window closing)."""
        self.camera.stop()

    def _on_camera_code(self, code: str) -> None:
        room = self.room()
        if room is not None:
            self.scan(room, code, leaving=self.exit_button.isChecked())

    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._poll.isActive():
            self._poll.start()
            self.refresh()
        self.scan_field.setFocus()
        if self._close_watch is None:
            self._close_watch = stop_with_window(self, self.stop)
        if self._camera_on_show:
            self.start_camera()

    def hideEvent(self, event: Any) -> None:  # noqa: N802
        # Another tab took over: let go of the webcam so that page can open it.
        if not event.spontaneous():
            self.stop_camera()
            # a tab in the background polls nothing (and never outlives the workers at exit)
            self._poll.stop()
        super().hideEvent(event)

    def _on_board(self) -> None:
        if self._open_board is not None:
            self._open_board()

    def _show_error(self, message: str) -> None:
        self.status_line.setText(f"⚠ {message}")
        self.scan_field.setFocus()

    def stop(self) -> None:
        """Stop polling and the webcam (the window is closing)."""
        self._poll.stop()
        self.stop_camera()


def build_page(*, db: Any, workers: Workers, settings: Settings, sound: SoundSink, clock: Callable[[], dt.datetime],
               decoder: Decoder | None, camera_factory: Callable[[], Camera] | None) -> DoorPage:
    """The door tab of the desk window (app.page_factories)."""
    from desk.services.event_clock import event_clock  # noqa: PLC0415
    from desk.services.rooms.door import Rooms  # noqa: PLC0415
    from desk.ui.rooms.board import RoomsBoard  # noqa: PLC0415

    rooms = Rooms(db)
    tz = event_clock(db)  # the event's clock for every time the door and the board show
    boards: list[RoomsBoard] = []

    def open_board() -> None:
        if not boards:
            boards.append(RoomsBoard(workers, rooms.status, clock, tz))
        boards[0].showFullScreen()
        boards[0].raise_()

    camera_on = settings.camera.lower() not in ("", "none", "off")
    return DoorPage(workers, rooms, clock, f"{settings.desk_name} (door)", sound, open_board, tz,
                    camera_factory=camera_factory, decoder=decoder, camera_on_show=camera_on)
