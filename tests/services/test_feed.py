"""The portal feed client against a real local HTTP server that injects faults."""

from __future__ import annotations

import datetime as dt
import email.utils
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desk.core.attendees import Category, Registration, Status
from desk.core.errors import SourceError
from desk.services.registrations.feed import (
    FeedCursorRejected, FeedPage, FeedPageInvalid, FeedSource, parse_retry_after, validate_page,
)
from tests.services.feedserver import Fault, FeedServer, encode_cursor, make_registration

NOW = dt.datetime(2016, 11, 29, 8, 30, tzinfo=dt.timezone.utc)
STALL_TIMEOUT_S = 0.2  # the client's timeout in tests where the server stalls (for 5 s+)


class RecordingSleep:
    """Stands in for time.sleep: remembers the delays asked for, waits for nothing."""

    def __init__(self, then: Callable[[], None] = lambda: None) -> None:
        self.delays: list[float] = []
        self._then = then

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        self._then()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer([make_registration(n) for n in range(1, 13)], stall_s=5.0) as running:
        yield running
    assert running.handler_errors == []


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


def feed_for(server: FeedServer, sleep: RecordingSleep, **options: object) -> FeedSource:
    settings: dict[str, object] = {
        # Generous by default so a loaded machine cannot turn a normal answer into a retry;
        # tests of the stall fault pass STALL_TIMEOUT_S.
        "limit": 5, "timeout_s": 5.0, "max_attempts": 4, "backoff_s": 0.01,
        "sleep": sleep, "jitter": lambda: 1.0, "clock": lambda: NOW,
    }
    settings.update(options)
    return FeedSource(server.base_url, server.token, **settings)  # type: ignore[arg-type]


def applied(pages: list[FeedPage]) -> dict[str, Registration]:
    """What the sync service would hold after applying the pages in order."""
    state: dict[str, Registration] = {}
    for page in pages:
        for row in page.rows:
            state[row.registration.registration_id] = row.registration
    return state


def expected(server: FeedServer) -> dict[str, Registration]:
    """The portal's present state, read independently of the pages under test."""
    page = validate_page({"items": list(server.current().values()), "next": None}, None)
    return {row.registration.registration_id: row.registration for row in page.rows}


def ids(page: FeedPage) -> list[str]:
    return [row.registration.registration_id for row in page.rows]


# -- the happy path ------------------------------------------------------------------

def test_full_pull_comes_in_pages_chained_by_cursor(server: FeedServer, sleep: RecordingSleep) -> None:
    pages = list(feed_for(server, sleep).pages(None))

    assert [p.raw_count for p in pages] == [5, 5, 2]
    assert ids(pages[0]) == [f"ECC-{n:05d}" for n in range(1, 6)]
    assert [row.line for row in pages[1].rows] == [1, 2, 3, 4, 5]
    assert pages[0].cursor_used is None
    assert pages[1].cursor_used == pages[0].next_cursor == encode_cursor(5)
    assert pages[2].cursor_used == pages[1].next_cursor
    assert pages[2].caught_up and pages[2].next_cursor is None
    assert pages[2].resume_cursor == pages[2].cursor_used
    assert applied(pages) == expected(server)
    assert sleep.delays == []

    first, second = server.requests[0], server.requests[1]
    assert "since" not in first.query and first.query["limit"] == "5"
    assert second.query["since"] == pages[0].next_cursor
    assert all(r.headers["authorization"] == f"Bearer {server.token}" for r in server.requests)


def test_rows_keep_desks_fields_and_drop_the_rest(server: FeedServer, sleep: RecordingSleep) -> None:
    server.put(make_registration(40, email="Mixed@Case.EU", days="2016-11-30;2016-11-29", status="Approved"))

    pages = list(feed_for(server, sleep, limit=100).pages())

    reg = applied(pages)["ECC-00040"]
    assert reg == Registration(
        registration_id="ECC-00040", status=Status.VALIDATED, first_name="Anna", last_name="Novák",
        email="mixed@case.eu", organisation="Cluster 5", country="BE",
        category=Category.CLUSTER_PRACTITIONER, days=(dt.date(2016, 11, 29), dt.date(2016, 11, 30)),
        ticket_code="T000040", updated_at=dt.datetime(2016, 10, 1, 9, 40, tzinfo=dt.timezone.utc),
    )
    assert applied(pages)["ECC-00001"].days == (dt.date(2016, 11, 29), dt.date(2016, 11, 30))


