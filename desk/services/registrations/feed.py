"""Client for the portal's JSON registration feed: paged, incremental, patient with faults.

The feed is `GET {base}/registrations?since={cursor}&limit={n}` with a bearer token,
answering `{"items": [...], "next": cursor-or-null}`. `FeedSource.pages` yields one
validated `FeedPage` at a time; the sync service applies each page in one transaction
together with `page.resume_cursor`, so a failure later on keeps every applied page.

Cursor rule (why `resume_cursor` exists). The cursor is opaque: desk cannot build
"just after the last item" itself. While `next` is a string, it is the place after the
page, so it is what to store. When `next` is null the portal says "caught up" and gives
no cursor past the last page; desk then stores the cursor the last page was *asked*
with (`cursor_used`). The next sync asks `since=<that>` again and receives that last
page once more plus anything newer. Re-applying is harmless because the rows are the
portal's current state for each registration (an upsert by registration_id), and it
costs at most one page. A first sync that fits in one page stores no cursor, so later
syncs re-read that (single, at most `limit` rows) page until the feed grows past it.

Bounds. A portal can misbehave without ever failing: a cursor that changes on every
page while no registration comes, an answer dripped a byte at a time, a `Retry-After`
of a day. So one sync is bounded: by the time it may spend on the portal (requests
and waits, not desk's own work), by a run of empty pages each with a new cursor, by
the longest `Retry-After` it obeys, and by a minimum transfer rate. Each ends the sync
with a SourceError whose sentence says what the portal did; pages yielded before it
are complete, so the sync service keeps them and the next sync resumes after them.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import httpx

from desk.core.errors import RowError, SourceError
from desk.core.categories import DEFAULT_WORDS, CategoryWords
from desk.core.portal import ParsedRow, parse_fields
from desk.core.portaljson import json_absent, json_fields, load_json

MAX_PAGE_BYTES = 50 * 1024 * 1024
MAX_CURSOR_CHARS = 2048
MAX_SYNC_S = 120.0          # time one sync may spend on the portal
MAX_EMPTY_PAGES = 20        # empty pages in a row, each with a new cursor
MIN_BYTES_PER_S = 256.0     # slower than this after RATE_GRACE_S is a drip, not a link
RATE_GRACE_S = 10.0
_SHOWN_ERRORS = 3


def _never() -> bool:
    return False


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _shown_cursor(cursor: str | None) -> str:
    if cursor is None:
        return "(start)"
    return cursor if len(cursor) <= 40 else cursor[:37] + "..."


@dataclass(frozen=True)
class FeedPage:
    """One validated page of the feed: the good rows and the errors of the bad items.

    `rows[i].line` is the item's 1-based position within this page.
    """

    cursor_used: str | None
    next_cursor: str | None
    rows: list[ParsedRow]
    raw_count: int
    errors: tuple[RowError, ...] = ()  # the items that could not be read (their line: position in the page)

    @property
    def caught_up(self) -> bool:
        """True for the last page: the portal has nothing newer for now."""
        return self.next_cursor is None

    @property
    def resume_cursor(self) -> str | None:
        """The cursor to store together with this page (see the module docstring)."""
        return self.next_cursor if self.next_cursor is not None else self.cursor_used


class FeedPageInvalid(SourceError):
    """A page did not validate as a whole; nothing from it may be applied.

    `cursor` is the `since` the page was asked with, `errors` the RowErrors (their
    `line` is the 1-based item number), `messages` one readable line per problem.
    """

    def __init__(self, cursor: str | None, errors: list[RowError], reason: str = "") -> None:
        self.cursor = cursor
        self.errors = list(errors)
        where = f"page since={_shown_cursor(cursor)}"
        self.messages = [f"{where} item {e.line}: {e.reason}" for e in self.errors]
        if reason:
            self.messages.insert(0, f"{where}: {reason}")
        shown = "; ".join(self.messages[:_SHOWN_ERRORS])
        more = len(self.messages) - _SHOWN_ERRORS
        if more > 0:
            shown += f" (and {more} more)"
        super().__init__(f"the portal feed sent an invalid page, nothing from it was applied: {shown}")


class FeedCursorRejected(SourceError):
    """The portal refused the stored cursor (HTTP 400 or 410 with `since`).

    Typically the portal was reset or the cursor expired; only a sync from the start
    (cursor None) can go on. `cursor` is the refused one.
    """

    def __init__(self, cursor: str, status: int) -> None:
        self.cursor = cursor
        super().__init__(
            f"the portal no longer accepts desk's sync position since={_shown_cursor(cursor)} "
            f"(HTTP {status}); a full sync from the start is needed"
        )


class _Budget:
    """What one sync has spent on the portal: request time measured, waits as asked."""

    def __init__(self, limit_s: float) -> None:
        self.limit_s = limit_s
        self.spent_s = 0.0
        self.pages = 0

    def remaining_s(self) -> float:
        return self.limit_s - self.spent_s

    def exhausted(self, reason: str = "") -> SourceError:
        last = f" (last problem: {reason})" if reason else ""
        return SourceError(
            f"the portal feed kept desk waiting for more than {self.limit_s:g} s in this sync "
            f"({self.pages} page(s) received){last}; stopped: sync again to go on from there"
        )


class _Deadline:
    """Cuts a request's connection when its answer is not in by `limit_s`.

    httpx bounds each read, not a whole answer: a portal that sends its headers one byte
    every few seconds would hold a sync for ever. The socket comes from httpx's documented
    "trace" extension as the connection opens; shutting it down wakes the blocked read.
    """

    def __init__(self, limit_s: float) -> None:
        self.fired = False
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(limit_s, 0.0), self._cut)
        self._timer.daemon = True

    def trace(self, event: str, info: dict) -> None:
        if event == "connection.connect_tcp.complete" and info.get("return_value") is not None:
            with self._lock:
                self._socket = info["return_value"].get_extra_info("socket")

    def _cut(self) -> None:
        with self._lock:
            self.fired = True
            if self._socket is not None:
                try:
                    self._socket.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # already closed: the request ended on its own

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


class _Transient(Exception):
    """A failure worth another attempt; `reason` ends the final message if none succeeds."""

    def __init__(self, reason: str, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s


def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """Return the delay a `Retry-After` header asks for, in seconds (never negative).

    Accepts delta-seconds or an HTTP-date; returns None when absent or unreadable.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - now).total_seconds())


