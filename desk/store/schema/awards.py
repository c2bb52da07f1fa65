"""Tables of award voting: awards, finalists with their counts, and who voted.

Who voted (`award_voter`) and what was voted (the counts on `award_finalist`) share nothing
but the award: no ballot row exists, so no id, time or order can join a person to a choice.
`award_voter` is a WITHOUT ROWID table on SQLite, stored in the order of its key (award,
registration id), so not even its physical order tells who voted first.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from desk.store.schema import Base


class AwardRow(Base):
    """An award; voting is open while `open_until` lies ahead and `closed_at` is empty."""

    __tablename__ = "award"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # the folded name votes are matched by
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    open_until: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    ballots: Mapped[int] = mapped_column(Integer, default=0)  # ballots counted so far (the reconciliation)
    # the hub clock stamp of the last opening or closing: through the hub, the newest window wins
    window_stamp: Mapped[str] = mapped_column(String(19), default="", server_default="")


class AwardFinalistRow(Base):
    """A finalist and its count; `reached_at_ballot` is the award's ballot number at which the
    count reached its current value (for the earliest-ballot tie-break), not a time."""

    __tablename__ = "award_finalist"
    __table_args__ = (
        UniqueConstraint("award_id", "key"),
        CheckConstraint("votes >= 0", name="votes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"))
    key: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    votes: Mapped[int] = mapped_column(Integer, default=0)
    reached_at_ballot: Mapped[int] = mapped_column(Integer, default=0)


class AwardVoterRow(Base):
    """One person who voted for one award: the key is the whole row (one ballot per badge per award)."""

    __tablename__ = "award_voter"
    __table_args__ = {"sqlite_with_rowid": False}

    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"), primary_key=True)
    registration_id: Mapped[str] = mapped_column(ForeignKey("registration.registration_id"), primary_key=True)


class AwardStationRow(Base):
    """On the hub: what it made of each station's ballot envelopes (no ballot, no voter, no time).

    `opened_seq` is the station's log sequence number up to which its envelopes were opened;
    the station learns from it which of its own ballots the hub's tally already holds."""

    __tablename__ = "award_station"

    station: Mapped[str] = mapped_column(String(32), primary_key=True)
    opened_seq: Mapped[int] = mapped_column(Integer, default=0)
    counted: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)  # second ballots of a person for an award
