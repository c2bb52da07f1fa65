"""An event far from Brussels: check-in, door and matchmaking decide on the event's own clock.

The event is created in the test database (not the demo) in America/Sao_Paulo (UTC-2 in
December 2016, summer time then) or Asia/Tokyo (UTC+9); its registrations, programme and
matchmaking files are imported as an organiser would, with naive local times. Everything
happens around local midnight between the two event days, where a wrong zone shows at once.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from desk.cli import cli
from desk.core.attendees import Event
from desk.services.checkin.checklist import write_checklist
from desk.services.checkin.entrance import desk_status
from desk.services.matchmaking import day as match_day
from desk.store import registrations as repo
from desk.store.db import open_database

D1, D2 = dt.date(2016, 12, 1), dt.date(2016, 12, 2)
HEADER = "registration_id,status,first_name,last_name,email,organisation,country,category,days,ticket_code,updated_at"
REGISTRATIONS = "\n".join([
    HEADER,
    "R-1,validated,Ana,Souza,ana@example.br,Cluster Uno,BR,cluster practitioner,2016-12-01,T-DAY1,2016-10-01T09:00:00Z",
    "R-2,validated,Kenji,Sato,ks@example.jp,Cluster Dos,JP,cluster practitioner,2016-12-02,T-DAY2,2016-10-01T09:00:00Z",
    "R-3,validated,Lúcia,Ferreira,lf@example.br,Cluster Tres,BR,speaker,,T-BOTH,2016-10-01T09:00:00Z",
]) + "\n"
PROGRAMME = json.dumps({
    "rooms": [{"room": "Sala Lua", "capacity": 30}],
    "sessions": [
        {"title": "Night talk", "priority_area": "", "topic": "", "room": "Sala Lua",
         "start": "2016-12-01T23:00", "end": "2016-12-01T23:59"},
        {"title": "Midnight session", "priority_area": "", "topic": "", "room": "Sala Lua",
         "start": "2016-12-02T00:00", "end": "2016-12-02T01:00"},
    ]})
PARTICIPANTS = """participant_id,organisation,name,country,registration_id,available
A,Cluster Tres,Lúcia Ferreira,BR,R-3,
B,Cluster Quatro,Bruno Lima,BR,,
C,Cluster Cinco,Yuki Tanaka,JP,,
"""
REQUESTS = "requester,partner,priority\nA,B,\nA,C,\n"
SLOTS = "slot,start,end\n1,2016-12-01T23:30,2016-12-01T23:50\n2,2016-12-02T00:00,2016-12-02T00:20\n"


def desk(url: str, *args: str, code: int = 0):
    """Run one desk command in-process (the console script's click group) and check its exit code."""
    done = CliRunner().invoke(cli, ["--db", url, *args], catch_exceptions=False)
    assert done.exit_code == code, (done.stdout, done.stderr)
    return done


def local(zone: str, day: dt.date, clock: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(clock), tzinfo=ZoneInfo(zone))


@pytest.fixture(params=[("America/Sao_Paulo", "sqlite"), ("Asia/Tokyo", "sqlite"), ("Asia/Tokyo", "postgresql")],
                ids=["sao-paulo", "tokyo", "tokyo-postgresql"])
def event(request, tmp_path):
    zone, backend = request.param
    url = (f"sqlite:///{request.getfixturevalue('db_path')}" if backend == "sqlite"
           else request.getfixturevalue("pg_url"))
    db = open_database(url)
    with db.begin() as session:
        repo.save_event(session, Event("Cluster Days", "Centro de Convenções", (D1, D2), 120, 2, timezone=zone))
    db.close()
    texts = {"people.csv": REGISTRATIONS, "programme.json": PROGRAMME, "participants.csv": PARTICIPANTS,
             "requests.csv": REQUESTS, "slots.csv": SLOTS}
    files = {name: tmp_path / name for name in texts}
    for name, path in files.items():
        path.write_text(texts[name], encoding="utf-8")
    desk(url, "import", str(files["people.csv"]))
    desk(url, "programme", "import", str(files["programme.json"]))
    desk(url, "match", "import", *(str(files[n]) for n in ("participants.csv", "requests.csv", "slots.csv")))
    return zone, url


def checkin(url, code: str, at: str, status: int = 0) -> dict:
    return json.loads(desk(url, "checkin", code, "--desk", "Entrada", "--at", at, code=status).stdout)


def test_a_checkin_at_23_50_and_at_00_10_land_on_the_local_days(event, tmp_path) -> None:
    zone, url = event
    offset = local(zone, D1, "23:50").strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}"
    late = checkin(url, "T-DAY1", "2016-12-01T23:50")  # naive --at: the event's local time
    assert (late["outcome"], late["day"], late["at"]) == ("welcome", "2016-12-01", f"2016-12-01T23:50:00{offset}")
    after = checkin(url, "T-DAY1", "2016-12-02T00:10")
    assert (after["outcome"], after["day"]) == ("wrong_day", "2016-12-02")
    assert after["reason"] == "Registered for Thu 01 Dec, not for Fri 02 Dec."
    assert checkin(url, "T-DAY2", "2016-12-02T00:10")["outcome"] == "welcome"
    assert checkin(url, "T-DAY2", "2016-12-01T23:59")["outcome"] == "wrong_day"

    # every day holder: in on day 1 at 23:50, in again on day 2 at 00:10, then already in
    assert checkin(url, "T-BOTH", "2016-12-01T23:50")["outcome"] == "welcome"
    assert checkin(url, "T-BOTH", "2016-12-02T00:10")["outcome"] == "welcome"
    again = checkin(url, "T-BOTH", "2016-12-02T00:30")
    assert again["outcome"] == "already_in"
    assert again["first_checkin"]["at"] == f"2016-12-02T00:10:00{offset}"
    assert again["reason"] == "Already checked in at 00:10 at Entrada."
    # an --at with its own offset is taken as given: 23:50 local written in UTC
    utc = local(zone, D1, "23:55").astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M+00:00")
    assert checkin(url, "T-DAY2", utc)["outcome"] == "wrong_day"

    # the desk's counters and arrivals per 10 minutes are the local day's
    db = open_database(url)
    try:
        status = desk_status(db, local(zone, D2, "00:35"))
        assert (status.counters.checked_in, status.counters.expected) == (2, 2)
        assert [(b.start.strftime("%d %H:%M"), b.count) for b in status.arrivals] == [
            ("02 00:10", 2), ("02 00:20", 0), ("02 00:30", 0)]
        assert status.recent[0].at.astimezone(status.tz).strftime("%d %H:%M") == "02 00:30"  # the latest scan
        # the paper checklist printed ten minutes after local midnight is day 2's
        written = write_checklist(db, tmp_path / "list.pdf", now=local(zone, D2, "00:10"))
        assert (written.day, written.attendees) == (D2, 2)
        assert write_checklist(db, tmp_path / "list1.pdf", now=local(zone, D1, "23:50")).day == D1
    finally:
        db.close()


