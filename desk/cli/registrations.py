"""Commands for registrations: import, demo, attendees, and opening the window."""

from __future__ import annotations

import datetime as dt

import click

from desk.cli.common import emit_json, fail, guard, pin_option, require_organiser


@click.command("import")
@click.argument("location", metavar="PATH_OR_URL")
@click.option("--token", envvar="DESK_FEED_TOKEN", help="Bearer token of the portal feed (also DESK_FEED_TOKEN).")
@click.option("--map", "map_path", metavar="MAP.toml", default=None,
              help="How to read this portal's export: its columns and words (TOML).")
@click.pass_obj
@guard
def import_(state, location: str, token: str | None, map_path: str | None) -> None:  # noqa: ANN001
    """Sync registrations from a portal export (CSV/XLSX/JSON; desk, pretix, Indico, alf.io,
    Eventbrite, or any other through --map) or the portal's feed URL."""
    from desk.services.registrations.sources import open_source  # noqa: PLC0415
    from desk.services.registrations.sync import run_sync  # noqa: PLC0415

    if location.startswith(("http://", "https://")) and not token:
        from desk.config import load_settings  # noqa: PLC0415

        token = load_settings().feed_token or None
    source = open_source(location, token, map_path)
    report = run_sync(state.database(), source)
    if report.format:
        click.echo(f"format: {report.format}")
    for line in report.lines():
        click.echo(line)
    for note in report.notes():
        click.echo(note, err=True)
    if report.stopped:
        fail(f"the sync stopped early, applied pages are kept: {report.stopped}")


@click.command()
@click.option("--start", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="First day (matchmaking); default today. 2016-11-30 gives the real dates.")
@click.pass_obj
@guard
def demo(state, start: dt.datetime | None) -> None:  # noqa: ANN001
    """Create the demo event (250 attendees) without opening a window."""
    from desk.services.demo.event import install_demo  # noqa: PLC0415

    day = start.date() if start else dt.date.today()
    data = install_demo(state.database(), day, with_programme=True)
    attendees = sum(1 for r in data.registrations if r.is_attendee)
    click.echo(f"demo event '{data.event.name}' on {', '.join(d.isoformat() for d in data.event.days)}: "
               f"{attendees} attendees, {len(data.registrations) - attendees} other registrations")


def attendee_json(reg, category_label: str = "") -> dict:  # noqa: ANN001
    """The JSON object `desk attendees --json` prints for one registration (`category_label`:
    the event's label for its category)."""
    from desk.core.categories import builtin_label  # noqa: PLC0415

    return {
        "registration_id": reg.registration_id, "first_name": reg.first_name, "last_name": reg.last_name,
        "email": reg.email, "organisation": reg.organisation, "country": reg.country,
        "category": str(reg.category), "category_label": category_label or builtin_label(reg.category),
        "status": reg.status.value,
        "days": [d.isoformat() for d in reg.days], "ticket_code": reg.ticket_code,
    }




@click.command()
@click.option("--search", "query", default="", help="Words to find in name, organisation, e-mail or registration id.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
@pin_option
@click.pass_obj
@guard
def attendees(state, query: str, as_json: bool, organiser_pin: str | None) -> None:  # noqa: ANN001
    """List attendees (validated registrations); search ignores case and accents.

    A search is the desk's own job; the whole list (an export of personal data) is for the
    organiser (--pin or DESK_PIN; exit 3 without).
    """
    if not query.strip():
        require_organiser(organiser_pin, "desk attendees without --search")
    from desk.services.badges.codes import attendee_json_codes  # noqa: PLC0415
    from desk.store import event as event_repo  # noqa: PLC0415
    from desk.store import registrations as repo  # noqa: PLC0415

    db = state.database()
    with db.begin() as session:
        found = repo.search_registrations(session, query)
        codes = attendee_json_codes(session, found)
        labels = {c.category: c.label for c in event_repo.get_categories(session)}
    if as_json:
        items = []
        for reg in found:
            item = attendee_json(reg, labels.get(reg.category, str(reg.category)))
            item.update(codes.get(reg.registration_id, {}))
            items.append(item)
        emit_json(items)
        return
    for reg in found:
        click.echo(f"{reg.registration_id}\t{reg.last_name.upper()}, {reg.first_name}\t{reg.organisation}\t"
                   f"{reg.country}\t{labels.get(reg.category) or reg.category}")
    click.echo(f"{len(found)} attendee(s)", err=True)


@click.command()
@click.option("--demo", "with_demo", is_flag=True, help="Create the demo event first when the database is empty.")
@click.option("--screenshot", type=click.Path(dir_okay=False), default=None,
              help="Save a PNG of the window once it settled, then close (for docs and checks).")
@click.pass_obj
@guard
def run(state, with_demo: bool = False, screenshot: str | None = None) -> None:  # noqa: ANN001
    """Open the desk window."""
    from desk.app import main as app_main  # noqa: PLC0415

    raise SystemExit(app_main(state.db_url, with_demo=with_demo, screenshot=screenshot))
