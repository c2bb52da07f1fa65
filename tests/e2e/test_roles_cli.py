"""Staff roles from the command line: desk role show/set/set-pin, organiser commands with
--pin or DESK_PIN, the back-off, set-up without a PIN, and another desk's undo."""

from __future__ import annotations

import datetime as dt
import json
import os
import pty
import subprocess
import sys

import pytest

from desk.config import load_settings
from desk.services.demo.event import install_demo
from desk.services.roles import PinStore
from desk.store.db import open_database
from desk.store.registrations import search_registrations

PIN_REFUSED = 3


def desk(url: str, *args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desk", "--db", url, *args], capture_output=True, text=True,
                          input=stdin, env={**os.environ, **(env or {})}, timeout=60)


@pytest.fixture
def url(db_path) -> str:
    url = f"sqlite:///{db_path}"
    db = open_database(url)
    install_demo(db, dt.date(2016, 11, 30), with_programme=True)
    db.close()
    return url


def _ticket(url: str) -> str:
    db = open_database(url)
    with db.begin() as session:
        regs = search_registrations(session)
    db.close()
    return next(r.ticket_code for r in regs if r.is_attendee and dt.date(2016, 12, 1) in r.days)


def test_set_up_runs_organiser_commands_without_a_pin(url, tmp_path):
    shown = desk(url, "role", "show")
    assert shown.returncode == 0
    assert shown.stdout.splitlines()[:2] == [
        "role: organiser",
        "organiser PIN: not set (set-up: organiser commands need no PIN; set one with desk role set-pin)"]
    done = desk(url, "rooms", "export", "--out", str(tmp_path / "a.csv"))
    assert done.returncode == 0, done.stderr


def test_organiser_commands_need_the_pin_once_it_is_set(url, tmp_path):
    made = desk(url, "role", "set-pin", stdin="4711\n")
    assert made.returncode == 0 and made.stdout == "organiser PIN set: organiser commands now need --pin or DESK_PIN\n"
    stored = (PinStore().path).read_text(encoding="utf-8")
    assert "4711" not in stored and '"algorithm": "scrypt"' in stored and oct(PinStore().path.stat().st_mode)[-3:] == "600"
    out = tmp_path / "a.csv"
    for args in (["rooms", "export", "--out", str(out)], ["checklist", "--out", str(tmp_path / "c.pdf")],
                 ["keys", "create"], ["attendees"], ["attendees", "--json"], ["role", "set", "organiser"]):
        refused = desk(url, *args)
        assert refused.returncode == PIN_REFUSED, args
        assert refused.stderr.count("\n") == 1 and "is for the organiser: give --pin PIN or set DESK_PIN" in refused.stderr
    assert not out.exists()
    assert desk(url, "rooms", "export", "--out", str(out), "--pin", "4711").returncode == 0 and out.exists()
    assert desk(url, "checklist", "--out", str(tmp_path / "c.csv"), "--day", "2016-11-30",
                env={"DESK_PIN": "4711"}).returncode == 0
    found = desk(url, "attendees", "--search", "a")  # a search is the desk's job
    assert found.returncode == 0 and found.stdout


def test_a_wrong_pin_is_one_line_exit_3_and_backs_off(url, tmp_path):
    assert desk(url, "role", "set-pin", stdin="4711\n").returncode == 0
    wrong = desk(url, "rooms", "export", "--out", str(tmp_path / "a.csv"), "--pin", "0000")
    assert (wrong.returncode, wrong.stderr) == (PIN_REFUSED, "desk: wrong PIN: the next try in 1 s\n")
    # right away, even the right PIN waits (the count is in the PIN file: a new process sees it)
    soon = desk(url, "rooms", "export", "--out", str(tmp_path / "a.csv"), "--pin", "4711")
    assert soon.returncode == PIN_REFUSED and soon.stderr.startswith("desk: too many wrong PINs: try again in ")
    assert not (tmp_path / "a.csv").exists()


def test_changing_the_pin_needs_the_current_one(url):
    assert desk(url, "role", "set-pin", stdin="4711\n").returncode == 0
    assert desk(url, "role", "set-pin", stdin="1234\n").returncode == PIN_REFUSED
    assert desk(url, "role", "set-pin", "--pin", "4711", stdin="123\n").stderr == \
        "desk: the PIN must have at least 4 characters\n"
    assert desk(url, "role", "set-pin", "--pin", "4711", stdin="1234\n").returncode == 0
    assert PinStore().verify("1234").ok


def test_set_pin_on_a_terminal_asks_twice_without_echo(url):
    pid, fd = pty.fork()
    if pid == 0:  # the child: desk on a terminal of its own
        os.execv(sys.executable, [sys.executable, "-m", "desk", "--db", url, "role", "set-pin"])
    seen = b""

    def read_until(text: bytes) -> None:
        nonlocal seen
        while text not in seen:
            seen += os.read(fd, 1024)

    read_until(b"New organiser PIN: ")
    os.write(fd, b"2468\n")
    read_until(b"Repeat for confirmation: ")
    os.write(fd, b"2468\n")
    read_until(b"organiser PIN set")
    _pid, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    assert b"2468" not in seen  # never echoed
    assert PinStore().verify("2468").ok


def test_role_set_names_the_roles(url):
    assert desk(url, "role", "set", "door").stdout == "role: door\n"
    assert load_settings().role == "door"
    bad = desk(url, "role", "set", "boss")
    assert (bad.returncode, bad.stderr) == (1, "desk: role 'boss' is not one of desk, door, printing, organiser\n")


def test_another_desks_check_in_is_the_organisers_to_undo(url):
    assert desk(url, "role", "set-pin", stdin="4711\n").returncode == 0
    code = _ticket(url)
    assert json.loads(desk(url, "checkin", code, "--desk", "entrance-A", "--at", "2016-12-01T08:30").stdout)[
        "outcome"] == "welcome"
    refused = desk(url, "undo", code, "--desk", "entrance-B", "--at", "2016-12-01T08:31")
    assert refused.returncode == PIN_REFUSED
    assert "was made at entrance-A; another desk's check-in is the organiser's to undo." in refused.stderr
    assert json.loads(refused.stdout)["undone"] is None
    own = desk(url, "undo", code, "--desk", "entrance-A", "--at", "2016-12-01T08:32")  # one's own: free
    assert own.returncode == 0 and json.loads(own.stdout)["undone"]["desk"] == "entrance-A"
    desk(url, "checkin", code, "--desk", "entrance-A", "--at", "2016-12-01T08:33")
    by_organiser = desk(url, "undo", code, "--desk", "entrance-B", "--at", "2016-12-01T08:34", "--pin", "4711")
    assert by_organiser.returncode == 0 and json.loads(by_organiser.stdout)["undone"]["desk"] == "entrance-A"
