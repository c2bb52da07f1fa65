"""The event's participant categories: what a list shows, what a badge prints and in which colour.

A category is an event-defined key (a short slug such as `exhibitor`) with a label, a short
badge word, a badge colour, and the two facts the rules need: whether its people count toward
the seats and the per-organisation cap (`counted`), and whether it takes the rows whose word
is unknown or empty (`default`). A new event starts from DEFAULT_CATEGORIES, desk's six keys of
old (`Category`), which keep the keys stored registrations already hold.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from desk.core.errors import DeskError, RowError
from desk.core.text import fold

KEY_CHARS = 32  # what the store's category columns hold
LABEL_CHARS = 100
BADGE_WORD_CHARS = 40
UNLISTED_COLOUR = "#8c8c8c"  # the badge band of a key the event does not list
_COLOUR = re.compile(r"#?([0-9a-fA-F]{6})")
_UNPLAIN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NOT_KEY = re.compile(r"[^a-z0-9]+")
_NOT_WORD = re.compile(r"[\W_]+")


class Category(enum.StrEnum):
    """The keys of the six default categories (a new event's, and the demo's)."""

    POLICY_MAKER = "policy_maker"
    CLUSTER_PRACTITIONER = "cluster_practitioner"
    OTHER_STAKEHOLDER = "other_stakeholder"
    STAFF = "staff"
    SPEAKER = "speaker"
    PRESS = "press"

    @property
    def label(self) -> str:
        """The default label of this key."""
        return builtin_label(self.value)


@dataclass(frozen=True)
class EventCategory:
    """One category as the event names it. `category` is its key; `colour` is "#rrggbb"."""

    category: str
    label: str
    badge_word: str
    colour: str
    counted: bool = True  # its people count toward the seats and the per-organisation cap
    default: bool = False  # rows whose category word is unknown or empty get this one

    @property
    def key(self) -> str:
        return self.category

    @property
    def rgb(self) -> tuple[float, float, float]:
        """The colour as reportlab fractions (0..1)."""
        value = self.colour.lstrip("#")
        return tuple(int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


DEFAULT_CATEGORIES: tuple[EventCategory, ...] = (
    EventCategory(Category.POLICY_MAKER.value, "Policy-maker", "Policy-maker", "#004d99"),
    EventCategory(Category.CLUSTER_PRACTITIONER.value, "Cluster practitioner", "Cluster practitioner", "#008c59"),
    EventCategory(Category.OTHER_STAKEHOLDER.value, "Other stakeholder", "Other stakeholder", "#8c8c8c",
                  default=True),
    # the organisers' own staff are not registrants competing for seats
    EventCategory(Category.STAFF.value, "Staff", "Staff", "#1a1a1a", counted=False),
    EventCategory(Category.SPEAKER.value, "Speaker", "Speaker", "#cc1a26"),
    EventCategory(Category.PRESS.value, "Press", "Press", "#f2a600"),
)
_DEFAULTS = {c.category: c for c in DEFAULT_CATEGORIES}

# Words portals use for the six default keys (compared folded, without spaces and punctuation).
# They only apply to the keys the event lists.
_SYNONYMS = {
    "policymaker": "policy_maker", "policy": "policy_maker", "policymakers": "policy_maker",
    "publicauthority": "policy_maker",
    "clusterpractitioner": "cluster_practitioner", "practitioner": "cluster_practitioner",
    "clustermanager": "cluster_practitioner", "cluster": "cluster_practitioner",
    "clusterorganisation": "cluster_practitioner",
    "otherstakeholder": "other_stakeholder", "stakeholder": "other_stakeholder", "other": "other_stakeholder",
    "staff": "staff", "organiser": "staff", "organizer": "staff",
    "speaker": "speaker", "panelist": "speaker", "panellist": "speaker", "moderator": "speaker",
    "press": "press", "media": "press", "journalist": "press",
}


class CategoryFileError(DeskError):
    """A categories file that cannot replace the event's categories (nothing was changed)."""


