"""Repository functions for the event, registrations, organisations and the sync log.

Every function receives an open unit of work (a Session) and returns core dataclasses.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import sqlite3
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from desk.core.attendees import Category, Event, Registration, RuleView, Status, stored_organisation_key
from desk.core.text import search_spellings
from desk.store import bulkload
from desk.store.schema import (
    EventRow, OrganisationRow, RegistrationRow, SyncCursorRow, SyncLogRow,
)

_REG_COLUMNS = (
    RegistrationRow.id, RegistrationRow.registration_id, RegistrationRow.status,
    RegistrationRow.first_name, RegistrationRow.last_name, RegistrationRow.email,
    RegistrationRow.organisation, RegistrationRow.country, RegistrationRow.category,
    RegistrationRow.days, RegistrationRow.ticket_code, RegistrationRow.portal_updated_at,
)
_UTC = dt.timezone.utc


def _days_text(days: Sequence[dt.date]) -> str:
    return "|".join(d.isoformat() for d in days)


@lru_cache(maxsize=4096)
def _days_tuple(text: str) -> tuple[dt.date, ...]:
    # a handful of distinct day sets per event: parse each once
    return tuple(dt.date.fromisoformat(p) for p in text.split("|") if p)


_STATUS = {s.value: s for s in Status}
_CATEGORY = {c.value: c for c in Category}


def _to_core(row: Sequence[Any]) -> Registration:
    """A registration from a row of `_REG_COLUMNS`, through SQLAlchemy or straight from the driver."""
    (_id, rid, status, first, last, email, organisation, country, category, days, ticket, stamp) = row
    if isinstance(stamp, str):  # the driver gives SQLite's stored text
        stamp = dt.datetime.fromisoformat(stamp)
    if stamp is not None and stamp.tzinfo is None:  # stored as naive UTC; Core selects skip the type's hook
        stamp = stamp.replace(tzinfo=_UTC)
    return Registration(
        registration_id=rid, status=_STATUS[status], first_name=first, last_name=last, email=email,
        organisation=organisation, country=country, category=_CATEGORY[category], days=_days_tuple(days),
        ticket_code=ticket, updated_at=stamp,
    )


# --- event -------------------------------------------------------------------------------

def get_event(session: Session) -> Event | None:
    """Return the database's event, or None before one was created."""
    row = session.scalars(select(EventRow).order_by(EventRow.id).limit(1)).first()
    if row is None:
        return None
    return Event(
        id=row.id, name=row.name, venue=row.venue, days=_days_tuple(row.days), seat_cap=row.seat_cap,
        per_organisation_cap=row.per_organisation_cap, registration_deadline=row.registration_deadline,
        timezone=row.timezone or "UTC",
    )


def save_event(session: Session, event: Event) -> Event:
    """Create the event, or replace the existing one's settings. Returns it with its id."""
    row = session.scalars(select(EventRow).order_by(EventRow.id).limit(1)).first() or EventRow()
    row.name, row.venue, row.days = event.name, event.venue, _days_text(event.days)
    row.seat_cap, row.per_organisation_cap = event.seat_cap, event.per_organisation_cap
    row.registration_deadline = event.registration_deadline
    row.timezone = event.timezone
    session.add(row)
    session.flush()
    return get_event(session)  # type: ignore[return-value]


# --- registrations -----------------------------------------------------------------------

def registrations_by_id(session: Session, ids: Iterable[str] | None = None) -> dict[str, Registration]:
    """Return stored registrations keyed by registration_id (all of them when ids is None)."""
    if ids is None:
        return {r.registration_id: _to_core(r) for r in session.execute(select(*_REG_COLUMNS))}
    wanted = list(ids)
    found: dict[str, Registration] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i:i + 500]
        for r in session.execute(select(*_REG_COLUMNS).where(RegistrationRow.registration_id.in_(chunk))):
            found[r.registration_id] = _to_core(r)
    return found


def all_registrations(session: Session) -> list[Registration]:
    """Every stored registration, whatever its status, in the order they were first stored."""
    return [_to_core(r) for r in session.execute(select(*_REG_COLUMNS).order_by(RegistrationRow.id))]


