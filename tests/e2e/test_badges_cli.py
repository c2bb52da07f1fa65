"""The badge commands end to end: demo database, keys, a badge PDF, verify, attendees --json."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from desk.cli import cli



@pytest.fixture
def desk(db_path):
    runner = CliRunner()

    def run(*args: str, code: int = 0, env: dict[str, str] | None = None):
        result = runner.invoke(cli, ["--db", f"sqlite:///{db_path}", *args], env=env)
        assert result.exit_code == code, (result.output, result.exception)
        return result

    run("demo", "--start", "2016-11-30")
    return run


def attendees(desk) -> list[dict]:
    return json.loads(desk("attendees", "--json").stdout)


def test_keys_badges_verify_and_attendee_codes(desk, tmp_path):
    assert "badge_code" not in attendees(desk)[0]
    assert "created badge keys" in desk("keys", "create").stdout
    assert "already has keys" in desk("keys", "create", code=1).stderr

    people = attendees(desk)
    assert all(p["badge_code"].startswith("D1:") for p in people)
    out = tmp_path / "all.pdf"
    lines = desk("badges", "--out", str(out)).stdout.splitlines()
    pages = len(PdfReader(out).pages)
    assert lines[0] == f"rendered {len(people)} badges on {pages} pages"
    assert pages == len(people)  # one A6 badge per page
    assert all(" " in line and ":" in line for line in lines[1:])  # one line per pre-flight finding

    valid = json.loads(desk("verify", people[0]["badge_code"]).stdout)
    assert valid == {"valid": True, "attendee": people[0]["registration_id"], "reason": None}
    code = people[0]["badge_code"]
    forged = code[:-6] + ("A" * 6 if not code.endswith("A" * 6) else "B" * 6)
    assert json.loads(desk("verify", forged).stdout)["valid"] is False
    garbage = json.loads(desk("verify", "D1:\x07<script>").stdout)
    assert garbage == {"valid": False, "attendee": None, "reason": "malformed"}
    unknown = json.loads(desk("verify", "no such ticket").stdout)
    assert unknown == {"valid": False, "attendee": None, "reason": "unknown_attendee"}


def test_badges_for_given_attendees_on_a_sheet(desk, tmp_path):
    desk("keys", "create")
    people = attendees(desk)[:5]
    out = tmp_path / "sheet.pdf"
    args = [a for p in people for a in ("--attendee", p["registration_id"])]
    result = desk("badges", "--out", str(out), "--layout", "a4-sheet", *args)
    assert result.stdout.splitlines()[0] == "rendered 5 badges on 2 pages"
    text = " ".join(page.extract_text() for page in PdfReader(out).pages)
    assert all(p["last_name"] in text for p in people)
    assert "NOBODY" in desk("badges", "--out", str(out), "--attendee", "NOBODY", code=1).stderr


def test_badges_without_keys_say_what_to_do(desk, tmp_path):
    result = desk("badges", "--out", str(tmp_path / "x.pdf"), code=1)
    assert "cannot make badge codes" in result.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_export_import_and_a_verifying_station(desk, tmp_path, monkeypatch):
    desk("keys", "create")
    assert "passphrase" in desk("keys", "export", "--out", str(tmp_path / "k.json"), code=1).stderr
    desk("keys", "export", "--out", str(tmp_path / "sealed.json"), "--passphrase-env", "PW",
         env={"PW": "correct horse"})
    desk("keys", "export", "--out", str(tmp_path / "public.json"), "--public-only")
    code = attendees(desk)[0]["badge_code"]
    monkeypatch.setenv("DESK_DATA_DIR", str(tmp_path / "door"))  # another laptop
    assert "verify badges" in desk("keys", "import", str(tmp_path / "public.json")).stdout
    assert "badge_code" not in attendees(desk)[0]
    assert json.loads(desk("verify", code).stdout)["valid"] is True
    monkeypatch.setenv("DESK_DATA_DIR", str(tmp_path / "printing-desk"))
    assert "wrong passphrase" in desk("keys", "import", str(tmp_path / "sealed.json"), "--passphrase-env", "PW",
                                      env={"PW": "wrong horse"}, code=1).stderr
    assert "can print badges" in desk("keys", "import", str(tmp_path / "sealed.json"), "--passphrase-env", "PW",
                                      env={"PW": "correct horse"}).stdout
    assert attendees(desk)[0]["badge_code"] == code


def test_print_queue_commands(desk, tmp_path):
    desk("keys", "create")
    rid = attendees(desk)[0]["registration_id"]
    folder = tmp_path / "printed"
    assert desk("print", "--attendee", rid, "--folder", str(folder)).stdout.strip() == \
        "printed 1 badge(s), 0 failed, 0 waiting"
    again = desk("print", "--attendee", rid, "--folder", str(folder)).stdout
    assert "printed before; add --reprint" in again
    desk("print", "--attendee", rid, "--reprint", "--folder", str(folder))
    assert len(list(folder.glob("*.pdf"))) == 2
    jobs = json.loads(desk("print-queue", "--json").stdout)
    assert [(j["state"], j["reprint"]) for j in jobs] == [("done", True), ("done", False)]
    log = json.loads(desk("print-queue", "--log", "--json").stdout)
    assert [e["reprint"] for e in log] == [True, False]
    # the text log says the event's local time (the demo event is in Brussels)
    from desk.services.demo.event import EVENT_TZ

    first = desk("print-queue", "--log").stdout.splitlines()[0]
    at = dt.datetime.fromisoformat(log[0]["at"]).astimezone(EVENT_TZ)
    assert first.startswith(f"{at:%Y-%m-%d %H:%M:%S}\t{rid}\t") and first.endswith(" REPRINT")