def test_an_empty_feed_is_one_empty_caught_up_page(sleep: RecordingSleep) -> None:
    with FeedServer() as empty:
        pages = list(feed_for(empty, sleep).pages(""))

    assert len(pages) == 1
    assert pages[0].rows == [] and pages[0].caught_up and pages[0].resume_cursor is None
    assert "since" not in empty.requests[0].query


def test_resume_from_stored_cursor_gets_only_newer_changes(server: FeedServer, sleep: RecordingSleep) -> None:
    feed = feed_for(server, sleep)
    stored = list(feed.pages())[-1].resume_cursor
    server.update("ECC-00003", status="cancelled")
    server.put(make_registration(13))

    again = list(feed.pages(stored))

    assert server.requests[3].query["since"] == stored
    # The last page of the previous sync comes once more (null `next`), then the news.
    assert [i for p in again for i in ids(p)] == ["ECC-00011", "ECC-00012", "ECC-00003", "ECC-00013"]
    assert applied(again)["ECC-00003"].status is Status.CANCELLED

    quiet = list(feed.pages(again[-1].resume_cursor))
    assert [i for p in quiet for i in ids(p)] == ["ECC-00011", "ECC-00012", "ECC-00003", "ECC-00013"]
    assert len(quiet) == 1


def test_a_sync_that_died_resumes_after_the_last_applied_page(
    server: FeedServer, sleep: RecordingSleep,
) -> None:
    feed = feed_for(server, sleep)
    server.inject(None, *[Fault.error(503)] * 4)
    kept: list[FeedPage] = []
    with pytest.raises(SourceError):
        for page in feed.pages():
            kept.append(page)
    assert len(kept) == 1

    rest = list(feed.pages(kept[-1].resume_cursor))

    assert server.requests[-2].query["since"] == kept[-1].resume_cursor
    assert applied(kept + rest) == expected(server)


# -- faults that are retried -----------------------------------------------------------

@pytest.mark.parametrize("fault", [
    Fault.timeout(), Fault.truncated(), Fault.reset(), Fault.html_502(), Fault.html_200(),
    Fault.error(500), Fault.error(503), Fault.error(408),
], ids=lambda f: f"{f.kind}-{f.status}")
def test_a_fault_on_a_page_is_retried_and_the_result_is_complete(
    server: FeedServer, sleep: RecordingSleep, fault: Fault,
) -> None:
    server.inject(None, fault)

    timeout_s = STALL_TIMEOUT_S if fault.kind == "timeout" else 5.0
    pages = list(feed_for(server, sleep, timeout_s=timeout_s).pages())

    assert applied(pages) == expected(server)
    assert [r.query.get("since") for r in server.requests] == [
        None, encode_cursor(5), encode_cursor(5), encode_cursor(10),
    ]
    assert sleep.delays == [0.01]


def test_pages_changing_between_requests_still_converge(server: FeedServer, sleep: RecordingSleep) -> None:
    def edit(portal: FeedServer) -> None:
        portal.update("ECC-00002", status="cancelled")   # already read on page 1
        portal.update("ECC-00009", last_name="Vermeulen")  # not read yet
        portal.put(make_registration(20))

    server.inject(None, Fault.change(edit), Fault.timeout())

    pages = list(feed_for(server, sleep, timeout_s=STALL_TIMEOUT_S).pages())

    state = applied(pages)
    assert state == expected(server)
    assert state["ECC-00002"].status is Status.CANCELLED
    assert state["ECC-00009"].last_name == "Vermeulen"
    seen_twice = [i for p in pages for i in ids(p) if i == "ECC-00002"]
    assert len(seen_twice) == 2


def test_retry_after_in_seconds_is_honoured(server: FeedServer, sleep: RecordingSleep) -> None:
    server.inject(Fault.throttle("7"))

    pages = list(feed_for(server, sleep).pages())

    assert sleep.delays == [7.0]
    assert applied(pages) == expected(server)


def test_retry_after_as_http_date_is_honoured(server: FeedServer, sleep: RecordingSleep) -> None:
    later = email.utils.format_datetime(NOW + dt.timedelta(seconds=12), usegmt=True)
    server.inject(None, Fault.throttle(later))

    list(feed_for(server, sleep).pages())

    assert sleep.delays == [12.0]


