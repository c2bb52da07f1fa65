"""The checklist as CSV: the same list as the PDF, every cell safe from formula injection."""

from __future__ import annotations

import csv
import datetime as dt

from sqlalchemy import update

from desk.services.checkin.checklist import write_checklist
from desk.services.demo.event import install_demo
from desk.store.schema import RegistrationRow

START = dt.date(2016, 11, 30)
HOSTILE = {"last_name": "=HYPERLINK(\"http://x\",\"y\")", "first_name": "@SUM(A1)", "organisation": "+48 Cluster"}


def test_the_csv_checklist_neutralises_formulas(db, tmp_path):
    data = install_demo(db, START)
    person = next(r for r in data.registrations if r.is_attendee and START in r.days)
    with db.begin() as session:
        session.execute(update(RegistrationRow).where(RegistrationRow.registration_id == person.registration_id)
                        .values(**HOSTILE))
    done = write_checklist(db, tmp_path / "day.csv", START)
    with (tmp_path / "day.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["checked_in", "last_name", "first_name", "organisation", "category", "registration_id"]
    assert len(rows) - 1 == done.attendees and done.pages == 0
    row = next(r for r in rows if r[5] == person.registration_id)
    assert row[1:4] == ["'=HYPERLINK(\"http://x\",\"y\")", "'@SUM(A1)", "'+48 Cluster"]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r)
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # no temporary file left
