"""Repository of award voting: awards and finalists, the counts, and who voted.

Every function receives an open unit of work (a Session) and returns core dataclasses.
A vote is two writes in one unit of work: the voter row (whose key refuses a second ballot
of the same person for the same award) and the finalist's count. Nothing else is written,
so nothing can join the two.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Table, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from desk.core.awards.ballot import Award, AwardFileRow, Finalist
from desk.core.text import fold_key
from desk.store import hub as hub_store
from desk.store.schema import RegistrationRow
from desk.store.schema.awards import AwardFinalistRow, AwardRow, AwardStationRow, AwardVoterRow
from desk.store.schema.hub import HubEntryRow, HubLogRow, HubStationRow

_UTC = dt.timezone.utc


@dataclass(frozen=True)
class StoredAwards:
    """What an award import changed."""

    awards_added: int = 0
    finalists_added: int = 0
    descriptions_updated: int = 0
    unchanged: int = 0


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=_UTC)
    return value


def list_awards(session: Session, with_counts: bool = False) -> list[Award]:
    """Every award with its finalists in the file's order; counts only when `with_counts`."""
    awards = list(session.scalars(select(AwardRow).order_by(AwardRow.position, AwardRow.id)))
    finalists = list(session.scalars(select(AwardFinalistRow).order_by(AwardFinalistRow.position,
                                                                       AwardFinalistRow.id)))
    out = []
    for a in awards:
        own = tuple(Finalist(f.name, f.description, f.votes if with_counts else None,
                             f.reached_at_ballot if with_counts else None)
                    for f in finalists if f.award_id == a.id)
        out.append(Award(a.name, own, _aware(a.open_until), _aware(a.closed_at)))
    return out


def store_award_rows(session: Session, rows: Sequence[AwardFileRow]) -> StoredAwards:
    """Add the awards and finalists of `rows` not stored yet and update changed descriptions.

    Matching is by folded name, so a re-import of the same file changes nothing. Finalists
    missing from `rows` are kept (they may hold votes).
    """
    awards = {a.key: a for a in session.scalars(select(AwardRow))}
    finalists = {(f.award_id, f.key): f for f in session.scalars(select(AwardFinalistRow))}
    added_awards = added = updated = unchanged = 0
    for row in rows:
        key = fold_key(row.award)
        award = awards.get(key)
        if award is None:
            award = AwardRow(key=key, name=row.award, position=len(awards), ballots=0)
            session.add(award)
            session.flush()
            awards[key] = award
            added_awards += 1
        fkey = fold_key(row.finalist)
        finalist = finalists.get((award.id, fkey))
        if finalist is None:
            position = sum(1 for (aid, _k) in finalists if aid == award.id)
            finalist = AwardFinalistRow(award_id=award.id, key=fkey, name=row.finalist, description=row.description,
                                        position=position, votes=0, reached_at_ballot=0)
            session.add(finalist)
            finalists[(award.id, fkey)] = finalist
            added += 1
        elif finalist.description != row.description:
            finalist.description = row.description
            updated += 1
        else:
            unchanged += 1
    session.flush()
    return StoredAwards(added_awards, added, updated, unchanged)


def set_voting(session: Session, name: str, open_until: dt.datetime | None, closed_at: dt.datetime | None) -> bool:
    """Set the voting window of the award stored as `name`; False when there is none."""
    result = session.execute(update(AwardRow).where(AwardRow.name == name)
                             .values(open_until=open_until, closed_at=closed_at))
    return result.rowcount == 1


def add_voter(session: Session, award: str, registration_id: str) -> bool:
    """Record that `registration_id` voted for the award stored as `award`.

    Returns False when they already had (the table's key refused the row, also when another
    desk stored it a moment ago): the caller then counts nothing.
    """
    award_id = session.scalar(select(AwardRow.id).where(AwardRow.name == award))
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(AwardVoterRow).values(award_id=award_id, registration_id=registration_id)
    # RETURNING, not rowcount: psycopg reports -1 for an ORM insert's rowcount
    stored = session.execute(statement.on_conflict_do_nothing().returning(AwardVoterRow.award_id)).first()
    return stored is not None


