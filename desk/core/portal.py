"""Reading the portal's registration records: header matching and row validation.

Pure functions over already-decoded values (strings from CSV, cell values from XLSX,
JSON scalars from the feed). Every problem becomes a `RowError` naming the line and field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import operator
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from desk.core.attendees import Registration, Status
from desk.core.categories import DEFAULT_WORDS, CategoryWords
from desk.core.countries import country_code
from desk.core.errors import RowError, SourceError
from desk.core.text import fold

COLUMNS = (
    "registration_id", "status", "first_name", "last_name", "email", "organisation",
    "country", "category", "days", "ticket_code", "updated_at",
)
REQUIRED = ("registration_id", "status")

# Other spellings portals use for the same column, compared after `header_key`.
_SYNONYMS = {
    "registration_id": ("registrationid", "id", "regid", "registrationnumber", "registrationno"),
    "status": ("registrationstatus", "state"),
    "first_name": ("firstname", "givenname", "forename", "prenom"),
    "last_name": ("lastname", "surname", "familyname"),
    "email": ("email", "emailaddress", "mail"),
    "organisation": ("organisation", "organization", "company", "institution", "affiliation",
                     "organisationname", "organizationname"),
    "country": ("country", "countrycode", "nationality"),
    "category": ("category", "participantcategory", "type", "participanttype", "profile"),
    "days": ("days", "daysattending", "attendance", "dates"),
    "ticket_code": ("ticketcode", "ticket", "ticketnumber", "code", "barcode", "qrcode"),
    "updated_at": ("updatedat", "updated", "lastupdated", "modified", "lastmodified",
                   "modifiedat", "changedat"),
}
_HEADER_TO_COLUMN = {syn: col for col, syns in _SYNONYMS.items() for syn in syns}
_CANONICAL = {col.replace("_", ""): col for col in COLUMNS}

MAX_FIELD_CHARS = 500
MAX_ID_CHARS = 64
MAX_TICKET_CHARS = 256
# The store keeps days as "|"-joined ISO dates in 200 characters (PostgreSQL enforces it).
MAX_DAYS = 16
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0, DEL and C1: read as spaces
_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\]]{2,}$")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Update times outside these years are an exporter's error (0001-01-01, 9999-12-31): one in
# the far future would also make every later real update look older and never apply.
FIRST_UPDATE_YEAR, LAST_UPDATE_YEAR = 2000, 2099
_DAY_SPLIT = re.compile(r"[|,;\s]+")
_UTC = dt.timezone.utc


def header_key(header: object) -> str:
    """Fold a header for matching: case, accents, spaces, underscores and dashes ignored."""
    return re.sub(r"[\s_\-.:/]+", "", fold(str(header or "")).replace("\ufeff", ""))


@dataclass
class HeaderMap:
    """Which input column index holds which desk field, and what was left aside."""

    index: dict[str, int]
    ignored: list[str] = field(default_factory=list)
    _getter: Callable[[Sequence[object]], tuple[object, ...]] = field(init=False, repr=False, compare=False)
    _width: int = field(init=False, repr=False, compare=False)
    # desk's columns the source does not have: an update leaves those stored values alone
    absent: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.absent = tuple(c for c in COLUMNS if c not in self.index)
        positions = [self.index.get(c) for c in COLUMNS]
        present = [p for p in positions if p is not None]
        self._width = max(present, default=-1) + 1
        if len(present) == len(COLUMNS):
            self._getter = operator.itemgetter(*present)  # one C call per row
            return
        slots = [k for k, p in enumerate(positions) if p is not None]

        def getter(row: Sequence[object]) -> tuple[object, ...]:
            out: list[object] = [None] * len(COLUMNS)
            for k in slots:
                out[k] = row[positions[k]]  # type: ignore[index]
            return tuple(out)

        self._getter = getter

    def fields(self, row: Sequence[object]) -> tuple[object, ...]:
        """desk's fields of one row in `COLUMNS` order (None where the column is absent or the row short)."""
        if len(row) >= self._width:
            return self._getter(row)
        return tuple(row[i] if i is not None and i < len(row) else None
                     for i in (self.index.get(c) for c in COLUMNS))


