"""The event's categories as data: keys, counted, default, and how a portal's word finds one."""

from __future__ import annotations

import datetime as dt

import pytest

from desk.core.attendees import Event, Registration, Status, check_event_rules
from desk.core.badges.layout import BadgeData, field_texts
from desk.core.categories import (
    DEFAULT_CATEGORIES, CategoryFileError, CategoryWords, EventCategory, by_key, category_key, default_key,
    label_in, label_of, parse_categories, style_of, uncounted_keys,
)
from desk.core.checkin.arrivals import count
from desk.core.portal import parse_registration

FAIR = (
    EventCategory("visitor", "Visitor", "VISITOR", "#3a86ff", default=True),
    EventCategory("exhibitor", "Exhibitor", "EXHIBITOR", "#7b2cbf", counted=False),
    EventCategory("vip", "VIP guest", "VIP", "#e63946"),
    EventCategory("speaker", "Orador", "ORADOR", "#cc1a26"),
)
DAY = dt.date(2026, 3, 10)


def reg(rid: str, category: str, organisation: str = "RoboParts Lda") -> Registration:
    return Registration(rid, Status.VALIDATED, "Ana", rid, f"{rid}@x.pt", organisation, "PT", category, ())


def test_the_defaults_keep_todays_rules_as_data() -> None:
    assert uncounted_keys(DEFAULT_CATEGORIES) == {"staff"}
    assert default_key(DEFAULT_CATEGORIES) == "other_stakeholder"
    assert default_key(FAIR[1:]) == "exhibitor"  # none marked: the first listed


@pytest.mark.parametrize(("word", "key"), [
    ("Exhibitor", "exhibitor"), ("EXHIBITOR", "exhibitor"), ("vip", "vip"), ("VIP guest", "vip"),
    ("Vip-Guest", "vip"), ("Orador", "speaker"), ("panellist", "speaker"),  # a default key's synonym
    ("", "visitor"),
])
def test_a_portal_word_is_read_as_the_events_key(word: str, key: str) -> None:
    assert CategoryWords(FAIR).key(word) == key


def test_an_unknown_word_and_a_synonym_of_a_key_the_event_does_not_list() -> None:
    words = CategoryWords(FAIR)
    assert words.resolve("Investor") == ("visitor", False)
    assert words.resolve("journalist") == ("visitor", False)  # press is not one of this event's
    row = parse_registration({"registration_id": "R1", "status": "validated", "last_name": "Sousa",
                              "category": "Investor"}, 2, words)
    assert row.registration.category == "visitor"
    assert row.unknown == (("category", "Investor", "visitor"),)


def test_not_counted_categories_take_neither_a_seat_nor_a_place_of_the_cap() -> None:
    event = Event("Fair", "Porto", (DAY,), seat_cap=2, per_organisation_cap=2, categories=FAIR)
    exhibitors = [reg(f"E{i}", "exhibitor") for i in range(4)]
    assert check_event_rules(event, exhibitors) == []
    vips = [reg(f"V{i}", "vip") for i in range(3)]
    assert [f.rule for f in check_event_rules(event, exhibitors + vips)] == ["per_organisation_cap", "seat_cap"]


def test_a_key_the_event_does_not_list_shows_as_itself() -> None:
    fair = by_key(FAIR)
    assert label_of(fair, "vip") == "VIP guest" and label_of(fair, "jury") == "jury"
    assert label_of(None, "policy_maker") == "Policy-maker"  # no event categories given: the defaults'
    assert label_in({"vip": "VIP guest"}, "jury") == "jury" and label_in({}, "staff") == "Staff"
    assert (style_of(fair, "jury").badge_word, style_of(fair, "jury").colour) == ("jury", "#8c8c8c")
    badge = BadgeData.from_registration(reg("R1", "vip"), "CODE", fair)
    assert field_texts(badge, "Fair", (DAY,))["category"] == "VIP"
    assert badge.look.colour == "#e63946"


def test_the_counters_follow_the_events_order_then_unlisted_keys() -> None:
    regs = [reg("A", "jury"), reg("B", "vip"), reg("C", "visitor")]
    lines = count(regs, {"B"}, DAY, (DAY,), [c.category for c in FAIR]).by_category
    assert [(c.category, c.checked_in, c.expected) for c in lines] == [("visitor", 0, 1), ("vip", 1, 1), ("jury", 0, 1)]


def test_a_categories_file_adds_keys_with_counted_and_default_columns() -> None:
    parsed = parse_categories([
        (2, {"category": "Exhibitor", "label": "Exhibitor", "colour": "7b2cbf", "counted": "no"}),
        (3, {"category": "", "label": "VIP guest", "colour": "#e63946", "default": "yes"}),
        (4, {"category": "staff", "label": "Equipa", "colour": "#00ff00"}),
    ])
    assert [(c.category, c.counted, c.default) for c in parsed] == [
        ("exhibitor", False, False), ("vip_guest", True, True), ("staff", False, False)]
    assert category_key("Júri / Jury") == "juri_jury"


def test_a_categories_file_names_every_bad_row() -> None:
    with pytest.raises(CategoryFileError) as caught:
        parse_categories([
            (2, {"category": "visitor", "label": "Visitor", "colour": "#000000", "default": "yes"}),
            (3, {"category": "***", "label": "Stars", "colour": "#000000"}),
            (4, {"category": "vip", "label": "VIP", "colour": "#000000", "counted": "maybe"}),
            (5, {"category": "k" * 40, "label": "Long", "colour": "#000000"}),
            (6, {"category": "press", "label": "Press", "colour": "#000000", "default": "yes"}),
        ])
    assert str(caught.value).splitlines()[1:] == [
        "row 3: category key '***' holds no letter or digit (give a short key such as exhibitor)",
        "row 4: counted 'maybe' is neither yes nor no",
        f"row 5: category key '{'k' * 40}…' is longer than 32 characters",
        "row 6: a second default category (row 2 is the default)",
    ]
