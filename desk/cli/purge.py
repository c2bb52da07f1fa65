"""`desk purge`: after the event, remove personal data from this station; keep anonymous counts."""

from __future__ import annotations

import datetime as dt

import click

from desk.cli.common import guard, organiser_only


def _open_for_purge(state):  # noqa: ANN001, ANN202 - desk.store.db.Database | None
    """The database to count from; None when there is no file, or it is damaged (the purge
    then removes it without adding counts). Any other refusal (not desk's file, wrong key) stops."""
    from desk.services.purge import sqlite_file  # noqa: PLC0415
    from desk.store.db import DatabaseDamaged  # noqa: PLC0415

    path = sqlite_file(state.db_url)
    if path is not None and (not path.exists() or path.stat().st_size == 0):
        return None
    try:
        return state.database()
    except DatabaseDamaged as exc:
        click.echo(f"warning: {exc}", err=True)
        return None


@click.command()
@organiser_only
@click.option("--yes", is_flag=True, help="Remove it; without --yes, only say what would be removed.")
@click.pass_obj
@guard
def purge(state, yes: bool) -> None:  # noqa: ANN001
    """After the event: remove the personal data on this station (database, exports, logs,
    caches, print folders, key backups) and keep only anonymous counts."""
    from desk.config import load_settings  # noqa: PLC0415
    from desk.services.purge import plan_purge, run_purge  # noqa: PLC0415

    db = _open_for_purge(state)
    plan = plan_purge(state.db_url, db, load_settings().printer)
    if not yes:
        click.echo("desk purge would remove:" if plan.remove else "desk purge would remove nothing: no personal data found")
        for item in plan.remove:
            click.echo(f"  {item.line()}")
        click.echo("and keep:")
        for item in plan.keep:
            click.echo(f"  {item.line()}")
        for note in plan.notes:
            click.echo(f"note: {note}")
        click.echo("nothing was removed: run `desk purge --yes` to remove it", err=True)
        raise SystemExit(1)
    report = run_purge(plan, db, dt.datetime.now(dt.timezone.utc))
    click.echo("removed:" if report.removed else "removed: nothing (no personal data found)")
    for item in report.removed:
        click.echo(f"  {item.line()}")
    click.echo("kept:")
    for item in report.kept:
        click.echo(f"  {item.line()}")
    for note in plan.notes:
        click.echo(f"note: {note}")
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
