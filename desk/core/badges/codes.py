"""Signed badge codes: issue them, and tell any scanned text's attendee or why it is refused.

A desk badge code reads ``D<version>:<REF>:<SIG>``:

- ``D`` marks a desk code, ``<version>`` is the event key version (decimal, 1-999);
- ``<REF>`` is the badge reference: 13 base32 characters of an HMAC-SHA256 of the
  registration id under the event's reference secret. It names nobody by itself; every
  station maps it back through the ``badge_ref`` column it already holds;
- ``<SIG>`` is the Ed25519 signature of ``D<version>:<REF>`` (103 base32 characters).

Everything is upper-case base32 without padding plus ``:``, so the QR stays in alphanumeric
mode: 120 characters, QR version 6 at error correction M.

Any text that does not start with ``D<digits>:`` is treated as a portal ticket code (the
registration export's own codes stay valid at the door). The two lookups are separate on
purpose: the REF is printed inside every QR, so a single lookup that accepted it as a
ticket code would let an unsigned REF in.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

MAX_CODE_CHARS = 512
"""Anything longer is refused before any decoding (hostile or garbage scans)."""
MAX_TICKET_CHARS = 256
"""Portal ticket codes are at most this long (the portal importer's limit)."""
MIN_SECRET_BYTES = 16
REF_BYTES = 8
REF_CHARS = 13
SIG_CHARS = 103
_DOMAIN = b"desk/badge-code\x00"
_REF_DOMAIN = b"desk/badge-ref\x00"

# Cheap shape checks first, so a random string never reaches base32 or the curve.
# DESK_CODE is the exact shape of a desk code (for scanners and importers that classify text).
_DESK_PREFIX = re.compile(r"D[0-9]+:")
DESK_CODE = re.compile(r"D([1-9][0-9]{0,2}):([A-Z2-7]{13}):([A-Z2-7]{103})")
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]+")


class Rejection(enum.StrEnum):
    """Why a scanned text names nobody. The values are the words the rest of desk uses."""

    MALFORMED = "malformed"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_KEY = "unknown_key"
    UNKNOWN_ATTENDEE = "unknown_attendee"


class Source(enum.StrEnum):
    """Which kind of code named the attendee."""

    DESK = "desk"
    PORTAL = "portal"


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer for one scanned text: whom it names, or why not.

    Exactly one of `registration_id` and `reason` is set.
    """

    registration_id: str | None = None
    reason: Rejection | None = None
    source: Source | None = None
    key_version: int | None = None

    @property
    def ok(self) -> bool:
        return self.registration_id is not None


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def _unb32(text: str, size: int) -> bytes | None:
    """Decode unpadded base32; None unless it is exactly the canonical spelling of `size` bytes.

    The canonical check matters: base32 ignores the spare low bits of the last character,
    so without it two different strings would carry the same signed bytes.
    """
    try:
        data = base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        return None
    if len(data) != size or _b32(data) != text:
        return None
    return data


def badge_ref(secret: bytes, registration_id: str) -> str:
    """Return the badge reference of a registration: 13 upper-case base32 characters.

    Deterministic (every desk holding the event's reference secret computes the same one)
    and one-way (the registration id cannot be read back without the secret). 64 bits make
    a clash between two registrations of one event practically impossible; the store still
    keeps the column unique. Raises ValueError for a secret shorter than 16 bytes.
    """
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"the reference secret must be at least {MIN_SECRET_BYTES} bytes")
    digest = hmac.new(secret, _REF_DOMAIN + registration_id.encode("utf-8"), hashlib.sha256).digest()
    return _b32(digest[:REF_BYTES])


def _signed_bytes(key_version: int, ref: str) -> bytes:
    return _DOMAIN + f"D{key_version}:{ref}".encode("ascii")


def issue_code(private_key: Ed25519PrivateKey, key_version: int, ref: str) -> str:
    """Return the signed badge code ``D<version>:<REF>:<SIG>`` for a badge reference.

    Raises ValueError when the version is outside 1-999 or `ref` is not a badge reference.
    """
    if not 1 <= key_version <= 999:
        raise ValueError(f"key version must be 1-999, got {key_version}")
    if _unb32(ref, REF_BYTES) is None:
        raise ValueError(f"not a badge reference: {ref!r}")
    signature = private_key.sign(_signed_bytes(key_version, ref))
    return f"D{key_version}:{ref}:{_b32(signature)}"


def looks_like_desk_code(text: str) -> bool:
    """True when `text` is in the desk code space (starts with ``D<digits>:``).

    Such text is never tried as a portal ticket code.
    """
    return _DESK_PREFIX.match(text) is not None


def verify(
    code: str,
    keys: Mapping[int, Ed25519PublicKey],
    lookup_ref: Callable[[str], str | None],
    lookup_ticket: Callable[[str], str | None],
) -> Verdict:
    """Return whom a scanned text names, or why it names nobody. Never raises on content.

    `keys` maps key versions to the event's public keys. `lookup_ref` maps a badge
    reference to a registration id, `lookup_ticket` a portal ticket code to one; both
    return None when unknown. Surrounding spaces and line ends (keyboard scanners add
    them) are ignored. Rejections: ``malformed`` (too long, control or non-ASCII
    characters, broken desk structure), ``unknown_key`` (a desk code of a key version this
    station does not hold), ``bad_signature`` (a desk code whose signature fails; it is
    never looked up), ``unknown_attendee`` (a valid code or ticket nobody holds).
    """
    if not isinstance(code, str) or len(code) > MAX_CODE_CHARS:
        return Verdict(reason=Rejection.MALFORMED)
    text = code.strip(" \t\r\n")
    if not text or _PRINTABLE_ASCII.fullmatch(text) is None:
        return Verdict(reason=Rejection.MALFORMED)
    if not looks_like_desk_code(text):
        if len(text) > MAX_TICKET_CHARS:
            return Verdict(reason=Rejection.MALFORMED)
        registration_id = lookup_ticket(text)
        if registration_id is None:
            return Verdict(reason=Rejection.UNKNOWN_ATTENDEE, source=Source.PORTAL)
        return Verdict(registration_id=registration_id, source=Source.PORTAL)
    match = DESK_CODE.fullmatch(text)
    if match is None:
        return Verdict(reason=Rejection.MALFORMED, source=Source.DESK)
    version_text, ref, sig_text = match.groups()
    version = int(version_text)
    if _unb32(ref, REF_BYTES) is None:
        return Verdict(reason=Rejection.MALFORMED, source=Source.DESK)
    signature = _unb32(sig_text, 64)
    if signature is None:
        return Verdict(reason=Rejection.MALFORMED, source=Source.DESK)
    public_key = keys.get(version)
    if public_key is None:
        return Verdict(reason=Rejection.UNKNOWN_KEY, source=Source.DESK, key_version=version)
    try:
        public_key.verify(signature, _signed_bytes(version, ref))
    except InvalidSignature:
        return Verdict(reason=Rejection.BAD_SIGNATURE, source=Source.DESK, key_version=version)
    registration_id = lookup_ref(ref)
    if registration_id is None:
        return Verdict(reason=Rejection.UNKNOWN_ATTENDEE, source=Source.DESK, key_version=version)
    return Verdict(registration_id=registration_id, source=Source.DESK, key_version=version)
