"""Received append-only rows (scans, door events...) are applied a run at a time; a run the
database refuses is applied one by one, so the good rows are kept and the bad one is named."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil

from sqlalchemy import func, select

from desk.services.checkin import entrance as checkin
from desk.store import hub as store
from desk.store.db import open_database
from desk.store.schema.checkin import ScanLogRow

AT = dt.datetime(2016, 12, 1, 8, 45, tzinfo=dt.timezone.utc)


def _scans(db) -> int:
    with db.begin() as session:
        return session.scalar(select(func.count()).select_from(ScanLogRow))


def test_a_run_of_scans_is_stored_once_and_a_refused_row_leaves_the_others(event_db, db_template, tmp_path):
    for i in range(5):  # unknown codes: each scan is one "scan" entry, nothing else
        checkin.check_in(event_db, f"ECC2016-NOBODY{i:02d}", "entrance-A", AT + dt.timedelta(seconds=i))
    with event_db.begin() as session:
        entries = store.unpushed(session, 100)
    assert [e.kind for e in entries] == ["scan"] * 5
    path = tmp_path / "other.sqlite"
    shutil.copyfile(db_template, path)
    other = open_database(f"sqlite:///{path}")
    try:
        with other.begin() as session:
            assert store.apply(session, entries[:3]) == []
        with other.begin() as session:  # again, and two more: each row once
            assert store.apply(session, entries) == []
        assert _scans(other) == 5
        # a run holding a row the database refuses (no desk): the others are kept, that one is named
        bad_body = {**json.loads(entries[1].body), "id": "f" * 32, "desk": None}
        bad = dataclasses.replace(entries[1], id="e" * 32, body=json.dumps(bad_body))
        fresh = [dataclasses.replace(e, id=f"{n:032x}", body=json.dumps({**json.loads(e.body), "id": f"{n:032x}"}))
                 for n, e in enumerate(entries[:2], start=1)]
        with other.begin() as session:
            failed = store.apply(session, [fresh[0], bad, fresh[1]])
        assert [e.id for e, _reason in failed] == [bad.id]
        assert "desk" in failed[0][1].lower() or "null" in failed[0][1].lower()
        assert _scans(other) == 7
    finally:
        other.close()