def validate_page(payload: object, cursor: str | None, categories: CategoryWords = DEFAULT_WORDS) -> FeedPage:
    """Check one decoded feed answer and validate every item (category words read as `categories`).

    Returns the FeedPage: its good rows, and a RowError per bad item (`line` is the item's
    position in the page), so that one bad item neither holds back the others nor stops the
    sync at this page for good. Raises FeedPageInvalid when the page itself has the wrong shape.
    """
    if not isinstance(payload, dict):
        raise FeedPageInvalid(cursor, [], f"the answer is a JSON {type(payload).__name__}, not an object")
    items = payload.get("items")
    if not isinstance(items, list):
        found = "missing" if "items" not in payload else f"a JSON {type(items).__name__}"
        raise FeedPageInvalid(cursor, [], f"'items' should be a list, it is {found}")
    next_cursor = payload.get("next")
    if next_cursor is not None and not isinstance(next_cursor, str):
        kind = type(next_cursor).__name__
        raise FeedPageInvalid(cursor, [], f"'next' should be a string or null, it is a JSON {kind}")
    if next_cursor is not None and len(next_cursor) > MAX_CURSOR_CHARS:
        raise FeedPageInvalid(cursor, [], f"'next' is {len(next_cursor)} characters long")
    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    for line, item in enumerate(items, start=1):
        try:
            rows.append(parse_fields(json_fields(item, line), line, absent=json_absent(item),  # type: ignore[arg-type]
                                    categories=categories))  # type: ignore[arg-type]
        except RowError as error:
            errors.append(error)
    # An empty string cannot be sent back as a meaningful `since`; read it as "caught up".
    return FeedPage(cursor, next_cursor or None, rows, len(items), tuple(errors))


