"""The rooms commands as a person types them: door, rooms status, programme import, export."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from desk.cli import cli


def desk(db_path, *args: str, ok: bool = True):
    """Run one desk command in-process (the same click group the console script runs)."""
    done = CliRunner().invoke(cli, ["--db", f"sqlite:///{db_path}", *args], catch_exceptions=False)
    if ok:
        assert done.exit_code == 0, done.stderr
    return done


@pytest.fixture
def event(db_path):
    desk(db_path, "demo", "--start", "2016-11-30")
    desk(db_path, "programme", "demo")
    people = json.loads(desk(db_path, "attendees", "--json").stdout)
    return db_path, [p["ticket_code"] for p in people]


def test_the_console_script_prints_one_json_object(event) -> None:
    db_path, codes = event
    done = subprocess.run([sys.executable, "-m", "desk", "--db", f"sqlite:///{db_path}", "door", "Europa", codes[0],
                           "--at", "2016-12-01T11:00"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outcome"] == "not_checked_in"


def test_door_then_status(event) -> None:
    db_path, codes = event
    first = json.loads(desk(db_path, "door", "Botanique", codes[0], "--at", "2016-12-01T11:00").stdout)
    assert first["outcome"] == "not_checked_in" and first["occupancy"] == 1
    out = json.loads(desk(db_path, "door", "Botanique", codes[0], "--exit", "--at", "2016-12-01T11:20").stdout)
    assert out["outcome"] == "left" and out["occupancy"] == 0
    desk(db_path, "door", "Europa", codes[1], "--at", "2016-12-01T11:00")
    status = json.loads(desk(db_path, "rooms", "status", "--at", "2016-12-01T11:30", "--json").stdout)
    assert [sorted(r) for r in status] == [["capacity", "free", "next", "occupancy", "room", "session"]] * 5
    europa = next(r for r in status if r["room"] == "Europa")
    assert (europa["occupancy"], europa["free"], europa["capacity"]) == (1, 79, 80)
    assert europa["session"].endswith("Cross-sectoral value-chain linkages")
    text = desk(db_path, "rooms", "status", "--at", "2016-12-01T11:30").stdout
    assert "Europa\t1/80\t79 free" in text


def test_full_room_answers_with_a_redirect(event) -> None:
    db_path, codes = event
    desk(db_path, "rooms", "headcount", "Botanique", "40", "--at", "2016-12-01T11:00")
    out = json.loads(desk(db_path, "door", "Botanique", codes[0], "--at", "2016-12-01T11:01").stdout)
    assert out["outcome"] == "room_full" and out["occupancy"] == 40
    assert out["redirect"]["room"] == "Europa"


def test_import_reports_bad_rows_and_exports(event, tmp_path) -> None:
    db_path, _codes = event
    bad = tmp_path / "rooms.csv"
    bad.write_text("room,capacity\nHall,-3\n", encoding="utf-8")
    done = desk(db_path, "programme", "import", str(bad), ok=False)
    assert done.exit_code == 2 and "row 2: capacity must be at least 1, got -3" in done.stderr
    assert desk(db_path, "rooms", "export", "--out", str(tmp_path / "a.xlsx")).stdout.startswith("attendance written")
    missing = tmp_path / "no-such-folder" / "a.csv"
    done = desk(db_path, "rooms", "export", "--out", str(missing), ok=False)
    assert done.exit_code == 1 and done.stderr == f"desk: cannot use {missing}: No such file or directory\n"
    done = desk(db_path, "door", "Kitchen", "X", ok=False)
    assert done.exit_code == 1 and "no room 'Kitchen'" in done.stderr


def test_wrong_day_policy_per_event_and_per_room(event) -> None:
    db_path, _codes = event
    people = json.loads(desk(db_path, "attendees", "--json").stdout)
    day2 = [p["ticket_code"] for p in people if p.get("days") == ["2016-12-02"] and p["status"] == "validated"]
    out = json.loads(desk(db_path, "door", "Europa", day2[0], "--at", "2016-12-01T11:00").stdout)
    assert (out["outcome"], out["recorded"], out["occupancy"]) == ("wrong_day", True, 1)  # warn: the default
    done = desk(db_path, "rooms", "policy", "--event", "refuse", "--wrong-day")
    assert done.stdout == "every door: on the wrong day, refuse (unless its room says otherwise)\n"
    out = json.loads(desk(db_path, "door", "Atrium", day2[1], "--at", "2016-12-01T11:01").stdout)
    assert (out["outcome"], out["recorded"], out["occupancy"]) == ("wrong_day", False, 0)
    assert out["reason"] == "Registered for Fri 02 Dec, not for Thu 01 Dec. Not let in: send them to the registration desk."
    assert desk(db_path, "rooms", "policy", "Atrium", "warn", "--wrong-day").stdout == "Atrium: on the wrong day, warn\n"
    out = json.loads(desk(db_path, "door", "Atrium", day2[1], "--at", "2016-12-01T11:02").stdout)
    assert (out["outcome"], out["recorded"]) == ("wrong_day", True)
    assert desk(db_path, "rooms", "policy", "Atrium", "event", "--wrong-day").stdout == "Atrium: on the wrong day, as the event\n"
    # the full-room policy keeps its form; bad input is a sentence, not a traceback
    assert desk(db_path, "rooms", "policy", "Atrium", "warn").stdout == "Atrium: when full, warn\n"
    done = desk(db_path, "rooms", "policy", "Atrium", "event", ok=False)
    assert done.exit_code == 2 and "POLICY must be refuse or warn, not 'event'" in done.stderr
    done = desk(db_path, "rooms", "policy", "Atrium", "--event", "refuse", "--wrong-day", ok=False)
    assert done.exit_code == 2 and "give POLICY only with --event" in done.stderr
    done = desk(db_path, "rooms", "policy", "Kitchen", "refuse", "--wrong-day", ok=False)
    assert done.exit_code == 1 and "no room 'Kitchen'" in done.stderr
