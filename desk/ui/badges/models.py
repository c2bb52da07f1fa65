"""Table models of the badge printing page: attendees with their badge state, print jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from desk.core.categories import builtin_label
from desk.core.countries import country_name
from desk.ui.common import theme
from desk.ui.common.models import Index, ListTableModel

# Colour always comes with the word in the cell.
STATE_COLOURS = {"queued": theme.AMBER, "printing": theme.AMBER, "done": theme.GREEN, "failed": theme.RED,
                 "printed": theme.GREEN}
STATE_WORDS = {"queued": "Queued", "printing": "Printing…", "done": "Printed", "failed": "Failed",
               "printed": "Printed"}


class _ColouredStateModel(ListTableModel):
    """A list model whose `state_column` is coloured by the state word it shows."""

    state_column = -1

    def _state(self, row: Any) -> str:
        raise NotImplementedError

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and index.column() == self.state_column and role == Qt.ItemDataRole.ForegroundRole:
            colour = STATE_COLOURS.get(self._state(self.row_at(index.row())))
            return QColor(colour) if colour else None
        return super().data(index, role)


class BadgeAttendeeModel(_ColouredStateModel):
    """Rows are (Registration, badge state or "")."""

    state_column = 0

    def __init__(self, parent=None) -> None:  # noqa: ANN001
        super().__init__([
            ("Badge", lambda r: STATE_WORDS.get(r[1], "—")),
            ("Last name", lambda r: r[0].last_name),
            ("First name", lambda r: r[0].first_name),
            ("Organisation", lambda r: r[0].organisation),
            ("Country", lambda r: country_name(r[0].country)),
            ("Category", lambda r: (r[2] if len(r) > 2 else "") or builtin_label(r[0].category)),
            ("Registration", lambda r: r[0].registration_id),
        ], parent)

    def _state(self, row: Any) -> str:
        return row[1]


def _local_time(stamp: dt.datetime, tz: dt.tzinfo) -> str:
    # the event's clock, as on every other page (not the laptop's zone, not UTC)
    return stamp.astimezone(tz).strftime("%H:%M:%S")


class PrintJobModel(_ColouredStateModel):
    """Print jobs, newest first: when, who, state (reprints marked), tries and the problem."""

    state_column = 2

    def __init__(self, parent=None) -> None:  # noqa: ANN001
        self.tz: dt.tzinfo = dt.timezone.utc  # the event's clock, read with the jobs
        super().__init__([
            ("Asked", lambda j: _local_time(j.created_at, self.tz)),
            ("Attendee", lambda j: j.name),
            ("State", lambda j: STATE_WORDS[j.state] + (" · reprint" if j.reprint else "")),
            ("Tries", lambda j: j.attempts),
            ("Desk", lambda j: j.desk),
            ("Problem", lambda j: j.error),
        ], parent)

    def _state(self, row: Any) -> str:
        return row.state
