"""Search at the entrance: the people a query finds, each with what Enter would answer now.

The desk worker sees, before pressing Enter, who is already in (and since when), who is
cancelled or pending, and who is not expected today. The decision is the same core rule a
check-in uses; the check-in itself still decides again when Enter is pressed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from desk.core.attendees import Registration, zone_of
from desk.core.checkin.decision import PriorCheckin, ScanOutcome, decide, event_day, first_of_day
from desk.core.badges.codes import Verdict
from desk.core.categories import by_key, label_of
from desk.services.registrations.search import find_registration
from desk.store import checkins as store
from desk.store import event as event_repo
from desk.store import registrations as repo
from desk.store.db import Database


@dataclass(frozen=True)
class DeskMatch:
    """One person a search found, and what checking them in at that instant would answer."""

    registration: Registration
    outcome: ScanOutcome
    first_checkin: PriorCheckin | None
    reason: str
    category_label: str = ""  # the event's label for the person's category
    tz: dt.tzinfo = dt.timezone.utc
    """The event's clock, for the time of the first check-in."""

    @property
    def may_enter(self) -> bool:
        """True when Enter would welcome them (or they are in already)."""
        return self.outcome in (ScanOutcome.WELCOME, ScanOutcome.ALREADY_IN)


def find_at_desk(db: Database, query: str, at: dt.datetime, limit: int = 30) -> list[DeskMatch]:
    """Registrations of any status matching `query`, each with today's answer at the aware instant `at`.

    Uses the registrations search (accents ignored); raises ValueError for a naive `at`.
    """
    if at.tzinfo is None:
        raise ValueError("find_at_desk needs an aware datetime")
    found = find_registration(db, query, limit=limit)
    if not found:
        return []
    with db.begin() as session:
        event = repo.get_event(session)
        event_days = event.days if event else ()
        tz = zone_of(event)
        day = event_day(at, tz)
        priors = {r.registration_id: first_of_day(store.checkins_of(session, r.registration_id), day) for r in found}
        labels = by_key(event.categories if event else event_repo.get_categories(session))
    matches = []
    for reg in found:
        decision = decide(Verdict(registration_id=reg.registration_id), reg, day, event_days,
                          priors[reg.registration_id], tz)
        matches.append(DeskMatch(reg, decision.outcome, decision.first_checkin, decision.reason,
                                 label_of(labels, reg.category), tz))
    return matches
