"""The badge fonts, registered once with reportlab, and their cached metrics.

The screen registers the same files with Qt, so badge and screen agree. Both faces are
embedded as subsets, so no reader ever substitutes an unembedded base-14 font.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from desk import resources

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
_lock = threading.Lock()


def register_fonts() -> None:
    """Register the shipped TTFs with reportlab (idempotent, thread-safe)."""
    with _lock:
        registered = set(pdfmetrics.getRegisteredFontNames())
        for name in (REGULAR, BOLD):
            if name not in registered:
                pdfmetrics.registerFont(TTFont(name, str(resources.font(f"{name}.ttf"))))


def font_name(bold: bool) -> str:
    """Return the registered name of the regular or bold face."""
    return BOLD if bold else REGULAR


@lru_cache(maxsize=65536)
def _width_at_1pt(text: str, bold: bool) -> float:
    return pdfmetrics.stringWidth(text, font_name(bold), 1.0)


def text_width(text: str, bold: bool, size_pt: float) -> float:
    """Return the width of `text` in points; string widths scale linearly, so cache at 1 pt."""
    return _width_at_1pt(text, bold) * size_pt


def fit_width(text: str, bold: bool, size_pt: float, width_pt: float) -> str:
    """`text`, cut with an ellipsis when needed so that it fits `width_pt` (never runs into the next column)."""
    if text_width(text, bold, size_pt) <= width_pt:
        return text
    while text and text_width(text + "…", bold, size_pt) > width_pt:
        text = text[:-1]
    return text + "…"


@lru_cache(maxsize=2)
def _cmap(bold: bool) -> frozenset[int]:
    register_fonts()
    font = pdfmetrics.getFont(font_name(bold))
    return frozenset(font.face.charToGlyph)


def has_glyph(char: str) -> bool:
    """True when both badge faces can draw `char` (checked in the TTF's character map)."""
    code = ord(char)
    return code in _cmap(False) and code in _cmap(True)