class FeedSource:
    """Reads the portal feed page by page, retrying what is worth retrying.

    `max_attempts` counts per page: a page that finally arrives resets the count.
    Back-off before attempt n+1 is `backoff_s * 2**(n-1)` (at most `max_backoff_s`)
    times a jitter factor in [0.5, 1); a 429 waits its `Retry-After` instead, and a
    `Retry-After` longer than `max_retry_after_s` ends the sync. `timeout_s` bounds each
    connect/read; `deadline_s` bounds a whole answer (then it is retried). One sync
    spends at most `max_sync_s` on the portal (requests and waits), accepts at most
    `max_empty_pages` empty pages in a row that each bring a new cursor, and ends when
    an answer still arrives slower than `min_bytes_per_s` after `rate_grace_s`.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        limit: int = 500,
        timeout_s: float = 20.0,
        deadline_s: float = 120.0,
        max_attempts: int = 5,
        backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
        max_retry_after_s: float = 120.0,
        max_page_bytes: int = MAX_PAGE_BYTES,
        max_sync_s: float = MAX_SYNC_S,
        max_empty_pages: int = MAX_EMPTY_PAGES,
        min_bytes_per_s: float = MIN_BYTES_PER_S,
        rate_grace_s: float = RATE_GRACE_S,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        clock: Callable[[], dt.datetime] = _utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        if limit < 1 or max_attempts < 1 or max_empty_pages < 1:
            raise ValueError("limit, max_attempts and max_empty_pages must be at least 1")
        self.url = base_url.rstrip("/") + "/registrations"
        self._token = token
        self.categories = DEFAULT_WORDS  # the event's, set by the sync before it reads
        self.limit = limit
        self.timeout_s = timeout_s
        self.deadline_s = deadline_s
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.max_retry_after_s = max_retry_after_s
        self.max_page_bytes = max_page_bytes
        self.max_sync_s = max_sync_s
        self.max_empty_pages = max_empty_pages
        self.min_bytes_per_s = min_bytes_per_s
        self.rate_grace_s = rate_grace_s
        self._monotonic = monotonic
        self._sleep = sleep
        self._jitter = jitter
        self._clock = clock
        self._transport = transport
        self._client = client

    def pages(self, since: str | None = None, cancelled: Callable[[], bool] = _never) -> Iterator[FeedPage]:
        """Yield the feed's pages from `since` (None or "" for the beginning) until caught up.

        `cancelled` is checked before every request and around every back-off; when it
        answers True the iteration simply ends. Raises SourceError when the token is
        refused (at once), when retries run out, when the portal loops on a cursor or
        breaks one of the bounds of the class docstring; FeedPageInvalid (a SourceError)
        when a page has the wrong shape. Pages yielded before an exception are complete and
        may be kept. FeedCursorRejected (a SourceError) when the portal no longer knows
        `since`.
        """
        cursor = since or None
        seen = {cursor}
        budget = _Budget(self.max_sync_s)
        empty_run = 0
        with self._open_client() as client:
            while not cancelled():
                payload = self._payload(client, cursor, cancelled, budget)
                if payload is None:
                    return
                page = validate_page(payload, cursor, self.categories)
                if page.next_cursor is not None and page.next_cursor in seen:
                    raise SourceError(
                        f"the portal feed sent cursor {_shown_cursor(page.next_cursor)} twice; "
                        "stopped so that sync does not loop"
                    )
                # A new cursor with nothing in the page does not bring desk any closer to
                # the end: a few are a filter on the portal's side, a long run is a loop.
                empty_run = empty_run + 1 if page.raw_count == 0 and not page.caught_up else 0
                if empty_run >= self.max_empty_pages:
                    raise SourceError(
                        f"the portal feed sent {empty_run} pages in a row with no registration "
                        "and a new cursor each time; stopped so that sync does not loop"
                    )
                budget.pages += 1
                yield page
                if page.caught_up:
                    return
                cursor = page.next_cursor
                seen.add(cursor)

    def _open_client(self) -> AbstractContextManager[httpx.Client]:
        if self._client is not None:
            # The caller's client: leaving the `with` must not close it.
            return nullcontext(self._client)
        return httpx.Client(
            transport=self._transport,
            timeout=httpx.Timeout(self.timeout_s),
            # a new connection per page, so that each request's deadline can cut its socket
            limits=httpx.Limits(max_keepalive_connections=0),
            follow_redirects=False,
        )

    def _payload(
        self, client: httpx.Client, cursor: str | None, cancelled: Callable[[], bool], budget: _Budget,
    ) -> object | None:
        """Fetch one page's decoded JSON with retries; None when cancelled while waiting."""
        reason = ""
        for attempt in range(1, self.max_attempts + 1):
            started = self._monotonic()
            try:
                return self._fetch(client, cursor, budget)
            except _Transient as failure:
                reason, wait_s = failure.reason, failure.retry_after_s
            finally:
                budget.spent_s += self._monotonic() - started
            if wait_s is not None and wait_s > self.max_retry_after_s:
                raise SourceError(
                    f"the portal asked desk to wait {wait_s:g} s before asking again (HTTP 429 "
                    f"Retry-After); desk waits at most {self.max_retry_after_s:g} s, so the sync "
                    "stopped: try again later"
                )
            if attempt == self.max_attempts:
                break
            delay = wait_s if wait_s is not None else self._backoff(attempt)
            if cancelled():
                return None
            if delay > budget.remaining_s():
                raise budget.exhausted(reason)
            # a wait counts as asked: a test's sleep returns at once, a real one takes as long
            budget.spent_s += delay
            self._sleep(delay)
            if cancelled():
                return None
        raise SourceError(f"portal feed unreachable after {self.max_attempts} attempts: {reason}")

    def _backoff(self, attempt: int) -> float:
        base = min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1))
        # Jitter spreads desks that lost the portal at the same moment.
        return base * (0.5 + 0.5 * self._jitter())

    def _fetch(self, client: httpx.Client, cursor: str | None, budget: _Budget) -> object:
        params = {"limit": str(self.limit)}
        if cursor is not None:
            params["since"] = cursor
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        allowed_s = budget.remaining_s()
        if allowed_s <= 0:
            raise budget.exhausted()
        started = self._monotonic()
        deadline = _Deadline(allowed_s)
        try:
            with deadline, client.stream("GET", self.url, params=params, headers=headers,
                                         timeout=min(self.timeout_s, allowed_s),
                                         extensions={"trace": deadline.trace}) as response:
                self._check_status(response, cursor)
                body = self._read_body(response, started, allowed_s, budget)
        except httpx.TimeoutException:
            if self._monotonic() - started >= allowed_s:
                raise budget.exhausted("timed out") from None
            raise _Transient("timed out") from None
        except httpx.UnsupportedProtocol as error:
            raise SourceError(f"the portal feed address is not usable: {error}") from None
        except httpx.RequestError as error:
            if deadline.fired:
                raise budget.exhausted("an answer was still arriving") from None
            detail = str(error)[:120] or type(error).__name__
            raise _Transient(f"connection failed ({detail})") from None
        try:
            return load_json(body)
        except ValueError:  # JSONDecodeError and UnicodeDecodeError alike
            # A proxy's HTML page and a cut-off answer both pass on retry, but the
            # person reading the final message should know which one it was.
            if body.lstrip()[:1] in (b"{", b"["):
                raise _Transient("the answer was cut off or is broken JSON") from None
            kind = response.headers.get("Content-Type", "no content type").split(";")[0]
            raise _Transient(f"the answer is not JSON ({kind})") from None

    def _check_status(self, response: httpx.Response, cursor: str | None) -> None:
        status = response.status_code
        if status in (401, 403):
            raise SourceError(
                f"the portal refused the token (HTTP {status}); check the feed token in the desk settings"
            )
        if status == 429:
            wait_s = parse_retry_after(response.headers.get("Retry-After"), self._clock())
            raise _Transient("the portal keeps asking desk to slow down (HTTP 429)", wait_s)
        if status >= 500 or status == 408:
            raise _Transient(f"the portal answered HTTP {status}")
        if status in (400, 410) and cursor is not None:
            raise FeedCursorRejected(cursor, status)
        if status != 200:
            raise SourceError(
                f"the portal feed answered HTTP {status} {response.reason_phrase} at {self.url}"
            )

    def _read_body(self, response: httpx.Response, asked: float, allowed_s: float, budget: _Budget) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_page_bytes:
            raise self._too_large()
        started = self._monotonic()
        body = bytearray()
        # Counted after decompression, so a small gzip bomb is stopped too.
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > self.max_page_bytes:
                raise self._too_large()
            now = self._monotonic()
            if now - asked > allowed_s:
                raise budget.exhausted("an answer was still arriving")
            if now - started > self.deadline_s:
                raise _Transient(f"the answer took longer than {self.deadline_s:g} s")
            self._check_rate(response.num_bytes_downloaded, now - started)
        return bytes(body)

    def _check_rate(self, received: int, elapsed_s: float) -> None:
        """End the sync when an answer still trickles in after the grace period.

        Each byte arriving within the read timeout keeps a connection alive forever;
        the rate is over the bytes on the wire, before decompression.
        """
        if elapsed_s <= self.rate_grace_s:
            return
        rate = received / elapsed_s
        if rate < self.min_bytes_per_s:
            raise SourceError(
                f"the portal sent its answer at {rate:.3g} bytes/s for {elapsed_s:.1f} s (desk needs at "
                f"least {self.min_bytes_per_s:g} bytes/s); stopped so that sync does not hang"
            )

    def _too_large(self) -> SourceError:
        return SourceError(
            f"a portal feed page is larger than {self.max_page_bytes // (1024 * 1024)} MB; "
            f"ask for smaller pages (limit is {self.limit})"
        )