def desk_column(header: object) -> str | None:
    """The desk field a header names in desk's own spellings, or None."""
    key = header_key(header)
    return _CANONICAL.get(key) or _HEADER_TO_COLUMN.get(key)


def match_headers(headers: Iterable[object]) -> HeaderMap:
    """Map a header row onto desk's columns.

    Returns the mapping and the headers desk does not use (never stored).
    Raises SourceError when a required column is missing or one is given twice.
    """
    index: dict[str, int] = {}
    ignored: list[str] = []
    for i, raw in enumerate(headers):
        key = header_key(raw)
        col = _CANONICAL.get(key) or _HEADER_TO_COLUMN.get(key)
        if col is None:
            if str(raw or "").strip():
                ignored.append(shown(str(raw).strip(), 60))  # printed: no terminal escapes
            continue
        if col in index:
            raise SourceError(f"column '{col}' appears twice in the header")
        index[col] = i
    missing = [c for c in REQUIRED if c not in index]
    if "first_name" not in index and "last_name" not in index:
        missing.append("first_name or last_name")
    if missing:
        raise SourceError(
            "not a registration export: missing column " + ", ".join(repr(m) for m in missing)
            + " (expected " + ", ".join(COLUMNS) + ")"
        )
    return HeaderMap(index, ignored)


_STATUS_WORDS = {
    "validated": Status.VALIDATED, "valid": Status.VALIDATED, "approved": Status.VALIDATED,
    "confirmed": Status.VALIDATED, "accepted": Status.VALIDATED,
    "pending": Status.PENDING, "waiting": Status.PENDING, "new": Status.PENDING,
    "rejected": Status.REJECTED, "refused": Status.REJECTED, "declined": Status.REJECTED,
    "cancelled": Status.CANCELLED, "canceled": Status.CANCELLED,
}

def _text(value: object) -> str:
    if value.__class__ is str:
        # the common case: clean ASCII needs no normalising (this runs ~10 times per row)
        if value.isascii() and value.isprintable():
            if "  " not in value and value[:1] != " " and value[-1:] != " ":
                return value  # type: ignore[return-value]
            return " ".join(value.split())  # type: ignore[attr-defined]
    elif value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # XLSX stores numeric ids as floats
    text = value if isinstance(value, str) else str(value)
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if not text.isprintable():  # control characters become spaces
        text = _CONTROL.sub(" ", text)
    return " ".join(text.split())


def shown(text: str, limit: int = 40) -> str:
    """`text` cut to `limit` characters, with anything unprintable spelt as an escape.

    Row errors quote the value they refuse; a lone surrogate or a control character quoted
    as it is would break the terminal, the log file or the window showing the report.
    """
    text = text[:limit]
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else f"\\u{ord(ch):04x}" for ch in text)


def parse_status(value: object, line: int) -> Status:
    """Return the Status for a portal word (any case); raise RowError otherwise."""
    word = _text(value).casefold()
    if word in _STATUS_WORDS:
        return _STATUS_WORDS[word]
    if not word:
        raise RowError(line, "no status (expected validated, pending, rejected or cancelled)", "status")
    raise RowError(line, f"unknown status '{shown(_text(value))}' (expected validated, pending, rejected or cancelled)",
                   "status")


def parse_category(value: object, categories: CategoryWords = DEFAULT_WORDS) -> str | None:
    """Return the event's category key for a portal word, or None when it is not recognised."""
    return categories.key(_text(value))


