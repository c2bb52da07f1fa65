"""`desk db`: the local database file itself (encrypting it at rest)."""

from __future__ import annotations

import os

import click

from desk.cli.common import fail, guard, organiser_only


@click.group("db")
def db() -> None:
    """The local database file: encrypt it at rest."""


@db.command("encrypt")
@organiser_only
@click.pass_obj
@guard
def db_encrypt(state) -> None:  # noqa: ANN001
    """Encrypt the local database file in place (SQLCipher) with the key in DESK_DB_KEY or typed
    at the prompt; from then on desk opens it only with that key."""
    from desk.config import load_settings, save_settings  # noqa: PLC0415
    from desk.services.purge import sqlite_file  # noqa: PLC0415
    from desk.store.db import open_database  # noqa: PLC0415
    from desk.store.encryption import encrypt_file, is_plain_sqlite  # noqa: PLC0415

    path = sqlite_file(state.db_url)
    if path is None:
        fail("only a local SQLite database can be encrypted; a server database is protected by its server")
    if not path.exists():
        fail(f"there is no database at {path} yet: set DESK_DB_KEY and desk creates it encrypted")
    if not is_plain_sqlite(path):
        fail(f"{path} is not a plain SQLite database (already encrypted, or not desk's); nothing was changed")
    key = os.environ.get("DESK_DB_KEY") or click.prompt("new database key", hide_input=True,
                                                        confirmation_prompt=True, err=True)
    open_database(state.db_url).close()  # a desk database, at the newest schema, before it is copied
    encrypt_file(path, key)
    settings = load_settings()
    # the station's own database: its settings now say so, and desk asks for the key
    if not settings.db_encrypted and state.db_url == settings.database_url:
        settings.db_encrypted = True
        save_settings(settings)
    click.echo(f"encrypted {path}: desk now opens it only with its key (DESK_DB_KEY, or typed when asked)")
