"""decide_scan with a handheld scanner: portal ticket codes are repaired against the known tickets."""

from __future__ import annotations

import pytest

from desk.core.checkin.decision import ScanOutcome, decide_scan
from desk.core.checkin.wedge import layouts, mangle
from tests.core.test_checkin import CONF1, DAYS, KEYS, PEOPLE, REFS, TICKETS


def scan(code: str, tickets: dict[str, str] = TICKETS, known_tickets=None):
    return decide_scan(code, CONF1, DAYS, KEYS, REFS.get, tickets.get, PEOPLE.get, lambda rid: [],
                       from_keyboard=True, known_tickets=known_tickets)


@pytest.mark.parametrize("layout", layouts())
def test_a_mangled_ticket_is_repaired_through_the_ticket_lookup(layout: str) -> None:
    burst = mangle("TICKET-R4", layout)
    assert burst != "TICKET-R4"
    decision = scan(burst + "\r")  # no batch lookup given: one lookup_ticket per reading
    assert decision.outcome is ScanOutcome.WELCOME and decision.registration_id == "R4"
    assert decision.note.startswith("Repaired: ") and "set the scanner or the laptop layout" in decision.note


def test_caps_lock_on_a_ticket() -> None:
    decision = scan("ticket-r2")
    assert decision.outcome is ScanOutcome.WELCOME and decision.registration_id == "R2"
    assert decision.note == "Repaired: Caps Lock is on: switch it off"


def test_the_batch_lookup_is_asked_once_and_decides() -> None:
    asked: list[list[str]] = []

    def known(codes):
        asked.append(list(codes))
        return [c for c in codes if c in TICKETS]

    assert scan(mangle("TICKET-R3", "de"), known_tickets=known).registration_id == "R3"
    assert len(asked) == 1


def test_two_known_tickets_behind_one_burst_are_refused() -> None:
    tickets = {"AM:B": "R1", "Q:2B": "R2"}  # both type "AMéB": Swiss QWERTZ and Belgian AZERTY
    decision = scan("AMéB", tickets=tickets)
    assert decision.outcome is ScanOutcome.NOT_READABLE and decision.registration is None
    assert decision.reason.startswith("This code can be read in more than one way")
    assert scan("AMéB", tickets={"Q:2B": "R2"}).registration_id == "R2"