def rule_candidates(session: Session, event: Event) -> tuple[list[RuleView], int]:
    """The registrations the event rules could flag, and the number of validated attendees.

    Candidates are the validated members of organisations holding more validated people
    than the cap (staff aside) and the registrations updated after the deadline: the core
    decides on them, without reading 100,000 rows that cannot break a rule.
    """
    validated = RegistrationRow.status == Status.VALIDATED.value
    total = session.scalar(select(func.count()).where(validated)) or 0
    crowded = (select(RegistrationRow.organisation_id)
               .where(validated, RegistrationRow.category != Category.STAFF.value,
                      RegistrationRow.organisation_id.is_not(None))
               .group_by(RegistrationRow.organisation_id)
               .having(func.count() > event.per_organisation_cap))
    which = validated & RegistrationRow.organisation_id.in_(crowded)
    if event.registration_deadline is not None:
        which = which | (RegistrationRow.portal_updated_at > event.registration_deadline)
    q = select(RegistrationRow.registration_id, RegistrationRow.status, RegistrationRow.organisation,
               RegistrationRow.category, RegistrationRow.portal_updated_at).where(which).order_by(RegistrationRow.id)
    views = [RuleView(rid, _STATUS[status], org, _CATEGORY[cat],
                      stamp.replace(tzinfo=_UTC) if stamp is not None and stamp.tzinfo is None else stamp)
             for rid, status, org, cat, stamp in session.execute(q)]
    return views, total


def get_registration(session: Session, registration_id: str) -> Registration | None:
    """One registration by its portal id, or None."""
    row = session.execute(select(*_REG_COLUMNS).where(RegistrationRow.registration_id == registration_id)).first()
    return _to_core(row) if row else None


def find_by_ticket_code(session: Session, code: str) -> Registration | None:
    """The registration whose portal ticket code is exactly `code`, or None.

    Codes are unique (an index since migration 0009, and imports refuse a second holder);
    the order only makes the answer certain should a database hold a pair all the same.
    """
    if not code:
        return None
    q = select(*_REG_COLUMNS).where(RegistrationRow.ticket_code == code).order_by(RegistrationRow.id).limit(1)
    row = session.execute(q).first()
    return _to_core(row) if row else None


def ticket_holders(session: Session, codes: Iterable[str] | None = None) -> dict[str, str]:
    """The registration_id holding each of `codes` (every non-empty code when None)."""
    q = select(RegistrationRow.ticket_code, RegistrationRow.registration_id).where(RegistrationRow.ticket_code != "")
    if codes is None:
        return {code: rid for code, rid in session.execute(q)}
    wanted = list(codes)
    found: dict[str, str] = {}
    for i in range(0, len(wanted), 500):
        found.update({code: rid for code, rid in session.execute(
            q.where(RegistrationRow.ticket_code.in_(wanted[i:i + 500])))})
    return found


def known_ticket_codes(session: Session, codes: Collection[str]) -> set[str]:
    """Those of `codes` that are a stored registration's portal ticket code (one query)."""
    wanted = [c for c in set(codes) if c]
    if not wanted:
        return set()
    return set(session.scalars(select(RegistrationRow.ticket_code).where(RegistrationRow.ticket_code.in_(wanted))))


def _organisation_ids(session: Session, names: Iterable[str]) -> dict[str, int]:
    """Return organisation ids by name for these names, creating the missing organisations.

    Two spellings of one organisation (same `organisation_key`) get the same id.
    """
    key_of: dict[str, str] = {}
    wanted: dict[str, str] = {}
    for name in names:
        if name in key_of:
            continue
        key = key_of[name] = stored_organisation_key(name)
        if key and key not in wanted:
            wanted[key] = name

    def load(keys: list[str]) -> dict[str, int]:
        # a few keys: ask for them; many: reading the whole table is cheaper than a huge IN
        if len(keys) > 500:
            return dict(session.connection().exec_driver_sql("SELECT key, id FROM organisation").fetchall())
        q = select(OrganisationRow.key, OrganisationRow.id).where(OrganisationRow.key.in_(keys))
        return {key: oid for key, oid in session.execute(q)}

    ids = load(list(wanted))
    missing = [{"key": k, "name": n} for k, n in wanted.items() if k not in ids]
    if missing:
        _insert(session.connection(), OrganisationRow.__table__, missing)
        ids.update(load([m["key"] for m in missing]))
    return {name: ids[key] for name, key in key_of.items() if key}


_ROW_COLUMNS = ("registration_id", "status", "first_name", "last_name", "email", "organisation",
                "organisation_id", "country", "category", "days", "ticket_code", "portal_updated_at",
                "search_text", "sort_key", "source_hash", "synced_at")
