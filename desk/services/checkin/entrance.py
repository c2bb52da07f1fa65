"""The entrance use cases: check in a scanned code or a searched person, undo, and the desk's counters.

A check-in is stored in the same unit of work as its scan-log line, and the result is
returned only after that unit of work committed: nothing above this module can show
"welcome" for a check-in the database does not hold. Every scan, accepted or not, is
logged; so is every undo.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError

from desk.core.checkin import arrivals
from desk.core.attendees import Registration, zone_of
from desk.core.categories import builtin_label, by_key, label_in, label_of
from desk.core.checkin.decision import (
    CheckinEntry, Decision, PriorCheckin, ScanOutcome, choose_undo, decide, decide_scan, event_day, first_of_day,
)
from desk.core.badges.codes import Rejection, Verdict
from desk.store import checkins as store
from desk.store import event as event_repo
from desk.store import hub as hub_store
from desk.store import registrations as repo
from desk.services.event_clock import event_clock, zone_in
from desk.store.db import Database, DatabaseBusy

PublicKeys = Mapping[int, Any]  # key version -> Ed25519PublicKey
UNDO = "undo"
"""The scan-log word for an undo (not a scan answer, so not a ScanOutcome)."""


@dataclass(frozen=True)
class CheckinResult:
    """What the desk answers for one scan, after the commit."""

    outcome: ScanOutcome
    registration: Registration | None
    first_checkin: PriorCheckin | None
    reason: str
    note: str
    code: str
    desk: str
    at: dt.datetime
    day: dt.date
    scan_id: str
    checkin_id: str | None = None
    category_label: str = ""  # the event's label for the person's category ("" when nobody)
    tz: dt.tzinfo = dt.timezone.utc
    """The event's clock: the first check-in's time is given in it."""
    duplicate: str = ""
    """A sentence when the person was let in at two stations while they were apart ("" when not)."""

    def to_json(self) -> dict[str, Any]:
        """The JSON object `desk checkin` prints (outcome words as in ScanOutcome)."""
        first = None
        if self.first_checkin is not None:
            first = {"at": self.first_checkin.at.astimezone(self.tz).isoformat(), "desk": self.first_checkin.desk,
                     "station": self.first_checkin.station or None}
        return {
            "outcome": self.outcome.value, "attendee": attendee_id(self.registration),
            "person": attendee_json(self.registration, self.category_label), "first_checkin": first, "reason": self.reason, "note": self.note, "desk": self.desk,
            "at": self.at.isoformat(), "day": self.day.isoformat(), "duplicate": self.duplicate or None,
        }


@dataclass(frozen=True)
class UndoResult:
    """What an undo reversed (`undone` is None when there was nothing to reverse) and why."""

    undone: CheckinEntry | None
    registration: Registration | None
    reason: str
    scan_id: str
    tz: dt.tzinfo = dt.timezone.utc
    """The event's clock: the undone check-in's time is given in it."""
    needs_organiser: bool = False
    """True when nothing was undone because the check-in is another desk's (the organiser's to undo)."""

    def to_json(self) -> dict[str, Any]:
        """The JSON object `desk undo` prints."""
        undone = None
        if self.undone is not None:
            undone = {"checkin_id": self.undone.checkin_id, "day": self.undone.day.isoformat(),
                      "at": self.undone.at.astimezone(self.tz).isoformat(), "desk": self.undone.desk}
        return {"undone": undone, "attendee": attendee_id(self.registration),
                "person": attendee_json(self.registration), "reason": self.reason}


@dataclass(frozen=True)
class RecentScan:
    """One line of the last scans: when, where, the answer and whom it concerned."""

    at: dt.datetime
    desk: str
    outcome: str
    name: str
    code: str


@dataclass(frozen=True)
class DeskStatus:
    """Everything the entrance page shows besides the answer."""

    counters: arrivals.Counters
    recent: list[RecentScan] = field(default_factory=list)
    arrivals: list[arrivals.ArrivalBin] = field(default_factory=list)
    category_labels: dict[str, str] = field(default_factory=dict)  # category key -> the event's label
    tz: dt.tzinfo = dt.timezone.utc
    """The event's clock, for the times of the last scans."""

    def label(self, category: str) -> str:
        """The event's label for a category key (a key it does not list shows as itself)."""
        return label_in(self.category_labels, category)


def attendee_id(reg: Registration | None) -> str | None:
    """`attendee` in every answer's JSON: the registration_id, or None when the code names nobody
    (the same word `desk verify` uses)."""
    return reg.registration_id if reg is not None else None


def attendee_json(reg: Registration | None, category_label: str = "") -> dict[str, Any] | None:
    """`person` in a check-in's JSON: who it is, for a reader (None when the code names nobody).
    `category_label` is the event's label for the category (when not given: a default key's
    default label, any other key itself)."""
    if reg is None:
        return None
    return {
        "registration_id": reg.registration_id, "first_name": reg.first_name, "last_name": reg.last_name,
        "organisation": reg.organisation, "country": reg.country, "category": str(reg.category),
        "category_label": category_label or builtin_label(reg.category),
        "status": reg.status.value, "days": [d.isoformat() for d in reg.days],
    }


