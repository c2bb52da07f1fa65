"""Repository of the hub: the station's log (outbox), shared records, and the hub's merged log.

Every change that other stations must learn is appended here **in the caller's unit of
work**, so a check-in and its log entry commit or roll back together. Shared records (the
registrations, the event, the programme, the badge keys, the matchmaking schedule, the awards)
are published when the station syncs: whatever changed since it last published or received
them becomes an entry, so every way of changing them (an import, the window, the demo) is
covered without each knowing about the hub.

The same functions serve the hub's database: there a pushed entry is stored in `hub_entry`
and applied to the hub's own tables, so the hub derives the same state as every station.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import socket
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, DateTime, Table, delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from desk.core.attendees import Registration, Status
from desk.core.errors import DeskError
from desk.core.hub import CheckinFact, DuplicateCheckin, DuplicateEntry, next_stamp, resolve_checkins
from desk.store.schema import Base, RegistrationRow
from desk.store.schema.badges import PrintLogRow
from desk.store.schema.checkin import CheckinRow, ScanLogRow
from desk.store.schema.hub import HubEntryRow, HubKnownRow, HubLogRow, HubMemberRow, HubStationRow
from desk.store.schema.matchmaking import MatchOutcomeRow, MatchPresenceRow
from desk.store.schema.rooms import DoorEventRow, HeadcountRow, RoomRow, SessionRow

_UTC = dt.timezone.utc

CHECKIN = "checkin"
UNDO = "undo"
REGISTRATION = "registration"
DOCUMENT = "doc:"
ROWS: dict[str, Table] = {
    "scan": ScanLogRow.__table__,  # type: ignore[dict-item]
    "door": DoorEventRow.__table__,  # type: ignore[dict-item]
    "headcount": HeadcountRow.__table__,  # type: ignore[dict-item]
    "presence": MatchPresenceRow.__table__,  # type: ignore[dict-item]
    "outcome": MatchOutcomeRow.__table__,  # type: ignore[dict-item]
    "print": PrintLogRow.__table__,  # type: ignore[dict-item]
}
"""Append-only rows with random ids: an entry carries the row; applying it inserts it once."""

DOCUMENTS: dict[str, tuple[str, ...]] = {
    "event": ("event", "event_category"),
    "badge_keys": ("badge_key",),
    "programme": ("room", "programme_session"),
    "matchmaking": ("match_participant", "match_request", "match_slot", "match_settings", "match_schedule",
                    "match_meeting", "match_unscheduled"),
}
"""Shared records kept whole: the newest published version (by stamp) replaces the tables' rows."""

EXTRA_DOCUMENTS: dict[str, Callable[[Session], object]] = {}
"""Further documents a capability registers (name -> reader of its body)."""
_DOCUMENT_APPLIERS: dict[str, Callable[[Session, Any], None]] = {}


@dataclass(frozen=True)
class Entry:
    """One log entry as it travels between a station and the hub."""

    id: str
    station: str
    station_name: str
    seq: int
    stamp: str
    kind: str
    body: str

    def to_row(self) -> dict[str, object]:
        return {"id": self.id, "station": self.station, "station_name": self.station_name, "seq": self.seq,
                "stamp": self.stamp, "kind": self.kind, "body": self.body}


@dataclass(frozen=True)
class StationInfo:
    """This database as a station."""

    station: str
    name: str
    hub_url: str | None
    pulled: int
    last_contact_at: dt.datetime | None
    last_error: str
    logged: int  # own entries
    unpushed: int  # own entries the hub does not hold yet
    unapplied: int  # received entries that could not be applied yet (waiting for what they need)


def register_document(name: str, read: Callable[[Session], object], apply: Callable[[Session, Any], None]) -> None:
    """Share one more record between stations (a capability's own; read gives a JSON-able body)."""
    EXTRA_DOCUMENTS[name] = read
    _DOCUMENT_APPLIERS[name] = apply


# --- values as JSON ----------------------------------------------------------------------

def _jsonable(value: object) -> object:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_UTC)
        return value.astimezone(_UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_jsonable)


def digest_of(body: str) -> str:
    return hashlib.blake2b(body.encode(), digest_size=16).hexdigest()


def _row_json(table: Table, row: Mapping[str, object]) -> dict[str, object]:
    return {c.name: _jsonable(row.get(c.name)) for c in table.columns if c.name in row}


def _row_values(table: Table, body: Mapping[str, object]) -> dict[str, object]:
    """Column values from a row's JSON (dates and times parsed by the column's type)."""
    values: dict[str, object] = {}
    for column in table.columns:
        if column.name not in body:
            continue
        value = body[column.name]
        if isinstance(value, str):
            if isinstance(column.type, Date):
                value = dt.date.fromisoformat(value)
            elif isinstance(column.type, DateTime) or getattr(column.type, "impl", None) is DateTime or \
                    isinstance(getattr(column.type, "impl", None), DateTime):
                stamp = dt.datetime.fromisoformat(value)
                value = stamp if stamp.tzinfo else stamp.replace(tzinfo=_UTC)
        values[column.name] = value
    return values