def parse_date(value: object, line: int, what: str = "days") -> dt.date:
    """Parse one ISO date (or a date cell); raise RowError otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise RowError(line, f"'{shown(text)}' in {what} is not a date (expected YYYY-MM-DD)", what) from None


@lru_cache(maxsize=1024)
def _days_from_text(text: str) -> tuple[dt.date, ...] | None:
    # an export repeats a handful of day lists: parse each distinct one once
    try:
        return tuple(sorted({dt.date.fromisoformat(p) for p in _DAY_SPLIT.split(text) if p}))
    except ValueError:
        return None


def parse_days(value: object, line: int) -> tuple[dt.date, ...]:
    """Parse the days attended: ISO dates separated by |, , or ; (empty means every day)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return (parse_date(value, line),)
    text = _text(value)
    days = _days_from_text(text)
    if days is None:  # find the culprit for the message
        days = tuple(sorted({parse_date(p, line) for p in _DAY_SPLIT.split(text) if p}))
    if len(days) > MAX_DAYS:
        raise RowError(line, f"days lists {len(days)} dates (at most {MAX_DAYS})", "days")
    return days


def parse_timestamp(value: object, line: int) -> dt.datetime | None:
    """Parse `updated_at` into an aware UTC datetime (naive input is taken as UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        stamp = value
    else:
        text = _text(value)
        if not text:
            return None
        try:
            stamp = dt.datetime.fromisoformat(text)
        except ValueError:
            try:  # a lower-case "z", which fromisoformat does not take
                stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
            except ValueError:
                raise RowError(
                    line, f"updated_at '{shown(text)}' is not a date-time (expected ISO 8601, e.g. 2016-11-02T14:30:00Z)",
                    "updated_at",
                ) from None
    zone = stamp.tzinfo
    if zone is not _UTC:
        if zone is None:
            stamp = stamp.replace(tzinfo=_UTC)
        else:
            try:
                stamp = stamp.astimezone(_UTC)
            except OverflowError:  # 9999-12-31T23:59-05:00 is past the last representable moment
                stamp = None  # type: ignore[assignment]
    if stamp is None or not FIRST_UPDATE_YEAR <= stamp.year <= LAST_UPDATE_YEAR:
        raise RowError(line, f"updated_at '{shown(_text(value))}' is out of range (expected a moment between "
                             f"{FIRST_UPDATE_YEAR} and {LAST_UPDATE_YEAR})", "updated_at")
    return stamp


def _fits(text: str, line: int, name: str, limit: int = MAX_FIELD_CHARS) -> str:
    if len(text) > limit:
        raise RowError(line, f"{name} is {len(text)} characters long (at most {limit})", name)
    return text


class ParsedRow(NamedTuple):
    """A row that can be stored, with remarks worth a flag line.

    (A named tuple: a sync builds one per row, three times faster than a frozen dataclass.)
    """

    registration: Registration
    line: int
    remarks: tuple[str, ...] = ()
    fingerprint: str = ""  # digest of the source record (empty when the source gives none)
    # columns the source does not give (not the same as empty): an update keeps their stored values
    absent: tuple[str, ...] = ()
    # words not recognised, kept under a default: (field, word, what was stored instead)
    unknown: tuple[tuple[str, str, str], ...] = ()


class Record:
    """A source record not validated yet: its line and the row as read; its digest on demand.

    The digest and the clean-row test wait until a sync asks for them: a large first import
    does that work chunk by chunk, while the store keeps the chunk before, not while reading.
    """

    # a plain slotted class: a sync makes one per row, and a frozen dataclass costs 3x to build
    __slots__ = ("_clean", "_fingerprint", "headers", "line", "registration_id", "row")

    def __init__(self, line: int, row: Sequence[object], headers: HeaderMap, registration_id: str) -> None:
        self.line = line
        self.row = row
        self.headers = headers
        self.registration_id = registration_id
        self._fingerprint: str | None = None
        self._clean = False

    @property
    def fingerprint(self) -> str:
        """The row's digest. Equal digests mean the same row, which would validate the same way:
        an unchanged re-import of 100,000 rows compares digests and parses none of them."""
        if self._fingerprint is None:
            self._examine()
        return self._fingerprint  # type: ignore[return-value]

    @property
    def ticket_code(self) -> str:
        """The ticket code as validation reads it ("" when the source has none)."""
        at = self.headers.index.get("ticket_code")
        row = self.row
        return _text(row[at]) if at is not None and at < len(row) else ""

    @property
    def clean(self) -> bool:
        """Every value is text that `_text` would return unchanged (`parse` takes its fast path)."""
        if self._fingerprint is None:
            self._examine()
        return self._clean

    def _examine(self) -> None:
        row = self.row
        try:
            text = _FIELD_SEP.join(row)  # type: ignore[arg-type]  # CSV rows (all text): cheap and exact
            self._clean = _clean_row_text(row, text)  # type: ignore[arg-type]
        except TypeError:
            text = repr(row)  # workbook cells: numbers, dates, None
        self._fingerprint = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()

    def parse(self, categories: CategoryWords = DEFAULT_WORDS) -> ParsedRow:
        """Validate the record (see `parse_fields`) against the event's `categories`."""
        if self._fingerprint is None:
            self._examine()
        return parse_fields(self.headers.fields(self.row), self.line, self._fingerprint,  # type: ignore[arg-type]
                            self._clean, self.headers.absent, categories)


