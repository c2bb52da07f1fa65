"""A portal that misbehaves without ever failing cannot hold a sync: each bound ends it
with a sentence saying what the portal did, and the pages applied before stay applied."""

from __future__ import annotations

import base64

import pytest

from desk.core.errors import SourceError
from desk.services.registrations.feed import FeedPage, FeedSource
from desk.services.registrations.sources import FeedSourceAdapter
from desk.services.registrations.sync import run_sync
from desk.store import registrations as repo
from tests.services.feedserver import DEFAULT_TOKEN, Fault, FeedServer, make_registration
from tests.services.test_feed import NOW, RecordingSleep, feed_for, server, sleep  # noqa: F401 - fixtures
from tests.event_helpers import db_path_with_event  # noqa: F401 - fixtures: the databases hold an event


# The feed tests' recording sleep, local server and client settings serve here too.


def pull(feed: FeedSource) -> tuple[list[FeedPage], SourceError]:
    """The pages yielded before the feed ended, and the error that ended it."""
    kept: list[FeedPage] = []
    with pytest.raises(SourceError) as failure:
        for page in feed.pages():
            kept.append(page)
    return kept, failure.value


# -- the feed client ---------------------------------------------------------------------

def test_a_cursor_that_changes_on_every_empty_page_ends_the_sync(server: FeedServer, sleep: RecordingSleep) -> None:
    server.inject(None)
    server.always(Fault.moving_cursor())

    kept, error = pull(feed_for(server, sleep, max_empty_pages=4))

    assert str(error) == ("the portal feed sent 4 pages in a row with no registration and a new cursor "
                          "each time; stopped so that sync does not loop")
    assert [p.raw_count for p in kept] == [5, 0, 0, 0]
    assert len(server.requests) == 5 and sleep.delays == []


def test_a_few_empty_pages_with_a_new_cursor_are_fine(server: FeedServer, sleep: RecordingSleep) -> None:
    # two empty pages (a portal filtering what desk may not see), each pointing at the start
    # with a cursor spelt differently ("seq:0", "seq:00"), then the real pages
    start = [base64.urlsafe_b64encode(text.encode()).decode().rstrip("=") for text in ("seq:0", "seq:00")]
    server.inject(*(Fault.custom({"items": [], "next": cursor}) for cursor in start))

    pages = list(feed_for(server, sleep, max_empty_pages=3).pages())

    assert [p.raw_count for p in pages] == [0, 0, 5, 5, 2]


def test_a_retry_after_beyond_the_cap_ends_the_sync_without_waiting(
    server: FeedServer, sleep: RecordingSleep,
) -> None:
    server.inject(None, Fault.throttle("100000"))

    kept, error = pull(feed_for(server, sleep, max_retry_after_s=120.0))

    assert str(error) == ("the portal asked desk to wait 100000 s before asking again (HTTP 429 Retry-After); "
                          "desk waits at most 120 s, so the sync stopped: try again later")
    assert len(kept) == 1 and sleep.delays == [] and len(server.requests) == 2


def test_a_dripping_answer_ends_the_sync_at_the_minimum_rate(server: FeedServer, sleep: RecordingSleep) -> None:
    server.inject(None, Fault.drip(0.05))

    kept, error = pull(feed_for(server, sleep, min_bytes_per_s=100.0, rate_grace_s=0.3))

    assert str(error).startswith("the portal sent its answer at ")
    assert str(error).endswith(" bytes/s); stopped so that sync does not hang")
    assert "(desk needs at least 100 bytes/s)" in str(error)
    assert len(kept) == 1 and len(server.requests) == 2  # not retried: a drip would drip again


def test_waits_count_towards_the_time_a_sync_may_take(server: FeedServer, sleep: RecordingSleep) -> None:
    server.inject(None)
    server.always(Fault.throttle("1"))

    kept, error = pull(feed_for(server, sleep, max_attempts=1000, max_sync_s=5.0))

    assert str(error) == ("the portal feed kept desk waiting for more than 5 s in this sync (1 page(s) "
                          "received) (last problem: the portal keeps asking desk to slow down (HTTP 429)); "
                          "stopped: sync again to go on from there")
    assert sleep.delays == [1.0] * 4 and len(kept) == 1


