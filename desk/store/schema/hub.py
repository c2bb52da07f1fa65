"""Tables of the hub: each station's append-only log (its outbox) and, on the hub database, the
merged log every station pushes to and pulls from.

A station's database and the hub's are the same schema: the station fills `hub_log`,
`hub_station` and `hub_known`; the hub fills `hub_entry` and `hub_member`, and also derives the
same state tables (check-ins, door events, ...) from what it receives.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column

from desk.store.schema import Base

STAMP = 19  # width of a hybrid logical clock stamp (desk.core.hub.STAMP_LENGTH)


class HubLogRow(Base):
    """A station's log: its own entries (the outbox) and those it received, applied or not yet."""

    __tablename__ = "hub_log"
    __table_args__ = (
        UniqueConstraint("station", "seq", name="uq_hub_log_station_seq"),
        Index("ix_hub_log_unpushed", "pushed", "seq"),
        Index("ix_hub_log_unapplied", "applied"),
    )

    n: Mapped[int] = mapped_column(Integer, primary_key=True)  # local order of arrival only
    id: Mapped[str] = mapped_column(String(32), unique=True)
    station: Mapped[str] = mapped_column(String(32))
    station_name: Mapped[str] = mapped_column(String(100), default="")
    seq: Mapped[int] = mapped_column(Integer)
    stamp: Mapped[str] = mapped_column(String(STAMP), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    pushed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    applied: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    error: Mapped[str] = mapped_column(Text, default="", server_default="")


class HubStationRow(Base):
    """This database as a station (one row): who it is, which hub it joined and where it stopped."""

    __tablename__ = "hub_station"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    hub_url: Mapped[str | None] = mapped_column(Text)
    pulled: Mapped[int] = mapped_column(BigInteger, default=0)  # the hub position pulled up to
    last_contact_at: Mapped[dt.datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="", server_default="")
    # host, path and file of the SQLite database the station id was made for ("" on a server)
    home: Mapped[str] = mapped_column(Text, default="", server_default="")


class HubKnownRow(Base):
    """What this station last published or received of each shared record (a registration, the
    event, the programme ...): its digest and stamp. A local change shows as a new digest."""

    __tablename__ = "hub_known"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    digest: Mapped[str] = mapped_column(String(32))
    stamp: Mapped[str] = mapped_column(String(STAMP))


class HubEntryRow(Base):
    """On the hub: every entry any station pushed, in the order the hub took them (`position`)."""

    __tablename__ = "hub_entry"
    __table_args__ = (UniqueConstraint("station", "seq", name="uq_hub_entry_station_seq"),)

    position: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                          autoincrement=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    station: Mapped[str] = mapped_column(String(32))
    station_name: Mapped[str] = mapped_column(String(100), default="")
    seq: Mapped[int] = mapped_column(Integer)
    stamp: Mapped[str] = mapped_column(String(STAMP))
    kind: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    applied: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    error: Mapped[str] = mapped_column(Text, default="", server_default="")


class HubMemberRow(Base):
    """On the hub: each station that ever synced, its last contact and how far it has come."""

    __tablename__ = "hub_member"

    station: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    joined_at: Mapped[dt.datetime]
    last_contact_at: Mapped[dt.datetime | None]
    logged: Mapped[int] = mapped_column(Integer, default=0)  # the station's own entries at last contact
    pushed: Mapped[int] = mapped_column(Integer, default=0)  # of those, how many the hub holds
    pulled: Mapped[int] = mapped_column(BigInteger, default=0)  # the hub position it pulled up to
