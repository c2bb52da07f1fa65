"""Cells a spreadsheet opens as plain text: the one guard against formula injection.

Every CSV or XLSX writer in desk passes its cells through `safe_cell` (the OWASP advice on
CSV injection: a cell that starts with = + - @, a tab or a carriage return gets a single
quote in front, so a spreadsheet shows it as text and never runs it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# C0 and C1 control characters and DEL: XLSX (XML) cannot hold most of them at all
# (openpyxl raises IllegalCharacterError) and in a CSV they are raw bytes a spreadsheet
# shows as boxes or acts on. Tab, CR and LF go too: a cell is one line of text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
# lone surrogates cannot be written as UTF-8; U+FFFE and U+FFFF are not XML characters
_NOT_TEXT = re.compile(r"[\ud800-\udfff\ufffe\uffff]")


def safe_cell(value: object) -> object:
    """A cell a spreadsheet shows as plain text.

    Control characters become a space (a run of them one space), characters no file can
    hold become U+FFFD, and a value that starts with = + - @ tab or CR (before or after
    that cleaning, leading spaces ignored) gets a ' in front so that it is never run as a
    formula. Values that are not text (numbers, dates, None) are returned as they are.
    """
    if not isinstance(value, str):
        return value
    text = _NOT_TEXT.sub("\ufffd", _CONTROL.sub(" ", value))
    if value.lstrip(" ").startswith(FORMULA_START) or text.lstrip(" ").startswith(FORMULA_START):
        return "'" + text
    return text


def safe_row(row: Iterable[object]) -> list[object]:
    """`safe_cell` over one row."""
    return [safe_cell(c) for c in row]
