"""Keyboard-wedge repair: every layout mix-up is undone exactly, or refused; never guessed."""

from __future__ import annotations

import itertools
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desk.core.checkin.wedge import FAMILIES, is_desk_code, layouts, mangle, repair

BASE32 = string.ascii_uppercase + "234567"
ALL_LAYOUTS = ("us", *layouts())


@pytest.mark.parametrize(
    ("layout", "meant", "typed"),
    [
        ("be", "AQZWMm", "QAWZ?,"),
        ("be", "1234567890", "&é\"'(§è!çà"),
        ("be", ":._-/", "M:°)="),
        ("fr", "1234567890", "&é\"'(-è_çà"),
        ("fr", ":./", "M:!"),
        ("de", "YZ:.-_/", "ZYÖ.ß?-"),
        ("de", "1234567890", "1234567890"),
        ("ch", "YZ:-/", "ZYé'-"),
        ("ch_fr", ":", "ö"),
    ],
)
def test_real_layout_maps(layout: str, meant: str, typed: str) -> None:
    assert mangle(meant, layout) == typed


@pytest.mark.parametrize("layout", layouts())
def test_every_layout_is_one_to_one(layout: str) -> None:
    typable = [c for c in map(chr, range(32, 127)) if _typable(c, layout)]
    typed = [mangle(c, layout) for c in typable]
    assert len(set(typed)) == len(typed) > 90


def _typable(ch: str, layout: str) -> bool:
    try:
        mangle(ch, layout)
    except ValueError:
        return False
    return True


def test_dead_keys_cannot_be_typed() -> None:
    with pytest.raises(ValueError, match="cannot be typed through the be layout"):
        mangle("[", "be")
    with pytest.raises(ValueError):
        mangle("Ł", "de")


def _codes() -> list[str]:
    """Every short code over the characters the layouts move about, under tricky prefixes."""
    tricky = "AMQWYZ2367"
    parts = ["".join(p) for n in (1, 2, 3) for p in itertools.product(tricky, repeat=n)]
    codes = [f"{prefix}:{part}" for prefix in ("D1", "A", "M", "Q9", "W0Z8", "Y") for part in parts]
    codes += [f"D1:{a}:{b}" for a, b in itertools.product(["M", "QA", "Z7", "W2Y"], repeat=2)]
    return codes


@pytest.mark.parametrize("layout", ALL_LAYOUTS)
def test_exhaustive_repair_is_exact_or_refused(layout: str) -> None:
    outcomes = {"clean": 0, "repaired": 0, "ambiguous": 0, "garbled": 0}
    for code in _codes():
        result = repair(mangle(code, layout))
        outcomes[result.status] += 1
        if result.usable:
            assert result.text == code, (code, layout, result)
            assert result.layout == ("us" if layout == "us" else FAMILIES[layout])
        else:
            assert result.status == "ambiguous" and result.layout is None
            assert "set the scanner or the laptop layout to match" in result.hint
        if code.startswith("D1:"):
            # The prefix's '1' needs Shift on AZERTY and stays '1' on QWERTZ: never ambiguous.
            assert result.usable, (code, layout, result)
    assert outcomes["garbled"] == 0
    assert outcomes["clean" if layout == "us" else "repaired"] > 0.95 * len(_codes())


@given(
    parts=st.lists(st.text(alphabet=BASE32, min_size=1, max_size=60), min_size=1, max_size=4),
    layout=st.sampled_from(ALL_LAYOUTS),
    enter=st.sampled_from(["", "\r\n", "\n", "\t"]),
)
def test_random_badge_codes_are_repaired_exactly(parts: list[str], layout: str, enter: str) -> None:
    code = "D1:" + ":".join(parts)
    result = repair(mangle(code, layout) + enter)
    assert result.text == code
    assert result.status == ("clean" if layout == "us" else "repaired")
    assert result.layout == ("us" if layout == "us" else FAMILIES[layout])