_INSERT_HEAD = f"INSERT INTO registration ({', '.join(_ROW_COLUMNS)})"
_INSERT_ROW = "(" + ",".join("?" * len(_ROW_COLUMNS)) + ")"
_FTS_RANGE = ("INSERT INTO registration_fts(rowid, search_text) "
              "SELECT id, search_text FROM registration WHERE id > ? AND id <= ?")
_LOG_RANGE = ("INSERT INTO sync_log (at, source, registration_id, action, changes) "
              "SELECT ?, ?, registration_id, 'added', '{}' FROM registration WHERE id > ? AND id <= ? ORDER BY id")
_STATUS_TEXT = {s: s.value for s in Status}
_CATEGORY_TEXT = {c: c.value for c in Category}


@lru_cache(maxsize=256)
def _days_text_of(days: tuple[dt.date, ...]) -> str:
    return _days_text(days)  # an event has a handful of day sets


def _row(reg: Registration, org_id: int | None, synced: object, digest: str | None,
         stamp: Callable[[dt.datetime], object] = lambda value: value) -> tuple[object, ...]:
    """A registration's stored values in `_ROW_COLUMNS` order; `stamp` writes its updated_at."""
    search, sort = reg.folded_texts()
    updated = reg.updated_at
    return (reg.registration_id, _STATUS_TEXT[reg.status], reg.first_name, reg.last_name, reg.email,
            reg.organisation, org_id, reg.country, _CATEGORY_TEXT[reg.category], _days_text_of(reg.days),
            reg.ticket_code, None if updated is None else stamp(updated), search, sort, digest, synced)


def _values(reg: Registration, org_ids: dict[str, int], now: dt.datetime,
            digest: str | None = None) -> dict[str, object]:
    return dict(zip(_ROW_COLUMNS, _row(reg, org_ids.get(reg.organisation), now, digest)))


def _sqlite_rows(added: Sequence[Registration], org_ids: Mapping[str, int | None], now: dt.datetime,
                 digests: Mapping[str, str]) -> list[tuple[object, ...]]:
    """`_values` as driver-ready tuples, time stamps as SQLite text (100,000 rows: the hot loop)."""
    synced = _sqlite_stamp(now)
    return [_row(reg, org_ids.get(reg.organisation), synced, digests.get(reg.registration_id), _sqlite_stamp)
            for reg in added]


def _append_sqlite(cursor: sqlite3.Cursor, rows: Sequence[tuple[object, ...]], synced: object, source: str) -> None:
    """Insert `_sqlite_rows`, add them to the word index and log them as added: a few statements.

    On SQLite the search index is kept in step here rather than by triggers (a trigger
    indexes row by row, ~0.1 ms each). A new row takes the highest id + 1, so the rows of
    one insert are numbered one after the other, up to lastrowid.
    """
    bulkload.insert_rows(cursor, _INSERT_HEAD, _INSERT_ROW, len(_ROW_COLUMNS), rows)
    last = cursor.lastrowid
    cursor.execute(_FTS_RANGE, (last - len(rows), last))
    cursor.execute(_LOG_RANGE, (synced, source[:500], last - len(rows), last))


def _jsonable(value: object) -> object:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return str(value) if isinstance(value, (Status, Category)) else value


def changes_between(old: Registration, new: Registration) -> dict[str, list[object]]:
    """Fields that differ, as {field: [old, new]} ready for JSON."""
    fields = ("status", "first_name", "last_name", "email", "organisation", "country", "category",
              "days", "ticket_code", "updated_at")
    return {f: [_jsonable(getattr(old, f)), _jsonable(getattr(new, f))]
            for f in fields if getattr(old, f) != getattr(new, f)}


_FTS_DELETE = ("INSERT INTO registration_fts(registration_fts, rowid, search_text) "
               "SELECT 'delete', id, search_text FROM registration WHERE registration_id IN ({})")
_FTS_INSERT = ("INSERT INTO registration_fts(rowid, search_text) "
               "SELECT id, search_text FROM registration WHERE registration_id IN ({})")


def _fts(conn: Connection, statement: str, ids: Sequence[str]) -> None:
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        conn.exec_driver_sql(statement.format(",".join("?" * len(chunk))), tuple(chunk))


