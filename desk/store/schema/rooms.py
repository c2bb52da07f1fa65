"""Tables of the rooms: the programme (rooms, sessions), door events and headcounts.

Door events and headcounts are append-only logs with random ids (desks can exchange them
later); occupancy is always recomputed from them, never stored.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from desk.store.schema import Base


class RoomRow(Base):
    """A room with its certified capacity and what its door does when full."""

    __tablename__ = "room"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity"),
        CheckConstraint("full_policy IN ('refuse','warn')", name="full_policy"),
        CheckConstraint("wrong_day_policy IN ('refuse','warn')", name="wrong_day_policy"),
    )

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    capacity: Mapped[int] = mapped_column(Integer)
    full_policy: Mapped[str] = mapped_column(String(8), default="refuse")
    position: Mapped[int] = mapped_column(Integer, default=0)  # display order on the board
    # a person registered for other days: refuse or warn; NULL follows the event's policy
    wrong_day_policy: Mapped[str | None] = mapped_column(String(8))


class SessionRow(Base):
    """One session of the programme in one room."""

    __tablename__ = "programme_session"
    __table_args__ = (Index("ix_programme_session_room_start", "room", "start_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    priority_area: Mapped[str] = mapped_column(String(200), default="")
    topic: Mapped[str] = mapped_column(String(200), default="")
    room: Mapped[str] = mapped_column(ForeignKey("room.name"))
    start_at: Mapped[dt.datetime]
    end_at: Mapped[dt.datetime]


class DoorEventRow(Base):
    """Append-only: a badge recorded going into or out of a room."""

    __tablename__ = "door_event"
    __table_args__ = (CheckConstraint("move IN ('entry','exit')", name="move"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    room: Mapped[str] = mapped_column(ForeignKey("room.name"))
    registration_id: Mapped[str] = mapped_column(ForeignKey("registration.registration_id"), index=True)
    move: Mapped[str] = mapped_column(String(8))
    desk: Mapped[str] = mapped_column(String(100))


class HeadcountRow(Base):
    """Append-only: a host's manual count of the people in a room (the correction log)."""

    __tablename__ = "headcount"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    room: Mapped[str] = mapped_column(ForeignKey("room.name"))
    count: Mapped[int] = mapped_column(Integer)
    counted_before: Mapped[int] = mapped_column(Integer)  # what the board showed, for the log
    desk: Mapped[str] = mapped_column(String(100))
