"""Room repositories on a real SQLite file: programme round trip, door events, check-in lookup."""

from __future__ import annotations

import datetime as dt

from desk.core.rooms.occupancy import DoorEvent, FullPolicy, Move, ProgrammeSession, Room, WrongDayPolicy
from desk.services.demo.event import install_demo
from desk.store import rooms as store
from desk.store.schema.checkin import CheckinRow

UTC = dt.timezone.utc
AT = dt.datetime(2016, 12, 1, 10, 0, tzinfo=UTC)


def test_programme_and_door_events_round_trip(db) -> None:
    data = install_demo(db, dt.date(2016, 11, 30))
    rid = data.registrations[0].registration_id
    session_ = ProgrammeSession("Skills", "Circular economy", "Skills", "Europa", AT, AT + dt.timedelta(hours=1))
    with db.begin() as s:
        store.save_rooms(s, [Room("Europa", 80), Room("Atrium", 60, FullPolicy.WARN)])
        store.save_rooms(s, [Room("Europa", 90)])
        store.replace_sessions(s, [session_])
        store.add_door_event(s, DoorEvent(AT, "Europa", rid, Move.ENTRY), "door")
    with db.begin() as s:
        programme = store.get_programme(s)
        assert programme.rooms == (Room("Europa", 90), Room("Atrium", 60, FullPolicy.WARN))
        assert programme.sessions == (session_,)
        assert store.door_events(s) == [DoorEvent(AT, "Europa", rid, Move.ENTRY)]
        assert store.change_stamp(s, AT, AT)[0][0] == 1


def test_only_an_active_checkin_of_that_day_counts(db) -> None:
    data = install_demo(db, dt.date(2016, 11, 30))
    rid = data.registrations[0].registration_id
    day = dt.date(2016, 12, 1)
    with db.begin() as s:
        s.add(CheckinRow(id="a", registration_id=rid, day=day, at=AT, desk="e", undone_at=AT, undone_desk="e"))
    with db.begin() as s:
        assert not store.is_checked_in(s, rid, day)
        s.add(CheckinRow(id="b", registration_id=rid, day=day, at=AT, desk="e"))
    with db.begin() as s:
        assert store.is_checked_in(s, rid, day) and not store.is_checked_in(s, rid, dt.date(2016, 12, 2))


def test_wrong_day_policies_are_kept_through_edits_and_renames(db) -> None:
    with db.begin() as s:
        assert store.event_wrong_day_policy(s) is WrongDayPolicy.WARN  # no event yet: warn
    install_demo(db, dt.date(2016, 11, 30))
    with db.begin() as s:
        store.save_rooms(s, [Room("Europa", 80), Room("Atrium", 60)])
        store.set_wrong_day_policy(s, "Europa", WrongDayPolicy.REFUSE)
        store.set_event_wrong_day_policy(s, WrongDayPolicy.REFUSE)
    with db.begin() as s:
        store.save_rooms(s, [Room("Europa", 90)])  # the editor changes the capacity only
        store.rename_room(s, "Europa", Room("Salle Europa", 90))
        store.set_wrong_day_policy(s, "Atrium", WrongDayPolicy.WARN)
    with db.begin() as s:
        rooms = {r.name: r for r in store.list_rooms(s)}
        assert rooms["Salle Europa"].wrong_day_policy is WrongDayPolicy.REFUSE
        assert rooms["Atrium"].wrong_day_policy is WrongDayPolicy.WARN
        assert store.event_wrong_day_policy(s) is WrongDayPolicy.REFUSE
        store.set_wrong_day_policy(s, "Atrium", None)
    with db.begin() as s:
        assert {r.name: r.wrong_day_policy for r in store.list_rooms(s)}["Atrium"] is None
