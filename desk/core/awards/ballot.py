"""The rules of award voting: the answers a vote gets, the award file's rows, who may vote.

A ballot is anonymous: what a person chose is only ever added to a count (see
desk.store.awards); the rules here decide whether it may be added at all.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from desk.core.attendees import Registration, Status
from desk.core.categories import DEFAULT_CATEGORIES, EventCategory, label_of, uncounted_keys
from desk.core.checkin.decision import CheckinEntry
from desk.core.errors import RowError
from desk.core.text import fold_key

NAME_CHARS = 200
DESCRIPTION_CHARS = 2000
_UNPLAIN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069]")


class VoteOutcome(enum.StrEnum):
    """The answers to a vote, beyond the check-in words for a code that names nobody valid
    (forged, unknown, not_readable), which a vote answers with the entrance's own words."""

    COUNTED = "counted"
    ALREADY_VOTED = "already_voted"
    CLOSED = "closed"
    NOT_ELIGIBLE = "not_eligible"
    UNKNOWN_AWARD = "unknown_award"
    UNKNOWN_FINALIST = "unknown_finalist"
    BUSY = "busy"
    """The database was held longer than a vote may wait: nothing was stored; vote again."""


@dataclass(frozen=True)
class Finalist:
    """One finalist of an award, with its count (None where counts are not shown)."""

    name: str
    description: str = ""
    votes: int | None = None
    reached_at_ballot: int | None = None
    """The award's ballot number at which this finalist reached its current count (0: none yet)."""


@dataclass(frozen=True)
class Award:
    """An award, its voting window and its finalists in the file's order."""

    name: str
    finalists: tuple[Finalist, ...] = ()
    open_until: dt.datetime | None = None
    closed_at: dt.datetime | None = None

    def is_open(self, at: dt.datetime) -> bool:
        """True when a vote at `at` counts: opened, not closed since, before its end."""
        return self.open_until is not None and self.closed_at is None and at < self.open_until

    def finalist(self, name: str) -> Finalist | None:
        """The finalist called `name` (folded: case, accents and punctuation do not matter; a part
        of the name will do when only one finalist holds it), or None."""
        key = fold_key(name)
        exact = [f for f in self.finalists if fold_key(f.name) == key]
        part = [f for f in self.finalists if key and key in fold_key(f.name)]
        return exact[0] if exact else (part[0] if len(part) == 1 else None)


@dataclass(frozen=True)
class AwardFileRow:
    """One good row of an award file."""

    line: int
    award: str
    finalist: str
    description: str


def find_award(awards: Sequence[Award], name: str) -> tuple[Award | None, str]:
    """The award `name` names (folded; a part of the name will do when only one award holds it).

    Returns (award, "") or (None, a sentence naming the awards there are).
    """
    key = fold_key(name)
    exact = [a for a in awards if fold_key(a.name) == key]
    if exact:
        return exact[0], ""
    part = [a for a in awards if key and key in fold_key(a.name)]
    if len(part) == 1:
        return part[0], ""
    known = "; ".join(a.name for a in awards) or "none yet (desk awards import FILE)"
    if len(part) > 1:
        return None, f"'{name}' names more than one award: {known}"
    return None, f"No award '{name}'. Awards: {known}"


def _text(value: object, what: str, limit: int, line: int, required: bool = True) -> str:
    text = " ".join(str(value if value is not None else "").split())
    if required and not text:
        raise RowError(line, f"{what} is empty", what)
    if len(text) > limit:
        raise RowError(line, f"{what} is longer than {limit} characters", what)
    if _UNPLAIN.search(text):
        raise RowError(line, f"{what} holds control characters", what)
    return text


def parse_award_rows(records: Iterable[tuple[int, Mapping[str, object]]]) -> tuple[list[AwardFileRow], list[RowError]]:
    """Read (line, {award, finalist, description}) records into good rows and errors by line.

    A finalist listed twice for one award (folded names) is refused on its second line.
    """
    rows: list[AwardFileRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str], int] = {}
    for line, record in records:
        try:
            award = _text(record.get("award"), "award", NAME_CHARS, line)
            finalist = _text(record.get("finalist"), "finalist", NAME_CHARS, line)
            description = _text(record.get("description"), "description", DESCRIPTION_CHARS, line, required=False)
            key = (fold_key(award), fold_key(finalist))
            if not key[0] or not key[1]:
                raise RowError(line, "award and finalist need letters or digits", "award" if not key[0] else "finalist")
            if key in seen:
                raise RowError(line, f"finalist '{finalist}' of '{award}' is listed twice (first on line "
                                     f"{seen[key]})", "finalist")
            seen[key] = line
            rows.append(AwardFileRow(line, award, finalist, description))
        except RowError as exc:
            errors.append(exc)
    return rows, errors


def not_eligible_reason(registration: Registration, checkins: Sequence[CheckinEntry], day: dt.date,
                        categories: Sequence[EventCategory] = DEFAULT_CATEGORIES) -> str:
    """Why `registration` may not vote on `day` ("" when they may).

    A voter is validated, checked in (an active check-in on `day` or a day before) and not
    of a category the event does not count (staff, unless the event says otherwise).
    """
    if registration.status is not Status.VALIDATED:
        return f"The registration is {registration.status.value}, not validated."
    if registration.category in uncounted_keys(categories):
        label = label_of({c.category: c for c in categories}, registration.category)
        return f"{label} do not vote."
    if not any(c.active and c.day <= day for c in checkins):
        return "Not checked in: only checked-in attendees vote."
    return ""
