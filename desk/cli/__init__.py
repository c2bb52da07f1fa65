"""The `desk` command line. Each capability adds its commands from its own module."""

from __future__ import annotations

import sys


from desk.cli.common import cli


def _register() -> None:
    # Imported for their side effect of adding commands to `cli`; listed here (not
    # discovered) so that the frozen build knows them.
    from desk.cli import registrations  # noqa: F401, PLC0415

    for optional in ("badges", "checkin", "rooms", "match"):
        try:
            __import__(f"desk.cli.{optional}")
        except ModuleNotFoundError as exc:
            if exc.name != f"desk.cli.{optional}":
                raise


def main() -> None:
    """Entry point of the `desk` console script."""
    _register()
    try:
        cli(prog_name="desk")
    except KeyboardInterrupt:
        sys.exit(130)
