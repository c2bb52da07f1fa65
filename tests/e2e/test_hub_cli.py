"""Stations and their hub from the command line, as a person runs them: desk hub init|join|status,
desk sync and desk duplicates on real SQLite stations and a real PostgreSQL hub."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.engine import make_url

from desk.cli import cli
from desk.core.attendees import Status
from desk.services.demo.event import install_demo
from desk.store.db import open_database
from desk.store.registrations import search_registrations

pytestmark = pytest.mark.hub

SYNC_LINE = re.compile(r"pushed (\d+), pulled (\d+) entries")
DEAD_HUB = "postgresql+psycopg://postgres@127.0.0.1:1/nohub"
CONF1 = dt.date(2016, 12, 1)


def _url(path) -> str:
    return str(path) if "://" in str(path) else f"sqlite:///{path}"


def desk(path, *args: str, ok: bool = True) -> Result:
    """Run one desk command in-process (the same click group the console script runs)."""
    done = CliRunner().invoke(cli, ["--db", _url(path), *args], catch_exceptions=False)
    if ok:
        assert done.exit_code == 0, done.stderr
    return done


def desk_process(path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    """Run one desk command as its own process, as a person at a desk does."""
    url = _url(path)
    result = subprocess.run([sys.executable, "-m", "desk", "--db", url, *args], capture_output=True, text=True,
                            env=os.environ.copy(), timeout=60)
    if ok:
        assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def synced(path, *, process: bool = False) -> tuple[int, int]:
    out = (desk_process if process else desk)(path, "sync").stdout.strip()
    found = SYNC_LINE.fullmatch(out)
    assert found, out
    return int(found[1]), int(found[2])


def content(path) -> dict[str, list[tuple]]:
    """Every row of every table of a station's file (its content, whatever the file's bytes)."""
    with contextlib.closing(sqlite3.connect(path)) as conn:  # closed at once, not when collected
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}


def point_at(path, hub_url: str) -> None:
    """The station's hub address as stored by `desk hub join` (the hub moved, or died)."""
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE hub_station SET hub_url = ?", (hub_url,))


@pytest.fixture
def stations(tmp_path, db_template, pg_url):
    """Station A holding the demo event, station B fresh, and an empty PostgreSQL database for the hub."""
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    shutil.copyfile(db_template, a)
    shutil.copyfile(db_template, b)
    db = open_database(f"sqlite:///{a}")
    install_demo(db, dt.date(2016, 11, 30))
    with db.begin() as session:
        people = [r for r in search_registrations(session) if r.status is Status.VALIDATED and CONF1 in r.days]
    db.close()
    return a, b, pg_url, people


def test_hub_init_hides_the_password_and_join_names_the_station(tmp_path, db_path, pg_url) -> None:
    with_password = make_url(pg_url).set(password="s3cret-word").render_as_string(hide_password=False)
    ready = desk_process(db_path, "hub", "init", with_password)
    assert ready.stdout.strip() == f"hub ready: {make_url(with_password).render_as_string(hide_password=True)}"
    assert "s3cret-word" not in ready.stdout + ready.stderr
    again = desk(db_path, "hub", "init", pg_url)  # a prepared hub is simply ready again
    assert again.stdout.strip() == f"hub ready: {pg_url}"
    joined = desk(db_path, "hub", "join", pg_url, "--station", "entrance-A")
    assert joined.stdout.startswith(f"station 'entrance-A' joined the hub {pg_url}")
    assert SYNC_LINE.fullmatch(desk(db_path, "sync").stdout.strip())
    dead = desk_process(db_path, "hub", "join", DEAD_HUB, "--station", "entrance-A", ok=False)
    assert dead.returncode == 1 and dead.stderr.startswith("hub unreachable: ")


