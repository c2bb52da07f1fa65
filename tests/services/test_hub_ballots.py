"""Award ballots from two kiosks merge through a PostgreSQL hub: one ballot per badge per award
across kiosks, results that reconcile everywhere, awards that reach every kiosk, and envelopes
that do not stay (anonymity on the hub and at the kiosks)."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from sqlalchemy import inspect, text

from desk.core.awards.results import TieBreak
from desk.services.awards.files import import_awards
from desk.services.awards.hub import forget_envelopes, own_ballots, seal_before_joining
from desk.services.awards.results import award_results
from desk.services.awards.voting import cast_vote, close_voting, open_voting
from desk.services.checkin.entrance import check_in_registration
from desk.services.demo.event import install_demo
from desk.services.hub import init_hub, join, open_hub, sync
from desk.store import awards as store
from desk.store import hub as hub_store
from desk.store.db import open_database

pytestmark = pytest.mark.hub

START = dt.date(2016, 11, 30)
TZ = dt.timezone(dt.timedelta(hours=1))
CHECKED_IN = dt.datetime(2016, 12, 1, 8, 30, tzinfo=TZ)
VOTING = dt.datetime(2016, 12, 1, 11, 0, tzinfo=TZ)
MANAGER = "2016 European Cluster Manager of the Year Award"
PEETERS, WOJCIK, IBANEZ = "Anneleen Peeters", "Małgorzata Wójcik", "Íñigo Ibáñez"
AWARDS_CSV = ("award,finalist,description\n"
              f"{MANAGER},{PEETERS},Flanders\n"
              f"{MANAGER},{WOJCIK},Silesia\n"
              f"{MANAGER},{IBANEZ},Basque Country\n")


def _two_kiosks(pg_url, db_template, tmp_path):
    """A hub, kiosk A holding the demo event and kiosk B empty, and the awards file beside them."""
    init_hub(pg_url)
    paths = [tmp_path / "a.sqlite", tmp_path / "b.sqlite"]
    for path in paths:
        shutil.copyfile(db_template, path)
    a, b = (open_database(f"sqlite:///{p}") for p in paths)
    data = install_demo(a, START)
    (tmp_path / "awards.csv").write_text(AWARDS_CSV, encoding="utf-8")
    return a, b, data


@pytest.fixture
def kiosks(pg_url, db_template, tmp_path):
    """Kiosk A (the demo event, its check-ins and an imported award file, vote open) and kiosk B
    (an empty station), both joined to one hub and synced; yields (a, b, hub, people)."""
    a, b, data = _two_kiosks(pg_url, db_template, tmp_path)
    csv = tmp_path / "awards.csv"
    assert import_awards(a, csv).stored.finalists_added == 3
    open_voting(a, "manager", VOTING + dt.timedelta(hours=5), CHECKED_IN)
    voters = sorted((r for r in data.registrations if r.is_attendee and r.category != "staff" and r.ticket_code
                     and (not r.days or CHECKED_IN.date() in r.days)), key=lambda r: r.registration_id)[:4]
    for r in voters:
        assert check_in_registration(a, r.registration_id, "entrance", CHECKED_IN).outcome.value == "welcome"
    join(a, pg_url, "kiosk A")
    join(b, pg_url, "kiosk B")
    sync(a)
    sync(b)
    hub = open_hub(pg_url)
    yield a, b, hub, [(r.registration_id, r.ticket_code) for r in voters]
    for database in (a, b, hub):
        database.close()


def manager_result(db):
    (result,) = [r for r in award_results(db, TieBreak("earliest-ballot")) if r.award == MANAGER]
    return result


def counts(db) -> dict[str, int]:
    return {f.name: f.votes or 0 for f in manager_result(db).finalists}


def test_awards_imported_at_one_kiosk_reach_the_other(kiosks) -> None:
    a, b, hub, _ = kiosks
    with a.begin() as session:
        at_a = store.list_awards(session)
    with b.begin() as session:
        at_b = store.list_awards(session)
    with hub.begin() as session:
        at_hub = store.list_awards(session)
    assert [f.name for f in at_b[0].finalists] == [PEETERS, WOJCIK, IBANEZ]
    assert at_b == at_a == at_hub  # names, descriptions and the voting window
    assert at_b[0].finalists[1].description == "Silesia" and at_b[0].is_open(VOTING)



def test_closing_at_one_kiosk_closes_everywhere_and_the_hub_forgets_order(kiosks) -> None:
    a, b, hub, people = kiosks
    # voting order: the reverse of the key order
    for i, (_rid, code) in enumerate(reversed(people)):
        assert cast_vote(a, code, MANAGER, PEETERS, VOTING + dt.timedelta(minutes=i)).outcome == "counted"
    sync(a)
    with hub.engine.connect() as conn:
        voted = [r[0] for r in conn.execute(text("SELECT registration_id FROM award_voter ORDER BY ctid"))]
    assert voted == sorted(voted, reverse=True)  # the heap keeps the order the hub opened them in

    close_voting(b, MANAGER, VOTING + dt.timedelta(hours=1))
    sync(b)
    sync(a)
    with a.begin() as session:
        (closed,) = store.list_awards(session)
    assert not closed.is_open(VOTING + dt.timedelta(hours=2)) and closed.closed_at is not None
    assert cast_vote(a, people[0][1], MANAGER, WOJCIK, VOTING + dt.timedelta(hours=2)).outcome == "closed"
    with hub.engine.connect() as conn:
        kept = [r[0] for r in conn.execute(text("SELECT registration_id FROM award_voter ORDER BY ctid"))]
    assert kept == sorted(voted)


def test_a_window_closed_at_one_kiosk_survives_an_import_at_another(kiosks, tmp_path) -> None:
    """The newest opening or closing of a vote wins, whatever document was published last."""
    a, b, hub, _ = kiosks
    close_voting(a, MANAGER, VOTING)
    more = tmp_path / "more.csv"
    more.write_text(AWARDS_CSV + f"{MANAGER},Jan Novák,Moravia\n", encoding="utf-8")
    assert import_awards(b, more).stored.finalists_added == 1  # B has not heard of the closing yet
    sync(a)
    sync(b)  # B's document is the newer one, but the hub keeps A's newer closing
    with hub.begin() as session:
        assert store.list_awards(session)[0].closed_at is not None
    # A takes B's finalist, keeps its own closing, and publishes the merge at its next sync
    for kiosk in (a, a, b):
        sync(kiosk)
    for db in (a, b, hub):
        with db.begin() as session:
            (award,) = store.list_awards(session)
        assert [f.name for f in award.finalists] == [PEETERS, WOJCIK, IBANEZ, "Jan Novák"]
        assert award.closed_at is not None and not award.is_open(VOTING + dt.timedelta(minutes=1))


def test_same_person_at_two_kiosks_apart_counts_once(kiosks) -> None:
    a, b, hub, people = kiosks
    (p_rid, p_code), (_q, q_code), (_r, r_code), _ = people
    # the hub is out of reach: each kiosk counts what it sees
    assert cast_vote(a, p_code, MANAGER, PEETERS, VOTING).outcome == "counted"
    assert cast_vote(a, r_code, MANAGER, WOJCIK, VOTING + dt.timedelta(minutes=1)).outcome == "counted"
    assert cast_vote(b, p_code, MANAGER, IBANEZ, VOTING + dt.timedelta(minutes=2)).outcome == "counted"
    assert cast_vote(b, q_code, MANAGER, IBANEZ, VOTING + dt.timedelta(minutes=3)).outcome == "counted"
    assert counts(b) == {IBANEZ: 2, PEETERS: 0, WOJCIK: 0}

    before_a = own_ballots(a)
    sync(a)
    assert own_ballots(a).since(before_a).line() == \
        "ballots: 2 counted, 0 refused as second ballots (already_voted)"
    before_b = own_ballots(b)
    sync(b)
    assert own_ballots(b).since(before_b).line() == \
        "ballots: 1 counted, 1 refused as second ballots (already_voted)"
    before_a = own_ballots(a)
    sync(a)
    assert own_ballots(a).since(before_a).line() is None  # no ballot of its own involved

    # B took its refused count back; every kiosk and the hub hold the same count, voters = ballots
    expected = {PEETERS: 1, WOJCIK: 1, IBANEZ: 1}
    for db in (a, b, hub):
        assert counts(db) == expected
        result = manager_result(db)
        assert result.voters == result.ballots == 3 and result.reconciled
    # after the sync the person is known to have voted at either kiosk
    assert cast_vote(b, p_code, MANAGER, PEETERS, VOTING + dt.timedelta(minutes=9)).outcome == "already_voted"
    assert cast_vote(a, q_code, MANAGER, PEETERS, VOTING + dt.timedelta(minutes=9)).outcome == "already_voted"
    with hub.begin() as session:
        assert store.voted_awards(session, p_rid) == {MANAGER}

    # a repeated sync changes nothing, and a ballot cast after the sync travels too
    sync(a)
    sync(b)
    (_s, s_code) = people[3]
    assert cast_vote(b, s_code, MANAGER, PEETERS, VOTING + dt.timedelta(minutes=10)).outcome == "counted"
    sync(b)
    sync(a)
    for db in (a, b, hub):
        assert counts(db) == {PEETERS: 2, WOJCIK: 1, IBANEZ: 1}
        assert manager_result(db).voters == manager_result(db).ballots == 4


def test_a_ballot_cast_while_the_tally_is_pulled_stays_counted(kiosks) -> None:
    """A kiosk's envelope the hub has not opened yet is added on top of the hub's tally."""
    a, b, hub, people = kiosks
    (_p, p_code), (_q, q_code), *_ = people
    assert cast_vote(a, p_code, MANAGER, PEETERS, VOTING).outcome == "counted"
    sync(a)  # the hub's tally now holds P
    assert cast_vote(b, q_code, MANAGER, WOJCIK, VOTING).outcome == "counted"
    # B pulls the tally without pushing first (as when its push failed): Q stays counted at B
    with b.begin() as session:
        info = hub_store.station_info(session)
    with hub.begin() as session:
        got = hub_store.entries_after(session, info.pulled, info.station, 1000)
    with b.begin() as session:
        assert hub_store.receive(session, [e for _, e in got]) >= 1
    assert counts(b) == {PEETERS: 1, WOJCIK: 1, IBANEZ: 0}
    assert manager_result(b).reconciled
    sync(b)
    sync(a)
    for db in (a, b):
        assert counts(db) == {PEETERS: 1, WOJCIK: 1, IBANEZ: 0} and manager_result(db).voters == 2


def table_rows(db) -> dict[str, list[tuple]]:
    with db.engine.connect() as conn:
        names = inspect(conn).get_table_names()
        return {n: [tuple(r) for r in conn.execute(text(f'SELECT * FROM "{n}"'))] for n in names}


def test_no_envelope_stays_on_the_hub_or_the_kiosks(kiosks) -> None:
    a, b, hub, people = kiosks
    before = {t: len(r) for t, r in table_rows(hub).items()}
    choices = [PEETERS, WOJCIK, IBANEZ, WOJCIK]
    for i, ((_rid, code), name) in enumerate(zip(people, choices)):
        kiosk = a if i % 2 else b
        assert cast_vote(kiosk, code, MANAGER, name, VOTING + dt.timedelta(minutes=i)).outcome == "counted"
    for kiosk in (a, b, a):
        sync(kiosk)
    forget_envelopes(a)
    forget_envelopes(b)

    # the hub: each envelope entry is blank, and no row of any table holds a voter beside a choice
    with hub.begin() as session:
        bodies = session.execute(text("SELECT body FROM hub_entry WHERE kind = 'ballot'")).scalars().all()
        tallies = session.execute(text("SELECT count(*) FROM hub_entry WHERE kind = 'ballot-tally'")).scalar()
        written = session.execute(text("SELECT max(seq) FROM hub_entry WHERE station = 'hub'")).scalar()
    assert bodies == ["{}"] * 4
    assert tallies == 1  # only the newest tally: no series of tallies to compare ballot by ballot
    assert written == 2  # one tally per push that brought envelopes, not one per envelope
    # on the hub, per ballot only who voted and a blank entry grow; no ballot row exists there either
    after = {t: len(r) for t, r in table_rows(hub).items()}
    grown = {t: after[t] - before[t] for t in after if after[t] != before[t]}
    assert grown == {"award_voter": 4, "hub_entry": 4 + 1, "award_station": 2}  # + the one tally
    voter_ids = {rid for rid, _ in people}
    for db in (hub, a, b):
        for table, rows in table_rows(db).items():
            for row in rows:
                values = " ".join(str(v) for v in row)
                if table == "hub_log" or table == "hub_entry":
                    assert '"finalist":' not in values, (table, row)  # an envelope's field
                elif any(rid in values for rid in voter_ids):
                    # who voted sits only beside the award, never beside a finalist or a count
                    assert not any(name in values for name in choices), (table, row)
        cols = {c["name"] for c in inspect(db.engine).get_columns("award_voter")}
        assert cols == {"award_id", "registration_id"}
        assert {c["name"] for c in inspect(db.engine).get_columns("award_station")} == \
            {"station", "opened_seq", "counted", "refused"}

    # the kiosks' files (and their write-ahead logs) hold no envelope's bytes any more
    for kiosk in (a, b):
        path = kiosk.sqlite_path
        data = path.read_bytes()
        wal = path.with_name(path.name + "-wal")
        data += wal.read_bytes() if wal.exists() else b""
        assert b'"finalist":' not in data


def test_ballots_counted_before_joining_reach_the_hub_as_one_batch(pg_url, db_template, tmp_path) -> None:
    a, b, data = _two_kiosks(pg_url, db_template, tmp_path)
    csv = tmp_path / "awards.csv"
    import_awards(a, csv)
    open_voting(a, "manager", VOTING + dt.timedelta(hours=5), CHECKED_IN)
    people = sorted((r for r in data.registrations if r.is_attendee and r.category != "staff" and r.ticket_code
                     and (not r.days or CHECKED_IN.date() in r.days)), key=lambda r: r.registration_id)[:3]
    for r in people:
        check_in_registration(a, r.registration_id, "entrance", CHECKED_IN)
    # A counts two ballots while it is a station of no hub: no envelope is written
    for r, name in zip(people[:2], (PEETERS, WOJCIK)):
        assert cast_vote(a, r.ticket_code, MANAGER, name, VOTING).outcome == "counted"
    with a.begin() as session:
        assert session.execute(text("SELECT count(*) FROM hub_log WHERE kind = 'ballot'")).scalar() == 0
    join(a, pg_url, "kiosk A")
    join(b, pg_url, "kiosk B")
    assert seal_before_joining(a) == 2  # what `desk sync` does first
    assert seal_before_joining(a) == 0  # once
    sync(a)
    sync(b)
    assert cast_vote(b, people[2].ticket_code, MANAGER, IBANEZ, VOTING).outcome == "counted"
    assert cast_vote(b, people[0].ticket_code, MANAGER, IBANEZ, VOTING).outcome == "already_voted"
    sync(b)
    sync(a)
    hub = open_hub(pg_url)
    try:
        for db in (a, b, hub):
            assert counts(db) == {PEETERS: 1, WOJCIK: 1, IBANEZ: 1}
            assert manager_result(db).voters == manager_result(db).ballots == 3
        with hub.begin() as session:
            assert session.execute(text("SELECT body FROM hub_entry WHERE kind = 'ballot'")).scalars().all() == \
                ["{}", "{}"]
    finally:
        for database in (a, b, hub):
            database.close()


def test_a_push_repeated_after_its_reply_was_lost_counts_once(kiosks) -> None:
    a, _b, hub, people = kiosks
    (_p, p_code), (_q, q_code), *_ = people
    assert cast_vote(a, p_code, MANAGER, PEETERS, VOTING).outcome == "counted"
    assert cast_vote(a, q_code, MANAGER, WOJCIK, VOTING).outcome == "counted"
    with a.begin() as session:
        batch = hub_store.unpushed(session, 100)
    assert [e.kind for e in batch] == ["ballot", "ballot"]
    with hub.begin() as session:  # the hub takes the push, the reply never reaches the kiosk
        assert len(hub_store.take(session, batch)) == 2
    before = own_ballots(a)
    sync(a)  # pushes the same envelopes again
    assert own_ballots(a).since(before).line() == "ballots: 2 counted, 0 refused as second ballots (already_voted)"
    for db in (a, hub):
        assert counts(db) == {PEETERS: 1, WOJCIK: 1, IBANEZ: 0}
        assert manager_result(db).voters == manager_result(db).ballots == 2
