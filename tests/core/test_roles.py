"""The role rules: which tabs each role shows, the role words, the PIN back-off."""

from __future__ import annotations

import pytest

from desk.core.roles import (
    MAX_BACKOFF_S, PinRefused, Role, UnknownRole, backoff_s, base_role, check_new_pin, pages_of, parse_role,
)

TABS = ["Check-in", "Attendees", "Badges", "Door", "Matchmaking", "Awards"]


def test_each_role_keeps_its_tabs_in_the_windows_order():
    assert pages_of(Role.DESK, TABS) == ["Check-in", "Attendees", "Awards"]
    assert pages_of(Role.DOOR, TABS) == ["Door"]
    assert pages_of(Role.PRINTING, TABS) == ["Badges"]
    assert pages_of(Role.ORGANISER, TABS) == TABS  # a tab added later is the organiser's at once


def test_role_words():
    assert parse_role(" Door ") is Role.DOOR
    with pytest.raises(UnknownRole, match="role 'boss' is not one of desk, door, printing, organiser"):
        parse_role("boss")
    assert base_role(Role.ORGANISER) is Role.DESK and base_role(Role.PRINTING) is Role.PRINTING


def test_wrong_pins_wait_1_2_4_seconds_and_never_forever():
    assert [backoff_s(n) for n in range(6)] == [0, 1, 2, 4, 8, 16]
    assert backoff_s(100) == MAX_BACKOFF_S


def test_a_new_pin_has_four_characters_at_least():
    assert check_new_pin(" 4711 ") == "4711"
    with pytest.raises(PinRefused, match="at least 4 characters"):
        check_new_pin("123")