def _insert(session: Session, table: Table) -> Any:
    return (postgresql.insert(table) if session.get_bind().dialect.name == "postgresql" else sqlite.insert(table))


# --- the station ---------------------------------------------------------------------------

def home_of(session: Session) -> str:
    """Where this SQLite database's file lives: host, path and file identity ("" on a server,
    or in memory). A copy or a move of the file has another home."""
    bind = session.get_bind()
    path = bind.url.database if bind.dialect.name == "sqlite" else None
    if not path or path == ":memory:":
        return ""
    try:
        st = os.stat(path)
    except OSError:
        return ""
    return f"{socket.gethostname()}|{os.path.realpath(path)}|{st.st_dev}:{st.st_ino}"


def _station_row(session: Session) -> HubStationRow:
    row = session.get(HubStationRow, 1)
    if row is None:
        row = HubStationRow(id=1, station=uuid.uuid4().hex, name="", hub_url=None, pulled=0, last_error="",
                            home=home_of(session))
        session.add(row)
        session.flush()
    return row


def moved_home(session: Session) -> bool:
    """Whether this database's file lives elsewhere than where its station id was made."""
    row = session.get(HubStationRow, 1)
    return row is not None and row.home != home_of(session)


def settle_home(session: Session) -> bool:
    """A file copied or moved to another place (`home_of`) becomes a station of its own: a
    new station id, so two laptops set up from one file never share one (the hub would refuse
    the copy's entries). Entries logged under the former id are still pushed from here.
    True when the id changed."""
    row = session.get(HubStationRow, 1)
    home = home_of(session)
    if row is None or row.home == home:
        return False
    moved = bool(row.home)
    if moved:
        row.station = uuid.uuid4().hex
    row.home = home
    session.flush()
    return moved


def station_name(session: Session) -> str:
    """This station's name ("" before it joined a hub)."""
    row = session.get(HubStationRow, 1)
    return row.name if row is not None else ""


def join(session: Session, hub_url: str, name: str) -> StationInfo:
    """Make this database a station of the hub at `hub_url` under `name`.

    Joining another hub starts pulling that hub from its beginning, and pushes this station's
    whole log there again (a new hub holds none of it; one that does keeps each entry once)."""
    row = _station_row(session)
    if row.hub_url != hub_url:
        row.pulled = 0
        session.execute(update(HubLogRow).where(HubLogRow.station == row.station, HubLogRow.pushed.is_(True))
                        .values(pushed=False))
    row.hub_url, row.name = hub_url, name[:100]
    session.flush()
    return station_info(session)


def station_info(session: Session) -> StationInfo:
    row = _station_row(session)
    logged = session.scalar(select(func.count()).select_from(HubLogRow).where(HubLogRow.station == row.station)) or 0
    unpushed = session.scalar(select(func.count()).select_from(HubLogRow).where(HubLogRow.pushed.is_(False))) or 0
    unapplied = session.scalar(select(func.count()).select_from(HubLogRow).where(HubLogRow.applied.is_(False))) or 0
    contact = row.last_contact_at
    if contact is not None and contact.tzinfo is None:
        contact = contact.replace(tzinfo=_UTC)
    return StationInfo(row.station, row.name, row.hub_url, row.pulled, contact, row.last_error, logged, unpushed,
                       unapplied)


def note_contact(session: Session, *, pulled: int | None, at: dt.datetime | None, error: str = "") -> None:
    """Remember where pulling stopped, the last contact with the hub, or why it failed."""
    row = _station_row(session)
    if pulled is not None:
        row.pulled = pulled
    if at is not None:
        row.last_contact_at = at
    row.last_error = error[:2000]
    session.flush()


# --- the outbox ----------------------------------------------------------------------------

def new_stamp(session: Session, now: dt.datetime | None = None) -> str:
    """A clock stamp after every stamp this database holds (its own and received)."""
    last = session.scalar(select(func.max(HubLogRow.stamp))) or ""
    return next_stamp(last, now or dt.datetime.now(_UTC))


def append(session: Session, kind: str, body: object, *, stamp: str | None = None) -> Entry:
    """Append one entry of this station's own to its log, in the caller's unit of work."""
    me = _station_row(session)
    stamp = stamp or new_stamp(session)
    seq = (session.scalar(select(func.max(HubLogRow.seq)).where(HubLogRow.station == me.station)) or 0) + 1
    entry = Entry(uuid.uuid4().hex, me.station, me.name, seq, stamp, kind, _dumps(body))
    session.execute(insert(HubLogRow), [{**entry.to_row(), "pushed": False, "applied": True, "error": ""}])
    return entry


