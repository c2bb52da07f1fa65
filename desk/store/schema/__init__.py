"""The database's typed models. One database holds one event.

Times are stored as naive UTC (the same on SQLite and PostgreSQL) and come back as aware UTC.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint, DateTime, ForeignKey, Index, Integer, MetaData, String, Text, TypeDecorator, text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Same constraint names on SQLite and PostgreSQL, so migrations can name them.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes in, naive UTC in the column, aware UTC out."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("desk stores aware datetimes only")
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UTCDateTime()}


class EventRow(Base):
    """The event this database belongs to (one row)."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    venue: Mapped[str] = mapped_column(String(200), default="")
    days: Mapped[str] = mapped_column(String(200))  # ISO dates joined by "|"
    seat_cap: Mapped[int] = mapped_column(Integer, default=250)
    per_organisation_cap: Mapped[int] = mapped_column(Integer, default=2)
    registration_deadline: Mapped[dt.datetime | None]
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # what room doors do for a person registered for other days (a room may say otherwise)
    wrong_day_policy: Mapped[str] = mapped_column(String(8), default="warn", server_default="warn")


class OrganisationRow(Base):
    """An organisation, under the key that makes spellings of its name compare equal."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(500), unique=True)
    name: Mapped[str] = mapped_column(String(500))


class RegistrationRow(Base):
    """A registration as last synced from the portal (validated or not)."""

    __tablename__ = "registration"
    __table_args__ = (
        CheckConstraint("status IN ('validated','pending','rejected','cancelled')", name="status"),
        # the attendee list walks this in order and stops at the first screenful
        Index("ix_registration_status_sort", "status", "sort_key", "registration_id"),
        # the per-organisation cap counts validated people by organisation after each sync
        Index("ix_registration_organisation", "status", "organisation_id", "category"),
        # one holder per ticket code, or the check-in would pick one of two (empty: no code)
        Index("uq_registration_ticket_code", "ticket_code", unique=True,
              sqlite_where=text("ticket_code <> ''"), postgresql_where=text("ticket_code <> ''")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    first_name: Mapped[str] = mapped_column(String(500), default="")
    last_name: Mapped[str] = mapped_column(String(500), default="")
    email: Mapped[str] = mapped_column(String(500), default="")
    organisation: Mapped[str] = mapped_column(String(500), default="")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    country: Mapped[str] = mapped_column(String(2), default="")
    category: Mapped[str] = mapped_column(String(32), default="other_stakeholder")
    days: Mapped[str] = mapped_column(String(200), default="")  # ISO dates joined by "|"
    ticket_code: Mapped[str] = mapped_column(String(256), default="")
    badge_ref: Mapped[str | None] = mapped_column(String(32), unique=True)  # REF inside the signed badge code
    portal_updated_at: Mapped[dt.datetime | None]
    search_text: Mapped[str] = mapped_column(Text, default="")
    sort_key: Mapped[str] = mapped_column(String(1000), default="")  # folded "last first"
    source_hash: Mapped[str | None] = mapped_column(String(32))  # digest of the record last applied
    synced_at: Mapped[dt.datetime]


class SyncLogRow(Base):
    """Append-only: one row per registration the sync added or changed."""

    __tablename__ = "sync_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    source: Mapped[str] = mapped_column(String(500))
    registration_id: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(16))  # added / updated
    changes: Mapped[str] = mapped_column(Text, default="{}")  # JSON: field -> [old, new]


class SyncCursorRow(Base):
    """Where an incremental source (the portal feed) stopped, per source address."""

    __tablename__ = "sync_cursor"

    source: Mapped[str] = mapped_column(String(500), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime]




# Each capability keeps its tables in its own module. Importing them here, once Base exists,
# puts every table on Base.metadata for Alembic and the model/migration agreement test.
from desk.store.schema import awards, badges, categories, checkin, hub, matchmaking, rooms  # noqa: E402, F401
