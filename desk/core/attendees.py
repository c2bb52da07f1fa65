"""Registrations, attendees and the event's admission rules."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from desk.core.categories import DEFAULT_CATEGORIES, EventCategory, uncounted_keys
from desk.core.categories import Category as Category  # the six default keys, where they always were
from desk.core.errors import DeskError
from desk.core.text import fold, latin_spelling, organisation_key

# Names repeat (Anna, Maria, Müller): an import of 100,000 folds each spelling once.
_fold_name = lru_cache(maxsize=65536)(fold)
_latin_name = lru_cache(maxsize=65536)(latin_spelling)

# What the store holds of the derived texts. Folding can lengthen a name ("ß" → "ss", "ﬃ" →
# "ffi") and the sort key joins two names of up to 500 characters: both are cut to fit
# rather than refused (they only order and group; the names themselves are kept whole).
SORT_KEY_CHARS = 1000
ORGANISATION_KEY_CHARS = 500


def stored_organisation_key(name: str | None) -> str:
    """`organisation_key(name)`, cut to what the store's organisation key holds."""
    key = organisation_key(name)
    return key if len(key) <= ORGANISATION_KEY_CHARS else key[:ORGANISATION_KEY_CHARS].rstrip()


class Status(enum.StrEnum):
    """Where a registration stands on the portal. Only VALIDATED ones are attendees."""

    VALIDATED = "validated"
    PENDING = "pending"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Event:
    """One event: its days, its time zone (an IANA name) and the caps the organisers set.

    Every date and time decision (the day of a check-in, arrivals, door sessions, matchmaking
    rounds) reads local time in `timezone`.
    """

    name: str
    venue: str
    days: tuple[dt.date, ...]
    seat_cap: int = 250
    per_organisation_cap: int = 2
    registration_deadline: dt.datetime | None = None
    id: int | None = None
    timezone: str = "UTC"
    # the event's own categories (label, badge word, colour, counted, default per key)
    categories: tuple[EventCategory, ...] = DEFAULT_CATEGORIES

    @property
    def zone(self) -> dt.tzinfo:
        """The event's clock (an unknown zone name raises UnknownTimeZone)."""
        return event_zone(self.timezone)


class UnknownTimeZone(DeskError, ValueError):
    """A time zone name that is not in the IANA database (say "Lisbon" for "Europe/Lisbon")."""


def event_zone(name: str | None) -> dt.tzinfo:
    """The tzinfo of an IANA zone name such as "America/Sao_Paulo" ("UTC" when none is given).

    Raises UnknownTimeZone for a name the zone database does not know.
    """
    return _zone(name or "UTC")


def zone_of(event: Event | None) -> dt.tzinfo:
    """The clock of `event`: its own zone, UTC before an event exists."""
    return event.zone if event is not None else event_zone(None)


@lru_cache(maxsize=64)
def _zone(name: str) -> dt.tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # noqa: PLC0415

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownTimeZone(f"'{name}' is not a known time zone: give a name such as Europe/Lisbon, "
                              "America/Sao_Paulo or Asia/Tokyo") from None


_set_fields = object.__setattr__


