"""Opening and closing a vote, and casting ballots (the command line and the kiosk).

A code is verified exactly as at the entrance (badge signature, ticket code, keyboard-wedge
repair); a code that names nobody gets the entrance's words (forged, unknown, not_readable).
A ballot is stored in one unit of work: the voter row, then one more on the finalist's count.
No scan-log line is written for a vote: the log would put the person beside their choice.
At a station of a hub the same unit of work seals the ballot in an envelope for the hub, which
alone opens it (desk.store.ballots): the second ballot of a person voting at two kiosks while
they were apart is refused there, and the kiosk takes its count back at its next sync.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from desk.core.attendees import Registration, zone_of
from desk.core.awards.ballot import Award, VoteOutcome, find_award, not_eligible_reason
from desk.core.categories import DEFAULT_CATEGORIES
from desk.core.checkin.decision import ScanOutcome, decide_scan, event_day
from desk.core.errors import DeskError
from desk.store import awards as store
from desk.store import ballots
from desk.store import checkins as checkin_store
from desk.store import registrations as repo
from desk.store.db import Database, DatabaseBusy

PublicKeys = Mapping[int, Any]
_NOT_A_BADGE = (ScanOutcome.NOT_READABLE, ScanOutcome.FORGED, ScanOutcome.UNKNOWN)


@dataclass(frozen=True)
class VoteResult:
    """The answer to one vote: `outcome` is a VoteOutcome word or an entrance word for a bad code."""

    outcome: str
    reason: str
    award: str | None
    finalist: str | None
    at: dt.datetime

    @property
    def counted(self) -> bool:
        return self.outcome == VoteOutcome.COUNTED

    def to_json(self) -> dict[str, Any]:
        """The JSON object `desk vote cast` prints (no person: the answer names the choice)."""
        return {"outcome": self.outcome, "reason": self.reason, "award": self.award, "finalist": self.finalist,
                "at": self.at.isoformat()}


@dataclass(frozen=True)
class BallotPaper:
    """What the kiosk shows after a scan: why the person cannot vote, or the awards they can vote for."""

    outcome: str | None  # None: they may vote
    reason: str
    awards: tuple[Award, ...] = ()  # open awards they have not voted for yet, with finalists
    voted: tuple[str, ...] = ()  # open awards they already voted for


def _voter(session: Any, code: str, day: dt.date, keys: PublicKeys,
           from_keyboard: bool) -> tuple[Registration | None, str | None, str]:
    """The person a code names, or (None, the entrance's outcome word, its reason)."""
    decision = decide_scan(
        code, day, (), keys,
        lambda ref: checkin_store.registration_for_ref(session, ref),
        lambda ticket: _ticket(session, ticket),
        lambda rid: repo.get_registration(session, rid),
        lambda rid: [], from_keyboard=from_keyboard,
        known_tickets=lambda codes: repo.known_ticket_codes(session, codes),
    )
    if decision.outcome in _NOT_A_BADGE or decision.registration is None:
        return None, decision.outcome.value, decision.reason
    return decision.registration, None, ""


def _ticket(session: Any, code: str) -> str | None:
    reg = repo.find_by_ticket_code(session, code)
    return reg.registration_id if reg else None


def _eligibility(session: Any, registration: Registration, day: dt.date) -> str:
    event = repo.get_event(session)
    categories = event.categories if event is not None else DEFAULT_CATEGORIES
    return not_eligible_reason(registration, checkin_store.checkins_of(session, registration.registration_id), day,
                               categories)


def cast_vote(db: Database, code: str, award: str, finalist: str, at: dt.datetime,
              keys: PublicKeys | None = None, *, from_keyboard: bool = False) -> VoteResult:
    """Cast the ballot of the badge or ticket `code` for `finalist` of `award` at the aware instant `at`.

    Order of answers: a bad code (entrance words), unknown award, unknown finalist, closed,
    not eligible, already voted, counted. Returns after the commit; `busy` when another
    writer held the database (nothing stored). Raises ValueError for a naive `at`.
    """
    if at.tzinfo is None:
        raise ValueError("vote times must be aware datetimes")
    try:
        with db.begin_write() as session:
            day = event_day(at, zone_of(repo.get_event(session)))
            registration, bad, reason = _voter(session, code, day, keys or {}, from_keyboard)
            if registration is None:
                return VoteResult(bad or ScanOutcome.UNKNOWN.value, reason, None, None, at)
            chosen, why = find_award(store.list_awards(session), award)
            if chosen is None:
                return VoteResult(VoteOutcome.UNKNOWN_AWARD, why, None, None, at)
            pick = chosen.finalist(finalist)
            if pick is None:
                names = "; ".join(f.name for f in chosen.finalists)
                return VoteResult(VoteOutcome.UNKNOWN_FINALIST,
                                  f"'{finalist}' is not a finalist of {chosen.name}. Finalists: {names}",
                                  chosen.name, None, at)
            if not chosen.is_open(at):
                return VoteResult(VoteOutcome.CLOSED, _closed_reason(chosen, at), chosen.name, pick.name, at)
            why = _eligibility(session, registration, day)
            if why:
                return VoteResult(VoteOutcome.NOT_ELIGIBLE, why, chosen.name, pick.name, at)
            if not store.add_voter(session, chosen.name, registration.registration_id):
                return VoteResult(VoteOutcome.ALREADY_VOTED, f"This badge has already voted for {chosen.name}.",
                                  chosen.name, None, at)
            store.count_ballot(session, chosen.name, pick.name)
            ballots.seal_envelope(session, chosen.name, pick.name, registration.registration_id)
    except DatabaseBusy as exc:
        return VoteResult(VoteOutcome.BUSY, f"Not counted: {exc}. Vote again.", None, None, at)
    return VoteResult(VoteOutcome.COUNTED, f"Your vote for {chosen.name} is counted. Thank you.",
                      chosen.name, pick.name, at)


def _closed_reason(award: Award, at: dt.datetime) -> str:
    if award.open_until is None:
        return f"Voting for {award.name} has not opened."
    if award.closed_at is not None:
        return f"Voting for {award.name} was closed."
    return f"Voting for {award.name} ended at {award.open_until.isoformat()}."


def ballot_paper(db: Database, code: str, at: dt.datetime, keys: PublicKeys | None = None,
                 *, from_keyboard: bool = False) -> BallotPaper:
    """What the kiosk shows for a scanned code at `at`: the open awards the person may still vote for,
    or the reason they cannot vote (a read: nothing is stored)."""
    with db.begin() as session:
        day = event_day(at, zone_of(repo.get_event(session)))
        registration, bad, reason = _voter(session, code, day, keys or {}, from_keyboard)
        if registration is None:
            return BallotPaper(bad, reason)
        why = _eligibility(session, registration, day)
        if why:
            return BallotPaper(VoteOutcome.NOT_ELIGIBLE.value, why)
        open_awards = [a for a in store.list_awards(session) if a.is_open(at)]
        voted = store.voted_awards(session, registration.registration_id)
    if not open_awards:
        return BallotPaper(VoteOutcome.CLOSED.value, "No vote is open now.")
    todo = tuple(a for a in open_awards if a.name not in voted)
    done = tuple(a.name for a in open_awards if a.name in voted)
    if not todo:
        return BallotPaper(VoteOutcome.ALREADY_VOTED.value, "This badge has already voted for every open award.",
                           (), done)
    return BallotPaper(None, f"Welcome, {registration.first_name}.", todo, done)


def cast_ballots(db: Database, code: str, choices: Mapping[str, str], at: dt.datetime,
                 keys: PublicKeys | None = None, *, from_keyboard: bool = False) -> list[VoteResult]:
    """Cast one ballot per award in `choices` (award name -> finalist name), as the kiosk's confirmation."""
    return [cast_vote(db, code, award, finalist, at, keys, from_keyboard=from_keyboard)
            for award, finalist in choices.items()]


def _set_window(db: Database, award: str, until: dt.datetime | None, closed: dt.datetime | None) -> Award:
    with db.begin_write() as session:
        chosen, why = find_award(store.list_awards(session), award)
        if chosen is None:
            raise DeskError(why)
        store.set_voting(session, chosen.name, until if until is not None else chosen.open_until, closed)
        if closed is not None:
            store.forget_order(session)
        return next(a for a in store.list_awards(session) if a.name == chosen.name)


def open_voting(db: Database, award: str, until: dt.datetime, at: dt.datetime) -> Award:
    """Open voting for `award` (matched by folded name) until the aware instant `until`.

    Raises DeskError for an unknown award or an end that is not after `at`.
    """
    if until <= at:
        raise DeskError(f"--until {until.isoformat()} is not after now ({at.isoformat()})")
    return _set_window(db, award, until, None)


def close_voting(db: Database, award: str, at: dt.datetime) -> Award:
    """Close voting for `award` at `at`: later ballots answer `closed`. Raises DeskError for an unknown award.

    The voting tables are then kept in key order and SQLite's write-ahead log is emptied:
    neither keeps the order in which people voted.
    """
    closed = _set_window(db, award, None, at)
    store.forget_log(db.engine)
    return closed
