"""The event's participant categories: what a list shows, what a badge prints and in which colour.

desk knows six category keys (`Category`); an event gives each its own label, a short badge
word and a badge colour. A new event starts from DEFAULT_CATEGORIES (today's words and colours).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from desk.core.attendees import Category
from desk.core.errors import DeskError, RowError

LABEL_CHARS = 100
BADGE_WORD_CHARS = 40
_COLOUR = re.compile(r"#?([0-9a-fA-F]{6})")
_UNPLAIN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class EventCategory:
    """One category as the event names it. `colour` is "#rrggbb"."""

    category: Category
    label: str
    badge_word: str
    colour: str

    @property
    def rgb(self) -> tuple[float, float, float]:
        """The colour as reportlab fractions (0..1)."""
        value = self.colour.lstrip("#")
        return tuple(int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


DEFAULT_CATEGORIES: tuple[EventCategory, ...] = (
    EventCategory(Category.POLICY_MAKER, "Policy-maker", "Policy-maker", "#004d99"),
    EventCategory(Category.CLUSTER_PRACTITIONER, "Cluster practitioner", "Cluster practitioner", "#008c59"),
    EventCategory(Category.OTHER_STAKEHOLDER, "Other stakeholder", "Other stakeholder", "#8c8c8c"),
    EventCategory(Category.STAFF, "Staff", "Staff", "#1a1a1a"),
    EventCategory(Category.SPEAKER, "Speaker", "Speaker", "#cc1a26"),
    EventCategory(Category.PRESS, "Press", "Press", "#f2a600"),
)


class CategoryFileError(DeskError):
    """A categories file that cannot replace the event's categories (nothing was changed)."""


def by_key(categories: Iterable[EventCategory]) -> dict[Category, EventCategory]:
    """The categories keyed by their Category; a key the event does not list gets the default."""
    found = {c.category: c for c in DEFAULT_CATEGORIES}
    found.update({c.category: c for c in categories})
    return found


def label_of(categories: Mapping[Category, EventCategory] | None, category: Category) -> str:
    """The label a list shows for `category` (the built-in one without the event's)."""
    if categories and category in categories:
        return categories[category].label
    return category.label


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


def parse_categories(records: Iterable[tuple[int, Mapping[str, object]]]) -> tuple[EventCategory, ...]:
    """Build the event's categories from (line, {category, label, badge_word, colour}) records.

    Every bad row is named with its line; a key listed twice or unknown to desk is refused.
    Raises CategoryFileError with all the problems found, one per line.
    """
    problems: list[str] = []
    found: dict[Category, EventCategory] = {}
    for line, record in records:
        try:
            raw = str(record.get("category") or "").strip()
            key = raw.lower().replace(" ", "_").replace("-", "_")
            try:
                category = Category(key)
            except ValueError:
                raise RowError(line, f"unknown category '{raw}' (expected one of "
                                     f"{', '.join(c.value for c in Category)})", "category") from None
            if category in found:
                raise RowError(line, f"category '{category.value}' is listed twice", "category")
            label = _text(record.get("label"), "label", LABEL_CHARS, line)
            word = record.get("badge_word")
            badge_word = _text(word, "badge_word", BADGE_WORD_CHARS, line) if str(word or "").strip() else label
            if len(badge_word) > BADGE_WORD_CHARS:
                raise RowError(line, f"badge_word is longer than {BADGE_WORD_CHARS} characters", "badge_word")
            found[category] = EventCategory(category, label, badge_word, parse_colour(record.get("colour"), line))
        except RowError as exc:
            problems.append(str(exc))
    if problems:
        raise CategoryFileError("the categories were not changed:\n" + "\n".join(problems))
    if not found:
        raise CategoryFileError("the categories file lists no category")
    return tuple(found.values())

