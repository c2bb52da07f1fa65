"""Repository of award voting: awards and finalists, the counts, and who voted.

Every function receives an open unit of work (a Session) and returns core dataclasses.
A vote is two writes in one unit of work: the voter row (whose key refuses a second ballot
of the same person for the same award) and the finalist's count. Nothing else is written,
so nothing can join the two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from desk.core.awards.ballot import Award, AwardFileRow, Finalist
from desk.core.hub import next_stamp
from desk.core.text import fold_key
from desk.store.schema.awards import AwardFinalistRow, AwardRow, AwardVoterRow
from desk.store.schema.hub import HubLogRow

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
    """Set the voting window of the award stored as `name`; False when there is none.

    The window gets this station's next clock stamp: through a hub, the newest window wins."""
    last = max(session.scalar(select(func.max(HubLogRow.stamp))) or "",
               session.scalar(select(func.max(AwardRow.window_stamp))) or "")
    result = session.execute(update(AwardRow).where(AwardRow.name == name).values(
        open_until=open_until, closed_at=closed_at, window_stamp=next_stamp(last, dt.datetime.now(_UTC))))
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
