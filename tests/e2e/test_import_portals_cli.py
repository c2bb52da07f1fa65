"""`desk import FILE [--map MAP.toml]` on the portals' own exports, as a person runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desk.store.db import open_database
from tests.e2e.test_import_cli import desk
from tests.services.test_import_corpus import dump
from tests.services.test_import_portals import PORTALS, make_event


@pytest.fixture
def event_db_path(db_path: Path) -> Path:
    db = open_database(f"sqlite:///{db_path}")
    make_event(db)
    db.close()
    return db_path


@pytest.mark.parametrize(("name", "format_name"), [
    ("pretix-positions.csv", "pretix"), ("pretix-positions-de.csv", "pretix"), ("indico-registrants.csv", "indico"),
    ("alfio-tickets.csv", "alf.io"), ("eventbrite-attendees.csv", "eventbrite"),
])
def test_the_format_line_comes_before_the_summary(event_db_path, name, format_name):
    run = desk(event_db_path, "import", str(PORTALS / name))

    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == f"format: {format_name}"
    assert lines[1].startswith("added ") and lines[1].endswith(", rejected 0 rows")


def test_a_pretix_ticket_secret_checks_in(event_db_path):
    run = desk(event_db_path, "import", str(PORTALS / "pretix-positions.csv"), "--map", str(PORTALS / "pretix-map.toml"))
    assert run.stdout.splitlines()[:2] == ["format: pretix", "added 8, updated 0, unchanged 0, rejected 0 rows"]

    welcome = json.loads(desk(event_db_path, "checkin", "7xq3p00vz4kmn9rjw2ahb8tcyd5euf0",
                              "--at", "2016-12-01T08:31").stdout)
    cancelled = json.loads(desk(event_db_path, "checkin", "7xq3p04vz4kmn9rjw2ahb8tcyd5euf4",
                                "--at", "2016-12-01T08:32").stdout)
    # the conference-only ticket holder on the matchmaking day
    wrong_day = json.loads(desk(event_db_path, "checkin", "7xq3p03vz4kmn9rjw2ahb8tcyd5euf3",
                                "--at", "2016-11-30T08:33").stdout)

    assert welcome["outcome"] == "welcome" and welcome["attendee"] == "ECC17-1"
    assert cancelled["outcome"] == "cancelled"
    assert wrong_day["outcome"] == "wrong_day"


def test_another_portal_is_mapped(event_db_path):
    run = desk(event_db_path, "import", str(PORTALS / "other-portal.csv"), "--map", str(PORTALS / "other-map.toml"))

    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[:3] == [
        "format: mapped", "added 8, updated 0, unchanged 0, rejected 0 rows",
        "flag: status 'vielleicht' not recognised on 2 rows (lines 7, 9), stored as pending"]


def test_a_missing_mapped_header_or_a_broken_map_exits_1_and_writes_nothing(event_db_path, tmp_path):
    portal_map = tmp_path / "map.toml"
    portal_map.write_text('[columns]\ncategory = "Your sector"\n', encoding="utf-8")
    broken = tmp_path / "broken.toml"
    broken.write_text('[columns]\nstatus = \n', encoding="utf-8")
    db = open_database(f"sqlite:///{event_db_path}")
    before = dump(db)
    db.close()

    missing = desk(event_db_path, "import", str(PORTALS / "eventbrite-attendees.csv"), "--map", str(portal_map))
    bad = desk(event_db_path, "import", str(PORTALS / "eventbrite-attendees.csv"), "--map", str(broken))
    absent = desk(event_db_path, "import", str(PORTALS / "eventbrite-attendees.csv"), "--map", str(tmp_path / "no.toml"))

    assert missing.returncode == 1 and missing.stdout == ""
    assert missing.stderr.strip() == ("desk: eventbrite-attendees.csv, line 1: the map names the column 'Your sector' "
                                      "for category, but the file has no such header")
    assert bad.returncode == 1 and bad.stderr.startswith("desk: broken.toml is not valid TOML")
    assert absent.returncode == 1 and absent.stderr.startswith("desk: file not found")
    assert "Traceback" not in missing.stderr + bad.stderr + absent.stderr
    db = open_database(f"sqlite:///{event_db_path}")
    assert dump(db) == before
    db.close()
