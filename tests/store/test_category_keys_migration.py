"""Migration 0013: an existing event's categories get `counted` and `is_default` as its rules had
them (staff not counted; other_stakeholder, else the first listed, the default), and its
registrations keep their keys."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command

from desk.core.categories import EventCategory
from desk.store import event as event_repo
from desk.store import registrations as repo
from desk.store.db import open_database
from desk.store.migrate import alembic_config

_EVENT = ("INSERT INTO event (id, name, venue, days, seat_cap, per_organisation_cap, timezone, wrong_day_policy) "
          "VALUES (1, 'Old', 'Here', '2016-12-01', 250, 2, 'Europe/Brussels', 'warn')")
_CATEGORY = sa.table("event_category", *(sa.column(c) for c in (
    "event_id", "category", "label", "badge_word", "colour", "position")))


def _upgrade(url: str, rows: list[tuple[str, str]]) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0012")
            conn.execute(sa.text(_EVENT))
            conn.execute(sa.delete(_CATEGORY))
            conn.execute(sa.insert(_CATEGORY), [
                {"event_id": 1, "category": key, "label": label, "badge_word": label, "colour": "#112233",
                 "position": i} for i, (key, label) in enumerate(rows)])
            command.upgrade(cfg, "heads")
    finally:
        engine.dispose()


def _check(url: str) -> None:
    _upgrade(url, [("speaker", "Orador"), ("staff", "Equipa"), ("other_stakeholder", "Outros")])
    db = open_database(url)
    try:
        with db.begin() as session:
            assert event_repo.get_categories(session) == (
                EventCategory("speaker", "Orador", "Orador", "#112233"),
                EventCategory("staff", "Equipa", "Equipa", "#112233", counted=False),
                EventCategory("other_stakeholder", "Outros", "Outros", "#112233", default=True),
            )
            assert repo.get_event(session).categories == event_repo.get_categories(session)
    finally:
        db.close()


def test_an_event_keeps_its_rules_as_data_on_sqlite(tmp_path) -> None:
    _check(f"sqlite:///{tmp_path / 'old.sqlite'}")


@pytest.mark.hub
def test_an_event_keeps_its_rules_as_data_on_postgresql(pg_url) -> None:
    _check(pg_url)


def test_an_event_without_other_stakeholder_defaults_to_its_first(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    _upgrade(url, [("press", "Imprensa"), ("speaker", "Orador")])
    db = open_database(url)
    try:
        with db.begin() as session:
            assert [(c.category, c.counted, c.default) for c in event_repo.get_categories(session)] == [
                ("press", True, True), ("speaker", True, False)]
    finally:
        db.close()