def test_retry_after_up_to_the_cap_is_obeyed_else_backoff(server: FeedServer, sleep: RecordingSleep) -> None:
    server.inject(Fault.throttle("30"), Fault.throttle(None), Fault.throttle("soon"))

    list(feed_for(server, sleep, max_retry_after_s=30.0).pages())

    assert sleep.delays == [30.0, 0.02, 0.04]


def test_backoff_doubles_with_jitter_and_a_ceiling(server: FeedServer, sleep: RecordingSleep) -> None:
    server.inject(*[Fault.error(500)] * 5)
    draws = iter([0.0, 0.5, 0.999, 0.0, 0.0])

    list(feed_for(server, sleep, max_attempts=6, backoff_s=1.0, max_backoff_s=8.0,
                  jitter=lambda: next(draws)).pages())

    assert sleep.delays == pytest.approx([0.5, 1.5, 3.998, 4.0, 4.0])


def test_max_attempts_count_per_page(server: FeedServer, sleep: RecordingSleep) -> None:
    server.inject(Fault.error(500), None, Fault.error(500), None, Fault.error(500))

    pages = list(feed_for(server, sleep, max_attempts=2).pages())

    assert applied(pages) == expected(server)
    assert len(sleep.delays) == 3


# -- faults that end the sync ------------------------------------------------------------

@pytest.mark.parametrize(("fault", "reason"), [
    (Fault.timeout(), "timed out"),
    (Fault.error(502), "the portal answered HTTP 502"),
    (Fault.html_502(), "the portal answered HTTP 502"),
    (Fault.html_200(), "the answer is not JSON (text/html)"),
    (Fault.truncated(), "the answer was cut off or is broken JSON"),
    (Fault.throttle("1"), "the portal keeps asking desk to slow down (HTTP 429)"),
])
def test_exhausted_retries_give_one_readable_line(
    server: FeedServer, sleep: RecordingSleep, fault: Fault, reason: str,
) -> None:
    server.inject(None, *[fault] * 3)
    kept: list[FeedPage] = []

    with pytest.raises(SourceError) as failure:
        timeout_s = STALL_TIMEOUT_S if fault.kind == "timeout" else 5.0
        for page in feed_for(server, sleep, max_attempts=3, timeout_s=timeout_s).pages():
            kept.append(page)

    assert str(failure.value) == f"portal feed unreachable after 3 attempts: {reason}"
    assert len(kept) == 1 and len(server.requests) == 4 and len(sleep.delays) == 2


def test_a_portal_that_is_down_is_unreachable(sleep: RecordingSleep) -> None:
    with FeedServer() as gone:
        url = gone.base_url

    feed = FeedSource(url, "t", timeout_s=5.0, max_attempts=2, backoff_s=0.01, sleep=sleep)
    with pytest.raises(SourceError, match=r"^portal feed unreachable after 2 attempts: connection failed"):
        list(feed.pages())


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_token_fails_at_once(server: FeedServer, sleep: RecordingSleep, status: int) -> None:
    server.inject(None, Fault.unauthorized(status))
    kept: list[FeedPage] = []

    with pytest.raises(SourceError, match=f"the portal refused the token \\(HTTP {status}\\)") as failure:
        for page in feed_for(server, sleep).pages():
            kept.append(page)

    assert len(kept) == 1 and len(server.requests) == 2 and sleep.delays == []
    assert server.token not in str(failure.value)


def test_a_wrong_token_is_refused_by_the_portal(server: FeedServer, sleep: RecordingSleep) -> None:
    feed = FeedSource(server.base_url, "stale-token", timeout_s=5.0, sleep=sleep)

    with pytest.raises(SourceError, match="refused the token"):
        list(feed.pages())
    assert len(server.requests) == 1 and sleep.delays == []


def test_other_client_errors_are_not_retried(server: FeedServer, sleep: RecordingSleep) -> None:
    server.inject(Fault.error(404))

    with pytest.raises(SourceError, match="answered HTTP 404"):
        list(feed_for(server, sleep).pages())
    assert len(server.requests) == 1 and sleep.delays == []


def test_a_cursor_the_portal_no_longer_knows_asks_for_a_full_sync(
    server: FeedServer, sleep: RecordingSleep,
) -> None:
    with pytest.raises(FeedCursorRejected, match="since=not-a-cursor \\(HTTP 400\\); a full sync") as failure:
        list(feed_for(server, sleep).pages("not-a-cursor"))

    assert failure.value.cursor == "not-a-cursor" and isinstance(failure.value, SourceError)
    assert len(server.requests) == 1 and sleep.delays == []
    assert applied(list(feed_for(server, sleep).pages(None))) == expected(server)


