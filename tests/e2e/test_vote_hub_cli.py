"""Award voting at two kiosks of one hub, from the command line: `desk sync` reports the kiosk's
ballots the hub counted and refused, and `desk awards results` reconciles at both kiosks and the hub."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from desk.services.checkin.entrance import check_in_registration
from desk.services.demo.event import EVENT_TZ, install_demo
from desk.store.db import open_database

pytestmark = pytest.mark.hub

MANAGER = "2016 European Cluster Manager of the Year Award"
CHECKED_IN = dt.datetime(2016, 12, 1, 8, 30, tzinfo=EVENT_TZ)
FIRST_LINE = re.compile(r"pushed \d+, pulled \d+ entries")


def desk(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desk", "--db", url, *args], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=60)


def sync(url: str) -> list[str]:
    result = desk(url, "sync")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert FIRST_LINE.fullmatch(lines[0]), lines
    return lines[1:]


def cast(url: str, code: str, finalist: str, at: str) -> str:
    result = desk(url, "vote", "cast", code, "manager", finalist, "--at", at)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["outcome"]


@pytest.fixture
def kiosks(pg_url, db_template, tmp_path):
    """Two station files (A with the demo event and two people checked in, B empty) and the hub's URL."""
    a_path, b_path = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    shutil.copyfile(db_template, a_path)
    shutil.copyfile(db_template, b_path)
    db = open_database(f"sqlite:///{a_path}")
    data = install_demo(db, dt.date(2016, 11, 30))
    day = CHECKED_IN.date()
    voters = [r for r in data.registrations if r.is_attendee and r.category != "staff" and r.ticket_code
              and day in (r.days or (day,))][:2]
    for r in voters:
        check_in_registration(db, r.registration_id, "entrance", CHECKED_IN)
    db.close()
    return f"sqlite:///{a_path}", f"sqlite:///{b_path}", pg_url, [r.ticket_code for r in voters]


def test_a_second_ballot_at_another_kiosk_is_refused_at_sync(kiosks, tmp_path) -> None:
    a, b, hub, (p, q) = kiosks
    ready = desk(a, "hub", "init", hub)
    assert ready.returncode == 0 and ready.stdout.strip() == f"hub ready: {hub}"
    for url, name in ((a, "kiosk A"), (b, "kiosk B")):
        assert desk(url, "hub", "join", hub, "--station", name).returncode == 0
    awards = tmp_path / "awards.csv"
    awards.write_text(f"award,finalist,description\n{MANAGER},Anneleen Peeters,Flanders\n"
                      f"{MANAGER},Małgorzata Wójcik,Silesia\n", encoding="utf-8")
    assert desk(a, "awards", "import", str(awards)).returncode == 0
    assert desk(a, "vote", "open", "manager", "--until", "2016-12-02T16:00", "--at", "2016-12-01T09:00").returncode == 0
    assert sync(a) == []  # no ballots involved: the first line only
    assert sync(b) == []  # B now holds the people, their check-ins and the open award

    # apart: the same person at both kiosks, and one more at B
    assert cast(a, p, "peeters", "2016-12-01T11:00") == "counted"
    assert cast(b, p, "wojcik", "2016-12-01T11:05") == "counted"
    assert cast(b, q, "wojcik", "2016-12-01T11:06") == "counted"

    assert sync(a) == ["ballots: 1 counted, 0 refused as second ballots (already_voted)"]
    assert sync(b) == ["ballots: 1 counted, 1 refused as second ballots (already_voted)"]
    assert sync(a) == []
    assert cast(b, p, "peeters", "2016-12-01T11:30") == "already_voted"

    for url in (a, b, hub):  # the kiosks and the hub's merged view
        shown = desk(url, "awards", "results", "--tie-break", "earliest-ballot")
        assert shown.returncode == 0, shown.stderr
        lines = shown.stdout.splitlines()
        assert f"{MANAGER}: 2 voters, 2 ballots (ok)" in lines
        assert "      1  Anneleen Peeters" in lines and "      1  Małgorzata Wójcik" in lines