def count_ballot(session: Session, award: str, finalist: str) -> int:
    """Add one ballot for `finalist` (stored name) of `award`; return the award's ballot number.

    The finalist remembers that number as the moment it reached its new count.
    """
    # Core statements on the tables: no ORM session synchronisation for two counters
    awards, finalists = AwardRow.__table__, AwardFinalistRow.__table__
    award_id, number = session.execute(
        update(awards).where(awards.c.name == award).values(ballots=awards.c.ballots + 1)
        .returning(awards.c.id, awards.c.ballots)).one()
    session.execute(update(finalists).where(finalists.c.award_id == award_id, finalists.c.name == finalist)
                    .values(votes=finalists.c.votes + 1, reached_at_ballot=number))
    return number


def voted_awards(session: Session, registration_id: str) -> set[str]:
    """The names of the awards `registration_id` has voted for."""
    q = (select(AwardRow.name).join(AwardVoterRow, AwardVoterRow.award_id == AwardRow.id)
         .where(AwardVoterRow.registration_id == registration_id))
    return set(session.scalars(q))


def voters_per_award(session: Session) -> dict[str, int]:
    """How many people voted, per award name (awards nobody voted for are absent)."""
    q = (select(AwardRow.name, func.count()).join(AwardVoterRow, AwardVoterRow.award_id == AwardRow.id)
         .group_by(AwardRow.name))
    return {name: count for name, count in session.execute(q)}


def ballots_per_award(session: Session) -> dict[str, int]:
    """The award's own count of ballots, per award name."""
    return {name: n for name, n in session.execute(select(AwardRow.name, AwardRow.ballots))}


