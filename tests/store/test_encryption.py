"""Encryption at rest: an SQLCipher database opens only with its key, keeps desk's pragmas and
migrations, and a wrong key is one clear sentence."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from desk.cli import cli
from desk.config import load_settings
from desk.store.db import DatabaseKeyWrong, DatabaseUnavailable, NotADeskDatabase, open_database
from desk.store.encryption import SQLITE_MAGIC
from desk.store.schema import RegistrationRow
from tests.event_helpers import CREATE_EVENT_ARGS, create_event

KEY = "correct horse battery staple"
NAME = "Przybyszewska-Łódź"


def _with_person(url: str, key: str | None) -> None:
    db = open_database(url, key=key)
    try:
        create_event(db)
        with db.begin() as session:
            session.add(RegistrationRow(registration_id="R1", status="validated", first_name="Wiesława",
                                        last_name=NAME, email="wieslawa@example.pl",
                                        synced_at=dt.datetime(2016, 10, 10, 9, tzinfo=dt.timezone.utc)))
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def test_an_encrypted_database_is_created_migrated_and_keeps_the_pragmas(tmp_path) -> None:
    path = tmp_path / "desk.sqlite"
    _with_person(f"sqlite:///{path}", KEY)
    raw = path.read_bytes()
    assert not raw.startswith(SQLITE_MAGIC) and NAME.encode() not in raw and b"registration" not in raw
    db = open_database(f"sqlite:///{path}", key=KEY)
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
            assert conn.exec_driver_sql("PRAGMA cipher_version").scalar().startswith("4.")
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            assert conn.execute(text("SELECT last_name FROM registration")).scalar() == NAME
    finally:
        db.close()


def test_a_wrong_key_is_one_sentence_and_leaves_the_file(tmp_path) -> None:
    path = tmp_path / "desk.sqlite"
    _with_person(f"sqlite:///{path}", KEY)
    before = path.read_bytes()
    with pytest.raises(DatabaseKeyWrong, match="^the database key is wrong"):
        open_database(f"sqlite:///{path}", key="not the key")
    with pytest.raises(NotADeskDatabase, match="give its key in DESK_DB_KEY"):
        open_database(f"sqlite:///{path}")
    assert path.read_bytes() == before


def test_a_key_for_a_plain_file_is_refused(db_path) -> None:
    with pytest.raises(DatabaseUnavailable, match="is not encrypted"):
        open_database(f"sqlite:///{db_path}", key=KEY)


def test_the_command_line_says_the_key_is_wrong_without_a_traceback(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'desk.sqlite'}"
    monkeypatch.setenv("DESK_DB_KEY", KEY)
    made = CliRunner().invoke(cli, ["--db", url, *CREATE_EVENT_ARGS])
    assert made.exit_code == 0, made.stderr
    monkeypatch.setenv("DESK_DB_KEY", "a guess")
    done = CliRunner().invoke(cli, ["--db", url, "attendees", "--json"])
    assert done.exit_code == 1
    assert done.stderr.startswith("desk: the database key is wrong") and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_encrypted_in_the_settings_without_a_key_is_refused(monkeypatch) -> None:
    from desk.config import Settings, save_settings

    save_settings(Settings(db_encrypted=True))
    done = CliRunner().invoke(cli, ["attendees", "--json"])
    assert done.exit_code == 1 and "give its key in DESK_DB_KEY" in done.stderr


def test_db_encrypt_converts_a_plain_file_in_place(monkeypatch) -> None:
    from desk.config import default_db_url
    from desk.services.purge import sqlite_file

    url = default_db_url()
    path = sqlite_file(url)
    _with_person(url, None)
    assert NAME.encode() in path.read_bytes()
    monkeypatch.setenv("DESK_DB_KEY", KEY)
    done = CliRunner().invoke(cli, ["db", "encrypt"])
    assert done.exit_code == 0, done.stderr
    assert done.stdout.startswith(f"encrypted {path}")
    raw = path.read_bytes()
    assert not raw.startswith(SQLITE_MAGIC) and NAME.encode() not in raw
    assert not path.with_name(path.name + "-wal").exists() or NAME.encode() not in \
        path.with_name(path.name + "-wal").read_bytes()
    assert load_settings().db_encrypted
    people = CliRunner().invoke(cli, ["attendees", "--json"])
    assert people.exit_code == 0 and NAME in people.stdout
    again = CliRunner().invoke(cli, ["db", "encrypt"])
    assert again.exit_code == 1 and "not a plain SQLite database" in again.stderr


def test_the_file_opens_with_the_passphrase_in_any_sqlcipher_tool(tmp_path) -> None:
    from sqlcipher3 import dbapi2

    path = tmp_path / "desk.sqlite"
    _with_person(f"sqlite:///{path}", KEY)
    conn = dbapi2.connect(str(path))
    try:
        conn.execute(f"PRAGMA key = '{KEY}'")  # SQLCipher's own key derivation from the passphrase
        assert conn.execute("SELECT last_name FROM registration").fetchone() == (NAME,)
    finally:
        conn.close()
