"""Table models over lists of core objects, refreshed by replacing rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from desk.core.attendees import Registration
from desk.core.categories import label_in
from desk.core.countries import country_name

Index = QModelIndex | QPersistentModelIndex


class ListTableModel(QAbstractTableModel):
    """A read-only table over a list of objects, one column per (title, getter)."""

    def __init__(self, columns: Sequence[tuple[str, Callable[[Any], Any]]], parent=None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        """Replace every row (the view keeps its scroll position when it can)."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def rows(self) -> list[Any]:
        return list(self._rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        value = self._columns[index.column()][1](self._rows[index.row()])
        return "" if value is None else str(value)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._columns[section][0]
        return None


def _days(reg: Registration) -> str:
    return ", ".join(d.strftime("%a %d %b") for d in reg.days) if reg.days else "all days"


class AttendeeTableModel(ListTableModel):
    """Attendees: last name, first name, organisation, country, category, days."""

    def __init__(self, parent=None) -> None:  # noqa: ANN001
        super().__init__([
            ("Last name", lambda r: r.last_name),
            ("First name", lambda r: r.first_name),
            ("Organisation", lambda r: r.organisation),
            ("Country", lambda r: country_name(r.country)),
            ("Category", lambda r: label_in(self.category_labels, r.category)),
            ("Days", _days),
            ("E-mail", lambda r: r.email),
            ("Registration", lambda r: r.registration_id),
        ], parent)
        self.category_labels: dict = {}  # category key -> the event's label (set_category_labels)

    def set_category_labels(self, labels: dict) -> None:
        """Show the event's category labels (key -> label); a key it does not list shows as itself."""
        if labels != self.category_labels:
            self.category_labels = dict(labels)
            if self.rowCount():
                self.dataChanged.emit(self.index(0, 4), self.index(self.rowCount() - 1, 4))
