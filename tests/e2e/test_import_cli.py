"""`desk import` and `desk attendees` as a person runs them: the real console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services.feedserver import FeedServer, make_registration
from tests.event_helpers import db_path_with_event  # noqa: F401 - fixtures: the databases hold an event


DESK = Path(sys.executable).with_name("desk")
CORPUS = Path(__file__).parents[1] / "fixtures" / "import"
HEADER = "registration_id,status,first_name,last_name,email,organisation,country,category,days,ticket_code,updated_at"


def desk(db_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run desk in this process (the console script's own code path, minus the start-up)."""
    from click.testing import CliRunner

    import desk.cli

    result = CliRunner().invoke(desk.cli.cli, ["--db", f"sqlite:///{db_path}", *args], prog_name="desk")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def desk_script(db_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed `desk` console script in its own process."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([str(DESK), "--db", f"sqlite:///{db_path}", *args], capture_output=True, text=True,
                          encoding="utf-8", env=env, timeout=60, check=False)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "export.csv"
    path.write_text("\n".join([
        HEADER + ",passport_number",
        "C-1,validated,Łukasz,Wójcik,lw@example.eu,Łódź Cluster Sp. z o.o.,PL,speaker,2016-11-30,T1,"
        "2016-10-01T09:00:00Z,P1",
        "C-2,validated,Anna,Müller,am@example.eu,Lodz Cluster,pl,cluster practitioner,2016-11-30|2016-12-01,T2,"
        "2016-10-01T09:00:00Z,P2",
        'C-3,validated,João,São Paulo,"js@example.eu",LODZ CLUSTER SP Z OO,Portugal,press,2016-12-01,T3,'
        "2016-10-01T09:00:00Z,P3",
        "C-4,waitlisted,Eva,Novák,en@example.eu,Org,CZ,staff,2016-11-30,T4,2016-10-01T09:00:00Z,P4",
        "C-5,pending,Karl,Maier,km@example.eu,Org 5,AT,staff,2016-11-30,T5,2016-10-01T09:00:00Z,P5",
    ]) + "\n", encoding="utf-8")
    return path


def test_console_script_prints_summary_bad_rows_flags_and_exits_0(db_path, export):
    run = desk_script(db_path, "import", str(export))

    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "format: desk",
        "added 4, updated 0, unchanged 0, rejected 1 rows",
        "row 5: unknown status 'waitlisted' (expected validated, pending, rejected or cancelled)",
        "flag: Łódź Cluster Sp. z o.o.: 3 validated people, at most 2 per organisation (C-1, C-2, C-3)",
    ]
    # the columns left aside are said too, on stderr, so stdout stays the report's contract
    assert "not stored (desk does not use them): passport_number" in run.stderr
    again = desk(db_path, "import", str(export))
    assert again.stdout.splitlines()[:2] == ["format: desk", "added 0, updated 0, unchanged 4, rejected 1 rows"]


@pytest.mark.parametrize(("query", "found"), [("lodz", ["C-1", "C-2", "C-3"]), ("muller", ["C-2"]),
                                              ("sao", ["C-3"]), ("WÓJCIK", ["C-1"]), ("maier", [])])
def test_attendees_search_ignores_case_and_accents(db_path, export, query, found):
    assert desk(db_path, "import", str(export)).returncode == 0

    run = desk(db_path, "attendees", "--search", query, "--json")

    assert run.returncode == 0, run.stderr
    items = json.loads(run.stdout)
    assert sorted(i["registration_id"] for i in items) == found


def test_attendees_json_fields(db_path, export):
    desk(db_path, "import", str(export))

    items = json.loads(desk(db_path, "attendees", "--search", "muller", "--json").stdout)

    assert items == [{
        "registration_id": "C-2", "first_name": "Anna", "last_name": "Müller", "email": "am@example.eu",
        "organisation": "Lodz Cluster", "country": "PL", "category": "cluster_practitioner",
        "status": "validated", "days": ["2016-11-30", "2016-12-01"], "ticket_code": "T2",
    } | {k: v for k, v in items[0].items() if k not in {
        "registration_id", "first_name", "last_name", "email", "organisation", "country", "category", "status",
        "days", "ticket_code"}}]


@pytest.mark.parametrize(("name", "reason"), [
    ("missing_required_column.csv", "desk: missing_required_column.csv, line 1: not a registration export"),
    ("empty.csv", "desk: empty.csv is empty: no header row"),
    ("binary_renamed.csv", "desk: the file is not a text table"),
    ("not_a_zip.xlsx", "desk: not_a_zip.xlsx is not a valid XLSX file"),
    ("nowhere.csv", "desk: file not found: "),
])
def test_unreadable_source_exits_non_zero_with_one_line_and_changes_nothing(db_path, export, name, reason):
    desk(db_path, "import", str(export))
    before = desk(db_path, "attendees", "--json").stdout

    run = desk(db_path, "import", str(CORPUS / name))

    assert run.returncode == 1
    assert run.stdout == ""
    assert len(run.stderr.splitlines()) == 1 and run.stderr.startswith(reason), run.stderr
    assert desk(db_path, "attendees", "--json").stdout == before


def test_refused_feed_exits_non_zero_with_one_line(db_path):
    with FeedServer([make_registration(1)]) as server:
        run = desk(db_path, "import", server.base_url, "--token", "wrong-token")

    assert run.returncode != 0
    assert len(run.stderr.splitlines()) == 1 and run.stderr.startswith("desk: "), run.stderr
    assert json.loads(desk(db_path, "attendees", "--json").stdout) == []


def test_feed_import_stores_and_reports(db_path):
    with FeedServer([make_registration(n) for n in range(1, 4)]) as server:
        run = desk(db_path, "import", server.base_url, "--token", server.token)

    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == "added 3, updated 0, unchanged 0, rejected 0 rows"


def test_console_script_unreadable_file_exits_1_with_one_line(db_path):
    run = desk_script(db_path, "import", str(CORPUS / "empty.csv"))

    assert (run.returncode, run.stdout, run.stderr) == (1, "", "desk: empty.csv is empty: no header row\n")
