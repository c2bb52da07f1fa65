"""Finding attendees: the live search the desks use."""

from __future__ import annotations

from dataclasses import dataclass, field

from desk.core.attendees import Registration
from desk.store import event as event_repo
from desk.store import registrations as repo
from desk.store.db import Database


@dataclass(frozen=True)
class SearchResult:
    """Attendees matching a query (at most `limit` of them) and how many attendees exist."""

    query: str
    attendees: list[Registration]
    total_attendees: int
    truncated: bool
    category_labels: dict[str, str] = field(default_factory=dict)  # the event's label per category key


def search_attendees(db: Database, query: str, limit: int = 500) -> SearchResult:
    """Return validated registrations matching every word of `query` (case and accents ignored).

    Words are looked for in name, organisation, e-mail and registration id; a name in Greek
    or Cyrillic is found by its Latin spelling too (desk.store.registrations.search_registrations).
    """
    with db.begin() as session:
        found = repo.search_registrations(session, query, limit=limit + 1)
        total = repo.count_attendees(session)
        labels = {c.category: c.label for c in event_repo.get_categories(session)}
    return SearchResult(query, found[:limit], total, len(found) > limit, labels)


def find_registration(db: Database, query: str, limit: int = 20) -> list[Registration]:
    """Registrations of any status matching `query`: tells a person why they are not on the list."""
    with db.begin() as session:
        return repo.search_registrations(session, query, attendees_only=False, limit=limit)