def fingerprints(session: Session, ids: Iterable[str] | None = None) -> dict[str, str | None]:
    """The digest of the record last applied, by registration_id (all of them when ids is None)."""
    q = select(RegistrationRow.registration_id, RegistrationRow.source_hash)
    if ids is None:
        return {rid: digest for rid, digest in session.execute(q)}
    wanted = list(ids)
    found: dict[str, str | None] = {}
    for i in range(0, len(wanted), 500):
        chunk = q.where(RegistrationRow.registration_id.in_(wanted[i:i + 500]))
        found.update({rid: digest for rid, digest in session.execute(chunk)})
    return found


def set_fingerprints(session: Session, digests: Mapping[str, str]) -> None:
    """Remember record digests for registrations whose stored values did not change."""
    if digests:
        table = RegistrationRow.__table__
        session.connection().execute(
            update(table).where(table.c.registration_id == bindparam("rid")).values(source_hash=bindparam("h")),
            [{"rid": rid, "h": h} for rid, h in digests.items()])


def _sqlite_stamp(value: object) -> object:
    # SQLAlchemy's SQLite DateTime text format, naive UTC (as UTCDateTime stores it)
    if isinstance(value, dt.datetime):
        if value.tzinfo is _UTC:  # what desk's parsers give: drop the "+00:00"
            return value.isoformat(" ", "microseconds")[:-6]
        if value.tzinfo is not None:
            value = value.astimezone(_UTC)
        return value.replace(tzinfo=None).isoformat(" ", "microseconds")
    return value


