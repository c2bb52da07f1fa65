"""Portal exports as they come: each portal's columns and words (data), the map file, and a
row layout that turns a portal's row into desk's fields.

The presets below are a table, not code per portal: a header signature, the headers each
desk field may come from (first present wins), and the portal's status words. A map file
(TOML) adds what a header cannot say: the event's own columns and words. Pure functions; the
map arrives as text.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from desk.core.attendees import Status
from desk.core.categories import CategoryWords
from desk.core.errors import SourceError
from desk.core.portal import COLUMNS, HeaderMap, desk_column, header_key, match_headers, shown

_V, _P, _R, _C = "validated", "pending", "rejected", "cancelled"


@dataclass(frozen=True)
class Preset:
    """What one portal's exporter writes.

    `signature`: every entry must be present (each entry lists alternative headers).
    `columns`: desk field → header alternatives; "A + B" joins two columns with "-",
    "~word" is any header containing the word. `full_name`: a "Given Family" column split
    when the file has no first/last name columns. `status`: the portal's words.
    """

    name: str
    signature: tuple[tuple[str, ...], ...]
    columns: Mapping[str, tuple[str, ...]]
    status: Mapping[str, str]
    full_name: tuple[str, ...] = ()
    absent: Mapping[str, str] = field(default_factory=dict)


PRESETS: tuple[Preset, ...] = (
    Preset(
        # "Order positions", in English and in pretix's German (de and de-informal spell the
        # headers alike); older releases' German spellings are kept as alternatives
        name="pretix",
        signature=(("Order code", "Bestellnummer"), ("Position ID", "Position", "Positions-ID")),
        columns={
            "registration_id": ("Order code + Position ID", "Bestellnummer + Position",
                                "Bestellnummer + Positions-ID"),
            "first_name": ("Attendee name: Given name", "Name Teilnehmer*in: Vorname",
                           "Name des Teilnehmers: Vorname", "Teilnehmername: Vorname"),
            "last_name": ("Attendee name: Family name", "Name Teilnehmer*in: Nachname",
                          "Name des Teilnehmers: Nachname", "Teilnehmername: Nachname"),
            "email": ("Attendee email", "E-Mail Teilnehmer*in", "E-Mail des Teilnehmers", "Teilnehmer-E-Mail",
                      "Email", "E-Mail"),
            "organisation": ("Attendee company", "Teilnehmer*innen-Firma", "Company", "Firma",
                             "Invoice address company", "Rechnungsadresse: Firma", "Rechnungsadresse Firma"),
            "country": ("Country", "Land"),
            "status": ("Status",),
            "ticket_code": ("Ticket secret", "Ticket-Code", "Secret", "Ticketcode"),
        },
        full_name=("Attendee name", "Name Teilnehmer*in", "Name des Teilnehmers", "Teilnehmername"),
        status={
            "paid": _V, "pending": _P, "approval pending": _P, "pending (confirmed)": _P,
            "canceled": _C, "canceled (paid fee)": _C, "expired": _C,
            "bezahlt": _V, "ausstehend": _P, "freigabe ausstehend": _P, "ausstehend (bestätigt)": _P,
            "storniert": _C, "storniert (bezahlte gebühr)": _C, "storniert (mit gebühr)": _C, "abgelaufen": _C,
        },
    ),
    Preset(
        # a check-in list export ("Check-in list (CSV)" with secrets): one row per ticket on the
        # list, no position id and no status; a "Paid" column only when the list takes pending
        # orders. The secret makes the id, so the same ticket keeps its id at every re-import.
        name="pretix",
        signature=(("Order code", "Bestellnummer"), ("Secret",), ("Checked in", "Eingecheckt")),
        columns={
            "registration_id": ("Order code + Secret", "Bestellnummer + Secret"),
            "first_name": ("Attendee name: Given name", "Teilnehmer*innenname: Vorname"),
            "last_name": ("Attendee name: Family name", "Teilnehmer*innenname: Nachname"),
            "email": ("Email", "E-Mail"),
            "organisation": ("Company", "Firma"),
            "status": ("Paid", "Bezahlt"),
            "ticket_code": ("Secret",),
        },
        full_name=("Attendee name", "Name Teilnehmer*in"),
        status={"yes": _V, "no": _P, "ja": _V, "nein": _P},
        absent={"status": _V},
    ),
    Preset(
        name="indico",
        signature=(("ID",), ("First Name",), ("Last Name",), ("Email Address",)),
        columns={
            "registration_id": ("ID",), "first_name": ("First Name",), "last_name": ("Last Name",),
            "email": ("Email Address",), "organisation": ("Affiliation",), "country": ("Country",),
            "status": ("Registration state", "Registration status", "State"),
        },
        status={"completed": _V, "pending": _P, "awaiting payment": _P, "rejected": _R, "withdrawn": _C},
    ),
    Preset(
        name="alf.io",
        signature=(("ID",), ("First Name",), ("Last Name",), ("E-Mail",), ("Country Code",)),
        columns={
            "registration_id": ("ID",), "first_name": ("First Name",), "last_name": ("Last Name",),
            "email": ("E-Mail",), "organisation": ("~organisation", "~organization", "~company", "~affiliation"),
            "country": ("Country Code",), "status": ("Status",), "ticket_code": ("ID",),
        },
        full_name=("Full Name",),
        status={"acquired": _V, "checked_in": _V, "to_be_paid": _P},
    ),
    Preset(
        name="eventbrite",
        signature=(("Attendee #",), ("First Name",), ("Last Name",), ("Email",)),
        columns={
            "registration_id": ("Attendee #",), "first_name": ("First Name",), "last_name": ("Last Name",),
            "email": ("Email",), "organisation": ("Company",), "country": ("Home Country",),
            "status": ("Attendee Status",), "ticket_code": ("Barcode #",),
        },
        status={"attending": _V, "checked in": _V, "not attending": _C, "deleted": _C},
    ),
)

MAP_FIELDS = tuple(c for c in COLUMNS)
_STATUS_VALUES = {s.value for s in Status}


def word_key(value: object) -> str:
    """A portal word for lookup: spaces collapsed, case ignored ("Pending (confirmed)")."""
    return " ".join(str(value if value is not None else "").split()).casefold()


@dataclass(frozen=True)
class PortalMap:
    """A map file: desk field → the export's header, and the export's words → desk's values."""

    columns: Mapping[str, str] = field(default_factory=dict)
    status: Mapping[str, str] = field(default_factory=dict)
    days: Mapping[str, tuple[dt.date, ...]] = field(default_factory=dict)
    category: Mapping[str, str] = field(default_factory=dict)
    date_format: str | None = None


