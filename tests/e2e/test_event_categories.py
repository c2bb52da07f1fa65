"""An event with categories of its own (Exhibitor, Visitor, Jury): created from a categories
file, a pretix export mapped onto them, and their words and colours on the badge, the
checklist, the attendee list and the check-in answer; on SQLite and on the PostgreSQL hub."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader

from desk.cli import cli

PRETIX_HEADER = [
    "Order code", "Position ID", "Status", "Email", "Phone number", "Order date", "Order time", "Product",
    "Variation", "Price", "Attendee name", "Attendee name: Title", "Attendee name: Given name",
    "Attendee name: Family name", "Attendee email", "Company", "Address", "ZIP code", "City", "Country",
    "Ticket secret", "Which best describes you?", "Order comment",
]
CATEGORIES = (
    "category,label,badge_word,colour,counted,default\n"
    "visitor,Visitor,VISITOR,#3a86ff,yes,yes\n"
    "exhibitor,Exhibitor,EXHIBITOR,#7b2cbf,no,\n"
    "jury,Jury,JURY,#2a9d8f,yes,\n"
    "staff,Staff,STAFF,#1a1a1a,no,\n"
)
EXHIBITOR_RGB = (0x7B, 0x2C, 0xBF)
MAP = """\
[columns]
category = "Which best describes you?"