def _insert(conn: Connection, table: Any, rows: list[dict[str, object]]) -> None:
    """Insert many rows; on SQLite straight through the driver (half the time for 100,000 rows)."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), rows)
        return
    columns = list(rows[0])
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    conn.exec_driver_sql(sql, [tuple(_sqlite_stamp(r[c]) for c in columns) for r in rows])


def store_registrations(
    session: Session, added: Sequence[Registration], updated: Sequence[tuple[Registration, Registration]],
    source: str, now: dt.datetime, digests: Mapping[str, str] | None = None,
) -> None:
    """Insert new registrations, apply updates (old, new) and append both to the sync log.

    On SQLite the search index is kept in step here (see `_append_sqlite`).
    """
    org_ids = _organisation_ids(session, [r.organisation for r in added] + [n.organisation for _, n in updated])
    # Core statements on the session's connection: the ORM bulk path costs ~2x for 100k rows
    conn = session.connection()
    fts = conn.dialect.name == "sqlite"
    changed_ids = [new.registration_id for _, new in updated]
    if fts and changed_ids:
        _fts(conn, _FTS_DELETE, changed_ids)
    digests = digests or {}
    log: list[dict[str, object]] = []
    if fts:
        if added:
            with contextlib.closing(conn.connection.dbapi_connection.cursor()) as cursor:
                _append_sqlite(cursor, _sqlite_rows(added, org_ids, now, digests), _sqlite_stamp(now), source)
    else:
        _insert(conn, RegistrationRow.__table__,
                [_values(r, org_ids, now, digests.get(r.registration_id)) for r in added])
        log = [{"at": now, "source": source[:500], "registration_id": r.registration_id, "action": "added",
                "changes": "{}"} for r in added]
    if updated:
        table = RegistrationRow.__table__
        rows = [{**_values(new, org_ids, now, digests.get(new.registration_id)), "rid": new.registration_id}
                for _, new in updated]
        for row in rows:
            del row["registration_id"]
        conn.execute(update(table).where(table.c.registration_id == bindparam("rid")), rows)
    if fts and changed_ids:
        _fts(conn, _FTS_INSERT, changed_ids)
    log += [{"at": now, "source": source[:500], "registration_id": new.registration_id, "action": "updated",
             "changes": json.dumps(changes_between(old, new), ensure_ascii=False)} for old, new in updated]
    _insert(conn, SyncLogRow.__table__, log)


# --- large imports on SQLite --------------------------------------------------------------

_CHUNK_ROWS = 5_000  # registrations stored per job once an import is large


class RegistrationWriter:
    """Stores a sync's registrations while the sync still validates the next ones.

    `add` takes new registrations a chunk at a time; `finish` applies the updates and waits
    for everything to be stored, in the caller's unit of work. Use it as a context manager:
    leaving it stops the helper thread before the unit of work commits or rolls back.

    A small sync (or one on PostgreSQL) is stored by `store_registrations` at `finish`. A
    large one on SQLite is stored as it comes: Python shapes chunk k+1 while SQLite stores
    and indexes chunk k in `bulkload`'s helper thread.
    """

    def __init__(self, session: Session, source: str, now: dt.datetime) -> None:
        self._session, self._source, self._now = session, source, now
        self._pending: list[Registration] = []
        self._digests: dict[str, str] = {}
        self._bulk = session.get_bind().dialect.name == "sqlite"
        self._thread: bulkload.StatementThread | None = None
        self._org_of_name: dict[str, int | None] = {}  # organisation id by name, for names seen in this sync
        self._org_ids: dict[str, int] = {}  # organisation key -> id, stored or given in this sync
        self._next_org = 0

    def __enter__(self) -> RegistrationWriter:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if self._thread is not None:
            self._thread.close(skip_queued=exc_type is not None)  # rolled back: no use storing more

    def add(self, registrations: Sequence[Registration], digests: Mapping[str, str]) -> None:
        """New registrations to store, and the digests of the chunk's records (kept for the new and updated ones)."""
        self._pending.extend(registrations)
        self._digests.update(digests)
        if self._bulk and len(self._pending) >= _CHUNK_ROWS:
            self._store_chunk()

    def finish(self, updated: Sequence[tuple[Registration, Registration]]) -> None:
        """Store what is left and apply `updated` (old, new); return when all is stored."""
        if self._thread is None:
            store_registrations(self._session, self._pending, updated, self._source, self._now, self._digests)
            return
        if self._pending:
            self._store_chunk()
        self._thread.join()
        self._thread.close()
        self._thread = None
        if updated:
            store_registrations(self._session, [], updated, self._source, self._now, self._digests)

    def _store_chunk(self) -> None:
        if self._thread is None:
            conn = self._session.connection()
            # Organisation ids are given here, so that rows are complete before SQLite sees them.
            # Only syncs add organisations and they hold the sync lock; were an id taken all the
            # same, the insert would fail and the whole sync roll back.
            self._org_ids = dict(conn.exec_driver_sql("SELECT key, id FROM organisation").fetchall())
            self._next_org = max(self._org_ids.values(), default=0) + 1
            self._thread = bulkload.StatementThread(conn.connection.dbapi_connection)
        added, self._pending = self._pending, []
        by_name, ids = self._org_of_name, self._org_ids
        new_orgs: list[tuple[int, str, str]] = []
        for reg in added:
            name = reg.organisation
            if name in by_name:
                continue
            key = stored_organisation_key(name)
            if key and key not in ids:  # two spellings of one organisation share its key and id
                ids[key] = self._next_org
                new_orgs.append((self._next_org, key, name))
                self._next_org += 1
            by_name[name] = ids[key] if key else None
        rows = _sqlite_rows(added, by_name, self._now, self._digests)
        self._thread.submit(functools.partial(self._store_rows, new_orgs, rows, _sqlite_stamp(self._now)))

    def _store_rows(self, new_orgs: list[tuple[int, str, str]], rows: list[tuple[object, ...]], synced: object,
                    cursor: sqlite3.Cursor) -> None:
        # runs in the helper thread
        if new_orgs:
            bulkload.insert_rows(cursor, "INSERT INTO organisation (id, key, name)", "(?,?,?)", 3, new_orgs)
        _append_sqlite(cursor, rows, synced, self._source)


def sync_log(session: Session, registration_id: str | None = None, limit: int = 1000) -> list[dict[str, object]]:
    """The newest sync-log entries (optionally for one registration), newest first."""
    q = select(SyncLogRow).order_by(SyncLogRow.id.desc()).limit(limit)
    if registration_id is not None:
        q = q.where(SyncLogRow.registration_id == registration_id)
    return [{"at": r.at, "source": r.source, "registration_id": r.registration_id, "action": r.action,
             "changes": json.loads(r.changes)} for r in session.scalars(q)]


def get_cursor(session: Session, source: str) -> str | None:
    """Where the incremental source stopped last time (None: start from the beginning)."""
    row = session.get(SyncCursorRow, source[:500])
    return row.cursor if row else None


def set_cursor(session: Session, source: str, cursor: str | None, now: dt.datetime) -> None:
    """Remember where the incremental source stopped, in the caller's unit of work."""
    row = session.get(SyncCursorRow, source[:500]) or SyncCursorRow(source=source[:500])
    row.cursor, row.updated_at = cursor, now
    session.add(row)