@dataclass(frozen=True)
class Registration:
    """One registration as the portal knows it (validated or not)."""

    registration_id: str
    status: Status
    first_name: str
    last_name: str
    email: str
    organisation: str
    country: str
    category: str  # a key of the event's categories (one it no longer lists stays as stored)
    days: tuple[dt.date, ...]
    ticket_code: str = ""
    updated_at: dt.datetime | None = None

    def __init__(self, registration_id: str, status: Status, first_name: str, last_name: str, email: str,
                 organisation: str, country: str, category: str, days: tuple[dt.date, ...],
                 ticket_code: str = "", updated_at: dt.datetime | None = None) -> None:
        # The generated __init__ of a frozen dataclass sets the fields one object.__setattr__
        # at a time (1.2 us); an import builds 100,000 of these, so all are set at once (0.45 us).
        # Still frozen: assigning a field afterwards raises FrozenInstanceError.
        _set_fields(self, "__dict__", {
            "registration_id": registration_id, "status": status, "first_name": first_name,
            "last_name": last_name, "email": email, "organisation": organisation, "country": country,
            "category": category, "days": days, "ticket_code": ticket_code, "updated_at": updated_at,
        })

    @property
    def is_attendee(self) -> bool:
        """True when this person is admitted (a validated registration)."""
        return self.status is Status.VALIDATED

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def folded_texts(self) -> tuple[str, str]:
        """(search text, sort key): the folded words search matches, and "last first" folded
        (cut to SORT_KEY_CHARS).

        The search text holds name, organisation, e-mail and registration id, folded, then
        the Latin spelling of the words written in another script (Шевченко → shevchenko).
        """
        first, last = _fold_name(self.first_name), _fold_name(self.last_name)
        rest = f"{self.organisation} {self.email} {self.registration_id}"
        if rest.isascii():  # the common case: all at once (fold drops the space of an empty one)
            rest = fold(rest)
        else:  # folded field by field: organisations repeat, so each fold is cached
            organisation, email, rid = fold(self.organisation), fold(self.email), fold(self.registration_id)
            rest = (f"{organisation} {email} {rid}" if organisation and email
                    else " ".join(folded for folded in (organisation, email, rid) if folded))
        if first and last and rest:  # the common case, without a generator
            search = f"{first} {last} {rest}"
        else:
            search = " ".join(folded for folded in (first, last, rest) if folded)
        if not search.isascii():  # another script than Latin: add its Latin spelling, field by field
            if not first.isascii() and (latin := _latin_name(self.first_name)):
                search = f"{search} {latin}"
            if not last.isascii() and (latin := _latin_name(self.last_name)):
                search = f"{search} {latin}"
            if not rest.isascii() and (latin := latin_spelling(f"{self.organisation} {self.email} {self.registration_id}")):
                search = f"{search} {latin}"
        sort = f"{last} {first}"
        return search, sort[:SORT_KEY_CHARS] if len(sort) > SORT_KEY_CHARS else sort

    def comparable(self) -> tuple:
        """The fields whose change makes an update (everything the portal sends)."""
        return (
            self.status, self.first_name, self.last_name, self.email, self.organisation,
            self.country, self.category, self.days, self.ticket_code, self.updated_at,
        )


@dataclass(frozen=True)
class Flag:
    """An event rule a stored registration breaks; shown to staff, never silently dropped."""

    rule: str
    message: str
    registration_ids: tuple[str, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class RuleView:
    """The few fields of a registration that the event rules look at."""

    registration_id: str
    status: Status
    organisation: str
    category: str
    updated_at: dt.datetime | None

    @property
    def is_attendee(self) -> bool:
        return self.status is Status.VALIDATED


def check_event_rules(event: Event, registrations: Sequence[Registration | RuleView],
                      validated_total: int | None = None) -> list[Flag]:
    """Return the flags for the event's rules over the stored registrations.

    Rules (from the announcement): at most `per_organisation_cap` validated people per
    organisation (names compared by `organisation_key`), at most `seat_cap` validated
    attendees, no registration updated after the registration deadline. The people of a
    category the event marks not counted (staff, by default) take neither a seat nor a place
    of their organisation's cap.
    `registrations` may be only the candidates (every counted validated member of an organisation
    that may be over its cap, every late one) when `validated_total` gives the seat count.
    """
    flags: list[Flag] = []
    uncounted = uncounted_keys(event.categories)
    validated = [r for r in registrations if r.is_attendee and r.category not in uncounted]
    seats_taken = len(validated) if validated_total is None else validated_total
    by_org: dict[str, list[Registration]] = {}
    for r in validated:
        key = stored_organisation_key(r.organisation)  # grouped as the store groups them
        if key:
            by_org.setdefault(key, []).append(r)
    for _key, members in sorted(by_org.items()):
        if len(members) > event.per_organisation_cap:
            ids = tuple(sorted(m.registration_id for m in members))
            flags.append(Flag(
                "per_organisation_cap",
                f"{members[0].organisation}: {len(members)} validated people, "
                f"at most {event.per_organisation_cap} per organisation ({', '.join(ids)})",
                ids,
            ))
    if seats_taken > event.seat_cap:
        flags.append(Flag(
            "seat_cap",
            f"{seats_taken} validated attendees for {event.seat_cap} seats "
            f"({seats_taken - event.seat_cap} over)",
        ))
    if event.registration_deadline is not None:
        late = sorted(
            r.registration_id for r in registrations
            if r.updated_at is not None and r.updated_at > event.registration_deadline
        )
        if late:
            shown = ", ".join(late[:10]) + (f" and {len(late) - 10} more" if len(late) > 10 else "")
            flags.append(Flag(
                "deadline",
                f"{len(late)} registration(s) updated after the registration deadline "
                f"{event.registration_deadline:%Y-%m-%d %H:%M}: {shown}",
                tuple(late),
            ))
    return flags