def parse_map(text: str, name: str = "map") -> PortalMap:
    """Read a map file's TOML text. Raises SourceError naming what is wrong in it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(f"{name} is not valid TOML ({exc})") from None
    unknown = sorted(set(data) - {"columns", "values", "date_format"})
    if unknown:
        raise SourceError(f"{name}: unknown key {', '.join(unknown)} (expected [columns], [values.*], date_format)")
    columns = _table(data, "columns", name)
    for key, header in columns.items():
        if key not in MAP_FIELDS:
            raise SourceError(f"{name}: [columns] names '{shown(key)}', which is not a desk field "
                              f"(expected {', '.join(MAP_FIELDS)})")
        if not isinstance(header, str) or not header.strip():
            raise SourceError(f"{name}: [columns] {key} must be the export's header, as text")
    values = _table(data, "values", name)
    extra = sorted(set(values) - {"status", "days", "category"})
    if extra:
        raise SourceError(f"{name}: unknown table values.{extra[0]} (expected status, days or category)")
    status: dict[str, str] = {}
    for word, value in _table(values, "status", name, "values.status").items():
        if value not in _STATUS_VALUES:
            raise SourceError(f"{name}: [values.status] '{shown(word)}' = '{shown(str(value))}' "
                              "(expected validated, pending, rejected or cancelled)")
        status[word_key(word)] = value
    days: dict[str, tuple[dt.date, ...]] = {}
    for word, value in _table(values, "days", name, "values.days").items():
        items = value if isinstance(value, list) else [value]
        try:
            days[word_key(word)] = tuple(sorted({d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d))
                                                 for d in items}))
        except ValueError:
            raise SourceError(f"{name}: [values.days] '{shown(word)}' must list ISO dates "
                              '(e.g. ["2016-12-01", "2016-12-02"])') from None
    category: dict[str, str] = {}
    for word, value in _table(values, "category", name, "values.category").items():
        # which categories exist is the event's to say: `check_map_categories` holds the map to them
        if not isinstance(value, str) or not value.strip():
            raise SourceError(f"{name}: [values.category] '{shown(word)}' must name one of the event's "
                              "categories, as text")
        category[word_key(word)] = value.strip()
    date_format = data.get("date_format")
    if date_format is not None and (not isinstance(date_format, str) or "%" not in date_format):
        raise SourceError(f"{name}: date_format must be a strptime pattern such as \"%d.%m.%Y %H:%M\"")
    return PortalMap(columns, status, days, category, date_format)


def check_map_categories(portal_map: PortalMap, categories: CategoryWords, name: str = "map") -> PortalMap:
    """The map with its [values.category] targets read as the event's keys (a key, a label or a
    badge word of one of its categories). Raises SourceError naming the first target the event
    does not have, so that nothing is written."""
    if not portal_map.category:
        return portal_map
    table: dict[str, str] = {}
    for word, target in portal_map.category.items():
        key = categories.key(target)
        if key is None:
            raise SourceError(f"{name}: [values.category] '{shown(word)}' = '{shown(target)}' is not one of the "
                              f"event's categories (expected {', '.join(categories.keys)}; "
                              "see desk event categories)")
        table[word] = key
    return replace(portal_map, category=table)


def _table(data: Mapping[str, object], key: str, name: str, label: str | None = None) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise SourceError(f"{name}: [{label or key}] must be a table")
    return value


# --- the layout of one export ------------------------------------------------------------

_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "du", "la", "le", "ten", "ter", "zu"}


def split_name(full: str) -> tuple[str, str]:
    """Split "Given Family" into (given, family); particles ("van der", "de la") go with the family."""
    words = full.split()
    if not words:
        return "", ""
    if len(words) == 1:
        return "", words[0]
    cut = len(words) - 1
    while cut > 1 and words[cut - 1].casefold() in _PARTICLES:
        cut -= 1
    return " ".join(words[:cut]), " ".join(words[cut:])


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, str) else str(value)


Convert = Callable[[object], tuple[object, "tuple[str, str, str] | None"]]


class Layout:
    """How the rows of one export become desk's fields (in `COLUMNS` order).

    `translate(row, line)` returns the row as desk reads it; words a map or preset does not
    know are kept under the default and counted in `unknown` ((field, word, default) →
    [count, first ten lines]). A row is picked with one C call, and each distinct word is
    converted once: the layout must not make a portal's export slower than desk's own.
    """

    def __init__(self, format_name: str, ignored: list[str]) -> None:
        self.format = format_name
        self.ignored = ignored
        self.headers = HeaderMap({}, ignored)
        self.unknown: dict[tuple[str, str, str], list] = {}
        self._indexes: list[int] = [0] * len(COLUMNS)
        self._width = 0
        self._pull: Callable[[Sequence[object]], tuple[object, ...]] = lambda row: ()
        self._absent: list[tuple[int, str]] = []
        self._joins: list[tuple[int, list[int]]] = []
        self._full_name: int | None = None
        self._fallback_name: int | None = None
        self._converts: list[tuple[int, Convert, dict]] = []

    def bind(self, sources: dict[str, list[int]], full_name: int | None, converts: dict[str, Convert],
             constants: Mapping[str, str] | None = None) -> None:
        """Read desk's fields from the columns in `sources` (several: joined with "-"), split
        `full_name` when no first or last name column is given, and pass the fields in `converts`
        through their converter. A field without a source takes its value in `constants`, else
        it is absent."""
        constants = {c: v for c, v in (constants or {}).items() if c not in sources}
        split = full_name is not None and "first_name" not in sources and "last_name" not in sources
        present = set(sources) | ({"first_name", "last_name"} if split else set()) | set(constants)
        self.headers = HeaderMap({c: k for k, c in enumerate(COLUMNS) if c in present}, self.ignored)
        self._indexes = [sources[c][0] if c in sources else 0 for c in COLUMNS]
        self._width = max([i for found in sources.values() for i in found] + [full_name or 0]) + 1
        self._pull = operator.itemgetter(*self._indexes)
        self._absent = [(k, constants.get(c, "")) for k, c in enumerate(COLUMNS) if c not in sources]
        self._joins = [(k, sources[c]) for k, c in enumerate(COLUMNS) if c in sources and len(sources[c]) > 1]
        self._full_name = full_name if split else None
        # pretix writes only the one-field name for a name given before the event's name scheme
        # had parts: such a row's name is split from it
        self._fallback_name = full_name if full_name is not None and not split else None
        self._converts = [(COLUMNS.index(c), conv, {}) for c, conv in converts.items() if c in present]

    def translate(self, row: Sequence[object], line: int) -> list[object]:
        """desk's fields of `row` (on `line`), "" where the export has no column."""
        if len(row) < self._width:  # a short row: the missing cells read empty
            row = [*row, *([None] * (self._width - len(row)))]
        out = list(self._pull(row))
        for k, value in self._absent:
            out[k] = value
        for k, found in self._joins:
            if len(found) == 2:
                a, b = row[found[0]], row[found[1]]
                if a.__class__ is str and b.__class__ is str:  # the CSV case, without a generator
                    out[k] = f"{a.strip()}-{b.strip()}"  # type: ignore[union-attr]
                    continue
            out[k] = "-".join(_as_text(row[i]).strip() for i in found)
        if self._full_name is not None:
            out[_FIRST], out[_LAST] = split_name(_as_text(row[self._full_name]))
        elif self._fallback_name is not None and not out[_FIRST] and not out[_LAST]:
            out[_FIRST], out[_LAST] = split_name(_as_text(row[self._fallback_name]))
        for k, convert, memo in self._converts:
            value = out[k]
            hit = memo.get(value) if value.__class__ is str else None
            if hit is None:
                hit = convert(value)
                if value.__class__ is str and len(memo) < 65536:
                    memo[value] = hit
            out[k] = hit[0]
            if hit[1] is not None:
                self.note_unknown(*hit[1], line)
        return out

    def note_unknown(self, field_name: str, word: str, default: str, line: int) -> None:
        """Count one more row whose `field_name` holds `word`, stored as `default`."""
        entry = self.unknown.setdefault((field_name, word, default), [0, []])
        entry[0] += 1
        if len(entry[1]) < 10:
            entry[1].append(line)


