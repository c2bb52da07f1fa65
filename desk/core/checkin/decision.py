"""What a scanned code means at the entrance: one enum, one decision function.

The ui maps each ScanOutcome to a colour, a sound and a sentence; nothing else invents
its own answer words. The values are the words used in JSON everywhere.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from desk.core.attendees import Registration, Status
from desk.core.badges.codes import Rejection, Verdict, verify
from desk.core.checkin.wedge import KnownTickets, WedgeResult, repair

_WEDGE_PREFIXES = frozenset(f"D{v}:" for v in range(1, 10))


class ScanOutcome(enum.StrEnum):
    """The answers a desk gives to a scan."""

    WELCOME = "welcome"
    ALREADY_IN = "already_in"
    CANCELLED = "cancelled"
    NOT_VALIDATED = "not_validated"
    UNKNOWN = "unknown"
    FORGED = "forged"
    WRONG_DAY = "wrong_day"
    NOT_READABLE = "not_readable"
    BUSY = "busy"
    """The database was held (a large import, another desk) longer than a scan may wait:
    nothing was decided or stored; scan again. Never a welcome."""

    @property
    def family(self) -> str:
        """'ok' (let in), 'warn' (look at the person) or 'error' (do not let in)."""
        if self is ScanOutcome.WELCOME:
            return "ok"
        if self in (ScanOutcome.ALREADY_IN, ScanOutcome.WRONG_DAY, ScanOutcome.NOT_VALIDATED, ScanOutcome.BUSY):
            return "warn"
        return "error"


@dataclass(frozen=True)
class PriorCheckin:
    """The first (not undone) check-in of a person on a day."""

    at: dt.datetime
    desk: str
    station: str = ""  # the station of a hub that made it ("" before any hub)

    @property
    def where(self) -> str:
        """`A1`, or `A1 (entrance-A)` when a station of a hub made it under another desk name."""
        return f"{self.desk} ({self.station})" if self.station and self.station != self.desk else self.desk


@dataclass(frozen=True)
class Decision:
    """The answer for one scan: the outcome, whom it concerns, and a reason to show."""

    outcome: ScanOutcome
    registration: Registration | None = None
    first_checkin: PriorCheckin | None = None
    reason: str = ""
    note: str = ""  # e.g. a keyboard-layout repair the desk worker should fix

    @property
    def registration_id(self) -> str | None:
        return self.registration.registration_id if self.registration else None


def attends_on(registration: Registration, day: dt.date, event_days: tuple[dt.date, ...]) -> bool:
    """True when the person is expected on `day` (no listed days means every event day)."""
    if event_days and day not in event_days:
        return False
    return not registration.days or day in registration.days


def _days(days: tuple[dt.date, ...]) -> str:
    return ", ".join(d.strftime("%a %d %b") for d in days)


def decide(
    verdict: Verdict, registration: Registration | None, day: dt.date,
    event_days: tuple[dt.date, ...], prior: PriorCheckin | None, tz: dt.tzinfo | None = None,
) -> Decision:
    """Decide what a scan means on `day`.

    `verdict` is what desk.core.badges.codes.verify said of the code; `registration` is the person
    it names (None when it names nobody); `prior` is their first check-in on `day`, if any, whose
    time the reason gives on the event's clock `tz` (None: as stored).
    Order of checks: unreadable, forged, unknown, cancelled, not validated, wrong day,
    already in, welcome.
    """
    if verdict.reason is Rejection.MALFORMED:
        return Decision(ScanOutcome.NOT_READABLE, reason="This is not a badge or ticket code.")
    if verdict.reason is Rejection.BAD_SIGNATURE:
        return Decision(ScanOutcome.FORGED, reason="The code's signature is false: not a badge of this event.")
    if verdict.reason is Rejection.UNKNOWN_KEY:
        return Decision(ScanOutcome.UNKNOWN,
                        reason=f"Signed with key version {verdict.key_version}, which this desk does not hold: "
                               "import the event key, or check the person by name.")
    if verdict.reason is not None or registration is None:
        return Decision(ScanOutcome.UNKNOWN, reason="Nobody with this code is registered: search by name.")
    if registration.status is Status.CANCELLED:
        return Decision(ScanOutcome.CANCELLED, registration, reason="This registration was cancelled.")
    if registration.status is not Status.VALIDATED:
        why = "is still waiting for validation" if registration.status is Status.PENDING else "was not accepted"
        return Decision(ScanOutcome.NOT_VALIDATED, registration, reason=f"The registration {why}.")
    if not attends_on(registration, day, event_days):
        expected = _days(registration.days or event_days)
        return Decision(ScanOutcome.WRONG_DAY, registration,
                        reason=f"Registered for {expected}, not for {day:%a %d %b}.")
    if prior is not None:
        local = prior.at.astimezone(tz) if tz is not None and prior.at.tzinfo else prior.at
        return Decision(ScanOutcome.ALREADY_IN, registration, prior,
                        reason=f"Already checked in at {local:%H:%M} at {prior.where}.")
    return Decision(ScanOutcome.WELCOME, registration)


def event_day(at: dt.datetime, tz: dt.tzinfo) -> dt.date:
    """Return the event-local date of an aware instant on the event's clock `tz`
    (a check-in at 23:30 UTC is the next day in a zone an hour or more east of UTC).

    Raises ValueError for a naive datetime: desk never guesses a time zone.
    """
    if at.tzinfo is None:
        raise ValueError("event_day needs an aware datetime")
    return at.astimezone(tz).date()


def decide_burst(burst: WedgeResult) -> Decision | None:
    """What a keyboard-wedge burst means before any lookup.

    Returns a NOT_READABLE decision carrying the repair hint when the burst is garbled or
    can be read as more than one code (guessing could admit the wrong person), else None:
    the burst's `text` may then be verified like any scanned code.
    """
    if burst.usable:
        return None
    hint = burst.hint or "The scan could not be read: scan again."
    return Decision(ScanOutcome.NOT_READABLE, reason=hint[0].upper() + hint[1:])


@dataclass(frozen=True)
class CheckinEntry:
    """One stored check-in, active or undone."""

    checkin_id: str
    registration_id: str
    day: dt.date
    at: dt.datetime
    desk: str
    undone_at: dt.datetime | None = None
    station: str = ""

    @property
    def active(self) -> bool:
        """True until the check-in is undone."""
        return self.undone_at is None


def first_of_day(entries: Sequence[CheckinEntry], day: dt.date) -> PriorCheckin | None:
    """The earliest active check-in on `day` among `entries` (undone ones do not count)."""
    active = [e for e in entries if e.active and e.day == day]
    if not active:
        return None
    first = min(active, key=lambda e: (e.at, e.checkin_id))
    return PriorCheckin(first.at, first.desk, first.station)


def choose_undo(entries: Sequence[CheckinEntry]) -> CheckinEntry | None:
    """The check-in an undo reverses: the most recent active one, whatever its day; None if none.

    Undoing twice walks back: the second undo reverses the check-in before (if any).
    """
    active = [e for e in entries if e.active]
    return max(active, key=lambda e: (e.at, e.checkin_id)) if active else None


def decide_scan(
    code: str, day: dt.date, event_days: tuple[dt.date, ...], keys: Mapping[int, object],
    lookup_ref: Callable[[str], str | None], lookup_ticket: Callable[[str], str | None],
    registration_of: Callable[[str], Registration | None],
    checkins_of: Callable[[str], Sequence[CheckinEntry]], from_keyboard: bool = False,
    known_tickets: KnownTickets | None = None, tz: dt.tzinfo | None = None,
) -> Decision:
    """The whole answer to one scanned text on `day`: wedge repair, verification, decision.

    `from_keyboard` marks a handheld-scanner burst, whose keyboard-layout damage is repaired
    only when unambiguous (desk.core.checkin.wedge): a repaired desk code must have a known prefix,
    a repaired portal ticket must be stored. The lookups are the store's (or a test's
    dictionaries); `known_tickets` asks for many ticket codes at once (default: one
    `lookup_ticket` each); `tz` is the event's clock for the times in reasons. `keys` maps
    key versions to public keys (empty: desk codes are
    `unknown` with the hint to import the event keys). Never raises on content.
    """
    text, note = code, ""
    if from_keyboard:
        # Only the desk-code shape with a known prefix counts as a desk-code reading, so an
        # all-caps portal ticket (say HELLOMWORLD) is never "repaired" into a desk-looking
        # HELLO:ZORLD; a ticket reading counts only when it is a stored ticket code.
        prefixes = _WEDGE_PREFIXES | {f"D{v}:" for v in keys}
        burst = repair(code, prefixes=prefixes, known_tickets=known_tickets or (
            lambda codes: [c for c in codes if lookup_ticket(c) is not None]))
        refused = decide_burst(burst)
        if refused is not None:
            return refused
        text = burst.text
        if burst.status == "repaired":
            note = burst.hint[0].upper() + burst.hint[1:]
    verdict = verify(text, keys, lookup_ref, lookup_ticket)  # type: ignore[arg-type]
    registration = registration_of(verdict.registration_id) if verdict.registration_id else None
    prior = first_of_day(checkins_of(registration.registration_id), day) if registration else None
    decision = decide(verdict, registration, day, event_days, prior, tz)
    if note:
        decision = Decision(decision.outcome, decision.registration, decision.first_checkin, decision.reason, note)
    return decision
