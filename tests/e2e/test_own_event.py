"""An organiser's own event on a fresh data folder, without the demo: the whole day from the
command line, from `desk event create` to the matchmaking schedule."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from pypdf import PdfReader

from desk.cli import cli
from tests.services.match_files import write as write_match_files

PORTALS = Path(__file__).resolve().parents[1] / "fixtures" / "import" / "portals"


def desk(db_path: Path, *args: str, code: int = 0):
    """Run one desk command in-process (the console script's click group) and check its exit code."""
    done = CliRunner().invoke(cli, ["--db", f"sqlite:///{db_path}", *args], catch_exceptions=False)
    assert done.exit_code == code, (args, done.stdout, done.stderr)
    return done


def test_a_day_of_an_event_created_from_a_pretix_export(tmp_path: Path) -> None:
    db_path = tmp_path / "robotics.sqlite"  # a fresh file: no demo, no template
    categories = tmp_path / "categories.toml"  # the event's own: three of desk's keys and one new
    categories.write_text(
        '[[categories]]\ncategory = "cluster_practitioner"\nlabel = "Cluster practitioner"\ncolour = "#008c59"\n'
        '[[categories]]\ncategory = "policy_maker"\nlabel = "Policy-maker"\ncolour = "#004d99"\n'
        '[[categories]]\ncategory = "press"\nlabel = "Press"\ncolour = "#f2a600"\ncounted = false\n'
        '[[categories]]\ncategory = "research"\nlabel = "University / research"\nbadge_word = "RESEARCH"\n'
        'colour = "#6a4c93"\ndefault = true\n', encoding="utf-8")
    created = desk(db_path, "event", "create", "--name", "European Cluster Conference 2016",
                   "--venue", "Crowne Plaza Rogier", "--days", "2016-11-30,2016-12-01,2016-12-02",
                   "--timezone", "Europe/Brussels", "--seats", "250", "--categories", str(categories))
    assert created.stdout.strip() == ("event 'European Cluster Conference 2016' at Crowne Plaza Rogier on "
                                      "2016-11-30, 2016-12-01, 2016-12-02 (Europe/Brussels): 250 seats, "
                                      "at most 2 per organisation")

    imported = desk(db_path, "import", str(PORTALS / "pretix-positions.csv"), "--map", str(PORTALS / "pretix-map.toml"))
    assert imported.stdout.splitlines()[:2] == ["format: pretix", "added 8, updated 0, unchanged 0, rejected 0 rows"]

    assert "created badge keys" in desk(db_path, "keys", "create").stdout
    badges_pdf = tmp_path / "badges.pdf"
    desk(db_path, "badges", "--out", str(badges_pdf))
    text = "\n".join(page.extract_text() for page in PdfReader(badges_pdf).pages)
    assert "Łukasz" in text and "Wójcik" in text
    assert "RESEARCH" in text  # the export's "University / research" is the event's own category

    printed = tmp_path / "printed"
    desk(db_path, "print", "--attendee", "ECC17-1", "--folder", str(printed))
    assert len(list(printed.glob("*.pdf"))) == 1

    # the pretix ticket secret, then another person's printed badge code
    by_secret = json.loads(desk(db_path, "checkin", "7xq3p00vz4kmn9rjw2ahb8tcyd5euf0",
                                "--desk", "Entrance 1", "--at", "2016-12-01T08:31").stdout)
    assert by_secret["outcome"] == "welcome" and by_secret["attendee"] == "ECC17-1"
    people = {p["registration_id"]: p for p in json.loads(desk(db_path, "attendees", "--json").stdout)}
    assert (people["ECC22-2"]["category"], people["ECC22-2"]["category_label"]) == ("research", "University / research")
    badge_code = people["ECC18-2"]["badge_code"]
    by_badge = json.loads(desk(db_path, "checkin", badge_code, "--at", "2016-12-01T08:40").stdout)
    assert by_badge["outcome"] == "welcome" and by_badge["attendee"] == "ECC18-2"
    again = json.loads(desk(db_path, "checkin", "7xq3p00vz4kmn9rjw2ahb8tcyd5euf0", "--at", "2016-12-01T09:00").stdout)
    assert again["outcome"] == "already_in" and again["first_checkin"]["desk"] == "Entrance 1"

    checklist = tmp_path / "checklist.pdf"
    desk(db_path, "checklist", "--out", str(checklist), "--day", "2016-12-01")
    assert "WÓJCIK" in PdfReader(checklist).pages[0].extract_text().upper()

    rooms = tmp_path / "rooms.csv"
    rooms.write_text("room,capacity\nEuropa,40\n", encoding="utf-8")
    sessions = tmp_path / "sessions.csv"
    sessions.write_text("title,priority_area,topic,room,start,end\n"
                        "Circular economy: new value chains,Circular economy,Skills,Europa,"
                        "2016-12-01T11:00,2016-12-01T12:30\n", encoding="utf-8")
    desk(db_path, "programme", "import", str(rooms))
    desk(db_path, "programme", "import", str(sessions))
    entered = json.loads(desk(db_path, "door", "Europa", badge_code, "--at", "2016-12-01T11:02").stdout)
    assert entered["outcome"] == "entered" and entered["occupancy"] == 1

    (tmp_path / "match").mkdir()
    paths = write_match_files(tmp_path / "match")
    assert desk(db_path, "match", "import", *map(str, paths)).stdout.splitlines()[0] == \
        "participants.csv: 5 participants kept, 0 row(s) left out"
    schedule = desk(db_path, "match", "schedule", "--tables", "2", "--time-limit", "1")
    assert schedule.stdout.splitlines()[0].startswith("held 5 of 7 requested")