def append_rows(session: Session, kind: str, table: Table, rows: Sequence[Mapping[str, object]]) -> None:
    """Append one entry per row of an append-only table (`kind` one of ROWS)."""
    if not rows:
        return
    me = _station_row(session)
    last = session.scalar(select(func.max(HubLogRow.stamp))) or ""
    seq = session.scalar(select(func.max(HubLogRow.seq)).where(HubLogRow.station == me.station)) or 0
    now = dt.datetime.now(_UTC)
    out = []
    for row in rows:
        last = next_stamp(last, now)
        seq += 1
        out.append({"id": uuid.uuid4().hex, "station": me.station, "station_name": me.name, "seq": seq,
                    "stamp": last, "kind": kind, "body": _dumps(_row_json(table, row)), "pushed": False,
                    "applied": True, "error": ""})
    session.execute(insert(HubLogRow), out)


def log_row(session: Session, kind: str, row: Mapping[str, object]) -> None:
    """Append the entry of one append-only row (scan, door, headcount, presence, outcome, print)."""
    append_rows(session, kind, ROWS[kind], [row])


def _entry(row: Any) -> Entry:
    return Entry(row.id, row.station, row.station_name, row.seq, row.stamp, row.kind, row.body)


_REFERENCE_FIRST = (HubLogRow.kind == REGISTRATION) | HubLogRow.kind.startswith(DOCUMENT)


def unpushed(session: Session, limit: int) -> list[Entry]:
    """Own entries the hub does not hold yet: shared records first (what later entries refer to)."""
    # pulled entries are stored pushed: the rest were written here, under this station's id or
    # under the one it had before its file was copied or moved (settle_home); in clock order
    q = (select(HubLogRow).where(HubLogRow.pushed.is_(False))
         .order_by(_REFERENCE_FIRST.desc(), HubLogRow.stamp, HubLogRow.seq).limit(limit))
    return [_entry(r) for r in session.scalars(q)]


def mark_pushed(session: Session, ids: Sequence[str]) -> None:
    for i in range(0, len(ids), 500):
        session.execute(update(HubLogRow).where(HubLogRow.id.in_(ids[i:i + 500])).values(pushed=True))


# --- check-ins in merge order ----------------------------------------------------------------

def resolve(session: Session, registration_id: str, day: dt.date) -> None:
    """Set which check-ins of one person on one day duplicate another (desk.core.hub.resolve_checkins)."""
    rows = list(session.execute(select(CheckinRow.id, CheckinRow.stamp, CheckinRow.station, CheckinRow.undone_at,
                                       CheckinRow.undone_stamp, CheckinRow.duplicate_of)
                                .where(CheckinRow.registration_id == registration_id, CheckinRow.day == day)))
    if len(rows) < 2 and all(r.duplicate_of is None for r in rows):
        return
    facts = [CheckinFact(r.id, r.stamp or "", r.station or "",
                         None if r.undone_at is None else (r.undone_stamp or "")) for r in rows]
    wanted = resolve_checkins(facts)
    now = {r.id: r.duplicate_of for r in rows}
    # duplicates first, then those that stand: the one-active index never sees two at once
    for cid, dup in sorted(wanted.items(), key=lambda kv: kv[1] is None):
        if now[cid] != dup:
            session.execute(update(CheckinRow).where(CheckinRow.id == cid).values(duplicate_of=dup))


def duplicates(session: Session, registration_id: str | None = None, day: dt.date | None = None) -> list[DuplicateEntry]:
    """Each person (and day) with a check-in kept as a duplicate: the first check-in and the duplicates."""
    q = select(CheckinRow.registration_id, CheckinRow.day).where(CheckinRow.duplicate_of.is_not(None)).distinct()
    if registration_id is not None:
        q = q.where(CheckinRow.registration_id == registration_id)
    if day is not None:
        q = q.where(CheckinRow.day == day)
    out = []
    for rid, d in sorted(session.execute(q)):
        rows = list(session.execute(
            select(CheckinRow.id, CheckinRow.station, CheckinRow.desk, CheckinRow.at, CheckinRow.duplicate_of,
                   CheckinRow.stamp)
            .where(CheckinRow.registration_id == rid, CheckinRow.day == d)))
        dup_ids = {r.duplicate_of for r in rows if r.duplicate_of} | {r.id for r in rows if r.duplicate_of}
        involved = sorted((r for r in rows if r.id in dup_ids), key=lambda r: (r.stamp, r.station, r.id))
        name = session.scalar(select(func.trim(RegistrationRow.first_name + " " + RegistrationRow.last_name))
                              .where(RegistrationRow.registration_id == rid)) or ""
        out.append(DuplicateEntry(rid, name, d, tuple(
            DuplicateCheckin(r.station or r.desk, r.desk, r.at if r.at.tzinfo else r.at.replace(tzinfo=_UTC), r.id)
            for r in involved)))
    return out


# --- applying entries --------------------------------------------------------------------------

class NotYet(Exception):
    """An entry refers to what this database does not hold yet (it is kept and tried again)."""


def _apply_checkin(session: Session, entry: Entry, body: Mapping[str, object]) -> None:
    values = _row_values(CheckinRow.__table__, body)  # type: ignore[arg-type]
    values.update(station=entry.station_name, stamp=entry.stamp, duplicate_of=values["id"],  # not active yet
                  undone_at=None, undone_desk=None, undone_stamp=None)
    done = session.execute(_insert(session, CheckinRow.__table__).values(**values)  # type: ignore[arg-type]
                           .on_conflict_do_nothing(index_elements=["id"]))
    if done.rowcount:
        resolve(session, str(values["registration_id"]), values["day"])  # type: ignore[arg-type]