_FIELD_SEP = "\x1f"  # the ASCII unit separator: never typed into a cell


def _clean_row_text(values: Sequence[str], text: str) -> bool:
    """True when `_text` leaves every one of `values` (`text`: them joined by _FIELD_SEP) as it is.

    `isprintable` is false for every control character and every space but the plain one,
    which is all `_text` replaces or collapses (and for a few harmless others, such as a soft
    hyphen: those rows simply take the general path).
    """
    return ("".join(values).isprintable() and "  " not in text and "\x1f " not in text
            and " \x1f" not in text and text[:1] != " " and text[-1:] != " "
            and (text.isascii() or unicodedata.is_normalized("NFC", text)))


def make_record(headers: HeaderMap, row: Sequence[object], line: int) -> Record:
    """Wrap one row read from a source, with its registration_id as validation reads it."""
    at = headers.index.get("registration_id")
    return Record(line, row, headers, _text(row[at]) if at is not None and at < len(row) else "")


def parse_registration(values: Mapping[str, object], line: int,
                       categories: CategoryWords = DEFAULT_WORDS) -> ParsedRow:
    """Validate one record (keys are desk's column names) into a Registration.

    Raises RowError naming the line, the field and what was expected.
    """
    return parse_fields(tuple(values.get(c) for c in COLUMNS), line, categories=categories)


# Fields read as they come (dates from a workbook are date objects); the others are text.
_DAYS, _UPDATED = COLUMNS.index("days"), COLUMNS.index("updated_at")