def test_the_door_follows_the_sessions_on_either_side_of_midnight(event) -> None:
    zone, url = event
    for code, at in (("T-DAY1", "2016-12-01T23:20"), ("T-BOTH", "2016-12-01T23:20"), ("T-DAY2", "2016-12-02T00:05"),
                     ("T-BOTH", "2016-12-02T00:05")):
        assert checkin(url, code, at)["outcome"] == "welcome"

    night = json.loads(desk(url, "rooms", "status", "--at", "2016-12-01T23:40", "--json").stdout)
    assert (night[0]["session"], night[0]["next"]) == ("Night talk", "Midnight session")
    entered = json.loads(desk(url, "door", "Sala Lua", "T-DAY1", "--at", "2016-12-01T23:45").stdout)
    assert (entered["outcome"], entered["occupancy"]) == ("entered", 1)
    shown = desk(url, "rooms", "status", "--at", "2016-12-01T23:45").stdout
    assert "Sala Lua\t1/30\t29 free\tNight talk (23:00-23:59)\tnext: Fri 00:00 Midnight session" in shown

    # ten minutes after local midnight: the next session and the next day
    late = json.loads(desk(url, "door", "Sala Lua", "T-DAY1", "--at", "2016-12-02T00:10").stdout)
    assert late["outcome"] == "wrong_day" and late["reason"].startswith("Registered for Thu 01 Dec")
    ok = json.loads(desk(url, "door", "Sala Lua", "T-DAY2", "--at", "2016-12-02T00:10").stdout)
    assert ok["outcome"] == "entered"
    status = json.loads(desk(url, "rooms", "status", "--at", "2016-12-02T00:15", "--json").stdout)
    assert status[0]["session"] == "Midnight session"
    # the count starts again with the local day: day 1's entry is not in it
    assert status[0]["occupancy"] == 2  # T-DAY1 (let in with a warning) and T-DAY2, both after midnight


def test_a_matchmaking_round_after_local_midnight(event) -> None:
    zone, url = event
    schedule = json.loads(desk(url, "match", "schedule", "--tables", "1", "--time-limit", "5", "--json").stdout)
    assert schedule["held"] == 2
    assert desk(url, "match", "publish").exit_code == 0
    db = open_database(url)
    try:
        at = local(zone, D2, "00:05")
        state = match_day.day_state(db, at)
        rounds = sorted(state.slots, key=lambda s: s.start)
        # the slots' naive times were read on the event's clock
        assert [(s.start.astimezone(ZoneInfo(zone)).strftime("%d %H:%M"), s.number) for s in rounds] == [
            ("01 23:30", 1), ("02 00:00", 2)]
        phase = match_day.round_state(state.slots, at)
        assert (phase.phase, phase.slot.number) == ("round", 2)
        assert match_day.round_state(state.slots, local(zone, D1, "23:55")).phase == "break"

        # A arrived on day 1 before midnight: not present on day 2 until scanned again
        match_day.mark_present(db, "A", local(zone, D1, "23:35"), "match-desk")
        assert "A" not in match_day.day_state(db, at).present
        answer = match_day.scan_presence(db, "T-BOTH", at, "match-desk", keys={})
        assert answer.ok and answer.slot.number == 2
        assert re.search(r"table 1 with Cluster (Quatro|Cinco), round 2, on now until 00:20$", answer.reason), \
            answer.reason
        assert "A" in match_day.day_state(db, at).present
    finally:
        db.close()


def test_an_unknown_zone_is_said_in_one_line_and_nothing_is_stored(db_path) -> None:
    url = f"sqlite:///{db_path}"
    db = open_database(url)
    with db.begin() as session:
        repo.save_event(session, Event("Cluster Days", "Olympus", (D1, D2), timezone="Mars/Olympus_Mons"))
    db.close()
    done = desk(url, "checkin", "T-1", "--at", "2016-12-01T08:00", code=1)
    assert done.stderr.splitlines() == ["desk: the event's time zone 'Mars/Olympus_Mons' is not a known zone: "
                                        "set it with desk event edit --timezone, or give --at with its offset"]
    done = desk(url, "checkin", "T-1", "--at", "2016-12-01T08:00+00:00", code=1)
    assert done.stderr.startswith("desk: 'Mars/Olympus_Mons' is not a known time zone") and done.stdout == ""
    db = open_database(url)
    try:
        with db.begin() as session:
            assert session.execute(text("SELECT count(*) FROM scan_log")).scalar() == 0
    finally:
        db.close()