def test_an_oversized_page_is_refused_without_retry(server: FeedServer, sleep: RecordingSleep) -> None:
    with pytest.raises(SourceError, match="larger than"):
        list(feed_for(server, sleep, max_page_bytes=1000).pages())
    assert len(server.requests) == 1


def test_a_cursor_that_comes_back_stops_the_loop(server: FeedServer, sleep: RecordingSleep) -> None:
    server.inject(Fault.custom({"items": [], "next": "abc"}), Fault.custom({"items": [], "next": "abc"}))

    with pytest.raises(SourceError, match="sent cursor abc twice"):
        list(feed_for(server, sleep).pages())
    assert len(server.requests) == 2


# -- validation --------------------------------------------------------------------------

def test_an_invalid_item_is_reported_and_the_rest_of_its_page_kept(server: FeedServer, sleep: RecordingSleep) -> None:
    server.update("ECC-00011", status="x")  # page 3, item 1
    server.update("ECC-00012", email="not-an-address")
    for n in range(13, 17):  # 13 is page 3, item 3; 16 is page 4
        server.put(make_registration(n, days=["2016-11-29", 30]) if n == 13 else make_registration(n))

    pages = list(feed_for(server, sleep).pages())

    assert [p.raw_count for p in pages] == [5, 5, 5, 1]
    third = pages[2]
    assert [(e.line, e.field) for e in third.errors] == [(1, "status"), (2, "email"), (3, "days")]
    assert str(third.errors[0]).startswith("row 1: unknown status 'x'")
    assert ids(third) == ["ECC-00014", "ECC-00015"]
    assert ids(pages[3]) == ["ECC-00016"] and pages[3].caught_up
    assert all(not p.errors for p in pages[:2] + pages[3:])


@pytest.mark.parametrize(("item", "reason"), [
    ("ECC-2", "row 2: item is a JSON string, not an object"),
    (make_registration(2, first_name={"x": 1}), "row 2: first_name must be text, not a JSON object"),
    (make_registration(2, last_name=True), "row 2: last_name must be text, not a JSON true/false"),
    (make_registration(2, registration_id=float("nan")), "row 2: registration_id must be text, not the number nan"),
    (make_registration(2, first_name="\ud800"), "row 2: first_name holds a character that is not text (\\ud800"),
    (make_registration(2, updated_at="9999-12-31T23:59:59-05:00"), "row 2: updated_at '9999-12-31T23:59:59-05:00' "
                                                                   "is out of range"),
])
def test_a_bad_item_costs_only_itself(server: FeedServer, sleep: RecordingSleep, item: object, reason: str) -> None:
    server.inject(Fault.custom({"items": [make_registration(1), item, make_registration(3)], "next": None}))

    (page,) = list(feed_for(server, sleep).pages())

    assert ids(page) == ["ECC-00001", "ECC-00003"]
    assert [str(e) for e in page.errors][0].startswith(reason)
    assert len(server.requests) == 1 and sleep.delays == []


@pytest.mark.parametrize(("payload", "reason"), [
    ([], "the answer is a JSON list, not an object"),
    ({"next": None}, "'items' should be a list, it is missing"),
    ({"items": {"a": 1}, "next": None}, "'items' should be a list, it is a JSON dict"),
    ({"items": [], "next": 5}, "'next' should be a string or null, it is a JSON int"),
])
def test_a_malformed_page_is_invalid_and_not_retried(
    server: FeedServer, sleep: RecordingSleep, payload: object, reason: str,
) -> None:
    server.inject(Fault.custom(payload))

    with pytest.raises(FeedPageInvalid, match="page since=\\(start\\)") as failure:
        list(feed_for(server, sleep).pages())

    assert reason in str(failure.value)
    assert len(server.requests) == 1 and sleep.delays == []


def test_validate_page_reads_an_empty_next_as_caught_up() -> None:
    page = validate_page({"items": [make_registration(1)], "next": ""}, "abc")

    assert page.caught_up and page.resume_cursor == "abc" and ids(page) == ["ECC-00001"]


# -- cancellation ------------------------------------------------------------------------