_FIRST, _LAST = COLUMNS.index("first_name"), COLUMNS.index("last_name")


def _find(keys: dict[str, int], spec: str) -> list[int] | None:
    """The columns a header spec names in the file (None when absent)."""
    if spec.startswith("~"):
        word = header_key(spec[1:])
        return next(([i] for k, i in keys.items() if word in k), None)
    found = [keys.get(header_key(part)) for part in spec.split(" + ")]
    return None if None in found else found  # type: ignore[return-value]


def _keys(header: Sequence[object]) -> dict[str, int]:
    keys: dict[str, int] = {}
    for i, raw in enumerate(header):
        keys.setdefault(header_key(raw), i)
    return keys


def detect_preset(header: Sequence[object]) -> Preset | None:
    """The preset whose signature the header row carries, or None."""
    keys = _keys(header)
    for preset in PRESETS:
        if all(any(header_key(alt) in keys for alt in entry) for entry in preset.signature):
            return preset
    return None


def read_layout(header: Sequence[object], portal_map: PortalMap | None) -> Layout | None:
    """The layout of an export with this header row, or None when it is desk's own format read as is.

    Raises SourceError when a header the map names is not in the file, or when the required
    fields (registration_id, status, a name) cannot be found.
    """
    preset = detect_preset(header)
    keys = _keys(header)
    sources: dict[str, list[int]] = {}
    full_name: int | None = None
    if preset is not None:
        name = preset.name
        for column, specs in preset.columns.items():
            for spec in specs:
                found = _find(keys, spec)
                if found is not None:
                    sources[column] = found
                    break
        for spec in preset.full_name:
            found = _find(keys, spec)
            if found is not None:
                full_name = found[0]
                break
        if portal_map is None and _missing({**preset.absent, **sources}, full_name):
            # a portal's signature but not its status or names: desk's own spellings may still read it
            try:
                match_headers(header)
            except SourceError:
                pass
            else:
                return None
    else:
        try:
            desk_headers = match_headers(header)
        except SourceError:
            if portal_map is None:
                raise
            name = "mapped"
            desk_headers = _lenient_headers(header)
        else:
            if portal_map is None:
                return None
            name = "desk"
        sources = {c: [i] for c, i in desk_headers.index.items()}
    if portal_map is not None:
        for column, spec in portal_map.columns.items():
            found = _find(keys, spec)
            if found is None:
                raise SourceError(f"the map names the column '{shown(spec, 60)}' for {column}, "
                                  "but the file has no such header")
            sources[column] = found
    constants = preset.absent if preset is not None else {}
    missing = _missing({**constants, **sources}, full_name)
    if missing:
        raise SourceError(f"the {name} export has no column for " + ", ".join(missing)
                          + " (name it in a map file: [columns] " + missing[0].split()[0] + ' = "…")')
    used = {i for found in sources.values() for i in found} | ({full_name} if full_name is not None else set())
    ignored = [shown(str(raw).strip(), 60) for i, raw in enumerate(header)
               if i not in used and str(raw or "").strip()]
    layout = Layout(name, ignored)
    layout.bind(sources, full_name, _converters(sources, preset, portal_map or PortalMap()), constants)
    return layout


