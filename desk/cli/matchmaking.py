"""Commands of the matchmaking: import, schedule, publish, tables-needed, paper, demo."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from desk.cli.common import emit_json, fail, guard


@click.group()
def match() -> None:
    """The B2B matchmaking: participants, accepted requests, slots, tables and the schedule."""


@match.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
@guard
def match_import(state, files: tuple[Path, ...]) -> None:  # noqa: ANN001
    """Load participants, accepted requests and slots from CSV or XLSX FILES (kind told by the header)."""
    from desk.services.matchmaking.schedule import import_files  # noqa: PLC0415

    report = import_files(state.database(), files)
    for file in report.files:
        lines = file.lines()
        if file.refused:
            click.echo(f"desk: {lines[0]}", err=True)
            continue
        click.echo(lines[0])
        for line in lines[1:]:
            click.echo(f"  {line}", err=True)
    if report.dropped_requests:
        click.echo(f"{report.dropped_requests} request(s) removed with participants no longer listed")
    if not report.ok:
        fail("some files or rows were left out; fix them and import those files again", 2)


@match.command("schedule")
@click.option("--tables", type=click.IntRange(0, 10_000), default=None, help="Number of tables (default: stored).")
@click.option("--time-limit", "time_limit_s", type=click.FloatRange(0.1, 3600), default=10.0, show_default=True,
              help="Seconds the solver may use.")
@click.option("--json", "as_json", is_flag=True, help="Print the schedule as one JSON object.")
@click.pass_obj
@guard
def match_schedule(state, tables: int | None, time_limit_s: float, as_json: bool) -> None:  # noqa: ANN001
    """Schedule the accepted meetings (after publication: keep published meetings, say what to reprint)."""
    from desk.services.matchmaking.schedule import plan_schedule, store_plan  # noqa: PLC0415

    db = state.database()
    plan = plan_schedule(db, tables=tables, time_limit_s=time_limit_s)
    version = store_plan(db, plan, dt.datetime.now(dt.timezone.utc))
    if as_json:
        emit_json(plan.schedule.to_json())
    else:
        click.echo(plan.schedule.summary_line())
        for u in plan.schedule.unscheduled:
            click.echo(f"unscheduled {u.requester} {u.partner}: {u.reason}")
    click.echo(f"stored as schedule version {version}", err=True)
    if plan.change is not None:
        change = plan.change
        if change.unchanged:
            click.echo(f"same as published version {plan.published_version}: nothing to reprint", err=True)
        else:
            click.echo(f"against published version {plan.published_version}: {len(change.moved)} moved, "
                       f"{len(change.added)} added, {len(change.dropped)} dropped; reprint agendas of "
                       f"{', '.join(change.agendas) or 'nobody'}; table sheets {', '.join(map(str, change.table_sheets)) or 'none'}",
                       err=True)


@match.command("publish")
@click.option("--version", type=int, default=None, help="Schedule version (default: the newest).")
@click.pass_obj
@guard
def match_publish(state, version: int | None) -> None:  # noqa: ANN001
    """Publish a schedule: the one printed and shown on the table board."""
    from desk.services.matchmaking.schedule import publish  # noqa: PLC0415

    chosen = publish(state.database(), dt.datetime.now(dt.timezone.utc), version)
    click.echo(f"schedule version {chosen} published")


@match.command("tables-needed")
@click.option("--time-limit", "time_limit_s", type=click.FloatRange(0.1, 3600), default=10.0, show_default=True)
@click.pass_obj
@guard
def match_tables_needed(state, time_limit_s: float) -> None:  # noqa: ANN001
    """What-if: the fewest tables that hold every meeting that can be held."""
    from desk.services.matchmaking.schedule import what_if_tables  # noqa: PLC0415

    answer = what_if_tables(state.database(), time_limit_s)
    sure = "proven" if answer.optimal else "not proven (time limit)"
    click.echo(f"{answer.tables} tables hold all {answer.held} meetings that can be held ({sure})")


@match.command("paper")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the PDFs.")
@click.option("--only", "only", multiple=True, help="Participant ids (agendas) to print; default all.")
@click.pass_obj
@guard
def match_paper(state, out: Path, only: tuple[str, ...]) -> None:  # noqa: ANN001
    """Write agendas, table sheets and the desk's master list of the published (else newest) schedule."""
    from desk.services.matchmaking.paper import write_paper  # noqa: PLC0415

    written = write_paper(state.database(), out, only=set(only) or None)
    for path in written:
        click.echo(str(path))


@match.command("demo")
@click.option("--start", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Matchmaking day; default: the stored event's first day, else today.")
@click.pass_obj
@guard
def match_demo(state, start: dt.datetime | None) -> None:  # noqa: ANN001
    """Install the demo matchmaking: ~100 clusters, 300 accepted requests, 16 slots, 20 tables."""
    from desk.services.demo.matchmaking import install_demo_matchmaking  # noqa: PLC0415

    click.echo(install_demo_matchmaking(state.database(), start.date() if start else None).line())

