"""Per-desk settings and the folders desk uses.

Settings live in a TOML file in the user's config folder and are read tolerantly: a broken
file means defaults plus a warning. Environment variables override the file:
DESK_DB (database URL), DESK_DATA_DIR, DESK_CONFIG_DIR, DESK_NAME; DESK_DB_KEY gives the key
of an encrypted local database.

Secrets (the portal feed token, a password in the hub's address) are kept in memory in
`Settings` like any field, but never written to the file: `save_settings` hands them to
desk.keychain, and `load_settings` takes them back from there. A clear-text token found in
an older settings.toml is moved there on the first start and removed from the file.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

import platformdirs
import tomli_w

from desk.core.errors import DeskError

APP = "desk"


def data_dir() -> Path:
    """Folder for the local database, keys and print files (created on demand)."""
    d = Path(os.environ.get("DESK_DATA_DIR") or platformdirs.user_data_dir(APP, appauthor=False))
    d.mkdir(parents=True, exist_ok=True)
    return d


def config_dir() -> Path:
    """Folder for settings.toml (created on demand)."""
    d = Path(os.environ.get("DESK_CONFIG_DIR") or platformdirs.user_config_dir(APP, appauthor=False))
    d.mkdir(parents=True, exist_ok=True)
    return d


def default_db_url() -> str:
    """The local SQLite file under the data folder."""
    return f"sqlite:///{data_dir() / 'desk.sqlite'}"


@dataclass
class Settings:
    """What one desk remembers between runs. Event data belongs in the database instead."""

    desk_name: str = "desk-1"
    db_url: str = ""
    hub_url: str = ""
    feed_url: str = ""
    feed_token: str = field(default="", repr=False)  # kept in desk.keychain, never in the file
    camera: str = "0"
    camera_width: int = 1280
    camera_height: int = 720
    printer: str = ""
    badge_layout: str = "a6"
    print_on_checkin: bool = False
    sound: bool = True
    db_encrypted: bool = False  # the local database is encrypted at rest (SQLCipher); key: database_key()
    role: str = "organiser"  # desk, door, printing or organiser (desk.core.roles); organiser: a set-up station
    warnings: list[str] = field(default_factory=list, compare=False, repr=False)

    @property
    def database_url(self) -> str:
        """The database to open: DESK_DB, then the settings file, then the local file."""
        return os.environ.get("DESK_DB") or self.db_url or default_db_url()


class DatabaseKeyMissing(DeskError):
    """The station's database is encrypted and no key was given (the message says how to give it)."""


def database_key(settings: Settings, ask: Callable[[], str] | None = None) -> str | None:
    """The key of this station's encrypted local database, or None for a plain one.

    The one place a database key comes from: DESK_DB_KEY, else `ask()` (a prompt) when the
    settings say the database is encrypted (`db_encrypted = true`). A key set in DESK_DB_KEY
    opens or creates an encrypted database whatever the settings say. Raises
    DatabaseKeyMissing when the database is encrypted and there is neither.
    """
    key = os.environ.get("DESK_DB_KEY")
    if key:
        return key
    if not settings.db_encrypted:
        return None
    key = ask() if ask is not None else ""
    if not key:
        raise DatabaseKeyMissing("this desk's database is encrypted (db_encrypted in the settings): "
                                 "give its key in DESK_DB_KEY")
    return key


def settings_path() -> Path:
    return config_dir() / "settings.toml"


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings file; never raises: problems become `warnings` and defaults stay."""
    path = path or settings_path()
    settings = Settings()
    raw: dict = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            settings.warnings.append(f"settings file {path} is unreadable ({exc}); using defaults")
            raw = {}
        known = {f.name: f for f in dataclasses.fields(Settings) if f.name != "warnings"}
        for key, value in raw.items():
            f = known.get(key)
            default = getattr(settings, key, None)
            if f is None:
                settings.warnings.append(f"settings: unknown key '{key}' ignored")
            elif type(value) is not type(default):
                settings.warnings.append(
                    f"settings: '{key}' should be {type(default).__name__}, got {value!r}; using {default!r}"
                )
            else:
                setattr(settings, key, value)
    _take_secrets(settings, raw, path)
    if os.environ.get("DESK_NAME"):
        settings.desk_name = os.environ["DESK_NAME"]
    return settings


def _split_password(url: str) -> tuple[str, str]:
    """A URL without its password, and the password ('' when it carries none)."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return url, ""
    if not password or "@" not in parts.netloc:
        return url, ""
    user_info, host = parts.netloc.rsplit("@", 1)
    user = user_info.split(":", 1)[0]
    return SplitResult(parts.scheme, f"{user}@{host}", parts.path, parts.query, parts.fragment).geturl(), \
        user_info.split(":", 1)[1]


def _join_password(url: str, password: str) -> str:
    """`url` with `password` put back after its user name (as `_split_password` took it out)."""
    if not password:
        return url
    parts = urlsplit(url)
    user_info, host = parts.netloc.rsplit("@", 1)
    return SplitResult(parts.scheme, f"{user_info}:{password}@{host}", parts.path, parts.query,
                       parts.fragment).geturl()


# Settings holding a URL whose password is a secret, and the name the password is kept under:
# the hub's address, and a database URL pointing at the hub's PostgreSQL.
URL_SECRETS = {"hub_url": "hub_password", "db_url": "db_password"}


def _has_user(url: str) -> bool:
    try:
        return "@" in urlsplit(url).netloc
    except ValueError:
        return False


def _take_secrets(settings: Settings, raw: dict, path: Path) -> None:
    """Fill the secrets from desk.keychain; move clear-text ones found in the file there first."""
    from desk import keychain  # noqa: PLC0415 - keychain imports this module

    try:
        found = {key: _split_password(getattr(settings, name))[1] for name, key in URL_SECRETS.items()}
        if raw.get("feed_token") or any(found.values()):  # an older file: move the secrets, then rewrite it
            if raw.get("feed_token"):
                keychain.set_secret(keychain.FEED_TOKEN, settings.feed_token)
            for key, password in found.items():
                if password:
                    keychain.set_secret(key, password)
            _write(settings, path)
            settings.warnings.append(f"settings: secrets moved from {path.name} into {keychain.secret_backend().name}")
        settings.feed_token = keychain.get_secret(keychain.FEED_TOKEN)
        for name, key in URL_SECRETS.items():
            url = _split_password(getattr(settings, name))[0]
            setattr(settings, name, _join_password(url, keychain.get_secret(key)) if _has_user(url) else url)
    except Exception as exc:  # noqa: BLE001 - settings are read tolerantly, a keyring problem included
        settings.warnings.append(f"settings: the secrets could not be read ({exc})")


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write the settings file atomically (write a sibling, then rename); the secrets go to desk.keychain."""
    from desk import keychain  # noqa: PLC0415 - keychain imports this module

    path = path or settings_path()
    keychain.set_secret(keychain.FEED_TOKEN, settings.feed_token)
    for name, key in URL_SECRETS.items():
        keychain.set_secret(key, _split_password(getattr(settings, name))[1])
    _write(settings, path)


def _write(settings: Settings, path: Path) -> None:
    """The file without secrets: no feed token, the hub's and database's addresses without passwords."""
    values = {f.name: getattr(settings, f.name) for f in dataclasses.fields(Settings)
              if f.name not in ("warnings", "feed_token")}
    for name in URL_SECRETS:
        values[name] = _split_password(getattr(settings, name))[0]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(tomli_w.dumps(values), encoding="utf-8")
    tmp.replace(path)
