"""Folding text for search and comparison, whatever the script.

NFKD plus stripping combining marks covers most of Latin, Greek (tonos) and Cyrillic
(й → и). A handful of letters are not decomposable and need an explicit map: ł, ø, đ, ß,
æ, œ, þ, ı.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_EXTRA_MAP = {
    "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ß": "ss", "ẞ": "ss",
    "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "þ": "th", "Þ": "th", "ð": "d", "Ð": "d",
    "ı": "i", "ħ": "h", "Ħ": "h", "ŀ": "l", "Ŀ": "l", "ŧ": "t", "Ŧ": "t",
    "’": "'", "‘": "'", "‐": "-", "‑": "-", "–": "-", "—": "-",
}
_EXTRA = str.maketrans(_EXTRA_MAP)
# str.translate looks every character up in a dict; a character class finds the few that
# need it far faster (most names hold none)
_EXTRA_CHARS = re.compile("[" + "".join(map(re.escape, _EXTRA_MAP)) + "]")
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def _extra(text: str) -> str:
    return text.translate(_EXTRA) if _EXTRA_CHARS.search(text) else text
_SPACES = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[^0-9a-zα-ωа-яёіїєґўјљњћџѓќѕ ]+")


def fold(text: str | None) -> str:
    """Return `text` case-folded, without accents, with runs of space collapsed.

    "Łódź" → "lodz", "Müller" → "muller", "Δημήτρης" → "δημητρησ" (final sigma folds to σ).
    """
    if not text:
        return ""
    if text.isascii():  # the common case, and casefold() equals lower() on ASCII
        return " ".join(text.lower().split())
    return _fold_unicode(text)


def _combining_class() -> re.Pattern[str]:
    """Every combining mark of the Basic Multilingual Plane, as one character class."""
    ranges: list[tuple[int, int]] = []
    for cp in range(0x300, 0x10000):
        if 0xD800 <= cp <= 0xDFFF or not unicodedata.combining(chr(cp)):
            continue
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    parts = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
    return re.compile(f"[{parts}]+")


_COMBINING = _combining_class()


@lru_cache(maxsize=65536)
def _fold_unicode(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", _extra(text))
    if _ASTRAL.search(decomposed) is None:
        stripped = _COMBINING.sub("", decomposed)
    else:  # beyond the BMP (rare in a name): ask character by character
        stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    # casefold turns final sigma into σ already; keep one space between words
    return " ".join(_extra(stripped).casefold().split())


def fold_key(text: str | None) -> str:
    """Return a compact key: folded, punctuation dropped, words joined by single spaces."""
    folded = fold(text).replace("&", " and ")
    return _SPACES.sub(" ", _NON_ALNUM.sub(" ", folded)).strip()


def search_terms(query: str | None) -> list[str]:
    """Split a search query into folded words (empty list for a blank query)."""
    return [t for t in fold_key(query).split(" ") if t] if query else []


_LEGAL_SUFFIXES = {
    "gmbh", "ag", "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "vzw", "asbl", "ev", "ltd",
    "limited", "plc", "llc", "inc", "oy", "ab", "as", "aps", "sro", "zoo", "spzoo", "kft",
    "doo", "ooo", "ug", "kg", "gie", "eeig", "ewiv", "cic", "cio", "se", "co", "corp",
    "association", "asociacion", "aisbl", "ek", "ohg", "mbh", "scrl", "sprl", "bvba",
    "ike", "ae", "oe", "ltda", "lda", "ry", "rf", "zrt", "nyrt", "ad", "eood", "ood",
}


_MULTI_WORD_SUFFIXES = ("sp z oo", "s p a", "s a", "s r l", "b v", "n v", "e v", "sp zoo", "z oo")
_MULTI_WORD_TAILS = {m.rsplit(" ", 1)[-1] for m in _MULTI_WORD_SUFFIXES}


@lru_cache(maxsize=65536)
def organisation_key(name: str | None) -> str:
    """Return the key under which two spellings of one organisation compare equal.

    Ignores case, accents, punctuation and legal-form suffixes:
    "Łódź Cluster Sp. z o.o." and "lodz cluster" give the same key.
    """
    words = fold_key((name or "").replace(".", "")).split()
    if words and words[-1] in _MULTI_WORD_TAILS:
        # "sp z oo" and similar multi-word forms collapse once dots are gone
        joined = " ".join(words)
        for multi in _MULTI_WORD_SUFFIXES:
            if joined.endswith(" " + multi):
                joined = joined[: -len(multi) - 1]
        words = joined.split(" ")
    # "GmbH & Co. KG" leaves a dangling "and" once its suffixes are gone
    while len(words) > 1 and (words[-1] in _LEGAL_SUFFIXES or words[-1] == "and"):
        words.pop()
    return " ".join(words)