[values.category]
"Exhibiting company" = "exhibitor"
"Member of the jury" = "Jury"
"""
# (order, position, status, given, family, company, answer): three exhibitors of one company
# (not counted: no cap flag), a visitor, a jury member, a word the event does not know (twice)
PEOPLE = [
    ("RW01", 1, "paid", "Inês", "Carvalho", "RoboParts Lda", "Exhibiting company"),
    ("RW02", 1, "paid", "Tiago", "Ramos", "RoboParts Lda", "Exhibiting company"),
    ("RW03", 1, "paid", "Marta", "Lopes", "RoboParts Lda", "Exhibiting company"),
    ("RW04", 1, "paid", "João", "Pereira", "Universidade do Porto", "Visitor"),
    ("RW05", 2, "paid", "Sofia", "Almeida", "INESC TEC", "Member of the jury"),
    ("RW06", 1, "paid", "Rui", "Costa", "Startup X", "Investor"),
    ("RW07", 1, "pending", "Ana", "Sousa", "Startup Y", "Investor"),
]


def desk(db: str, *args: str, code: int = 0):
    done = CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)
    assert done.exit_code == code, (args, done.stdout, done.stderr)
    return done


def secret(order: str) -> str:
    return f"{order.lower()}secret0000000000000000"


def write_export(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow(PRETIX_HEADER)
        for n, (order, position, status, given, family, company, answer) in enumerate(PEOPLE):
            writer.writerow([order, position, status, f"o{n}@example.pt", f"'+351 22 000 00{n:02d}", "2026-02-01",
                             "09:00:00", "Robotics Week ticket", "", "50.00", f"{given} {family}", "", given, family,
                             f"p{n}@example.pt", company, "Rua 1", "4000", "Porto", "PT", secret(order), answer, ""])
    return path


def write_setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    categories = tmp_path / "categories.csv"
    categories.write_text(CATEGORIES, encoding="utf-8")
    mapping = tmp_path / "map.toml"
    mapping.write_text(MAP, encoding="utf-8")
    return categories, mapping, write_export(tmp_path / "pretix.csv")


CREATE = ("event", "create", "--name", "Porto Robotics Week", "--venue", "Alfândega", "--days",
          "2026-03-10,2026-03-11", "--timezone", "Europe/Lisbon", "--seats", "3", "--per-organisation", "2")


def band_pixels(png: Path, rgb: tuple[int, int, int], tolerance: int = 6) -> int:
    """How many pixels of the rendered page have the colour `rgb`."""
    data = Image.open(png).convert("RGB").tobytes()
    return sum(1 for i in range(0, len(data), 3)
               if all(abs(data[i + k] - rgb[k]) <= tolerance for k in range(3)))


def test_an_event_with_its_own_categories_from_file_to_check_in(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'porto.sqlite'}"
    categories, mapping, export = write_setup(tmp_path)
    desk(db, *CREATE, "--categories", str(categories))
    assert desk(db, "event", "categories").stdout.splitlines() == [
        "visitor\tVisitor\tVISITOR\t#3a86ff\tcounted\tdefault",
        "exhibitor\tExhibitor\tEXHIBITOR\t#7b2cbf\tnot counted",
        "jury\tJury\tJURY\t#2a9d8f\tcounted",
        "staff\tStaff\tSTAFF\t#1a1a1a\tnot counted",
    ]

    imported = desk(db, "import", str(export), "--map", str(mapping)).stdout.splitlines()
    assert imported[:2] == ["format: pretix", "added 7, updated 0, unchanged 0, rejected 0 rows"]
    # the unknown word once, kept under the event's default; the three exhibitors of one company
    # are not counted, so neither the cap of 2 nor the 3 seats are broken
    assert [line for line in imported if line.startswith("flag")] == [
        "flag: category 'Investor' not recognised on 2 rows (lines 7, 8), stored as visitor"]

    people = {p["registration_id"]: p for p in json.loads(desk(db, "attendees", "--json").stdout)}
    assert (people["RW01-1"]["category"], people["RW01-1"]["category_label"]) == ("exhibitor", "Exhibitor")
    assert (people["RW05-2"]["category"], people["RW06-1"]["category"]) == ("jury", "visitor")
    listed = desk(db, "attendees").stdout
    assert "RW01-1\tCARVALHO, Inês\tRoboParts Lda\tPT\tExhibitor" in listed.splitlines()

    desk(db, "keys", "create")
    badge = tmp_path / "badge.pdf"
    desk(db, "badges", "--out", str(badge), "--attendee", "RW01-1")
    assert "EXHIBITOR" in PdfReader(badge).pages[0].extract_text()
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-singlefile", str(badge), str(tmp_path / "badge")], check=True)
    assert band_pixels(tmp_path / "badge.png", EXHIBITOR_RGB) > 200  # the band in the exhibitor's purple

    answer = json.loads(desk(db, "checkin", secret("RW01"), "--desk", "Hall", "--at", "2026-03-10T09:00").stdout)
    assert answer["outcome"] == "welcome"
    assert (answer["person"]["category"], answer["person"]["category_label"]) == ("exhibitor", "Exhibitor")

    checklist = tmp_path / "checklist.pdf"
    desk(db, "checklist", "--out", str(checklist), "--day", "2026-03-10")
    text = PdfReader(checklist).pages[0].extract_text()
    assert "Exhibitor" in text and "Jury" in text and "Visitor" in text


def test_a_key_the_event_no_longer_lists_still_shows_prints_and_checks_in(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'porto.sqlite'}"
    categories, mapping, export = write_setup(tmp_path)
    desk(db, *CREATE, "--categories", str(categories))
    desk(db, "import", str(export), "--map", str(mapping))
    fewer = tmp_path / "fewer.csv"
    fewer.write_text("category,label,badge_word,colour,counted,default\nvisitor,Visitor,VISITOR,#3a86ff,,yes\n"
                     "exhibitor,Exhibitor,EXHIBITOR,#7b2cbf,no,\n", encoding="utf-8")
    edited = desk(db, "event", "edit", "--categories", str(fewer))
    assert "unlisted\tjury\t1 registration(s) hold this key" in edited.stderr
    assert desk(db, "event", "categories").stdout.splitlines()[2].startswith("unlisted\tjury\t1 registration(s)")

    answer = json.loads(desk(db, "checkin", secret("RW05"), "--at", "2026-03-10T09:00").stdout)
    assert answer["outcome"] == "welcome"
    assert (answer["person"]["category"], answer["person"]["category_label"]) == ("jury", "jury")
    desk(db, "keys", "create")
    badge = tmp_path / "jury.pdf"
    desk(db, "badges", "--out", str(badge), "--attendee", "RW05-2")
    assert "jury" in PdfReader(badge).pages[0].extract_text()


def test_a_map_naming_a_category_the_event_lacks_writes_nothing(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'porto.sqlite'}"
    categories, mapping, export = write_setup(tmp_path)
    desk(db, *CREATE, "--categories", str(categories))
    mapping.write_text(MAP + '"Press" = "press"\n', encoding="utf-8")
    done = desk(db, "import", str(export), "--map", str(mapping), code=1)
    assert "map.toml: [values.category] 'press' = 'press' is not one of the event's categories" in done.stderr
    assert "visitor, exhibitor, jury, staff" in done.stderr
    assert json.loads(desk(db, "attendees", "--json").stdout) == []


def test_the_hub_reads_the_events_categories_the_same_way(pg_url: str, tmp_path: Path) -> None:
    categories, mapping, export = write_setup(tmp_path)
    desk(pg_url, *CREATE, "--categories", str(categories))
    imported = desk(pg_url, "import", str(export), "--map", str(mapping)).stdout.splitlines()
    assert [line for line in imported if line.startswith("flag")] == [
        "flag: category 'Investor' not recognised on 2 rows (lines 7, 8), stored as visitor"]
    people = {p["registration_id"]: p for p in json.loads(desk(pg_url, "attendees", "--json").stdout)}
    assert people["RW02-1"]["category_label"] == "Exhibitor"
    answer = json.loads(desk(pg_url, "checkin", secret("RW02"), "--at", "2026-03-10T09:00").stdout)
    assert answer["person"]["category_label"] == "Exhibitor"


@pytest.mark.parametrize("counted", ["yes", "no"])
def test_whether_exhibitors_count_decides_the_cap_and_seat_flags(tmp_path: Path, counted: str) -> None:
    db = f"sqlite:///{tmp_path / 'porto.sqlite'}"
    categories, mapping, export = write_setup(tmp_path)
    categories.write_text(CATEGORIES.replace("EXHIBITOR,#7b2cbf,no", f"EXHIBITOR,#7b2cbf,{counted}"),
                          encoding="utf-8")
    desk(db, *CREATE, "--categories", str(categories))
    flags = [line for line in desk(db, "import", str(export), "--map", str(mapping)).stdout.splitlines()
             if line.startswith("flag") and "not recognised" not in line]
    if counted == "no":
        assert flags == []
    else:
        assert flags == [
            "flag: RoboParts Lda: 3 validated people, at most 2 per organisation (RW01-1, RW02-1, RW03-1)",
            "flag: 6 validated attendees for 3 seats (3 over)",
        ]
