"""The event's clock: the time zone every date and time decision and every shown time uses.

The zone is the event's own (desk.core.attendees.Event.timezone); before an event exists,
times are UTC. Nothing in desk assumes a zone of its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from desk.core.attendees import zone_of


def zone_in(session: Any) -> dt.tzinfo:
    """The time zone of the event stored in `session` (UTC before an event exists)."""
    from desk.store.registrations import get_event  # noqa: PLC0415

    return zone_of(get_event(session))


def event_clock(db: Any) -> dt.tzinfo:
    """The time zone of the database's event (UTC before an event exists). One short read."""
    with db.begin() as session:
        return zone_in(session)
