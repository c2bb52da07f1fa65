"""Repository functions for the event, registrations, organisations and the sync log.

Every function receives an open unit of work (a Session) and returns core dataclasses.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from desk.core.attendees import Event, Registration, RuleView, Status, stored_organisation_key
from desk.core.categories import uncounted_keys
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


def _to_core(row: Sequence[Any]) -> Registration:
    """A registration from a row of `_REG_COLUMNS`, through SQLAlchemy or straight from the driver."""
    (_id, rid, status, first, last, email, organisation, country, category, days, ticket, stamp) = row
    if isinstance(stamp, str):  # the driver gives SQLite's stored text
        stamp = dt.datetime.fromisoformat(stamp)
    if stamp is not None and stamp.tzinfo is None:  # stored as naive UTC; Core selects skip the type's hook
        stamp = stamp.replace(tzinfo=_UTC)
    return Registration(
        registration_id=rid, status=_STATUS[status], first_name=first, last_name=last, email=email,
        organisation=organisation, country=country, category=category, days=_days_tuple(days),
        ticket_code=ticket, updated_at=stamp,
    )


# --- event -------------------------------------------------------------------------------

def get_event(session: Session) -> Event | None:
    """Return the database's event, or None before one was created."""
    row = session.scalars(select(EventRow).order_by(EventRow.id).limit(1)).first()
    if row is None:
        return None
    from desk.store.event import categories_of  # noqa: PLC0415 - that module reads this one's event

    return Event(
        id=row.id, name=row.name, venue=row.venue, days=_days_tuple(row.days), seat_cap=row.seat_cap,
        per_organisation_cap=row.per_organisation_cap, registration_deadline=row.registration_deadline,
        timezone=row.timezone or "UTC", categories=categories_of(session, row.id),
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
    than the cap (the event's not-counted categories aside) and the registrations updated
    after the deadline: the core decides on them, without reading 100,000 rows that cannot
    break a rule. The number counts the validated people of counted categories only.
    """
    validated = RegistrationRow.status == Status.VALIDATED.value
    uncounted = sorted(uncounted_keys(event.categories))
    if uncounted:
        validated = validated & RegistrationRow.category.not_in(uncounted)
    total = session.scalar(select(func.count()).where(validated)) or 0
    crowded = (select(RegistrationRow.organisation_id)
               .where(validated, RegistrationRow.organisation_id.is_not(None))
               .group_by(RegistrationRow.organisation_id)
               .having(func.count() > event.per_organisation_cap))
    which = validated & RegistrationRow.organisation_id.in_(crowded)
    if event.registration_deadline is not None:
        which = which | (RegistrationRow.portal_updated_at > event.registration_deadline)
    q = select(RegistrationRow.registration_id, RegistrationRow.status, RegistrationRow.organisation,
               RegistrationRow.category, RegistrationRow.portal_updated_at).where(which).order_by(RegistrationRow.id)
    views = [RuleView(rid, _STATUS[status], org, cat,
                      stamp.replace(tzinfo=_UTC) if stamp is not None and stamp.tzinfo is None else stamp)
             for rid, status, org, cat, stamp in session.execute(q)]
    return views, total


def get_registration(session: Session, registration_id: str) -> Registration | None:
    """One registration by its portal id, or None."""
    row = session.execute(select(*_REG_COLUMNS).where(RegistrationRow.registration_id == registration_id)).first()
    return _to_core(row) if row else None


# The ticket-code index covers non-empty codes only (migration 0009): a query uses it when its
# WHERE holds this very term, written as the index writes it (a bound '' would not do on SQLite).
_HAS_TICKET = text("registration.ticket_code <> ''")


def find_by_ticket_code(session: Session, code: str) -> Registration | None:
    """The registration whose portal ticket code is exactly `code`, or None.

    Codes are unique (an index since migration 0009, and imports refuse a second holder);
    the order only makes the answer certain should a database hold a pair all the same.
    """
    if not code:
        return None
    q = (select(*_REG_COLUMNS).where(RegistrationRow.ticket_code == code, _HAS_TICKET)
         .order_by(RegistrationRow.id).limit(1))
    row = session.execute(q).first()
    return _to_core(row) if row else None


def ticket_holders(session: Session, codes: Iterable[str] | None = None) -> dict[str, str]:
    """The registration_id holding each of `codes` (every non-empty code when None)."""
    q = select(RegistrationRow.ticket_code, RegistrationRow.registration_id).where(_HAS_TICKET)
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
    return set(session.scalars(select(RegistrationRow.ticket_code)
                               .where(RegistrationRow.ticket_code.in_(wanted), _HAS_TICKET)))


# --- writing registrations: one path for both databases ----------------------------------

_TABLE = RegistrationRow.__table__
# What a sync writes: every column of the table but its own id and the badge reference the
# badges capability gives. The row shape, the inserts and the updates all follow this list.
_NOT_SYNCED = frozenset({"id", "badge_ref"})
_SYNCED_COLUMNS = tuple(c.key for c in _TABLE.columns if c.key not in _NOT_SYNCED)
_STATUS_TEXT = {s: s.value for s in Status}


@lru_cache(maxsize=256)
def _days_text_of(days: tuple[dt.date, ...]) -> str:
    return _days_text(days)  # an event has a handful of day sets


def _values(reg: Registration, org_id: int | None, synced: dt.datetime, digest: str | None) -> dict[str, object]:
    """A registration's stored values by column: the one place desk's fields meet the table's columns."""
    search, sort = reg.folded_texts()
    return {
        "registration_id": reg.registration_id, "status": _STATUS_TEXT[reg.status],
        "first_name": reg.first_name, "last_name": reg.last_name, "email": reg.email,
        "organisation": reg.organisation, "organisation_id": org_id, "country": reg.country,
        "category": reg.category if reg.category.__class__ is str else str(reg.category), "days": _days_text_of(reg.days), "ticket_code": reg.ticket_code,
        "portal_updated_at": reg.updated_at, "search_text": search, "sort_key": sort, "source_hash": digest,
        "synced_at": synced,
    }


def _jsonable(value: object) -> object:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return str(value) if isinstance(value, Status) else value


def changes_between(old: Registration, new: Registration) -> dict[str, list[object]]:
    """Fields that differ, as {field: [old, new]} ready for JSON."""
    fields = ("status", "first_name", "last_name", "email", "organisation", "country", "category",
              "days", "ticket_code", "updated_at")
    return {f: [_jsonable(getattr(old, f)), _jsonable(getattr(new, f))]
            for f in fields if getattr(old, f) != getattr(new, f)}


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


class _Organisations:
    """The one organisation-id allocator: ids by organisation name, new organisations numbered here.

    Two spellings of one organisation (same `stored_organisation_key`) get the same id. New
    ones take the ids after the highest stored one, so that rows are complete before the
    database sees them. Only syncs add organisations and they hold the sync lock; were an id
    taken all the same, the insert would fail and the whole sync roll back.
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._ids: dict[str, int] = {}  # organisation key -> id, stored or given in this sync
        self._of_name: dict[str, int | None] = {}  # for the names seen in this sync
        self._whole = False  # the whole table was read
        self._next: int | None = None

    def ids(self, names: Iterable[str], *, whole_table: bool = False) -> tuple[dict[str, int | None], list[dict[str, object]]]:
        """Ids by name for `names`, and the new organisations to insert before their registrations.

        A few unknown names are looked up; many (or `whole_table`: the connection will be
        busy later) read the table at once, so that later calls need no query.
        """
        keys = {name: stored_organisation_key(name) for name in dict.fromkeys(names) if name not in self._of_name}
        unknown = {key for key in keys.values() if key and key not in self._ids}
        if (unknown or whole_table) and not self._whole:
            q = select(OrganisationRow.key, OrganisationRow.id)
            if whole_table or len(unknown) > 500:
                self._whole = True
            else:
                q = q.where(OrganisationRow.key.in_(sorted(unknown)))
            self._ids.update({key: oid for key, oid in self._conn.execute(q)})
        if self._next is None and (unknown or whole_table):
            self._next = (self._conn.execute(select(func.max(OrganisationRow.id))).scalar() or 0) + 1
        new: list[dict[str, object]] = []
        for name, key in keys.items():
            if key and key not in self._ids:
                assert self._next is not None
                self._ids[key] = self._next
                new.append({"id": self._next, "key": key, "name": name})
                self._next += 1
            self._of_name[name] = self._ids[key] if key else None
        return self._of_name, new


class _CoreAppender:
    """Appends new registrations with Core inserts (PostgreSQL: the hub)."""

    def __init__(self, conn: Connection, source: str, synced: dt.datetime) -> None:
        self._conn, self._source, self._synced = conn, source, synced

    def append(self, organisations: Sequence[Mapping[str, object]], rows: Sequence[Mapping[str, object]],
               *, more: bool) -> None:
        conn = self._conn
        if organisations:
            conn.execute(insert(OrganisationRow.__table__), organisations)
            # ids were given here: move the table's id sequence past them
            conn.execute(text("SELECT setval(pg_get_serial_sequence('organisation', 'id'), :last)"),
                         {"last": max(o["id"] for o in organisations)})  # type: ignore[type-var]
        if rows:
            conn.execute(insert(_TABLE), rows)
            conn.execute(insert(SyncLogRow.__table__), [
                {"at": self._synced, "source": self._source, "registration_id": row["registration_id"],
                 "action": "added", "changes": "{}"} for row in rows])

    def finish(self) -> None:
        pass

    def close(self, *, skip_queued: bool = False) -> None:
        pass


_CHUNK_ROWS = 5_000  # new registrations shaped and handed to the database at a time


class RegistrationWriter:
    """The one way registrations are written, on SQLite and PostgreSQL alike.

    `add` takes new registrations a chunk at a time; `finish` stores what is left, applies the
    updates and logs them, in the caller's unit of work. Use it as a context manager: leaving
    it stops any helper thread before the unit of work commits or rolls back.

    Rows are shaped here once (`_values`, columns from the table); only the last step differs:
    Core inserts on PostgreSQL, `bulkload.SqliteAppender` on SQLite, which stores a large
    import in a helper thread while the sync validates the next chunk and keeps the word
    index in step (SQLite has it; PostgreSQL searches the column itself).
    """

    def __init__(self, session: Session, source: str, now: dt.datetime) -> None:
        self._session, self._source, self._now = session, source[:500], now
        self._conn = session.connection()
        self._sqlite = self._conn.dialect.name == "sqlite"
        self._organisations = _Organisations(self._conn)
        self._pending: list[Registration] = []
        self._digests: dict[str, str] = {}
        self._appender: bulkload.SqliteAppender | _CoreAppender = (
            bulkload.SqliteAppender(self._conn, _SYNCED_COLUMNS, self._source, now) if self._sqlite
            else _CoreAppender(self._conn, self._source, now))

    def __enter__(self) -> RegistrationWriter:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        self._appender.close(skip_queued=exc_type is not None)  # rolled back: no use storing more

    def add(self, registrations: Sequence[Registration], digests: Mapping[str, str]) -> None:
        """New registrations to store, and the digests of the chunk's records (kept for the new and updated ones)."""
        self._pending.extend(registrations)
        self._digests.update(digests)
        if len(self._pending) >= _CHUNK_ROWS:
            self._store_pending(more=True)

    def finish(self, updated: Sequence[tuple[Registration, Registration]]) -> None:
        """Store what is left and apply `updated` (old, new); return when all is stored."""
        self._store_pending(more=False)
        self._appender.finish()
        if updated:
            self._update(updated)

    def _store_pending(self, *, more: bool) -> None:
        added, self._pending = self._pending, []
        if not added:
            return
        # Before the first chunk goes to a helper thread, every id the sync needs is read.
        org_ids, new_orgs = self._organisations.ids([r.organisation for r in added], whole_table=more)
        digests, now = self._digests, self._now
        rows = [_values(reg, org_ids[reg.organisation], now, digests.get(reg.registration_id)) for reg in added]
        self._appender.append(new_orgs, rows, more=more)

    def _update(self, updated: Sequence[tuple[Registration, Registration]]) -> None:
        conn = self._conn
        org_ids, new_orgs = self._organisations.ids([new.organisation for _, new in updated])
        self._appender.append(new_orgs, [], more=False)
        changed = [new.registration_id for _, new in updated]
        if self._sqlite:
            bulkload.forget_words(conn, changed)
        rows = []
        for _, new in updated:
            row = _values(new, org_ids[new.organisation], self._now, self._digests.get(new.registration_id))
            row["rid"] = row.pop("registration_id")
            rows.append(row)
        conn.execute(update(_TABLE).where(_TABLE.c.registration_id == bindparam("rid")), rows)
        if self._sqlite:
            bulkload.index_words(conn, changed)
        conn.execute(insert(SyncLogRow.__table__), [
            {"at": self._now, "source": self._source, "registration_id": new.registration_id, "action": "updated",
             "changes": json.dumps(changes_between(old, new), ensure_ascii=False)} for old, new in updated])


def store_registrations(
    session: Session, added: Sequence[Registration], updated: Sequence[tuple[Registration, Registration]],
    source: str, now: dt.datetime, digests: Mapping[str, str] | None = None,
) -> None:
    """Insert new registrations, apply updates (old, new) and append both to the sync log."""
    with RegistrationWriter(session, source, now) as writer:
        writer.add(added, digests or {})
        writer.finish(updated)


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
