"""A real portal feed on 127.0.0.1 that can misbehave on purpose, for tests and benchmarks.

`FeedServer` serves `GET /registrations?since=&limit=` from a mutable set of
registrations ordered by a change sequence number (the opaque cursor is that number in
base64). Every change (`put`, `update`) gives the registration a new, higher number, so
a registration changed during a sync shows up again further on, as on a real portal.

Faults are queued with `inject(...)`; each request takes the next one (None = behave).
`always(fault)` makes the server misbehave that way whenever no queued fault is left.
Every request is recorded in `requests`. Use it as a context manager:

    with FeedServer([make_registration(1)]) as server:
        FeedSource(server.base_url, server.token, ...)
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import socket
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

DEFAULT_TOKEN = "desk-test-token"
_FIRST_NAMES = ("Anna", "Bruno", "Chloé", "Dirk", "Elena", "François", "Greta", "Hugo")
_LAST_NAMES = ("Janssens", "Peeters", "Müller", "Rossi", "Dubois", "Novák", "García", "Berg")


def make_registration(n: int, **overrides: Any) -> dict[str, Any]:
    """Return a valid feed item for registration number `n`, with an extra portal field."""
    item: dict[str, Any] = {
        "registration_id": f"ECC-{n:05d}",
        "status": "validated",
        "first_name": _FIRST_NAMES[n % len(_FIRST_NAMES)],
        "last_name": _LAST_NAMES[(n // len(_FIRST_NAMES)) % len(_LAST_NAMES)],
        "email": f"person{n}@cluster{n % 7}.example.eu",
        "organisation": f"Cluster {n % 7}",
        "country": "BE",
        "category": "cluster practitioner",
        "days": ["2016-11-29", "2016-11-30"],
        "ticket_code": f"T{n:06d}",
        "updated_at": (dt.datetime(2016, 10, 1, 9, tzinfo=dt.timezone.utc)
                       + dt.timedelta(minutes=n)).isoformat().replace("+00:00", "Z"),
        # The portal sends fields desk must not keep.
        "payment_reference": f"PAY-{n}",
    }
    item.update(overrides)
    return item


def encode_cursor(seq: int) -> str:
    """The opaque cursor for "after change number `seq`"."""
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The change number inside a cursor; raises ValueError for anything else."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError) as error:
        raise ValueError(cursor) from error
    if not text.startswith("seq:") or not text[4:].isdigit():
        raise ValueError(cursor)
    return int(text[4:])


@dataclass(frozen=True)
class Fault:
    """What the server does to one request instead of (or before) answering it."""

    kind: str
    status: int = 500
    retry_after: str | None = None
    payload: object = None
    action: Callable[[FeedServer], None] | None = None
    interval_s: float = 0.0

    @classmethod
    def timeout(cls) -> Fault:
        """Headers and half the body, then silence until the server stops or `stall_s`."""
        return cls("timeout")

    @classmethod
    def truncated(cls) -> Fault:
        """A well-formed HTTP answer whose JSON body is cut in the middle."""
        return cls("truncated")

    @classmethod
    def reset(cls) -> Fault:
        """Half the announced body, then the connection is closed."""
        return cls("reset")

    @classmethod
    def html_502(cls) -> Fault:
        """A proxy's HTML error page."""
        return cls("html", status=502)

    @classmethod
    def html_200(cls) -> Fault:
        """An HTML page with status 200 (a captive portal or login page)."""
        return cls("html", status=200)

    @classmethod
    def error(cls, status: int = 500) -> Fault:
        """A JSON error answer with the given status."""
        return cls("status", status=status)

    @classmethod
    def throttle(cls, retry_after: str | None = "1") -> Fault:
        """429 Too Many Requests with this Retry-After header (None: no header)."""
        return cls("status", status=429, retry_after=retry_after)

    @classmethod
    def unauthorized(cls, status: int = 401) -> Fault:
        """Refuse the token even if it is right."""
        return cls("status", status=status)

    @classmethod
    def custom(cls, payload: object) -> Fault:
        """Answer 200 with this JSON payload instead of the real page."""
        return cls("custom", payload=payload)

    @classmethod
    def moving_cursor(cls) -> Fault:
        """An empty page whose `next` is a cursor never sent before (a portal going round)."""
        return cls("moving")

    @classmethod
    def drip(cls, interval_s: float = 5.0) -> Fault:
        """The real page, announced whole, then one byte every `interval_s`."""
        return cls("drip", interval_s=interval_s)

    @classmethod
    def header_drip(cls, interval_s: float = 5.0) -> Fault:
        """The status line and headers one byte every `interval_s`, never the end of them."""
        return cls("header_drip", interval_s=interval_s)

    @classmethod
    def change(cls, action: Callable[[FeedServer], None]) -> Fault:
        """Run `action(server)` (e.g. update a registration), then answer normally."""
        return cls("change", action=action)


