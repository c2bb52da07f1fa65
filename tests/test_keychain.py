"""Secrets out of settings.toml: the system keyring when one works, else a 0600 file; a
clear-text token from an older settings file is moved on first start."""

from __future__ import annotations

import stat
import tomllib

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from desk import keychain
from desk.config import Settings, config_dir, load_settings, save_settings
from tests.event_helpers import db_path_with_event  # noqa: F401 - fixture: db_path holds an event

HUB = "postgresql+psycopg://desk:s3cr%40t@hub.example:5432/ecc?sslmode=require"


class MemoryKeyring(KeyringBackend):
    """A working keyring backend as `keyring` defines one (stands in for the Secret Service)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.stored: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.stored.get((service, username))

    def set_password(self, service, username, password):
        self.stored[(service, username)] = password

    def delete_password(self, service, username):
        self.stored.pop((service, username), None)


@pytest.fixture
def system_keyring(monkeypatch):
    monkeypatch.delenv("DESK_KEYRING")
    before = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.set_keyring(before)


def _everything_in(folder) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_a_clear_text_token_is_moved_out_of_the_file_on_first_start():
    path = config_dir() / "settings.toml"
    path.write_text(f'desk_name = "entrance-1"\nfeed_token = "tok-123"\nhub_url = "{HUB}"\n', encoding="utf-8")

    settings = load_settings()

    assert (settings.feed_token, settings.hub_url, settings.desk_name) == ("tok-123", HUB, "entrance-1")
    assert settings.warnings == ["settings: secrets moved from settings.toml into a file readable only by you"]
    written = tomllib.loads(path.read_text(encoding="utf-8"))
    assert "feed_token" not in written and written["hub_url"] == "postgresql+psycopg://desk@hub.example:5432/ecc?sslmode=require"
    assert b"tok-123" not in path.read_bytes() and b"s3cr%40t" not in path.read_bytes()
    secrets = config_dir() / "secrets.json"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    again = load_settings()  # the second start finds nothing to move
    assert (again.feed_token, again.hub_url, again.warnings) == ("tok-123", HUB, [])


def test_saving_keeps_secrets_out_of_the_file_and_an_empty_token_forgets_it():
    save_settings(Settings(feed_token="tok-9", hub_url=HUB))
    assert b"tok-9" not in (config_dir() / "settings.toml").read_bytes()
    assert load_settings().feed_token == "tok-9"
    save_settings(Settings(feed_token="", hub_url="postgresql+psycopg://desk@hub/ecc"))
    assert load_settings().feed_token == "" and b"tok-9" not in _everything_in(config_dir())


def test_the_fail_backend_of_a_headless_linux_means_the_file(monkeypatch):
    monkeypatch.delenv("DESK_KEYRING")
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        assert isinstance(keychain.secret_backend(), keychain.SecretFile)
        keychain.set_secret(keychain.FEED_TOKEN, "tok-file")
        assert keychain.get_secret(keychain.FEED_TOKEN) == "tok-file"
    finally:
        keyring.set_keyring(before)


def test_a_working_keyring_is_chosen_first_and_the_file_stays_empty(system_keyring):
    assert isinstance(keychain.secret_backend(), keychain.SystemKeyring)
    save_settings(Settings(feed_token="tok-kr", hub_url=HUB))
    assert system_keyring.stored == {("desk", "feed_token"): "tok-kr", ("desk", "hub_password"): "s3cr%40t"}
    assert b"tok-kr" not in _everything_in(config_dir())
    assert (load_settings().feed_token, load_settings().hub_url) == ("tok-kr", HUB)


def test_a_keyring_that_fails_falls_back_to_the_file(system_keyring, monkeypatch):
    def locked(*_args):
        raise keyring.errors.KeyringLocked("the keyring is locked")

    monkeypatch.setattr(system_keyring, "set_password", locked)
    monkeypatch.setattr(system_keyring, "get_password", locked)
    keychain.set_secret(keychain.FEED_TOKEN, "tok-fallback")
    assert keychain.get_secret(keychain.FEED_TOKEN) == "tok-fallback"
    assert stat.S_IMODE((config_dir() / "secrets.json").stat().st_mode) == 0o600


def test_the_feed_token_from_the_keychain_syncs_and_lands_in_no_file(db_path):
    from tests.e2e.test_import_cli import desk
    from tests.services.feedserver import FeedServer, make_registration

    with FeedServer([make_registration(n) for n in range(1, 4)]) as server:
        save_settings(Settings(feed_url=server.base_url, feed_token=server.token))
        run = desk(db_path, "import", server.base_url)  # the token comes from the keychain
        token = server.token.encode()
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == "added 3, updated 0, unchanged 0, rejected 0 rows"
    # not in the database (its WAL included), the data folder or the settings: only in the secrets file
    assert token not in _everything_in(db_path.parent)
    assert token not in (config_dir() / "settings.toml").read_bytes()
    assert token in (config_dir() / "secrets.json").read_bytes()


def test_a_password_in_the_database_url_is_a_secret_too():
    save_settings(Settings(db_url=HUB))
    written = tomllib.loads((config_dir() / "settings.toml").read_text(encoding="utf-8"))
    assert written["db_url"] == "postgresql+psycopg://desk@hub.example:5432/ecc?sslmode=require"
    assert load_settings().database_url == HUB
