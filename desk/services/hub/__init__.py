"""Several stations, one truth: join a hub, push this station's log, pull everyone else's.

Each station works on its own database and never waits for the hub: a check-in is stored
with its log entry locally, and `sync` later pushes the entries the hub lacks and pulls
those of the other stations. A push whose reply is lost is simply repeated (the hub keeps
each entry once); a sync killed half-way leaves each side consistent and the next one
finishes the work. State is derived from the merged log the same way everywhere
(desk.core.hub), so stations that were apart agree once they have synced.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from desk.core.errors import DeskError
from desk.core.hub import DuplicateEntry
from desk.store import hub as store
from desk.store.db import Database, DatabaseUnavailable, open_database

PUSH_BATCH = 2_000
PULL_BATCH = 1_000
CONNECT_TIMEOUT_S = 3
_UTC = dt.timezone.utc


class HubUnreachable(DeskError):
    """The hub could not be reached or used; the station's data is as it was."""


class NotAHub(DeskError):
    """The address answers but holds no hub."""


def shown_url(url: str) -> str:
    """The hub's address without its password, for output and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed address is shown as given
        return url


def _with_timeout(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        parsed = parsed.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT_S)})
    return parsed.render_as_string(hide_password=False)


def _check_postgres(url: str) -> None:
    try:
        backend = make_url(url).get_backend_name()
    except Exception as exc:
        raise DeskError(f"'{url}' is not a database address (postgresql://user@host/name)") from exc
    if backend != "postgresql":
        raise DeskError("a hub is a PostgreSQL database: give its address as postgresql://user@host:5432/name")


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else exc.__class__.__name__


def init_hub(url: str) -> str:
    """Prepare the PostgreSQL database at `url` as a hub (create or upgrade its tables); return
    its address as shown to people."""
    _check_postgres(url)
    try:
        db = open_database(_with_timeout(url))
    except DatabaseUnavailable as exc:
        raise HubUnreachable(str(exc)) from None
    db.close()
    return shown_url(url)


def open_hub(url: str) -> Database:
    """Connect to a hub prepared by `init_hub`. Raises HubUnreachable, or NotAHub."""
    _check_postgres(url)
    try:
        db = open_database(_with_timeout(url), upgrade=False)
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            ready = inspect(conn).has_table("hub_entry")
    except DatabaseUnavailable as exc:
        raise HubUnreachable(str(exc)) from None
    except (OperationalError, DBAPIError) as exc:
        raise HubUnreachable(_reason(exc)) from None
    if not ready:
        db.close()
        raise NotAHub(f"{shown_url(url)} is not a desk hub yet: run `desk hub init {shown_url(url)}` first")
    problem = _version_problem(db, url)
    if problem:
        db.close()
        raise NotAHub(problem)
    return db


def _version_problem(db: Database, url: str) -> str:
    """Why this desk cannot use the hub's tables as they are ("" when it can)."""
    from desk.store import migrate  # noqa: PLC0415

    try:
        with db.engine.connect() as conn:
            stored = migrate.stored_revisions(conn)
    except (OperationalError, DBAPIError) as exc:
        raise HubUnreachable(_reason(exc)) from None
    heads = migrate.heads_from_files() or migrate.head_revisions()
    if stored == heads:
        return ""
    if stored - migrate.known_revisions():
        return (f"the hub {shown_url(url)} was prepared by a newer desk: update desk on this laptop "
                "(this station goes on working alone meanwhile)")
    return (f"the hub {shown_url(url)} was prepared by an older desk: run `desk hub init {shown_url(url)}` "
            "once with this desk to bring it up to date")


def join(db: Database, url: str, name: str) -> store.StationInfo:
    """Make this database a station of the hub at `url`, named `name`; the hub must answer."""
    if not name.strip():
        raise DeskError("a station needs a name: give --station NAME")
    hub_db = open_hub(url)
    try:
        with db.begin_write() as session:
            info = store.join(session, url, name.strip())
        with hub_db.begin() as session:
            store.note_member(session, info.station, info.name, dt.datetime.now(_UTC), logged=info.logged)
    except (OperationalError, DBAPIError) as exc:
        raise HubUnreachable(_reason(exc)) from None
    finally:
        hub_db.close()
    return info


def station(db: Database) -> store.StationInfo:
    """This database as a station (its hub, name, backlog)."""
    with db.begin() as session:
        return store.station_info(session)


@dataclass(frozen=True)
class SyncResult:
    """One round: entries pushed (sent to the hub) and pulled (new here), and what waits."""

    pushed: int
    pulled: int
    published: int = 0
    waiting: int = 0
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(_UTC))

    def line(self) -> str:
        return f"pushed {self.pushed}, pulled {self.pulled} entries"


