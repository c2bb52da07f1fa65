"""Repository functions for badges: public keys, badge references, the print queue and log.

Every function receives an open unit of work (a Session) and returns plain data or core
dataclasses, never ORM rows.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from desk.core.attendees import Status
from desk.store import hub
from desk.store.schema import RegistrationRow
from desk.store.schema.badges import BadgeKeyRow, PrintJobRow, PrintLogRow

_UTC = dt.timezone.utc


def new_id() -> str:
    """A random row id (desks exchange rows later; sequence numbers would collide)."""
    return secrets.token_hex(16)


def _aware(stamp: dt.datetime) -> dt.datetime:
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=_UTC)


# --- public keys -------------------------------------------------------------------------

def public_keys(session: Session) -> dict[int, str]:
    """Return the stored public keys (base64 raw Ed25519) by key version."""
    return {r.version: r.public_key for r in session.scalars(select(BadgeKeyRow))}


def event_key_name(session: Session) -> str | None:
    """Return the name of the event's key file, or None before the event has keys."""
    return session.scalars(select(BadgeKeyRow.event_key).order_by(BadgeKeyRow.version).limit(1)).first()


def save_public_keys(session: Session, event_key: str, keys: Mapping[int, str], now: dt.datetime) -> None:
    """Store public keys by version; versions already stored are left as they are."""
    have = public_keys(session)
    for version, key in sorted(keys.items()):
        if version not in have:
            session.add(BadgeKeyRow(version=version, event_key=event_key, public_key=key, created_at=now))
    session.flush()


# --- badge references --------------------------------------------------------------------

def registrations_without_ref(session: Session) -> list[str]:
    """Registration ids whose badge reference is not filled yet."""
    return list(session.scalars(select(RegistrationRow.registration_id).where(RegistrationRow.badge_ref.is_(None))))


def set_badge_refs(session: Session, refs: Mapping[str, str]) -> None:
    """Store badge references by registration id."""
    for registration_id, ref in refs.items():
        session.execute(update(RegistrationRow).where(RegistrationRow.registration_id == registration_id)
                        .values(badge_ref=ref))


def badge_refs(session: Session, ids: Iterable[str] | None = None) -> dict[str, str]:
    """Return the filled badge references by registration id (all of them when ids is None)."""
    q = select(RegistrationRow.registration_id, RegistrationRow.badge_ref).where(RegistrationRow.badge_ref.is_not(None))
    if ids is None:
        return {rid: ref for rid, ref in session.execute(q)}
    wanted, found = list(ids), {}
    for i in range(0, len(wanted), 500):
        chunk = q.where(RegistrationRow.registration_id.in_(wanted[i:i + 500]))
        found.update({rid: ref for rid, ref in session.execute(chunk)})
    return found


def find_by_badge_ref(session: Session, ref: str) -> str | None:
    """The registration id whose badge reference is exactly `ref`, or None."""
    return session.scalars(select(RegistrationRow.registration_id).where(RegistrationRow.badge_ref == ref)).first()


def attendee_ids(session: Session) -> list[str]:
    """Registration ids of every attendee (validated), in list order (last, first name)."""
    return list(session.scalars(select(RegistrationRow.registration_id)
                                .where(RegistrationRow.status == Status.VALIDATED.value)
                                .order_by(RegistrationRow.sort_key, RegistrationRow.registration_id)))


# --- print queue -------------------------------------------------------------------------

@dataclass(frozen=True)
class PrintJob:
    """One print job as the desk sees it."""

    id: str
    registration_id: str
    layout: str
    desk: str
    user: str
    state: str
    attempts: int
    error: str
    reprint: bool
    printer: str
    created_at: dt.datetime
    updated_at: dt.datetime
    name: str = ""  # "First Last" of the registration, for the list


def _job(row: PrintJobRow, name: str = "") -> PrintJob:
    return PrintJob(row.id, row.registration_id, row.layout, row.desk, row.user, row.state, row.attempts,
                    row.error, row.reprint, row.printer, _aware(row.created_at), _aware(row.updated_at), name)


