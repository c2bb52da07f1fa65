"""The matchmaking on the day: presence scans, held / no-show, a new partner for a freed participant,
and what the table board shows.

The day works on the published schedule (the newest one when nothing was published yet).
`round_state` is pure: the board calls it every second with its own clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from desk.core.errors import DeskError
from desk.core.matchmaking.model import Meeting, Participant, Slot, pair_key
from desk.core.text import fold
from desk.core.badges.codes import verify
from desk.core.checkin.wedge import repair
from desk.services.rooms.door import load_public_keys, local_day_start
from desk.store import matchmaking as store
from desk.store import registrations as repo
from desk.store import rooms as rooms_store
from desk.store.db import Database

HELD = "held"
NO_SHOW = "no_show"


class NoSchedule(DeskError):
    """There is no schedule to work on yet."""


@dataclass(frozen=True)
class PresenceAnswer:
    """What the matchmaking desk answers for one scan; `participant` is None when refused.

    For a participant: `meeting` and `slot` are where to go now (the round on, else the next
    one they meet in; None when none is left), `partner` whom they meet there.
    """

    participant: Participant | None
    reason: str
    meeting: Meeting | None = None
    slot: Slot | None = None
    partner: Participant | None = None

    @property
    def ok(self) -> bool:
        return self.participant is not None


def scan_presence(db: Database, code: str, at: dt.datetime, desk: str, *, keys: Mapping[int, Any] | None = None,
                  from_keyboard: bool = False) -> PresenceAnswer:
    """Record a participant arriving at the matchmaking area from a badge code or portal ticket.

    The code names a registration; the participant linked to it (registration_id) is marked
    present. Refusals (unreadable code, unknown person, not a matchmaking participant) are
    answers, not errors. Raises ValueError for a naive `at`.
    """
    if at.tzinfo is None:
        raise ValueError("presence times must be aware datetimes")
    text = code
    if from_keyboard:  # a mangled portal ticket is repaired only into a stored one
        with db.begin() as session:
            fixed = repair(code, known_tickets=lambda codes: repo.known_ticket_codes(session, codes))
        if not fixed.usable:
            return PresenceAnswer(None, fixed.hint or "the scanner burst could not be read; scan again")
        text = fixed.text
    keys = load_public_keys(db) if keys is None else keys
    with db.begin() as session:
        verdict = verify(text, keys, lambda ref: rooms_store.registration_id_by_badge_ref(session, ref),
                         lambda ticket: (r.registration_id if (r := repo.find_by_ticket_code(session, ticket)) else None))
        if not verdict.ok:
            return PresenceAnswer(None, f"not a known badge ({verdict.reason})")
        pid = store.participant_for_registration(session, verdict.registration_id)
        if pid is None:
            return PresenceAnswer(None, "this person has no meetings at the matchmaking")
        store.record_presence(session, pid, at, desk)
        state = _read_day_state(session, at, with_requests=False)  # where to go needs no requests
        person = (state.people[pid] if state is not None else
                  next(p for p in store.list_participants(session) if p.participant_id == pid))
    if state is None:
        return PresenceAnswer(person, f"{person.organisation}: arrived (no schedule yet)")
    found = next_meeting(state, pid, at)
    if found is None:
        return PresenceAnswer(person, f"{person.organisation}: arrived — no more meetings today")
    slot, meeting = found
    other = meeting.partner if meeting.requester == pid else meeting.requester
    partner = state.people.get(other)
    return PresenceAnswer(person, f"{person.organisation}: arrived — {where_to_go(state, slot, meeting, pid, at)}",
                          meeting, slot, partner)


def mark_present(db: Database, participant_id: str, at: dt.datetime, desk: str) -> None:
    """Mark a participant present by hand (found on the list, no badge)."""
    with db.begin() as session:
        store.record_presence(session, participant_id, at, desk)


def record_outcome(db: Database, meeting: Meeting, outcome: str, at: dt.datetime, desk: str,
                   absent: str | None = None) -> None:
    """Record a meeting as held or as a no-show of `absent`. Raises DeskError for a bad outcome."""
    if outcome not in (HELD, NO_SHOW):
        raise DeskError(f"a meeting is held or a no-show, not '{outcome}'")
    if outcome == NO_SHOW and absent not in (meeting.requester, meeting.partner):
        raise DeskError("say which of the two participants did not come")
    with db.begin() as session:
        store.record_outcome(session, meeting, outcome, absent if outcome == NO_SHOW else None, at, desk)


def undo_outcome(db: Database, meeting: Meeting, at: dt.datetime, desk: str) -> store.Outcome:
    """Take back the meeting's latest outcome (a wrong key): the meeting is pending again.

    The log stays append-only (an 'undone' record is added). Returns what was undone. Raises
    DeskError when nothing is recorded, or when the no-show already gave somebody of the
    meeting a new partner in that round (undo that new meeting's outcome first, not this).
    """
    key = (pair_key(meeting.requester, meeting.partner), meeting.slot)
    with db.begin() as session:
        current = store.latest_outcomes(session, [meeting.slot]).get(key)
        if current is None:
            raise DeskError(f"Table {meeting.table}: nothing recorded yet, nothing to undo")
        if current.outcome == NO_SHOW:
            version = store.current_version(session)
            stored = store.load_schedule(session, version) if version is not None else None
            moved = [m for m in (stored.adhoc if stored else ()) if m.slot == meeting.slot
                     and {m.requester, m.partner} & {meeting.requester, meeting.partner}
                     and pair_key(m.requester, m.partner) != key[0]]
            if moved:
                raise DeskError(f"Table {meeting.table}: the no-show stays, a new meeting was arranged "
                                f"in its place at table {moved[0].table}")
        # the latest record wins: the undo must come after what it undoes, even when this
        # desk's clock is behind the one that recorded it (or the same instant)
        at = max(at, current.at + dt.timedelta(microseconds=1))
        store.record_outcome(session, meeting, store.UNDONE, None, at, desk)
    return current


@dataclass(frozen=True)
class DayState:
    """Everything the day's screens need, read in one unit of work."""

    version: int
    slots: tuple[Slot, ...]
    meetings: tuple[Meeting, ...]
    adhoc: frozenset[tuple[tuple[str, str], int]]
    people: Mapping[str, Participant]
    present: frozenset[str]
    outcomes: Mapping[tuple[tuple[str, str], int], store.Outcome]
    requested: frozenset[tuple[str, str]]
    tz: dt.tzinfo

    def absent_in(self, meeting: Meeting) -> set[str]:
        """Who of the meeting has not arrived, or was recorded as not coming to it."""
        gone = {p for p in (meeting.requester, meeting.partner) if p not in self.present}
        outcome = self.outcomes.get((pair_key(meeting.requester, meeting.partner), meeting.slot))
        if outcome is not None and outcome.outcome == NO_SHOW and outcome.absent:
            gone.add(outcome.absent)
        elif outcome is not None and outcome.outcome == HELD:
            gone.clear()
        return gone

    def is_adhoc(self, meeting: Meeting) -> bool:
        """True for a meeting arranged on the day (a freed participant's new partner)."""
        return (pair_key(meeting.requester, meeting.partner), meeting.slot) in self.adhoc

    def meeting_of(self, participant_id: str, slot: int) -> Meeting | None:
        """The participant's meeting in `slot`; one arranged on the day wins over the schedule's."""
        theirs = [m for m in self.meetings if m.slot == slot and participant_id in (m.requester, m.partner)]
        theirs.sort(key=lambda m: not self.is_adhoc(m))
        return theirs[0] if theirs else None

    def live_meetings(self, slot: int) -> list[Meeting]:
        """The meetings of `slot` as they now stand: a no-show whose remaining side got a new
        partner on the day is left out (the new meeting sits at its table)."""
        moved = {p for m in self.meetings if m.slot == slot and self.is_adhoc(m) for p in (m.requester, m.partner)}
        return [m for m in self.meetings if m.slot == slot
                and (self.is_adhoc(m) or not ({m.requester, m.partner} - self.absent_in(m)) & moved)]


def day_state(db: Database, at: dt.datetime) -> DayState:
    """Read the published schedule, presence since local midnight and outcomes. Raises NoSchedule."""
    with db.begin() as session:
        state = _read_day_state(session, at)
    if state is None:
        raise NoSchedule("no schedule yet: import the files and run the scheduler")
    return state


def _read_day_state(session: Any, at: dt.datetime, *, with_requests: bool = True) -> DayState | None:
    version = store.current_version(session)
    stored = store.load_schedule(session, version) if version is not None else None
    if stored is None:
        return None
    _days, tz = rooms_store.event_days_and_zone(session)
    people = {p.participant_id: p for p in store.list_participants(session)}
    present = store.present_ids(session, local_day_start(at, tz))
    outcomes = store.latest_outcomes(session)
    requested = ({pair_key(r.requester, r.partner) for r in store.list_requests(session)}
                 if with_requests else set())
    slots = store.list_slots(session)
    adhoc = frozenset((pair_key(m.requester, m.partner), m.slot) for m in stored.adhoc)
    return DayState(version, tuple(slots), tuple(stored.all_meetings), adhoc, people, frozenset(present), outcomes,
                    frozenset(requested), tz)


def next_meeting(state: DayState, participant_id: str, at: dt.datetime) -> tuple[Slot, Meeting] | None:
    """Where the participant meets next: their meeting in the round on at `at`, else in the first
    round after it (a meeting arranged on the day wins; one replaced on the day does not count).
    None when no meeting of theirs is left."""
    for slot in sorted(state.slots, key=lambda s: s.start):
        if slot.end <= at:
            continue
        meeting = state.meeting_of(participant_id, slot.number)
        if meeting is not None and meeting in state.live_meetings(slot.number):
            return slot, meeting
    return None


def where_to_go(state: DayState, slot: Slot, meeting: Meeting, participant_id: str, at: dt.datetime) -> str:
    """`table 7 with Cluster X, round 3 at 10:40` (or `round 3, on now until 10:50`), in the event's zone."""
    other = meeting.partner if meeting.requester == participant_id else meeting.requester
    person = state.people.get(other)
    partner = person.organisation if person is not None and person.organisation else other
    when = (f"round {slot.number}, on now until {slot.end.astimezone(state.tz):%H:%M}" if slot.start <= at
            else f"round {slot.number} at {slot.start.astimezone(state.tz):%H:%M}")
    return f"table {meeting.table} with {partner}, {when}"


@dataclass(frozen=True)
class TableHit:
    """An organisation found on the table board, with where its participant meets next."""

    organisation: str
    text: str  # `Cluster 7 — table 3 with Cluster 8, round 2 at 10:10`


def find_tables(state: DayState, query: str, at: dt.datetime, limit: int = 4) -> tuple[list[TableHit], int]:
    """The participants whose organisation contains `query` (case and accents ignored), each
    with their next table; at most `limit` of them, and how many matched in all."""
    wanted = fold(query).strip()
    if not wanted:
        return [], 0
    found = sorted((p for p in state.people.values() if wanted in fold(p.organisation)),
                   key=lambda p: (not fold(p.organisation).startswith(wanted), p.organisation, p.participant_id))
    hits = []
    for person in found[:limit]:
        upcoming = next_meeting(state, person.participant_id, at)
        where = (where_to_go(state, upcoming[0], upcoming[1], person.participant_id, at) if upcoming
                 else "no more meetings today")
        hits.append(TableHit(person.organisation, f"{person.organisation} — {where}"))
    return hits, len(found)


@dataclass(frozen=True)
class Offer:
    """A new partner for a freed participant, in the same round, at the freed table."""

    participant: str
    partner: str
    slot: int
    table: int
    why: str
    partner_meeting: Meeting | None = None  # the partner's own meeting, whose other side is absent


def offer_partner(state: DayState, participant_id: str, slot: int) -> Offer | None:
    """Find a new partner for `participant_id`, freed in `slot` (their partner is absent).

    In order: a present participant of the same slot whose partner is also absent; a present,
    idle participant with an accepted request with them that was not scheduled; any present,
    idle participant available then. None when nobody is free.
    """
    in_slot = state.live_meetings(slot)
    mine = state.meeting_of(participant_id, slot)
    if mine is None:
        raise DeskError(f"{participant_id} has no meeting in slot {slot}")
    busy = {p for m in in_slot for p in (m.requester, m.partner)}
    met = {pair_key(m.requester, m.partner) for m in state.meetings}

    def ok(p: str) -> bool:
        person = state.people.get(p)
        return (p != participant_id and p in state.present and person is not None
                and (person.available is None or slot in person.available))

    stranded = [(p, m) for m in in_slot if m is not mine and state.absent_in(m)
                for p in (m.requester, m.partner) if p not in state.absent_in(m) and ok(p)]
    stranded.sort(key=lambda pm: (pair_key(participant_id, pm[0]) not in state.requested, pm[0]))
    for p, m in stranded:
        if pair_key(participant_id, p) not in met:
            return Offer(participant_id, p, slot, mine.table, "their partner is absent too", m)
    idle = sorted(p for p in state.people if p not in busy and ok(p))
    for p in idle:
        key = pair_key(participant_id, p)
        if key in state.requested and key not in met:
            return Offer(participant_id, p, slot, mine.table, "an accepted request that could not be scheduled")
    for p in idle:
        if pair_key(participant_id, p) not in met:
            return Offer(participant_id, p, slot, mine.table, "free in this round")
    return None


def accept_offer(db: Database, state: DayState, offer: Offer, at: dt.datetime, desk: str) -> Meeting:
    """Add the offered meeting to the schedule of the day; the abandoned meetings become no-shows."""
    meeting = Meeting(offer.participant, offer.partner, offer.slot, offer.table)
    mine = state.meeting_of(offer.participant, offer.slot)
    with db.begin() as session:
        store.add_adhoc_meeting(session, state.version, meeting)
        for old, stayer in ((mine, offer.participant), (offer.partner_meeting, offer.partner)):
            if old is not None:
                other = old.partner if old.requester == stayer else old.requester
                store.record_outcome(session, old, NO_SHOW, other, at, desk)
    return meeting


@dataclass(frozen=True)
class RoundState:
    """Where the session is at an instant: phase 'before', 'round', 'break' or 'after'.

    `slot` is the round on (phase 'round'); `next_slot` the one after it (or the one coming up);
    `ends_at` is what the big countdown counts to: the end of the round, or the next start.
    """

    phase: str
    slot: Slot | None
    next_slot: Slot | None
    ends_at: dt.datetime | None

    def remaining_s(self, at: dt.datetime) -> int:
        """Whole seconds to `ends_at` (0 when there is nothing to count down)."""
        if self.ends_at is None:
            return 0
        return max(0, int(-(-(self.ends_at - at).total_seconds() // 1)))


def round_state(slots: Sequence[Slot], at: dt.datetime) -> RoundState:
    """The phase of the matchmaking at `at` (slots in any order, aware times)."""
    ordered = sorted(slots, key=lambda s: s.start)
    for k, slot in enumerate(ordered):
        following = ordered[k + 1] if k + 1 < len(ordered) else None
        if slot.start <= at < slot.end:
            return RoundState("round", slot, following, slot.end)
        if at < slot.start:
            phase = "before" if k == 0 else "break"
            return RoundState(phase, None, slot, slot.start)
    return RoundState("after", None, None, None)


def present_count(state: DayState, ids: Collection[str]) -> int:
    """How many of `ids` have arrived."""
    return sum(1 for p in ids if p in state.present)
