"""Keeping the day's occupancy replay between calls, applying only the door events added since.

Replaying a whole day from scratch is linear in its door events; the board asks every
second. The cache asks the store for a cheap stamp (count and latest time of the events and
headcounts) and replays from scratch only when something it cannot add on top changed:
another day, an earlier instant, a new headcount, another programme, or events that do
not add up (a desk whose clock was behind wrote into the past).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from desk.core.rooms.occupancy import DoorEvent, Occupancy, Programme, replay
from desk.store import rooms as store


@dataclass
class _State:
    programme: Programme
    since: dt.datetime
    occupancy: Occupancy
    count: int                 # door events applied
    last_at: dt.datetime | None  # the latest one's time
    ids_at_last: set[str] = field(default_factory=set)  # ids applied at exactly last_at
    headcounts: tuple[int, object] = (0, None)


class OccupancyCache:
    """The occupancy of one day, brought up to date on each call. Not thread-safe by itself."""

    def __init__(self) -> None:
        self._state: _State | None = None
        self.full_replays = 0  # for tests and the benchmark

    def invalidate(self) -> None:
        """Forget everything: the next call replays the day."""
        self._state = None

    def occupancy(self, session: Session, programme: Programme, since: dt.datetime, at: dt.datetime) -> Occupancy:
        """The Occupancy at `at`, counting the door events and headcounts from `since` on.

        The returned object belongs to the cache: read it, do not feed it.
        """
        (count, latest), headcounts = store.change_stamp(session, since, at)
        latest = _aware(latest)
        state = self._state
        if (state is None or state.programme != programme or state.since != since or state.occupancy.now is None
                or at < state.occupancy.now or state.headcounts != (headcounts[0], _aware(headcounts[1]))):
            return self._replay(session, programme, since, at)
        if count != state.count or latest != state.last_at:
            if state.last_at is None or not self._catch_up(session, state, at, count):
                return self._replay(session, programme, since, at)
        state.occupancy.advance(at)
        return state.occupancy

    def pending(self, event: DoorEvent, event_id: str) -> None:
        """Apply a door event this desk has just written (in the same unit of work)."""
        state = self._state
        if state is None or state.occupancy.now is None or event.at < state.occupancy.now:
            self.invalidate()
            return
        state.occupancy.apply(event)
        _note(state, event_id, event.at)

    def _catch_up(self, session: Session, state: _State, at: dt.datetime, count: int) -> bool:
        fresh = [(i, e) for i, e in store.door_events_with_ids(session, state.last_at, at)
                 if not (e.at == state.last_at and i in state.ids_at_last)]
        if state.count + len(fresh) != count or any(e.at < state.occupancy.now for _i, e in fresh):
            return False  # something was written into the past: only a replay is right
        for event_id, event in fresh:
            state.occupancy.apply(event)
            _note(state, event_id, event.at)
        return True

    def _replay(self, session: Session, programme: Programme, since: dt.datetime, at: dt.datetime) -> Occupancy:
        self.full_replays += 1
        rows = store.door_events_with_ids(session, since, at)
        counts = store.headcounts(session, since, at)
        occupancy = replay(programme, (e for _i, e in rows), counts, until=at)
        last_at = rows[-1][1].at if rows else None
        state = _State(programme, since, occupancy, len(rows), last_at,
                       {i for i, e in rows if e.at == last_at},
                       (len(counts), counts[-1].at if counts else None))
        self._state = state
        return occupancy


def _note(state: _State, event_id: str, at: dt.datetime) -> None:
    state.count += 1
    if state.last_at is None or at > state.last_at:
        state.last_at, state.ids_at_last = at, {event_id}
    else:
        state.ids_at_last.add(event_id)


def _aware(value: object) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite aggregates may come back untyped
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)