def add_job(session: Session, registration_id: str, layout: str, desk: str, user: str, reprint: bool,
            now: dt.datetime) -> PrintJob:
    """Queue a badge and return the job."""
    row = PrintJobRow(id=new_id(), registration_id=registration_id, layout=layout, desk=desk[:100],
                      user=user[:100], state="queued", attempts=0, error="", reprint=reprint, printer="",
                      created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return _job(row)


def get_job(session: Session, job_id: str) -> PrintJob | None:
    """One job by id, or None."""
    row = session.get(PrintJobRow, job_id)
    return _job(row) if row else None


def jobs(session: Session, states: Sequence[str] | None = None, registration_id: str | None = None,
         desk: str | None = None, limit: int = 500) -> list[PrintJob]:
    """Jobs, newest first, with the registration's name; optionally only some states or one person."""
    q = (select(PrintJobRow, RegistrationRow.first_name, RegistrationRow.last_name)
         .join(RegistrationRow, RegistrationRow.registration_id == PrintJobRow.registration_id)
         .order_by(PrintJobRow.created_at.desc(), PrintJobRow.id).limit(limit))
    if states is not None:
        q = q.where(PrintJobRow.state.in_(list(states)))
    if registration_id is not None:
        q = q.where(PrintJobRow.registration_id == registration_id)
    if desk is not None:
        q = q.where(PrintJobRow.desk == desk[:100])
    return [_job(row, f"{first} {last}".strip()) for row, first, last in session.execute(q)]


def next_queued(session: Session, desk: str, exclude: Iterable[str] = ()) -> PrintJob | None:
    """The oldest queued job of `desk` not in `exclude`, or None."""
    q = (select(PrintJobRow).where(PrintJobRow.state == "queued", PrintJobRow.desk == desk[:100])
         .order_by(PrintJobRow.created_at, PrintJobRow.id))
    skip = set(exclude)
    for row in session.scalars(q):
        if row.id not in skip:
            return _job(row)
    return None


def set_job_state(session: Session, job_id: str, state: str, now: dt.datetime, *, error: str | None = None,
                  printer: str | None = None, attempted: bool = False) -> None:
    """Move a job to `state`; optionally record an error, the printer and one more attempt."""
    row = session.get(PrintJobRow, job_id)
    if row is None:
        return
    row.state, row.updated_at = state, now
    if error is not None:
        row.error = error
    if printer is not None:
        row.printer = printer[:200]
    if attempted:
        row.attempts += 1


def interrupted_jobs(session: Session, desk: str) -> list[str]:
    """Ids of `desk`'s jobs left in 'printing' (the app stopped while sending them)."""
    q = select(PrintJobRow.id).where(PrintJobRow.state == "printing", PrintJobRow.desk == desk[:100])
    return list(session.scalars(q))


def delete_job(session: Session, job_id: str) -> None:
    """Remove a job from the queue (the print log keeps what was printed)."""
    row = session.get(PrintJobRow, job_id)
    if row is not None:
        session.delete(row)


def state_counts(session: Session) -> dict[str, int]:
    """How many jobs are in each state."""
    rows = session.execute(select(PrintJobRow.state, func.count()).group_by(PrintJobRow.state))
    return {state: count for state, count in rows}


# --- print log ---------------------------------------------------------------------------

def was_printed(session: Session, registration_id: str) -> bool:
    """True when a badge of this registration was ever handed to a printer."""
    q = select(PrintLogRow.id).where(PrintLogRow.registration_id == registration_id).limit(1)
    return session.scalars(q).first() is not None


def printed_ids(session: Session, ids: Iterable[str]) -> set[str]:
    """Which of these registrations already had a badge printed."""
    wanted, found = list(ids), set()
    for i in range(0, len(wanted), 500):
        q = select(PrintLogRow.registration_id).where(PrintLogRow.registration_id.in_(wanted[i:i + 500]))
        found.update(session.scalars(q))
    return found


def add_log(session: Session, job: PrintJob, printer: str, now: dt.datetime) -> None:
    """Append one print (or reprint) to the log."""
    row = {"id": new_id(), "at": now, "desk": job.desk, "user": job.user, "registration_id": job.registration_id,
           "job_id": job.id, "printer": printer[:200], "reprint": job.reprint}
    session.add(PrintLogRow(**row))
    hub.log_row(session, "print", row)


def print_log(session: Session, registration_id: str | None = None, limit: int = 1000) -> list[dict[str, object]]:
    """The newest print-log entries (optionally for one registration), newest first."""
    q = select(PrintLogRow).order_by(PrintLogRow.at.desc(), PrintLogRow.id).limit(limit)
    if registration_id is not None:
        q = q.where(PrintLogRow.registration_id == registration_id)
    return [{"at": _aware(r.at), "desk": r.desk, "user": r.user, "registration_id": r.registration_id,
             "job_id": r.job_id, "printer": r.printer, "reprint": r.reprint} for r in session.scalars(q)]
