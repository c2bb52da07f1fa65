"""Event key files: create, load, export and import the keys that sign and check badge codes.

One event has one key set: a reference secret (for `badge_ref`) and one Ed25519 key per
key version. The issuing station holds the private keys; every other desk gets a
*station* file with the public keys and the reference secret only, enough to verify any
badge offline and compute the same badge references.

Files are JSON, kept in ``data_dir()/keys/<event>.json`` with mode 0600 in a 0700 folder.
`<event>` names one key set, not an event name: desk.services.badges.codes names a new
set after the event plus a random suffix, so two events called alike never share keys.
An export can be sealed with a passphrase (scrypt + AES-GCM) for carrying on a USB stick.
No secret is ever put into an exception message, a repr or a log line.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from desk.config import data_dir
from desk.core.errors import DeskError

FORMAT = "desk-event-keys"
SEALED_FORMAT = "desk-event-keys-sealed"
_EVENT = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_SCRYPT_N = 2**15


class KeyFileError(DeskError):
    """A key file is missing, unreadable, sealed with another passphrase, or not desk's."""


@dataclass(frozen=True)
class EventKeys:
    """The keys of one event. `private_keys` is empty on a station that only verifies."""

    event: str
    ref_secret: bytes = field(repr=False)
    public_keys: Mapping[int, Ed25519PublicKey] = field(repr=False)
    private_keys: Mapping[int, Ed25519PrivateKey] = field(default_factory=dict, repr=False)

    @property
    def current_version(self) -> int:
        """The newest key version: the one new badges are signed with."""
        return max(self.public_keys)

    @property
    def can_issue(self) -> bool:
        """True when this station holds the private key of the current version."""
        return self.current_version in self.private_keys

    def station_keys(self) -> EventKeys:
        """Return the same keys without any private key (what other desks receive)."""
        return EventKeys(self.event, self.ref_secret, dict(self.public_keys))


def keys_dir() -> Path:
    """Folder of the key files (created 0700 on demand)."""
    d = data_dir() / "keys"
    d.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(d, 0o700)
    return d


def key_path(event: str) -> Path:
    """Where the key file of `event` lives. Raises KeyFileError for an unusable event name."""
    if _EVENT.fullmatch(event) is None:
        raise KeyFileError(
            f"event name {event!r} cannot name a key file: use lower-case letters, digits, - and _"
        )
    return keys_dir() / f"{event}.json"


def create_keys(event: str) -> EventKeys:
    """Create a fresh key set (version 1) for `event`, store it 0600 and return it.

    Raises KeyFileError when the event already has a key file (keys are never overwritten:
    badges already printed would stop verifying).
    """
    path = key_path(event)
    if path.exists():
        raise KeyFileError(f"event {event!r} already has keys in {path}; not overwriting them")
    private = Ed25519PrivateKey.generate()
    keys = EventKeys(event, secrets.token_bytes(32), {1: private.public_key()}, {1: private})
    _write_private(path, _encode(keys).encode("utf-8"), exclusive=True)
    return keys


def add_key_version(keys: EventKeys) -> EventKeys:
    """Add a new signing key version (after a suspected leak), store it and return the set.

    Older versions keep verifying. Raises KeyFileError on a station without private keys.
    """
    if not keys.private_keys:
        raise KeyFileError("this desk holds only public keys; add key versions on the issuing desk")
    version = keys.current_version + 1
    private = Ed25519PrivateKey.generate()
    updated = EventKeys(
        keys.event, keys.ref_secret,
        {**keys.public_keys, version: private.public_key()},
        {**keys.private_keys, version: private},
    )
    _write_private(key_path(keys.event), _encode(updated).encode("utf-8"))
    return updated


def load_keys(event: str) -> EventKeys:
    """Return the stored keys of `event`. Raises KeyFileError when absent or unreadable."""
    path = key_path(event)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise KeyFileError(f"no keys for event {event!r}: create them or import a key file") from None
    except OSError as exc:
        raise KeyFileError(f"cannot read the key file {path}: {exc.strerror}") from None
    return _decode(raw, str(path))


def export_keys(
    keys: EventKeys, path: Path, passphrase: str | None = None, include_private: bool = False
) -> Path:
    """Write the keys to `path` (0600) for another desk and return the path.

    By default only the station part (public keys and reference secret) is written. With
    `include_private` the signing keys go too, which requires a passphrase of at least
    8 characters. Raises KeyFileError when the passphrase is missing or short.
    """
    if include_private and (passphrase is None or len(passphrase) < 8):
        raise KeyFileError("exporting the signing keys needs a passphrase of at least 8 characters")
    chosen = keys if include_private else keys.station_keys()
    payload = _encode(chosen).encode("utf-8")
    if passphrase is not None:
        payload = _seal(payload, passphrase)
    _write_private(Path(path), payload)
    return Path(path)