@given(raw=st.text(alphabet=st.sampled_from(BASE32 + ":&é\"'(§è!çà-?_M;.ÖöéäüßQWYZ01 /\x07"), max_size=30))
def test_any_burst_is_only_repaired_into_its_one_reading(raw: str) -> None:
    result = repair(raw)
    if result.status == "repaired":
        assert is_desk_code(result.text)
        # The repaired code is what some layout of that family turns into exactly this burst,
        # and no other layout reads the burst as a different code.
        sources = [n for n in layouts() if _typable_all(result.text, n) and mangle(result.text, n) == raw]
        assert sources and {FAMILIES[n] for n in sources} == {result.layout}
    elif result.status == "clean" and result.layout == "us":
        assert result.text == raw and is_desk_code(raw)
    elif result.status == "clean":
        assert result.text == raw and raw.isascii() and raw.isprintable()


def _typable_all(text: str, layout: str) -> bool:
    return all(_typable(c, layout) for c in text)


@pytest.mark.parametrize("ticket", ["ECC2016-000123", "tkt_8f3a9c", "portal/42?x=1", "ab:cd", "A B C"])
def test_portal_ticket_codes_pass_through(ticket: str) -> None:
    assert repair(ticket) == repair(ticket + "\r\n")
    result = repair(ticket)
    assert (result.text, result.layout, result.status, result.hint) == (ticket, None, "clean", "")


@pytest.mark.parametrize(
    ("layout", "family", "laptop"),
    [
        ("be", None, "AZERTY or QWERTZ"),  # é, à, & and § are also typed by a Swiss layout
        ("fr", None, "AZERTY or QWERTZ"),
        ("de", "qwertz", "QWERTZ (German or Swiss)"),  # only German types ß
    ],
)
def test_mangled_portal_codes_are_garbled_with_a_hint(layout: str, family: str | None, laptop: str) -> None:
    typed = mangle("ECC2016-000123", layout)
    result = repair(typed)
    assert (result.text, result.status, result.layout, result.usable) == (typed, "garbled", family, False)
    assert result.hint == (
        f"the scanner types as a US keyboard but this laptop uses {laptop}: "
        "set the scanner or the laptop layout to match"
    )
    # The apostrophe types ù, which only AZERTY has.
    assert repair(mangle("O'Neil-42", "be")).layout == "azerty"


def test_foreign_or_control_characters_are_garbled() -> None:
    assert repair("ŁÓDŹ-2016").status == "garbled"
    result = repair("ABC\x07DEF")
    assert result.status == "garbled" and "control characters" in result.hint


def test_two_readings_are_refused() -> None:
    # On Swiss QWERTZ "AM:B" types as "AMéB"; read through Belgian AZERTY the same burst
    # says "Q:2B". Both are well-formed, so neither may be looked up.
    assert mangle("AM:B", "ch") == mangle("Q:2B", "be") == "AMéB"
    result = repair("AMéB")
    assert (result.text, result.layout, result.status, result.usable) == ("AMéB", None, "ambiguous", False)
    assert result.hint.endswith("set the scanner or the laptop layout to match, then scan again")


def test_known_prefixes_keep_portal_codes_from_being_repaired() -> None:
    # Read through AZERTY, this all-caps ticket code would look like the desk code HELLO:ZORLD.
    assert repair("HELLOMWORLD").status == "repaired"
    result = repair("HELLOMWORLD", prefixes={"D1:"})
    assert (result.text, result.status) == ("HELLOMWORLD", "clean")
    assert repair(mangle("D1:ABC", "be"), prefixes={"D1:"}).text == "D1:ABC"


def test_a_clean_desk_code_is_clean() -> None:
    result = repair("D1:ABCDEFGH234567\r\n")
    assert (result.text, result.layout, result.status, result.hint) == ("D1:ABCDEFGH234567", "us", "clean", "")


