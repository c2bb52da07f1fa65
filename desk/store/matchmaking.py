"""Repository functions for the matchmaking: the problem, schedule versions, presence, outcomes.

Every function receives an open unit of work (a Session) and returns core dataclasses or plain
values, never ORM rows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from desk.core.matchmaking.model import Meeting, MeetingRequest, Participant, Schedule, Slot, Unscheduled, pair_key
from desk.core.matchmaking.files import format_available, parse_available
from desk.store import hub
from desk.store.schema.matchmaking import (
    MatchMeetingRow, MatchOutcomeRow, MatchParticipantRow, MatchPresenceRow, MatchRequestRow, MatchScheduleRow,
    MatchSettingsRow, MatchSlotRow, MatchUnscheduledRow,
)

_UTC = dt.timezone.utc
DEFAULT_TABLES = 20


def _aware(value: dt.datetime) -> dt.datetime:
    # Core selects of single columns bypass the type's result hook on some paths
    return value if value.tzinfo is not None else value.replace(tzinfo=_UTC)


@dataclass(frozen=True)
class StoredSchedule:
    """A schedule version as stored: the Schedule, its table count, when published, ad-hoc meetings."""

    version: int
    schedule: Schedule
    tables: int
    created_at: dt.datetime
    published_at: dt.datetime | None
    adhoc: tuple[Meeting, ...] = ()

    @property
    def all_meetings(self) -> list[Meeting]:
        """Planned meetings plus those arranged on the day, in slot and table order."""
        return sorted([*self.schedule.meetings, *self.adhoc], key=lambda m: (m.slot, m.table))


UNDONE = "undone"  # appended to take a meeting's last outcome back


@dataclass(frozen=True)
class Outcome:
    """The latest record for one meeting: 'held' or 'no_show' (with who was absent)."""

    requester: str
    partner: str
    slot: int
    outcome: str
    absent: str | None
    desk: str
    at: dt.datetime


# --- the problem ---------------------------------------------------------------------------

def replace_participants(session: Session, people: Sequence[Participant]) -> int:
    """Make `people` the participant list; requests naming anybody dropped are deleted.

    Returns how many requests were deleted with the dropped participants.
    """
    keep = {p.participant_id for p in people}
    gone = set(session.scalars(select(MatchParticipantRow.participant_id))) - keep
    dropped = 0
    if gone:
        dropped = session.execute(delete(MatchRequestRow).where(or_(
            MatchRequestRow.requester.in_(gone), MatchRequestRow.partner.in_(gone)))).rowcount
        session.execute(delete(MatchParticipantRow).where(MatchParticipantRow.participant_id.in_(gone)))
    existing = {r.participant_id: r for r in session.scalars(select(MatchParticipantRow))}
    for position, p in enumerate(people):
        row = existing.get(p.participant_id)
        if row is None:
            row = MatchParticipantRow(participant_id=p.participant_id)
            session.add(row)
        row.organisation, row.name, row.country = p.organisation, p.name, p.country
        row.registration_id, row.available, row.position = p.registration_id, format_available(p.available), position
    session.flush()
    return dropped


def list_participants(session: Session) -> list[Participant]:
    """Every participant in file order."""
    rows = session.scalars(select(MatchParticipantRow).order_by(MatchParticipantRow.position))
    return [Participant(r.participant_id, r.organisation, r.name, r.country, r.registration_id,
                        parse_available(r.available, 0)) for r in rows]


def participant_ids(session: Session) -> set[str]:
    """The ids of every participant."""
    return set(session.scalars(select(MatchParticipantRow.participant_id)))


def participant_for_registration(session: Session, registration_id: str) -> str | None:
    """The participant linked to a registration, or None."""
    return session.scalar(select(MatchParticipantRow.participant_id)
                          .where(MatchParticipantRow.registration_id == registration_id).limit(1))


def replace_requests(session: Session, requests: Sequence[MeetingRequest]) -> None:
    """Make `requests` the accepted requests (in file order)."""
    session.execute(delete(MatchRequestRow))
    if requests:
        session.execute(insert(MatchRequestRow), [
            {"requester": r.requester, "partner": r.partner, "priority": r.priority} for r in requests])


def list_requests(session: Session) -> list[MeetingRequest]:
    """Every accepted request in file order."""
    rows = session.scalars(select(MatchRequestRow).order_by(MatchRequestRow.id))
    return [MeetingRequest(r.requester, r.partner, r.priority) for r in rows]


def replace_slots(session: Session, slots: Sequence[Slot]) -> None:
    """Make `slots` (aware start and end) the session layout."""
    session.execute(delete(MatchSlotRow))
    if slots:
        session.execute(insert(MatchSlotRow), [
            {"number": s.number, "start_at": s.start, "end_at": s.end} for s in slots])


def list_slots(session: Session) -> list[Slot]:
    """Every slot in time order, times aware UTC."""
    rows = session.scalars(select(MatchSlotRow).order_by(MatchSlotRow.start_at))
    return [Slot(r.number, _aware(r.start_at), _aware(r.end_at)) for r in rows]


def get_tables(session: Session) -> int:
    """The number of tables (DEFAULT_TABLES until set)."""
    found = session.scalar(select(MatchSettingsRow.tables).order_by(MatchSettingsRow.id).limit(1))
    return DEFAULT_TABLES if found is None else found


def set_tables(session: Session, tables: int) -> None:
    """Set the number of tables."""
    row = session.scalars(select(MatchSettingsRow).order_by(MatchSettingsRow.id).limit(1)).first()
    if row is None:
        session.add(MatchSettingsRow(tables=tables))
    else:
        row.tables = tables
    session.flush()


# --- schedules -----------------------------------------------------------------------------

def save_schedule(session: Session, schedule: Schedule, tables: int, at: dt.datetime) -> int:
    """Store a new schedule version (not published); return its version number."""
    version = (session.scalar(select(func.max(MatchScheduleRow.version))) or 0) + 1
    session.add(MatchScheduleRow(version=version, created_at=at, held=schedule.held, requested=schedule.requested,
                                 upper_bound=schedule.upper_bound, optimal=schedule.optimal, tables=tables))
    session.flush()
    if schedule.meetings:
        session.execute(insert(MatchMeetingRow), [
            {"version": version, "requester": m.requester, "partner": m.partner, "slot": m.slot,
             "table_number": m.table, "adhoc": False} for m in schedule.meetings])
    if schedule.unscheduled:
        session.execute(insert(MatchUnscheduledRow), [
            {"version": version, "requester": u.requester, "partner": u.partner, "reason": u.reason}
            for u in schedule.unscheduled])
    return version


def latest_version(session: Session, *, published: bool = False) -> int | None:
    """The newest schedule version (the newest published one with `published`), or None."""
    query = select(func.max(MatchScheduleRow.version))
    if published:
        query = query.where(MatchScheduleRow.published_at.is_not(None))
    return session.scalar(query)


def current_version(session: Session) -> int | None:
    """The schedule the day runs on: the newest published version, else the newest one."""
    return latest_version(session, published=True) or latest_version(session)


def load_schedule(session: Session, version: int) -> StoredSchedule | None:
    """One schedule version with its meetings, reasons and ad-hoc meetings; None if absent."""
    head = session.get(MatchScheduleRow, version)
    if head is None:
        return None
    planned: list[Meeting] = []
    adhoc: list[Meeting] = []
    for r in session.scalars(select(MatchMeetingRow).where(MatchMeetingRow.version == version)
                             .order_by(MatchMeetingRow.slot, MatchMeetingRow.table_number)):
        (adhoc if r.adhoc else planned).append(Meeting(r.requester, r.partner, r.slot, r.table_number))
    unscheduled = [Unscheduled(r.requester, r.partner, r.reason) for r in session.scalars(
        select(MatchUnscheduledRow).where(MatchUnscheduledRow.version == version).order_by(MatchUnscheduledRow.id))]
    schedule = Schedule(head.held, head.requested, head.upper_bound, head.optimal, planned, unscheduled)
    published = _aware(head.published_at) if head.published_at else None
    return StoredSchedule(version, schedule, head.tables, _aware(head.created_at), published, tuple(adhoc))


def publish(session: Session, version: int, at: dt.datetime) -> bool:
    """Mark a version as published at `at`; False when there is no such version."""
    done = session.execute(update(MatchScheduleRow).where(MatchScheduleRow.version == version)
                           .values(published_at=at))
    return bool(done.rowcount)


def add_adhoc_meeting(session: Session, version: int, meeting: Meeting) -> None:
    """Add a meeting arranged on the day to a schedule version."""
    session.execute(insert(MatchMeetingRow), [{
        "version": version, "requester": meeting.requester, "partner": meeting.partner, "slot": meeting.slot,
        "table_number": meeting.table, "adhoc": True}])


# --- presence and outcomes -----------------------------------------------------------------

def record_presence(session: Session, participant_id: str, at: dt.datetime, desk: str) -> None:
    """Append a presence scan of a participant at the matchmaking area."""
    row = {"id": uuid.uuid4().hex, "at": at, "participant_id": participant_id, "desk": desk[:100]}
    session.execute(insert(MatchPresenceRow), [row])
    hub.log_row(session, "presence", row)


def present_ids(session: Session, since: dt.datetime) -> set[str]:
    """Participants scanned at the matchmaking area at or after `since`."""
    return set(session.scalars(select(MatchPresenceRow.participant_id).where(MatchPresenceRow.at >= since)))


def record_outcome(session: Session, meeting: Meeting, outcome: str, absent: str | None, at: dt.datetime,
                   desk: str) -> None:
    """Append 'held', 'no_show' (with the absent participant) or 'undone' for a meeting."""
    row = {"id": uuid.uuid4().hex, "at": at, "requester": meeting.requester, "partner": meeting.partner,
           "slot": meeting.slot, "outcome": outcome, "absent": absent, "desk": desk[:100]}
    session.execute(insert(MatchOutcomeRow), [row])
    hub.log_row(session, "outcome", row)


def latest_outcomes(session: Session, slots: Iterable[int] | None = None) -> dict[tuple[tuple[str, str], int], Outcome]:
    """The latest outcome per (pair key, slot), optionally for some slots only."""
    query = select(MatchOutcomeRow).order_by(MatchOutcomeRow.at, MatchOutcomeRow.id)
    if slots is not None:
        query = query.where(MatchOutcomeRow.slot.in_(list(slots)))
    found: dict[tuple[tuple[str, str], int], Outcome] = {}
    for r in session.scalars(query):
        key = (pair_key(r.requester, r.partner), r.slot)
        if r.outcome == UNDONE:
            found.pop(key, None)  # back to pending: as if nothing had been recorded
            continue
        found[key] = Outcome(r.requester, r.partner, r.slot, r.outcome, r.absent, r.desk, _aware(r.at))
    return found
