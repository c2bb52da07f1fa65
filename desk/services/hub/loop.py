"""Sync with the hub in the background: rounds on a thread of their own, woken by the hub.

`HubLoop` runs a round at start, after every local write it is told about (`nudge`), when
the hub says another station pushed (LISTEN/NOTIFY on a connection of its own), and every
`interval_s` at the latest. While the hub cannot be reached it tries again after 1, 2, 4 …
30 s. After every reconnect a round pulls everything from the station's last position
(the catch-up: what was sent while the station was away, whether or not a NOTIFY said so).
Scanning never waits for it: a round takes the station's write lock only per batch.

How it stands is reported as a `HubState` through a callback, from the loop's thread.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import InterfaceError, OperationalError

from desk.core.errors import DeskError
from desk.services.hub import HubUnreachable, join, open_hub, station, sync
from desk.store import hub as store
from desk.store.db import Database, DatabaseBusy
from desk.store.hub_listen import HubListener, ListenLost

INTERVAL_S = 5.0
BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)
LISTEN_POLL_S = 0.2
LISTEN_RETRY_S = 1.0  # a LISTEN connection is tried this often while the hub is away: its return is seen at once
BUSY_RETRY_S = 1.0
PULL_BATCH = 200  # entries applied per write: ~0.3 s of the station's write lock, well below a scan's 800 ms wait
PAUSE_S = 0.1  # between two pulled batches: a scan waiting for the lock gets it (SQLite retries every 100 ms at most)
CATCH_UP_MIN = 50  # a round with at least this many entries to move says "catching up"
AMBER_AFTER = dt.timedelta(minutes=15)
RED_AFTER = dt.timedelta(minutes=60)
_UTC = dt.timezone.utc


class Link(enum.Enum):
    """How the station stands with its hub."""

    STARTING = "starting"
    ONLINE = "online"
    OFFLINE = "offline"
    CATCHING_UP = "catching up"


@dataclass(frozen=True)
class HubState:
    """What the loop last knew: the link, why it is offline, how many entries are left to
    move while catching up, what the last round pulled, and the station (last contact)."""

    link: Link
    reason: str = ""
    left: int = 0
    pulled: int = 0
    station: store.StationInfo | None = None
    retry_in_s: float = 0.0

    @property
    def last_contact_at(self) -> dt.datetime | None:
        return self.station.last_contact_at if self.station else None

    def words(self) -> str:
        """`online`, `offline (REASON)` or `catching up (N entries)`."""
        if self.link is Link.OFFLINE:
            return f"offline ({self.reason})" if self.reason else "offline"
        if self.link is Link.CATCHING_UP:
            return f"catching up ({self.left} {'entry' if self.left == 1 else 'entries'})"
        return self.link.value


class AgeLevel(enum.Enum):
    """How worrying the age of the station's data is."""

    FRESH = "fresh"
    AMBER = "amber"
    RED = "red"


def age_level(age: dt.timedelta | None) -> AgeLevel:
    """Amber after 15 minutes without contact with the hub, red after 60 (and when never)."""
    if age is None or age >= RED_AFTER:
        return AgeLevel.RED
    return AgeLevel.AMBER if age >= AMBER_AFTER else AgeLevel.FRESH


