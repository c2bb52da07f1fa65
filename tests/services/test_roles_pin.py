"""The station's PIN file: a salted scrypt hash with its parameters, the persisted back-off."""

from __future__ import annotations

import json
import stat

import pytest

from desk.core.roles import PinRefused
from desk.services.roles import PinStore


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_the_pin_is_stored_as_a_salted_slow_hash_only_the_user_reads(tmp_path):
    first, second = PinStore(tmp_path / "a.json"), PinStore(tmp_path / "b.json")
    first.set_pin("4711")
    second.set_pin("4711")
    a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (first.path, second.path))
    assert a["algorithm"] == "scrypt" and (a["n"], a["r"], a["p"]) == (2**15, 8, 1)
    assert a["salt"] != b["salt"] and a["hash"] != b["hash"]  # random salt: equal PINs, different hashes
    assert "4711" not in first.path.read_text(encoding="utf-8")
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600


def test_set_up_until_a_pin_is_set(tmp_path):
    store = PinStore(tmp_path / "pin.json")
    assert not store.is_set() and store.verify("anything").ok
    store.set_pin("4711")
    assert store.is_set() and store.verify("4711").ok and not store.verify("4712").ok


def test_wrong_pins_back_off_and_a_new_process_sees_it(tmp_path):
    clock = Clock()
    store = PinStore(tmp_path / "pin.json", clock=clock)
    store.set_pin("4711")
    first = store.verify("0000")
    assert (first.ok, first.wait_s, first.reason) == (False, 1, "wrong PIN: the next try in 1 s")
    again = PinStore(tmp_path / "pin.json", clock=clock)  # a restart
    refused = again.verify("4711")
    assert not refused.ok and refused.reason == "too many wrong PINs: try again in 1 s"
    clock.now += 1
    assert not again.verify("1111").ok and again.wait_s() == 2
    clock.now += 2
    assert not again.verify("2222").ok and again.wait_s() == 4
    clock.now += 4
    assert again.verify("4711").ok and again.wait_s() == 0  # the right PIN clears the count
    assert not again.verify("3333").ok and again.wait_s() == 1


def test_a_damaged_pin_file_opens_nothing(tmp_path):
    path = tmp_path / "pin.json"
    path.write_text("{not json", encoding="utf-8")
    store = PinStore(path)
    assert store.is_set()
    with pytest.raises(PinRefused, match="remove it and set the PIN again with desk role set-pin"):
        store.verify("4711")
