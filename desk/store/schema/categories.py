"""The event's categories: label, badge word and badge colour per category key."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from desk.store.schema import Base


class EventCategoryRow(Base):
    """One category of the event, in the order the event lists them."""

    __tablename__ = "event_category"
    __table_args__ = (UniqueConstraint("event_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    category: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(100))
    badge_word: Mapped[str] = mapped_column(String(40))
    colour: Mapped[str] = mapped_column(String(7))
    position: Mapped[int] = mapped_column(Integer, default=0)
