"""`desk event create|edit|show|categories`, and an import that needs the event first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from desk.cli import cli
from tests.event_helpers import CREATE_EVENT_ARGS

CREATE = ["event", "create", "--name", "Porto Robotics Week", "--venue", "Alfândega do Porto",
          "--days", "2026-03-10,2026-03-11", "--timezone", "Europe/Lisbon"]
EXPORT_HEADER = ("registration_id,status,first_name,last_name,email,organisation,country,category,days,"
                 "ticket_code,updated_at")


def desk(db_path: Path, *args: str, code: int = 0):
    done = CliRunner().invoke(cli, ["--db", f"sqlite:///{db_path}", *args], catch_exceptions=False)
    assert done.exit_code == code, (done.stdout, done.stderr)
    return done


def stored_event(db_path: Path) -> dict | None:
    done = CliRunner().invoke(cli, ["--db", f"sqlite:///{db_path}", "event", "show", "--json"])
    return json.loads(done.stdout) if done.exit_code == 0 else None


def test_create_prints_the_event_line_with_the_defaults(db_path) -> None:
    done = desk(db_path, *CREATE)
    assert done.stdout == ("event 'Porto Robotics Week' at Alfândega do Porto on 2026-03-10, 2026-03-11 "
                           "(Europe/Lisbon): 250 seats, at most 2 per organisation\n")
    shown = stored_event(db_path)
    assert shown["seats"] == 250 and shown["per_organisation"] == 2 and shown["timezone"] == "Europe/Lisbon"
    assert desk(db_path, "event", "show").stdout.splitlines()[0] == done.stdout.strip()


def test_create_takes_seats_cap_and_a_deadline_in_event_time(db_path) -> None:
    done = desk(db_path, *CREATE, "--seats", "80", "--per-organisation", "3", "--deadline", "2026-03-01T23:59")
    assert done.stdout.strip().endswith("(Europe/Lisbon): 80 seats, at most 3 per organisation")
    assert stored_event(db_path)["deadline"] == "2026-03-01T23:59:00+00:00"  # Lisbon is UTC in March


def test_a_second_create_is_refused_and_names_edit(db_path) -> None:
    desk(db_path, *CREATE)
    done = desk(db_path, *CREATE_EVENT_ARGS, code=1)
    assert "desk event edit" in done.stderr and done.stderr.count("\n") == 1
    assert stored_event(db_path)["name"] == "Porto Robotics Week"


def test_edit_changes_only_what_is_given(db_path) -> None:
    desk(db_path, *CREATE, "--seats", "80")
    done = desk(db_path, "event", "edit", "--per-organisation", "4", "--days", "2026-03-12,2026-03-10")
    assert done.stdout == ("event 'Porto Robotics Week' at Alfândega do Porto on 2026-03-10, 2026-03-12 "
                           "(Europe/Lisbon): 80 seats, at most 4 per organisation\n")
    desk(db_path, "event", "edit", "--timezone", "America/Sao_Paulo", "--name", "PRW 2026")
    shown = stored_event(db_path)
    assert (shown["name"], shown["timezone"], shown["venue"]) == ("PRW 2026", "America/Sao_Paulo", "Alfândega do Porto")


def test_show_and_edit_on_a_database_without_an_event_exit_1(db_path) -> None:
    for args in (["event", "show"], ["event", "show", "--json"], ["event", "edit", "--seats", "3"]):
        done = desk(db_path, *args, code=1)
        assert done.stdout == "" and "desk event create --name NAME" in done.stderr


@pytest.mark.parametrize(("change", "reason"), [
    (["--timezone", "Europe/Atlantis"], "'Europe/Atlantis' is not a time zone"),
    (["--days", ""], "at least one day"),
    (["--days", "2026-02-30"], "'2026-02-30' is not a date"),
    (["--seats", "0"], "seats must be at least 1"),
    (["--seats", "many"], "seats must be a whole number"),
    (["--per-organisation", "0"], "per-organisation cap must be at least 1"),
    (["--name", "  "], "needs a name"),
    (["--deadline", "soon"], "not an ISO date-time"),
])
def test_bad_options_are_one_line_exit_1_and_nothing_written(db_path, change, reason) -> None:
    done = desk(db_path, *CREATE, *change, code=1)
    assert reason in done.stderr and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert stored_event(db_path) is None
    desk(db_path, *CREATE)
    desk(db_path, "event", "edit", *change, code=1)
    assert stored_event(db_path)["days"] == ["2026-03-10", "2026-03-11"]
    assert stored_event(db_path)["seats"] == 250


def test_create_needs_name_days_and_zone(db_path) -> None:
    for missing in ("--name", "--days", "--timezone"):
        i = CREATE.index(missing)
        done = desk(db_path, *(CREATE[:i] + CREATE[i + 2:]), code=1)
        assert missing in done.stderr
    assert stored_event(db_path) is None


def test_categories_default_to_the_six_and_a_file_replaces_them(db_path, tmp_path) -> None:
    desk(db_path, *CREATE)
    lines = desk(db_path, "event", "categories").stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == [
        "policy_maker", "cluster_practitioner", "other_stakeholder", "staff", "speaker", "press"]
    assert lines[4] == "speaker\tSpeaker\tSpeaker\t#cc1a26\tcounted"
    assert lines[2].endswith("\tcounted\tdefault") and lines[3].endswith("\tnot counted")
    bad = tmp_path / "bad.csv"
    bad.write_text("category,label,badge_word,colour\nspeaker,Orador,ORADOR,#123456\n"
                   "!!!,Astronaut,ASTRO,#000000\npress,Imprensa,IMPRENSA,blue\n", encoding="utf-8")
    done = desk(db_path, "event", "edit", "--categories", str(bad), code=1)
    assert "row 3: category key '!!!' holds no letter or digit" in done.stderr
    assert "row 4: colour 'blue' is not a colour" in done.stderr
    assert desk(db_path, "event", "categories").stdout.splitlines() == lines
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"categories": [
        {"category": "speaker", "label": "Orador", "badge_word": "ORADOR", "colour": "#123456"},
        {"category": "press", "label": "Imprensa", "badge_word": "", "colour": "ABCDEF"}]}), encoding="utf-8")
    desk(db_path, "event", "edit", "--categories", str(good))
    assert desk(db_path, "event", "categories").stdout.splitlines() == [
        "speaker\tOrador\tORADOR\t#123456\tcounted\tdefault", "press\tImprensa\tImprensa\t#abcdef\tcounted"]


def test_create_with_a_categories_file(db_path, tmp_path) -> None:
    path = tmp_path / "categories.csv"
    path.write_text("Category;Label;Badge word;Colour\nstaff;Equipa;EQUIPA;#00ff00\n", encoding="utf-8")
    desk(db_path, *CREATE, "--categories", str(path))
    assert stored_event(db_path)["categories"] == [
        {"category": "staff", "label": "Equipa", "badge_word": "EQUIPA", "colour": "#00ff00",
         "counted": False, "default": True}]


def _export(tmp_path: Path) -> Path:
    path = tmp_path / "export.csv"
    path.write_text("\n".join([
        EXPORT_HEADER,
        "P-1,validated,Ana,Sousa,as@example.pt,Robótica Lda,PT,speaker,2026-03-10,TK1,",
        "P-2,validated,Rui,Costa,rc@example.pt,INESC,PT,press,2026-03-10|2026-03-11,TK2,",
    ]) + "\n", encoding="utf-8")
    return path


def test_import_without_an_event_is_refused_with_the_create_line_and_writes_nothing(db_path, tmp_path) -> None:
    done = desk(db_path, "import", str(_export(tmp_path)), code=1)
    assert done.stderr == ("desk: this database has no event yet: create it first with desk event create "
                           "--name NAME --venue VENUE --days YYYY-MM-DD,... --timezone ZONE\n")
    assert done.stdout == ""
    assert json.loads(desk(db_path, "attendees", "--json").stdout) == []


def test_keys_badges_and_checklist_work_on_a_created_event(db_path, tmp_path) -> None:
    desk(db_path, *CREATE)
    desk(db_path, "import", str(_export(tmp_path)))
    assert "keys" in desk(db_path, "keys", "create").stdout.lower()
    out = tmp_path / "badges.pdf"
    desk(db_path, "badges", "--out", str(out))
    assert out.read_bytes().startswith(b"%PDF")
    sheet = tmp_path / "list.pdf"
    done = desk(db_path, "checklist", "--out", str(sheet), "--day", "2026-03-11")
    assert sheet.read_bytes().startswith(b"%PDF") and "attendees expected on 2026-03-11" in done.stdout
    attendees = {a["registration_id"]: a for a in json.loads(desk(db_path, "attendees", "--json").stdout)}
    assert set(attendees) == {"P-1", "P-2"}
