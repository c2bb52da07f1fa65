"""Sync from the portal feed into a real SQLite file, page by page, resuming after faults."""

from __future__ import annotations

import pytest

from desk.core.errors import SourceError
from desk.services.registrations.sources import FeedSourceAdapter
from desk.services.registrations.sync import run_sync
from desk.store import registrations as repo
from tests.services.feedserver import DEFAULT_TOKEN, Fault, FeedServer, make_registration
from tests.event_helpers import db_path_with_event  # noqa: F401 - fixtures: the databases hold an event


def _source(server: FeedServer, limit: int = 3) -> FeedSourceAdapter:
    return FeedSourceAdapter(server.base_url, DEFAULT_TOKEN, limit=limit, timeout_s=0.5, max_attempts=2,
                             backoff_s=0.001, sleep=lambda _s: None)


def _ids(db) -> set[str]:
    with db.begin() as session:
        return set(repo.registrations_by_id(session))


def test_feed_sync_pulls_every_page_then_only_changes(db):
    with FeedServer([make_registration(n) for n in range(10)]) as server:
        first = run_sync(db, _source(server))
        assert (first.added, first.updated, first.rejected) == (10, 0, 0)
        assert first.ignored_columns == []  # extra feed fields are dropped, never stored
        server.update("ECC-00004", status="cancelled")
        server.update("ECC-00007", last_name="Wójcik")
        second = run_sync(db, _source(server))
        assert second.updated == 2 and second.added == 0
    with db.begin() as session:
        assert repo.get_registration(session, "ECC-00004").status.value == "cancelled"
        assert repo.get_registration(session, "ECC-00007").last_name == "Wójcik"
        changes = repo.sync_log(session, "ECC-00007")[0]["changes"]
    assert changes["last_name"][1] == "Wójcik"


def test_a_feed_that_dies_mid_way_keeps_applied_pages_and_resumes(db):
    with FeedServer([make_registration(n) for n in range(9)]) as server:
        # page 1 answers; page 2 fails on every attempt
        server.inject(None, Fault.error(502), Fault.error(502))
        report = run_sync(db, _source(server))
        assert report.stopped and "unreachable" in report.stopped
        assert len(_ids(db)) == 3
        resumed = run_sync(db, _source(server))
        assert resumed.stopped is None
        assert len(_ids(db)) == 9
        asked = [r.query.get("since") for r in server.requests]
    assert asked.count(None) + asked.count("") <= 2  # the second sync did not start over


def test_a_dead_feed_changes_nothing_and_says_why(db):
    with FeedServer([make_registration(1)]) as server:
        server.inject(Fault.error(503), Fault.error(503))
        with pytest.raises(SourceError, match="unreachable"):
            run_sync(db, _source(server))
    assert _ids(db) == set()


def test_an_invalid_item_is_reported_and_the_rest_of_its_page_applied(db):
    items = [make_registration(n) for n in range(3)]
    items[1]["status"] = "maybe"
    with FeedServer(items) as server:
        report = run_sync(db, _source(server, limit=10))
    assert report.lines() == ["added 2, updated 0, unchanged 0, rejected 1 rows",
                              "row 2: unknown status 'maybe' (expected validated, pending, rejected or cancelled)"]
    assert _ids(db) == {"ECC-00000", "ECC-00002"}


def test_cancel_between_pages_keeps_what_was_applied(db):
    seen = []

    def cancelled() -> bool:
        return len(seen) >= 2  # the second page arrived: stop before applying it

    with FeedServer([make_registration(n) for n in range(9)]) as server:
        report = run_sync(db, _source(server), progress=lambda d, t: seen.append(d), cancelled=cancelled)
    assert report.cancelled
    assert 0 < len(_ids(db)) < 9
