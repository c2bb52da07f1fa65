"""Commands of the entrance: checkin, undo, scan, checklist."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from desk.cli.common import PIN_REFUSED_EXIT, emit_json, fail, guard, organiser_access, organiser_only, parse_at, pin_option

_DESK_HELP = "Name of this desk in the scan log (default: the desk_name setting)."
_AT_HELP = "When the scan happens, ISO date-time (naive = the event's local time); default now."


def _desk(name: str | None) -> str:
    if name:
        return name
    from desk.config import load_settings  # noqa: PLC0415

    return load_settings().desk_name


def _at(state, value: str | None) -> dt.datetime:  # noqa: ANN001
    """--at, a naive one read on the event's clock; default now."""
    return parse_at(value, state.event_zone) or dt.datetime.now(dt.timezone.utc)


def _keys(db: Any, code: str | None = None) -> dict[int, Any]:
    """The event's public keys; without them, a warning on stderr when a badge code needs them
    (`code` None: any may) — portal ticket codes work without keys."""
    from desk.core.badges.codes import looks_like_desk_code  # noqa: PLC0415
    from desk.services.checkin.entrance import desk_keys  # noqa: PLC0415

    keys, problem = desk_keys(db)
    if problem and (code is None or looks_like_desk_code(code.strip())):
        click.echo(f"warning: {problem}", err=True)
    return keys


@click.command()
@click.argument("code")
@click.option("--desk", "desk_name", default=None, help=_DESK_HELP)
@click.option("--at", "at_text", default=None, metavar="ISO-DATETIME", help=_AT_HELP)
@click.pass_obj
@guard
def checkin(state, code: str, desk_name: str | None, at_text: str | None) -> None:  # noqa: ANN001
    """Check in a badge or ticket CODE; print the answer as one JSON object."""
    from desk.services.checkin.entrance import check_in  # noqa: PLC0415

    at = _at(state, at_text)
    db = state.database()
    emit_json(check_in(db, code, _desk(desk_name), at, _keys(db, code)).to_json())


@click.command()
@click.argument("code")
@click.option("--desk", "desk_name", default=None, help=_DESK_HELP)
@click.option("--at", "at_text", default=None, metavar="ISO-DATETIME", help=_AT_HELP)
@pin_option
@click.pass_obj
@guard
def undo(state, code: str, desk_name: str | None, at_text: str | None, organiser_pin: str | None) -> None:  # noqa: ANN001
    """Reverse the last check-in of the badge or ticket CODE; print what was undone as JSON.

    A check-in made at another desk is undone only for the organiser (--pin or DESK_PIN; exit 3 without).
    """
    from desk.services.checkin.entrance import undo as undo_checkin  # noqa: PLC0415

    organiser = organiser_access(organiser_pin)
    at = _at(state, at_text)
    db = state.database()
    desk = _desk(desk_name)
    result = undo_checkin(db, code, desk, at, _keys(db, code), only_desk=None if organiser else desk)
    emit_json(result.to_json())
    if result.undone is None:
        fail(result.reason, PIN_REFUSED_EXIT if result.needs_organiser else 1)


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--desk", "desk_name", default=None, help=_DESK_HELP)
@click.option("--at", "at_text", default=None, metavar="ISO-DATETIME",
              help="When the file starts (naive = the event's local time); a video's scans follow at their frame times.")
@click.pass_obj
@guard
def scan(state, file: str, desk_name: str | None, at_text: str | None) -> None:  # noqa: ANN001
    """Decode every code in a picture or video FILE and check each in once: one JSON line per scan."""
    from desk.devices.base import DeviceError  # noqa: PLC0415
    from desk.services.checkin.scanfile import scan_file  # noqa: PLC0415

    at = _at(state, at_text)
    db = state.database()
    count = 0
    try:
        for record in scan_file(db, file, _desk(desk_name), at, _keys(db)):
            emit_json(record.to_json())
            count += 1
    except DeviceError as exc:
        fail(str(exc))
    if count == 0:
        click.echo(f"no code found in {file}", err=True)


@click.command()
@organiser_only
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="PDF file to write (or .csv: the same list for a spreadsheet).")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Event day YYYY-MM-DD (default: today, or the first event day).")
@click.pass_obj
@guard
def checklist(state, out: str, day: dt.datetime | None) -> None:  # noqa: ANN001
    """Write the paper fallback: the day's expected attendees by last name, a box each."""
    from desk.services.checkin.checklist import write_checklist  # noqa: PLC0415

    written = write_checklist(state.database(), out, day.date() if day else None)
    pages = f"{written.pages} page(s)" if written.pages else "CSV"
    click.echo(f"{written.path}: {written.attendees} attendees expected on {written.day.isoformat()}, {pages}")
