"""`desk event create|edit|show|categories`: the event a database belongs to."""

from __future__ import annotations

import click

from desk.cli.common import emit_json, fail, guard


def _event_options(func):  # noqa: ANN001, ANN202
    options = [
        click.option("--name", default=None, help="The event's name."),
        click.option("--venue", default=None, help="Where it takes place."),
        click.option("--days", default=None, metavar="D1,D2,...", help="Its days, ISO dates joined by commas."),
        click.option("--timezone", "zone", default=None, metavar="ZONE",
                     help="Its time zone, e.g. Europe/Brussels or America/Sao_Paulo."),
        click.option("--seats", default=None, metavar="N", help="Seats (default 250)."),
        click.option("--per-organisation", "per_organisation", default=None, metavar="N",
                     help="At most this many validated people per organisation (default 2)."),
        click.option("--deadline", default=None, metavar="ISO",
                     help="Registration deadline (ISO date-time; without a zone: the event's time)."),
        click.option("--categories", "categories_file", default=None, metavar="FILE",
                     help="CSV/XLSX/JSON/TOML with category, label, badge_word, colour (and counted, default): "
                          "the event's categories."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _number(value: str | None, what: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        fail(f"{what} must be a whole number (got '{value}')")
    return None


def _changes(state, name, venue, days, zone, seats, per_organisation, deadline, categories_file, *,  # noqa: ANN001, ANN202
             creating: bool):
    from desk.services.event import (  # noqa: PLC0415
        EventChanges, check_zone, load_event, parse_days, parse_deadline, read_categories_file,
    )

    if zone is not None:
        zone = check_zone(zone)
    parsed_days = parse_days(days) if days is not None else None
    stamp = None
    if deadline is not None:
        current = None if creating or zone else load_event(state.database())
        stamp = parse_deadline(deadline, zone or (current.timezone if current else None))
    return EventChanges(
        name=name, venue=venue, days=parsed_days, timezone=zone,
        seats=_number(seats, "seats"), per_organisation=_number(per_organisation, "--per-organisation"),
        deadline=stamp, categories=read_categories_file(categories_file) if categories_file else None,
    )


@click.group()
def event() -> None:
    """The event this database belongs to: create, edit, show, categories."""


@event.command()
@_event_options
@click.pass_obj
@guard
def create(state, **options) -> None:  # noqa: ANN001, ANN003
    """Create the event (once per database)."""
    from desk.services.event import EventError, create_event  # noqa: PLC0415

    if options["name"] is None:
        raise EventError("the event needs a name (--name)")
    if options["days"] is None:
        raise EventError("the event needs at least one day (--days YYYY-MM-DD,...)")
    if options["zone"] is None:
        raise EventError("the event needs a time zone (--timezone, such as Europe/Brussels)")
    changes = _changes(state, **options, creating=True)
    click.echo(create_event(state.database(), changes).line())


@event.command()
@_event_options
@click.pass_obj
@guard
def edit(state, **options) -> None:  # noqa: ANN001, ANN003
    """Change the event: only the options given change."""
    from desk.services.event import category_list, edit_event  # noqa: PLC0415

    changes = _changes(state, **options, creating=False)
    click.echo(edit_event(state.database(), changes).line())
    if changes.categories is not None:
        for line in category_list(state.database()).lines()[len(changes.categories):]:
            click.echo(line, err=True)  # the keys registrations hold that the new list leaves out


@event.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_obj
@guard
def show(state, as_json: bool) -> None:  # noqa: ANN001
    """Print the event (exit 1 when the database has none)."""
    from desk.services.event import require_event  # noqa: PLC0415

    settings = require_event(state.database())
    if as_json:
        emit_json(settings.as_json())
        return
    click.echo(settings.line())
    deadline = settings.event.registration_deadline
    if deadline is not None:
        from zoneinfo import ZoneInfo  # noqa: PLC0415

        click.echo(f"registration deadline {deadline.astimezone(ZoneInfo(settings.timezone)).isoformat()}")


@event.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
@click.pass_obj
@guard
def categories(state, as_json: bool) -> None:  # noqa: ANN001
    """List the event's categories: key, label, badge word, colour, counted, default; then
    the keys registrations hold that the event does not list."""
    from desk.services.event import category_json, category_list  # noqa: PLC0415

    found = category_list(state.database())
    if as_json:
        emit_json([category_json(c) for c in found.categories]
                  + [{"category": key, "unlisted": True, "registrations": n} for key, n in found.unlisted.items()])
        return
    for line in found.lines():
        click.echo(line)
