"""Award voting on SQLite and PostgreSQL: one ballot per badge per award, and ballots nobody can join to voters."""

from __future__ import annotations

import datetime as dt
import random
import threading

import pytest
from sqlalchemy import insert, inspect, text

from desk.services.awards.results import award_results
from desk.services.awards.voting import cast_vote, close_voting
from desk.services.checkin.entrance import check_in_registration
from desk.services.demo.awards import MANAGER, PARTNERSHIP, install_demo_awards
from desk.services.demo.event import install_demo
from desk.core.awards.results import TieBreak
from desk.store import registrations as repo
from desk.store.db import open_database
from desk.store.schema.awards import AwardVoterRow

START = dt.date(2016, 11, 30)
TZ = dt.timezone(dt.timedelta(hours=1))
CHECKED_IN = dt.datetime(2016, 12, 1, 8, 30, tzinfo=TZ)
VOTING = dt.datetime(2016, 12, 1, 11, 0, tzinfo=TZ)
MANAGERS = ("Anneleen Peeters", "Małgorzata Wójcik", "Íñigo Ibáñez")
VOTED_TABLES = ("award", "award_finalist")  # the ballot side: what was voted


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.hub)])
def vote_db(request):
    """A demo database (SQLite file or PostgreSQL hub) with both awards open."""
    if request.param == "sqlite":
        url = f"sqlite:///{request.getfixturevalue('db_path')}"
    else:
        url = request.getfixturevalue("pg_url")
    db = open_database(url)
    install_demo(db, START)
    install_demo_awards(db, START)
    yield db
    db.close()


def voters(db, n: int) -> list[tuple[str, str]]:
    """`n` checked-in attendees who may vote: (registration id, ticket code)."""
    with db.begin() as session:
        regs = [r for r in repo.all_registrations(session)
                if r.is_attendee and r.category != "staff" and r.ticket_code
                and (not r.days or CHECKED_IN.date() in r.days)]
    chosen = sorted(regs, key=lambda r: r.registration_id)[:n]
    for r in chosen:
        assert check_in_registration(db, r.registration_id, "entrance", CHECKED_IN).outcome.value == "welcome"
    return [(r.registration_id, r.ticket_code) for r in chosen]


def rows(db, table: str, order: str = "") -> list[tuple]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} {order}"))]


def physical_order(db, table: str) -> list[tuple]:
    """The rows as the database keeps them: SQLite's storage order, PostgreSQL's heap (ctid) order."""
    if db.is_sqlite:
        return rows(db, table)  # a plain scan walks the b-tree: rowid order, or key order WITHOUT ROWID
    return rows(db, table, "ORDER BY ctid")


def table_sizes(db) -> dict[str, int]:
    with db.engine.connect() as conn:
        names = inspect(conn).get_table_names()
        return {n: conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar() for n in names}


def test_voters_and_ballots_cannot_be_joined(vote_db) -> None:
    db = vote_db
    people = voters(db, 24)
    before = table_sizes(db)
    # a known order, chosen so that registration-id order is not the voting order
    order = people[:]
    random.Random(16).shuffle(order)
    for i, (_rid, code) in enumerate(order):
        at = VOTING + dt.timedelta(minutes=i)
        assert cast_vote(db, code, MANAGER, MANAGERS[i % 3], at).outcome == "counted"
    after = table_sizes(db)

    # Only who voted grows with each ballot: no per-ballot row exists anywhere, no scan-log line
    grown = {t: after[t] - before[t] for t in after if after[t] != before[t]}
    assert grown == {"award_voter": 24}

    # no value of the ballot side but the award's id is found among the voter rows
    voter_values = {v for r in rows(db, "award_voter") for v in r}
    award_ids = {r[0] for r in rows(db, "award")}
    ballot_values = {v for t in VOTED_TABLES for r in rows(db, t) for v in r}
    assert (ballot_values & voter_values) - award_ids == set()
    assert {r[1] for r in rows(db, "award_voter")} == {rid for rid, _ in people}
    assert [c for c in inspect(db.engine).get_columns("award_voter")] and \
        {c["name"] for c in inspect(db.engine).get_columns("award_voter")} == {"award_id", "registration_id"}

    # the ballot side holds three counts, whatever the number of ballots: no order of 24 voters fits in it
    finalists = rows(db, "award_finalist", "ORDER BY id")
    assert len(finalists) == 6 and sum(r[6] for r in finalists) == 24

    # close the vote: the voter table, too, is then kept in key order, not in the voting order
    close_voting(db, MANAGER, VOTING + dt.timedelta(hours=1))
    voted_order = [rid for rid, _ in order]
    kept = [r[1] for r in physical_order(db, "award_voter")]
    assert kept == sorted(voted_order) != voted_order
    if db.is_sqlite:  # and the write-ahead log, which held each commit's pages in order, is empty
        assert db.sqlite_path.with_name(db.sqlite_path.name + "-wal").stat().st_size == 0


