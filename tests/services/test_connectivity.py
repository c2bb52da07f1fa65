"""Online or offline, and the last sync: checked against a real feed, a closed port, a real file."""

from __future__ import annotations

import datetime as dt
import socket

from desk.core.attendees import Event
from desk.services.connectivity import check, plain_reason, plain_sync_failure, probe_feed
from desk.services.registrations.sources import open_source
from desk.services.registrations.sync import run_sync
from desk.store import registrations as repo
from desk.store.db import open_database
from tests.services.feedserver import FeedServer, Fault, make_registration
from tests.event_helpers import db_path_with_event  # noqa: F401 - fixtures: the databases hold an event


EVENT_DAY = dt.date(2016, 12, 1)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nobody listens once the socket is closed


def test_low_level_failures_read_as_plain_words():
    url = "https://portal.example.eu/api"
    assert plain_reason("connection failed ([Errno -2] Name or service not known)", url) == \
        "no such host portal.example.eu"
    assert plain_reason("[Errno 111] Connection refused", "http://127.0.0.1:9/api") == "nothing answers at 127.0.0.1:9"
    assert plain_reason("timed out", url) == "no answer from portal.example.eu in time"
    assert "token" in plain_reason("the portal refused the token (HTTP 401)", url)
    assert plain_reason("[Errno 5] something odd", url) == "something odd"
    assert plain_sync_failure("portal feed unreachable after 5 attempts: connection failed "
                              "([Errno -2] Name or service not known)", url) == \
        "The portal could not be reached (no such host portal.example.eu). Working offline."
    assert plain_sync_failure("file not found: x.csv", url) == "file not found: x.csv"


def test_probe_says_online_for_a_feed_that_answers_and_why_not_otherwise():
    with FeedServer([make_registration(1)]) as server:
        assert probe_feed(server.base_url, server.token) is None
        server.inject(Fault.unauthorized())
        assert "refused the feed token" in probe_feed(server.base_url, server.token)
    port = _closed_port()
    assert probe_feed(f"http://127.0.0.1:{port}/api", "t") == f"nothing answers at 127.0.0.1:{port}"


def test_offline_sentence_keeps_the_last_sync_time_across_a_restart(db_path):
    stamp = dt.datetime(2016, 12, 1, 7, 12, tzinfo=dt.timezone.utc)  # 16:12 in Tokyo, where the event is
    db = open_database(f"sqlite:///{db_path}")
    assert check(db, "", "").last_sync is None
    with db.begin() as session:
        repo.save_event(session, Event("Tokyo Cluster Days", "Tokyo", (EVENT_DAY,), timezone="Asia/Tokyo"))
    with FeedServer([make_registration(n) for n in range(1, 4)]) as server:
        report = run_sync(db, open_source(server.base_url, server.token), clock=lambda: stamp)
        assert report.added == 3
        online = check(db, server.base_url, server.token)
        assert online.online and online.sentence(today=EVENT_DAY) == "Online · last sync 16:12."
    db.close()

    again = open_database(f"sqlite:///{db_path}")  # the desk was restarted
    port = _closed_port()
    offline = check(again, f"http://127.0.0.1:{port}/api", "t")
    again.close()
    assert not offline.online and offline.last_sync == stamp
    assert offline.sentence(today=EVENT_DAY) == (
        f"The portal could not be reached (nothing answers at 127.0.0.1:{port}). Working offline; last sync 16:12.")
    assert offline.sentence(today=dt.date(2016, 12, 2)).endswith("last sync Thu 01 Dec 16:12.")


def test_a_database_that_stopped_answering_is_said_with_its_host():
    from sqlalchemy.exc import OperationalError

    class DeadHub:
        url = "postgresql+psycopg://desk:secret@127.0.0.1:1/ecc2016"

        def begin(self):
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError(
                "connection to server at \"127.0.0.1\", port 1 failed: Connection refused"))

    state = check(DeadHub(), "", "")
    assert not state.online and not state.database_ok
    assert state.sentence() == ("The database cannot be reached (nothing answers at 127.0.0.1:1). "
                                "Check-ins cannot be stored.")
    assert "secret" not in state.sentence()
