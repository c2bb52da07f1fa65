"""Counting the entrance: expected and checked-in people per category, arrivals per 10 minutes.

Pure functions over core objects; the store hands in what it read, the ui draws the result.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from desk.core.attendees import Registration
from desk.core.categories import DEFAULT_CATEGORIES
from desk.core.checkin.decision import attends_on

BIN_MINUTES = 10


@dataclass(frozen=True)
class CategoryCount:
    """One line of the counters: how many of a category are in, of how many expected."""

    category: str  # the category's key
    checked_in: int
    expected: int


@dataclass(frozen=True)
class Counters:
    """Checked in today / expected today, in total and by category."""

    day: dt.date
    checked_in: int
    expected: int
    by_category: tuple[CategoryCount, ...]


@dataclass(frozen=True)
class ArrivalBin:
    """Check-ins in the ten minutes starting at `start` (event-local time)."""

    start: dt.datetime
    count: int


def expected_on(registrations: Iterable[Registration], day: dt.date,
                event_days: tuple[dt.date, ...]) -> list[Registration]:
    """The attendees (validated registrations) expected at the entrance on `day`."""
    return [r for r in registrations if r.is_attendee and attends_on(r, day, event_days)]


def count(registrations: Iterable[Registration], checked_in_ids: set[str], day: dt.date,
          event_days: tuple[dt.date, ...], order: Sequence[str] = ()) -> Counters:
    """Return the day's counters, by category in the event's `order` of keys (the six
    defaults' when not given); a key the event does not list comes after them.

    `checked_in_ids` are the registrations with an active check-in on `day`. A person let in
    although not expected (e.g. a staff override) counts as checked in but not as expected,
    so the two totals can disagree on purpose: the desk lead sees it.
    """
    regs = list(registrations)
    expected = expected_on(regs, day, event_days)
    by_id = {r.registration_id: r for r in regs}
    exp = Counter(r.category for r in expected)
    inside = Counter(by_id[i].category for i in checked_in_ids if i in by_id)
    keys = list(order or (c.category for c in DEFAULT_CATEGORIES))
    keys += sorted((set(exp) | set(inside)) - set(keys))
    lines = tuple(
        CategoryCount(c, inside.get(c, 0), exp.get(c, 0))
        for c in keys if exp.get(c, 0) or inside.get(c, 0)
    )
    return Counters(day, len(checked_in_ids), len(expected), lines)


def _floor(local: dt.datetime, minutes: int) -> dt.datetime:
    return local.replace(minute=local.minute - local.minute % minutes, second=0, microsecond=0)


def arrival_bins(times: Sequence[dt.datetime], day: dt.date, tz: dt.tzinfo, now: dt.datetime | None = None,
                 minutes: int = BIN_MINUTES) -> list[ArrivalBin]:
    """Check-ins per `minutes` on `day`, from the first arrival's bin to the last (or `now`'s).

    Times are aware instants; bins are event-local and contiguous (empty bins count 0), so a
    chart can draw them side by side. Times on other days are ignored. Empty list when no
    one arrived that day.
    """
    local = sorted(t.astimezone(tz) for t in times if t.astimezone(tz).date() == day)
    if not local:
        return []
    counts = Counter(_floor(t, minutes) for t in local)
    first = _floor(local[0], minutes)
    last = _floor(local[-1], minutes)
    if now is not None:
        now_local = now.astimezone(tz)
        if now_local.date() == day:
            last = max(last, _floor(now_local, minutes))
    bins: list[ArrivalBin] = []
    step = dt.timedelta(minutes=minutes)
    # Wall-clock steps in naive local time, then re-attach the zone: a DST jump in the
    # middle of an entrance rush does not happen at this event, but bins must never loop.
    cursor = first.replace(tzinfo=None)
    end = last.replace(tzinfo=None)
    while cursor <= end:
        start = cursor.replace(tzinfo=tz)
        bins.append(ArrivalBin(start, counts.get(start, 0)))
        cursor += step
    return bins