def test_sqlite_voter_table_has_no_rowid(db_path) -> None:
    db = open_database(f"sqlite:///{db_path}")
    install_demo(db, START)
    install_demo_awards(db, START)
    people = voters(db, 6)
    for i, (_rid, code) in enumerate(reversed(people)):  # voting order: the reverse of the key order
        cast_vote(db, code, MANAGER, MANAGERS[i % 3], VOTING)
    with db.engine.connect() as conn:
        with pytest.raises(Exception, match="rowid"):
            conn.execute(text("SELECT rowid FROM award_voter")).fetchall()
    # while the vote is still open, too
    assert [r[1] for r in physical_order(db, "award_voter")] == sorted(rid for rid, _ in people)
    db.close()


def test_the_database_refuses_a_second_voter_row(vote_db) -> None:
    db = vote_db
    (rid, code), = voters(db, 1)
    assert cast_vote(db, code, MANAGER, MANAGERS[0], VOTING).outcome == "counted"
    with pytest.raises(Exception, match="(?i)unique|duplicate"), db.begin() as session:
        award_id = session.execute(text("SELECT id FROM award WHERE name = :n"), {"n": MANAGER}).scalar()
        session.execute(insert(AwardVoterRow).values(award_id=award_id, registration_id=rid))
    again = cast_vote(db, code, "manager of the year", "wojcik", VOTING)
    assert again.outcome == "already_voted"
    other = cast_vote(db, code, PARTNERSHIP, "circular", VOTING)
    assert other.outcome == "counted"  # one ballot per award, not per person


def test_two_desks_voting_the_same_person_at_once_count_once(vote_db) -> None:
    db = vote_db
    (_rid, code), = voters(db, 1)
    others = [open_database(db.url) for _ in range(4)]
    start = threading.Barrier(len(others))
    answers: list[str] = []

    def vote(database) -> None:
        start.wait()
        answers.append(cast_vote(database, code, MANAGER, MANAGERS[1], VOTING).outcome)

    threads = [threading.Thread(target=vote, args=(d,)) for d in others]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    for d in others:
        d.close()
    assert sorted(answers) == ["already_voted"] * 3 + ["counted"]
    (result,) = [r for r in award_results(db, TieBreak("earliest-ballot")) if r.award == MANAGER]
    assert result.voters == result.ballots == 1 and result.reconciled


def test_results_reconcile_and_break_ties_as_stated(vote_db) -> None:
    db = vote_db
    people = voters(db, 4)
    # Wójcik reaches 2 first (ballots 1, 2), Peeters reaches 2 at ballot 4
    for (_rid, code), name in zip(people, (MANAGERS[1], MANAGERS[1], MANAGERS[0], MANAGERS[0])):
        assert cast_vote(db, code, MANAGER, name, VOTING).outcome == "counted"
    (earliest,) = [r for r in award_results(db, TieBreak("earliest-ballot")) if r.award == MANAGER]
    assert earliest.winner == MANAGERS[1] and set(earliest.tied) == {MANAGERS[0], MANAGERS[1]}
    assert earliest.voters == earliest.ballots == 4
    drawn = {seed: [r for r in award_results(db, TieBreak("draw-seed", seed)) if r.award == MANAGER][0].winner
             for seed in range(6)}
    assert set(drawn.values()) == {MANAGERS[0], MANAGERS[1]}  # a draw: either may win, by the seed
    again = {seed: [r for r in award_results(db, TieBreak("draw-seed", seed)) if r.award == MANAGER][0].winner
             for seed in range(6)}
    assert again == drawn  # and the same seed draws the same winner