def import_keys(path: Path, passphrase: str | None = None) -> EventKeys:
    """Read an exported key file, store it as this desk's keys for its event and return them.

    A station file never replaces a file holding private keys of the same event. Raises
    KeyFileError for an unreadable file, a wrong or missing passphrase, or a key set that
    contradicts the keys already stored.
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise KeyFileError(f"cannot read the key file {path}: {exc.strerror}") from None
    keys = _decode(raw, str(path), passphrase)
    target = key_path(keys.event)
    if target.exists():
        current = load_keys(keys.event)
        if current.ref_secret != keys.ref_secret or any(
            _raw_public(current.public_keys[v]) != _raw_public(k)
            for v, k in keys.public_keys.items() if v in current.public_keys
        ):
            raise KeyFileError(
                f"the imported keys for {keys.event!r} differ from the ones this desk holds; "
                "remove the old key file first if that is intended"
            )
        if current.private_keys and not keys.private_keys:
            return current
    _write_private(target, _encode(keys).encode("utf-8"))
    return keys


# --- encoding ----------------------------------------------------------------------------

def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _encode(keys: EventKeys) -> str:
    entries = []
    for version in sorted(keys.public_keys):
        entry: dict[str, object] = {"version": version, "public": _b64(_raw_public(keys.public_keys[version]))}
        if version in keys.private_keys:
            entry["private"] = _b64(keys.private_keys[version].private_bytes_raw())
        entries.append(entry)
    return json.dumps(
        {"format": FORMAT, "format_version": 1, "event": keys.event,
         "ref_secret": _b64(keys.ref_secret), "keys": entries},
        indent=1,
    )


def _decode(raw: bytes, where: str, passphrase: str | None = None) -> EventKeys:
    try:
        doc = json.loads(raw)
        if isinstance(doc, dict) and doc.get("format") == SEALED_FORMAT:
            if passphrase is None:
                raise KeyFileError(f"{where} is sealed with a passphrase; enter it to import")
            doc = json.loads(_unseal(doc, passphrase))
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise KeyFileError(f"{where} is not a desk key file")
        event = str(doc["event"])
        if _EVENT.fullmatch(event) is None:
            raise KeyFileError(f"{where} names an unusable event {event!r}")
        public: dict[int, Ed25519PublicKey] = {}
        private: dict[int, Ed25519PrivateKey] = {}
        for entry in doc["keys"]:
            version = int(entry["version"])
            public[version] = Ed25519PublicKey.from_public_bytes(base64.b64decode(entry["public"], validate=True))
            if "private" in entry:
                key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(entry["private"], validate=True))
                if _raw_public(key.public_key()) != _raw_public(public[version]):
                    raise KeyFileError(f"{where}: key version {version} does not match its public key")
                private[version] = key
        secret = base64.b64decode(doc["ref_secret"], validate=True)
    except KeyFileError:
        raise
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        # the parser's message could quote file content, i.e. key material: keep it out
        raise KeyFileError(f"{where} is damaged or not a desk key file") from None
    if not public or len(secret) < 16:
        raise KeyFileError(f"{where} holds no usable keys")
    return EventKeys(event, secret, public, private)


def _kdf(salt: bytes, n: int) -> Scrypt:
    return Scrypt(salt=salt, length=32, n=n, r=8, p=1)


def _seal(payload: bytes, passphrase: str) -> bytes:
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    key = _kdf(salt, _SCRYPT_N).derive(passphrase.encode("utf-8"))
    sealed = AESGCM(key).encrypt(nonce, payload, SEALED_FORMAT.encode("ascii"))
    return json.dumps({
        "format": SEALED_FORMAT, "format_version": 1, "kdf": "scrypt", "n": _SCRYPT_N,
        "r": 8, "p": 1, "salt": _b64(salt), "nonce": _b64(nonce), "ciphertext": _b64(sealed),
    }, indent=1).encode("utf-8")


def _unseal(doc: dict, passphrase: str) -> bytes:
    n = int(doc["n"])
    if n > 2**20:
        raise KeyFileError("the key file asks for an unreasonable amount of work; refusing it")
    key = _kdf(base64.b64decode(doc["salt"]), n).derive(passphrase.encode("utf-8"))
    try:
        return AESGCM(key).decrypt(
            base64.b64decode(doc["nonce"]), base64.b64decode(doc["ciphertext"]),
            SEALED_FORMAT.encode("ascii"),
        )
    except InvalidTag:
        raise KeyFileError("wrong passphrase, or the key file was altered") from None


def _write_private(path: Path, payload: bytes, exclusive: bool = False) -> None:
    """Write `payload` readable by its owner only, atomically (a sibling, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        if exclusive:
            # link() fails when the target exists: two desks creating keys at once cannot both win
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise KeyFileError(f"{path} already exists; not overwriting it") from None
            finally:
                tmp.unlink(missing_ok=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