def _apply_undo(session: Session, entry: Entry, body: Mapping[str, object]) -> None:
    target = session.execute(select(CheckinRow.registration_id, CheckinRow.day, CheckinRow.undone_stamp,
                                    CheckinRow.undone_at).where(CheckinRow.id == body["checkin_id"])).first()
    if target is None:
        raise NotYet(f"the check-in {body['checkin_id']} is not here yet")
    if target.undone_at is not None and (target.undone_stamp or "") <= entry.stamp:
        return  # undone already, by the first undo in merge order
    at = dt.datetime.fromisoformat(str(body["at"]))
    session.execute(update(CheckinRow).where(CheckinRow.id == body["checkin_id"]).values(
        undone_at=at if at.tzinfo else at.replace(tzinfo=_UTC), undone_desk=str(body.get("desk", ""))[:100],
        undone_stamp=entry.stamp))
    resolve(session, target.registration_id, target.day)


def _apply_row(session: Session, table: Table, body: Mapping[str, object]) -> None:
    values = _row_values(table, body)
    if table.name in _ROOM_ROWS and session.get(RoomRow, values["room"]) is None:
        values["room"] = _room_now(session, str(values["room"]))  # scanned at a door before its room was renamed
    session.execute(_insert(session, table).values(**values).on_conflict_do_nothing())


# --- a room renamed at one station -----------------------------------------------------------

ROOM_RENAME = "room-rename"
_ROOM_ROWS = ("door_event", "headcount")


def _room_now(session: Session, room: str) -> str:
    """The name room `room` goes by here after the renames this database knows of (itself when none)."""
    renames: dict[str, str] = {}
    for table in (HubLogRow, HubEntryRow):  # a station's log; on the hub, the merged one
        for body in session.scalars(select(table.body).where(table.kind == ROOM_RENAME).order_by(table.stamp)):
            named = json.loads(body)
            renames[named["old"]] = named["new"]
    name, seen = room, {room}
    while name in renames and renames[name] not in seen:
        name = renames[name]
        seen.add(name)
    return name


def _apply_room_rename(session: Session, entry: Entry) -> None:
    """Another station renamed a room: its sessions, door events and headcounts follow here too,
    and the old room goes once nothing refers to it."""
    named = json.loads(entry.body)
    old, new = named["old"], named["new"]
    if session.get(RoomRow, new) is None:
        if session.get(RoomRow, old) is None:
            return  # neither here: the programme that has it will come with the new name
        raise NotYet(f"the room {new!r} is not here yet (the programme naming it comes first)")
    for table in (SessionRow, DoorEventRow, HeadcountRow):
        session.execute(update(table).where(table.room == old).values(room=new))
    try:
        with session.begin_nested():
            session.execute(delete(RoomRow).where(RoomRow.name == old))
    except IntegrityError:
        pass  # still referenced by what this database does not move: kept
    _know_local(session, "programme")


def _know_local(session: Session, name: str) -> None:
    """Record this database's own version of a shared record as the one it knows: rows it had
    to keep (still referenced here) are not a change of its own to publish."""
    kind = DOCUMENT + name
    known = session.get(HubKnownRow, (kind, ""))
    if known is not None:
        _know(session, kind, "", digest_of(_dumps(document_body(session, name))), known.stamp)


def _newer(session: Session, kind: str, key: str, entry: Entry) -> bool:
    known = session.get(HubKnownRow, (kind, key))
    return known is None or known.stamp < entry.stamp


def _know(session: Session, kind: str, key: str, digest: str, stamp: str) -> None:
    stmt = _insert(session, HubKnownRow.__table__).values(kind=kind, key=key, digest=digest, stamp=stamp)  # type: ignore[arg-type]
    session.execute(stmt.on_conflict_do_update(index_elements=["kind", "key"],
                                               set_={"digest": digest, "stamp": stamp}))


def _apply_document(session: Session, entry: Entry) -> None:
    name = entry.kind[len(DOCUMENT):]
    if not _newer(session, entry.kind, "", entry):
        return
    body = json.loads(entry.body)
    if name in _DOCUMENT_APPLIERS:
        _DOCUMENT_APPLIERS[name](session, body)
    else:
        _replace_tables(session, [Base.metadata.tables[t] for t in DOCUMENTS[name]], body)
    _know(session, entry.kind, "", digest_of(entry.body), entry.stamp)
    if name in DOCUMENTS:
        _know_local(session, name)  # rows kept because still referenced here are not a local change


