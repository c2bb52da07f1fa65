"""Installing the demo matchmaking (about 100 clusters, 300 requests, 16 slots, 20 tables) into a database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from desk.core.attendees import Status
from desk.core.text import fold
from desk.services.matchmaking.schedule import naive_to_zone
from desk.services.demo.matchmaking_instances import demo_matchmaking
from desk.store import matchmaking as store
from desk.store import registrations as repo
from desk.store.db import Database
from desk.store.rooms import event_days_and_zone


@dataclass(frozen=True)
class DemoMatchmaking:
    """What was installed."""

    day: dt.date
    participants: int
    linked: int
    requests: int
    slots: int
    tables: int

    def line(self) -> str:
        """One line for the command line and the page."""
        return (f"demo matchmaking on {self.day.isoformat()}: {self.participants} participants "
                f"({self.linked} linked to registrations), {self.requests} accepted requests, "
                f"{self.slots} slots, {self.tables} tables")


def install_demo_matchmaking(db: Database, start: dt.date | None = None) -> DemoMatchmaking:
    """Replace the matchmaking problem with the demo instance on `start` (default: the event's first day).

    A participant keeps its registration id when that registration is stored; otherwise it is
    linked to a validated registration of the same organisation attending that day, if any.
    Slot times are the event's local time. Stored schedules are kept (a re-schedule compares
    with the published one).
    """
    with db.begin() as session:
        days, tz = event_days_and_zone(session)
        day = start or (days[0] if days else dt.date.today())
        by_org: dict[str, str] = {}
        stored: set[str] = set()
        for reg in repo.all_registrations(session):
            stored.add(reg.registration_id)
            if reg.status is Status.VALIDATED and day in reg.days:
                by_org.setdefault(fold(reg.organisation), reg.registration_id)
        instance = demo_matchmaking(day)
        people = []
        for p in instance.participants:
            rid = p.registration_id if p.registration_id in stored else by_org.get(fold(p.organisation))
            people.append(replace(p, registration_id=rid))
        store.replace_requests(session, [])
        store.replace_participants(session, people)
        store.replace_requests(session, instance.requests)
        store.replace_slots(session, naive_to_zone(instance.slots, tz))
        store.set_tables(session, instance.tables)
    linked = sum(1 for p in people if p.registration_id)
    return DemoMatchmaking(day, len(people), linked, len(instance.requests), len(instance.slots), instance.tables)
