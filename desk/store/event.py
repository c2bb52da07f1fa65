"""Repository functions for what the event owns beside its settings: its categories.

The event row itself is read and written by desk.store.registrations (get_event, save_event).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from desk.core.categories import DEFAULT_CATEGORIES, EventCategory
from desk.store.schema import EventRow, RegistrationRow
from desk.store.schema.categories import EventCategoryRow


def _event_row(session: Session) -> EventRow | None:
    return session.scalars(select(EventRow).order_by(EventRow.id).limit(1)).first()


def categories_of(session: Session, event_id: int) -> tuple[EventCategory, ...]:
    """The categories of the event `event_id` in its order; the defaults when it stored none."""
    rows = session.scalars(select(EventCategoryRow).where(EventCategoryRow.event_id == event_id)
                           .order_by(EventCategoryRow.position, EventCategoryRow.id)).all()
    return tuple(EventCategory(r.category, r.label, r.badge_word, r.colour, bool(r.counted), bool(r.is_default))
                 for r in rows) or DEFAULT_CATEGORIES


def get_categories(session: Session) -> tuple[EventCategory, ...]:
    """The event's categories in its order; the defaults when it stored none (or has no event)."""
    row = _event_row(session)
    return DEFAULT_CATEGORIES if row is None else categories_of(session, row.id)


def save_categories(session: Session, categories: Sequence[EventCategory]) -> None:
    """Replace the event's categories (the event must exist)."""
    row = _event_row(session)
    if row is None:
        return
    session.execute(delete(EventCategoryRow).where(EventCategoryRow.event_id == row.id))
    session.add_all(EventCategoryRow(event_id=row.id, category=str(c.category), label=c.label,
                                     badge_word=c.badge_word, colour=c.colour, counted=c.counted,
                                     is_default=c.default, position=i)
                    for i, c in enumerate(categories))
    session.flush()


def category_counts(session: Session) -> dict[str, int]:
    """How many registrations (any status) each stored category key holds."""
    q = select(RegistrationRow.category, func.count()).group_by(RegistrationRow.category)
    return {key: n for key, n in session.execute(q)}