def _replace_tables(session: Session, tables: Sequence[Table], body: Mapping[str, list[dict[str, object]]]) -> None:
    """Make the tables hold the body's rows: upsert by primary key, then remove rows it lacks."""
    dialect = session.get_bind().dialect.name
    for table in tables:  # parents first
        rows = [_row_values(table, r) for r in body.get(table.name, [])]
        pk = [c.name for c in table.primary_key.columns]
        for row in rows:
            stmt = _insert(session, table).values(**row)
            rest = {k: v for k, v in row.items() if k not in pk}
            session.execute(stmt.on_conflict_do_update(index_elements=pk, set_=rest) if rest
                            else stmt.on_conflict_do_nothing())
        if dialect == "postgresql" and len(pk) == 1 and rows and table.c[pk[0]].type.python_type is int:
            # ids came from the publisher: move the id sequence (if any) past them
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0]}'), "
                                 f"(SELECT coalesce(max({pk[0]}), 1) FROM {table.name}))"))
    for table in reversed(tables):  # children first
        pk = [c.name for c in table.primary_key.columns]
        keep = {tuple(_row_values(table, r)[k] for k in pk) for r in body.get(table.name, [])}
        for key in list(session.execute(select(*[table.c[k] for k in pk]))):
            if tuple(key) not in keep:
                try:
                    with session.begin_nested():
                        session.execute(delete(table).where(*[table.c[k] == v for k, v in zip(pk, key)]))
                except IntegrityError:
                    # still referenced here (a renamed room's door events): kept, so the rest of the
                    # record still applies instead of waiting for ever
                    pass


def _registration_json(reg: Registration, badge_ref: str | None) -> dict[str, object]:
    return {"registration_id": reg.registration_id, "status": reg.status.value, "first_name": reg.first_name,
            "last_name": reg.last_name, "email": reg.email, "organisation": reg.organisation,
            "country": reg.country, "category": str(reg.category), "days": [d.isoformat() for d in reg.days],
            "ticket_code": reg.ticket_code, "updated_at": _jsonable(reg.updated_at), "badge_ref": badge_ref}


def _registration_of(body: Mapping[str, Any]) -> Registration:
    stamp = body.get("updated_at")
    return Registration(
        registration_id=body["registration_id"], status=Status(body["status"]), first_name=body["first_name"],
        last_name=body["last_name"], email=body["email"], organisation=body["organisation"],
        country=body["country"], category=body["category"],
        days=tuple(dt.date.fromisoformat(d) for d in body["days"]), ticket_code=body["ticket_code"],
        updated_at=dt.datetime.fromisoformat(stamp) if stamp else None)


_NO_TIME = dt.datetime.min.replace(tzinfo=_UTC)


def _portal_time(value: dt.datetime | str | None) -> dt.datetime:
    if not value:
        return _NO_TIME
    when = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return when if when.tzinfo else when.replace(tzinfo=_UTC)


def _apply_registrations(session: Session, entries: Sequence[Entry]) -> None:
    """Apply registration entries at once: per registration the version the portal updated
    last wins, then the newest stamp, whatever the order in which a database receives them
    (an older export imported at a station while apart never overwrites a newer one)."""
    from desk.store import registrations as repo  # noqa: PLC0415 - that module is large; needed here only

    newest: dict[str, tuple[tuple[dt.datetime, str], Entry, dict[str, Any]]] = {}
    for entry in entries:
        body = json.loads(entry.body)
        rid = body["registration_id"]
        order = (_portal_time(body.get("updated_at")), entry.stamp)
        if rid not in newest or newest[rid][0] < order:
            newest[rid] = (order, entry, body)
    have = repo.registrations_by_id(session, list(newest))
    wanted = []
    for rid, (order, entry, body) in newest.items():
        old, known = have.get(rid), session.get(HubKnownRow, (REGISTRATION, rid))
        if old is None or order > (_portal_time(old.updated_at), known.stamp if known else ""):
            wanted.append((entry, body))
    if not wanted:
        return
    added, updated = [], []
    for _, body in wanted:
        reg = _registration_of(body)
        old = have.get(reg.registration_id)
        if old is None:
            added.append(reg)
        elif old != reg:
            updated.append((old, reg))
    now = dt.datetime.now(_UTC)
    if added or updated:
        repo.store_registrations(session, added, updated, "hub", now)
    refs = {b["registration_id"]: b["badge_ref"] for _, b in wanted if b.get("badge_ref")}
    if refs:
        table = RegistrationRow.__table__
        for rid, ref in refs.items():
            session.execute(update(table).where(table.c.registration_id == rid, table.c.badge_ref.is_distinct_from(ref))
                            .values(badge_ref=ref))
    for entry, body in wanted:
        _know(session, REGISTRATION, body["registration_id"], digest_of(_dumps(body)), entry.stamp)


