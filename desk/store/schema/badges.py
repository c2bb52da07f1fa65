"""Tables of badge printing: the event's public keys, the print queue and the print log.

Only PUBLIC keys are stored here: any desk that holds the database can verify a badge
code offline. The signing keys and the reference secret stay in the key file
(desk.services.badges.keys) and never reach the database. Rows of the queue and the log carry
random ids so desks can exchange them later without collisions.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from desk.store.schema import Base


class BadgeKeyRow(Base):
    """One public key version of the event's badge codes."""

    __tablename__ = "badge_key"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    event_key: Mapped[str] = mapped_column(String(64))  # name of the event's key file
    public_key: Mapped[str] = mapped_column(String(64))  # raw Ed25519 public key, base64
    created_at: Mapped[dt.datetime]


class PrintJobRow(Base):
    """One badge waiting for, going to, or sent to a printer."""

    __tablename__ = "print_job"
    __table_args__ = (
        CheckConstraint("state IN ('queued','printing','done','failed')", name="state"),
        Index("ix_print_job_state_created", "state", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    registration_id: Mapped[str] = mapped_column(ForeignKey("registration.registration_id"), index=True)
    layout: Mapped[str] = mapped_column(String(32))
    desk: Mapped[str] = mapped_column(String(100))
    user: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    reprint: Mapped[bool] = mapped_column(Boolean, default=False)
    printer: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class PrintLogRow(Base):
    """Append-only: every badge handed to a printer, who asked for it, where and when."""

    __tablename__ = "print_log"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    desk: Mapped[str] = mapped_column(String(100))
    user: Mapped[str] = mapped_column(String(100), default="")
    registration_id: Mapped[str] = mapped_column(String(64), index=True)
    job_id: Mapped[str] = mapped_column(String(32))
    printer: Mapped[str] = mapped_column(String(200), default="")
    reprint: Mapped[bool] = mapped_column(Boolean, default=False)
