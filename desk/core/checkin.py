"""What a scanned code means at the entrance: one enum, one decision function.

The ui maps each ScanOutcome to a colour, a sound and a sentence; nothing else invents
its own answer words. The values are the words used in JSON everywhere.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from desk.core.attendees import Registration, Status
from desk.core.tokens import Rejection, Verdict


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

    @property
    def family(self) -> str:
        """'ok' (let in), 'warn' (look at the person) or 'error' (do not let in)."""
        if self is ScanOutcome.WELCOME:
            return "ok"
        if self in (ScanOutcome.ALREADY_IN, ScanOutcome.WRONG_DAY, ScanOutcome.NOT_VALIDATED):
            return "warn"
        return "error"


@dataclass(frozen=True)
class PriorCheckin:
    """The first (not undone) check-in of a person on a day."""

    at: dt.datetime
    desk: str


@dataclass(frozen=True)
class Decision:
    """The answer for one scan: the outcome, whom it concerns, and a reason to show."""

    outcome: ScanOutcome
    registration: Registration | None = None
    first_checkin: PriorCheckin | None = None
    reason: str = ""

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
    event_days: tuple[dt.date, ...], prior: PriorCheckin | None,
) -> Decision:
    """Decide what a scan means on `day`.

    `verdict` is what desk.core.tokens.verify said of the code; `registration` is the person
    it names (None when it names nobody); `prior` is their first check-in on `day`, if any.
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
        return Decision(ScanOutcome.ALREADY_IN, registration, prior,
                        reason=f"Already checked in at {prior.at:%H:%M} at {prior.desk}.")
    return Decision(ScanOutcome.WELCOME, registration)
