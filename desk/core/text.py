"""Folding text for search and comparison, whatever the script.

NFKD plus stripping combining marks covers most of Latin, Greek (tonos) and Cyrillic
(й → и). A handful of letters are not decomposable and need an explicit map: ł, ø, đ, ß,
æ, œ, þ, ı.

A desk worker types on a Latin keyboard: `latin_spelling` gives the words of other scripts
as they are written in Latin letters (Шевченко → shevchenko, Παπαδόπουλος → papadopoulos),
so that search finds them either way.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii
from cleanco.termdata import terms_by_country, terms_by_type

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


# Greek letter pairs that anyascii spells letter by letter but every Greek passport (ELOT 743)
# and every Greek person spells as one sound: Παπαδόπουλος is Papadopoulos, not Papadopoylos.
# Applied to the lower-case, decomposed word: a tonos (U+0301) may sit inside a pair; a
# diaeresis (U+0308) on υ splits it (Μαΐου).
_GREEK_LETTERS = re.compile("[\u0370-\u03ff\u1f00-\u1fff]")
_GREEK_PAIRS = (
    # αυ, ευ, ηυ: "f" before a voiceless consonant or at the end of the word, else "v"
    (re.compile("([αεη])\u0301?υ(?!\u0308)\u0301?(?=[θκξπστφχψς]|$)"), lambda m: _GREEK_VOWEL[m[1]] + "f"),
    (re.compile("([αεη])\u0301?υ(?!\u0308)\u0301?"), lambda m: _GREEK_VOWEL[m[1]] + "v"),
    (re.compile("ο\u0301?υ(?!\u0308)\u0301?"), lambda m: "ou"),
    (re.compile("γ(?=[γξχ])"), lambda m: "n"),  # γγ → ng, γξ → nx, γχ → nch
    (re.compile("^μπ"), lambda m: "b"),  # Μπακογιάννη → Bakogianni (inside a word μπ stays mp)
)
_GREEK_VOWEL = {"α": "a", "ε": "e", "η": "i"}


@lru_cache(maxsize=65536)
def _latin_word(word: str) -> str:
    """One word in Latin letters, folded (a word already Latin once folded gives "")."""
    if fold(word).isascii():
        return ""
    if _GREEK_LETTERS.search(word):
        word = unicodedata.normalize("NFD", word.lower())
        for pattern, latin in _GREEK_PAIRS:
            word = pattern.sub(latin, word)
    # anyascii: maintained, table-driven transliteration of every script to ASCII
    return fold(anyascii(word))


def latin_spelling(text: str | None) -> str:
    """Return the words of `text` written in a non-Latin script, spelled in Latin letters and folded.

    "Taras Шевченко" → "shevchenko", "Γιώργος Παπαδόπουλος" → "giorgos papadopoulos". Words
    that fold to Latin already ("Łódź") are left out: their folded form is how they are typed.
    Returns "" when there is nothing to add. Never raises.
    """
    if not text or text.isascii():
        return ""
    return " ".join(latin for latin in map(_latin_word, text.split()) if latin)


def search_spellings(query: str | None) -> list[tuple[str, ...]]:
    """Split a search query into folded words, each with its Latin spelling when it has another.

    "Шевч anna" → [("шевч", "shevch"), ("anna",)]: a result must match every word, in either
    spelling. The Latin spelling lets a query in Greek or Cyrillic find a name stored in Latin
    letters. Empty list for a blank query.
    """
    spellings: list[tuple[str, ...]] = []
    for word in (query or "").split():
        terms = [t for t in fold_key(word).split(" ") if t]
        latin = [t for t in fold_key(latin_spelling(word)).split(" ") if t]
        if len(terms) == 1 and len(latin) == 1 and latin[0] != terms[0]:
            spellings.append((terms[0], latin[0]))
        else:
            spellings.extend((t,) for t in terms)
    return spellings


# Legal forms come from cleanco's term lists (a maintained table of company-type words per
# country and per kind of company); its data module loads once, at import, with no I/O after.
# A few forms common in the EU/EEA that cleanco lacks are added (ISO 20275 abbreviations), and
# a few cleanco words that are ordinary words or country names at the end of a name are left
# out: "Robotics UK" is not "Robotics".
_EXTRA_LEGAL_FORMS = (
    "s.l.u.", "slu", "s.c.a.r.l.", "s.c.r.l.", "scrl", "s.r.l.s.", "s.c.p.a.", "s.coop.", "soc. coop.",
    "s.a.u.", "s.a.s.u.", "s.c.i.", "s.e.l.a.r.l.", "s.c.o.p.", "s.c.", "s.c.c.l.",
    "unipessoal lda", "sociedade unipessoal lda", "lda", "crl", "s.a.r.l.u.",
    "z.s.", "z.ú.", "o.p.s.", "spol. s r.o.", "s.r.o.", "a.s.", "sp. z o.o.", "sp.j.", "sp.k.",
    "e.v.", "gemeinnützige gmbh", "ggmbh", "gug", "eg", "e.g.", "ug", "ug haftungsbeschränkt", "gbr",
    "ek", "e.k.", "mbh", "partg", "partg mbb", "kgaa", "se", "sce", "eeig", "ewiv", "geie", "aisbl",
    "asbl", "ivzw", "vzw", "vof", "bv", "cv", "srl", "sprl", "sc", "scs", "scrl",
    "kft.", "bt.", "zrt.", "nyrt.", "kkt.", "oy", "oyj", "ab", "abp", "ky", "aps", "a/s", "i/s",
    "ivs", "amba", "asa", "as", "ans", "da", "ehf.", "hf.", "ses.", "oü", "mtü", "sia",
    "uab", "vši", "mb", "d.o.o.", "d.d.", "j.d.o.o.", "d.n.o.", "k.d.", "s.p.", "z.o.o.",
    "ike", "epe", "oe", "ee", "ae", "ad", "ead", "eood", "ood", "et", "sh.p.k.", "ltd", "ltd.",
    "limited", "plc", "dac", "clg", "uc", "llp", "lp", "cic", "cio", "inc", "llc", "corp", "sagl",
    "s.r.l.", "s.p.a.", "s.n.c.", "s.a.s.", "s.a.", "s.l.", "s.l.l.", "s.l.n.e.", "s.coop", "sàrl",
    "s.à r.l.", "s.e.n.c.", "s.e.c.s.", "eurl", "sas", "sasu", "gie", "sca", "scop", "ohg", "kg",
    "gmbh", "ag", "gesmbh", "ges.m.b.h.", "nv", "n.v.", "b.v.", "c.v.", "v.o.f.",
    "ад", "еад", "оод", "еоод", "ет", "ооо", "ао", "пао", "тов", "α.ε.", "ε.π.ε.", "ι.κ.ε.", "ο.ε.", "ε.ε.",
)
_NOT_LEGAL_FORMS = {"uk", "private", "at", "ok", "pt", "ud", "fa", "ep", "gp", "ps", "pp", "ij",
                    "ik", "ii", "ei", "bl", "ba", "kt", "sd", "sf", "qk", "xk", "xt", "aj", "cpt",
                    "psu", "pse", "stg", "og", "tmi", "t:mi", "fie", "sep", "sem", "fcp", "ent",
                    "is", "eu", "ca", "nl", "zoo"}


def _legal_forms() -> tuple[frozenset[str], frozenset[str]]:
    """Every legal form as the run of its folded letters (spaces, dots and commas gone), and
    every tail of those runs ("slu", "lu", "u"): a name's last words can only end up spelling a
    form when their letters so far are such a tail."""
    terms = [t for group in (*terms_by_type.values(), *terms_by_country.values()) for t in group]
    forms = {"".join(fold_key(term.replace(".", "")).split()) for term in (*terms, *_EXTRA_LEGAL_FORMS)}
    forms = {form for form in forms if len(form) >= 2 and form not in _NOT_LEGAL_FORMS}
    return frozenset(forms), frozenset(form[i:] for form in forms for i in range(len(form)))


_LEGAL_FORMS, _LEGAL_FORM_TAILS = _legal_forms()


@lru_cache(maxsize=65536)
def organisation_key(name: str | None) -> str:
    """Return the key under which two spellings of one organisation compare equal.

    Ignores case, accents, punctuation and legal forms at the end of the name, however they
    are dotted or spaced: "Łódź Cluster Sp. z o.o.", "Lodz Cluster sp.z o.o." and "lodz
    cluster" give "lodz cluster"; "Clúster Andaluz de Robótica S.L." gives "cluster andaluz de
    robotica". Only the end of the name is looked at ("Cluster AS Robotics" keeps its AS), and
    a name that is nothing but a legal form keeps it.
    """
    words = fold_key((name or "").replace(".", "")).split()
    while len(words) > 1:
        # "GmbH & Co. KG" leaves a dangling "and" once its forms are gone
        if words[-1] == "and":
            words.pop()
            continue
        # the longest run of last words whose letters spell a form: "s l u", "unipessoal lda"
        form_words, letters = 0, ""
        for n in range(1, len(words)):
            letters = words[-n] + letters
            if letters not in _LEGAL_FORM_TAILS:  # no word before these can complete a form
                break
            if letters in _LEGAL_FORMS:
                form_words = n
        if not form_words:
            break
        del words[-form_words:]
    return " ".join(words)
