"""The event's categories: label, badge word, badge colour and the rules' facts per category key."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, false, true
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
    # counts toward the seats and the per-organisation cap (staff, by default, does not)
    counted: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # takes the rows whose category word is unknown or empty ("default" is an SQL word)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
