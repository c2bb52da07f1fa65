"""Repository functions for what the event owns beside its settings: its categories.

The event row itself is read and written by desk.store.registrations (get_event, save_event).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from desk.core.attendees import Category
from desk.core.categories import DEFAULT_CATEGORIES, EventCategory
from desk.store.schema import EventRow
from desk.store.schema.categories import EventCategoryRow


def _event_row(session: Session) -> EventRow | None:
    return session.scalars(select(EventRow).order_by(EventRow.id).limit(1)).first()


def get_categories(session: Session) -> tuple[EventCategory, ...]:
    """The event's categories in its order; the defaults when it stored none (or has no event)."""
    row = _event_row(session)
    if row is None:
        return DEFAULT_CATEGORIES
    rows = session.scalars(select(EventCategoryRow).where(EventCategoryRow.event_id == row.id)
                           .order_by(EventCategoryRow.position, EventCategoryRow.id)).all()
    found = []
    for r in rows:
        try:
            found.append(EventCategory(Category(r.category), r.label, r.badge_word, r.colour))
        except ValueError:
            continue  # a key this desk does not know: its people show under the built-in label
    return tuple(found) or DEFAULT_CATEGORIES


def save_categories(session: Session, categories: Sequence[EventCategory]) -> None:
    """Replace the event's categories (the event must exist)."""
    row = _event_row(session)
    if row is None:
        return
    session.execute(delete(EventCategoryRow).where(EventCategoryRow.event_id == row.id))
    session.add_all(EventCategoryRow(event_id=row.id, category=c.category.value, label=c.label,
                                     badge_word=c.badge_word, colour=c.colour, position=i)
                    for i, c in enumerate(categories))
    session.flush()
