"""Commands of the station's role: role show, role set ROLE, role set-pin.

Exit codes: 0 done, 1 refused (a bad value), 2 wrong usage, 3 the organiser PIN was
missing or wrong, or asked again during the back-off (1 s, 2 s, 4 s ... after wrong tries).
"""

from __future__ import annotations

import sys

import click

from desk.cli.common import fail, guard, organiser_only, require_organiser


@click.group()
def role() -> None:
    """This station's role (desk, door, printing, organiser) and the organiser PIN."""


@role.command("show")
def role_show() -> None:
    """Print this station's role, whether an organiser PIN is set, and where secrets are kept."""
    from desk.config import load_settings  # noqa: PLC0415
    from desk.keychain import secret_backend  # noqa: PLC0415
    from desk.services.roles import PinStore  # noqa: PLC0415

    settings = load_settings()
    store = PinStore()
    click.echo(f"role: {settings.role}")
    if store.is_set():
        click.echo("organiser PIN: set")
    else:
        click.echo("organiser PIN: not set (set-up: organiser commands need no PIN; set one with desk role set-pin)")
    click.echo(f"secrets: {secret_backend().name}")


@role.command("set")
@click.argument("name", metavar="ROLE")
@click.option("--pin", "organiser_pin", envvar="DESK_PIN", default=None, metavar="PIN",
              help="The organiser PIN (also DESK_PIN): needed to make this station an organiser station.")
@guard
def role_set(name: str, organiser_pin: str | None) -> None:
    """Open this station in ROLE from now on: desk, door, printing or organiser (needs the PIN)."""
    from desk.config import load_settings, save_settings  # noqa: PLC0415
    from desk.core.roles import Role, parse_role  # noqa: PLC0415

    chosen = parse_role(name)
    if chosen is Role.ORGANISER:
        require_organiser(organiser_pin, "desk role set organiser")
    settings = load_settings()
    settings.role = chosen.value
    save_settings(settings)
    click.echo(f"role: {chosen.value}")


@role.command("set-pin")
@organiser_only
@guard
def role_set_pin() -> None:
    """Set the organiser PIN: asked twice without echo on a terminal, else one line from standard input.

    Changing a PIN needs the current one (--pin or DESK_PIN).
    """
    from desk.core.roles import PinRefused  # noqa: PLC0415
    from desk.services.roles import PinStore  # noqa: PLC0415

    if sys.stdin.isatty():
        pin = click.prompt("New organiser PIN", hide_input=True, confirmation_prompt=True)
    else:
        line = sys.stdin.readline()
        if not line:
            fail("no PIN on standard input: give it as one line", 1)
        pin = line.rstrip("\r\n")
    try:
        PinStore().set_pin(pin)
    except PinRefused as exc:
        fail(str(exc), 1)
    click.echo("organiser PIN set: organiser commands now need --pin or DESK_PIN")