def _missing(sources: Mapping[str, object], full_name: int | None) -> list[str]:
    """The required fields no column gives."""
    missing = [c for c in ("registration_id", "status") if c not in sources]
    if "first_name" not in sources and "last_name" not in sources and full_name is None:
        missing.append("first_name or last_name")
    return missing


def _lenient_headers(header: Sequence[object]) -> HeaderMap:
    """desk's own spellings among the headers, without the required-column check."""
    index: dict[str, int] = {}
    for i, raw in enumerate(header):
        column = desk_column(raw)
        if column is not None:
            index.setdefault(column, i)
    return HeaderMap(index)


def _converters(sources: dict[str, list[int]], preset: Preset | None, portal_map: PortalMap) -> dict[str, Convert]:
    converts: dict[str, Convert] = {}
    words = {**(preset.status if preset else {}), **portal_map.status}
    # a portal's or a mapped status column keeps a row with an unknown word (as pending, flagged
    # once per word); desk's own column, unmapped, refuses the row as it always did
    if "status" in sources and (words or preset is not None or "status" in portal_map.columns):
        converts["status"] = _status_converter(words)
    if "category" in sources and portal_map.category:
        converts["category"] = _category_converter(portal_map.category)
    fmt = portal_map.date_format
    if "days" in sources and (portal_map.days or fmt):
        converts["days"] = _days_converter(portal_map.days, fmt)
    if "updated_at" in sources and fmt:
        converts["updated_at"] = _stamp_converter(fmt)
    return converts


