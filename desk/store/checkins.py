"""Repository of the entrance: check-ins, undo, the append-only scan log and what counters read.

Every function receives an open unit of work (a Session) and returns core dataclasses.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from desk.core.checkin.decision import CheckinEntry
from desk.store import hub
from desk.store.schema import RegistrationRow
from desk.store.schema.checkin import CheckinRow, ScanLogRow

LOG_CODE_CHARS = 200
"""Codes are cut to this length in the scan log: enough to tell two badges apart."""
_UTC = dt.timezone.utc
ACTIVE = CheckinRow.undone_at.is_(None) & CheckinRow.duplicate_of.is_(None)
"""A check-in that stands: not undone, not a duplicate of another station's."""


@dataclass(frozen=True)
class ScanEntry:
    """One line of the scan log."""

    scan_id: str
    desk: str
    at: dt.datetime
    code: str
    outcome: str
    registration_id: str | None
    detail: str = ""


def new_id() -> str:
    """A random row id (32 hex characters): desks create rows independently, then exchange them."""
    return uuid.uuid4().hex


def loggable(code: str) -> str:
    """Return `code` cut to LOG_CODE_CHARS with unprintable characters spelt as escapes.

    A hostile scan may hold NUL bytes (PostgreSQL refuses them in text) or lone surrogates
    (no database can encode them); the log keeps a readable trace instead.
    """
    out = []
    for ch in code[:LOG_CODE_CHARS]:
        out.append(ch if ch.isprintable() else f"\\u{ord(ch):04x}")
    return "".join(out)[: LOG_CODE_CHARS * 2]


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # Core selects skip the column type's result hook, so naive UTC may come back.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=_UTC)
    return value


def _entry(row: CheckinRow) -> CheckinEntry:
    return CheckinEntry(row.id, row.registration_id, row.day, _aware(row.at), row.desk,  # type: ignore[arg-type]
                        _aware(row.undone_at), row.station or "")


# --- lookups for verification -----------------------------------------------------------

def registration_for_ref(session: Session, ref: str) -> str | None:
    """The registration id whose badge reference is `ref`, or None."""
    return session.scalar(select(RegistrationRow.registration_id).where(RegistrationRow.badge_ref == ref))


# --- check-ins ---------------------------------------------------------------------------

def checkins_of(session: Session, registration_id: str) -> list[CheckinEntry]:
    """Every check-in of one registration (active and undone), oldest first."""
    q = (select(CheckinRow).where(CheckinRow.registration_id == registration_id,
                                  CheckinRow.duplicate_of.is_(None))  # a duplicate never stood
         .order_by(CheckinRow.at, CheckinRow.id))
    return [_entry(r) for r in session.scalars(q)]


def record_checkin(session: Session, registration_id: str, day: dt.date, at: dt.datetime, desk: str) -> str:
    """Insert an active check-in and return its id. Raises IntegrityError for an unknown registration."""
    checkin_id = new_id()
    entry = hub.append(session, hub.CHECKIN, {"id": checkin_id, "registration_id": registration_id,
                                              "day": day.isoformat(), "at": at, "desk": desk[:100]})
    # the station as its entry carries it ("" before joining a hub), as every other station stores it:
    # the merge order compares it, so a desk name here would order this check-in differently
    session.add(CheckinRow(id=checkin_id, registration_id=registration_id, day=day, at=at, desk=desk[:100],
                           station=entry.station_name, stamp=entry.stamp))
    session.flush()
    return checkin_id


def mark_undone(session: Session, checkin_id: str, at: dt.datetime, desk: str) -> bool:
    """Mark one active check-in undone; return False when it was not active (already undone, absent)."""
    stamp = hub.new_stamp(session)
    result = session.execute(
        update(CheckinRow).where(CheckinRow.id == checkin_id, CheckinRow.undone_at.is_(None))
        .values(undone_at=at, undone_desk=desk[:100], undone_stamp=stamp)
    )
    if result.rowcount != 1:
        return False
    hub.append(session, hub.UNDO, {"checkin_id": checkin_id, "at": at, "desk": desk[:100]}, stamp=stamp)
    # a check-in another station made while apart may stand now (desk.core.hub.resolve_checkins)
    person = session.execute(select(CheckinRow.registration_id, CheckinRow.day).where(CheckinRow.id == checkin_id)).one()
    hub.resolve(session, person.registration_id, person.day)
    return True


def checked_in_ids(session: Session, day: dt.date) -> set[str]:
    """Registrations with at least one active check-in on `day`."""
    q = select(CheckinRow.registration_id).where(CheckinRow.day == day, ACTIVE).distinct()
    return set(session.scalars(q))


def arrival_times(session: Session, day: dt.date) -> list[dt.datetime]:
    """The time of each person's first active check-in on `day` (one per person: re-scans are no arrivals)."""
    q = select(CheckinRow.registration_id, CheckinRow.at).where(CheckinRow.day == day, ACTIVE)
    first: dict[str, dt.datetime] = {}
    for rid, at in session.execute(q):
        at = _aware(at)
        if rid not in first or at < first[rid]:
            first[rid] = at
    return list(first.values())


# --- scan log ----------------------------------------------------------------------------

def append_scan(session: Session, entry: ScanEntry) -> None:
    """Append one scan to the log (never updated, never deleted)."""
    row = {"id": entry.scan_id, "desk": entry.desk[:100], "at": entry.at, "code": loggable(entry.code)[:512],
           "outcome": entry.outcome[:32], "registration_id": entry.registration_id,
           "detail": loggable(entry.detail)[:2000]}
    session.execute(insert(ScanLogRow).values(**row))
    hub.log_row(session, "scan", row)


def recent_scans(session: Session, limit: int = 20, desk: str | None = None) -> list[ScanEntry]:
    """The newest scans (of one desk, or all), newest first."""
    q = select(ScanLogRow).order_by(ScanLogRow.at.desc(), ScanLogRow.id).limit(limit)
    if desk is not None:
        q = q.where(ScanLogRow.desk == desk)
    return [ScanEntry(r.id, r.desk, _aware(r.at), r.code, r.outcome, r.registration_id, r.detail)  # type: ignore[arg-type]
            for r in session.scalars(q)]


def count_scans(session: Session) -> int:
    """Number of lines in the scan log."""
    return session.scalar(select(func.count()).select_from(ScanLogRow)) or 0
