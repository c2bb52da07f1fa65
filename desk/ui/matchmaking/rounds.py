"""What the organiser's meeting list shows for one round: rows over a `DayState`, and their table model.

Only presentation lives here: which words and colours stand for a side's presence and a
meeting's outcome. Who is absent comes from `DayState.absent_in`, the outcomes from the store.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from desk.core.matchmaking.model import Meeting, Slot, pair_key
from desk.services.matchmaking.day import HELD, NO_SHOW, DayState, round_state
from desk.ui.common import theme
from desk.ui.common.models import Index, ListTableModel

PENDING = "pending"


@dataclass(frozen=True)
class MeetingRow:
    """One meeting of a round as the organiser reads it."""

    meeting: Meeting
    left: str
    right: str
    left_here: bool
    right_here: bool
    outcome: str  # HELD, NO_SHOW or PENDING
    absent: str | None  # the organisation recorded as not coming (a no-show)
    adhoc: bool  # arranged on the day (an accepted offer)

    @property
    def key(self) -> tuple[tuple[str, str], int]:
        return pair_key(self.meeting.requester, self.meeting.partner), self.meeting.slot

    def outcome_text(self) -> str:
        text = {HELD: "✔ held", NO_SHOW: f"✖ no-show: {self.absent or '?'}", PENDING: "… pending"}[self.outcome]
        return f"{text} · new today" if self.adhoc else text


def side_label(state: DayState, pid: str) -> str:
    """`Organisation — Name` (the id when the participant is no longer listed)."""
    person = state.people.get(pid)
    if person is None:
        return pid
    return f"{person.organisation} — {person.name}" if person.name else person.organisation


def organisation(state: DayState, pid: str) -> str:
    person = state.people.get(pid)
    return person.organisation if person is not None and person.organisation else pid


def meeting_rows(state: DayState, slot: int) -> list[MeetingRow]:
    """The meetings of `slot` by table; a meeting arranged on the day follows the one it replaced."""
    rows = []
    for m in state.meetings:
        if m.slot != slot:
            continue
        key = (pair_key(m.requester, m.partner), m.slot)
        recorded = state.outcomes.get(key)
        outcome = recorded.outcome if recorded is not None and recorded.outcome in (HELD, NO_SHOW) else PENDING
        gone = recorded.absent if outcome == NO_SHOW and recorded is not None else None
        absent = organisation(state, gone) if gone else None
        # a side recorded as not coming is not shown as here, even if its badge was scanned
        rows.append(MeetingRow(m, side_label(state, m.requester), side_label(state, m.partner),
                               m.requester in state.present and m.requester != gone,
                               m.partner in state.present and m.partner != gone, outcome, absent, key in state.adhoc))
    return sorted(rows, key=lambda r: (r.meeting.table, r.adhoc))


def shown_slot(slots: tuple[Slot, ...], at: dt.datetime) -> Slot | None:
    """The round the list follows: the one on, else the next one, else the last one."""
    rs = round_state(slots, at)
    if rs.slot is not None or rs.next_slot is not None:
        return rs.slot or rs.next_slot
    return max(slots, key=lambda s: s.start) if slots else None


def _here(flag: bool) -> str:
    return "✔ here" if flag else "✖ not here"


# colour always comes with the words above: (foreground, background)
_COLOURS = {HELD: (theme.GREEN, "#e6f4ea"), NO_SHOW: (theme.RED, "#fce8e6"), PENDING: (theme.GREY, None)}


class MeetingTableModel(ListTableModel):
    """Table, both organisations with their presence, the outcome; coloured by state."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__([
            ("Table", lambda r: r.meeting.table),
            ("Organisation", lambda r: r.left),
            ("Arrived", lambda r: _here(r.left_here)),
            ("Partner organisation", lambda r: r.right),
            ("Arrived", lambda r: _here(r.right_here)),
            ("Outcome", lambda r: r.outcome_text()),
        ], parent)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row: MeetingRow = self.row_at(index.row())
        col = index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 0:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole):
            if col in (2, 4):
                here = row.left_here if col == 2 else row.right_here
                colour = (theme.GREEN if here else theme.AMBER, None)
            elif col == 5:
                colour = _COLOURS[row.outcome]
            else:
                return None
            value = colour[0] if role == Qt.ItemDataRole.ForegroundRole else colour[1]
            return QBrush(QColor(value)) if value else None
        return super().data(index, role)
