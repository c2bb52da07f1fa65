"""The store's rule candidates give the same flags as the rules over every registration."""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desk.core.attendees import Category, Event, Registration, Status, check_event_rules
from desk.store import registrations as repo

UTC = dt.timezone.utc
DEADLINE = dt.datetime(2016, 11, 17, 23, 59, tzinfo=UTC)
ORGS = ["Łódź Cluster Sp. z o.o.", "lodz cluster", "Silicon Saxony e.V.", "Silicon-Saxony", "Flanders Make", ""]

people = st.lists(st.tuples(
    st.sampled_from(list(Status)), st.sampled_from(ORGS), st.sampled_from(list(Category)),
    st.integers(min_value=-5, max_value=5)), min_size=0, max_size=25)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=people, seats=st.integers(min_value=1, max_value=12))
def test_candidates_flag_exactly_what_all_registrations_flag(db, rows, seats):
    event = Event("ECC", "Brussels", (dt.date(2016, 12, 1),), seat_cap=seats, per_organisation_cap=2,
                  registration_deadline=DEADLINE)
    regs = [Registration(f"R{i}", status, "Ana", f"Person {i}", f"p{i}@x.eu", org, "BE", category, (),
                         updated_at=DEADLINE + dt.timedelta(days=shift))
            for i, (status, org, category, shift) in enumerate(rows)]
    with db.begin() as session:
        session.execute(repo.RegistrationRow.__table__.delete())
        repo.store_registrations(session, regs, [], "test", DEADLINE)
    with db.begin() as session:
        candidates, validated = repo.rule_candidates(session, event)
        everything = repo.all_registrations(session)
    # staff is not counted toward the seats (the default categories say so)
    assert validated == sum(1 for r in regs if r.is_attendee and r.category != Category.STAFF)
    expected = [dataclasses.astuple(f) for f in check_event_rules(event, everything)]
    assert [dataclasses.astuple(f) for f in check_event_rules(event, candidates, validated)] == expected