def test_cancelling_between_pages_stops_cleanly(server: FeedServer, sleep: RecordingSleep) -> None:
    stop = threading.Event()
    kept: list[FeedPage] = []

    for page in feed_for(server, sleep).pages(None, stop.is_set):
        kept.append(page)
        stop.set()

    assert len(kept) == 1 and len(server.requests) == 1


def test_cancelling_during_backoff_stops_before_the_next_attempt(server: FeedServer) -> None:
    stop = threading.Event()
    sleep = RecordingSleep(then=stop.set)
    server.inject(Fault.error(500))

    pages = list(feed_for(server, sleep).pages(None, stop.is_set))

    assert pages == [] and len(server.requests) == 1 and sleep.delays == [0.01]


# -- plumbing ----------------------------------------------------------------------------

def test_a_borrowed_client_is_left_open(server: FeedServer, sleep: RecordingSleep) -> None:
    with httpx.Client() as client:
        pages = list(feed_for(server, sleep, client=client).pages())
        assert not client.is_closed
    assert applied(pages) == expected(server)


def test_parse_retry_after() -> None:
    assert parse_retry_after("120", NOW) == 120.0
    an_hour_ago = email.utils.format_datetime(NOW - dt.timedelta(hours=1), usegmt=True)
    assert parse_retry_after(an_hour_ago, NOW) == 0.0
    assert parse_retry_after("Tue, 29 Nov 2016 08:30:05 GMT", NOW) == 5.0
    assert parse_retry_after(None, NOW) is None
    assert parse_retry_after(" ", NOW) is None
    assert parse_retry_after("in a while", NOW) is None


def test_the_server_stops_with_a_stalled_answer_and_leaves_no_thread(sleep: RecordingSleep) -> None:
    before = set(threading.enumerate())
    with FeedServer([make_registration(1)], stall_s=60.0) as portal:
        portal.inject(Fault.timeout())
        with pytest.raises(SourceError, match="timed out"):
            list(feed_for(portal, sleep, max_attempts=1, timeout_s=STALL_TIMEOUT_S).pages())
        # An idle keep-alive connection is still open when the server stops.
        with httpx.Client() as client:
            client.get(portal.base_url + "/registrations", headers={"Authorization": "Bearer x"})

    assert set(threading.enumerate()) <= before


def test_abandoning_the_pages_midway_closes_the_connection(server: FeedServer, sleep: RecordingSleep) -> None:
    pages = feed_for(server, sleep).pages()
    first = next(pages)
    pages.close()  # what a sync that stops consuming does; a leaked socket would warn

    assert first.raw_count == 5 and len(server.requests) == 1


# -- convergence under any mix of faults and concurrent changes ---------------------------

_RETRIED = st.sampled_from([
    Fault.truncated(), Fault.reset(), Fault.html_502(), Fault.html_200(), Fault.error(500),
    Fault.throttle("0"),
])


@st.composite
def _events(draw: st.DrawFn) -> list[Fault | None]:
    """Per request: behave, fail in a retried way, or change the portal first."""
    events: list[Fault | None] = []
    for kind, n, status in draw(st.lists(
        st.tuples(st.sampled_from(["ok", "fault", "change", "add"]), st.integers(1, 12),
                  st.sampled_from(["validated", "pending", "cancelled"])),
        max_size=12,
    )):
        if kind == "fault":
            events.append(draw(_RETRIED))
        elif kind == "change":
            rid = f"ECC-{n:05d}"
            events.append(Fault.change(
                lambda portal, rid=rid, status=status: portal.update(rid, status=status)))
        elif kind == "add":
            events.append(Fault.change(lambda portal, n=n: portal.put(make_registration(100 + n))))
        else:
            events.append(None)
    return events


@settings(max_examples=30, deadline=None)
@given(events=_events(), limit=st.integers(1, 7), later=_events())
def test_pulls_converge_on_the_portals_state(events: list[Fault | None], limit: int,
                                            later: list[Fault | None]) -> None:
    sleep = RecordingSleep()
    with FeedServer([make_registration(n) for n in range(1, 13)]) as portal:
        feed = feed_for(portal, sleep, limit=limit, max_attempts=len(events) + len(later) + 1)
        portal.inject(*events)
        first = list(feed.pages())
        # Changes only happen when a request arrives, so this is the state the pull ended on.
        assert applied(first) == expected(portal)
        portal.inject(*later)
        second = list(feed.pages(first[-1].resume_cursor))

        assert applied(first + second) == expected(portal)
        assert all(page.raw_count <= limit for page in first + second)
        assert portal.handler_errors == []
