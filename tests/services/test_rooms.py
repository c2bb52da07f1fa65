"""Door scans, headcounts and the board's figures on a real database with the demo event."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from desk.core.attendees import Status
from desk.core.rooms.occupancy import FullPolicy, WrongDayPolicy
from desk.core.badges.codes import badge_ref, issue_code
from desk.services.demo.event import install_demo
from desk.services.badges.keys import create_keys
from desk.services.badges.codes import key_name_for
from desk.services.rooms.door import Rooms, UnknownRoom
from desk.services.rooms.programme import install_demo_programme
from desk.store import registrations as repo
from desk.store import rooms as store
from desk.store.schema import RegistrationRow
from desk.store.schema.checkin import CheckinRow

BXL = ZoneInfo("Europe/Brussels")
START = dt.date(2016, 11, 30)


def local(day: int, clock: str) -> dt.datetime:
    return dt.datetime.combine(dt.date(2016, 12, day), dt.time.fromisoformat(clock), tzinfo=BXL)


@pytest.fixture
def event(db):
    data = install_demo(db, START)
    install_demo_programme(db, START)
    people = [r for r in data.registrations if r.is_attendee and START + dt.timedelta(days=1) in r.days]
    with db.begin() as session:  # everybody passed the entrance on 1 Dec
        session.add_all(CheckinRow(id=uuid.uuid4().hex, registration_id=r.registration_id, day=dt.date(2016, 12, 1),
                                   at=local(1, "08:30"), desk="entrance") for r in people)
    return db, people, data


def test_a_person_moving_between_rooms_is_counted_in_one(event) -> None:
    db, people, _ = event
    rooms = Rooms(db, keys={})
    p = people[0]
    first = rooms.scan("Europa", p.ticket_code, local(1, "10:50"), "door-europa")
    assert first.to_json()["outcome"] == "entered" and first.occupancy == 1
    moved = rooms.scan("Atrium", p.ticket_code, local(1, "11:05"), "door-atrium")
    assert moved.outcome.value == "entered"
    figures = {f.room: f.occupancy for f in rooms.status(local(1, "11:06"))}
    assert figures["Europa"] == 0 and figures["Atrium"] == 1
    again = rooms.scan("Atrium", p.ticket_code, local(1, "11:40"), "door-atrium")
    assert again.outcome.value == "left" and again.occupancy == 0


def test_rooms_empty_when_the_session_ends(event) -> None:
    db, people, _ = event
    rooms = Rooms(db, keys={})
    for p in people[:5]:
        rooms.scan("Rogier", p.ticket_code, local(1, "11:00"), "door")
    assert {f.room: f.occupancy for f in rooms.status(local(1, "12:29"))}["Rogier"] == 5
    after = {f.room: f for f in rooms.status(local(1, "12:30"))}["Rogier"]
    assert after.occupancy == 0 and after.session is None
    assert after.next is not None and after.next.title.endswith("Strategic European partnering")


def test_headcount_corrects_the_count_and_is_logged(event) -> None:
    db, people, _ = event
    rooms = Rooms(db, keys={})
    for p in people[:4]:
        rooms.scan("Botanique", p.ticket_code, local(1, "11:00"), "door")
    shown = rooms.headcount("Botanique", 9, local(1, "11:15"), "host")
    assert shown.occupancy == 9 and shown.free == 31
    rooms.scan("Botanique", people[5].ticket_code, local(1, "11:20"), "door")
    assert {f.room: f.occupancy for f in rooms.status(local(1, "11:21"))}["Botanique"] == 10
    with db.begin() as session:
        log = store.headcount_log(session, "Botanique")
    assert [(e["count"], e["counted_before"], e["desk"]) for e in log] == [(9, 4, "host")]


def test_full_room_refuses_and_redirects_to_the_same_topic(event) -> None:
    db, people, _ = event
    rooms = Rooms(db, keys={})
    rooms.headcount("Botanique", 40, local(1, "11:00"), "host")
    answer = rooms.scan("Botanique", people[0].ticket_code, local(1, "11:05"), "door")
    out = answer.to_json()
    assert out["outcome"] == "room_full" and out["occupancy"] == 40 and out["recorded"] is False
    assert out["redirect"]["room"] == "Europa" and out["redirect"]["free"] == 80
    assert out["redirect"]["session"].endswith("Cross-sectoral value-chain linkages")
    rooms.set_full_policy("Botanique", FullPolicy.WARN)
    warned = rooms.scan("Botanique", people[1].ticket_code, local(1, "11:06"), "door")
    assert warned.outcome.value == "room_full" and warned.recorded and warned.occupancy == 41
    assert warned.family == "warn"


def test_not_checked_in_is_recorded_with_a_warning(event) -> None:
    db, people, _data = event
    with db.begin() as session:
        session.execute(update(CheckinRow).where(CheckinRow.registration_id == people[0].registration_id)
                        .values(undone_at=local(1, "08:40")))
    answer = Rooms(db, keys={}).scan("Europa", people[0].ticket_code, local(1, "11:00"), "door")
    assert answer.outcome.value == "not_checked_in" and answer.recorded and answer.occupancy == 1


def test_wrong_day_warns_by_default_and_the_entry_counts(event) -> None:
    db, _people, data = event
    day2_only = next(r for r in data.registrations if r.is_attendee and r.days == (dt.date(2016, 12, 2),))
    answer = Rooms(db, keys={}).scan("Europa", day2_only.ticket_code, local(1, "11:00"), "door")
    assert answer.outcome.value == "wrong_day" and answer.family == "warn"
    assert answer.recorded and answer.occupancy == 1
    assert answer.reason == "Registered for Fri 02 Dec, not for Thu 01 Dec. Entry recorded (warn only)."


def test_wrong_day_refused_by_the_event_unless_the_room_warns(event) -> None:
    db, _people, data = event
    day2_only = [r for r in data.registrations if r.is_attendee and r.days == (dt.date(2016, 12, 2),)]
    rooms = Rooms(db, keys={})
    rooms.set_wrong_day_policy(None, WrongDayPolicy.REFUSE)  # the event: every door
    refused = rooms.scan("Europa", day2_only[0].ticket_code, local(1, "11:00"), "door")
    assert (refused.outcome.value, refused.family, refused.recorded, refused.occupancy) == ("wrong_day", "error", False, 0)
    assert refused.reason.endswith("Not let in: send them to the registration desk.")
    rooms.set_wrong_day_policy("Atrium", WrongDayPolicy.WARN)  # this room says otherwise
    warned = rooms.scan("Atrium", day2_only[0].ticket_code, local(1, "11:01"), "door")
    assert (warned.outcome.value, warned.family, warned.recorded) == ("wrong_day", "warn", True)
    figures = {f.room: f for f in rooms.status(local(1, "11:02"))}
    assert figures["Atrium"].day_policy is WrongDayPolicy.WARN and figures["Europa"].day_policy is WrongDayPolicy.REFUSE
    assert figures["Europa"].wrong_day_policy is None  # follows the event
    rooms.set_wrong_day_policy("Atrium", None)
    again = rooms.scan("Atrium", day2_only[1].ticket_code, local(1, "11:03"), "door")
    assert again.outcome.value == "wrong_day" and not again.recorded
    with pytest.raises(UnknownRoom):
        rooms.set_wrong_day_policy("Nowhere", WrongDayPolicy.REFUSE)


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.PENDING])
def test_entrance_refusals_are_answered_as_at_the_entrance(event, status) -> None:
    db, _people, data = event
    reg = next(r for r in data.registrations if r.status is status)
    answer = Rooms(db, keys={}).scan("Europa", reg.ticket_code, local(1, "11:00"), "door")
    assert answer.outcome.value == {Status.CANCELLED: "cancelled", Status.PENDING: "not_validated"}[status]
    assert not answer.recorded and answer.occupancy == 0
    assert Rooms(db, keys={}).scan("Europa", "NO-SUCH-TICKET", local(1, "11:00"), "d").outcome.value == "unknown"


def test_badge_codes_verify_with_the_event_keys_and_forgeries_are_refused(event) -> None:
    db, people, data = event
    keys = create_keys(key_name_for(data.event.name))
    ref = badge_ref(keys.ref_secret, people[0].registration_id)
    with db.begin() as session:
        session.execute(update(RegistrationRow).where(RegistrationRow.registration_id == people[0].registration_id)
                        .values(badge_ref=ref))
    code = issue_code(keys.private_keys[1], 1, ref)
    rooms = Rooms(db)  # loads the keys from this desk's key file
    assert rooms.scan("Europa", code, local(1, "11:00"), "door").outcome.value == "entered"
    forged = code[:-3] + ("AAA" if not code.endswith("AAA") else "BBB")
    assert rooms.scan("Atrium", forged, local(1, "11:01"), "door").outcome.value in ("forged", "not_readable")
    assert Rooms(db, keys={}).scan("Atrium", code, local(1, "11:02"), "door").outcome.value == "unknown"


def test_unknown_room_is_a_readable_error(event) -> None:
    db, people, _ = event
    with pytest.raises(UnknownRoom, match="no room 'Kitchen'.*Grand Ballroom"):
        Rooms(db, keys={}).scan("Kitchen", people[0].ticket_code, local(1, "11:00"), "door")


def test_the_kept_replay_agrees_with_a_fresh_one_after_other_desks_write(event) -> None:
    db, people, _ = event
    mine, other = Rooms(db, keys={}), Rooms(db, keys={})
    for i, p in enumerate(people[:30]):
        desk = mine if i % 2 else other
        room = ("Europa", "Atrium", "Rogier")[i % 3]
        desk.scan(room, p.ticket_code, local(1, "11:00") + dt.timedelta(seconds=i * 20), "door")
        mine.status(local(1, "11:30"))
    # a desk whose clock is behind writes into the past
    other.scan("Rogier", people[40].ticket_code, local(1, "11:01"), "slow-door")
    kept = [f.to_json() for f in mine.status(local(1, "11:30"))]
    assert kept == [f.to_json() for f in Rooms(db, keys={}).status(local(1, "11:30"))]
    assert sum(f["occupancy"] for f in kept) == 31


def test_scan_log_holds_every_door_scan(event) -> None:
    db, people, _ = event
    rooms = Rooms(db, keys={})
    rooms.scan("Europa", people[0].ticket_code, local(1, "11:00"), "door-e")
    rooms.scan("Europa", "garbage", local(1, "11:01"), "door-e")
    from sqlalchemy import select

    from desk.store.schema.checkin import ScanLogRow
    with db.begin() as session:
        rows = session.execute(select(ScanLogRow.outcome, ScanLogRow.detail).order_by(ScanLogRow.at)).all()
    assert [r.outcome for r in rows] == ["entered", "unknown"]
    assert rows[0].detail.startswith("room Europa")
    with db.begin() as session:
        assert repo.get_registration(session, people[0].registration_id) is not None


def test_a_ticket_typed_through_an_azerty_laptop_enters_its_person(event) -> None:
    from desk.core.checkin.wedge import mangle

    db, people, _ = event
    p = people[2]
    burst = mangle(p.ticket_code, "be")
    assert burst != p.ticket_code
    answer = Rooms(db, keys={}).scan("Europa", burst + "\r", local(1, "10:50"), "door-europa", from_keyboard=True)
    assert answer.to_json()["outcome"] == "entered" and answer.occupancy == 1
