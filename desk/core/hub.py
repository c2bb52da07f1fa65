"""The rules of several stations and one hub: clocks, the merge order, duplicate check-ins.

Every station writes what it does to its own append-only log. Each entry carries a random id,
the station's id, a per-station sequence number and a hybrid logical clock stamp (HLC). The
merged state is a pure function of the set of entries: everything here decides by
(stamp, station, id), never by the order in which a station happened to receive entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_MS_DIGITS = 13
_COUNTER_DIGITS = 6
STAMP_LENGTH = _MS_DIGITS + _COUNTER_DIGITS
"""A stamp is 13 digits of milliseconds since 1970 and 6 digits of counter: text order is clock order."""

ZERO_STAMP = "0" * STAMP_LENGTH
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_ONE_MS = dt.timedelta(milliseconds=1)


def stamp_of(ms: int, counter: int = 0) -> str:
    """The stamp for a physical time in milliseconds and a counter."""
    return f"{ms:0{_MS_DIGITS}d}{counter:0{_COUNTER_DIGITS}d}"


def parts(stamp: str) -> tuple[int, int]:
    """(milliseconds, counter) of a stamp; an empty or malformed stamp is (0, 0)."""
    if len(stamp) != STAMP_LENGTH or not stamp.isdigit():
        return 0, 0
    return int(stamp[:_MS_DIGITS]), int(stamp[_MS_DIGITS:])


def next_stamp(last: str, now: dt.datetime) -> str:
    """The stamp of a new local entry: after `last` (the newest stamp this station has seen,
    its own or received) and at least the wall clock `now`.

    A laptop whose clock runs behind still orders its entries after everything it has seen,
    so an undo is never ordered before the check-in it undoes.
    """
    if now.tzinfo is None:
        raise ValueError("stamps are taken from aware datetimes")
    wall = (now - _EPOCH) // _ONE_MS  # exact: int(timestamp() * 1000) loses a millisecond to rounding
    last_ms, last_counter = parts(last)
    if wall > last_ms:
        return stamp_of(wall, 0)
    return stamp_of(last_ms, last_counter + 1)


def stamp_time(stamp: str) -> dt.datetime:
    """The physical time a stamp carries (UTC)."""
    ms, _ = parts(stamp)
    return _EPOCH + ms * _ONE_MS


def merge_key(stamp: str, station: str, entry_id: str) -> tuple[str, str, str]:
    """The total order every station agrees on."""
    return stamp, station, entry_id


# --- check-ins -------------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckinFact:
    """One check-in of one person on one day, as the merged log knows it."""

    checkin_id: str
    stamp: str
    station: str
    undone_stamp: str | None  # the stamp of the undo that reversed it, None while it stands


def resolve_checkins(facts: Iterable[CheckinFact]) -> dict[str, str | None]:
    """For the check-ins of one person on one day: checkin_id -> the id of the check-in it
    duplicates, or None for one that is not a duplicate.

    The first check-in by merge order that was not undone stands; every other one not undone
    duplicates it (two stations let the same person in while they were apart). An undone
    check-in is neither: undoing the first of a duplicate pair leaves the other standing, as
    the person it let in is inside. The answer depends only on the set of facts.
    """
    ordered = sorted(facts, key=lambda f: merge_key(f.stamp, f.station, f.checkin_id))
    result: dict[str, str | None] = {}
    standing: str | None = None
    for fact in ordered:
        if fact.undone_stamp is not None:
            result[fact.checkin_id] = None
        elif standing is None:
            standing = fact.checkin_id
            result[fact.checkin_id] = None
        else:
            result[fact.checkin_id] = standing
    return result


@dataclass(frozen=True)
class DuplicateCheckin:
    """One check-in in a duplicate entry: where and when."""

    station: str
    desk: str
    at: dt.datetime
    checkin_id: str


@dataclass(frozen=True)
class DuplicateEntry:
    """A person let in at two stations while they were apart: the first check-in and the later ones."""

    registration_id: str
    name: str
    day: dt.date
    checkins: tuple[DuplicateCheckin, ...]

    def to_json(self, tz: dt.tzinfo = dt.timezone.utc) -> dict[str, object]:
        return {"registration_id": self.registration_id, "name": self.name, "day": self.day.isoformat(),
                "checkins": [{"station": c.station, "desk": c.desk, "at": c.at.astimezone(tz).isoformat(),
                              "checkin_id": c.checkin_id} for c in self.checkins]}

    def line(self, tz: dt.tzinfo = dt.timezone.utc) -> str:
        """One sentence for the desk: who, and both stations with their times."""
        where = " and ".join(f"{c.station} at {c.at.astimezone(tz):%H:%M}" for c in self.checkins)
        return f"Duplicate entry: {self.name or self.registration_id} was checked in at {where}."


def describe(duplicates: Sequence[DuplicateEntry]) -> str:
    """A count for a summary line."""
    n = len(duplicates)
    return "no duplicate entries" if n == 0 else f"{n} duplicate entr{'y' if n == 1 else 'ies'}"
