"""The entrance from the command line: desk checkin, undo, scan and checklist as a person runs them."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import cv2
import pytest
from sqlalchemy import update

from desk.core.badges.codes import badge_ref, issue_code
from desk.devices.synthetic import make_frame, write_video
from desk.services.badges.codes import key_name_for
from desk.services.checkin.entrance import attendee_json
from desk.services.demo.event import install_demo
from desk.services.badges.keys import create_keys
from desk.store.db import open_database
from desk.store.registrations import search_registrations
from desk.store.schema import RegistrationRow

OUTCOMES = {"welcome", "already_in", "cancelled", "not_validated", "unknown", "forged", "wrong_day", "not_readable"}


def desk(url: str, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "desk", "--db", url, *args], capture_output=True, text=True,
                            env=os.environ.copy(), timeout=60)
    if ok:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def url(db_path) -> str:
    # The demo event is laid in-process: only the commands under test pay a start-up each.
    url = f"sqlite:///{db_path}"
    db = open_database(url)
    install_demo(db, dt.date(2016, 11, 30))
    db.close()
    return url


def people(url: str) -> list[dict]:
    db = open_database(url)
    with db.begin() as session:
        regs = search_registrations(session)
    db.close()
    return [attendee_json(r) | {"ticket_code": r.ticket_code} for r in regs]


def test_checkin_undo_and_the_outcome_words(url, monkeypatch) -> None:
    person = next(p for p in people(url) if p["days"] == ["2016-12-01", "2016-12-02"])
    monkeypatch.setenv("DESK_NAME", "entrance-A")  # the desk name defaults to the setting
    first = json.loads(desk(url, "checkin", person["ticket_code"], "--at", "2016-12-01T08:30").stdout)
    assert first["outcome"] == "welcome" and first["attendee"] == person["registration_id"]
    assert first["desk"] == "entrance-A" and first["first_checkin"] is None
    again = json.loads(desk(url, "checkin", person["ticket_code"], "--desk", "entrance-B",
                            "--at", "2016-12-01T09:00").stdout)
    assert again["outcome"] == "already_in"
    assert again["first_checkin"] == {"at": "2016-12-01T08:30:00+01:00", "desk": "entrance-A", "station": None}
    wrong = json.loads(desk(url, "checkin", person["ticket_code"], "--at", "2016-11-30T09:00").stdout)
    assert wrong["outcome"] == "wrong_day"
    for code in ("nobody-here", "D1:broken"):
        assert json.loads(desk(url, "checkin", code, "--at", "2016-12-01T09:00").stdout)["outcome"] in OUTCOMES
    undone = json.loads(desk(url, "undo", person["ticket_code"], "--at", "2016-12-01T09:05").stdout)
    assert undone["undone"]["desk"] == "entrance-A"
    refused = desk(url, "undo", person["ticket_code"], "--at", "2016-12-01T09:06", ok=False)
    assert refused.returncode == 1 and "no check-in to undo" in refused.stderr
    bad = desk(url, "checkin", "X", "--at", "yesterday", ok=False)
    assert bad.returncode != 0 and "ISO date-time" in bad.stderr


def test_badge_codes_need_the_event_keys(url) -> None:
    person = people(url)[0]
    keys = create_keys(key_name_for("European Cluster Conference 2016"))
    ref = badge_ref(keys.ref_secret, person["registration_id"])
    db = open_database(url)
    with db.begin() as session:
        session.execute(update(RegistrationRow).where(RegistrationRow.registration_id == person["registration_id"])
                        .values(badge_ref=ref))
    db.close()
    code = issue_code(keys.private_keys[1], 1, ref)
    answer = json.loads(desk(url, "checkin", code, "--at", "2016-12-01T08:00").stdout)
    assert answer["outcome"] in ("welcome", "wrong_day")
    assert answer["attendee"] == person["registration_id"]
    forged = code[:-4] + ("AAAA" if code[-4:] != "AAAA" else "BBBB")
    assert json.loads(desk(url, "checkin", forged).stdout)["outcome"] in ("forged", "not_readable")
    (keys_file := keys_file_path()).unlink()
    without = desk(url, "checkin", code, "--at", "2016-12-02T08:00")
    assert json.loads(without.stdout)["outcome"] == "unknown" and "import" in without.stderr
    assert not keys_file.exists()


def keys_file_path():
    from desk.services.badges.keys import key_path

    return key_path(key_name_for("European Cluster Conference 2016"))


def test_scan_prints_one_line_per_code_and_checklist_writes_a_pdf(url, tmp_path) -> None:
    a, b = [p for p in people(url) if "2016-12-01" in p["days"]][:2]
    frames = ([make_frame(a["ticket_code"], (640, 480), module_px=6, seed=i) for i in range(4)]
              + [make_frame(None, (640, 480), seed=9)]
              + [make_frame(b["ticket_code"], (640, 480), module_px=6, seed=20 + i) for i in range(4)])
    video = write_video(tmp_path / "queue.avi", frames, fps=25, codec="MJPG")
    lines = desk(url, "scan", str(video), "--desk", "cam", "--at", "2016-12-01T08:00").stdout.splitlines()
    docs = [json.loads(line) for line in lines]
    assert [(d["code"], d["outcome"], d["frame"]) for d in docs] == [
        (a["ticket_code"], "welcome", 0), (b["ticket_code"], "welcome", 5)]
    assert all(set(d) == {"code", "outcome", "attendee", "ms", "frame"} for d in docs)
    picture = tmp_path / "badge.png"
    cv2.imwrite(str(picture), frames[0])
    (still,) = [json.loads(line) for line in desk(url, "scan", str(picture), "--at", "2016-12-01T08:10").stdout.splitlines()]
    assert still["outcome"] == "already_in" and "frame" not in still
    out = tmp_path / "list.pdf"
    done = desk(url, "checklist", "--out", str(out), "--day", "2016-12-01")
    assert out.read_bytes().startswith(b"%PDF") and "attendees expected on 2016-12-01" in done.stdout