def apply(session: Session, entries: Sequence[Entry]) -> list[tuple[Entry, str]]:
    """Apply received entries in order; return those that could not be applied, with why.

    Each entry (or run of registration entries) is applied under a savepoint: one that
    refers to what is not here yet, or that the database refuses, is kept for a later try
    and the others go on."""
    failed: list[tuple[Entry, str]] = []
    i = one_by_one_until = 0
    while i < len(entries):
        entry = entries[i]
        if entry.kind in ROWS and i >= one_by_one_until:  # a run of append-only rows: one statement
            j = i
            while j < len(entries) and entries[j].kind == entry.kind:
                j += 1
            if j - i > 1:
                if _apply_rows(session, ROWS[entry.kind], entries[i:j]):
                    i = j
                    continue
                one_by_one_until = j  # refused as a whole: one at a time, to keep the good ones
        if entry.kind == REGISTRATION:
            j = i
            while j < len(entries) and entries[j].kind == REGISTRATION:
                j += 1
            run = entries[i:j]
            try:
                with session.begin_nested():
                    _apply_registrations(session, run)
            except (IntegrityError, DBAPIError, KeyError, ValueError, TypeError):
                for single in run:  # one at a time, to keep the good ones
                    try:
                        with session.begin_nested():
                            _apply_registrations(session, [single])
                    except (IntegrityError, DBAPIError, KeyError, ValueError, TypeError) as exc:
                        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:500]
                        failed.append((single, f"the registration could not be stored: {reason}"))
            i = j
            continue
        try:
            with session.begin_nested():
                _apply_one(session, entry)
        except NotYet as exc:
            failed.append((entry, str(exc)))
        except (IntegrityError, DBAPIError, KeyError, ValueError, TypeError) as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:500]
            failed.append((entry, reason))
        i += 1
    return failed


def _apply_rows(session: Session, table: Table, run: Sequence[Entry]) -> bool:
    """Insert a run of append-only rows in one statement (each once); False when the database
    refused the run (the caller then applies them one at a time)."""
    try:
        with session.begin_nested():
            session.execute(_insert(session, table).on_conflict_do_nothing(),
                            [_row_values(table, json.loads(e.body)) for e in run])
    except (IntegrityError, DBAPIError, KeyError, ValueError, TypeError):
        return False
    return True


def _apply_one(session: Session, entry: Entry) -> None:
    if entry.kind == CHECKIN:
        _apply_checkin(session, entry, json.loads(entry.body))
    elif entry.kind == UNDO:
        _apply_undo(session, entry, json.loads(entry.body))
    elif entry.kind in ROWS:
        _apply_row(session, ROWS[entry.kind], json.loads(entry.body))
    elif entry.kind.startswith(DOCUMENT):
        _apply_document(session, entry)
    elif entry.kind in _ENTRY_APPLIERS:
        _ENTRY_APPLIERS[entry.kind](session, entry)
    else:
        raise KeyError(f"an entry of kind {entry.kind!r} this desk does not know (update desk)")


_ENTRY_APPLIERS: dict[str, Callable[[Session, Entry], None]] = {}


def register_kind(kind: str, apply_entry: Callable[[Session, Entry], None]) -> None:
    """Let a capability apply entries of its own kind."""
    _ENTRY_APPLIERS[kind] = apply_entry


# --- the station receives ----------------------------------------------------------------------

def receive(session: Session, entries: Sequence[Entry]) -> int:
    """Store entries pulled from the hub and apply the new ones; return how many were new."""
    if not entries:
        return 0
    have = set(session.scalars(select(HubLogRow.id).where(HubLogRow.id.in_([e.id for e in entries]))))
    new = [e for e in entries if e.id not in have]
    if not new:
        return 0
    session.execute(insert(HubLogRow), [{**e.to_row(), "pushed": True, "applied": True, "error": ""} for e in new])
    for entry, reason in apply(session, new):
        session.execute(update(HubLogRow).where(HubLogRow.id == entry.id).values(applied=False, error=reason))
    return len(new)


def retry_unapplied(session: Session) -> int:
    """Try again the received entries that could not be applied; return how many are still waiting."""
    rows = list(session.scalars(select(HubLogRow).where(HubLogRow.applied.is_(False)).order_by(HubLogRow.stamp)))
    if not rows:
        return 0
    failed = {e.id: reason for e, reason in apply(session, [_entry(r) for r in rows])}
    for row in rows:
        row.applied = row.id not in failed
        row.error = failed.get(row.id, "")
    session.flush()
    return len(failed)


# --- publishing shared records -----------------------------------------------------------------

def _table_rows(session: Session, table: Table) -> list[dict[str, object]]:
    pk = [table.c[c.name] for c in table.primary_key.columns]
    return [_row_json(table, dict(r._mapping)) for r in session.execute(select(table).order_by(*pk))]


def document_body(session: Session, name: str) -> object:
    if name in EXTRA_DOCUMENTS:
        return EXTRA_DOCUMENTS[name](session)
    return {t: _table_rows(session, Base.metadata.tables[t]) for t in DOCUMENTS[name]}


def _known(session: Session, kind: str) -> dict[str, str]:
    return {k: d for k, d in session.execute(select(HubKnownRow.key, HubKnownRow.digest).where(HubKnownRow.kind == kind))}