def sync(db: Database, hub_db: Database | None = None, *, progress: Any = None,
         pull_batch: int = PULL_BATCH) -> SyncResult:
    """One push-and-pull round with this station's hub (`hub_db`, else the joined hub's address).

    Pulled entries are applied `pull_batch` at a time, each batch in one write: smaller
    batches hold the station's write lock for less time (the window's background sync).

    Raises HubUnreachable (nothing of the station changed but what was already stored),
    or DeskError when this database joined no hub."""
    own = hub_db is None
    if own:
        info = station(db)
        if not info.hub_url:
            raise DeskError("this database is not a station of a hub: run `desk hub join URL` first")
        hub_db = open_hub(info.hub_url)
    try:
        return _round(db, hub_db, progress, pull_batch)
    finally:
        if own:
            hub_db.close()


def _at_hub(hub_db: Database, work: Any) -> Any:
    """Run `work(session)` in one unit of work on the hub; a lost connection is HubUnreachable."""
    try:
        with hub_db.begin() as session:
            return work(session)
    except (OperationalError, InterfaceError) as exc:
        raise HubUnreachable(_reason(exc)) from None


def _marker_moved(db: Database, found: store.Changes) -> bool:
    with db.begin() as session:
        return store.known_marker(session) != found.marker


def _round(db: Database, hub_db: Database, progress: Any, pull_batch: int = PULL_BATCH) -> SyncResult:
    _at_hub(hub_db, lambda s: s.execute(text("SELECT 1")))  # reachable? before anything changes here
    with db.begin() as session:  # found without the write lock: scans go on meanwhile
        found = store.changes(session)
    published = 0
    if found or _marker_moved(db, found):
        with db.begin_write() as session:
            published = store.publish(session, found)
    with db.begin() as session:
        me = store.station_info(session)
    pushed = 0
    while True:
        with db.begin() as session:
            batch = store.unpushed(session, PUSH_BATCH)
        if not batch:
            break
        _at_hub(hub_db, lambda s, batch=batch: store.take(s, batch))
        with db.begin_write() as session:  # only after the hub committed: a lost reply repeats the push
            store.mark_pushed(session, [e.id for e in batch])
        pushed += len(batch)
        if progress:
            progress("pushed", pushed)
    pulled = 0
    position = me.pulled
    while True:
        got = _at_hub(hub_db, lambda s, after=position: store.entries_after(s, after, me.station, pull_batch))
        if not got:
            break
        position = got[-1][0]
        with db.begin_write() as session:
            pulled += store.receive(session, [e for _, e in got])
            store.note_contact(session, pulled=position, at=None)
        if progress:
            progress("pulled", pulled)
    now = dt.datetime.now(_UTC)
    with db.begin_write() as session:
        waiting = store.retry_unapplied(session) if store.station_info(session).unapplied else 0
        store.note_contact(session, pulled=position, at=now)
        info = store.station_info(session)
    def finish(session: Any) -> None:
        store.hub_retry(session)
        store.note_member(session, info.station, info.name, now, logged=info.logged, pulled=position)
    _at_hub(hub_db, finish)
    return SyncResult(pushed, pulled, published, waiting, now)


# --- reports -------------------------------------------------------------------------------

@dataclass(frozen=True)
class HubStatus:
    """The station's view and, when the hub answered, every station the hub knows."""

    station: store.StationInfo
    members: list[store.Member]
    problem: str | None = None


def hub_status(db: Database) -> HubStatus:
    info = station(db)
    if not info.hub_url:
        raise DeskError("this database is not a station of a hub: run `desk hub join URL` first")
    try:
        hub_db = open_hub(info.hub_url)
    except (HubUnreachable, NotAHub) as exc:
        return HubStatus(info, [], str(exc))
    try:
        with hub_db.begin() as session:
            return HubStatus(info, store.members(session))
    except (OperationalError, DBAPIError) as exc:
        return HubStatus(info, [], _reason(exc))
    finally:
        hub_db.close()


def duplicates(db: Database) -> list[DuplicateEntry]:
    """Each person checked in at two stations while they were apart, as this station knows."""
    with db.begin() as session:
        return store.duplicates(session)


def data_age(info: store.StationInfo, now: dt.datetime) -> dt.timedelta | None:
    """How long since this station last heard from the hub (None: never)."""
    if info.last_contact_at is None:
        return None
    return max(dt.timedelta(0), now - info.last_contact_at)
