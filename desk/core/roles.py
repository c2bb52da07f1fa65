"""Staff roles: which pages a station shows, which actions need the organiser, PIN back-off.

A station opens in one role. The organiser sees everything and may do what touches
personal data (exports, another desk's undo, keys, award results, purge); the other
roles see only the pages of their job. Pure rules: the PIN file and the clock live outside.
"""

from __future__ import annotations

import enum

from desk.core.errors import DeskError


class Role(enum.StrEnum):
    """The job a station does; the value is the word in settings.toml and on the command line."""

    DESK = "desk"
    DOOR = "door"
    PRINTING = "printing"
    ORGANISER = "organiser"


# The window's tabs (titles as app.page_factories names them) per role; None: every tab.
# desk: the entrance, the attendee search (a person without a badge is found there) and the
# awards kiosk, which stands in the foyer beside the entrance desks;
# door: the rooms' door and board; printing: badges; organiser: everything, matchmaking too.
ROLE_PAGES: dict[Role, tuple[str, ...] | None] = {
    Role.DESK: ("Check-in", "Attendees", "Awards"),
    Role.DOOR: ("Door",),
    Role.PRINTING: ("Badges",),
    Role.ORGANISER: None,
}

# The organiser role locks after this long without a key or a click in the window.
IDLE_LOCK_S = 5 * 60
# Wrong PINs wait 1 s, 2 s, 4 s ... and never more than this.
MAX_BACKOFF_S = 15 * 60
PIN_MIN_LENGTH = 4


class UnknownRole(DeskError):
    """A role word that is not one of desk, door, printing, organiser."""


class PinRefused(DeskError):
    """An organiser action without the right PIN (missing, wrong, or asked again too soon)."""


def parse_role(text: str) -> Role:
    """The Role a word names (case and spaces ignored); raises UnknownRole with the choices."""
    try:
        return Role(text.strip().lower())
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise UnknownRole(f"role '{text}' is not one of {choices}") from None


def pages_of(role: Role, titles: list[str]) -> list[str]:
    """The titles among `titles` (the window's tabs, in order) that `role` shows."""
    allowed = ROLE_PAGES[role]
    return list(titles) if allowed is None else [t for t in titles if t in allowed]


def base_role(role: Role) -> Role:
    """The role a station falls back to when its organiser role locks (desk for an organiser station)."""
    return Role.DESK if role is Role.ORGANISER else role


def backoff_s(failures: int) -> float:
    """How long to wait after `failures` wrong PINs in a row: 0, then 1, 2, 4 ... capped."""
    if failures <= 0:
        return 0.0
    return float(min(2 ** (failures - 1), MAX_BACKOFF_S))


def check_new_pin(pin: str) -> str:
    """The PIN to store, stripped; raises PinRefused when it is too short."""
    pin = pin.strip()
    if len(pin) < PIN_MIN_LENGTH:
        raise PinRefused(f"the PIN must have at least {PIN_MIN_LENGTH} characters")
    return pin