@dataclass(frozen=True)
class Changes:
    """Shared records changed here since last published or received (found by `changes`)."""

    documents: tuple[tuple[str, str, str], ...]  # (kind, body, digest)
    registrations: tuple[tuple[dict[str, object], str], ...]  # (body, digest)
    marker: str  # the registrations' marker when they were compared

    def __len__(self) -> int:
        return len(self.documents) + len(self.registrations)


_MARKER = "registrations"  # hub_known key of the registration table's marker


def _registration_marker(session: Session) -> str:
    """A cheap fingerprint of the registration table: when it is unchanged, no registration
    changed, and publishing does not compare 20,000 records one by one."""
    from desk.store.schema import SyncLogRow  # noqa: PLC0415

    row = session.execute(select(func.count(), func.max(RegistrationRow.synced_at), func.count(RegistrationRow.badge_ref),
                                 func.min(RegistrationRow.badge_ref), func.max(RegistrationRow.badge_ref))).one()
    last_log = session.scalar(select(func.max(SyncLogRow.id)))
    return digest_of(_dumps([*map(_jsonable, row), last_log]))


def changes(session: Session) -> Changes:
    """What `publish` would share; reads only, so a station finds it without holding the write lock."""
    from desk.store import registrations as repo  # noqa: PLC0415

    documents = []
    for name in [*DOCUMENTS, *EXTRA_DOCUMENTS]:
        kind = DOCUMENT + name
        body = _dumps(document_body(session, name))
        digest = digest_of(body)
        known = _known(session, kind).get("")
        if known == digest or (known is None and _is_empty(body)):
            continue  # unchanged, or nothing here yet to share
        documents.append((kind, body, digest))
    marker = _registration_marker(session)
    registrations = []
    if _known(session, _MARKER).get("") != marker:
        known = _known(session, REGISTRATION)
        refs = dict(session.execute(select(RegistrationRow.registration_id, RegistrationRow.badge_ref)).all())
        for reg in repo.all_registrations(session):
            body = _registration_json(reg, refs.get(reg.registration_id))
            digest = digest_of(_dumps(body))
            if known.get(reg.registration_id) != digest:
                registrations.append((body, digest))
    return Changes(tuple(documents), tuple(registrations), marker)


def known_marker(session: Session) -> str | None:
    """The registrations' marker as last published."""
    return _known(session, _MARKER).get("")


def publish(session: Session, found: Changes | None = None) -> int:
    """Append an entry for every shared record changed here since it was last published or
    received (`found`, else looked up now); return how many."""
    found = changes(session) if found is None else found
    for kind, body, digest in found.documents:
        entry = append(session, kind, json.loads(body))
        _know(session, kind, "", digest, entry.stamp)
    if found.registrations:
        me = _station_row(session)
        last = session.scalar(select(func.max(HubLogRow.stamp))) or ""
        seq = session.scalar(select(func.max(HubLogRow.seq)).where(HubLogRow.station == me.station)) or 0
        now = dt.datetime.now(_UTC)
        rows, knows = [], []
        for body, digest in found.registrations:
            last = next_stamp(last, now)
            seq += 1
            rows.append({"id": uuid.uuid4().hex, "station": me.station, "station_name": me.name, "seq": seq,
                         "stamp": last, "kind": REGISTRATION, "body": _dumps(body), "pushed": False,
                         "applied": True, "error": ""})
            knows.append({"kind": REGISTRATION, "key": body["registration_id"], "digest": digest, "stamp": last})
        session.execute(insert(HubLogRow), rows)
        stmt = _insert(session, HubKnownRow.__table__)  # type: ignore[arg-type]
        session.execute(stmt.on_conflict_do_update(index_elements=["kind", "key"], set_={
            "digest": stmt.excluded.digest, "stamp": stmt.excluded.stamp}), knows)
    _know(session, _MARKER, "", found.marker, "")
    return len(found)


def _is_empty(body: str) -> bool:
    value = json.loads(body)
    if isinstance(value, dict):
        return all(not v for v in value.values())
    return not value


# --- on the hub ---------------------------------------------------------------------------

HUB_LOCK = 0x6465736B  # "desk": pushes take this advisory lock, so positions commit in order
CHANNEL = "desk_hub"


def take(session: Session, entries: Sequence[Entry]) -> list[Entry]:
    """On the hub: store pushed entries once (a repeated push changes nothing) and apply the
    new ones to the hub's tables; return the new ones."""
    if not entries:
        return []
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": HUB_LOCK})
    have = set(session.scalars(select(HubEntryRow.id).where(HubEntryRow.id.in_([e.id for e in entries]))))
    new = [e for e in entries if e.id not in have]
    _refuse_clashes(session, new)
    if new:
        session.execute(_insert(session, HubEntryRow.__table__).values([e.to_row() for e in new])  # type: ignore[arg-type]
                        .on_conflict_do_nothing())
        for entry, reason in apply(session, new):
            session.execute(update(HubEntryRow).where(HubEntryRow.id == entry.id).values(applied=False, error=reason))
        if session.get_bind().dialect.name == "postgresql":  # delivered at commit; the payload: who pushed
            session.execute(text("SELECT pg_notify(:channel, :station)"), {"channel": CHANNEL, "station": new[0].station})
    return new


