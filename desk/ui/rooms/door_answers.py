"""The door's answers as words a host reads at a glance: a headline and a detail line.

The ui maps each outcome (door or entrance) to a sentence here and nowhere else; the
colour and the sound come from the answer's family.
"""

from __future__ import annotations

from typing import Any

_HEADLINES = {
    "entered": "IN",
    "left": "OUT",
    "room_full": "ROOM FULL",
    "not_checked_in": "IN — not checked in at the entrance",
    "unknown": "UNKNOWN CODE",
    "forged": "FORGED BADGE",
    "cancelled": "CANCELLED REGISTRATION",
    "not_validated": "NOT VALIDATED",
    "not_readable": "NOT READABLE — scan again",
    "wrong_day": "WRONG DAY",
    "busy": "BUSY — scan again",
}


def headline(answer: Any) -> tuple[str, str]:
    """(headline, detail) for a DoorAnswer: who, what to do, and where to send them when full."""
    outcome = answer.outcome.value
    title = _HEADLINES.get(outcome, outcome.replace("_", " ").upper())
    if outcome == "room_full" and answer.recorded:
        title = "ROOM FULL — let in (warn only)"
    elif outcome == "wrong_day":
        # the same word as the entrance; at the door it also says whether the person went in
        title = "WRONG DAY — let in (warn only)" if answer.recorded else "WRONG DAY — not let in"
    who = answer.registration.full_name if answer.registration is not None else ""
    if who:
        title = f"{title}\n{who}"
    detail = answer.reason
    if outcome == "room_full":
        r = answer.redirect
        detail = (f"Send them to {r.room}: “{r.session}” — {r.free} seats free" if r
                  else "No parallel session on this topic has seats.")
    return title, detail