@pytest.mark.parametrize("layout", ALL_LAYOUTS)
def test_caps_lock_is_undone_against_known_prefixes_and_named(layout: str) -> None:
    code = "D1:ABCDEFGHJK:MNPQRSTUVWXYZ234567"
    burst = mangle(code, layout).swapcase()  # the laptop's Caps Lock swaps every letter typed
    result = repair(burst, prefixes={"D1:"})
    assert (result.text, result.status) == (code, "repaired")
    assert result.hint.startswith("repaired: Caps Lock is on: switch it off")
    assert ("set the scanner or the laptop layout to match" in result.hint) == (layout != "us")
    # without known prefixes a lower-case text stays what it is (a portal ticket, say)
    assert repair(burst.lower()).status in ("clean", "garbled")


# --- portal ticket codes: repaired only into a ticket code the store holds -------------------

TICKETS = {"ECC2016-B4299691", "ECC2016-Q0AZ7WMY", "tkt_8f3a9c", "portal/42?x=1", "Ab-Zy:09"}
PREFIXES = {"D1:"}


class Store:
    """The store's side of a lookup: which readings are stored ticket codes, and how often it was asked."""

    def __init__(self, tickets: set[str]) -> None:
        self.tickets, self.calls = tickets, 0

    def __call__(self, codes):
        self.calls += 1
        assert len(codes) == len(set(codes))
        return [c for c in codes if c in self.tickets]


@pytest.mark.parametrize(("ticket", "layout"), [  # ('=' sits behind a dead key on QWERTZ: not typable there)
    (t, n) for t in sorted(TICKETS) for n in ALL_LAYOUTS if all(_typable(c, n) for c in t)])
def test_a_stored_ticket_typed_through_any_layout_is_repaired(layout: str, ticket: str) -> None:
    store = Store(TICKETS)
    result = repair(mangle(ticket, layout) + "\r\n", prefixes=PREFIXES, known_tickets=store)
    assert (result.text, result.usable) == (ticket, True), result
    if layout == "us" or mangle(ticket, layout) == ticket:
        assert (result.status, result.layout, result.hint) == ("clean", "us", "")
    else:
        assert result.status == "repaired" and result.layout == FAMILIES[layout]
        assert "set the scanner or the laptop layout to match" in result.hint
    assert store.calls == 1  # every reading asked for at once


@pytest.mark.parametrize(("layout", "typed"), [
    ("be", "ECCéà&§)B'éçç§ç&"), ("fr", "ECCéà&-)B'éçç-ç&"), ("de", "ECC2016ßB4299691"), ("ch", "ECC2016'B4299691"),
])
def test_real_azerty_and_qwertz_bursts_of_a_ticket(layout: str, typed: str) -> None:
    assert mangle("ECC2016-B4299691", layout) == typed
    result = repair(typed, prefixes=PREFIXES, known_tickets=Store(TICKETS))
    assert (result.text, result.status) == ("ECC2016-B4299691", "repaired")


@pytest.mark.parametrize("layout", ALL_LAYOUTS)
def test_caps_lock_on_a_ticket_is_undone_and_named(layout: str) -> None:
    ticket = "tkt_8f3a9c"
    burst = mangle(ticket, layout).swapcase()
    result = repair(burst, prefixes=PREFIXES, known_tickets=Store(TICKETS))
    assert (result.text, result.status) == (ticket, "repaired")
    assert result.hint.startswith("repaired: Caps Lock is on: switch it off")
    assert ("set the scanner or the laptop layout to match" in result.hint) == (layout != "us")


def test_two_stored_tickets_read_from_one_burst_are_refused() -> None:
    # "AM:B" through Swiss QWERTZ and "Q:2B" through Belgian AZERTY both type "AMéB"
    result = repair("AMéB", prefixes=PREFIXES, known_tickets=Store({"AM:B", "Q:2B"}))
    assert (result.text, result.status, result.usable) == ("AMéB", "ambiguous", False)
    assert result.hint.startswith("this code can be read in more than one way")
    # with one of them stored, the burst is that one
    assert repair("AMéB", prefixes=PREFIXES, known_tickets=Store({"Q:2B"})).text == "Q:2B"


