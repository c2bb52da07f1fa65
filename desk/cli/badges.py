"""Commands for badges: event keys, badge PDFs, verifying a code, the print queue."""

from __future__ import annotations

import os
from pathlib import Path

import click

from desk.cli.common import emit_json, fail, guard, organiser_only

LAYOUT_CHOICE = click.Choice(["a6", "label-4x3", "a4-sheet", "foldover"])


def _passphrase(var: str | None) -> str | None:
    if var is None:
        return None
    value = os.environ.get(var)
    if not value:
        fail(f"the environment variable {var} holding the passphrase is not set")
    return value


@click.group()
def keys() -> None:
    """The event's badge signing keys: create once, export to and import on other desks."""


@keys.command("create")
@organiser_only
@click.pass_obj
@guard
def keys_create(state) -> None:  # noqa: ANN001
    """Make the event's keys (once per event; never overwrites)."""
    from desk.services.badges.codes import create_event_keys  # noqa: PLC0415
    from desk.services.badges.keys import key_path  # noqa: PLC0415

    made = create_event_keys(state.database())
    click.echo(f"created badge keys for {made.event} (version {made.current_version}) in {key_path(made.event)}")


@keys.command("export")
@organiser_only
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="File to write.")
@click.option("--public-only", is_flag=True, help="Only what verifying desks need (no signing key).")
@click.option("--passphrase-env", "passphrase_env", metavar="VAR",
              help="Seal the file with the passphrase in this environment variable (required with the signing key).")
@click.pass_obj
@guard
def keys_export(state, out: Path, public_only: bool, passphrase_env: str | None) -> None:  # noqa: ANN001
    """Write the event's keys to a file for another desk."""
    from desk.services.badges.codes import load_event_keys  # noqa: PLC0415
    from desk.services.badges.keys import export_keys  # noqa: PLC0415

    event_keys = load_event_keys(state.database())
    if not public_only and not event_keys.private_keys:
        fail("this desk holds no signing key to export; use --public-only")
    export_keys(event_keys, out, _passphrase(passphrase_env), include_private=not public_only)
    kind = "public keys" if public_only else "signing keys"
    click.echo(f"exported the {kind} of {event_keys.event} to {out}")


@keys.command("import")
@organiser_only
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--passphrase-env", "passphrase_env", metavar="VAR",
              help="Environment variable holding the passphrase of a sealed file.")
@click.pass_obj
@guard
def keys_import(state, file: Path, passphrase_env: str | None) -> None:  # noqa: ANN001
    """Import a key file exported on another desk."""
    from desk.services.badges.codes import import_event_keys  # noqa: PLC0415

    got = import_event_keys(state.database(), file, _passphrase(passphrase_env))
    role = "can print badges" if got.can_issue else "can verify badges (no signing key)"
    click.echo(f"imported the keys of {got.event}; this desk {role}")


@click.command()
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="PDF to write.")
@click.option("--layout", default="a6", type=LAYOUT_CHOICE, show_default=True)
@click.option("--attendee", "attendees", multiple=True, metavar="ID", help="Only these registrations (repeatable).")
@click.pass_obj
@guard
def badges(state, out: Path, layout: str, attendees: tuple[str, ...]) -> None:  # noqa: ANN001
    """Render badges of all validated attendees (or the given ones) into one PDF."""
    from desk.services.badges.codes import badge_data, event_of, signing_keys  # noqa: PLC0415
    from desk.services.badges.pdf import render_badges  # noqa: PLC0415

    db = state.database()
    event = event_of(db)
    data = badge_data(db, signing_keys(db), list(attendees) or None)
    result = render_badges(data, layout, out, event)
    click.echo(f"rendered {result.badges} badges on {result.pages} pages")
    for finding in result.findings:
        click.echo(str(finding))


@click.command()
@click.argument("code")
@click.pass_obj
@guard
def verify(state, code: str) -> None:  # noqa: ANN001
    """Say whom a badge or ticket code names: one JSON object; exit 0 whatever the verdict."""
    from desk.services.badges.codes import verify_code  # noqa: PLC0415

    verdict = verify_code(state.database(), code)
    emit_json({"valid": verdict.ok, "attendee": verdict.registration_id,
               "reason": None if verdict.reason is None else str(verdict.reason)})


