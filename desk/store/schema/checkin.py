"""Tables of the entrance: check-ins and the append-only scan log.

Rows carry random ids (not sequence numbers) so that desks can exchange them later
without collisions.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from desk.store.schema import Base


class CheckinRow(Base):
    """One person let in on one day at one desk; undone check-ins stay, marked."""

    __tablename__ = "checkin"
    __table_args__ = (
        Index("ix_checkin_registration_day", "registration_id", "day"),
        # one active check-in per person and day, even when two desks scan at the same moment
        # (a check-in another station made while apart is kept as a duplicate, never active)
        Index("uq_checkin_active", "registration_id", "day", unique=True,
              sqlite_where=text("undone_at IS NULL AND duplicate_of IS NULL"),
              postgresql_where=text("undone_at IS NULL AND duplicate_of IS NULL")),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    registration_id: Mapped[str] = mapped_column(ForeignKey("registration.registration_id"))
    day: Mapped[dt.date] = mapped_column(Date)
    at: Mapped[dt.datetime]
    desk: Mapped[str] = mapped_column(String(100))
    undone_at: Mapped[dt.datetime | None]
    undone_desk: Mapped[str | None] = mapped_column(String(100))
    # the merged log's order: the station that made it and its clock stamps (desk.core.hub)
    station: Mapped[str] = mapped_column(String(100), default="", server_default="")
    stamp: Mapped[str] = mapped_column(String(19), default="", server_default="")
    undone_stamp: Mapped[str | None] = mapped_column(String(19))
    duplicate_of: Mapped[str | None] = mapped_column(String(32))


class ScanLogRow(Base):
    """Append-only: every scan at any desk or door, accepted or not."""

    __tablename__ = "scan_log"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    desk: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(index=True)
    code: Mapped[str] = mapped_column(String(512))
    outcome: Mapped[str] = mapped_column(String(32))
    registration_id: Mapped[str | None] = mapped_column(String(64), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
