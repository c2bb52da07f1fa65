"""Search over the stored registrations: the word index answers exactly what the store holds."""

from __future__ import annotations

import datetime as dt

from desk.core.attendees import Category, Registration, Status
from desk.store import registrations as repo
from desk.store.registrations import _FEW_HITS

NOW = dt.datetime(2016, 11, 2, 9, 0, tzinfo=dt.timezone.utc)


def _person(n: int, last: str, **kw) -> Registration:  # noqa: ANN003
    values = {"registration_id": f"S{n:05d}", "status": Status.VALIDATED, "first_name": "Zoë", "last_name": last,
              "email": f"p{n}@cluster.eu", "organisation": "Klaster Łódź", "country": "PL",
              "category": Category.CLUSTER_PRACTITIONER, "days": (dt.date(2016, 12, 1),), "ticket_code": f"T{n}",
              "updated_at": NOW + dt.timedelta(seconds=n)} | kw
    return Registration(**values)


def test_few_and_many_hits_return_the_stored_registrations_in_name_order(db) -> None:
    people = [_person(n, f"Wójcik-{n:05d}") for n in range(_FEW_HITS + 200)]
    people.append(_person(90001, "Nøvák", updated_at=None, days=(), status=Status.PENDING))
    with db.begin() as session:
        repo.store_registrations(session, people, [], "test", NOW)
    with db.begin() as session:
        stored = {r.registration_id: r for r in repo.all_registrations(session)}
        many = repo.search_registrations(session, "wojcik", limit=50)  # more hits than the few-hits path takes
        few = repo.search_registrations(session, "novak", attendees_only=False)
        none = repo.search_registrations(session, "novak")  # pending: not an attendee
    assert [r.registration_id for r in many] == [f"S{n:05d}" for n in range(50)]
    assert all(r == stored[r.registration_id] for r in many)  # stamps, days, enums as stored
    assert few == [stored["S90001"]] and few[0].updated_at is None and few[0].days == ()
    assert none == []