def parse_fields(values: Sequence[object], line: int, fingerprint: str = "", clean: bool = False,
                 absent: tuple[str, ...] = (), categories: CategoryWords = DEFAULT_WORDS) -> ParsedRow:
    """Validate one record given as its fields in `COLUMNS` order into a Registration.

    The category word is read as one of the event's `categories` (the six defaults unless
    given); a word the event does not know keeps the row under its default category and is
    reported in `ParsedRow.unknown`.

    `absent` names the columns the source does not have (read as empty, kept apart so that
    an update leaves them as stored).
    `clean` promises that every value is None or text `_text` leaves as it is (see
    `make_record`): then the values are not cleaned again (the hot path of a large import).
    Raises RowError naming the line, the field and what was expected.
    """
    if clean:
        if None in values:  # absent columns
            values = tuple(v if v is not None else "" for v in values)
    else:
        values = tuple(v if k in (_DAYS, _UPDATED) else _text(v) for k, v in enumerate(values))
        _refuse_surrogates(values, line)
    (reg_id, status_v, first, last, email, organisation, raw_country, raw_category, days_v, ticket,
     updated_v) = values
    # one look at every length; the checks below name the field only when one is too long
    long = (len(reg_id) > MAX_ID_CHARS or len(ticket) > MAX_TICKET_CHARS  # type: ignore[arg-type]
            or max(len(first), len(last), len(email), len(organisation),  # type: ignore[arg-type]
                   len(raw_country), len(raw_category)) > MAX_FIELD_CHARS)  # type: ignore[arg-type]
    if long:
        _fits(reg_id, line, "registration_id", MAX_ID_CHARS)  # type: ignore[arg-type]
    if not reg_id:
        raise RowError(line, "no registration_id", "registration_id")
    status = _STATUS_WORDS.get(status_v)  # type: ignore[arg-type]
    if status is None:
        status = parse_status(status_v, line)
    if long:
        _fits(first, line, "first_name")  # type: ignore[arg-type]
        _fits(last, line, "last_name")  # type: ignore[arg-type]
    if not first and not last:
        raise RowError(line, "neither first_name nor last_name", "first_name")
    if long:
        _fits(email, line, "email")  # type: ignore[arg-type]
    if " " in email:  # type: ignore[operator]
        email = email.replace(" ", "")  # type: ignore[attr-defined]
    if email and not _EMAIL.match(email):  # type: ignore[arg-type]
        raise RowError(line, f"email '{shown(email, 60)}' is not an e-mail address", "email")  # type: ignore[index]
    lowered = email.lower()  # type: ignore[attr-defined]
    if len(lowered) > MAX_FIELD_CHARS:  # a few capitals grow when lowered ("İ" becomes two characters)
        _fits(lowered, line, "email")
    if long:
        _fits(raw_country, line, "country")  # type: ignore[arg-type]
    country = _country(raw_country) if raw_country else ""  # type: ignore[arg-type]
    if country is None:
        raise RowError(
            line, f"country '{shown(raw_country)}' is neither an ISO 3166 code nor a country name", "country"  # type: ignore[index]
        )
    remarks: tuple[str, ...] = ()
    if long:
        _fits(organisation, line, "organisation")  # type: ignore[arg-type]
    if "\ufffd" in f"{first}{last}{email}{organisation}":  # one look, then name the fields
        damaged = [name for name, text in (("first_name", first), ("last_name", last), ("email", email),
                                           ("organisation", organisation))
                   if "\ufffd" in text]  # type: ignore[operator]
        if damaged:
            # stored all the same: a slightly damaged name still finds the person at the desk
            remarks += (f"row {line}: {', '.join(damaged)} holds characters that could not be read "
                        "(shown as \ufffd); check the file's encoding",)
    if long:
        _fits(raw_category, line, "category")  # type: ignore[arg-type]
    category = categories.key(raw_category)
    unknown: tuple[tuple[str, str, str], ...] = ()
    if category is None:
        # reported once per distinct word by the sync, not once per row
        category = categories.default
        unknown = (("category", shown(raw_category), category.replace("_", " ")),)  # type: ignore[arg-type]
    # an export repeats a handful of day lists: most are found in the cache of parsed ones
    days = _days_from_text(days_v) if days_v.__class__ is str else None  # type: ignore[arg-type]
    if days is None or len(days) > MAX_DAYS:
        days = parse_days(days_v, line)
    registration = Registration(
        registration_id=reg_id, status=status, first_name=first, last_name=last,  # type: ignore[arg-type]
        email=lowered, organisation=organisation, country=country, category=category,  # type: ignore[attr-defined, arg-type]
        days=days, ticket_code=_fits(ticket, line, "ticket_code", MAX_TICKET_CHARS) if long else ticket,  # type: ignore[arg-type]
        updated_at=parse_timestamp(updated_v, line),
    )
    return ParsedRow(registration, line, remarks, fingerprint, absent, unknown)


def _refuse_surrogates(values: Sequence[object], line: int) -> None:
    """Raise RowError when a text value holds a lone surrogate (JSON's "\\ud800"): no database
    can store one. A clean row never does (`isprintable` is false for them)."""
    for name, value in zip(COLUMNS, values):
        if value.__class__ is str and not value.isprintable():  # type: ignore[attr-defined]
            found = _SURROGATE.search(value)  # type: ignore[arg-type]
            if found:
                raise RowError(line, f"{name} holds a character that is not text (\\u{ord(found.group()):04x}, "
                                     "a lone surrogate); fix the export", name)


@lru_cache(maxsize=1024)
def _country(text: str) -> str | None:
    # an export repeats a few dozen countries: resolve each spelling once
    return country_code(text)