def age_words(age: dt.timedelta | None) -> str:
    """`data 17 min old` (`data up to date` under a minute; `no data from the hub yet`)."""
    if age is None:
        return "no data from the hub yet"
    minutes = int(age.total_seconds() // 60)
    if minutes < 1:
        return "data up to date"
    if minutes < 120:
        return f"data {minutes} min old"
    return f"data {minutes // 60} h old"


class _Stopped(Exception):
    """Raised inside a round when the loop is asked to stop (between two batches)."""


class HubLoop:
    """Sync rounds with the hub on a thread of their own; see the module's docstring.

    `hub_url` and `name`: join that hub under that name first when the database is not a
    station of a hub yet (None: use the hub the database joined). `on_state(HubState)` is
    called from the loop's threads: hand it to the GUI thread yourself.
    """

    def __init__(self, db: Database, on_state: Callable[[HubState], None], *, hub_url: str | None = None,
                 name: str = "", interval_s: float = INTERVAL_S, backoff_s: tuple[float, ...] = BACKOFF_S,
                 listen_poll_s: float = LISTEN_POLL_S, listen_retry_s: float = LISTEN_RETRY_S) -> None:
        self._db, self._on_state = db, on_state
        self._hub_url, self._name = hub_url or None, name
        self._interval_s, self._backoff_s, self._poll_s = interval_s, backoff_s, listen_poll_s
        self._listen_retry_s = listen_retry_s
        self._wake = threading.Condition()
        self._nudged = self._notified = False
        self._stopping = threading.Event()
        self._hub_db: Database | None = None
        self._me = ""  # this station's id, once known: its own pushes wake nobody here
        self._listen_url: str | None = None
        self.state = HubState(Link.STARTING)
        self.rounds = 0
        self._threads: list[threading.Thread] = []

    # --- control ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the loop's thread and its listener; the first round runs at once."""
        for target, name in ((self._run, "desk-hub-sync"), (self._listen, "desk-hub-listen")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            self._threads.append(thread)
            thread.start()

    def nudge(self) -> None:
        """A local write waits to be pushed: run a round soon (while offline, at the next try)."""
        with self._wake:
            self._nudged = True
            self._wake.notify_all()

    def stop(self, timeout_s: float = 1.0) -> bool:
        """End the loop (a round under way stops after its current batch); True when its
        threads ended within `timeout_s`."""
        self._stopping.set()
        with self._wake:
            self._wake.notify_all()
        deadline = time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self._threads)

    @property
    def stopped(self) -> bool:
        return self._stopping.is_set()

    def _notify(self) -> None:
        with self._wake:
            self._notified = True
            self._wake.notify_all()

    def _report(self, state: HubState) -> None:
        self.state = state
        if not self._stopping.is_set():
            self._on_state(state)

    # --- the rounds ------------------------------------------------------------------------

    def _run(self) -> None:
        failures = 0
        apart = True  # the first round after start, like every one after a reconnect, catches up
        try:
            while not self._stopping.is_set():
                with self._wake:
                    self._nudged = self._notified = False
                try:
                    self.run_round(catch_up=apart)
                    failures, apart, wait_s, urgent_only = 0, False, self._interval_s, False
                except _Stopped:
                    break
                except DatabaseBusy:  # an import holds the station's database: soon again, same link
                    wait_s, urgent_only = BUSY_RETRY_S, True
                except Exception as exc:  # noqa: BLE001 - unreachable, not a hub, anything: said, not raised
                    wait_s = self._backoff_s[min(failures, len(self._backoff_s) - 1)]
                    failures, apart, urgent_only = failures + 1, True, True
                    self._close_hub()
                    self._report(HubState(Link.OFFLINE, _reason(exc), station=self._station_or_none(),
                                          retry_in_s=wait_s))
                self._wait(wait_s, urgent_only)
        finally:
            self._close_hub()

    def _wait(self, wait_s: float, urgent_only: bool) -> None:
        """Until `wait_s` passed, the hub notified, or (unless `urgent_only`) a local write was nudged."""
        deadline = time.monotonic() + wait_s
        with self._wake:
            while not self._stopping.is_set():
                if self._notified or (self._nudged and not urgent_only):
                    return
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._wake.wait(left)

    def _hub(self) -> Database:
        if self._hub_db is None:
            info = station(self._db)
            if self._hub_url and not info.hub_url:  # the desk's settings name a hub: join it first
                join(self._db, self._hub_url, self._name or "desk")
                info = station(self._db)
            if not info.hub_url:
                raise DeskError("this desk is not a station of a hub")
            self._hub_db = open_hub(info.hub_url)
            self._me, self._listen_url = info.station, info.hub_url
        return self._hub_db

    def _close_hub(self) -> None:
        if self._hub_db is not None:
            self._hub_db.close()
            self._hub_db = None

    def run_round(self, catch_up: bool = False) -> HubState:
        """One push-and-pull round (on the caller's thread); return and report the state after it.

        With `catch_up` (after a reconnect) or a large backlog, "catching up (N entries)" is
        reported while it runs, N counting down per batch (what is left to push, then to pull). Raises HubUnreachable, NotAHub or
        DeskError like `sync`."""
        hub_db = self._hub()
        info = station(self._db)
        left = self._behind(hub_db, info) + info.unpushed
        shown = bool(left) and (catch_up or left >= CATCH_UP_MIN)

        def progress(what: str, count: int) -> None:
            if self._stopping.is_set():
                raise _Stopped
            if what == "pushed":
                if shown:
                    self._report(HubState(Link.CATCHING_UP, left=max(0, left - count), station=info))
                return
            self._stopping.wait(PAUSE_S)  # a scan waiting for the write lock comes before the next batch
            if shown:  # what is left to pull, asked again: others may have pushed since the round began
                now = station(self._db)
                self._report(HubState(Link.CATCHING_UP, left=self._behind(hub_db, now), station=now))

        if shown:
            self._report(HubState(Link.CATCHING_UP, left=left, station=info))
        result = sync(self._db, hub_db, progress=progress, pull_batch=PULL_BATCH)
        self.rounds += 1
        state = HubState(Link.ONLINE, pulled=result.pulled, station=station(self._db))
        self._report(state)
        return state

    @staticmethod
    def _behind(hub_db: Database, info: store.StationInfo) -> int:
        """Entries of other stations the hub holds after this station's position."""
        try:
            with hub_db.begin() as session:
                return store.behind(session, info.pulled, info.station)
        except (OperationalError, InterfaceError) as exc:
            raise HubUnreachable(str(getattr(exc, "orig", None) or exc)) from None

    def _station_or_none(self) -> store.StationInfo | None:
        try:
            return station(self._db)
        except Exception:  # noqa: BLE001 - the state is reported without the last contact then
            return None

    # --- the listener ----------------------------------------------------------------------

    def _listen(self) -> None:
        # One connection attempt a second costs the hub nothing (unlike a round, which backs
        # off): when it succeeds the hub is back, and the loop's back-off is cut short.
        while not self._stopping.is_set():
            url = self._listen_url
            if url is None:  # not joined yet: the first round finds the hub's address
                self._stopping.wait(self._poll_s)
                continue
            try:
                listener = HubListener(url)
            except ListenLost:
                self._stopping.wait(self._listen_retry_s)
                continue
            self._notify()  # (re)connected: a catch-up round, for what no NOTIFY told while apart
            try:
                while not self._stopping.is_set():
                    if any(payload != self._me for payload in listener.wait(self._poll_s)):
                        self._notify()
            except ListenLost:
                self._notify()  # the round that follows finds out whether the hub went away
            finally:
                listener.close()


_REFUSED = re.compile(r'connection to server at "([^"]+)", port (\d+) failed: (.+)')
_PLAIN = (("server closed the connection", "the hub closed the connection"),
          ("timeout expired", "the hub did not answer in time"),
          ("could not translate host name", "the hub's host name is not known on this network"))


def _reason(exc: BaseException) -> str:
    """The plain reason a round failed, for the window (one line, no driver jargon)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    if not isinstance(exc, DeskError):
        text = f"{exc.__class__.__name__}: {text}"
    found = _REFUSED.search(text)
    if found:
        host, port, why = found.groups()
        return f"no answer from {host}:{port}: {why.strip().rstrip('.').lower()}"
    for words, plain in _PLAIN:
        if words in text.lower():
            return plain
    return text