def test_a_clean_ticket_whose_other_reading_is_another_ticket_is_refused() -> None:
    # typed right, "ZX-1" is itself; typed through QWERTZ the same keys meant "YX/1"
    assert mangle("YX/1", "de") == "ZX-1"
    assert repair("ZX-1", prefixes=PREFIXES, known_tickets=Store({"ZX-1"})).status == "clean"
    result = repair("ZX-1", prefixes=PREFIXES, known_tickets=Store({"ZX-1", "YX/1"}))
    assert (result.status, result.usable) == ("ambiguous", False)


def test_a_ticket_and_a_badge_code_read_from_one_burst_are_refused() -> None:
    # the AZERTY keys of "D1:QBC" type "D&MABC", which could also be a portal ticket
    burst = mangle("D1:QBC", "be")
    assert burst == "D&MABC"
    assert repair(burst, prefixes=PREFIXES, known_tickets=Store(TICKETS)).text == "D1:QBC"
    result = repair(burst, prefixes=PREFIXES, known_tickets=Store({"D&MABC"}))
    assert (result.status, result.usable) == ("ambiguous", False)


def test_unknown_tickets_pass_through_or_are_garbled_as_before() -> None:
    store = Store(TICKETS)
    result = repair("ECC2016-0000000", prefixes=PREFIXES, known_tickets=store)
    assert (result.text, result.layout, result.status, result.hint) == ("ECC2016-0000000", None, "clean", "")
    garbled = repair(mangle("ECC2016-0000000", "be"), prefixes=PREFIXES, known_tickets=store)
    assert garbled.status == "garbled" and "set the scanner or the laptop layout to match" in garbled.hint


def test_a_lower_case_ticket_is_never_taken_for_a_desk_code() -> None:
    # Caps Lock undone, "hellomworld" reads through AZERTY as the desk-looking "HELLO:ZORLD":
    # not a known prefix, and not a stored ticket, so the stored one wins.
    result = repair("hellomworld", prefixes=PREFIXES, known_tickets=Store({"hellomworld"}))
    assert (result.text, result.status) == ("hellomworld", "clean")
    result = repair("HELLOMWORLD", prefixes=PREFIXES, known_tickets=Store({"hellomworld"}))
    assert (result.text, result.status) == ("hellomworld", "repaired")


def test_readings_that_cannot_be_tickets_are_not_looked_up() -> None:
    seen: list[str] = []
    repair(mangle("D1:ABC", "de"), prefixes=PREFIXES, known_tickets=lambda codes: seen.extend(codes) or [])
    # other layouts' readings are asked for; a desk-code shape is never a ticket (the lookup would not take it)
    assert seen and all(not c.startswith("D1:") and c.isprintable() and c.isascii() for c in seen)
    seen.clear()
    # a badge code typed right: the usual scan asks the store nothing (its signature settles it)
    assert repair("D1:ABC\r", prefixes=PREFIXES, known_tickets=lambda codes: seen.extend(codes) or []).status == "clean"
    assert seen == []
    repair(" tkt", prefixes=PREFIXES, known_tickets=lambda codes: seen.extend(codes) or [])
    assert seen == []  # surrounding spaces: the lookup strips them, so no reading with them is a ticket


@given(raw=st.text(alphabet=st.sampled_from("ECab2016-_/:&é\"'(§è!çàMQWYZ?;.ÖöéäüßqwyzmÉ"), max_size=16),
       stored=st.sets(st.text(alphabet=st.sampled_from("ECab2016-_/:QWYZqwyzM?."), min_size=1, max_size=16),
                      max_size=6))
def test_any_burst_is_only_repaired_into_a_stored_ticket_it_can_be_typed_as(raw: str, stored: set[str]) -> None:
    result = repair(raw, prefixes=PREFIXES, known_tickets=Store(stored))
    if result.usable and result.text in stored:
        text = raw.strip("\r\n\t")
        typed_as = {mangle(result.text, n) for n in ALL_LAYOUTS if _typable_all(result.text, n)}
        assert text in typed_as or text.swapcase() in typed_as
        # and no other stored ticket could have typed it
        others = {t for t in stored - {result.text} for n in ALL_LAYOUTS
                  if _typable_all(t, n) and mangle(t, n) in (text, text.swapcase())}
        assert others == set()
