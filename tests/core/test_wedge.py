"""Keyboard-wedge repair: every layout mix-up is undone exactly, or refused; never guessed."""

from __future__ import annotations

import itertools
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desk.core.wedge import FAMILIES, is_desk_code, layouts, mangle, repair

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
