"""Undo with `only_desk`: one's own check-in is undone, another desk's is the organiser's."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from desk.services.checkin.entrance import check_in, undo
from desk.services.demo.event import install_demo

BXL = ZoneInfo("Europe/Brussels")
AT = dt.datetime(2016, 12, 1, 8, 30, tzinfo=BXL)


def test_another_desks_check_in_is_left_alone_without_the_organiser(db):
    data = install_demo(db, dt.date(2016, 11, 30))
    person = next(r for r in data.registrations if r.is_attendee and AT.date() in r.days)
    assert check_in(db, person.ticket_code, "entrance-A", AT).outcome.value == "welcome"

    refused = undo(db, person.ticket_code, "entrance-B", AT + dt.timedelta(minutes=1), only_desk="entrance-B")
    assert refused.undone is None and refused.needs_organiser
    assert refused.reason == (f"Nothing undone: the check-in of {person.full_name} at 08:30 was made at entrance-A; "
                              "another desk's check-in is the organiser's to undo.")
    own = undo(db, person.ticket_code, "entrance-A", AT + dt.timedelta(minutes=2), only_desk="entrance-A")
    assert own.undone is not None and own.undone.desk == "entrance-A" and not own.needs_organiser
    check_in(db, person.ticket_code, "entrance-A", AT + dt.timedelta(minutes=3))
    organiser = undo(db, person.ticket_code, "entrance-B", AT + dt.timedelta(minutes=4))  # no only_desk
    assert organiser.undone is not None and organiser.undone.desk == "entrance-A"