def test_sync_status_duplicates_and_a_dead_hub(stations) -> None:
    a, b, hub, people = stations
    p1, p2, p3 = people[:3]
    assert desk(a, "hub", "init", hub).stdout.strip() == f"hub ready: {hub}"
    desk(a, "hub", "join", hub, "--station", "entrance-A")
    desk(b, "hub", "join", hub, "--station", "entrance-B")
    pushed, pulled = synced(a)  # the event and its registrations go to the hub ...
    assert pushed > len(people) and pulled == 0
    assert synced(b) == (0, pushed)  # ... and from it to the other station
    assert synced(a) == (0, 0)
    welcome = json.loads(desk(b, "checkin", p3.ticket_code, "--desk", "B1", "--at", "2016-12-01T08:00").stdout)
    assert welcome["outcome"] == "welcome"  # B knows the people it pulled

    status = json.loads(desk(a, "hub", "status", "--json").stdout)
    assert status["reachable"] is True and status["station"]["name"] == "entrance-A"
    by_name = {s["name"]: s for s in status["stations"]}
    assert set(by_name) == {"entrance-A", "entrance-B"}
    assert all(s["last_contact"] is not None for s in by_name.values())
    assert by_name["entrance-A"]["to_push"] == 0 and by_name["entrance-A"]["to_pull"] == 0
    assert by_name["entrance-B"]["to_push"] == 0  # what B did since its sync the hub does not know yet
    text = desk(a, "hub", "status").stdout.splitlines()
    assert text[0] == f"hub {hub}: reachable"
    assert any(line.strip().startswith("entrance-B: last contact ") for line in text[2:])

    assert desk(a, "duplicates").stdout.strip() == "no duplicate entries"
    assert json.loads(desk(a, "duplicates", "--json").stdout) == []

    # the hub goes away: both stations go on checking people in
    point_at(a, DEAD_HUB)
    point_at(b, DEAD_HUB)
    first = {}
    for station, who, name, at in ((a, p1, "A1", "08:30"), (b, p2, "B1", "08:31"),
                                   (b, p1, "B1", "08:40"), (a, p2, "A1", "08:41")):
        answer = json.loads(desk_process(station, "checkin", who.ticket_code, "--desk", name,
                                 "--at", f"2016-12-01T{at}").stdout)
        assert answer["outcome"] == "welcome"  # neither knows what the other did
        first.setdefault(who.registration_id, (name, at))
    before = content(a)
    down = desk_process(a, "sync", ok=False)
    assert down.returncode == 1 and down.stdout == ""
    assert down.stderr.startswith("hub unreachable: ") and len(down.stderr.strip().splitlines()) == 1
    assert content(a) == before  # the station's data is untouched
    gone = desk(a, "hub", "status", "--json", ok=False)
    assert gone.exit_code == 1 and json.loads(gone.stdout)["reachable"] is False

    # the hub is back: two rounds each and both stations agree
    point_at(a, hub)
    point_at(b, hub)
    assert synced(a, process=True) == (4, 0)  # two check-ins and their two scans
    assert synced(b) == (6, 4)  # and B's, with the check-in made before the hub went away
    behind = json.loads(desk(a, "hub", "status", "--json").stdout)
    assert {s["name"]: s["to_pull"] for s in behind["stations"]} == {"entrance-A": 6, "entrance-B": 0}
    assert synced(a) == (0, 6)
    assert synced(b) == (0, 0)
    for station in (a, b):
        found = json.loads(desk(station, "duplicates", "--json").stdout)
        assert sorted(d["registration_id"] for d in found) == sorted([p1.registration_id, p2.registration_id])
        for d in found:
            assert [c["station"] for c in d["checkins"]] in (["entrance-A", "entrance-B"], ["entrance-B", "entrance-A"])
            assert all(dt.datetime.fromisoformat(c["at"]).tzinfo is not None for c in d["checkins"])
        text = desk(station, "duplicates").stdout.splitlines()
        assert len(text) == 2 and all("Duplicate entry: " in line for line in text)
        # the next scan names the first check-in, from whichever station it came
        for who in (p1, p2):
            again = json.loads(desk(station, "checkin", who.ticket_code, "--desk", "X",
                                    "--at", "2016-12-01T10:00").stdout)
            desk_name, at = first[who.registration_id]
            assert again["outcome"] == "already_in"
            assert again["first_checkin"] == {"desk": desk_name, "at": f"2016-12-01T{at}:00+01:00",
                                              "station": {"A1": "entrance-A", "B1": "entrance-B"}[desk_name]}
            assert f"at {desk_name} (entrance-" in again["reason"]
            assert again["duplicate"].startswith("Duplicate entry: ")
    status = json.loads(desk(b, "hub", "status", "--json").stdout)
    assert {s["name"]: s["to_push"] for s in status["stations"]} == {"entrance-A": 0, "entrance-B": 0}
    assert status["station"]["to_push"] == 2  # B's last scans, made after its last sync