def forget_order(session: Session) -> None:
    """Rewrite the voting tables in key order (PostgreSQL), once a vote closes.

    PostgreSQL keeps a table's rows in the order they were written (and an updated count's
    older versions until a vacuum): CLUSTER rewrites `award_voter` in the order of its key,
    so nobody can tell who voted first, and `award_finalist` without the older versions of
    its counts; on a hub `hub_entry` too, without the versions of envelopes before they were
    blanked. SQLite needs nothing: `award_voter` has no rowid and is kept in key order.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("CLUSTER award_voter USING pk_award_voter"))
        session.execute(text("CLUSTER award_finalist USING pk_award_finalist"))
        # on a hub: the row versions of ballot envelopes as they arrived, before they were blanked
        session.execute(text("CLUSTER hub_entry USING pk_hub_entry"))


def forget_log(engine: Engine) -> None:
    """Empty SQLite's write-ahead log once a vote closes (outside any unit of work).

    Until a checkpoint the log holds the page images of each commit in order, which would
    tell which voter row and which count changed together. TRUNCATE copies them into the
    database and cuts the log file to nothing. PostgreSQL's log belongs to the server.
    """
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


# --- through the hub: the awards document, ballot envelopes and the hub's tally -----------------
#
# A kiosk that joined a hub writes one envelope entry per ballot (award, finalist, voter) in the
# unit of work of its local count. Only the hub opens envelopes: it records the voter (or refuses
# a second ballot of the same person for the award), adds the choice to a count, and blanks the
# envelope, so the link it carried does not stay. The hub then publishes one tally (voters and
# counts per award, and per station how many of its envelopes were counted or refused), which
# replaces the previous one: no series of tallies is kept that could be compared ballot by ballot.
# A station that pulls the tally takes it as its voters and counts, adds its own envelopes the hub
# has not opened yet, and blanks its own envelopes the tally covers.

BALLOT = "ballot"
TALLY = "ballot-tally"
HUB_STATION = "hub"  # the station id of the entries the hub itself writes (its tally)
BLANK = "{}"
_TALLY_KEY = "award_tally"  # session.info: the tally this unit of work already wrote


def _iso(value: dt.datetime | None) -> str | None:
    value = _aware(value)
    return None if value is None else value.astimezone(_UTC).isoformat()


def _instant(value: object) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=_UTC)


def awards_document(session: Session) -> dict[str, object]:
    """The awards, finalists and voting windows as the hub shares them (no counts, no voters)."""
    awards, finalists = AwardRow.__table__, AwardFinalistRow.__table__
    rows = session.execute(select(awards).order_by(awards.c.position, awards.c.key)).all()
    own = session.execute(select(finalists).order_by(finalists.c.position, finalists.c.key)).all()
    return {"awards": [
        {"key": a.key, "name": a.name, "position": a.position, "open_until": _iso(a.open_until),
         "closed_at": _iso(a.closed_at),
         "finalists": [{"key": f.key, "name": f.name, "description": f.description, "position": f.position}
                       for f in own if f.award_id == a.id]}
        for a in rows]}


def apply_awards_document(session: Session, body: Mapping[str, Any]) -> None:
    """Take the awards of a newer shared document: add what is missing, update names, descriptions
    and voting windows. Nothing is removed (a finalist may hold votes); a vote the document closes
    is then kept in key order (forget_order)."""
    awards, finalists = AwardRow.__table__, AwardFinalistRow.__table__
    closed_now = False
    for a in body.get("awards", []):
        values = {"name": a["name"], "position": a["position"], "open_until": _instant(a.get("open_until")),
                  "closed_at": _instant(a.get("closed_at"))}
        have = session.execute(select(awards.c.id, awards.c.closed_at).where(awards.c.key == a["key"])).first()
        if have is None:
            award_id = session.execute(awards.insert().values(key=a["key"], ballots=0, **values)
                                       .returning(awards.c.id)).scalar_one()
        else:
            award_id = have.id
            closed_now = closed_now or (have.closed_at is None and values["closed_at"] is not None)
            session.execute(update(awards).where(awards.c.id == award_id).values(**values))
        for f in a.get("finalists", []):
            fvalues = {"name": f["name"], "description": f["description"], "position": f["position"]}
            done = session.execute(update(finalists).where(finalists.c.award_id == award_id,
                                                           finalists.c.key == f["key"]).values(**fvalues))
            if not done.rowcount:
                session.execute(finalists.insert().values(award_id=award_id, key=f["key"], votes=0,
                                                          reached_at_ballot=0, **fvalues))
    session.expire_all()  # ORM rows read earlier in this unit of work must not hide the new values
    if closed_now:
        forget_order(session)


def seal_envelope(session: Session, award: str, finalist: str, registration_id: str) -> bool:
    """At a station that joined a hub: append the ballot's envelope to its log (the caller's unit of
    work, with the local count). Returns False at a station of no hub (nothing is logged there)."""
    if session.scalar(select(HubStationRow.hub_url).where(HubStationRow.id == 1)) is None:
        return False
    awards, finalists = AwardRow.__table__, AwardFinalistRow.__table__
    award_id, award_key = session.execute(select(awards.c.id, awards.c.key).where(awards.c.name == award)).one()
    finalist_key = session.execute(select(finalists.c.key).where(finalists.c.award_id == award_id,
                                                                 finalists.c.name == finalist)).scalar_one()
    hub_store.append(session, BALLOT, {"award": award_key, "finalist": finalist_key,
                                       "registration_id": registration_id})
    return True


def _vote(session: Session, award_key: str, finalist_key: str, registration_id: str) -> bool | None:
    """Record the voter and add the choice by keys; False for a second ballot, None when the award,
    the finalist or the person is not here (yet)."""
    awards, finalists = AwardRow.__table__, AwardFinalistRow.__table__
    award = session.execute(select(awards.c.id, awards.c.name).where(awards.c.key == award_key)).first()
    if award is None:
        return None
    finalist = session.execute(select(finalists.c.name).where(finalists.c.award_id == award.id,
                                                              finalists.c.key == finalist_key)).scalar()
    if finalist is None or _registration_missing(session, registration_id):
        return None
    if not add_voter(session, award.name, registration_id):
        return False
    count_ballot(session, award.name, finalist)
    return True


def _registration_missing(session: Session, registration_id: str) -> bool:
    return session.scalar(select(RegistrationRow.id).where(RegistrationRow.registration_id == registration_id)) \
        is None


def _blank(session: Session, table: Table, ids: Sequence[str]) -> None:
    """Overwrite entry bodies with nothing; SQLite zeroes the old bytes in its pages (secure_delete)."""
    if not ids:
        return
    sqlite_db = session.get_bind().dialect.name == "sqlite"
    if sqlite_db:
        session.connection().exec_driver_sql("PRAGMA secure_delete=ON")
    for i in range(0, len(ids), 500):
        session.execute(update(table).where(table.c.id.in_(ids[i:i + 500])).values(body=BLANK))
    if sqlite_db:
        session.connection().exec_driver_sql("PRAGMA secure_delete=OFF")


def open_envelope(session: Session, entry: hub_store.Entry) -> None:
    """Apply a ballot envelope entry. On the hub: count it once (or refuse a second ballot), note
    the outcome for its station, blank the envelope, renew the tally. On a station (an envelope of
    another station the hub could not open yet): blank the copy, count nothing (the tally will).

    Raises desk.store.hub.NotYet when the award, finalist or person is not on the hub yet."""
    body = json.loads(entry.body)
    if not body:
        return  # opened and blanked by the hub already
    on_hub = session.scalar(select(HubEntryRow.position).where(HubEntryRow.id == entry.id)) is not None
    if not on_hub:
        _blank(session, HubLogRow.__table__, [entry.id])
        return
    if session.get_bind().dialect.name == "postgresql":  # one opener at a time (a retry runs outside a push)
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": hub_store.HUB_LOCK})
    counted = _vote(session, body["award"], body["finalist"], body["registration_id"])
    if counted is None:
        raise hub_store.NotYet(f"the award, finalist or person of a ballot from {entry.station_name} "
                               "is not on the hub yet")
    stations = AwardStationRow.__table__
    have = session.execute(select(stations.c.opened_seq).where(stations.c.station == entry.station)).first()
    if have is None:
        session.execute(stations.insert().values(station=entry.station, opened_seq=entry.seq,
                                                 counted=int(counted), refused=int(not counted)))
    else:
        session.execute(update(stations).where(stations.c.station == entry.station).values(
            opened_seq=max(have.opened_seq, entry.seq),
            counted=stations.c.counted + int(counted), refused=stations.c.refused + int(not counted)))
    _blank(session, HubEntryRow.__table__, [entry.id])
    write_tally(session)


def tally(session: Session) -> dict[str, object]:
    """The hub's count as it shares it: per award its ballots, each finalist's count and the
    ballot number it reached it at, and who voted (sorted); per station, the envelopes opened."""
    awards, finalists, voters = AwardRow.__table__, AwardFinalistRow.__table__, AwardVoterRow.__table__
    counts: dict[int, dict[str, list[int]]] = {}
    for f in session.execute(select(finalists.c.award_id, finalists.c.key, finalists.c.votes,
                                    finalists.c.reached_at_ballot)):
        counts.setdefault(f.award_id, {})[f.key] = [f.votes, f.reached_at_ballot]
    who: dict[int, list[str]] = {}
    for award_id, rid in session.execute(select(voters.c.award_id, voters.c.registration_id)
                                         .order_by(voters.c.award_id, voters.c.registration_id)):
        who.setdefault(award_id, []).append(rid)
    stations = AwardStationRow.__table__
    return {
        "awards": {a.key: {"ballots": a.ballots, "finalists": counts.get(a.id, {}), "voters": who.get(a.id, [])}
                   for a in session.execute(select(awards.c.id, awards.c.key, awards.c.ballots))},
        "stations": {s.station: [s.opened_seq, s.counted, s.refused]
                     for s in session.execute(select(stations).order_by(stations.c.station))},
    }


def write_tally(session: Session) -> None:
    """On the hub: publish the current tally as one entry after every other, replacing the last one.

    Within one unit of work the entry written first is rewritten in place (it is not committed,
    so no station has seen it); an older tally is deleted, so only the newest is ever pulled."""
    entries = HubEntryRow.__table__
    body = json.dumps(tally(session), sort_keys=True, separators=(",", ":"))
    mine = session.info.get(_TALLY_KEY)
    if mine is not None and mine[0] is session.get_transaction():
        if session.execute(update(entries).where(entries.c.id == mine[1]).values(body=body)).rowcount:
            return
    if session.get_bind().dialect.name == "postgresql":  # positions commit in order, as a push's do
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": hub_store.HUB_LOCK})
    seq = session.scalar(select(func.max(entries.c.seq)).where(entries.c.station == HUB_STATION)) or 0
    session.execute(delete(entries).where(entries.c.station == HUB_STATION, entries.c.kind == TALLY))
    last = session.scalar(select(func.max(entries.c.stamp))) or ""
    entry_id = uuid.uuid4().hex
    session.execute(entries.insert().values(
        id=entry_id, station=HUB_STATION, station_name=HUB_STATION, seq=seq + 1,
        stamp=hub_store.next_stamp(last, dt.datetime.now(_UTC)), kind=TALLY, body=body, applied=True, error=""))
    session.info[_TALLY_KEY] = (session.get_transaction(), entry_id)


def _own_station(session: Session) -> str | None:
    return session.scalar(select(HubStationRow.station).where(HubStationRow.id == 1))


def apply_tally(session: Session, entry: hub_store.Entry) -> None:
    """At a station: take the hub's tally as the voters and counts, then add this station's own
    ballots the hub has not opened yet; blank own envelopes the tally holds. An older tally than
    the one taken already is blanked and skipped.

    Raises desk.store.hub.NotYet when an award of the tally is not here yet."""
    body = json.loads(entry.body)
    log = HubLogRow.__table__
    if not body:
        return
    newer = session.scalar(select(func.count()).select_from(log).where(
        log.c.kind == TALLY, log.c.id != entry.id, log.c.body != BLANK, log.c.stamp > entry.stamp))
    if newer:
        _blank(session, log, [entry.id])
        return
    awards, finalists, voters = AwardRow.__table__, AwardFinalistRow.__table__, AwardVoterRow.__table__
    known = dict(session.execute(select(awards.c.key, awards.c.id)).all())
    here = set(session.execute(select(awards.c.key, finalists.c.key).join(
        finalists, finalists.c.award_id == awards.c.id)).all())
    missing = [k for k in body["awards"] if k not in known] + [
        f"{k}: {f}" for k, c in body["awards"].items() for f in c["finalists"] if (k, f) not in here]
    if missing:
        raise hub_store.NotYet(f"the award or finalist {missing[0]!r} of the hub's tally is not here yet")
    me = _own_station(session) or ""
    opened = body["stations"].get(me, [0, 0, 0])[0]
    session.execute(delete(voters))
    session.execute(update(finalists).values(votes=0, reached_at_ballot=0))
    session.execute(update(awards).values(ballots=0))
    for key, counted in body["awards"].items():
        award_id = known[key]
        if counted["voters"]:
            session.execute(voters.insert(), [{"award_id": award_id, "registration_id": rid}
                                              for rid in counted["voters"]])
        for fkey, (votes, reached) in counted["finalists"].items():
            session.execute(update(finalists).where(finalists.c.award_id == award_id, finalists.c.key == fkey)
                            .values(votes=votes, reached_at_ballot=reached))
        session.execute(update(awards).where(awards.c.id == award_id).values(ballots=counted["ballots"]))
    own = session.execute(select(log.c.id, log.c.seq, log.c.body).where(
        log.c.station == me, log.c.kind == BALLOT, log.c.body != BLANK).order_by(log.c.seq)).all()
    for row in own:
        if row.seq > opened:  # not opened by the hub yet: still this station's own count
            ballot = json.loads(row.body)
            _vote(session, ballot["award"], ballot["finalist"], ballot["registration_id"])
    _blank(session, log, [r.id for r in own if r.seq <= opened])
    older = session.scalars(select(log.c.id).where(log.c.kind == TALLY, log.c.id != entry.id,
                                                   log.c.body != BLANK)).all()
    _blank(session, log, list(older))
    session.expire_all()


def own_ballots(session: Session) -> tuple[int, int]:
    """This station's ballots the hub counted and refused (second ballots), as of the tally taken."""
    log = HubLogRow.__table__
    body = session.scalar(select(log.c.body).where(log.c.kind == TALLY, log.c.body != BLANK)
                          .order_by(log.c.stamp.desc()).limit(1))
    if not body:
        return 0, 0
    _opened, counted, refused = json.loads(body)["stations"].get(_own_station(session) or "", [0, 0, 0])
    return counted, refused
