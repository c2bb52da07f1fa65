"""The hub loop between two SQLite stations and a real PostgreSQL hub: a check-in at one
appears at the other without anybody calling sync (NOTIFY wakes it), the hub going away is
said with its reason and tried again with back-off, its return is caught up, stop is prompt."""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
import threading
import time

import pytest

from desk.services.checkin import entrance as checkin
from desk.services.demo.event import EVENT_TZ, install_demo
from desk.services.hub import init_hub, join, sync
from desk.services.hub.loop import AgeLevel, HubLoop, HubState, Link, age_level, age_words
from desk.store.db import open_database
from tests.services.hubproxy import HubProxy

NOW = dt.datetime(2016, 12, 1, 8, 45, tzinfo=EVENT_TZ)
WAIT_S = 10.0


def wait_for(what, timeout_s: float = WAIT_S, every_s: float = 0.02):
    """`what()` once it is true; fails the test after `timeout_s` (polls, no fixed sleep)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        got = what()
        if got:
            return got
        time.sleep(every_s)
    raise AssertionError(f"not true after {timeout_s} s: {what.__doc__ or what}")


class States:
    """Collects what a loop reports (from its thread)."""

    def __init__(self) -> None:
        self.seen: list[HubState] = []
        self._lock = threading.Lock()

    def __call__(self, state: HubState) -> None:
        with self._lock:
            self.seen.append(state)

    def links(self) -> list[Link]:
        with self._lock:
            return [s.link for s in self.seen]

    def last(self) -> HubState | None:
        with self._lock:
            return self.seen[-1] if self.seen else None


@pytest.fixture
def stations(db_template, tmp_path, pg_url):
    """Two stations of a hub on PostgreSQL: the first holds the demo event and imported it,
    the second pulled it (both synced once). Yields (a, b, people, hub url)."""
    init_hub(pg_url)
    made = []
    for name in ("entrance-A", "entrance-B"):
        path = tmp_path / f"{name}.sqlite"
        shutil.copyfile(db_template, path)
        made.append(open_database(f"sqlite:///{path}"))
    a, b = made
    regs = install_demo(a, dt.date(2016, 11, 30), now=NOW).registrations
    people = [r for r in regs if r.is_attendee and dt.date(2016, 12, 1) in r.days]
    join(a, pg_url, "entrance-A")
    join(b, pg_url, "entrance-B")
    sync(a)
    sync(b)
    yield a, b, people, pg_url
    for database in made:
        database.close()


def _active(session, registration_id: str) -> bool:
    from sqlalchemy import select

    from desk.store.schema.checkin import CheckinRow

    return session.scalar(select(CheckinRow.id).where(
        CheckinRow.registration_id == registration_id, CheckinRow.undone_at.is_(None),
        CheckinRow.duplicate_of.is_(None))) is not None


def test_a_check_in_at_one_station_appears_at_the_other_without_calling_sync(stations):
    a, b, people, _url = stations
    seen_a, seen_b = States(), States()
    # a long interval: only a nudge (at A) and the hub's NOTIFY (at B) can make the rounds
    loop_a = HubLoop(a, seen_a, interval_s=60)
    loop_b = HubLoop(b, seen_b, interval_s=60)
    loop_a.start()
    loop_b.start()
    try:
        wait_for(lambda: seen_a.links().count(Link.ONLINE) >= 1 and seen_b.links().count(Link.ONLINE) >= 1)
        wait_for(lambda: loop_b.rounds >= 2)  # the first round and the one after LISTEN began
        time.sleep(0.3)  # let the start-up rounds settle: what follows must come from the nudge
        rounds_b = loop_b.rounds
        person = people[0]
        result = checkin.check_in_registration(a, person.registration_id, "entrance-A", NOW)
        assert result.outcome.value == "welcome"
        started = time.monotonic()
        loop_a.nudge()
        wait_for(lambda: _checked_in(b, person.registration_id), timeout_s=5)
        took = time.monotonic() - started
        assert took < 5  # far below the 60 s interval: the NOTIFY woke station B
        wait_for(lambda: loop_b.rounds > rounds_b)  # the data is committed just before the round ends
        last_b = wait_for(lambda: seen_b.last() if seen_b.last().link is Link.ONLINE else None)
        assert last_b.words() == "online" and last_b.last_contact_at is not None
        # at B the person is already in, named with the station that checked them in
        again = checkin.check_in_registration(b, person.registration_id, "entrance-B", NOW + dt.timedelta(minutes=1))
        assert again.outcome.value == "already_in"
        assert "entrance-A" in again.reason
    finally:
        assert loop_a.stop() and loop_b.stop()


def _checked_in(db, registration_id: str) -> bool:
    with db.begin() as session:
        return _active(session, registration_id)


def test_the_hub_going_away_is_offline_with_its_reason_and_backs_off_then_catches_up(stations, db_template):
    a, b, people, pg_url = stations
    proxy = HubProxy(pg_url)
    try:
        # station A reaches the hub through the relay: cutting it takes the hub away from A only
        join(a, proxy.url, "entrance-A")
        sync(a)  # joined anew: pulls the hub from its start
        seen = States()
        loop = HubLoop(a, seen, interval_s=60, backoff_s=(0.2, 0.4, 0.8, 1.6))
        loop.start()
        try:
            wait_for(lambda: Link.ONLINE in seen.links())
            proxy.cut()
            person = people[1]
            checkin.check_in_registration(a, person.registration_id, "entrance-A", NOW)
            loop.nudge()
            offline = wait_for(lambda: next((s for s in seen.seen if s.link is Link.OFFLINE), None))
            # the plain reason, without the driver's words
            assert offline.reason in (f"no answer from 127.0.0.1:{proxy.port}: connection refused",
                                      "the hub closed the connection"), offline.reason
            assert offline.words() == f"offline ({offline.reason})"
            assert offline.last_contact_at is not None  # how old the data is stays known
            # tried again with a growing wait: 0.2, 0.4, 0.8 ... s
            waits = wait_for(lambda: [s.retry_in_s for s in seen.seen if s.link is Link.OFFLINE][:3]
                             if len([s for s in seen.seen if s.link is Link.OFFLINE]) >= 3 else None)
            assert waits == [0.2, 0.4, 0.8]
            # the check-in is kept at A while apart; meanwhile B checks in 60 people
            assert _checked_in(a, person.registration_id) and not _checked_in(b, person.registration_id)
            for other in people[10:70]:
                checkin.check_in_registration(b, other.registration_id, "entrance-B", NOW)
            sync(b)
            proxy.restore()
            wait_for(lambda: all(_checked_in(a, o.registration_id) for o in people[10:70]))
            wait_for(lambda: seen.last().link is Link.ONLINE and seen.last().station.unpushed == 0)
            sync(b)
            assert _checked_in(b, person.registration_id)  # what A did while apart reached the others
            after = seen.seen[[s.link for s in seen.seen].index(Link.OFFLINE):]
            catching = [s for s in after if s.link is Link.CATCHING_UP]
            assert catching and catching[0].left >= 60  # B's 60 check-ins and A's own, at least
            assert catching[0].words() == f"catching up ({catching[0].left} entries)"
        finally:
            assert loop.stop()
    finally:
        proxy.close()


def test_stop_is_prompt_even_in_the_middle_of_a_back_off(stations):
    a, _b, _people, _url = stations
    proxy = HubProxy(_url)
    join(a, proxy.url, "entrance-A")
    proxy.cut()
    seen = States()
    loop = HubLoop(a, seen, backoff_s=(30.0,))
    loop.start()
    try:
        wait_for(lambda: Link.OFFLINE in seen.links())
    finally:
        started = time.monotonic()
        assert loop.stop(timeout_s=1.0)
        assert time.monotonic() - started < 1.0
        proxy.close()
    count = len(seen.seen)
    loop.nudge()
    assert len(seen.seen) == count  # nothing runs or reports after stop


def test_a_desk_named_hub_is_joined_under_the_desk_name(db_template, tmp_path, pg_url):
    init_hub(pg_url)
    path = tmp_path / "new.sqlite"
    shutil.copyfile(db_template, path)
    db = open_database(f"sqlite:///{path}")
    try:
        seen = States()
        loop = HubLoop(db, seen, hub_url=pg_url, name="door-3")
        loop.start()
        try:
            state = wait_for(lambda: seen.last() if seen.last() and seen.last().link is Link.ONLINE else None)
        finally:
            assert loop.stop()
        assert state.station.name == "door-3" and state.station.hub_url == pg_url
    finally:
        db.close()


def test_the_age_of_the_data_is_amber_after_15_minutes_and_red_after_60():
    assert age_level(dt.timedelta(minutes=14, seconds=59)) is AgeLevel.FRESH
    assert age_level(dt.timedelta(minutes=15)) is AgeLevel.AMBER
    assert age_level(dt.timedelta(minutes=59)) is AgeLevel.AMBER
    assert age_level(dt.timedelta(minutes=60)) is AgeLevel.RED
    assert age_level(None) is AgeLevel.RED
    assert age_words(dt.timedelta(minutes=17, seconds=40)) == "data 17 min old"
    assert age_words(dt.timedelta(seconds=20)) == "data up to date"
    assert age_words(None) == "no data from the hub yet"
    assert HubState(Link.CATCHING_UP, left=1).words() == "catching up (1 entry)"


def test_scans_are_answered_all_through_a_catch_up(stations):
    from desk.core.checkin.decision import ScanOutcome
    from desk.services.hub import station

    a, b, people, _url = stations
    at = NOW
    for i in range(400):  # A alone: every person in, then scanned again (~600 entries)
        at += dt.timedelta(seconds=1)
        checkin.check_in(a, people[i % len(people)].ticket_code, "entrance-A", at)
    sync(a)
    seen = States()
    loop = HubLoop(b, seen, interval_s=60)
    loop.start()
    try:
        catching = wait_for(lambda: next((s for s in seen.seen if s.link is Link.CATCHING_UP), None))
        assert catching.left >= 600
        # the desk at B goes on scanning all through the catch-up: none of its scans waits for
        # it (a batch holds the write lock less than a scan waits: no "busy, scan again")
        answers = []
        for person in itertools.cycle(people[:20]):
            if seen.last().link is not Link.CATCHING_UP or len(answers) >= 400:
                break
            answers.append(checkin.check_in(b, person.ticket_code, "entrance-B", at + dt.timedelta(minutes=1)).outcome)
        assert answers and ScanOutcome.BUSY not in answers
        assert set(answers) <= {ScanOutcome.WELCOME, ScanOutcome.ALREADY_IN}
    finally:
        assert loop.stop()
    # what was pulled stays; a new loop takes it from there
    seen_again = States()
    loop = HubLoop(b, seen_again, interval_s=60)
    loop.start()
    try:
        wait_for(lambda: seen_again.last() is not None and seen_again.last().link is Link.ONLINE
                 and station(b).unapplied == 0 and _checked_in(b, people[-1].registration_id))
    finally:
        assert loop.stop()
    assert all(_checked_in(b, person.registration_id) for person in people)
