"""The `desk` command line: the root group, and every capability's commands listed here."""

from __future__ import annotations

import sys

import click

from desk.cli import awards, badges, checkin, db, event, hub, matchmaking, purge, registrations, role, rooms
from desk.cli.common import State


@click.group(invoke_without_command=True)
@click.option("--db", "db_url", envvar="DESK_DB", metavar="URL",
              help="Database URL (default: the local SQLite file; also DESK_DB).")
@click.version_option(package_name="desk")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None) -> None:
    """desk: the on-site desks of a conference."""
    state = State(db_url)
    ctx.obj = state
    ctx.call_on_close(state.close)
    if ctx.invoked_subcommand is None:
        ctx.invoke(registrations.run)


for command in (
    registrations.import_,
    registrations.demo,
    registrations.attendees,
    registrations.run,
    checkin.checkin,
    checkin.undo,
    checkin.scan,
    checkin.checklist,
    badges.keys,
    badges.badges,
    badges.verify,
    badges.print_,
    badges.print_queue,
    rooms.door,
    rooms.rooms,
    rooms.programme,
    matchmaking.match,
    event.event,
    purge.purge,
    db.db,
    awards.awards,
    awards.vote,
    role.role,
    hub.hub,
    hub.sync,
    hub.duplicates,
):
    cli.add_command(command)


def main() -> None:
    """Entry point of the `desk` console script."""
    try:
        cli(prog_name="desk")
    except KeyboardInterrupt:
        sys.exit(130)