class StationClash(DeskError):
    """Entries carry a station and sequence number the hub holds under other ids: two
    databases share one station id (a station's file was copied)."""


def _refuse_clashes(session: Session, new: Sequence[Entry]) -> None:
    """Raise StationClash when a new entry's (station, seq) is taken: the insert below would
    skip it silently and the station would count it pushed, so it would be lost."""
    by_station: dict[str, list[Entry]] = {}
    for entry in new:
        by_station.setdefault(entry.station, []).append(entry)
    for station, mine in by_station.items():
        taken = session.execute(select(HubEntryRow.seq, HubEntryRow.station_name).where(
            HubEntryRow.station == station, HubEntryRow.seq.in_([e.seq for e in mine]))).first()
        if taken is not None:
            raise StationClash(
                f"the hub already holds entry {taken.seq} of station '{taken.station_name}' under another id: "
                f"this database shares its station id with another (a copied file?); its entries stay here "
                "unpushed")


def hub_retry(session: Session) -> None:
    """On the hub: apply again the entries that waited for others."""
    rows = list(session.scalars(select(HubEntryRow).where(HubEntryRow.applied.is_(False)).order_by(HubEntryRow.position)))
    if rows:
        failed = {e.id: reason for e, reason in apply(session, [_entry(r) for r in rows])}
        for row in rows:
            row.applied = row.id not in failed
            row.error = failed.get(row.id, "")
        session.flush()


def entries_after(session: Session, position: int, station: str, limit: int) -> list[tuple[int, Entry]]:
    """On the hub: entries of other stations after `position`, in the hub's order."""
    q = (select(HubEntryRow).where(HubEntryRow.position > position, HubEntryRow.station != station)
         .order_by(HubEntryRow.position).limit(limit))
    return [(r.position, _entry(r)) for r in session.scalars(q)]


def behind(session: Session, position: int, station: str) -> int:
    """On the hub: how many entries of other stations come after `position` (what a station has to pull)."""
    return session.scalar(select(func.count()).select_from(HubEntryRow).where(
        HubEntryRow.position > position, HubEntryRow.station != station)) or 0


def last_position(session: Session) -> int:
    return session.scalar(select(func.max(HubEntryRow.position))) or 0


def note_member(session: Session, station: str, name: str, at: dt.datetime, *, logged: int | None = None,
                pulled: int | None = None) -> None:
    """On the hub: the station's last contact, how many own entries it had, where it pulled to."""
    row = session.get(HubMemberRow, station)
    if row is None:
        row = HubMemberRow(station=station, name=name, joined_at=at, logged=0, pushed=0, pulled=0)
        session.add(row)
    row.name, row.last_contact_at = name or row.name, at
    if logged is not None:
        row.logged = logged
    if pulled is not None:
        row.pulled = pulled
    row.pushed = session.scalar(select(func.count()).select_from(HubEntryRow).where(HubEntryRow.station == station)) or 0
    session.flush()


@dataclass(frozen=True)
class Member:
    """One station as the hub knows it."""

    station: str
    name: str
    last_contact_at: dt.datetime | None
    logged: int
    pushed: int
    pulled: int
    behind: int  # hub entries of others it has not pulled yet


def members(session: Session) -> list[Member]:
    last = last_position(session)
    out = []
    for row in session.scalars(select(HubMemberRow).order_by(HubMemberRow.name, HubMemberRow.station)):
        others_after = session.scalar(select(func.count()).select_from(HubEntryRow).where(
            HubEntryRow.position > row.pulled, HubEntryRow.station != row.station)) or 0
        contact = row.last_contact_at
        if contact is not None and contact.tzinfo is None:
            contact = contact.replace(tzinfo=_UTC)
        out.append(Member(row.station, row.name, contact, row.logged, row.pushed, row.pulled, others_after))
    del last
    return out


def is_hub(session: Session) -> bool:
    """True when this database holds pushed entries or members (it serves as a hub)."""
    return session.scalar(select(HubMemberRow.station).limit(1)) is not None


def all_ids(session: Session, table: str) -> Iterable[str]:
    """Every entry id a log table holds (tests and convergence checks)."""
    t = HubLogRow if table == "hub_log" else HubEntryRow
    return session.scalars(select(t.id))


# --- award voting through the hub (desk.store.ballots) ------------------------------------------
# The awards travel as a shared document; a kiosk's ballot travels as an envelope only the hub
# opens, and the hub's tally (voters and counts) comes back. Imported when used: desk.store.ballots
# builds on this module.

def _awards_store() -> Any:
    from desk.store import ballots  # noqa: PLC0415

    return ballots


register_document("awards", lambda s: _awards_store().awards_document(s),
                  lambda s, body: _awards_store().apply_awards_document(s, body))
register_kind(ROOM_RENAME, _apply_room_rename)
register_kind("ballot", lambda s, entry: _awards_store().open_envelope(s, entry))
register_kind("ballot-tally", lambda s, entry: _awards_store().apply_tally(s, entry))
