"""The event's use cases: create and edit with checks before writing, and its categories on
badges, the checklist, the attendee list and the check-in answer."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from desk.core.attendees import Category
from desk.core.badges.layout import BadgeData, field_texts, layout_badge
from desk.core.categories import DEFAULT_CATEGORIES, EventCategory, by_key
from desk.services.event import (
    EventChanges, EventError, NoEvent, create_event, edit_event, event_categories, load_event,
    read_categories_file, require_event,
)
from desk.services.checkin.entrance import check_in_registration, desk_status
from desk.services.checkin.search import find_at_desk
from desk.services.registrations.search import search_attendees
from desk.services.registrations.sources import FileSource
from desk.services.registrations.sync import run_sync
from desk.store import registrations as repo
from desk.store.db import open_database
from tests.event_helpers import create_event as create_test_event

DAYS = (dt.date(2026, 3, 10), dt.date(2026, 3, 11))
HEADER = ("registration_id,status,first_name,last_name,email,organisation,country,category,days,"
          "ticket_code,updated_at")


def _changes(**kw) -> EventChanges:
    base = dict(name="Porto Robotics Week", venue="Alfândega", days=DAYS, timezone="Europe/Lisbon")
    base.update(kw)
    return EventChanges(**base)


def test_create_fills_defaults_and_the_six_categories(db) -> None:
    made = create_event(db, _changes())
    assert (made.event.seat_cap, made.event.per_organisation_cap, made.timezone) == (250, 2, "Europe/Lisbon")
    assert made.categories == DEFAULT_CATEGORIES
    assert [c.label for c in made.categories] == [c.label for c in Category]


@pytest.mark.parametrize("bad", [
    dict(name=" "), dict(days=()), dict(timezone="Europe/Nowhere"), dict(timezone=""), dict(seats=0),
    dict(per_organisation=0),
])
def test_create_refuses_bad_settings_and_writes_nothing(db, bad) -> None:
    with pytest.raises(EventError):
        create_event(db, _changes(**bad))
    assert load_event(db) is None


def test_edit_changes_only_what_is_given_and_checks_first(db) -> None:
    with pytest.raises(NoEvent, match="desk event create --name NAME"):
        edit_event(db, EventChanges(seats=10))
    create_event(db, _changes(seats=90))
    edit_event(db, EventChanges(timezone="Asia/Tokyo"))
    with pytest.raises(EventError):
        edit_event(db, EventChanges(seats=-1, name="Renamed"))
    settings = require_event(db)
    assert (settings.event.name, settings.event.seat_cap, settings.timezone) == ("Porto Robotics Week", 90, "Asia/Tokyo")


def test_an_import_into_a_database_without_an_event_reads_and_writes_nothing(db, tmp_path) -> None:
    export = tmp_path / "export.csv"
    export.write_text(HEADER + "\nP-1,validated,Ana,Sousa,a@x.pt,Org,PT,speaker,,T1,\n", encoding="utf-8")
    with pytest.raises(NoEvent, match="create it first with desk event create"):
        run_sync(db, FileSource(export))
    with db.begin() as session:
        assert repo.all_registrations(session) == []


def test_a_categories_file_names_every_bad_row_and_changes_nothing(db, tmp_path) -> None:
    from desk.core.categories import CategoryFileError

    create_test_event(db)
    path = tmp_path / "c.csv"
    path.write_text("category,label,badge_word,colour\nspeaker,,X,#000000\nspeaker,Orador,ORADOR,#112233\n"
                    "speaker,Again,AGAIN,#112233\n", encoding="utf-8")
    with pytest.raises(CategoryFileError) as caught:
        read_categories_file(path)
    assert str(caught.value).splitlines()[1:] == ["row 2: label is empty", "row 4: category 'speaker' is listed twice"]
    assert event_categories(db) == DEFAULT_CATEGORIES


@pytest.fixture
def porto(db, tmp_path):
    """An event whose speakers are 'Orador' in teal and whose press is 'Imprensa', with two attendees."""
    create_event(db, _changes())
    export = tmp_path / "export.csv"
    export.write_text(HEADER + "\nP-1,validated,Ana,Sousa,a@x.pt,Org,PT,speaker,,T1,\n"
                      "P-2,validated,Rui,Costa,r@x.pt,Org B,PT,staff,,T2,\n", encoding="utf-8")
    run_sync(db, FileSource(export))
    # the event then lists two categories: Rui's stored key, staff, is one it no longer lists
    edit_event(db, EventChanges(categories=(
        EventCategory(Category.SPEAKER, "Orador convidado", "ORADOR", "#008080"),
        EventCategory(Category.PRESS, "Imprensa", "IMPRENSA", "#ffcc00"),
    )))
    return db


def test_badges_print_the_events_badge_word_in_its_colour(porto) -> None:
    with porto.begin() as session:
        regs = repo.registrations_by_id(session)
    categories = by_key(event_categories(porto))
    speaker = BadgeData.from_registration(regs["P-1"], "CODE", categories)
    staff = BadgeData.from_registration(regs["P-2"], "CODE", categories)
    assert field_texts(speaker, "PRW", DAYS)["category"] == "ORADOR"
    assert field_texts(staff, "PRW", DAYS)["category"] == "staff"  # not listed: shown under its key
    from desk.services.badges.pdf import load_template

    template = load_template("a6")
    placed = layout_badge(speaker, template, "PRW", DAYS, lambda text, bold, size: len(text) * size * 0.5)
    assert placed.band_colour == pytest.approx((0.0, 128 / 255, 128 / 255))


def test_the_badge_service_hands_the_events_categories_to_the_badges(porto) -> None:
    from desk.services.badges.codes import badge_data, create_event_keys, load_event_keys

    create_event_keys(porto)
    (ana,) = badge_data(porto, load_event_keys(porto), ["P-1"])
    assert ana.style is not None and ana.style.badge_word == "ORADOR"


def test_the_attendee_list_and_the_check_in_answer_use_the_events_labels(porto) -> None:
    result = search_attendees(porto, "sousa")
    assert result.category_labels[Category.SPEAKER] == "Orador convidado"
    at = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.timezone.utc)
    answer = check_in_registration(porto, "P-1", "Entrance 1", at)
    assert answer.category_label == "Orador convidado"
    assert answer.to_json()["person"]["category_label"] == "Orador convidado"
    (found,) = find_at_desk(porto, "sousa", at)
    assert found.category_label == "Orador convidado"
    status = desk_status(porto, at)
    assert status.label(Category.SPEAKER) == "Orador convidado" and status.label(Category.STAFF) == "staff"


def test_the_migration_gives_an_existing_event_the_six_categories(tmp_path) -> None:
    from alembic import command

    from desk.store.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    cfg = alembic_config(url)
    command.upgrade(cfg, "0010")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO event (id, name, venue, days, seat_cap, per_organisation_cap, timezone, "
                             "wrong_day_policy) VALUES (1, 'Old', 'Here', '2016-12-01', 250, 2, 'Europe/Brussels', "
                             "'warn')"))
    engine.dispose()
    db = open_database(url)  # upgrades to every head
    try:
        assert event_categories(db) == DEFAULT_CATEGORIES
        with db.begin() as session:
            assert session.execute(sa.text("SELECT count(*) FROM event_category")).scalar() == 6
    finally:
        db.close()


def test_the_hub_keeps_the_event_and_its_categories_the_same_way(pg_url) -> None:
    hub = open_database(pg_url)
    try:
        create_event(hub, _changes(categories=(EventCategory(Category.STAFF, "Equipa", "EQUIPA", "#00aa00"),)))
        with pytest.raises(EventError, match="desk event edit"):
            create_event(hub, _changes())
        edited = edit_event(hub, EventChanges(seats=40, timezone="America/Sao_Paulo"))
        assert (edited.event.seat_cap, edited.timezone) == (40, "America/Sao_Paulo")
        assert [c.label for c in event_categories(hub)] == ["Equipa"]
    finally:
        hub.close()
