"""A hub prepared by another version of desk is named as such, not met with a database error."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy.engine import make_url

from desk.services import hub
from desk.store import migrate
from desk.store.db import open_database


def _set_version(url: str, old: str, version: str) -> None:
    parsed = make_url(url)
    with psycopg.connect(host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database,
                         autocommit=True) as conn:
        conn.execute("UPDATE alembic_version SET version_num = %s WHERE version_num = %s", (version, old))


def test_a_hub_of_an_older_or_newer_desk_is_said_so_and_the_station_keeps_its_data(db_path, pg_url) -> None:
    hub.init_hub(pg_url)
    station = open_database(f"sqlite:///{db_path}")
    try:
        hub.join(station, pg_url, "entrance-1")
        assert hub.sync(station).pushed >= 0
        latest = max(migrate.heads_from_files())
        _set_version(pg_url, latest, "0001")  # as an older desk left it
        with pytest.raises(hub.NotAHub, match=r"prepared by an older desk: run `desk hub init .*` once"):
            hub.sync(station)
        _set_version(pg_url, "0001", "9999")  # a revision this desk does not know
        with pytest.raises(hub.NotAHub, match="prepared by a newer desk: update desk on this laptop"):
            hub.sync(station)
        with pytest.raises(hub.NotAHub):
            hub.join(station, pg_url, "entrance-1")
        assert hub.station(station).name == "entrance-1"  # the station as it was
    finally:
        station.close()
