"""Tables of the matchmaking: the imported problem, the schedules, presence and outcomes.

The problem (participants, accepted requests, slots, tables) is replaced by imports. Every
schedule is kept as a numbered version with its meetings and unscheduled reasons, so that a
re-schedule can be compared with what was published. Presence scans and meeting outcomes are
append-only logs with random ids; the latest outcome of a meeting wins.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from desk.store.schema import Base


class MatchParticipantRow(Base):
    """One person at the matchmaking; `available` is '' (every slot) or e.g. `1-6|9|11-16`."""

    __tablename__ = "match_participant"

    participant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organisation: Mapped[str] = mapped_column(String(300), default="")
    name: Mapped[str] = mapped_column(String(300), default="")
    country: Mapped[str] = mapped_column(String(300), default="")
    # no foreign key: the matchmaking platform's list may name registrations not synced yet
    registration_id: Mapped[str | None] = mapped_column(String(64), index=True)
    available: Mapped[str] = mapped_column(String(4000), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)  # file order


class MatchRequestRow(Base):
    """An accepted meeting request between two participants."""

    __tablename__ = "match_request"
    __table_args__ = (
        UniqueConstraint("requester", "partner", name="uq_match_request_pair"),
        CheckConstraint("priority >= 1", name="priority"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requester: Mapped[str] = mapped_column(ForeignKey("match_participant.participant_id"))
    partner: Mapped[str] = mapped_column(ForeignKey("match_participant.participant_id"), index=True)
    priority: Mapped[int] = mapped_column(Integer, default=1)


class MatchSlotRow(Base):
    """A timed round of meetings (a gap between two slots is a break)."""

    __tablename__ = "match_slot"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    start_at: Mapped[dt.datetime]
    end_at: Mapped[dt.datetime]


class MatchSettingsRow(Base):
    """The matchmaking's settings (one row): how many tables there are."""

    __tablename__ = "match_settings"
    __table_args__ = (CheckConstraint("tables >= 0", name="tables"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tables: Mapped[int] = mapped_column(Integer, default=20)


class MatchScheduleRow(Base):
    """One computed schedule (a version); `published_at` is set when it was printed and shown."""

    __tablename__ = "match_schedule"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[dt.datetime]
    held: Mapped[int] = mapped_column(Integer)
    requested: Mapped[int] = mapped_column(Integer)
    upper_bound: Mapped[int] = mapped_column(Integer)
    optimal: Mapped[bool] = mapped_column(Boolean)
    tables: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[dt.datetime | None]


class MatchMeetingRow(Base):
    """A meeting of one schedule version; `adhoc` ones were arranged on the day for a freed participant."""

    __tablename__ = "match_meeting"
    __table_args__ = (Index("ix_match_meeting_version_slot", "version", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(ForeignKey("match_schedule.version", ondelete="CASCADE"))
    requester: Mapped[str] = mapped_column(String(64))
    partner: Mapped[str] = mapped_column(String(64))
    slot: Mapped[int] = mapped_column(Integer)
    table_number: Mapped[int] = mapped_column(Integer)
    adhoc: Mapped[bool] = mapped_column(Boolean, default=False)


class MatchUnscheduledRow(Base):
    """An accepted meeting a schedule version could not hold, with its reason."""

    __tablename__ = "match_unscheduled"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(ForeignKey("match_schedule.version", ondelete="CASCADE"), index=True)
    requester: Mapped[str] = mapped_column(String(64))
    partner: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(300))


class MatchPresenceRow(Base):
    """Append-only: a participant's badge scanned at the matchmaking area."""

    __tablename__ = "match_presence"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    participant_id: Mapped[str] = mapped_column(String(64), index=True)
    desk: Mapped[str] = mapped_column(String(100))


class MatchOutcomeRow(Base):
    """Append-only: a meeting recorded as held, as a no-show (of `absent`), or its last record
    undone; by whom and when."""

    __tablename__ = "match_outcome"
    __table_args__ = (CheckConstraint("outcome IN ('held','no_show','undone')", name="outcome"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    requester: Mapped[str] = mapped_column(String(64))
    partner: Mapped[str] = mapped_column(String(64))
    slot: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(8))
    absent: Mapped[str | None] = mapped_column(String(64))
    desk: Mapped[str] = mapped_column(String(100))
