"""Domain errors with messages a desk worker can read."""

from __future__ import annotations


class DeskError(Exception):
    """Base of every error desk reports to a person rather than a programmer."""


class RowError(DeskError):
    """One input row cannot be stored: says which line, which field and what was expected."""

    def __init__(self, line: int, reason: str, field: str | None = None) -> None:
        self.line = line
        self.field = field
        self.reason = reason
        super().__init__(f"row {line}: {reason}")


class SourceError(DeskError):
    """A whole source (file, feed) could not be read; nothing was changed."""


class SyncBusy(DeskError):
    """Another sync is already running against the same database."""


class SyncCancelled(DeskError):
    """The person cancelled a sync; what was not yet applied stays unapplied."""