def last_synced_at(session: Session) -> dt.datetime | None:
    """When a sync last stored something or moved the feed cursor (None: never synced)."""
    logged = session.scalar(select(func.max(SyncLogRow.at)))
    moved = session.scalar(select(func.max(SyncCursorRow.updated_at)))
    stamps = [s for s in (logged, moved) if s is not None]
    return max(stamps) if stamps else None


def count_attendees(session: Session) -> int:
    """Number of validated registrations."""
    return session.scalar(select(func.count()).where(RegistrationRow.status == Status.VALIDATED.value)) or 0


_FEW_HITS = 3000
# What SQLite's word index (unicode61) splits words at, for the folded search text: anything
# but a digit or a letter fold_key keeps. Search terms are made of those letters only.
_WORD_BREAK = "[^0-9a-z\u00b5\u00df-\u024f\u0370-\u03ff\u0400-\u052f]"


def _word_start(term: str) -> Any:
    """A condition true when a word of the search text starts with `term` (PostgreSQL).

    LIKE rules out most rows cheaply; the regular expression then asks for a word start.
    A term holds only letters and digits (search_spellings), so it is a literal pattern.
    """
    column = RegistrationRow.search_text
    return column.like(f"%{term}%") & column.regexp_match(f"(^|{_WORD_BREAK}){term}")
_RAW_COLUMNS = ", ".join(f"r.{c.key}" for c in _REG_COLUMNS)


def _fts_word(term: str) -> str:
    return '"' + term.replace('"', '""') + '"*'


def _sqlite_search(conn: Connection, terms: list[tuple[str, ...]], attendees_only: bool,
                   limit: int | None) -> list[Registration]:
    """The FTS5 word index: every typed word (in one of its spellings) must start a word of the search text.

    Plain driver statements: a search runs at every keystroke, and the ORM's own work was
    a third of its time.
    """
    match = " AND ".join(_fts_word(t[0]) if len(t) == 1 else "(" + " OR ".join(map(_fts_word, t)) + ")"
                         for t in terms)
    validated = " AND r.status = 'validated'" if attendees_only else ""
    tail = f" ORDER BY r.sort_key, r.registration_id{f' LIMIT {int(limit)}' if limit is not None else ''}"
    hits = conn.exec_driver_sql(
        "SELECT count(*) FROM (SELECT rowid FROM registration_fts WHERE registration_fts MATCH ? LIMIT ?)",
        (match, _FEW_HITS)).scalar()
    if hits < _FEW_HITS:
        # Few hits: start from the word index (CROSS JOIN fixes SQLite's join order) and sort
        # just them; left to itself the planner walks all names checking each one.
        sql = (f"SELECT {_RAW_COLUMNS} FROM registration_fts CROSS JOIN registration AS r "
               f"ON r.id = registration_fts.rowid WHERE registration_fts MATCH ?{validated}{tail}")
    else:
        # Many: walk the name order and stop at `limit`, testing each name against the hits.
        sql = (f"SELECT {_RAW_COLUMNS} FROM registration AS r WHERE r.id IN "
               f"(SELECT rowid FROM registration_fts WHERE registration_fts MATCH ?){validated}{tail}")
    return [_to_core(row) for row in conn.exec_driver_sql(sql, (match,)).fetchall()]


def search_registrations(
    session: Session, query: str = "", *, attendees_only: bool = True, limit: int | None = None,
) -> list[Registration]:
    """Registrations whose name, organisation, e-mail or registration id hold every word of `query`.

    Case and accents are ignored ("lodz" finds "Łódź"), and a name in another script is
    found by its Latin spelling ("shevchenko" finds Шевченко). Sorted by last name, first
    name. Each word of the query must start a word there ("mul" finds Müller).
    """
    q = select(*_REG_COLUMNS)
    if attendees_only:
        q = q.where(RegistrationRow.status == Status.VALIDATED.value)
    terms = search_spellings(query)
    if terms and session.get_bind().dialect.name == "sqlite":
        return _sqlite_search(session.connection(), terms, attendees_only, limit)
    for spellings in terms:
        # elsewhere (the PostgreSQL hub): the same words as SQLite's word index finds
        q = q.where(or_(*(_word_start(term) for term in spellings)))
    q = q.order_by(RegistrationRow.sort_key, RegistrationRow.registration_id)
    if limit is not None:
        q = q.limit(limit)
    return [_to_core(r) for r in session.execute(q)]