def builtin_label(key: str) -> str:
    """The default label of one of the six default keys; any other key is its own label."""
    found = _DEFAULTS.get(key)
    return found.label if found is not None else str(key)


def by_key(categories: Iterable[EventCategory]) -> dict[str, EventCategory]:
    """The event's categories keyed by their key (only the ones it lists)."""
    return {c.category: c for c in categories}


def label_of(categories: Mapping[str, EventCategory] | None, category: str) -> str:
    """The label a list shows for `category`: the event's, else the key itself (the six
    default keys' labels when no event categories are given)."""
    if categories is None:
        return builtin_label(category)
    found = categories.get(category)
    return found.label if found is not None else str(category)


def label_in(labels: Mapping[str, str], category: str) -> str:
    """The label for `category` from the event's labels by key: a key they do not list shows as
    itself (the six default keys' labels when no labels are given at all)."""
    found = labels.get(category)
    if found:
        return found
    return str(category) if labels else builtin_label(category)


def style_of(categories: Mapping[str, EventCategory] | None, category: str) -> EventCategory:
    """What a badge prints for `category`: the event's word and colour; a key the event does
    not list prints as itself, in grey (the six defaults when no event categories are given)."""
    found = (categories if categories is not None else _DEFAULTS).get(category)
    if found is not None:
        return found
    key = str(category)[:BADGE_WORD_CHARS]
    return EventCategory(key, key, key, UNLISTED_COLOUR)


def default_key(categories: Iterable[EventCategory]) -> str:
    """The key of the event's default category: the one marked default, else the first listed."""
    listed = tuple(categories)
    for c in listed:
        if c.default:
            return c.category
    return listed[0].category if listed else Category.OTHER_STAKEHOLDER.value


def uncounted_keys(categories: Iterable[EventCategory]) -> frozenset[str]:
    """The keys whose people count neither toward the seats nor toward an organisation's cap."""
    return frozenset(c.category for c in categories if not c.counted)


def unlisted_keys(categories: Iterable[EventCategory], stored: Iterable[str]) -> list[str]:
    """The keys of `stored` that the event does not list, sorted."""
    listed = {c.category for c in categories}
    return sorted({k for k in stored if k not in listed})


def category_key(text: object) -> str:
    """A category key from a word: folded, every run of other characters one "_" ("VIP guest" → "vip_guest")."""
    return _NOT_KEY.sub("_", fold(str(text if text is not None else ""))).strip("_")


def _word(text: str) -> str:
    return _NOT_WORD.sub("", fold(text))


class CategoryWords:
    """Reads a portal's category word as one of the event's keys.

    A word matches a key, a label or a badge word of the event (folded, spaces and punctuation
    ignored), or a portal synonym of one of the six default keys the event lists. An empty word
    is the default category; any other word is unknown (`resolve` says so, and gives the default).
    """

    def __init__(self, categories: Iterable[EventCategory]) -> None:
        listed = tuple(categories) or DEFAULT_CATEGORIES
        keys = {c.category for c in listed}
        self.default = default_key(listed)
        self.keys = tuple(c.category for c in listed)
        self._words = {word: key for word, key in _SYNONYMS.items() if key in keys}
        for c in listed:
            for text in (c.badge_word, c.label, c.category):  # the key wins over a label, a label over a word
                self._words[_word(text)] = c.category
        self._words[""] = self.default
        self._seen: dict[str, str | None] = {}

    def key(self, word: object) -> str | None:
        """The event's key for a word, or None when the event has no such category."""
        text = word if word.__class__ is str else str(word if word is not None else "")
        found = self._seen.get(text, _MISSING)  # type: ignore[arg-type]
        if found is _MISSING:
            found = self._words.get(_word(text))  # type: ignore[arg-type]
            if len(self._seen) < 4096:  # an export repeats a handful of words
                self._seen[text] = found  # type: ignore[index]
        return found  # type: ignore[return-value]

    def resolve(self, word: object) -> tuple[str, bool]:
        """(key, known): the event's key for a word, or its default key and False."""
        found = self.key(word)
        return (found, True) if found is not None else (self.default, False)


