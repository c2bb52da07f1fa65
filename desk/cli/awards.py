"""Commands of award voting: `desk awards import|results` and `desk vote open|close|cast`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from desk.cli.common import emit_json, fail, guard, organiser_only, parse_at

_AT_HELP = "The moment, ISO date-time (naive = the event's local time); default now."


def _at(state, value: str | None) -> dt.datetime:  # noqa: ANN001
    """--at, a naive one read on the event's clock; default now."""
    return parse_at(value, state.event_zone) or dt.datetime.now(dt.timezone.utc)


@click.group()
def awards() -> None:
    """The awards participants vote for: import them, count the votes."""


@awards.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_obj
@guard
def awards_import(state, file: str) -> None:  # noqa: ANN001
    """Import awards and finalists from FILE (CSV, XLSX or JSON: award, finalist, description)."""
    from desk.services.awards.files import import_awards  # noqa: PLC0415

    report = import_awards(state.database(), Path(file))
    head, *bad = report.lines()
    click.echo(head)
    for line in bad:
        click.echo(line, err=True)
    if bad and not (report.stored.awards_added or report.stored.finalists_added
                    or report.stored.descriptions_updated or report.stored.unchanged):
        fail("no row of the file could be stored")


@awards.command("results")
@organiser_only
@click.option("--tie-break", "tie_break", required=True, metavar="earliest-ballot|draw-seed N",
              help="How a tie for first place is settled, fixed in advance: earliest-ballot, or draw-seed N.")
@click.argument("seed", required=False, type=int)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_obj
@guard
def awards_results(state, tie_break: str, seed: int | None, as_json: bool) -> None:  # noqa: ANN001
    """Counts per finalist, the winner by the tie-break, and voters = ballots per award."""
    from desk.core.awards.results import parse_tie_break  # noqa: PLC0415
    from desk.services.awards.results import award_results, result_lines  # noqa: PLC0415

    kind, _, inline = tie_break.partition("=")  # also --tie-break draw-seed=N
    if inline:
        try:
            seed = int(inline)
        except ValueError:
            raise click.BadParameter(f"'{inline}' is not a whole number", param_hint="--tie-break") from None
    rule = parse_tie_break(kind.strip(), seed)
    results = award_results(state.database(), rule)
    if as_json:
        emit_json({"tie_break": rule.describe(), "awards": [r.to_json() for r in results]})
        return
    for line in result_lines(results):
        click.echo(line)


@click.group()
def vote() -> None:
    """Open and close voting for an award, and cast a ballot."""


@vote.command("open")
@click.argument("award")
@click.option("--until", "until_text", required=True, metavar="ISO-DATETIME",
              help="When voting ends, ISO date-time (naive = the event's local time).")
@click.option("--at", "at_text", default=None, metavar="ISO-DATETIME", help=_AT_HELP)
@click.pass_obj
@guard
def vote_open(state, award: str, until_text: str, at_text: str | None) -> None:  # noqa: ANN001
    """Open voting for AWARD (its name; case and accents do not matter) until --until."""
    from desk.services.awards.voting import open_voting  # noqa: PLC0415

    until = parse_at(until_text, state.event_zone)
    opened = open_voting(state.database(), award, until, _at(state, at_text))
    click.echo(f"voting for {opened.name} is open until {opened.open_until.astimezone(state.event_zone()).isoformat()}")


@vote.command("close")
@click.argument("award")
@click.option("--at", "at_text", default=None, metavar="ISO-DATETIME", help=_AT_HELP)
@click.pass_obj
@guard
def vote_close(state, award: str, at_text: str | None) -> None:  # noqa: ANN001
    """Close voting for AWARD now: later ballots answer `closed`."""
    from desk.services.awards.voting import close_voting  # noqa: PLC0415

    closed = close_voting(state.database(), award, _at(state, at_text))
    click.echo(f"voting for {closed.name} is closed")


@vote.command("cast")
@click.argument("code")
@click.argument("award")
@click.argument("finalist")
@click.option("--at", "at_text", default=None, metavar="ISO-DATETIME", help=_AT_HELP)
@click.pass_obj
@guard
def vote_cast(state, code: str, award: str, finalist: str, at_text: str | None) -> None:  # noqa: ANN001
    """Cast the ballot of badge or ticket CODE for FINALIST of AWARD; print the answer as one JSON object."""
    from desk.cli.checkin import _keys  # noqa: PLC0415 - the entrance's keys and their warning
    from desk.services.awards.voting import cast_vote  # noqa: PLC0415

    at = _at(state, at_text)
    db = state.database()
    emit_json(cast_vote(db, code, award, finalist, at, _keys(db, code)).to_json())
