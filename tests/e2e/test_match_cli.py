"""The matchmaking commands as a person types them: import, schedule (text and JSON), publish, what-if."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from desk.cli import cli
from tests.services.match_files import write


def desk(db_path, *args: str, code: int = 0):
    """Run one desk command in-process and check its exit code."""
    done = CliRunner().invoke(cli, ["--db", f"sqlite:///{db_path}", *args], catch_exceptions=False)
    assert done.exit_code == code, (done.stdout, done.stderr)
    return done


def test_import_then_schedule_prints_the_exact_summary_and_reasons(db_path, tmp_path) -> None:
    paths = write(tmp_path)
    done = desk(db_path, "match", "import", *map(str, paths))
    assert done.stdout.splitlines() == [
        "participants.csv: 5 participants kept, 0 row(s) left out",
        "requests.csv: 7 requests kept, 0 row(s) left out",
        "slots.csv: 3 slots kept, 0 row(s) left out",
    ]
    done = desk(db_path, "match", "schedule", "--tables", "2", "--time-limit", "1")
    lines = done.stdout.splitlines()
    assert lines[0] == "held 5 of 7 requested, upper bound 5, optimal yes"
    # B has two free slots for three meetings, C three for four, D one for two: two meetings
    # stay out, and which two is the solver's free choice among equally good schedules. Each
    # line names the pair and an over-booked participant of that pair.
    over_booked = {"B", "C", "D"}
    assert len(lines) == 3
    pairs = set()
    for line in lines[1:]:
        found = re.fullmatch(r"unscheduled (\w) (\w): participant (\w) has more accepted meetings than free slots",
                             line)
        assert found, line
        requester, partner, who = found.groups()
        assert who in {requester, partner} & over_booked, line
        pairs.add((requester, partner))
    assert len(pairs) == 2
    assert re.fullmatch(r"held \d+ of \d+ requested, upper bound \d+, optimal (yes|no)", lines[0])


def test_schedule_json_is_one_object_with_the_contract_keys(db_path, tmp_path) -> None:
    desk(db_path, "match", "import", *map(str, write(tmp_path)))
    data = json.loads(desk(db_path, "match", "schedule", "--tables", "1", "--time-limit", "1", "--json").stdout)
    assert set(data) == {"held", "requested", "upper_bound", "optimal", "meetings", "unscheduled"}
    assert (data["held"], data["requested"], data["upper_bound"], data["optimal"]) == (3, 7, 3, True)
    assert all(set(m) == {"requester", "partner", "slot", "table"} and m["table"] == 1 for m in data["meetings"])
    assert all(set(u) == {"requester", "partner", "reason"} for u in data["unscheduled"])
    assert len(data["meetings"]) + len(data["unscheduled"]) == 7


def test_import_errors_name_the_file_and_line_and_exit_non_zero(db_path, tmp_path) -> None:
    paths = write(tmp_path, participants="participant_id,organisation,available\nA,One,\nB,Two,6-1\nA,Three,\n",
                  rooms="room,capacity\nEuropa,300\n")
    done = desk(db_path, "match", "import", *map(str, paths), code=2)
    assert done.stdout.splitlines()[0] == "participants.csv: 1 participants kept, 2 row(s) left out"
    errors = done.stderr.splitlines()
    assert "  participants.csv line 3: range 6-1 in available runs backwards (write 1-6)" in errors
    assert "  participants.csv line 4: participant A is already on row 2" in errors
    assert any(e.startswith("desk: rooms.csv: refused: the columns (room, capacity) are not a matchmaking file")
               for e in errors)


def test_publish_reschedule_and_tables_needed(db_path, tmp_path) -> None:
    desk(db_path, "match", "import", *map(str, write(tmp_path)))
    desk(db_path, "match", "publish", code=1)  # nothing to publish yet
    desk(db_path, "match", "schedule", "--tables", "2", "--time-limit", "1")
    assert desk(db_path, "match", "publish").stdout == "schedule version 1 published\n"
    done = desk(db_path, "match", "schedule", "--time-limit", "1")
    assert done.stdout.splitlines()[0] == "held 5 of 7 requested, upper bound 5, optimal yes"
    assert "same as published version 1: nothing to reprint" in done.stderr
    done = desk(db_path, "match", "tables-needed", "--time-limit", "1")
    assert done.stdout == "2 tables hold all 5 meetings that can be held (proven)\n"


def test_demo_installs_the_ecc_sized_instance(db_path) -> None:
    desk(db_path, "demo", "--start", "2016-11-30")
    line = desk(db_path, "match", "demo").stdout
    assert line.startswith("demo matchmaking on 2016-11-30: 100 participants (")
    assert line.endswith("300 accepted requests, 16 slots, 20 tables\n")
