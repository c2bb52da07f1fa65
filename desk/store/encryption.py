"""Encryption at rest of the local database: SQLCipher through the `sqlcipher3` module
(the `sqlcipher3-wheels` package, SQLCipher 4 built in, a wheel for each platform).

An encrypted file is an ordinary desk database to SQLAlchemy: the engine uses the pysqlite
dialect with sqlcipher3's DB-API module, and every new connection gives the key before
anything else (then desk's usual pragmas: foreign keys, WAL, full sync, busy timeout).

SQLCipher would derive the key from the passphrase on every new connection (PBKDF2, about
half a second here), and a worker thread's first scan would wait for it. desk derives it
once per process instead, exactly as SQLCipher 4 does (PBKDF2-HMAC-SHA512, 256,000
iterations, the file's own 16-byte salt from its first bytes), and gives each connection the
raw key: the file still opens with the passphrase in any SQLCipher 4 tool.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import secrets
from pathlib import Path
from types import ModuleType
from typing import BinaryIO

from desk.core.errors import DeskError

SQLITE_MAGIC = b"SQLite format 3\x00"
KDF_ITERATIONS = 256_000  # SQLCipher 4's default for a passphrase
SALT_BYTES = 16


class WrongKey(DeskError):
    """The key given does not open the encrypted database; the file was not changed."""


class EncryptionUnavailable(DeskError):
    """SQLCipher is not installed, or the file cannot be encrypted as asked."""


def dbapi() -> ModuleType:
    """sqlcipher3's DB-API module. Raises EncryptionUnavailable when it is not installed."""
    try:
        from sqlcipher3 import dbapi2  # noqa: PLC0415 - only an encrypted station loads SQLCipher
    except ImportError:
        raise EncryptionUnavailable("encrypted databases need the sqlcipher3-wheels package: "
                                    "pip install sqlcipher3-wheels") from None
    return dbapi2


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@functools.lru_cache(maxsize=8)
def _derive(passphrase: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha512", passphrase.encode("utf-8"), salt, KDF_ITERATIONS, 32)


def raw_key(passphrase: str, salt: bytes) -> str:
    """The SQLCipher raw key (x'key salt' in hex) of `passphrase` for a file with `salt`;
    derived once per process and passphrase."""
    return f"\"x'{_derive(passphrase, salt).hex()}{salt.hex()}'\""


def file_salt(path: Path | None) -> bytes:
    """The salt of an encrypted file (its first 16 bytes); a new random one for a new file."""
    if path is not None and not is_plain_sqlite(path):
        try:
            with path.open("rb") as fh:
                head = fh.read(SALT_BYTES)
        except OSError:
            head = b""
        if len(head) == SALT_BYTES:
            return head
    return secrets.token_bytes(SALT_BYTES)


def apply_key(dbapi_connection: object, key: str) -> None:
    """Give the raw key `key` (from raw_key) to a fresh SQLCipher connection, before any other
    statement.

    SQLCipher's own error log goes to stderr by default ("hmac check failed" on a wrong key):
    desk reports a wrong key in one sentence of its own, so that log is switched off.
    """
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA cipher_log_level = NONE")
    cursor.execute(f"PRAGMA key = {key}")
    cursor.close()


def is_plain_sqlite(path: Path) -> bool:
    """True when `path` starts with the plain SQLite header (an unencrypted database)."""
    try:
        with path.open("rb") as fh:
            return fh.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def check_key(path: Path, key: str) -> set[str]:
    """Open the encrypted file read-only with `key`; return its table names.

    Raises DatabaseKeyWrong when the key does not open it (nothing is written to the file),
    EncryptionUnavailable when the file is a plain SQLite database.
    """
    if is_plain_sqlite(path):
        raise EncryptionUnavailable(
            f"{path} is not encrypted, but a database key was given: open it without DESK_DB_KEY, "
            "or encrypt it first with `desk db encrypt`")
    module = dbapi()
    conn = module.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        apply_key(conn, raw_key(key, file_salt(path)))
        return {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except module.Error as exc:
        if "not a database" in str(exc):
            raise WrongKey(f"the database key is wrong: it does not open {path}; "
                           "the file was left as it was") from None
        raise EncryptionUnavailable(f"cannot open {path}: {exc}") from None
    finally:
        conn.close()


def encrypt_file(path: Path, key: str) -> Path:
    """Convert the plain desk database at `path` into an encrypted one with `key`, in place.

    The encrypted copy is written beside the file (sqlcipher_export), checked with the key,
    then renamed over it; the plain file's bytes and its -wal/-shm files are overwritten and
    removed. Returns `path`. Raises EncryptionUnavailable when the file is not a plain SQLite
    database or the key is empty; nothing is changed then.
    """
    if not key:
        raise EncryptionUnavailable("an empty database key encrypts nothing: give a key in DESK_DB_KEY")
    if not is_plain_sqlite(path):
        raise EncryptionUnavailable(f"{path} is not a plain SQLite database (already encrypted, or not desk's)")
    module = dbapi()
    target = path.with_name(f".{path.name}.{secrets.token_hex(4)}.encrypting")
    conn = module.connect(str(path))
    try:
        # the WAL's pages belong in the file before it is copied
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute(f"ATTACH DATABASE {_quoted(str(target))} AS encrypted "
                     f"KEY {raw_key(key, secrets.token_bytes(SALT_BYTES))}")
        conn.execute("SELECT sqlcipher_export('encrypted')")
        conn.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        conn.execute("DETACH DATABASE encrypted")
        conn.execute("PRAGMA journal_mode = DELETE")  # leaves no -wal/-shm beside the plain file
    except module.Error as exc:
        with contextlib.suppress(OSError):
            target.unlink()
        raise EncryptionUnavailable(f"cannot encrypt {path}: {exc}") from None
    finally:
        conn.close()
    check_key(target, key)
    with path.open("r+b") as plain:
        os.replace(target, path)
        _zero(plain)  # the plain file's blocks, now that the encrypted file has its name
    for side in ("-wal", "-shm", "-journal"):
        wipe(path.with_name(path.name + side))
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + side).unlink()
    return path


def wipe(path: Path) -> None:
    """Write zeros over a file's bytes (best effort: a copy-on-write or flash file system may
    keep old blocks); a missing file is fine."""
    try:
        with path.open("r+b") as fh:
            _zero(fh)
    except OSError:
        pass  # a missing or read-only file: its removal reports the problem, if any


def _zero(fh: BinaryIO) -> None:
    fh.seek(0, os.SEEK_END)
    left = fh.tell()
    fh.seek(0)
    chunk = b"\0" * (1 << 20)
    while left > 0:
        step = min(left, len(chunk))
        fh.write(chunk[:step])
        left -= step
    fh.flush()
    os.fsync(fh.fileno())