def desk_keys(db: Database) -> tuple[dict[int, Any], str]:
    """The public keys of the database's event for this desk, and '' or a sentence why there are none."""
    from desk.services.badges.codes import verification_keys  # noqa: PLC0415 - cryptography loads lazily

    return verification_keys(db)


def _check(db: Database, desk: str, at: dt.datetime, code: str, decide_in_session: Any) -> CheckinResult:
    """One unit of work: decide, store a welcome, log the scan; the result leaves only after the commit.

    The day of the scan is the local date of `at` on the event's clock."""
    if at.tzinfo is None:
        raise ValueError("check-in times must be aware datetimes")
    scan_id = store.new_id()
    for attempt in (1, 2):
        checkin_id = None
        welcomed = False
        try:
            # The write lock first (waiting at most WRITE_WAIT_MS): the decision and the
            # check-in it stores then see the same database.
            with db.begin_write() as session:
                event = repo.get_event(session)
                tz = zone_of(event)
                day = event_day(at, tz)
                decision: Decision = decide_in_session(session, day, event.days if event else (), tz)
                label = ""
                if decision.registration is not None:
                    label = label_of(by_key(event.categories if event else event_repo.get_categories(session)),
                                     decision.registration.category)
                duplicate = ""
                if decision.registration is not None:
                    found = hub_store.duplicates(session, decision.registration.registration_id, day)
                    duplicate = found[0].line(tz) if found else ""
                if decision.outcome is ScanOutcome.WELCOME and decision.registration is not None:
                    welcomed = True
                    checkin_id = store.record_checkin(session, decision.registration.registration_id, day, at, desk)
                store.append_scan(session, store.ScanEntry(
                    scan_id, desk, at, code, decision.outcome.value, decision.registration_id,
                    " ".join(p for p in (decision.reason, decision.note) if p),
                ))
            break
        except DatabaseBusy as exc:
            # An import or another writer held the database: nothing was stored, so nothing is
            # shown as welcome. (The scan log cannot take the line either.)
            tz = event_clock(db)  # a read: never waits for the writer that held the database
            return CheckinResult(ScanOutcome.BUSY, None, None, f"Not checked in: {exc}. Scan again.", "",
                                 code, desk, at, event_day(at, tz), scan_id, tz=tz)
        except IntegrityError:
            # Another desk on the hub checked the same person in a moment ago: decide again,
            # which now answers "already in" with that desk's check-in.
            if attempt == 2 or not welcomed:
                raise
    return CheckinResult(decision.outcome, decision.registration, decision.first_checkin, decision.reason,
                         decision.note, code, desk, at, day, scan_id, checkin_id, label, tz, duplicate)


def check_in(db: Database, code: str, desk: str, at: dt.datetime, keys: PublicKeys | None = None,
             *, from_keyboard: bool = False) -> CheckinResult:
    """Answer one scanned code at `desk` at the aware instant `at`, and check the person in on welcome.

    `from_keyboard` marks a handheld-scanner burst (keyboard-layout damage to a badge or a
    stored portal ticket code is repaired when unambiguous, refused otherwise). Returns after
    the commit; answers `busy` (nothing stored) when another writer held the database longer
    than WRITE_WAIT_MS. Raises ValueError for a naive `at`, and whatever the database raises
    when it cannot store (nothing is then shown as welcome).
    """
    def in_session(session: Any, day: dt.date, event_days: tuple[dt.date, ...], tz: dt.tzinfo) -> Decision:
        return decide_scan(
            code, day, event_days, keys or {},
            lambda ref: store.registration_for_ref(session, ref),
            lambda ticket: _ticket(session, ticket),
            lambda rid: repo.get_registration(session, rid),
            lambda rid: store.checkins_of(session, rid),
            from_keyboard=from_keyboard,
            known_tickets=lambda codes: repo.known_ticket_codes(session, codes), tz=tz,
        )
    return _check(db, desk, at, code, in_session)


def _ticket(session: Any, code: str) -> str | None:
    reg = repo.find_by_ticket_code(session, code)
    return reg.registration_id if reg else None


def check_in_registration(db: Database, registration_id: str, desk: str, at: dt.datetime) -> CheckinResult:
    """Check a person in by registration id (found by search, no code): the same rules as a scan.

    The scan log records it as ``manual:<registration id>``.
    """
    def in_session(session: Any, day: dt.date, event_days: tuple[dt.date, ...], tz: dt.tzinfo) -> Decision:
        reg = repo.get_registration(session, registration_id)
        if reg is None:
            return decide(Verdict(reason=Rejection.UNKNOWN_ATTENDEE), None, day, event_days, None, tz)
        prior = first_of_day(store.checkins_of(session, registration_id), day)
        return decide(Verdict(registration_id=registration_id), reg, day, event_days, prior, tz)
    return _check(db, desk, at, f"manual:{registration_id}", in_session)


