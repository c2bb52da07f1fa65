"""Reading matchmaking files: participants, accepted requests and slots.

Pure functions over already-decoded rows (strings from CSV, cell values from XLSX), each given
with its line number. A file's kind is told by its header. Every bad row becomes a `RowError`
naming the line and the field; good rows are kept.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from typing import Literal

from desk.core.countries import country_code
from desk.core.errors import RowError, SourceError
from desk.core.matchmaking.model import MatchmakingError, MeetingRequest, Participant, Slot, pair_key

Kind = Literal["participants", "requests", "slots"]
Rows = Iterable[tuple[int, Sequence[object]]]

MAX_ID_CHARS = 64
MAX_TEXT_CHARS = 300
MAX_SLOT = 999
MAX_PRIORITY = 1000

# desk's column → header spellings accepted (compared after `header_key`)
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "participants": {
        "participant_id": ("participantid",),
        "organisation": ("organisation", "organization", "cluster"),
        "name": ("name", "representative", "fullname"),
        "country": ("country", "countrycode"),
        "registration_id": ("registrationid",),
        "available": ("available", "availability", "availableslots"),
    },
    "requests": {
        "requester": ("requester",),
        "partner": ("partner",),
        "priority": ("priority",),
    },
    "slots": {
        "slot": ("slot", "slotnumber"),
        "start": ("start", "starts", "startsat"),
        "end": ("end", "ends", "endsat"),
    },
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "participants": ("participant_id",),
    "requests": ("requester", "partner"),
    "slots": ("slot", "start", "end"),
}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_RANGE_DASH = re.compile(r"\s*[-‐‑–—]\s*")
_LIST_SPLIT = re.compile(r"[|,;\s]+")


class UnknownFileKind(MatchmakingError, SourceError):
    """The header fits none of the participants, requests or slots files."""


def header_key(header: object) -> str:
    """Fold a header for matching: case, spaces, underscores and dashes ignored."""
    text = unicodedata.normalize("NFKC", str(header or "")).replace("\ufeff", "")
    return re.sub(r"[\s_\-.]+", "", text).casefold()


def detect_kind(headers: Sequence[object]) -> Kind:
    """Return which matchmaking file these headers belong to.

    Raises UnknownFileKind naming the columns each kind needs.
    """
    keys = {header_key(h) for h in headers}
    for kind in ("participants", "requests", "slots"):
        if all(keys & set(COLUMNS[kind][col]) for col in REQUIRED[kind]):
            return kind  # type: ignore[return-value]
    shown = ", ".join(str(h) for h in headers if str(h or "").strip())[:120] or "no headers"
    raise UnknownFileKind(
        f"the columns ({shown}) are not a matchmaking file: participants need participant_id, "
        "requests need requester and partner, slots need slot, start and end"
    )


def _positions(headers: Sequence[object], kind: Kind) -> dict[str, int]:
    keys = [header_key(h) for h in headers]
    found: dict[str, int] = {}
    for column, spellings in COLUMNS[kind].items():
        for index, key in enumerate(keys):
            if key in spellings:
                found[column] = index
                break
    return found


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # XLSX stores whole numbers as floats
    text = unicodedata.normalize("NFC", str(value))
    return " ".join(_CONTROL.sub(" ", text).split())


def _records(headers: Sequence[object], rows: Rows, kind: Kind) -> Iterable[tuple[int, dict[str, object]]]:
    """Yield (line, column → value) for every row that is not blank."""
    at = _positions(headers, kind)
    for line, values in rows:
        if all(_text(v) == "" for v in values):
            continue
        yield line, {col: values[i] if i < len(values) else None for col, i in at.items()}


def _field(values: dict[str, object], name: str, line: int, limit: int = MAX_TEXT_CHARS) -> str:
    text = _text(values.get(name))
    if len(text) > limit:
        raise RowError(line, f"{name} is {len(text)} characters long (at most {limit})", name)
    return text


def _whole_number(value: object, line: int, name: str, low: int, high: int) -> int:
    text = _text(value)
    try:
        number = int(text)
    except ValueError:
        raise RowError(line, f"{name} '{text[:20]}' is not a whole number", name) from None
    if not low <= number <= high:
        raise RowError(line, f"{name} {number} is out of range (expected {low} to {high})", name)
    return number


def parse_available(value: object, line: int) -> frozenset[int] | None:
    """Parse slot numbers and ranges such as `1-6|9|11-16` (| , ; or spaces between parts).

    Returns None for an empty cell (every slot), an empty set for `none`. Raises RowError for a part that is not a slot
    number, a range that runs backwards (`6-1`) or a slot number out of 1..999.
    """
    text = _RANGE_DASH.sub("-", _text(value))
    if not text:
        return None
    if text.casefold() == "none":
        return frozenset()
    slots: set[int] = set()
    for part in (p for p in _LIST_SPLIT.split(text) if p):
        low_text, dash, high_text = part.partition("-")
        if not low_text.isdigit() or (dash and not high_text.isdigit()):
            raise RowError(
                line, f"'{part[:20]}' in available is not a slot number or a range such as 1-6", "available"
            )
        low = int(low_text)
        high = int(high_text) if dash else low
        if high < low:
            raise RowError(line, f"range {part} in available runs backwards (write {high}-{low})", "available")
        if low < 1 or high > MAX_SLOT:
            outside = low if low < 1 else high
            raise RowError(line, f"slot {outside} in available is out of range 1-{MAX_SLOT}", "available")
        slots.update(range(low, high + 1))
    return frozenset(slots)


def _country(text: str) -> str:
    # an ISO code when the country is recognised; otherwise kept as written (it is only shown)
    return (country_code(text) or text) if text else ""


def parse_participants(headers: Sequence[object], rows: Rows) -> tuple[list[Participant], list[RowError]]:
    """Parse a participants file (`participant_id, organisation, name, country, registration_id,
    available`). Returns the good participants and a RowError per bad row (a missing or
    repeated participant_id, a bad availability)."""
    people: list[Participant] = []
    errors: list[RowError] = []
    first_line: dict[str, int] = {}
    for line, values in _records(headers, rows, "participants"):
        try:
            pid = _field(values, "participant_id", line, MAX_ID_CHARS)
            if not pid:
                raise RowError(line, "no participant_id", "participant_id")
            if pid in first_line:
                raise RowError(line, f"participant {pid} is already on row {first_line[pid]}", "participant_id")
            person = Participant(
                participant_id=pid,
                organisation=_field(values, "organisation", line),
                name=_field(values, "name", line),
                country=_country(_field(values, "country", line)),
                registration_id=_field(values, "registration_id", line, MAX_ID_CHARS) or None,
                available=parse_available(values.get("available"), line),
            )
        except RowError as error:
            errors.append(error)
            continue
        first_line[pid] = line
        people.append(person)
    return people, errors


def parse_requests(
    headers: Sequence[object], rows: Rows, participant_ids: Collection[str] | None = None
) -> tuple[list[MeetingRequest], list[RowError]]:
    """Parse an accepted-requests file (`requester, partner, priority`; priority defaults to 1).

    With `participant_ids`, a request naming anybody else is an error. Returns the good
    requests and a RowError per bad row: unknown participant, self-meeting, a pair already
    requested (A-B and B-A are the same pair), a bad priority.
    """
    requests: list[MeetingRequest] = []
    errors: list[RowError] = []
    first_line: dict[tuple[str, str], int] = {}
    for line, values in _records(headers, rows, "requests"):
        try:
            ids = []
            for name in ("requester", "partner"):
                pid = _field(values, name, line, MAX_ID_CHARS)
                if not pid:
                    raise RowError(line, f"no {name}", name)
                if participant_ids is not None and pid not in participant_ids:
                    raise RowError(line, f"{name} {pid} is not a known participant", name)
                ids.append(pid)
            requester, partner = ids
            if requester == partner:
                raise RowError(line, f"{requester} cannot meet themself", "partner")
            key = pair_key(requester, partner)
            if key in first_line:
                raise RowError(
                    line, f"{requester} and {partner} are already paired on row {first_line[key]}", "partner"
                )
            raw = values.get("priority")
            priority = 1 if _text(raw) == "" else _whole_number(raw, line, "priority", 1, MAX_PRIORITY)
        except RowError as error:
            errors.append(error)
            continue
        first_line[key] = line
        requests.append(MeetingRequest(requester, partner, priority))
    return requests, errors


def _datetime(value: object, line: int, name: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    text = _text(value)
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RowError(
            line, f"{name} '{text[:30]}' is not a date-time (expected e.g. 2016-11-30T09:00)", name
        ) from None


def parse_slots(headers: Sequence[object], rows: Rows) -> tuple[list[Slot], list[RowError]]:
    """Parse a slots file (`slot, start, end` as ISO date-times). Returns the good slots in time
    order and a RowError per bad row: a bad or repeated number, a bad time, an end before the
    start, a slot overlapping an earlier-listed one."""
    parsed: list[tuple[int, Slot]] = []
    errors: list[RowError] = []
    first_line: dict[int, int] = {}
    for line, values in _records(headers, rows, "slots"):
        try:
            number = _whole_number(values.get("slot"), line, "slot", 1, MAX_SLOT)
            if number in first_line:
                raise RowError(line, f"slot {number} is already on row {first_line[number]}", "slot")
            start = _datetime(values.get("start"), line, "start")
            end = _datetime(values.get("end"), line, "end")
            if (start.tzinfo is None) != (end.tzinfo is None) or parsed and (
                (parsed[0][1].start.tzinfo is None) != (start.tzinfo is None)
            ):
                raise RowError(line, "mixes times with and without a time zone", "start")
            if end <= start:
                raise RowError(line, f"slot {number} ends ({end:%H:%M}) before it starts ({start:%H:%M})", "end")
        except RowError as error:
            errors.append(error)
            continue
        first_line[number] = line
        parsed.append((line, Slot(number, start, end)))
    kept: list[tuple[int, Slot]] = []
    for line, slot in parsed:  # file order: the later row of an overlapping pair is the bad one
        clash = next((other for _, other in kept if slot.start < other.end and other.start < slot.end), None)
        if clash is not None:
            errors.append(
                RowError(
                    line,
                    f"slot {slot.number} ({slot.start:%H:%M}-{slot.end:%H:%M}) overlaps slot {clash.number} "
                    f"({clash.start:%H:%M}-{clash.end:%H:%M}) on row {first_line[clash.number]}",
                    "start",
                )
            )
            continue
        kept.append((line, slot))
    errors.sort(key=lambda e: e.line)
    return sorted((s for _, s in kept), key=lambda s: s.start), errors


def format_available(slots: frozenset[int] | None) -> str:
    """Write slot numbers as `parse_available` reads them: `1-6|9|11-16`; None (every slot)
    gives '' and an empty set gives `none`."""
    if slots is None:
        return ""
    if not slots:
        return "none"
    parts: list[str] = []
    ordered = sorted(slots)
    start = previous = None
    for n in [*ordered, None]:
        if n is not None and previous is not None and n == previous + 1:
            previous = n
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = n
    return "|".join(parts)
