"""`desk hub init|join|status`, `desk sync` and `desk duplicates`: stations and their hub."""

from __future__ import annotations

import datetime as dt
import socket
import sys

import click

from desk.cli.common import emit_json, guard


def unreachable(exc: Exception) -> None:
    """`hub unreachable: REASON` on its own line (the contract scripts read), exit 1; nothing changed."""
    click.echo(f"hub unreachable: {exc}", err=True)
    sys.exit(1)


def _ago(at: dt.datetime | None, now: dt.datetime) -> str:
    if at is None:
        return "never"
    minutes = int((now - at).total_seconds() // 60)
    return "just now" if minutes < 1 else f"{minutes} min ago"


@click.group()
def hub() -> None:
    """The hub: a PostgreSQL database on the venue network that every station syncs with."""


@hub.command("init")
@click.argument("url")
@guard
def init(url: str) -> None:
    """Prepare the PostgreSQL database at URL as the hub (creates or upgrades its tables)."""
    from desk.services.hub import HubUnreachable, init_hub  # noqa: PLC0415

    try:
        shown = init_hub(url)
    except HubUnreachable as exc:
        unreachable(exc)
    click.echo(f"hub ready: {shown}")


@hub.command("join")
@click.argument("url")
@click.option("--station", "name", default=None, help="This station's name (default: the desk_name setting).")
@click.pass_obj
@guard
def join(state, url: str, name: str | None) -> None:  # noqa: ANN001
    """Make this database a station of the hub at URL."""
    from desk.config import load_settings  # noqa: PLC0415
    from desk.services.hub import HubUnreachable, join as join_hub, shown_url  # noqa: PLC0415

    name = name or load_settings().desk_name or socket.gethostname()
    try:
        info = join_hub(state.database(), url, name)
    except HubUnreachable as exc:
        unreachable(exc)
    click.echo(f"station '{info.name}' joined the hub {shown_url(url)}: {info.unpushed} entries to push; "
               "run desk sync")


@hub.command("status")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@click.pass_obj
@guard
def status(state, as_json: bool) -> None:  # noqa: ANN001
    """Every station the hub knows: its last contact and its backlog."""
    from desk.services.hub import hub_status, shown_url  # noqa: PLC0415

    report = hub_status(state.database())
    me = report.station
    now = dt.datetime.now(dt.timezone.utc)
    if as_json:
        emit_json({
            "hub": shown_url(me.hub_url or ""), "reachable": report.problem is None, "problem": report.problem,
            "station": {"station": me.station, "name": me.name, "last_contact": me.last_contact_at,
                        "to_push": me.unpushed, "waiting": me.unapplied},
            "stations": [{"station": m.station, "name": m.name, "last_contact": m.last_contact_at,
                          "logged": m.logged, "pushed": m.pushed, "to_push": max(0, m.logged - m.pushed),
                          "to_pull": m.behind} for m in report.members],
        })
    else:
        click.echo(f"hub {shown_url(me.hub_url or '')}: "
                   + ("reachable" if report.problem is None else f"unreachable ({report.problem})"))
        click.echo(f"this station '{me.name}': last contact {_ago(me.last_contact_at, now)}, "
                   f"{me.unpushed} entries to push" + (f", {me.unapplied} waiting" if me.unapplied else ""))
        for m in report.members:
            click.echo(f"  {m.name}: last contact {_ago(m.last_contact_at, now)}, "
                       f"{max(0, m.logged - m.pushed)} to push, {m.behind} to pull")
    if report.problem is not None:
        raise SystemExit(1)


@click.command()
@click.pass_obj
@guard
def sync(state) -> None:  # noqa: ANN001
    """One push-and-pull round with this station's hub."""
    from desk.services.awards.hub import forget_envelopes, own_ballots, seal_before_joining  # noqa: PLC0415
    from desk.services.hub import HubUnreachable, NotAHub, sync as sync_round  # noqa: PLC0415

    db = state.database()
    seal_before_joining(db)
    before = own_ballots(db)
    try:
        result = sync_round(db)
    except (HubUnreachable, NotAHub) as exc:
        unreachable(exc)
    click.echo(result.line())
    ballots = own_ballots(db).since(before).line()
    if ballots:
        forget_envelopes(db)
        click.echo(ballots)
    if result.waiting:
        click.echo(f"{result.waiting} entries wait for what they refer to (they are tried at every sync)")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="A JSON array.")
@click.pass_obj
@guard
def duplicates(state, as_json: bool) -> None:  # noqa: ANN001
    """Each person checked in at two stations while they were apart."""
    from desk.services.hub import duplicates as find  # noqa: PLC0415

    found = find(state.database())
    tz = state.event_zone()
    if as_json:
        emit_json([d.to_json(tz) for d in found])
        return
    if not found:
        click.echo("no duplicate entries")
    for d in found:
        click.echo(f"{d.registration_id}  {d.day.isoformat()}  {d.line(tz)}")
