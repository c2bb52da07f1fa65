"""Award voting from the command line: import, open, cast (every outcome word), close, results,
and two processes casting the same person's ballot at once."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from desk.services.badges.codes import code_for, ensure_event_keys
from desk.services.checkin.entrance import check_in_registration
from desk.services.demo.event import EVENT_TZ, install_demo
from desk.store.checkins import count_scans
from desk.store.db import open_database

MANAGER = "2016 European Cluster Manager of the Year Award"
CHECKED_IN = dt.datetime(2016, 12, 1, 8, 30, tzinfo=EVENT_TZ)


def desk(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desk", "--db", url, *args], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=60)


def cast(url: str, code: str, award: str, finalist: str, at: str = "2016-12-01T11:00") -> dict:
    result = desk(url, "vote", "cast", code, award, finalist, "--at", at)
    assert result.returncode == 0, result.stderr  # the answer is in the JSON, as `desk checkin` does
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


@pytest.fixture
def event(db_path):
    """A database with the demo event, its keys, an awards file's awards (not opened) and people."""
    url = f"sqlite:///{db_path}"
    db = open_database(url)
    data = install_demo(db, dt.date(2016, 11, 30))
    keys = ensure_event_keys(db)
    day = CHECKED_IN.date()
    attendees = [r for r in data.registrations if r.is_attendee and day in (r.days or (day,))]
    voters = [r for r in attendees if r.category != "staff"][:3]
    staff = next(r for r in attendees if r.category == "staff")
    for r in (*voters[:2], staff):
        check_in_registration(db, r.registration_id, "entrance", CHECKED_IN)
    with db.begin() as session:
        scans = count_scans(session)
    people = {"voter": code_for(keys, voters[0].registration_id), "ticket": voters[1].ticket_code,
              "absent": voters[2].ticket_code, "staff": staff.ticket_code, "scans": scans}
    db.close()
    return url, people


def test_import_open_cast_close_and_results(event, tmp_path) -> None:
    url, people = event
    awards = tmp_path / "awards.csv"
    awards.write_text("award,finalist,description\n"
                      f"{MANAGER},Anneleen Peeters,Flanders\n"
                      f"{MANAGER},Małgorzata Wójcik,Silesia\n"
                      f"{MANAGER},,\n", encoding="utf-8")
    imported = desk(url, "awards", "import", str(awards))
    assert imported.returncode == 0
    assert imported.stdout.startswith("awards: 1 added; finalists: 2 added")
    assert imported.stderr.strip() == "row 4: finalist is empty"

    assert cast(url, people["voter"], "manager", "peeters")["outcome"] == "closed"  # not opened yet
    opened = desk(url, "vote", "open", "CLUSTER MANAGER", "--until", "2016-12-02T16:00", "--at", "2016-12-01T09:00")
    assert opened.returncode == 0
    assert opened.stdout.strip() == f"voting for {MANAGER} is open until 2016-12-02T16:00:00+01:00"

    counted = cast(url, people["voter"], "manager", "peeters")
    assert counted == {"outcome": "counted", "reason": f"Your vote for {MANAGER} is counted. Thank you.",
                       "award": MANAGER, "finalist": "Anneleen Peeters", "at": "2016-12-01T11:00:00+01:00"}
    assert "registration" not in json.dumps(counted)  # the answer names the choice, not the person
    assert cast(url, people["voter"], MANAGER, "Wójcik")["outcome"] == "already_voted"
    assert cast(url, people["ticket"], MANAGER, "wojcik")["outcome"] == "counted"
    absent = cast(url, people["absent"], MANAGER, "wojcik")
    assert absent["outcome"] == "not_eligible" and absent["reason"] == "Not checked in: only checked-in attendees vote."
    staff = cast(url, people["staff"], MANAGER, "wojcik")
    assert staff["outcome"] == "not_eligible" and staff["reason"] == "Staff do not vote."
    forged = people["voter"][:-4] + ("AAAA" if people["voter"][-4:] != "AAAA" else "BBBB")
    assert cast(url, forged, MANAGER, "wojcik")["outcome"] in ("forged", "not_readable")
    assert cast(url, "ECC2016-NOSUCHONE", MANAGER, "wojcik")["outcome"] == "unknown"
    assert cast(url, "\x01", MANAGER, "wojcik")["outcome"] == "not_readable"
    assert cast(url, people["ticket"], "Nobel", "wojcik")["outcome"] == "unknown_award"
    assert cast(url, people["ticket"], MANAGER, "Íñigo")["outcome"] == "unknown_finalist"

    assert desk(url, "vote", "close", "manager", "--at", "2016-12-01T12:00").returncode == 0
    assert cast(url, people["absent"], MANAGER, "wojcik", "2016-12-01T12:30")["outcome"] == "closed"

    db = open_database(url)
    with db.begin() as session:
        assert count_scans(session) == people["scans"]  # no vote left a line in the scan log
    db.close()

    text = desk(url, "awards", "results", "--tie-break", "earliest-ballot")
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines() == [
        "tie-break: earliest-ballot: among finalists tied for first place, the one that reached the tied "
        "count first wins",
        f"{MANAGER}: 2 voters, 2 ballots (ok)",
        "      1  Anneleen Peeters",
        "      1  Małgorzata Wójcik",
        "  winner: Anneleen Peeters (tied with Małgorzata Wójcik; settled by earliest-ballot)",
    ]
    drawn = json.loads(desk(url, "awards", "results", "--json", "--tie-break", "draw-seed", "2016").stdout)
    assert drawn["tie_break"].startswith("draw-seed 2016:")
    (award,) = drawn["awards"]
    assert award["voters"] == award["ballots"] == 2 and award["reconciled"]
    assert award["winner"] in ("Anneleen Peeters", "Małgorzata Wójcik")
    again = json.loads(desk(url, "awards", "results", "--json", "--tie-break", "draw-seed", "2016").stdout)
    assert again == drawn
    bad = desk(url, "awards", "results", "--tie-break", "draw-seed")
    assert bad.returncode == 1 and bad.stderr.strip() == "desk: --tie-break draw-seed needs its seed: --tie-break draw-seed N"


def test_two_processes_casting_one_ballot_count_it_once(event, tmp_path) -> None:
    url, people = event
    awards = tmp_path / "awards.json"
    awards.write_text(json.dumps([{"award": MANAGER, "finalist": "Anneleen Peeters", "description": ""}]))
    assert desk(url, "awards", "import", str(awards)).returncode == 0
    assert desk(url, "vote", "open", MANAGER, "--until", "2016-12-02T16:00", "--at", "2016-12-01T09:00").returncode == 0
    args = [sys.executable, "-m", "desk", "--db", url, "vote", "cast", people["ticket"], MANAGER, "Peeters",
            "--at", "2016-12-01T11:00"]
    both = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = sorted(json.loads(p.communicate(timeout=60)[0])["outcome"] for p in both)
    assert outcomes == ["already_voted", "counted"]
    result = json.loads(desk(url, "awards", "results", "--json", "--tie-break", "earliest-ballot").stdout)
    assert result["awards"][0]["voters"] == result["awards"][0]["ballots"] == 1
