"""Commands of the rooms: door, rooms status/export/headcount/policy, programme import/demo."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from desk.cli.common import emit_json, fail, guard, organiser_only, parse_at

_AT_HELP = "The moment, ISO date-time (naive = the event's local time); default now."


def _at(state, value: str | None) -> dt.datetime:  # noqa: ANN001
    """--at, a naive one read on the event's clock; default now."""
    return parse_at(value, state.event_zone) or dt.datetime.now(dt.timezone.utc)


def _desk(name: str | None) -> str:
    if name:
        return name
    from desk.config import load_settings  # noqa: PLC0415

    return load_settings().desk_name


@click.command()
@click.argument("room")
@click.argument("code")
@click.option("--exit", "leaving", is_flag=True, help="Record the person leaving the room.")
@click.option("--at", "at_text", default=None, metavar="ISO-DATETIME", help=_AT_HELP)
@click.option("--desk", "desk_name", default=None, help="Name of this door in the scan log (default: desk_name).")
@click.pass_obj
@guard
def door(state, room: str, code: str, leaving: bool, at_text: str | None, desk_name: str | None) -> None:  # noqa: ANN001
    """Record a scan of CODE at the door of ROOM; print the answer as one JSON object."""
    from desk.services.rooms.door import Rooms  # noqa: PLC0415

    at = _at(state, at_text)
    answer = Rooms(state.database()).scan(room, code, at, _desk(desk_name), leaving=leaving)
    emit_json(answer.to_json())


@click.group()
def rooms() -> None:
    """Occupancy of the rooms, headcounts and attendance exports."""


@rooms.command("status")
@click.option("--at", "at_text", default=None, metavar="ISO-DATETIME", help=_AT_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array, one object per room.")
@click.pass_obj
@guard
def rooms_status(state, at_text: str | None, as_json: bool) -> None:  # noqa: ANN001
    """Every room: its session, people in it against capacity, free seats, what comes next."""
    from desk.services.rooms.door import Rooms  # noqa: PLC0415
    from desk.store.rooms import event_days_and_zone  # noqa: PLC0415

    at = _at(state, at_text)
    db = state.database()
    figures = Rooms(db, keys={}).status(at)
    if as_json:
        emit_json([f.to_json() for f in figures])
        return
    with db.begin() as session:
        _days, tz = event_days_and_zone(session)
    if not figures:
        click.echo("no rooms yet: run `desk programme import FILE` or `desk programme demo`", err=True)
    for f in figures:
        now = f"{f.session.title} ({f.session.start.astimezone(tz):%H:%M}-{f.session.end.astimezone(tz):%H:%M})" \
            if f.session else "no session"
        after = f"{f.next.start.astimezone(tz):%a %H:%M} {f.next.title}" if f.next else "nothing"
        click.echo(f"{f.room}\t{f.occupancy}/{f.capacity}\t{f.free} free\t{now}\tnext: {after}")


@rooms.command("headcount")
@click.argument("room")
@click.argument("count", type=int)
@click.option("--at", "at_text", default=None, metavar="ISO-DATETIME", help=_AT_HELP)
@click.option("--desk", "desk_name", default=None, help="Who counted (default: desk_name).")
@click.pass_obj
@guard
def rooms_headcount(state, room: str, count: int, at_text: str | None, desk_name: str | None) -> None:  # noqa: ANN001
    """Correct ROOM's count to COUNT people (logged with what was shown before)."""
    from desk.services.rooms.door import Rooms  # noqa: PLC0415

    emit_json(Rooms(state.database(), keys={}).headcount(room, count, _at(state, at_text), _desk(desk_name)).to_json())


@rooms.command("policy")
@click.argument("words", nargs=-1, metavar="ROOM POLICY")
@click.option("--wrong-day", "wrong_day", is_flag=True,
              help="Set what the door does for a person registered for other days (instead of when full).")
@click.option("--event", "event", is_flag=True,
              help="With --wrong-day: the policy of every door whose room has none of its own (give POLICY only).")
@click.pass_obj
@guard
def rooms_policy(state, words: tuple[str, ...], wrong_day: bool, event: bool) -> None:  # noqa: ANN001
    """When ROOM is full: refuse further entries, or record them with a warning (POLICY refuse|warn).

    With --wrong-day: what the door of ROOM does for a person registered for other days
    (refuse|warn, or `event` to follow the event's); with --event, for every room.
    """
    from desk.core.rooms.occupancy import FullPolicy, WrongDayPolicy  # noqa: PLC0415
    from desk.services.rooms.door import Rooms  # noqa: PLC0415

    if event and not wrong_day:
        fail("--event goes with --wrong-day (the full-room policy is set per room)", 2)
    if len(words) != (1 if event else 2):
        fail("give POLICY only with --event" if event else "give ROOM and POLICY, e.g. desk rooms policy Europa warn", 2)
    room, policy = (None, words[0]) if event else words
    allowed = ("refuse", "warn") if event or not wrong_day else ("refuse", "warn", "event")
    if policy not in allowed:
        fail(f"POLICY must be {', '.join(allowed[:-1])} or {allowed[-1]}, not '{policy}'", 2)
    service = Rooms(state.database(), keys={})
    if not wrong_day:
        service.set_full_policy(room, FullPolicy(policy))
        click.echo(f"{room}: when full, {policy}")
        return
    service.set_wrong_day_policy(room, None if policy == "event" else WrongDayPolicy(policy))
    if room is None:
        click.echo(f"every door: on the wrong day, {policy} (unless its room says otherwise)")
    elif policy == "event":
        click.echo(f"{room}: on the wrong day, as the event")
    else:
        click.echo(f"{room}: on the wrong day, {policy}")


@rooms.command("export")
@organiser_only
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="FILE.csv (with -attendees.csv and -counts.csv beside it) or FILE.xlsx.")
@click.pass_obj
@guard
def rooms_export(state, out: Path) -> None:  # noqa: ANN001
    """Export attendance per session, per attendee, and counts per priority area and topic."""
    from desk.services.rooms.export import export_attendance  # noqa: PLC0415

    click.echo(f"attendance written to {export_attendance(state.database(), out)}")


@click.group()
def programme() -> None:
    """The programme: rooms and sessions."""


@programme.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
@guard
def programme_import(state, file: Path) -> None:  # noqa: ANN001
    """Load rooms (room, capacity) or sessions (title, priority_area, topic, room, start, end)
    from a CSV, XLSX or JSON FILE."""
    from desk.services.rooms.programme import import_programme  # noqa: PLC0415

    report = import_programme(state.database(), file)
    lines = report.lines()
    click.echo(lines[0])
    for line in lines[1:]:
        click.echo(f"  {line}", err=True)
    if report.errors:
        fail(f"{len(report.errors)} row(s) were left out; fix them and import the file again", 2)


@programme.command("demo")
@click.option("--start", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="First event day (matchmaking); default: the stored event's, else today.")
@click.pass_obj
@guard
def programme_demo(state, start: dt.datetime | None) -> None:  # noqa: ANN001
    """Install the demo programme: plenaries and 4 x 4 parallel sessions in five rooms."""
    from desk.services.rooms.programme import install_demo_programme  # noqa: PLC0415
    from desk.store.rooms import event_days_and_zone  # noqa: PLC0415

    db = state.database()
    if start is not None:
        day = start.date()
    else:
        with db.begin() as session:
            days, _tz = event_days_and_zone(session)
        day = days[0] if days else dt.date.today()
    click.echo(install_demo_programme(db, day).lines()[0])
