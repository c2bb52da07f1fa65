"""The station's organiser PIN: a slow hash in the config folder, and the back-off of wrong tries.

The PIN belongs to the station, not to the event: it sits beside settings.toml (`pin.json`,
mode 0600), never in the database (a hub database is shared by every station, and a purge
removes the local one). It is stored as scrypt (standard library) with a random salt and
the cost parameters next to the hash, so they can be raised later without breaking old
files. Wrong tries wait 1 s, 2 s, 4 s ... before the next is even looked at; the count and
the time of the last wrong try are in the same file, so a restart does not reset them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock

from desk.core.roles import PinRefused, backoff_s, check_new_pin

# scrypt cost: 2**15 x 8 x 1 takes ~0.25 s and 32 MiB here (benchmarks/roles.py), paid per guess
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
_SALT_BYTES, _HASH_BYTES = 16, 32


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=_HASH_BYTES,
                          maxmem=256 * n * r + 1024 * 1024)


@dataclass(frozen=True)
class PinCheck:
    """The answer to one PIN: right or not, and how long before the next try is looked at."""

    ok: bool
    wait_s: float
    reason: str


class PinStore:
    """The station's PIN file. `clock` gives wall-clock seconds (persisted back-off outlives restarts)."""

    def __init__(self, path: Path | None = None, clock: Callable[[], float] = time.time) -> None:
        if path is None:
            from desk.config import config_dir  # noqa: PLC0415

            path = config_dir() / "pin.json"
        self.path = path
        self._clock = clock
        self._lock = FileLock(str(path.with_suffix(".lock")))

    # --- the file ------------------------------------------------------------------
    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            # a damaged PIN file must not open the organiser role: refuse until set again
            raise PinRefused(f"the PIN file {self.path} is unreadable ({exc}): remove it and set the PIN again with "
                             "desk role set-pin") from None
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, Any]) -> None:
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.chmod(tmp, 0o600)
        tmp.replace(self.path)

    # --- the use cases -------------------------------------------------------------
    def is_set(self) -> bool:
        """True once a PIN was set; before that the station is in set-up (no PIN asked)."""
        try:
            return "hash" in self._read()
        except PinRefused:
            return True  # damaged: as if set, so nothing opens without one

    def set_pin(self, pin: str) -> None:
        """Store a new PIN (its scrypt hash) and forget earlier wrong tries. Raises PinRefused if too short."""
        pin = check_new_pin(pin)
        salt = secrets.token_bytes(_SALT_BYTES)
        digest = _scrypt(pin, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        with self._lock:
            self._write({"algorithm": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
                         "salt": salt.hex(), "hash": digest.hex(), "failures": 0, "last_failure": 0.0})

    def wait_s(self) -> float:
        """Seconds before the next try is looked at (0: now)."""
        data = self._read()
        return self._wait(data)

    def _wait(self, data: dict[str, Any]) -> float:
        failures = int(data.get("failures", 0))
        since = self._clock() - float(data.get("last_failure", 0.0))
        return max(0.0, backoff_s(failures) - since)

    def verify(self, pin: str) -> PinCheck:
        """Compare `pin` with the stored hash (constant time) unless a back-off is running.

        A right PIN clears the count of wrong tries; a wrong one adds to it. Before any PIN
        was set every try is right (set-up). Never raises for a wrong PIN; a damaged file
        raises PinRefused.
        """
        with self._lock:
            data = self._read()
            if "hash" not in data:
                return PinCheck(True, 0.0, "no PIN set yet: this station is in set-up")
            wait = self._wait(data)
            if wait > 0:
                return PinCheck(False, wait, f"too many wrong PINs: try again in {_seconds(wait)}")
            salt = bytes.fromhex(data["salt"])
            given = _scrypt(pin.strip(), salt, int(data["n"]), int(data["r"]), int(data["p"]))
            if hmac.compare_digest(given, bytes.fromhex(data["hash"])):
                if data.get("failures"):
                    self._write({**data, "failures": 0, "last_failure": 0.0})
                return PinCheck(True, 0.0, "PIN accepted")
            failures = int(data.get("failures", 0)) + 1
            self._write({**data, "failures": failures, "last_failure": self._clock()})
            wait = backoff_s(failures)
            return PinCheck(False, wait, f"wrong PIN: the next try in {_seconds(wait)}")


def _seconds(wait: float) -> str:
    whole = max(1, int(wait + 0.999))
    return f"{whole} s"