def _status_converter(words: Mapping[str, str]) -> Convert:
    table = {word_key(k): v for k, v in words.items()}
    table.update({s: s for s in _STATUS_VALUES if s not in table})

    def convert(value: object) -> tuple[object, tuple[str, str, str] | None]:
        found = table.get(word_key(value))
        if found is None:
            return "pending", ("status", shown(_as_text(value).strip()), "pending")
        return found, None

    return convert


def _category_converter(table: Mapping[str, str]) -> Convert:
    def convert(value: object) -> tuple[object, tuple[str, str, str] | None]:
        # a word the map does not name goes on as written: desk's own category words still count,
        # and any other is reported once per distinct word by the validation
        return table.get(word_key(value), value), None

    return convert


def _european_date(text: str, fmt: str) -> dt.date | None:
    for pattern in (fmt, fmt.split(" ")[0]):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _days_converter(table: Mapping[str, tuple[dt.date, ...]], fmt: str | None) -> Convert:
    def convert(value: object) -> tuple[object, tuple[str, str, str] | None]:
        if isinstance(value, (dt.date, dt.datetime)) or value is None:
            return value, None
        text = _as_text(value)
        key = word_key(text)
        if key in table:
            return "|".join(d.isoformat() for d in table[key]), None
        if not key:
            return "", None
        if fmt:
            dates = [_european_date(p.strip(), fmt) for p in re.split(r"[|,;]+", text) if p.strip()]
            if None not in dates:
                return "|".join(d.isoformat() for d in dates), None  # type: ignore[union-attr]
        if table:
            return "", ("days", shown(text.strip()), "every event day")
        return value, None

    return convert


