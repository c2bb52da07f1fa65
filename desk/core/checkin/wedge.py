"""Keyboard-wedge repair: undo what a keyboard layout did to a handheld scanner's keystrokes.

A USB handheld scanner "types" the code it reads. Out of the box it sends the key presses a
US keyboard would need for each character; the laptop then turns those keys into characters
with *its own* layout. On a Belgian or French AZERTY laptop the scanner's `A` arrives as `Q`,
its `2` (an unshifted key on US) as `é`, and the `:` separator (Shift + the key right of
`L`) as `M`; on a German or Swiss QWERTZ laptop `Y` and `Z` swap and `:` arrives as `Ö` or
`é`. The tables below model each layout key by key, so each one is a one-to-one map from
what the scanner meant to what the laptop typed.

`repair` tries every layout backwards and accepts a result only when exactly one reading of
the burst is a known code: a well-formed desk code, or a portal ticket code the caller
knows (the store holds them; portal codes have no shape of their own to check). With two
candidate codes, guessing could check in the wrong attendee, so we refuse and tell the
desk worker how to fix the set-up instead. Pure functions, no I/O: the caller's lookup of
ticket codes is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Literal

Layout = Literal["us", "azerty", "qwertz"]
Status = Literal["clean", "repaired", "ambiguous", "garbled"]

# The main key block of a US keyboard, row by row: (unshifted, shifted). The scanner sends
# the key (and Shift) that produces a character here; each layout below names what the same
# keys produce on the laptop, position for position.
_US_ROWS = (
    ("`1234567890-=", "~!@#$%^&*()_+"),
    ("qwertyuiop[]\\", "QWERTYUIOP{}|"),
    ("asdfghjkl;'", 'ASDFGHJKL:"'),
    ("zxcvbnm,./", "ZXCVBNM<>?"),
)
_DEAD = "\x00"  # a dead key (accent waiting for the next key): it types nothing by itself

# Laptop layouts as X11/Windows define them (the basic variant of each). On AZERTY the
# digits need Shift: the unshifted digit row types & é " ' ( § è ! ç à (Belgian).
_LAYOUT_ROWS: dict[str, tuple[tuple[str, str], ...]] = {
    "be": (
        ("²&é\"'(§è!çà)-", "³1234567890°_"),
        ("azertyuiop\x00$µ", "AZERTYUIOP\x00*£"),
        ("qsdfghjklmù", "QSDFGHJKLM%"),
        ("wxcvbn,;:=", "WXCVBN?./+"),
    ),
    "fr": (
        ("²&é\"'(-è_çà)=", "\x001234567890°+"),
        ("azertyuiop\x00$*", "AZERTYUIOP\x00£µ"),
        ("qsdfghjklmù", "QSDFGHJKLM%"),
        ("wxcvbn,;:!", "WXCVBN?./§"),
    ),
    "de": (
        ("\x001234567890ß\x00", "°!\"§$%&/()=?\x00"),
        ("qwertzuiopü+#", "QWERTZUIOPÜ*'"),
        ("asdfghjklöä", "ASDFGHJKLÖÄ"),
        ("yxcvbnm,.-", "YXCVBNM;:_"),
    ),
    "ch": (  # Swiss German
        ("§1234567890'\x00", "°+\"*ç%&/()=?\x00"),
        ("qwertzuiopü\x00$", "QWERTZUIOPè!£"),
        ("asdfghjklöä", "ASDFGHJKLéà"),
        ("yxcvbnm,.-", "YXCVBNM;:_"),
    ),
    "ch_fr": (  # Swiss French: the same keys, with ü/è and ö/é the other way round
        ("§1234567890'\x00", "°+\"*ç%&/()=?\x00"),
        ("qwertzuiopè\x00$", "QWERTZUIOPü!£"),
        ("asdfghjkléà", "ASDFGHJKLöä"),
        ("yxcvbnm,.-", "YXCVBNM;:_"),
    ),
}

# Which family each layout belongs to, as the desk worker knows it.
FAMILIES: dict[str, Layout] = {"be": "azerty", "fr": "azerty", "de": "qwertz", "ch": "qwertz", "ch_fr": "qwertz"}
_FAMILY_NAMES = {"azerty": "AZERTY (Belgian or French)", "qwertz": "QWERTZ (German or Swiss)"}

# A desk code: a prefix such as `D1` (its digits are a format version), then one or more
# `:`-separated upper-case base32 parts.
DESK_CODE = re.compile(r"[A-Z0-9]+(?::[A-Z2-7]+)+")
# What a portal ticket code can be: printable ASCII without surrounding spaces, at most 256
# characters (desk.core.badges.codes.MAX_TICKET_CHARS), not starting like a desk code `D1:`.
_TICKET = re.compile(r"(?!D[0-9]+:)[!-~](?:[ -~]{0,254}[!-~])?")
KnownTickets = Callable[[Collection[str]], Collection[str]]
"""Given candidate readings, return those that are known portal ticket codes (one lookup)."""


def _build_forward(rows: tuple[tuple[str, str], ...]) -> dict[str, str | None]:
    """Map each character a US scanner means to what the laptop types (None: a dead key)."""
    forward: dict[str, str | None] = {" ": " "}
    for (us_plain, us_shift), (plain, shift) in zip(_US_ROWS, rows, strict=True):
        for us_keys, keys in ((us_plain, plain), (us_shift, shift)):
            for meant, typed in zip(us_keys, keys, strict=True):
                forward[meant] = None if typed == _DEAD else typed
    return forward


_FORWARD = {name: _build_forward(rows) for name, rows in _LAYOUT_ROWS.items()}
# Distinct keys type distinct characters, so each map can be read backwards unambiguously.
_INVERSE = {name: {typed: meant for meant, typed in fwd.items() if typed is not None} for name, fwd in _FORWARD.items()}
@dataclass(frozen=True)
class WedgeResult:
    """What a scanner burst really says.

    `text` is the code to look up when status is "clean" or "repaired"; for "ambiguous" and
    "garbled" it is the burst as received, for display only. `layout` is the laptop layout
    the burst was typed through ("us": none needed repair), when known. `hint` tells the
    desk worker what happened and what to change; empty when all is well.
    """

    text: str
    layout: Layout | None
    status: Status
    hint: str = ""

    @property
    def usable(self) -> bool:
        """True when `text` may be looked up (clean or repaired)."""
        return self.status in ("clean", "repaired")


def layouts() -> tuple[str, ...]:
    """Return the laptop layouts modelled: be, fr, de, ch, ch_fr."""
    return tuple(_LAYOUT_ROWS)


def mangle(text: str, layout: str) -> str:
    """Return what a US-keyboard scanner typing `text` produces on a laptop set to `layout`.

    `layout` is "us" (no change) or one of layouts(). Raises ValueError for a character the
    scanner cannot type, or one behind a dead key on that layout (the accent would combine).
    """
    if layout == "us":
        return text
    forward = _FORWARD[layout]
    out = []
    for ch in text:
        typed = forward.get(ch)
        if typed is None:
            raise ValueError(f"{ch!r} cannot be typed through the {layout} layout")
        out.append(typed)
    return "".join(out)


def _unmangle(text: str, layout: str) -> str | None:
    """Read a burst back through a layout; None if a character could not have come from it."""
    inverse = _INVERSE[layout]
    out = []
    for ch in text:
        meant = inverse.get(ch)
        if meant is None:
            return None
        out.append(meant)
    return "".join(out)


def is_desk_code(text: str, prefixes: Collection[str] | None = None) -> bool:
    """True when text is a well-formed desk code (and starts with one of `prefixes`, if given)."""
    if not DESK_CODE.fullmatch(text):
        return False
    return prefixes is None or any(text.startswith(p) for p in prefixes)


def _mismatch_hint(family: Layout | None) -> str:
    laptop = _FAMILY_NAMES[family] if family in _FAMILY_NAMES else "AZERTY or QWERTZ"
    return (
        f"the scanner types as a US keyboard but this laptop uses {laptop}: "
        "set the scanner or the laptop layout to match"
    )


_CAPS = "caps+"  # marks a reading made with Caps Lock undone


def _only_family(names: Collection[str]) -> Layout | None:
    """The one layout family these layouts share ("us" aside), or None when they differ."""
    families = {FAMILIES[n.removeprefix(_CAPS)] for n in names if n.removeprefix(_CAPS) != "us"}
    return families.pop() if len(families) == 1 else None


def repair(raw: str, *, prefixes: Collection[str] | None = None,
           known_tickets: KnownTickets | None = None) -> WedgeResult:
    """Work out what a scanner burst means; repair a layout mix-up only when it is unambiguous.

    Every modelled layout is tried backwards. Exactly one known code among the readings →
    "clean" (typed right) or "repaired"; more than one → "ambiguous". A known code is a
    well-formed desk code (starting with one of `prefixes`, e.g. {"D1:"}, when given) or,
    when `known_tickets` is given, a reading it names as a portal ticket code: all the
    readings that could be one are passed to it in one call (none when the burst as typed is
    a well-formed desk code: the usual scan, settled by the code's signature). A burst that is no known code
    in any reading passes through as "clean" (an unknown portal ticket) unless it holds
    characters only a layout mix-up or a broken burst produces → "garbled". Never raises
    (beyond what `known_tickets` raises).
    """
    text = raw.strip("\r\n\t")  # scanners end a burst with Enter or Tab
    # Every modelled layout, read backwards. Caps Lock on the laptop swaps the case of every
    # letter the scanner types (the digits stay): the same readings once more from the burst
    # with its letters swapped back; a desk code only against known prefixes and a ticket
    # only when stored, so that a lower-case portal ticket is never taken for another code.
    bursts = [(text, "")]
    unlocked = text.swapcase()
    if unlocked != text and (prefixes is not None or known_tickets is not None):
        bursts.append((unlocked, _CAPS))
    if known_tickets is not None and is_desk_code(text, prefixes):
        # A badge code typed right is weighed against the other desk-code readings only, as
        # before: its signature is checked next, so no ticket reading could let someone else
        # in, and the normal scan needs no lookup.
        known_tickets = None
    readings: dict[str, list[str]] = {}
    tickets: dict[str, list[str]] = {}
    for burst, mark in bursts:
        for name in ("us", *_LAYOUT_ROWS):
            meant = burst if name == "us" else _unmangle(burst, name)
            if meant is None or (not mark and name != "us" and meant == text):
                continue  # (a layout reading equal to the burst is the plain reading)
            if is_desk_code(meant, prefixes) and (prefixes is not None or not mark):
                readings.setdefault(meant, []).append(mark + name)
            elif known_tickets is not None and _TICKET.fullmatch(meant):
                tickets.setdefault(meant, []).append(mark + name)
    if tickets:
        for code in set(known_tickets(list(tickets))) & tickets.keys():  # type: ignore[misc]
            readings.setdefault(code, []).extend(tickets[code])

    if len(readings) == 1:
        ((code, names),) = readings.items()
        if names == ["us"]:
            return WedgeResult(code, "us", "clean")
        family = _only_family(names)
        hints = []
        if all(n.startswith(_CAPS) for n in names):
            hints.append("Caps Lock is on: switch it off")
        if any(n.removeprefix(_CAPS) != "us" for n in names):
            hints.append(_mismatch_hint(family))
        return WedgeResult(code, family or "us", "repaired", "repaired: " + "; ".join(hints))
    if len(readings) > 1:
        family = _only_family([n for names in readings.values() for n in names])
        hint = f"this code can be read in more than one way; {_mismatch_hint(family)}, then scan again"
        if any(n.startswith(_CAPS) for names in readings.values() for n in names):
            hint = f"this code can be read in more than one way; switch Caps Lock off and {_mismatch_hint(family)}, then scan again"
        return WedgeResult(text, None, "ambiguous", hint)

    if any(not c.isascii() for c in text):
        # Name the family only when no other one could have typed this whole burst.
        able = [n for n in _LAYOUT_ROWS if _unmangle(text, n) is not None]
        if able:
            family = _only_family(able)
            return WedgeResult(text, family, "garbled", _mismatch_hint(family))
        return WedgeResult(text, None, "garbled", "the scan holds characters no badge or ticket code has: scan again")
    if any(not c.isprintable() for c in text):
        return WedgeResult(text, None, "garbled", "the scan holds control characters: scan again")
    return WedgeResult(text, None, "clean")