def _printer(folder: Path | None, queue: str | None):  # noqa: ANN202
    from desk.config import load_settings  # noqa: PLC0415
    from desk.devices.printer import CupsPrinter, FolderPrinter  # noqa: PLC0415

    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        return FolderPrinter(folder, name=f"folder {folder}")
    chosen = queue or load_settings().printer
    if chosen.startswith("folder:"):
        return FolderPrinter(Path(chosen[len("folder:"):]))
    if not chosen:
        fail("no printer chosen: pass --printer QUEUE or --folder DIR, or set 'printer' in the settings")
    return CupsPrinter(chosen)


@click.command("print")
@click.option("--attendee", "attendees", multiple=True, metavar="ID", help="Queue these badges (repeatable).")
@click.option("--all", "everyone", is_flag=True, help="Queue the badges of every attendee not printed yet.")
@click.option("--reprint", is_flag=True, help="Confirm printing badges that were printed before.")
@click.option("--layout", default=None, type=LAYOUT_CHOICE, help="Badge layout (default: the desk's).")
@click.option("--printer", "queue", metavar="QUEUE", help="CUPS queue (default: the desk's printer).")
@click.option("--folder", type=click.Path(file_okay=False, path_type=Path), help="Print into a folder of PDFs.")
@click.pass_obj
@guard
def print_(state, attendees: tuple[str, ...], everyone: bool, reprint: bool, layout: str | None,  # noqa: ANN001
           queue: str | None, folder: Path | None) -> None:
    """Queue badges and print this desk's queue (failed jobs stay listed: see print-queue)."""
    import getpass  # noqa: PLC0415

    from desk.config import load_settings  # noqa: PLC0415
    from desk.services.badges import printing  # noqa: PLC0415

    settings = load_settings()
    db = state.database()
    who = {"desk": settings.desk_name, "user": getpass.getuser(), "layout": layout or settings.badge_layout}
    results = printing.enqueue_many(db, list(attendees), confirm_reprints=reprint, **who)
    if everyone:
        results += printing.enqueue_unprinted(db, **who)
    for r in results:
        if r.needs_confirmation:
            click.echo(f"{r.registration_id}: printed before; add --reprint to print it again")
    report = printing.process_queue(db, _printer(folder, queue), desk=settings.desk_name)
    click.echo(report.line())
    if report.errors and not report.printed:
        raise SystemExit(1)


@click.command("print-queue")
@click.option("--retry", "retry_id", metavar="JOB", help="Put a failed job back in the queue.")
@click.option("--cancel", "cancel_id", metavar="JOB", help="Take a job that has not printed out of the queue.")
@click.option("--log", "show_log", is_flag=True, help="Show the print log instead.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
@click.pass_obj
@guard
def print_queue(state, retry_id: str | None, cancel_id: str | None, show_log: bool, as_json: bool) -> None:  # noqa: ANN001
    """List print jobs with their state (or retry/cancel one, or show the print log)."""
    from desk.services.badges import printing  # noqa: PLC0415

    db = state.database()
    if retry_id:
        printing.retry(db, retry_id)
    if cancel_id:
        printing.cancel(db, cancel_id)
    if show_log:
        entries = printing.print_log(db)
        if as_json:
            emit_json(entries)
            return
        tz = state.event_zone()  # the log's times on the event's clock
        for e in entries:
            mark = " REPRINT" if e["reprint"] else ""
            click.echo(f"{e['at'].astimezone(tz):%Y-%m-%d %H:%M:%S}\t{e['registration_id']}\t{e['desk']}\t{e['user']}{mark}")
        return
    found = printing.list_jobs(db)
    if as_json:
        emit_json([{"id": j.id, "registration_id": j.registration_id, "name": j.name, "state": j.state,
                    "attempts": j.attempts, "error": j.error, "reprint": j.reprint, "desk": j.desk,
                    "layout": j.layout, "created_at": j.created_at} for j in found])
        return
    for j in found:
        mark = " (reprint)" if j.reprint else ""
        click.echo(f"{j.id}\t{j.state}\t{j.registration_id}\t{j.name}{mark}\t{j.error}")