def _stamp_converter(fmt: str) -> Convert:
    def convert(value: object) -> tuple[object, tuple[str, str, str] | None]:
        if isinstance(value, str) and value.strip():
            try:
                return dt.datetime.strptime(value.strip(), fmt).isoformat(), None
            except ValueError:
                return value, None  # ISO still reads; anything else is the row's error
        return value, None

    return convert


# --- the map a person makes by hand ------------------------------------------------------

def suggest_columns(header: Sequence[object]) -> dict[str, str]:
    """desk field → the header desk would read it from (a portal's preset, else desk's spellings).

    What a hand-mapping form starts from; a field no header gives is left out.
    """
    keys = _keys(header)
    shown_of = {header_key(raw): str(raw).strip() for raw in header if str(raw or "").strip()}
    found: dict[str, str] = {}
    preset = detect_preset(header)
    if preset is not None:
        for column, specs in preset.columns.items():
            for spec in specs:
                if not spec.startswith("~") and _find(keys, spec) is not None:
                    found[column] = " + ".join(shown_of[header_key(p)] for p in spec.split(" + "))
                    break
    for raw in header:
        column = desk_column(raw)
        if column is not None and column not in found:
            found[column] = str(raw).strip()
    return found


def header_signature(header: Sequence[object]) -> str:
    """A short digest of a header row (case, spaces and accents ignored): the same portal's
    next export has the same one, so the map made for the last can be offered again."""
    import hashlib  # noqa: PLC0415 - only a window remembering maps asks

    text = "\x1f".join(header_key(h) for h in header)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in escaped) + '"'


def map_toml(columns: Mapping[str, str], date_format: str | None = None, keep: PortalMap | None = None) -> str:
    """The map file's text for `columns` (desk field → the export's header), read back by `parse_map`.

    The words of `keep` (a map read before) are written again; empty tables say what goes in them.
    """
    keep = keep or PortalMap()
    lines = ["# desk map file: desk field = the export's header"]
    date_format = date_format or keep.date_format
    if date_format:
        lines.append(f"date_format = {_toml_string(date_format)}")
    lines += ["", "[columns]"]
    lines += [f"{column} = {_toml_string(columns[column])}" for column in COLUMNS if columns.get(column)]
    lines += ["", "[values.status]    # export word = validated | pending | rejected | cancelled"]
    lines += [f"{_toml_string(word)} = {_toml_string(value)}" for word, value in keep.status.items()]
    lines += ["", "[values.days]      # export word = [\"YYYY-MM-DD\", ...] (the event days it covers)"]
    lines += [f"{_toml_string(word)} = [{', '.join(_toml_string(d.isoformat()) for d in days)}]"
              for word, days in keep.days.items()]
    lines += ["", "[values.category]  # export word = one of the event's category keys (desk event categories)"]
    lines += [f"{_toml_string(word)} = {_toml_string(value)}" for word, value in keep.category.items()]
    return "\n".join(lines) + "\n"