def test_sync_needs_a_hub_and_says_so(db_path, pg_url) -> None:
    alone = desk(db_path, "sync", ok=False)
    assert alone.exit_code == 1 and "desk hub join" in alone.stderr
    secret = make_url(pg_url).set(password="s3cret-word").render_as_string(hide_password=False)
    not_yet = desk(db_path, "hub", "join", secret, "--station", "entrance-A", ok=False)  # never prepared
    assert not_yet.exit_code == 1 and "is not a desk hub yet: run `desk hub init" in not_yet.stderr
    sqlite_hub = desk(db_path, "hub", "init", f"sqlite:///{db_path}", ok=False)
    assert sqlite_hub.exit_code == 1 and "a hub is a PostgreSQL database" in sqlite_hub.stderr
    missing = desk(db_path, "hub", "init", make_url(secret).set(database="desk_no_such_hub").render_as_string(
        hide_password=False), ok=False)
    assert missing.exit_code == 1 and missing.stderr.startswith("hub unreachable: ")
    desk(db_path, "hub", "init", secret)
    desk(db_path, "hub", "join", secret, "--station", "entrance-A")
    shown = desk(db_path, "hub", "status").stdout + desk(db_path, "hub", "status", "--json").stdout
    for out in (not_yet.stderr, missing.stderr, shown):
        assert "s3cret-word" not in out  # the hub's password is never shown
    assert json.loads(desk(db_path, "hub", "status", "--json").stdout)["hub"] == make_url(secret).render_as_string()


def test_a_laptop_set_up_from_a_copied_station_file_becomes_a_station_of_its_own(stations, tmp_path) -> None:
    a, _, hub, people = stations
    desk(a, "hub", "init", hub)
    desk(a, "hub", "join", hub, "--station", "entrance-A")
    synced(a)
    copy = tmp_path / "copy.sqlite"
    for suffix in ("", "-wal", "-shm"):  # a laptop set up by copying entrance-A's file
        if (a.parent / f"{a.name}{suffix}").exists():
            (tmp_path / f"copy.sqlite{suffix}").write_bytes((a.parent / f"{a.name}{suffix}").read_bytes())
    desk(copy, "hub", "join", hub, "--station", "entrance-C")
    desk(a, "checkin", people[0].ticket_code, "--desk", "A1", "--at", "2016-12-01T08:30")
    desk(copy, "checkin", people[1].ticket_code, "--desk", "C1", "--at", "2016-12-01T08:31")
    assert synced(a) == (2, 0)
    assert synced(copy) == (2, 2)  # its own two entries go up, entrance-A's two come down
    assert synced(a) == (0, 2)
    status = json.loads(desk(a, "hub", "status", "--json").stdout)
    assert sorted(s["name"] for s in status["stations"]) == ["entrance-A", "entrance-C"]
    ids = {s["name"]: s["station"] for s in status["stations"]}
    assert ids["entrance-A"] != ids["entrance-C"]
    for path in (a, copy):  # both laptops know both check-ins: nothing lost, nothing refused
        answers = [json.loads(desk(path, "checkin", p.ticket_code, "--desk", "X", "--at", "2016-12-01T09:00").stdout)
                   for p in people[:2]]
        assert [x["outcome"] for x in answers] == ["already_in", "already_in"]
    # opened again where it lives, the copy keeps its new id
    assert json.loads(desk(copy, "hub", "status", "--json").stdout)["station"]["station"] == ids["entrance-C"]
