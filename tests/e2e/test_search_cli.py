"""`desk attendees --search` from a Latin keyboard: other scripts, registration ids, e-mails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_import_cli import HEADER, desk, desk_script
from tests.event_helpers import db_path_with_event  # noqa: F401 - fixtures: the databases hold an event


@pytest.fixture
def imported(db_path: Path, tmp_path: Path) -> Path:
    """The demo event, then a small export of our own on top of it."""
    assert desk(db_path, "demo", "--start", "2016-11-30").returncode == 0
    export = tmp_path / "export.csv"
    export.write_text("\n".join([
        HEADER,
        ("X-1,validated,Тарас,Шевченко,t.shevchenko@kyiv-cluster.ua,Кластер Київ,UA,speaker,2016-12-01,XT1,"
         "2016-10-01T09:00:00Z"),
        ("X-2,validated,Γιώργος,Παπαδόπουλος,gp@athens-cluster.gr,Σύμπραξη Αθηνών,GR,press,2016-12-01,XT2,"
         "2016-10-01T09:00:00Z"),
        "X-3,cancelled,Олена,Шевченко,olena@example.eu,Kyiv Hub,UA,press,2016-12-01,XT3,2016-10-01T09:00:00Z",
    ]) + "\n", encoding="utf-8")
    run = desk(db_path, "import", str(export))
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[:2] == ["format: desk", "added 3, updated 0, unchanged 0, rejected 0 rows"]
    return db_path


def _ids(db_path: Path, query: str) -> list[str]:
    run = desk(db_path, "attendees", "--search", query, "--json")
    assert run.returncode == 0, run.stderr
    return sorted(item["registration_id"] for item in json.loads(run.stdout))


def test_attendees_search_shevchenko_finds_the_cyrillic_name(imported: Path) -> None:
    run = desk_script(imported, "attendees", "--search", "shevchenko")

    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    # ours, and the demo's own Тарас Шевченко; the cancelled Олена Шевченко is no attendee
    assert "X-1\tШЕВЧЕНКО, Тарас\tКластер Київ\tUA\tSpeaker" in lines
    assert all(line.split("\t")[1].startswith("ШЕВЧЕНКО, ") for line in lines)
    assert not any(line.startswith("X-3\t") for line in lines)
    assert run.stderr == f"{len(lines)} attendee(s)\n"


def test_the_same_people_in_either_script(imported: Path) -> None:
    shevchenko = _ids(imported, "shevchenko")
    assert "X-1" in shevchenko and "X-3" not in shevchenko
    assert _ids(imported, "Шевченко") == shevchenko
    papadopoulos = _ids(imported, "papadopoulos")
    assert "X-2" in papadopoulos and len(papadopoulos) > 1  # the demo has Papadopoulos too
    assert _ids(imported, "Παπαδόπουλος") == _ids(imported, "ΠΑΠΑΔΟΠΟΥΛΟΣ") == papadopoulos
    assert "X-2" in _ids(imported, "giorgos papa")


@pytest.mark.parametrize(("query", "found"), [
    ("X-2", ["X-2"]), ("x-1", ["X-1"]), ("t.shevchenko@kyiv-cluster.ua", ["X-1"]), ("gp@athens", ["X-2"]),
    ("X-3", []),  # cancelled: not an attendee
])
def test_attendees_search_by_id_and_email(imported: Path, query: str, found: list[str]) -> None:
    assert _ids(imported, query) == found
