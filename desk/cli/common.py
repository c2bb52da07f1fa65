"""The root command group and what every command shares: the database option and output."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from typing import Any

import click

from desk.core.errors import DeskError


class State:
    """What the root group parsed; commands open the database lazily (start-up time)."""

    def __init__(self, db_url: str | None) -> None:
        self._db_url = db_url
        self._db = None

    @property
    def db_url(self) -> str:
        from desk.config import load_settings  # noqa: PLC0415

        return self._db_url or load_settings().database_url

    def database_key(self) -> str | None:
        """The key of an encrypted local database (DESK_DB_KEY, else a prompt); None for a plain one."""
        from desk.config import database_key, load_settings  # noqa: PLC0415

        if not self.db_url.startswith("sqlite"):
            return None
        ask = (lambda: click.prompt("database key", hide_input=True, err=True)) if sys.stdin.isatty() else None
        return database_key(load_settings(), ask)

    def database(self):  # noqa: ANN201 - desk.store.db.Database, imported lazily
        if self._db is None:
            from desk.store.db import open_database  # noqa: PLC0415

            self._db = open_database(self.db_url, key=self.database_key())
            for warning in self._db.warnings:
                click.echo(f"warning: {warning}", err=True)
        return self._db

    def event_zone(self) -> dt.tzinfo:
        """The time zone of the database's event (UTC before an event exists); opens the database."""
        from desk.core.attendees import UnknownTimeZone, event_zone  # noqa: PLC0415
        from desk.store.registrations import get_event  # noqa: PLC0415

        with self.database().begin() as session:
            event = get_event(session)
        name = event.timezone if event is not None else "UTC"
        try:
            return event_zone(name)
        except UnknownTimeZone:
            raise DeskError(f"the event's time zone '{name}' is not a known zone: set it with desk event edit "
                            "--timezone, or give --at with its offset") from None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()


def fail(message: str, code: int = 1) -> None:
    """Print a one-line reason on stderr and exit non-zero."""
    click.echo(f"desk: {message}", err=True)
    sys.exit(code)


def emit_json(value: Any) -> None:
    """Print one JSON document (UTF-8, dates as ISO strings)."""
    def default(o: Any) -> Any:
        if isinstance(o, (dt.date, dt.datetime)):
            return o.isoformat()
        return str(o)

    click.echo(json.dumps(value, ensure_ascii=False, default=default))


def parse_at(value: str | None, zone: dt.tzinfo | Callable[[], dt.tzinfo]) -> dt.datetime | None:
    """Parse an --at ISO date-time; naive means the event's local time, `zone`.

    `zone` may be a callable (State.event_zone): it is asked only for a naive time, after the
    text was found to be a date-time, so a bad --at is refused before the database opens.
    """
    if value is None:
        return None
    try:
        stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"'{value}' is not an ISO date-time such as 2016-12-01T08:30") from None
    if stamp.tzinfo is None:
        tz = zone if isinstance(zone, dt.tzinfo) else zone()
        # fold=0: in the repeated hour of an autumn clock change, the first of the two
        stamp = stamp.replace(tzinfo=tz)
    return stamp


def guard(func):  # noqa: ANN001, ANN201
    """Turn a DeskError, or a file the system refuses (a missing folder, no permission, a full
    disk), into a one-line reason and a non-zero exit, never a traceback."""
    import functools  # noqa: PLC0415

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DeskError as exc:
            fail(str(exc))
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            fail(f"cannot use{where}: {exc.strerror or exc}")
    return wrapper


# Exit code of an organiser command refused for its PIN (missing, wrong, or during the back-off).
PIN_REFUSED_EXIT = 3
PIN_HELP = "The organiser PIN (also DESK_PIN); not needed before a PIN is set (set-up)."


def organiser_access(pin: str | None) -> bool:
    """May this command act as the organiser? True in set-up (no PIN set yet) or with the right
    PIN; False without a PIN; a wrong PIN, or one given during the back-off, ends the command
    with one line on stderr and exit code 3 (PIN_REFUSED_EXIT)."""
    from desk.core.roles import PinRefused  # noqa: PLC0415
    from desk.services.roles import PinStore  # noqa: PLC0415

    store = PinStore()
    try:
        if not store.is_set():
            return True
        if pin is None:
            return False
        check = store.verify(pin)
    except PinRefused as exc:
        fail(str(exc), PIN_REFUSED_EXIT)
    if not check.ok:
        fail(check.reason, PIN_REFUSED_EXIT)
    return True


def require_organiser(pin: str | None, what: str = "this command") -> None:
    """End the command (one line on stderr, exit 3) unless the organiser may act (see organiser_access)."""
    if not organiser_access(pin):
        fail(f"{what} is for the organiser: give --pin PIN or set DESK_PIN", PIN_REFUSED_EXIT)


def pin_option(func):  # noqa: ANN001, ANN201
    """The `--pin` option (also DESK_PIN), passed to the command as `organiser_pin`."""
    return click.option("--pin", "organiser_pin", envvar="DESK_PIN", default=None, metavar="PIN",
                        help=PIN_HELP)(func)


def organiser_only(func):  # noqa: ANN001, ANN201
    """Make a click command organiser-only: it gains `--pin` (and DESK_PIN) and checks it before
    anything else runs. Put it right under the @click.command / @group.command decorator:

        @awards.command("results")
        @organiser_only
        @click.option(...)
        @click.pass_obj
        @guard
        def results(state, ...): ...

    In set-up (no PIN set on this station) the command runs without one. A missing or wrong
    PIN gives one line on stderr and exit code 3.
    """
    import functools  # noqa: PLC0415

    @functools.wraps(func)
    def wrapper(*args: Any, organiser_pin: str | None = None, **kwargs: Any) -> Any:
        words = click.get_current_context().command_path.split()[1:]  # without the program's name
        require_organiser(organiser_pin, f"desk {' '.join(words)}" if words else "this command")
        return func(*args, **kwargs)

    # functools.wraps shares the wrapped function's click parameter list: copy it first, so
    # the PIN option is added to this command only
    wrapper.__click_params__ = list(getattr(func, "__click_params__", []))  # type: ignore[attr-defined]
    return pin_option(wrapper)
