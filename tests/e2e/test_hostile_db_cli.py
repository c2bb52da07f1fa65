"""The command line in a hostile world: --db on files desk did not make, and a check-in while
an import holds the database. A sentence and an exit code, never a traceback, nothing lost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys

from desk.services.demo.event import install_demo
from desk.store.db import open_database
from desk.store.registrations import search_registrations
from tests.services.test_checkin_races import write_lock_held
from tests.store.test_db_refusal import damaged_copy


def desk(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desk", "--db", url, *args], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=120)


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_db_on_a_csv_is_refused_with_exit_1_and_the_file_unchanged(tmp_path) -> None:
    csv = tmp_path / "registrations.csv"
    csv.write_text("registration_id;status\nECC16-0001;validated\n", encoding="utf-8")
    before = digest(csv)
    done = desk(f"sqlite:///{csv}", "attendees")
    assert done.returncode == 1
    assert done.stderr.startswith("desk: ") and "is not a desk database" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert digest(csv) == before and [p.name for p in tmp_path.iterdir()] == ["registrations.csv"]


def test_db_on_a_damaged_database_is_refused_with_what_to_do_and_kept(db_path, tmp_path) -> None:
    damaged = damaged_copy(db_path, tmp_path / "damaged.sqlite")
    before = digest(damaged)
    done = desk(f"sqlite:///{damaged}", "checkin", "ECC2016-B4299691")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "is damaged" in done.stderr and "restore the file from a backup" in done.stderr
    assert digest(damaged) == before


def test_a_checkin_while_an_import_holds_the_database_answers_busy(db_path) -> None:
    url = f"sqlite:///{db_path}"
    db = open_database(url)
    install_demo(db, dt.date(2016, 11, 30))
    with db.begin() as session:
        person = next(r for r in search_registrations(session) if r.is_attendee and dt.date(2016, 12, 1) in r.days)
    db.close()
    with write_lock_held(db_path, seconds=60):  # released as soon as the commands answered
        checkin = desk(url, "checkin", person.ticket_code, "--at", "2016-12-01T08:30")
        undo = desk(url, "undo", person.ticket_code, "--at", "2016-12-01T08:31")
    assert checkin.returncode == 0 and "Traceback" not in checkin.stderr
    answer = json.loads(checkin.stdout)
    assert answer["outcome"] == "busy" and "Scan again" in answer["reason"]
    assert undo.returncode == 1 and "Traceback" not in undo.stderr and "busy" in undo.stderr
    after = json.loads(desk(url, "checkin", person.ticket_code, "--at", "2016-12-01T08:32").stdout)
    assert after["outcome"] == "welcome"
