"""A fresh database with an event: what an import, badges and the checklist need first."""

from __future__ import annotations

import datetime as dt

import pytest

TEST_DAYS = (dt.date(2016, 11, 30), dt.date(2016, 12, 1), dt.date(2016, 12, 2))
# the command line that creates the same event (prepend ["--db", URL] as the CLI tests do)
CREATE_EVENT_ARGS = ["event", "create", "--name", "European Cluster Conference 2016",
                     "--venue", "Crowne Plaza Rogier, Brussels",
                     "--days", ",".join(d.isoformat() for d in TEST_DAYS), "--timezone", "Europe/Brussels"]


def create_event(db, *, name: str = "European Cluster Conference 2016", days=TEST_DAYS,
                 zone: str = "Europe/Brussels", seats: int | None = None, per_organisation: int | None = None,
                 deadline: dt.datetime | None = None):
    """Create the event of a fresh database through the service `desk event create` uses."""
    from desk.services.event import EventChanges
    from desk.services.event import create_event as create

    return create(db, EventChanges(name=name, venue="Crowne Plaza Rogier, Brussels", days=tuple(days),
                                   timezone=zone, seats=seats, per_organisation=per_organisation,
                                   deadline=deadline))


def ensure_event(url_or_path) -> None:
    """Give the database at a SQLite path (or URL) the test event unless it has one already."""
    from desk.services.event import load_event
    from desk.store.db import open_database

    url = str(url_or_path) if "://" in str(url_or_path) else f"sqlite:///{url_or_path}"
    db = open_database(url)
    try:
        if load_event(db) is None:
            create_event(db)
    finally:
        db.close()


# A module that imports these gets databases that hold the test event (an import needs one).
@pytest.fixture(name="db_path")
def db_path_with_event(db_path):
    """A fresh database file holding an event: an import needs one first."""
    ensure_event(db_path)
    return db_path


@pytest.fixture(name="pg_url")
def pg_url_with_event(pg_url):
    """A fresh hub database holding an event: an import needs one first."""
    ensure_event(pg_url)
    return pg_url