def test_an_answer_still_arriving_when_the_time_is_up_ends_the_sync(
    server: FeedServer, sleep: RecordingSleep,
) -> None:
    server.inject(None)
    server.always(Fault.drip(0.02))  # about 50 bytes/s: above this test's minimum rate

    kept, error = pull(feed_for(server, sleep, max_sync_s=0.6, min_bytes_per_s=1.0))

    assert str(error).startswith("the portal feed kept desk waiting for more than 0.6 s in this sync "
                                 "(1 page(s) received) (last problem: an answer was still arriving)")
    assert len(kept) == 1 and len(server.requests) == 2


def test_headers_sent_a_byte_at_a_time_end_the_sync_when_the_time_is_up(
    server: FeedServer, sleep: RecordingSleep,
) -> None:
    # each byte arrives well within the read timeout, so only the sync's own time can end it
    server.inject(None)
    server.always(Fault.header_drip(0.05))

    kept, error = pull(feed_for(server, sleep, max_sync_s=0.8, timeout_s=5.0))

    assert str(error) == ("the portal feed kept desk waiting for more than 0.8 s in this sync "
                          "(1 page(s) received) (last problem: an answer was still arriving); "
                          "stopped: sync again to go on from there")
    assert len(kept) == 1 and len(server.requests) == 2 and sleep.delays == []


def test_the_bounds_leave_a_normal_feed_alone(server: FeedServer, sleep: RecordingSleep) -> None:
    server.inject(Fault.throttle("2"), Fault.error(503))

    pages = list(feed_for(server, sleep, max_sync_s=30.0, max_empty_pages=1, max_retry_after_s=2.0).pages())

    assert sum(p.raw_count for p in pages) == 12 and sleep.delays == [2.0, 0.02]


# -- through the sync service: applied pages stay ---------------------------------------

def _ids(db) -> set[str]:
    with db.begin() as session:
        return set(repo.registrations_by_id(session))


def _source(server: FeedServer, **options: object) -> FeedSourceAdapter:
    return FeedSourceAdapter(server.base_url, DEFAULT_TOKEN, limit=3, timeout_s=5.0, max_attempts=3,
                             backoff_s=0.001, sleep=lambda _s: None, **options)


@pytest.mark.parametrize(("misbehaviour", "options", "sentence"), [
    (Fault.moving_cursor(), {"max_empty_pages": 3}, "sent 3 pages in a row with no registration"),
    (Fault.throttle("100000"), {}, "asked desk to wait 100000 s"),
    (Fault.drip(0.05), {"min_bytes_per_s": 100.0, "rate_grace_s": 0.3}, "bytes/s); stopped so that sync does not hang"),
    (Fault.drip(0.02), {"max_sync_s": 0.6, "min_bytes_per_s": 1.0}, "kept desk waiting for more than 0.6 s"),
])
def test_a_sync_stopped_by_a_bound_keeps_the_pages_it_applied(db, misbehaviour, options, sentence):
    with FeedServer([make_registration(n) for n in range(9)]) as server:
        server.inject(None, None)
        server.always(misbehaviour)
        report = run_sync(db, _source(server, **options))
    assert report.stopped is not None and sentence in report.stopped
    assert report.added == 6 and len(_ids(db)) == 6


def test_the_command_line_says_what_the_portal_did_and_keeps_the_applied_page(db_path):
    from click.testing import CliRunner

    import desk.cli

    with FeedServer([make_registration(n) for n in range(1, 503)]) as server:
        server.inject(None, Fault.throttle("100000"))
        run = CliRunner().invoke(desk.cli.cli, ["--db", f"sqlite:///{db_path}", "import", server.base_url,
                                                "--token", server.token], prog_name="desk")
    assert run.exit_code != 0
    assert run.stdout.splitlines()[0] == "added 500, updated 0, unchanged 0, rejected 0 rows"
    assert run.stderr.strip().endswith(
        "the sync stopped early, applied pages are kept: the portal asked desk to wait 100000 s before "
        "asking again (HTTP 429 Retry-After); desk waits at most 120 s, so the sync stopped: try again later")