@dataclass(frozen=True)
class SeenRequest:
    """One request as the server received it (query values: the first of each name)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str] = field(repr=False)


class FeedServer:
    """The fault-injecting portal feed; start/stop it or use it as a context manager."""

    def __init__(
        self,
        registrations: Iterable[dict[str, Any]] = (),
        *,
        token: str = DEFAULT_TOKEN,
        stall_s: float = 10.0,
        max_limit: int = 1000,
    ) -> None:
        self.token = token
        self.stall_s = stall_s
        self.max_limit = max_limit
        self.requests: list[SeenRequest] = []
        self.handler_errors: list[str] = []  # unexpected exceptions in the handler
        self._lock = threading.Lock()
        self._seq = 0
        self._records: dict[str, tuple[int, dict[str, Any]]] = {}
        self._faults: deque[Fault | None] = deque()
        self._always: Fault | None = None
        self._moves = 0
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        for item in registrations:
            self.put(item)

    # -- data -------------------------------------------------------------------------
    def put(self, item: dict[str, Any]) -> str:
        """Add or replace a registration as a new change; returns the cursor before it."""
        with self._lock:
            before = encode_cursor(self._seq)
            self._seq += 1
            self._records[str(item["registration_id"])] = (self._seq, dict(item))
            return before

    def update(self, registration_id: str, **changes: Any) -> None:
        """Change fields of a registration; it moves to the end of the feed."""
        with self._lock:
            _, item = self._records[registration_id]
        self.put({**item, **changes})

    def current(self) -> dict[str, dict[str, Any]]:
        """The portal's present state, by registration_id."""
        with self._lock:
            return {rid: dict(item) for rid, (_, item) in self._records.items()}

    def cursor_now(self) -> str:
        """The cursor meaning "after every change made so far"."""
        with self._lock:
            return encode_cursor(self._seq)

    def inject(self, *faults: Fault | None) -> None:
        """Queue faults for the next requests, one each, in order (None: answer normally)."""
        with self._lock:
            self._faults.extend(faults)

    def always(self, fault: Fault | None) -> None:
        """Answer every request with `fault` once the queued ones are used (None: behave)."""
        with self._lock:
            self._always = fault

    @property
    def pending_faults(self) -> int:
        """How many queued faults no request has taken yet."""
        with self._lock:
            return len(self._faults)

    # -- life cycle -------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT of the running server."""
        if self._httpd is None:
            raise RuntimeError("the feed server is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FeedServer:
        """Listen on a free port of 127.0.0.1 and serve in a background thread."""
        self._stopping.clear()
        self._httpd = _HTTPServer(self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="feed-server"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, release stalled answers, close every socket and join every thread."""
        if self._httpd is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.drop_connections()
        self._httpd.server_close()  # joins the handler threads (block_on_close)
        assert self._thread is not None
        self._thread.join()
        self._httpd = None
        self._thread = None

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- used by the handler ----------------------------------------------------------
    def _take(self, seen: SeenRequest) -> Fault | None:
        with self._lock:
            self.requests.append(seen)
            return self._faults.popleft() if self._faults else self._always

    def _moved_cursor(self) -> str:
        with self._lock:
            self._moves += 1
            return f"moved-{self._moves}"

    def _page(self, since: int, limit: int) -> dict[str, Any]:
        with self._lock:
            newer = sorted((seq, item) for seq, item in self._records.values() if seq > since)
        page = newer[:limit]
        more = len(newer) > limit
        return {
            "items": [item for _, item in page],
            "next": encode_cursor(page[-1][0]) if more else None,
        }


class _HTTPServer(ThreadingHTTPServer):
    # Non-daemon handler threads, joined by server_close(): nothing outlives a test.
    daemon_threads = False
    block_on_close = True

    def __init__(self, feed: FeedServer) -> None:
        self.feed = feed
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, address = super().get_request()
        # Headers and body go out in two writes; without this Nagle adds 40 ms to each.
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._open_lock:
            self._open.add(conn)
        return conn, address

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        # A client that timed out closes its socket; the server reading on is not a bug.
        if isinstance(error, (ConnectionResetError, BrokenPipeError)):
            return
        with self.feed._lock:
            self.feed.handler_errors.append(repr(error))
        super().handle_error(request, client_address)

    def drop_connections(self) -> None:
        """Wake handlers blocked on idle keep-alive connections so they can finish."""
        with self._open_lock:
            conns = list(self._open)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the client


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like a real portal behind a proxy
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        return None  # keep test output clean

    def do_GET(self) -> None:
        feed = self.server.feed
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        fault = feed._take(SeenRequest("GET", url.path, query, headers))
        if fault is not None and fault.kind == "change":
            assert fault.action is not None
            fault.action(feed)
            fault = None
        if url.path != "/registrations":
            return self._json(404, {"error": "not found"})
        if headers.get("authorization") != f"Bearer {feed.token}":
            return self._json(401, {"error": "invalid token"})
        if fault is not None and fault.kind == "header_drip":
            return self._header_drip(fault.interval_s, feed)
        if fault is not None and fault.kind not in ("drip",):
            return self._fault(fault, feed)
        try:
            since = decode_cursor(query["since"]) if query.get("since") else 0
            limit = min(int(query.get("limit", "100")), feed.max_limit)
        except ValueError:
            return self._json(400, {"error": "bad since or limit"})
        page = feed._page(since, max(limit, 1))
        if fault is not None:
            return self._drip(json.dumps(page).encode(), fault.interval_s, feed)
        self._json(200, page)

    def _drip(self, body: bytes, interval_s: float, feed: FeedServer) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            for at in range(len(body)):
                self.wfile.write(body[at:at + 1])
                self.wfile.flush()
                if feed._stopping.wait(interval_s):
                    break
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up on the drip, as it should
        self.close_connection = True

    def _header_drip(self, interval_s: float, feed: FeedServer) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: " + b"a" * 4096
        try:
            for at in range(len(head)):
                self.wfile.write(head[at:at + 1])
                self.wfile.flush()
                if feed._stopping.wait(interval_s):
                    break
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should
        self.close_connection = True

    def _fault(self, fault: Fault, feed: FeedServer) -> None:
        body = json.dumps(feed._page(0, 50)).encode()
        if fault.kind == "custom":
            return self._json(200, fault.payload)
        if fault.kind == "moving":
            return self._json(200, {"items": [], "next": feed._moved_cursor()})
        if fault.kind == "status":
            extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            return self._json(fault.status, {"error": f"fault {fault.status}"}, extra)
        if fault.kind == "html":
            page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
            return self._send(fault.status, page, "text/html")
        if fault.kind == "truncated":
            return self._send(200, body[: len(body) // 2], "application/json")
        # timeout and reset: announce the whole body, send half of it.
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client already left; closing below is all there is to do
        if fault.kind == "timeout":
            feed._stopping.wait(feed.stall_s)
        self.close_connection = True

    def _json(self, status: int, payload: object, extra: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json", extra)

    def _send(self, status: int, body: bytes, kind: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (its timeout); nothing to do
