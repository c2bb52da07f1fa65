"""Award voting through the hub: the awards document, ballot envelopes and the hub's tally.

A kiosk that joined a hub writes one envelope entry per ballot (award, finalist, voter) in the
unit of work of its local count. Only the hub opens envelopes: it records the voter (or refuses
a second ballot of the same person for the award), adds the choice to a count, and blanks the
envelope, so the link it carried does not stay. The hub then publishes one tally (voters and
counts per award, and per station how many of its envelopes were counted or refused), which
replaces the previous one: no series of tallies is kept that could be compared ballot by ballot.
A station that pulls the tally takes it as its voters and counts, adds its own envelopes the hub
has not opened yet, and blanks its own envelopes the tally covers.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, delete, event, func, select, text, update
from sqlalchemy.orm import Session

from desk.store import hub as hub_store
from desk.store.awards import add_voter, count_ballot, forget_order
from desk.store.schema import RegistrationRow
from desk.store.schema.awards import AwardFinalistRow, AwardRow, AwardStationRow, AwardVoterRow
from desk.store.schema.hub import HubEntryRow, HubLogRow, HubStationRow

_UTC = dt.timezone.utc

BALLOT = "ballot"
TALLY = "ballot-tally"
HUB_STATION = "hub"  # the station id of the entries the hub itself writes (its tally)
BLANK = "{}"
_TALLY_DUE = "award_tally_due"  # session.info: this unit of work opened envelopes


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=_UTC)).astimezone(_UTC).isoformat()


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
         "closed_at": _iso(a.closed_at), "window_stamp": a.window_stamp,
         "finalists": [{"key": f.key, "name": f.name, "description": f.description, "position": f.position}
                       for f in own if f.award_id == a.id]}
        for a in rows]}


def apply_awards_document(session: Session, body: Mapping[str, Any]) -> None:
    """Take the awards of a newer shared document: add what is missing, update names, positions
    and descriptions, and each voting window opened or closed later (by its clock stamp) than the
    one here. Nothing is removed (a finalist may hold votes); a vote the document closes is then
    kept in key order (forget_order)."""
    awards, finalists = AwardRow.__table__, AwardFinalistRow.__table__
    closed_now = False
    for a in body.get("awards", []):
        values = {"name": a["name"], "position": a["position"]}
        window = {"open_until": _instant(a.get("open_until")), "closed_at": _instant(a.get("closed_at")),
                  "window_stamp": a.get("window_stamp") or ""}
        have = session.execute(select(awards.c.id, awards.c.closed_at, awards.c.window_stamp)
                               .where(awards.c.key == a["key"])).first()
        if have is None:
            award_id = session.execute(awards.insert().values(key=a["key"], ballots=0, **values, **window)
                                       .returning(awards.c.id)).scalar_one()
        else:
            award_id = have.id
            if window["window_stamp"] > have.window_stamp:
                values.update(window)
                closed_now = closed_now or (have.closed_at is None and window["closed_at"] is not None)
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


def _vote_batch(session: Session, batch: Mapping[str, Any]) -> tuple[int, int] | None:
    """Add a batch of ballots counted before the station joined a hub (per award: who voted and the
    count per finalist); an award's part whose voters include one who voted already is refused as a
    whole (its choices cannot be told apart). Returns (counted, refused), or None (nothing written)
    when an award, finalist or person is not here (yet)."""
    awards, finalists, voters = AwardRow.__table__, AwardFinalistRow.__table__, AwardVoterRow.__table__
    parts = []
    for award_key, part in sorted(batch.items()):
        award_id = session.scalar(select(awards.c.id).where(awards.c.key == award_key))
        names = dict(session.execute(select(finalists.c.key, finalists.c.id).where(finalists.c.award_id == award_id)
                                     ).all()) if award_id is not None else {}
        if award_id is None or any(k not in names for k in part["finalists"]) or \
                any(_registration_missing(session, rid) for rid in part["voters"]):
            return None
        parts.append((award_id, names, part))
    counted = refused = 0
    for award_id, names, part in parts:
        if session.scalar(select(func.count()).select_from(voters).where(
                voters.c.award_id == award_id, voters.c.registration_id.in_(part["voters"]))):
            refused += len(part["voters"])
            continue
        if part["voters"]:
            session.execute(voters.insert(), [{"award_id": award_id, "registration_id": r} for r in part["voters"]])
        for fkey, votes in sorted(part["finalists"].items()):
            if votes:
                number = session.execute(update(awards).where(awards.c.id == award_id)
                                         .values(ballots=awards.c.ballots + votes).returning(awards.c.ballots)).scalar()
                session.execute(update(finalists).where(finalists.c.id == names[fkey])
                                .values(votes=finalists.c.votes + votes, reached_at_ballot=number))
        counted += len(part["voters"])
    return counted, refused


def _open(session: Session, body: Mapping[str, Any]) -> tuple[int, int] | None:
    """Count an envelope's ballot, or a batch's: (counted, refused), None when it cannot be yet."""
    if "batch" in body:
        return _vote_batch(session, body["batch"])
    counted = _vote(session, body["award"], body["finalist"], body["registration_id"])
    return None if counted is None else (int(counted), int(not counted))


def seal_before_joining(session: Session, taking: str = "") -> int:
    """At a station of a hub that took no tally yet (but the one with id `taking`, being taken):
    put the ballots it counted before it joined (no envelope holds them) into one batch envelope,
    so they reach the hub and the first tally does not replace them. Returns how many ballots
    were sealed (0 when none, or sealed already)."""
    awards, finalists, voters = AwardRow.__table__, AwardFinalistRow.__table__, AwardVoterRow.__table__
    log = HubLogRow.__table__
    me = _own_station(session)
    if session.scalar(select(HubStationRow.hub_url).where(HubStationRow.id == 1)) is None or \
            session.scalar(select(func.count()).select_from(log).where(log.c.kind == TALLY, log.c.id != taking)):
        return 0
    sealed_voters: dict[str, set[str]] = {}
    sealed_counts: dict[tuple[str, str], int] = {}
    for body in session.scalars(select(log.c.body).where(log.c.station == me, log.c.kind == BALLOT,
                                                         log.c.body != BLANK)):
        ballot = json.loads(body)
        if "batch" in ballot:
            return 0  # sealed already
        sealed_voters.setdefault(ballot["award"], set()).add(ballot["registration_id"])
        key = (ballot["award"], ballot["finalist"])
        sealed_counts[key] = sealed_counts.get(key, 0) + 1
    batch: dict[str, dict[str, Any]] = {}
    for award_key, rid in session.execute(select(awards.c.key, voters.c.registration_id)
                                          .join(voters, voters.c.award_id == awards.c.id)
                                          .order_by(awards.c.key, voters.c.registration_id)):
        if rid not in sealed_voters.get(award_key, ()):
            batch.setdefault(award_key, {"voters": [], "finalists": {}})["voters"].append(rid)
    for award_key, fkey, votes in session.execute(select(awards.c.key, finalists.c.key, finalists.c.votes)
                                                  .join(finalists, finalists.c.award_id == awards.c.id)):
        left = votes - sealed_counts.get((award_key, fkey), 0)
        if left > 0 and award_key in batch:
            batch[award_key]["finalists"][fkey] = left
    if batch:
        hub_store.append(session, BALLOT, {"batch": batch})
    return sum(len(part["voters"]) for part in batch.values())


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
    outcome = _open(session, body)
    if outcome is None:
        raise hub_store.NotYet(f"the award, finalist or person of a ballot from {entry.station_name} "
                               "is not on the hub yet")
    counted, refused = outcome
    stations = AwardStationRow.__table__
    have = session.execute(select(stations.c.opened_seq).where(stations.c.station == entry.station)).first()
    if have is None:
        session.execute(stations.insert().values(station=entry.station, opened_seq=entry.seq,
                                                 counted=counted, refused=refused))
    else:
        session.execute(update(stations).where(stations.c.station == entry.station).values(
            opened_seq=max(have.opened_seq, entry.seq),
            counted=stations.c.counted + counted, refused=stations.c.refused + refused))
    _blank(session, HubEntryRow.__table__, [entry.id])
    _tally_due(session)


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
    """On the hub: publish the current tally as one entry after every other; the older one is
    deleted, so only the newest is ever pulled."""
    entries = HubEntryRow.__table__
    body = json.dumps(tally(session), sort_keys=True, separators=(",", ":"))
    if session.get_bind().dialect.name == "postgresql":  # positions commit in order, as a push's do
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": hub_store.HUB_LOCK})
    seq = session.scalar(select(func.max(entries.c.seq)).where(entries.c.station == HUB_STATION)) or 0
    session.execute(delete(entries).where(entries.c.station == HUB_STATION, entries.c.kind == TALLY))
    last = session.scalar(select(func.max(entries.c.stamp))) or ""
    session.execute(entries.insert().values(
        id=uuid.uuid4().hex, station=HUB_STATION, station_name=HUB_STATION, seq=seq + 1,
        stamp=hub_store.next_stamp(last, dt.datetime.now(_UTC)), kind=TALLY, body=body, applied=True, error=""))


def _tally_due(session: Session) -> None:
    """Renew the tally once, when the unit of work that opened envelopes commits (not per envelope)."""
    if not event.contains(session, "before_commit", _write_due_tally):
        event.listen(session, "before_commit", _write_due_tally)
    session.info[_TALLY_DUE] = True


def _write_due_tally(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint's release: SQLAlchemy calls before_commit for those too
    if session.info.pop(_TALLY_DUE, False):
        write_tally(session)


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
    seal_before_joining(session, entry.id)  # at the first tally only
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
            _open(session, json.loads(row.body))
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
