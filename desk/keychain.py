"""Where desk keeps its secrets: the portal feed token and the hub's (or database URL's) password.

Secrets never go into settings.toml, the database or a log. The operating system's keyring
holds them where one works (macOS Keychain, Windows Credential Locker, the Secret Service
on a Linux desktop); where none does (a headless Linux, whose keyring is the "fail"
backend) a JSON file in the config folder, readable only by this user (0600), holds them.
The backend is chosen by priority, and the file always works, so a secret is never lost
for want of a keyring. DESK_KEYRING=file picks the file whatever the system offers.

The keyring library finds its backends at run time through entry points: desk.spec names
them for the frozen build.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Protocol

SERVICE = "desk"
FEED_TOKEN = "feed_token"
HUB_PASSWORD = "hub_password"
DB_PASSWORD = "db_password"  # a PostgreSQL hub given as the database URL


class SecretBackend(Protocol):
    """A place for secrets: read, write, forget one by name."""

    name: str

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...

    def delete(self, key: str) -> None: ...


class SecretFile:
    """Secrets in `secrets.json` in the config folder, mode 0600: the fallback that always works."""

    name = "a file readable only by you"

    def __init__(self, path: Path | None = None) -> None:
        from desk.config import config_dir  # noqa: PLC0415 - config imports this module

        self.path = path or config_dir() / "secrets.json"

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}  # unreadable: as if empty; the next write replaces it
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)} \
            if isinstance(data, dict) else {}

    def _write(self, data: dict[str, str]) -> None:
        tmp = self.path.with_suffix(".tmp")
        # created 0600 from the start: the secret is never readable by others, not even for a moment
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.chmod(tmp, 0o600)  # an older file with wider rights keeps its mode through O_TRUNC
        tmp.replace(self.path)

    def get(self, key: str) -> str | None:
        return self._read().get(key)

    def set(self, key: str, value: str) -> None:
        data = self._read()
        data[key] = value
        self._write(data)

    def delete(self, key: str) -> None:
        data = self._read()
        if data.pop(key, None) is not None:
            self._write(data)


class SystemKeyring:
    """The operating system's keyring through the `keyring` library."""

    def __init__(self, backend: object) -> None:
        self._backend = backend
        self.name = f"the system keyring ({type(backend).__name__})"

    def get(self, key: str) -> str | None:
        return self._backend.get_password(SERVICE, key)  # type: ignore[attr-defined]

    def set(self, key: str, value: str) -> None:
        self._backend.set_password(SERVICE, key, value)  # type: ignore[attr-defined]

    def delete(self, key: str) -> None:
        import keyring.errors  # noqa: PLC0415

        try:
            self._backend.delete_password(SERVICE, key)  # type: ignore[attr-defined]
        except keyring.errors.PasswordDeleteError:
            pass  # nothing stored under that name: nothing to forget


def system_keyring() -> SystemKeyring | None:
    """The system keyring when a usable one exists (priority above zero), else None."""
    try:
        import keyring  # noqa: PLC0415
        from keyring.backends import fail  # noqa: PLC0415
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
        priority = float(getattr(backend, "priority", 0))
    except Exception:  # noqa: BLE001 - a broken keyring configuration means: use the file
        return None
    if isinstance(backend, fail.Keyring) or priority <= 0:
        return None
    return SystemKeyring(backend)


def secret_backend() -> SecretBackend:
    """The best place for secrets here: the system keyring, else the 0600 file."""
    if os.environ.get("DESK_KEYRING", "").lower() == "file":
        return SecretFile()
    return system_keyring() or SecretFile()


def get_secret(key: str) -> str:
    """The secret named `key` ('' when none is stored). A keyring that fails (locked, gone
    away) is passed over for the file, where `set_secret` put the secret in that case."""
    backend = secret_backend()
    try:
        value = backend.get(key)
    except Exception:  # noqa: BLE001 - any keyring failure: the file still answers
        value = None
    if value is None and not isinstance(backend, SecretFile):
        value = SecretFile().get(key)
    return value or ""


def set_secret(key: str, value: str) -> None:
    """Store `value` under `key` (an empty value forgets it); a failing keyring falls back to the file."""
    backend = secret_backend()
    try:
        _put(backend, key, value)
    except Exception:  # noqa: BLE001 - a locked or broken keyring must not lose the secret
        backend = SecretFile()
        _put(backend, key, value)
    if not isinstance(backend, SecretFile):
        SecretFile().delete(key)  # a copy left in the file from a keyring-less day goes


def _put(backend: SecretBackend, key: str, value: str) -> None:
    if value:
        backend.set(key, value)
    else:
        backend.delete(key)