def _undo(db: Database, desk: str, at: dt.datetime, code: str, find: Any, only_desk: str | None = None) -> UndoResult:
    scan_id = store.new_id()
    foreign = False
    try:
        # Not under the write lock from the start: the write below is conditional on the
        # check-in still being active, so when two desks undo the one check-in at once the
        # database lets one through and the other learns it did nothing (rather than, after
        # waiting, walking back to the check-in before).
        with db.begin_write(immediate=False) as session:
            tz = zone_in(session)
            registration, reason = find(session, tz)
            target = None
            if registration is not None:
                chosen = choose_undo(store.checkins_of(session, registration.registration_id))
                if chosen is None:
                    reason = f"Nothing to undo: {registration.full_name} has no check-in to undo."
                elif only_desk is not None and chosen.desk != only_desk:
                    foreign = True
                    local = chosen.at.astimezone(tz)
                    reason = (f"Nothing undone: the check-in of {registration.full_name} at {local:%H:%M} was made "
                              f"at {chosen.desk}; another desk's check-in is the organiser's to undo.")
                elif store.mark_undone(session, chosen.checkin_id, at, desk):
                    target = chosen
                    local = chosen.at.astimezone(tz)
                    reason = f"Check-in of {registration.full_name} at {local:%H:%M} ({chosen.desk}) undone."
                else:
                    local = chosen.at.astimezone(tz)
                    reason = (f"Nothing to undo: the check-in of {registration.full_name} at {local:%H:%M} "
                              f"({chosen.desk}) was undone a moment ago at another desk.")
            store.append_scan(session, store.ScanEntry(
                scan_id, desk, at, code, UNDO, registration.registration_id if registration else None,
                reason + (f" [checkin {target.checkin_id}]" if target else ""),
            ))
    except DatabaseBusy as exc:
        return UndoResult(None, None, f"Nothing undone: {exc}. Try again.", scan_id)
    return UndoResult(target, registration, reason, scan_id, tz, needs_organiser=foreign)


def undo(db: Database, code: str, desk: str, at: dt.datetime, keys: PublicKeys | None = None,
         only_desk: str | None = None) -> UndoResult:
    """Reverse the last active check-in of the person a code names; the undo is logged itself.

    With `only_desk`, only a check-in made at that desk is reversed (the organiser undoes
    the others: `needs_organiser` says so). Returns what was reversed (None with the reason
    when the code names nobody, the person has no active check-in, it is another desk's,
    another desk undid it a moment before, or the database was busy).
    """
    def find(session: Any, tz: dt.tzinfo) -> tuple[Registration | None, str]:
        decision = decide_scan(code, event_day(at, tz), (), keys or {},
                               lambda ref: store.registration_for_ref(session, ref),
                               lambda ticket: _ticket(session, ticket),
                               lambda rid: repo.get_registration(session, rid), lambda rid: [])
        return decision.registration, ("" if decision.registration else decision.reason)
    return _undo(db, desk, at, code, find, only_desk)


def undo_registration(db: Database, registration_id: str, desk: str, at: dt.datetime) -> UndoResult:
    """Reverse the last active check-in of one registration (the desk's Undo button)."""
    def find(session: Any, tz: dt.tzinfo) -> tuple[Registration | None, str]:
        reg = repo.get_registration(session, registration_id)
        return reg, ("" if reg else f"No registration {registration_id}.")
    return _undo(db, desk, at, f"manual:{registration_id}", find)


def desk_status(db: Database, at: dt.datetime, recent: int = 20, desk: str | None = None) -> DeskStatus:
    """Counters for the day of `at` on the event's clock, the last `recent` scans (of `desk`, or all)
    and arrivals per 10 minutes (event-local bins)."""
    with db.begin() as session:
        event = repo.get_event(session)
        tz = zone_of(event)
        day = event_day(at, tz)
        regs = repo.all_registrations(session)
        inside = store.checked_in_ids(session, day)
        times = store.arrival_times(session, day)
        scans = store.recent_scans(session, recent, desk)
        labels = {c.category: c.label for c in event_repo.get_categories(session)}
    by_id = {r.registration_id: r for r in regs}
    counters = arrivals.count(regs, inside, day, event.days if event else (),
                              [c.category for c in event.categories] if event else ())
    lines = [RecentScan(s.at, s.desk, s.outcome,
                        by_id[s.registration_id].full_name if s.registration_id in by_id else "", s.code)
             for s in scans]
    return DeskStatus(counters, lines, arrivals.arrival_bins(times, day, tz, now=at), labels, tz)
