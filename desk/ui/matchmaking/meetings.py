"""The round's meetings on the organiser's page: held / no-show per meeting, a new partner for a freed side.

The list follows the clock (the round on, else the next one) unless the organiser picks a
round. Every read and write runs on a worker; each change reloads the day state, which the
page also hands to the table board, so both screens show the same thing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desk.core.matchmaking.model import Meeting, pair_key
from desk.services.matchmaking import day as match_day
from desk.services.matchmaking.day import DayState, Offer
from desk.ui.common import theme
from desk.ui.matchmaking.rounds import (
    MeetingRow,
    MeetingTableModel,
    meeting_rows,
    organisation,
    shown_slot,
)

FOLLOW = -1  # the round box's "follow the clock" entry
RELOAD_MS = 15_000  # other desks scan presence and record outcomes too


class MeetingsPanel(QWidget):
    """The chosen round's meetings with Held (H), No-show (N), Offer a new partner (O), Accept (A)."""

    state_loaded = Signal(object)  # a fresh DayState (the page passes it on to the table board)

    def __init__(self, db: Any, workers: Any, clock: Callable[[], dt.datetime], desk: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db, self._workers, self._clock, self._desk = db, workers, clock, desk
        self._state: DayState | None = None
        self._slot: int | None = None
        self._select: tuple[tuple[str, str], int] | None = None  # the meeting to select after a reload
        self._offer: tuple[DayState, Offer] | None = None
        self._no_show_for: Meeting | None = None
        self._reload_seq = 0  # the newest day-state read asked for
        self.round_box = QComboBox(minimumHeight=40, minimumWidth=260)
        self.round_label = QLabel(objectName="matchRound")
        self.round_label.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.model = MeetingTableModel(self)
        self.table = QTableView(selectionBehavior=QAbstractItemView.SelectionBehavior.SelectRows,
                                selectionMode=QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(34)
        header = self.table.horizontalHeader()
        for col in range(self.model.columnCount()):
            mode = QHeaderView.ResizeMode.Stretch if col in (1, 3) else QHeaderView.ResizeMode.ResizeToContents
            header.setSectionResizeMode(col, mode)
        # a long absent organisation must not squeeze the names; the tooltip has it whole
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(5, 250)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.held_button = QPushButton("✔ Held (H)")
        self.no_show_button = QPushButton("✖ No-show (N)")
        self.offer_button = QPushButton("Offer a new partner (O)")
        self.undo_button = QPushButton("↶ Undo (Ctrl+Z)")
        self.status = QLabel(wordWrap=True, objectName="matchDayStatus")
        # asked only when presence does not tell who stayed away
        self.chooser = QFrame()
        self.chooser_label = QLabel("Who did not come?")
        self.absent_buttons = (QPushButton(), QPushButton())
        self.offer_box = QFrame(objectName="matchOffer")
        self.offer_box.setStyleSheet("QFrame#matchOffer { border: 2px solid #0b57d0; border-radius: 6px; }")
        self.offer_text = QLabel(wordWrap=True, objectName="matchOfferText")
        self.offer_text.setStyleSheet("font-size: 16px;")
        self.accept_button = QPushButton("Accept (A)", objectName="primary")
        self.dismiss_button = QPushButton("Dismiss (Esc)")
        self._lay_out()
        self.round_box.currentIndexChanged.connect(lambda _i: self._show_round())
        self.table.selectionModel().currentRowChanged.connect(lambda _c, _p: self._update_buttons())
        self.held_button.clicked.connect(self.record_held)
        self.no_show_button.clicked.connect(self.record_no_show)
        self.offer_button.clicked.connect(self.offer)
        self.undo_button.clicked.connect(self.undo)
        self.absent_buttons[0].clicked.connect(lambda: self._choose_absent(0))
        self.absent_buttons[1].clicked.connect(lambda: self._choose_absent(1))
        self.accept_button.clicked.connect(self.accept)
        self.dismiss_button.clicked.connect(self.dismiss)
        # only while the focus is on this panel: the scan field next to it takes letters
        for keys, slot in (("H", self.record_held), ("N", self.record_no_show), ("O", self.offer),
                           ("A", self.accept), ("Escape", self.dismiss), ("1", lambda: self._choose_absent(0)),
                           ("2", lambda: self._choose_absent(1)), ("Ctrl+Z", self.undo)):
            QShortcut(QKeySequence(keys), self, activated=slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self._follow_clock)
        self._tick.start()
        self._reload_timer = QTimer(self, interval=RELOAD_MS)
        self._reload_timer.timeout.connect(self.reload)
        self._update_buttons()

    def _lay_out(self) -> None:
        for button in (self.held_button, self.no_show_button, self.offer_button, self.undo_button,
                       *self.absent_buttons, self.accept_button, self.dismiss_button):
            button.setMinimumHeight(44)
        head = QHBoxLayout()
        head.addWidget(self.round_label, 1)
        head.addWidget(QLabel("Show:"))
        head.addWidget(self.round_box)
        actions = QHBoxLayout()
        for w in (self.held_button, self.no_show_button, self.offer_button, self.undo_button):
            actions.addWidget(w)
        actions.addWidget(self.status, 1)
        chooser = QHBoxLayout(self.chooser)
        chooser.setContentsMargins(0, 0, 0, 0)
        chooser.addWidget(self.chooser_label)
        for button in self.absent_buttons:
            chooser.addWidget(button, 1)
        self.chooser.hide()
        offer = QHBoxLayout(self.offer_box)
        offer.addWidget(self.offer_text, 1)
        offer.addWidget(self.accept_button)
        offer.addWidget(self.dismiss_button)
        self.offer_box.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.chooser)
        layout.addWidget(self.offer_box)

    # --- reading ---------------------------------------------------------------------
    def reload(self) -> None:
        """Read the day state (published schedule, presence, outcomes) on the read pool."""
        at = self._clock()
        # Reads run two at a time and may finish out of order: only the newest answer counts,
        # or an older read could put back a meeting's state from before an outcome was recorded.
        self._reload_seq += 1
        seq = self._reload_seq

        def loaded(state: DayState) -> None:
            if seq == self._reload_seq:
                self._on_state(state)

        def failed(message: str) -> None:
            if seq == self._reload_seq:
                self._on_load_error(message)

        self._workers.submit(lambda _h: match_day.day_state(self._db, at), write=False, on_done=loaded,
                             on_error=failed)

    def _on_state(self, state: DayState) -> None:
        slots = sorted(state.slots, key=lambda s: s.start)
        wanted = [(f"Round {s.number} · {s.start.astimezone(state.tz):%H:%M}–{s.end.astimezone(state.tz):%H:%M}",
                   s.number) for s in slots]
        have = [(self.round_box.itemText(i), self.round_box.itemData(i)) for i in range(1, self.round_box.count())]
        if wanted != have:  # rebuilt only when the slots changed, so the organiser's pick stays
            picked = self.round_box.currentData()
            self.round_box.blockSignals(True)
            self.round_box.clear()
            self.round_box.addItem("Follow the clock", FOLLOW)
            for text, number in wanted:
                self.round_box.addItem(text, number)
            self.round_box.setCurrentIndex(max(0, self.round_box.findData(picked)))
            self.round_box.blockSignals(False)
        if self._state is None:
            self._say("", theme.GREY)  # the "no schedule yet" of an earlier read no longer holds
        self._state = state
        self._show_round()
        self.state_loaded.emit(state)

    def _on_load_error(self, message: str) -> None:
        self._state = None
        self.model.set_rows([])
        self.round_label.setText("No meetings to run yet")
        self._say(message, theme.GREY)
        self._update_buttons()

    def _chosen_slot(self) -> int | None:
        if self._state is None:
            return None
        picked = self.round_box.currentData()
        if picked not in (None, FOLLOW):
            return int(picked)
        slot = shown_slot(self._state.slots, self._clock())
        return slot.number if slot is not None else None

    def _follow_clock(self) -> None:
        # the list moves on to the next round by itself, like the board
        if self._state is not None and self._chosen_slot() != self._slot:
            self._show_round()

    def _show_round(self) -> None:
        state, self._slot = self._state, self._chosen_slot()
        if state is None or self._slot is None:
            return
        current = self.selected()
        keep = self._select or (current.key if current is not None else None)
        self._select = None
        rows = meeting_rows(state, self._slot)
        self.model.set_rows(rows)
        slot = next(s for s in state.slots if s.number == self._slot)
        rs = match_day.round_state(state.slots, self._clock())
        when = ("on now" if rs.slot is not None and rs.slot.number == slot.number else
                "next" if rs.slot is None and rs.next_slot is not None and rs.next_slot.number == slot.number else "")
        done = sum(1 for r in rows if r.outcome != "pending")
        self.round_label.setText(f"Round {slot.number} · {slot.start.astimezone(state.tz):%H:%M}–"
                                 f"{slot.end.astimezone(state.tz):%H:%M}" + (f" · {when}" if when else "")
                                 + f" · {len(rows)} meetings, {done} recorded")
        row = next((k for k, r in enumerate(rows) if r.key == keep), 0 if rows else None)
        if row is not None:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)
        self._update_buttons()

    def selected(self) -> MeetingRow | None:
        """The meeting the actions apply to."""
        index = self.table.selectionModel().currentIndex()
        return self.model.row_at(index.row()) if index.isValid() and index.row() < self.model.rowCount() else None

    def _update_buttons(self) -> None:
        row = self.selected()
        for button in (self.held_button, self.no_show_button):
            button.setEnabled(row is not None)
        self.offer_button.setEnabled(row is not None and self._freed(row) is not None)
        self.undo_button.setEnabled(row is not None and row.outcome in (match_day.HELD, match_day.NO_SHOW))

    def _freed(self, row: MeetingRow) -> str | None:
        """The side left without a partner: the other one of a recorded no-show, else the only one scanned."""
        if self._state is None or row.outcome == match_day.HELD:
            return None
        m = row.meeting
        recorded = self._state.outcomes.get(row.key)
        if row.outcome == match_day.NO_SHOW and recorded is not None and recorded.absent in (m.requester, m.partner):
            # the organiser saw who stayed, even at a desk that does not scan presence
            return m.partner if recorded.absent == m.requester else m.requester
        gone = self._state.absent_in(m)
        stayed = [p for p in (m.requester, m.partner) if p not in gone]
        return stayed[0] if len(stayed) == 1 else None

    def _say(self, text: str, colour: str) -> None:
        self.status.setStyleSheet(f"font-size: 16px; font-weight: bold; color: {colour};")
        self.status.setText(text)

    # --- held / no-show --------------------------------------------------------------
    def record_held(self) -> None:
        """Record the selected meeting as held, then move to the next one."""
        row = self.selected()
        if row is None:
            return
        rows = self.model.rows()
        following = rows[rows.index(row) + 1] if rows.index(row) + 1 < len(rows) else row
        self._record(row.meeting, match_day.HELD, None, following.key, f"Table {row.meeting.table}: held")

    def record_no_show(self) -> None:
        """Record the selected meeting as a no-show; ask who did not come when presence does not tell."""
        row = self.selected()
        if row is None or self._state is None:
            return
        m = row.meeting
        gone = self._state.absent_in(m) & {m.requester, m.partner}
        if len(gone) == 1:
            self._record_no_show(m, next(iter(gone)))
            return
        self._no_show_for = m
        for button, pid, key in zip(self.absent_buttons, (m.requester, m.partner), "12", strict=True):
            button.setText(f"{key} · {organisation(self._state, pid)}")
        self.chooser.show()

    def _choose_absent(self, side: int) -> None:
        m, self._no_show_for = self._no_show_for, None
        if m is None or not self.chooser.isVisible():
            return
        self.chooser.hide()
        self._record_no_show(m, (m.requester, m.partner)[side])

    def _record_no_show(self, meeting: Meeting, absent: str) -> None:
        name = organisation(self._state, absent) if self._state else absent
        key = (pair_key(meeting.requester, meeting.partner), meeting.slot)
        self._record(meeting, match_day.NO_SHOW, absent, key,
                     f"Table {meeting.table}: no-show of {name} — press O to offer a new partner")

    def _record(self, meeting: Meeting, outcome: str, absent: str | None,
                select: tuple[tuple[str, str], int], said: str) -> None:
        colour = theme.GREEN if outcome == match_day.HELD else theme.RED
        self._write(lambda at, desk: match_day.record_outcome(self._db, meeting, outcome, at, desk, absent),
                    select, said, colour)

    def undo(self) -> None:
        """Take back the selected meeting's outcome (a wrong key): it is pending again."""
        row = self.selected()
        if row is None:
            return
        meeting = row.meeting
        self._write(lambda at, desk: match_day.undo_outcome(self._db, meeting, at, desk),
                    row.key, f"Table {meeting.table}: outcome undone, pending again", theme.AMBER)

    def _write(self, change: Callable[[dt.datetime, str], object], select: tuple[tuple[str, str], int],
               said: str, colour: str) -> None:
        """Run `change(at, desk)` on the writer; then select the row, say `said` and reload."""
        at, desk = self._clock(), self._desk

        def done(_r: object) -> None:
            self._select = select
            self._say(said, colour)
            self.reload()
        self._workers.submit(lambda _h: change(at, desk), on_done=done,
                             on_error=lambda msg: self._say(f"⚠ {msg}", theme.RED))

    # --- a new partner ---------------------------------------------------------------
    def offer(self) -> None:
        """Look for a new partner, in this round, for the side of the selected meeting left alone."""
        row = self.selected()
        freed = self._freed(row) if row is not None else None
        if row is None or freed is None:
            self._say("Record first who did not come (N); then a new partner can be offered.", theme.AMBER)
            return
        at, slot = self._clock(), row.meeting.slot

        def work(_h: object) -> tuple[DayState, Offer | None, str]:
            state = match_day.day_state(self._db, at)  # fresh: another desk may have paired somebody
            return state, match_day.offer_partner(state, freed, slot), freed
        self._workers.submit(work, write=False, on_done=self._on_offer,
                             on_error=lambda msg: self._say(f"⚠ {msg}", theme.RED))

    def _on_offer(self, found: tuple[DayState, Offer | None, str]) -> None:
        state, offer, freed = found
        if offer is None:
            self._offer = None
            self.offer_box.hide()
            self._say(f"Nobody is free in this round for {organisation(state, freed)}.", theme.AMBER)
            return
        self._offer = (state, offer)
        partner = state.people.get(offer.partner)
        who = f"{partner.organisation} ({partner.name})" if partner and partner.name else organisation(state, offer.partner)
        self.offer_text.setText(f"<b>{organisation(state, offer.participant)}</b> can meet <b>{who}</b> "
                                f"at table {offer.table} in round {offer.slot} — {offer.why}.")
        self.offer_box.show()
        self.accept_button.setFocus()

    def accept(self) -> None:
        """Add the offered meeting; the meetings it replaces become no-shows."""
        if self._offer is None or not self.offer_box.isVisible():
            return
        (state, offer), self._offer = self._offer, None
        self.offer_box.hide()
        at, desk = self._clock(), self._desk

        def done(meeting: Meeting) -> None:
            self._select = (pair_key(meeting.requester, meeting.partner), meeting.slot)
            self._say(f"New meeting at table {meeting.table}: {organisation(state, meeting.requester)} – "
                      f"{organisation(state, meeting.partner)}", theme.GREEN)
            self.reload()
        self._workers.submit(lambda _h: match_day.accept_offer(self._db, state, offer, at, desk), on_done=done,
                             on_error=lambda msg: self._say(f"⚠ {msg}", theme.RED))
        self.table.setFocus()

    def dismiss(self) -> None:
        """Close the offer or the who-did-not-come question."""
        self._offer, self._no_show_for = None, None
        self.offer_box.hide()
        self.chooser.hide()
        self.table.setFocus()

    # the periodic reload runs only while the page is on screen
    def showEvent(self, event: Any) -> None:  # noqa: N802
        self._reload_timer.start()
        super().showEvent(event)

    def hideEvent(self, event: Any) -> None:  # noqa: N802
        self._reload_timer.stop()
        super().hideEvent(event)
