"""Is this desk online? The portal feed and the database, checked quickly, said in plain words.

The status bar shows the answer on every page: online or offline, and when the last sync
stored something (read from the database, so it survives a restart). Failures arrive as
socket or HTTP messages ("[Errno -2] Name or service not known"); `plain_reason` turns
them into words a desk worker can act on.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # the store (SQLAlchemy) loads on the worker that checks, not with the window
    from desk.store.db import Database

PROBE_TIMEOUT_S = 3.0

# (pattern in the low-level message, plain words; {host} is the portal's host name)
_REASONS = (
    (r"Errno -2\]|Name or service not known|nodename nor servname|No address associated", "no such host {host}"),
    (r"Errno -3\]|Temporary failure in name resolution", "the name {host} could not be looked up; is the network cable or Wi-Fi connected?"),
    (r"Errno 111\]|Connection refused", "nothing answers at {host}"),
    (r"Errno 101\]|Network is unreachable", "this computer has no network"),
    (r"Errno 113\]|No route to host", "no route to {host}"),
    (r"timed out|Timeout", "no answer from {host} in time"),
    (r"CERTIFICATE_VERIFY_FAILED|certificate", "the portal's certificate is not trusted"),
    (r"refused the token|HTTP 401|HTTP 403", "the portal refused the feed token; check it in Desk ▸ Settings"),
    (r"HTTP 5\d\d", "the portal has a problem of its own ({http})"),
)


@dataclass(frozen=True)
class Connectivity:
    """One look at the desk's connections. `feed_problem` is None when the feed answered."""

    database_ok: bool
    database_problem: str | None
    feed_configured: bool
    feed_problem: str | None
    last_sync: dt.datetime | None
    tz: dt.tzinfo = dt.timezone.utc
    """The event's clock (UTC before an event exists): the last sync's time is said in it."""

    @property
    def online(self) -> bool:
        """The database answers and, when a feed is set, so does the portal."""
        return self.database_ok and (not self.feed_configured or self.feed_problem is None)

    def sentence(self, tz: dt.tzinfo | None = None, today: dt.date | None = None) -> str:
        """What the status bar says, e.g. "Online · last sync 08:12" (the event's time) or why the desk is offline."""
        last = f"last sync {format_stamp(self.last_sync, tz or self.tz, today)}" if self.last_sync else "never synced"
        if not self.database_ok:
            return f"The database cannot be reached ({self.database_problem}). Check-ins cannot be stored."
        if self.feed_problem is not None:
            return f"The portal could not be reached ({self.feed_problem}). Working offline; {last}."
        if not self.feed_configured:
            return f"Working from files (no portal feed set); {last}."
        return f"Online · {last}."


def format_stamp(stamp: dt.datetime, tz: dt.tzinfo, today: dt.date | None = None) -> str:
    """HH:MM in the event's zone; the day in front when it is not today."""
    local = stamp.astimezone(tz)
    today = today or dt.datetime.now(tz).date()
    return f"{local:%H:%M}" if local.date() == today else f"{local:%a %d %b %H:%M}"


def host_of(url: str) -> str:
    """The host (and port when one is given) of an address, for sentences; "" for none.

    A user name and password in the address are never repeated.
    """
    return urlsplit(url).netloc.rsplit("@", 1)[-1]


def plain_reason(message: str, url: str = "", what: str = "the portal") -> str:
    """Low-level failure text ("[Errno -2] ...", "HTTP 503") as a few plain words.

    `url` names the host in the words; without one, `what` does.
    """
    host = host_of(url) or what
    http = re.search(r"HTTP \d{3}", message)
    for pattern, words in _REASONS:
        if re.search(pattern, message, re.IGNORECASE):
            return words.format(host=host, http=http.group(0) if http else "")
    # unknown: keep the message, without the bracketed errno noise
    return re.sub(r"\[Errno -?\d+\]\s*", "", message).strip() or "no answer"


def plain_sync_failure(message: str, url: str = "") -> str:
    """A failed sync's message in plain words when the portal could not be reached."""
    if re.search(r"unreachable|connection failed|Errno", message):
        return f"The portal could not be reached ({plain_reason(message, url)}). Working offline."
    return message


def probe_feed(url: str, token: str, timeout_s: float = PROBE_TIMEOUT_S) -> str | None:
    """Ask the feed for one registration, once; None when it answered, else the plain reason."""
    import httpx  # noqa: PLC0415 - loaded on the worker, not at start-up

    base = url.rstrip("/")
    target = base if base.endswith("/registrations") else base + "/registrations"
    try:
        response = httpx.get(target, params={"limit": "1"}, timeout=timeout_s,
                             headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    except httpx.UnsupportedProtocol:
        return "the feed address is not usable"
    except httpx.TimeoutException:
        return plain_reason("timed out", url)
    except httpx.HTTPError as exc:
        return plain_reason(str(exc) or type(exc).__name__, url)
    if response.status_code in (401, 403) or response.status_code >= 500:
        return plain_reason(f"HTTP {response.status_code}", url)
    return None  # any other answer: the portal is there


def check(db: Database, feed_url: str, feed_token: str) -> Connectivity:
    """Look at the database and the feed (a few seconds at most: call it on a worker)."""
    from desk.store import registrations as repo  # noqa: PLC0415
    last: dt.datetime | None = None
    tz: dt.tzinfo = dt.timezone.utc
    database_problem: str | None = None
    try:
        with db.begin() as session:
            last = repo.last_synced_at(session)
            event = repo.get_event(session)
            if event is not None:
                tz = event.zone
    except Exception as exc:  # noqa: BLE001 - a dead hub is a state to show, not a crash
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        database_problem = plain_reason(message, str(getattr(db, "url", "")), what="the database")
    feed_problem = probe_feed(feed_url, feed_token) if feed_url else None
    return Connectivity(database_ok=database_problem is None, database_problem=database_problem,
                        feed_configured=bool(feed_url), feed_problem=feed_problem, last_sync=last, tz=tz)