_MISSING = object()
DEFAULT_WORDS = CategoryWords(DEFAULT_CATEGORIES)


def _text(value: object, what: str, limit: int, line: int) -> str:
    text = " ".join(str(value if value is not None else "").split())
    if not text:
        raise RowError(line, f"{what} is empty", what)
    if len(text) > limit:
        raise RowError(line, f"{what} is longer than {limit} characters", what)
    if _UNPLAIN.search(text):
        raise RowError(line, f"{what} holds control characters", what)
    return text


def parse_colour(value: object, line: int) -> str:
    """'#rrggbb' from '#RRGGBB' or 'rrggbb'; RowError otherwise."""
    text = str(value if value is not None else "").strip()
    match = _COLOUR.fullmatch(text)
    if not match:
        raise RowError(line, f"colour '{text}' is not a colour such as #004d99", "colour")
    return "#" + match.group(1).lower()


_YES = {"yes", "y", "true", "1", "x", "counted", "default", "ja", "oui", "si", "sim"}
_NO = {"no", "n", "false", "0", "not counted", "notcounted", "nein", "non", "nao"}


def parse_flag(value: object, what: str, line: int) -> bool | None:
    """True/False from yes/no, true/false, 1/0 (a JSON boolean as it is); None when empty."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = fold(str(value if value is not None else "")).strip()
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise RowError(line, f"{what} '{str(value)[:40]}' is neither yes nor no", what)


def parse_categories(records: Iterable[tuple[int, Mapping[str, object]]]) -> tuple[EventCategory, ...]:
    """Build the event's categories from (line, {category, label, badge_word, colour, counted,
    default}) records.

    `category` is the key (a slug; made from the label when empty); `counted` defaults to yes
    (no for staff, as desk's default), `default` to the row marked so, else other_stakeholder
    when listed, else the first row. A key listed twice, two defaults or a bad value are refused.
    Raises CategoryFileError with all the problems found, one per line.
    """
    problems: list[str] = []
    found: dict[str, EventCategory] = {}
    marked: list[int] = []
    for line, record in records:
        try:
            raw = " ".join(str(record.get("category") or "").split())
            label = _text(record.get("label"), "label", LABEL_CHARS, line)
            key = category_key(raw or label)
            if not key:
                raise RowError(line, f"category key '{raw[:40]}' holds no letter or digit "
                                     "(give a short key such as exhibitor)", "category")
            if len(key) > KEY_CHARS:
                raise RowError(line, f"category key '{key[:40]}…' is longer than {KEY_CHARS} characters",
                               "category")
            if key in found:
                raise RowError(line, f"category '{key}' is listed twice", "category")
            word = record.get("badge_word")
            badge_word = _text(word, "badge_word", BADGE_WORD_CHARS, line) if str(word or "").strip() else label
            if len(badge_word) > BADGE_WORD_CHARS:
                raise RowError(line, f"badge_word is longer than {BADGE_WORD_CHARS} characters", "badge_word")
            colour = parse_colour(record.get("colour"), line)
            counted = parse_flag(record.get("counted"), "counted", line)
            if counted is None:
                counted = _DEFAULTS[key].counted if key in _DEFAULTS else True
            if parse_flag(record.get("default"), "default", line):
                marked.append(line)
            found[key] = EventCategory(key, label, badge_word, colour, counted, bool(marked and marked[-1] == line))
        except RowError as exc:
            problems.append(str(exc))
    if len(marked) > 1:
        problems.append(f"row {marked[1]}: a second default category (row {marked[0]} is the default)")
    if problems:
        raise CategoryFileError("the categories were not changed:\n" + "\n".join(problems))
    if not found:
        raise CategoryFileError("the categories file lists no category")
    if not marked:
        key = Category.OTHER_STAKEHOLDER.value if Category.OTHER_STAKEHOLDER.value in found else next(iter(found))
        c = found[key]
        found[key] = EventCategory(c.category, c.label, c.badge_word, c.colour, c.counted, True)
    return tuple(found.values())
