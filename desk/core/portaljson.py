"""Reading the portal's JSON: export files and feed pages, item by item.

Pure functions over text already read. A JSON value that is no text (an object, an array,
true/false, NaN) is refused for its item only; so is an item nested deeper than Python's
parser goes, and an integer too long for int() is kept as its digits.
"""

from __future__ import annotations

import json
import math
import re

from desk.core.errors import RowError
from desk.core.portal import COLUMNS

class _TooDeep:
    """Stands for a JSON value nested deeper than the parser goes (never a registration)."""

    def __repr__(self) -> str:
        return "<nested too deeply>"


TOO_DEEP = _TooDeep()


class LongNumber(str):
    """A JSON integer too long for Python's int() (4,300 digits), kept as its digits."""


def _json_int(digits: str) -> int | LongNumber:
    # int() refuses more than 4,300 digits with a ValueError that would lose the whole file;
    # kept as text, such a number is just a value too long for any field
    return int(digits) if len(digits) <= 4000 else LongNumber(digits)


_DECODER = json.JSONDecoder(parse_int=_json_int)
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_WHITESPACE = re.compile(r"[ \t\n\r]*")


def load_json(text: str | bytes) -> object:
    """Decode a JSON export or feed answer (integers of more than 4,000 digits as `LongNumber`).

    An item of the top-level list (or of `{"items": [...]}`) nested deeper than Python's
    parser goes becomes `TOO_DEEP`, so the other items are still read. Raises ValueError
    (json.JSONDecodeError among them) when the text is not JSON.
    """
    if isinstance(text, bytes):
        text = text.decode(json.detect_encoding(text), "surrogatepass")
    try:
        return _DECODER.decode(text)
    except RecursionError:
        return _load_items_one_by_one(text)


def _load_items_one_by_one(text: str) -> object:
    start = _WHITESPACE.match(text, 0).end()  # type: ignore[union-attr]
    wrapped = text[start:start + 1] == "{"
    if wrapped:  # {"items": [...]}: only the list is read, the other keys are not needed
        start = _items_list_start(text, start)
    elif text[start:start + 1] != "[":
        raise ValueError("the JSON document is nested too deeply")
    items: list[object] = []
    pos = _WHITESPACE.match(text, start + 1).end()  # type: ignore[union-attr]
    if text[pos:pos + 1] == "]":
        return {"items": items} if wrapped else items
    while True:
        try:
            item, pos = _DECODER.raw_decode(text, pos)
        except RecursionError:
            item, pos = TOO_DEEP, _value_end(text, pos)
        items.append(item)
        pos = _WHITESPACE.match(text, pos).end()  # type: ignore[union-attr]
        sep = text[pos:pos + 1]
        if sep == "]":
            return {"items": items} if wrapped else items
        if sep != ",":
            raise ValueError(f"expected ',' or ']' at character {pos}")
        pos = _WHITESPACE.match(text, pos + 1).end()  # type: ignore[union-attr]


def _items_list_start(text: str, start: int) -> int:
    """Where the list of `{"items": [...]}` opens (the object opens at `start`)."""
    depth = 0
    after_key = False
    for token in _JSON_TOKEN.finditer(text, start):
        value = token.group()
        if value in "[{":
            if depth == 1 and after_key and value == "[":
                return token.start()
            depth += 1
        elif value in "]}":
            depth -= 1
        elif depth == 1:
            colon = _WHITESPACE.match(text, token.end()).end()  # type: ignore[union-attr]
            after_key = value == '"items"' and text[colon:colon + 1] == ":"
            continue
        after_key = False
    raise ValueError("the JSON document is nested too deeply")


def _value_end(text: str, pos: int) -> int:
    """Where the array or object opening at `pos` closes (strings skipped whole)."""
    depth = 0
    for token in _JSON_TOKEN.finditer(text, pos):
        value = token.group()
        if value in "[{":
            depth += 1
        elif value in "]}":
            depth -= 1
            if depth == 0:
                return token.end()
    raise ValueError("a nested JSON value is never closed")


def json_kind(value: object) -> str:
    """What a decoded JSON value is, in JSON's words."""
    if value is TOO_DEEP:
        return "value nested too deeply"
    if isinstance(value, bool):
        return "true/false"
    return {dict: "object", list: "array", str: "string", float: "number", type(None): "null"}.get(
        type(value), type(value).__name__)


def json_absent(item: dict[str, object]) -> tuple[str, ...]:
    """desk's columns a JSON record does not name (null is a value: empty)."""
    return tuple(c for c in COLUMNS if c not in item)


def json_fields(item: object, line: int) -> list[object]:
    """desk's fields of one JSON record (export item or feed item), in `COLUMNS` order.

    `days` may be a list of dates. Text and numbers are kept; objects, arrays, true/false and
    numbers that are not finite (NaN, 1e999) are refused: stored as text they would read as a
    name ("{'a': [1, 2]}") or an id ("nan"). Raises RowError naming the line and the field.
    """
    if not isinstance(item, dict):
        raise RowError(line, f"item is a JSON {json_kind(item)}, not an object")
    values: list[object] = []
    for column in COLUMNS:
        value = item.get(column)
        if value.__class__ is LongNumber:
            value = str(value)
        elif value is not None and value.__class__ is not str:
            if column == "days" and isinstance(value, list):
                if not all(isinstance(day, str) for day in value):
                    raise RowError(line, "days must be a list of dates (YYYY-MM-DD)", "days")
                value = "|".join(value)
            elif isinstance(value, (list, dict, bool, _TooDeep)):
                raise RowError(line, f"{column} must be text, not a JSON {json_kind(value)}", column)
            elif isinstance(value, float) and not math.isfinite(value):
                raise RowError(line, f"{column} must be text, not the number {value}", column)
        values.append(value)
    return values
