"""Registration builds its fields in one step: it must stay what the dataclass declares."""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect

import pytest

from desk.core.attendees import Category, Registration, Status


def _example(**changes: object) -> Registration:
    values: dict[str, object] = dict(
        registration_id="R1", status=Status.VALIDATED, first_name="Zoë", last_name="Dvořák", email="z@d.cz",
        organisation="Klaster", country="CZ", category=Category.SPEAKER, days=(dt.date(2016, 12, 1),))
    values.update(changes)
    return Registration(**values)  # type: ignore[arg-type]


def test_the_constructor_takes_exactly_the_declared_fields_with_their_defaults():
    params = list(inspect.signature(Registration.__init__).parameters.values())[1:]
    fields = dataclasses.fields(Registration)
    assert [p.name for p in params] == [f.name for f in fields]
    assert [p.default for p in params] == [
        inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default for f in fields]


def test_a_registration_is_frozen_equal_by_value_and_hashable():
    reg = _example()
    with pytest.raises(dataclasses.FrozenInstanceError):
        reg.status = Status.CANCELLED  # type: ignore[misc]
    assert reg == _example() and hash(reg) == hash(_example()) and reg != _example(ticket_code="T9")
    assert dataclasses.replace(reg, status=Status.CANCELLED).status is Status.CANCELLED
    assert (reg.ticket_code, reg.updated_at) == ("", None)
    assert dataclasses.asdict(reg)["first_name"] == "Zoë"
    assert repr(reg).startswith("Registration(registration_id='R1', status=")
