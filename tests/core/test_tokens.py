"""Badge codes: issuing, verifying, and refusing everything else."""

from __future__ import annotations

import string

import pytest
import qrcode
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desk.core.badges.codes import (
    MAX_CODE_CHARS,
    Rejection,
    Source,
    badge_ref,
    issue_code,
    looks_like_desk_code,
    verify,
)

SECRET = b"event-secret-for-tests-0123456789"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
KEYS = {1: KEY.public_key()}
REGISTRATIONS = [f"R{n:05d}" for n in range(50)]
REFS = {badge_ref(SECRET, rid): rid for rid in REGISTRATIONS}
TICKETS = {"PORTAL-0001": "R00001", "abc def/42": "R00002"}


class Lookups:
    """Records every lookup so a test can prove a forged code was never looked up."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def ref(self, ref: str) -> str | None:
        self.calls.append(("ref", ref))
        return REFS.get(ref)

    def ticket(self, code: str) -> str | None:
        self.calls.append(("ticket", code))
        return TICKETS.get(code)


def check(code: str, keys=KEYS, lookups: Lookups | None = None):
    lookups = lookups or Lookups()
    return verify(code, keys, lookups.ref, lookups.ticket)


def code_for(rid: str, key: Ed25519PrivateKey = KEY, version: int = 1) -> str:
    return issue_code(key, version, badge_ref(SECRET, rid))


def test_issued_code_names_its_attendee():
    verdict = check(code_for("R00007"))
    assert verdict.ok
    assert verdict.registration_id == "R00007"
    assert verdict.source is Source.DESK
    assert verdict.key_version == 1
    assert verdict.reason is None


def test_badge_ref_is_deterministic_and_hides_the_id():
    ref = badge_ref(SECRET, "R00007")
    assert ref == badge_ref(SECRET, "R00007")
    assert ref != badge_ref(SECRET, "R00008")
    assert ref != badge_ref(b"another-event-secret-0123456789", "R00007")
    assert len(ref) == 13 and set(ref) <= set(string.ascii_uppercase + "234567")
    assert "R00007" not in ref and "00007" not in ref


def test_badge_ref_refuses_a_short_secret():
    with pytest.raises(ValueError):
        badge_ref(b"short", "R1")


def test_code_carries_no_personal_data_and_stays_alphanumeric():
    code = code_for("R00007")
    assert "R00007" not in code
    assert code.startswith("D1:")
    assert set(code) <= set(string.ascii_uppercase + "234567:1")
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(code, optimize=0)
    qr.make(fit=True)
    assert qr.data_list[0].mode == qrcode.util.MODE_ALPHA_NUM
    assert qr.version <= 7


def test_unknown_key_version():
    verdict = check(code_for("R00001", OTHER_KEY, version=2))
    assert verdict.reason is Rejection.UNKNOWN_KEY
    assert verdict.key_version == 2


def test_second_key_version_verifies_when_held():
    keys = {1: KEY.public_key(), 2: OTHER_KEY.public_key()}
    assert check(code_for("R00001", OTHER_KEY, version=2), keys).registration_id == "R00001"


def test_signed_with_wrong_key_is_bad_signature_and_never_looked_up():
    lookups = Lookups()
    verdict = check(code_for("R00001", OTHER_KEY), lookups=lookups)
    assert verdict.reason is Rejection.BAD_SIGNATURE
    assert lookups.calls == []


def test_valid_code_for_someone_not_held_is_unknown_attendee():
    verdict = check(code_for("R99999"))
    assert verdict.reason is Rejection.UNKNOWN_ATTENDEE
    assert verdict.source is Source.DESK


def test_portal_ticket_codes_resolve_through_the_ticket_lookup():
    assert check("PORTAL-0001").registration_id == "R00001"
    assert check("abc def/42\r\n").registration_id == "R00002"
    verdict = check("PORTAL-9999")
    assert verdict.reason is Rejection.UNKNOWN_ATTENDEE
    assert verdict.source is Source.PORTAL


def test_bare_badge_ref_is_not_a_ticket():
    """The REF is printed in every QR; on its own it must not open the door."""
    ref = badge_ref(SECRET, "R00003")
    lookups = Lookups()
    assert check(ref, lookups=lookups).reason is Rejection.UNKNOWN_ATTENDEE
    assert lookups.calls == [("ticket", ref)]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "x" * (MAX_CODE_CHARS + 1),
        "T" * 300,
        "PORTAL\x00-0001",
        "PORTAL-0001\x1b[2J",
        "Łódź-ticket",
        "D1:",
        "D1:AAAA:BBBB",
        "D0:" + "A" * 13 + ":" + "A" * 103,
        "D1:" + "a" * 13 + ":" + "a" * 103,
        "D1:' OR 1=1 --",
        "D1:%s%s%n{0}",
        "D99999999999999999999:AAAA",
    ],
)
def test_garbage_is_malformed(text):
    lookups = Lookups()
    assert check(text, lookups=lookups).reason is Rejection.MALFORMED
    assert lookups.calls == []


def test_sql_and_format_strings_name_nobody():
    for text in ["' OR 1=1 --", "%s%s%s%n", "{0.__class__}", "Robert'); DROP TABLE registrations;--"]:
        verdict = check(text)
        assert not verdict.ok
        assert verdict.reason is Rejection.UNKNOWN_ATTENDEE


def test_non_canonical_base32_is_malformed():
    code = code_for("R00004")
    prefix, ref, sig = code.split(":")
    # the last signature character carries 2 data bits; flipping a spare bit keeps the bytes
    alphabet = string.ascii_uppercase + "234567"
    last = alphabet.index(sig[-1])
    tweaked = sig[:-1] + alphabet[last ^ 1]
    assert check(f"{prefix}:{ref}:{tweaked}").reason is Rejection.MALFORMED


def test_looks_like_desk_code():
    assert looks_like_desk_code("D1:ABC")
    assert not looks_like_desk_code("d1:ABC")
    assert not looks_like_desk_code("DX:ABC")


def test_issue_refuses_bad_input():
    with pytest.raises(ValueError):
        issue_code(KEY, 0, badge_ref(SECRET, "R1"))
    with pytest.raises(ValueError):
        issue_code(KEY, 1, "not-a-ref")


# --- hypothesis: nothing but a genuine code is ever accepted -----------------------------

GENUINE = [code_for(rid) for rid in REGISTRATIONS[:10]]
_FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _assert_refused(text: str) -> None:
    lookups = Lookups()
    verdict = check(text, lookups=lookups)
    if text.strip(" \t\r\n") in GENUINE:
        return
    assert not verdict.ok, text
    if looks_like_desk_code(text.strip(" \t\r\n")):
        assert all(kind == "ref" for kind, _ in lookups.calls)
        if verdict.reason is Rejection.UNKNOWN_ATTENDEE:
            pytest.fail(f"a mutated code passed its signature: {text}")


@_FAST
@given(st.sampled_from(GENUINE), st.data())
def test_mutated_codes_are_refused(code, data):
    position = data.draw(st.integers(0, len(code) - 1))
    replacement = data.draw(st.characters(min_codepoint=0, max_codepoint=0x2FF))
    mutated = code[:position] + replacement + code[position + 1:]
    _assert_refused(mutated)


@_FAST
@given(st.sampled_from(GENUINE), st.data())
def test_truncated_or_extended_codes_are_refused(code, data):
    cut = data.draw(st.integers(0, len(code) - 1))
    tail = data.draw(st.text(alphabet=string.ascii_uppercase + "234567:", max_size=5))
    _assert_refused(code[:cut] + tail)


@_FAST
@given(st.sampled_from(REGISTRATIONS), st.integers(1, 3))
def test_codes_signed_with_another_key_are_refused(rid, version):
    keys = {v: KEY.public_key() for v in (1, 2, 3)}
    verdict = check(code_for(rid, OTHER_KEY, version), keys)
    assert verdict.reason is Rejection.BAD_SIGNATURE


@_FAST
@given(st.text(max_size=600))
def test_random_text_is_refused_without_crashing(text):
    lookups = Lookups()
    verdict = check(text, lookups=lookups)
    assert not verdict.ok
    assert verdict.reason in set(Rejection)


@_FAST
@given(st.from_regex(r"D[1-9]:[A-Z2-7]{13}:[A-Z2-7]{103}", fullmatch=True))
def test_well_shaped_forgeries_are_refused(text):
    verdict = check(text)
    assert verdict.reason in {Rejection.BAD_SIGNATURE, Rejection.MALFORMED, Rejection.UNKNOWN_KEY}
