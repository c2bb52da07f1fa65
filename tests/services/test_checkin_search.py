"""Search at the entrance: each person found comes with what Enter would answer now."""

from __future__ import annotations

import datetime as dt

from desk.core.attendees import Status
from desk.core.checkin.decision import ScanOutcome
from desk.services.demo.event import EVENT_TZ
from desk.services.checkin import entrance as svc
from desk.services.checkin.search import find_at_desk
from desk.services.demo.event import install_demo

DAY = dt.date(2016, 12, 1)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2016, 12, 1, hour, minute, tzinfo=EVENT_TZ)


def test_each_match_says_who_may_enter_and_since_when(db) -> None:
    regs = install_demo(db, dt.date(2016, 11, 30), now=at(7)).registrations
    inside = next(r for r in regs if r.is_attendee and DAY in r.days)
    svc.check_in_registration(db, inside.registration_id, "Entrance 1", at(8, 31))
    waiting = next(r for r in regs if r.is_attendee and DAY in r.days and r is not inside)
    cancelled = next(r for r in regs if r.status is Status.CANCELLED)
    other_day = next(r for r in regs if r.is_attendee and r.days and DAY not in r.days)  # the pre-event only

    [found] = find_at_desk(db, inside.email, at(9, 2))
    assert found.outcome is ScanOutcome.ALREADY_IN and found.may_enter
    assert found.first_checkin.at.astimezone(EVENT_TZ).strftime("%H:%M") == "08:31"
    assert found.first_checkin.desk == "Entrance 1"
    [found] = find_at_desk(db, waiting.email, at(9, 2))
    assert found.outcome is ScanOutcome.WELCOME and found.first_checkin is None
    [found] = find_at_desk(db, cancelled.email, at(9, 2))
    assert found.outcome is ScanOutcome.CANCELLED and not found.may_enter and "cancelled" in found.reason
    [found] = find_at_desk(db, other_day.email, at(9, 2))
    assert found.outcome is ScanOutcome.WRONG_DAY and not found.may_enter
    assert find_at_desk(db, "nobody-at-all-xyz", at(9, 2)) == []
