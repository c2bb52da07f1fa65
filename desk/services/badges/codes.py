"""Badge codes for the event's registrations: keys, badge references, codes and verification.

The event's key file (desk.services.badges.keys) holds the reference secret and the signing
keys; the database holds only what any desk may know: the public keys and each
registration's badge reference. So a desk that only has the database (a room door) can
verify every badge, and only a desk holding the signing key can issue one.

Keys belong to one event, not to its name. The database records which key set is its
own (the key file's name, stored with the public keys); new key sets are named after the
event plus a random suffix, so a second event with the same name gets keys of its own.
A database that holds no keys never adopts a key file for signing because of a name:
it creates its keys or imports the file it is given. Key files named after the event
alone (made before) keep working for the database that recorded them.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy.orm import Session

from desk.core.attendees import Event, Registration, Status
from desk.core.badges.layout import BadgeData
from desk.core.errors import DeskError
from desk.core.text import fold
from desk.core.badges.codes import Verdict, badge_ref, issue_code, verify
from desk.services.badges.keys import EventKeys, KeyFileError, create_keys, import_keys, keys_dir, load_keys
from desk.core.categories import by_key
from desk.store import badges as repo
from desk.store import event as event_repo
from desk.store import registrations as reg_repo
from desk.store.db import Database

Clock = Callable[[], dt.datetime]


class CannotIssue(DeskError):
    """This desk holds no signing key for the event: it can verify badges but not make them."""


class NoEvent(DeskError):
    """The database has no event yet."""


class UnknownAttendees(DeskError):
    """Some asked-for registrations do not exist or are not attendees."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def key_name_for(event_name: str) -> str:
    """The name of an event's key file: its name folded to lower-case ASCII words joined by '-'
    ("European Cluster Conference 2016" → "european-cluster-conference-2016")."""
    words = re.sub(r"[^a-z0-9]+", "-", fold(event_name)).strip("-")
    return words[:64].rstrip("-_") or "event"


def key_name(event: Event) -> str:
    """The name of an event's key file (see key_name_for)."""
    return key_name_for(event.name)


def new_key_name(event: Event) -> str:
    """A name for a new key set of `event`: its key name plus a random suffix
    ("european-cluster-conference-2016-9f3a61c2"), unique to this one event."""
    return f"{key_name(event)[:55].rstrip('-_')}-{secrets.token_hex(4)}"


def verification_keys(db: Database) -> tuple[dict[int, Ed25519PublicKey], str]:
    """The public keys that check badge codes at this desk, and '' or a sentence why there are none.

    The database's keys come first (every desk sharing it can check badges); a desk whose
    database holds none uses its key file. Without keys, portal ticket codes still work.
    """
    with db.begin() as session:
        stored = repo.public_keys(session)
        event = reg_repo.get_event(session)
        name = repo.event_key_name(session)
    if stored:
        return {v: Ed25519PublicKey.from_public_bytes(base64.b64decode(raw)) for v, raw in stored.items()}, ""
    if event is None:
        return {}, "No event in this database yet: create it first (desk event create)."
    # A file found by the event's name may be another event's; it can check signatures but
    # names nobody here: this database has no keys, so none of its badge references is set.
    try:
        return dict(load_keys(name or key_name(event)).public_keys), ""
    except KeyFileError as exc:
        return {}, f"{exc} — badge codes cannot be checked until the event keys are imported"


def _event(session: Session) -> Event:
    event = reg_repo.get_event(session)
    if event is None:
        raise NoEvent("there is no event in this database yet: create it first with desk event create "
                      "--name NAME --venue VENUE --days YYYY-MM-DD,... --timezone ZONE (or run desk demo)")
    return event


def _public_b64(key: Ed25519PublicKey) -> str:
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")


def _store(db: Database, keys: EventKeys, now: dt.datetime) -> int:
    """Put the public keys into the database and fill every missing badge reference."""
    with db.begin() as session:
        stored = repo.event_key_name(session)
        if stored is not None and stored != keys.event:
            raise KeyFileError(f"this database's badges are signed with the keys of {stored!r}; the key set "
                               f"{keys.event!r} differs: it belongs to another event")
        have = repo.public_keys(session)
        for version, key in keys.public_keys.items():
            if version in have and have[version] != _public_b64(key):
                raise KeyFileError(f"key version {version} differs from the one this database holds; "
                                   "these are another event's keys")
        repo.save_public_keys(session, keys.event, {v: _public_b64(k) for v, k in keys.public_keys.items()}, now)
        return _fill(session, keys)


def _fill(session: Session, keys: EventKeys) -> int:
    missing = repo.registrations_without_ref(session)
    repo.set_badge_refs(session, {rid: badge_ref(keys.ref_secret, rid) for rid in missing})
    return len(missing)


def create_event_keys(db: Database, now: dt.datetime | None = None) -> EventKeys:
    """Make the event's keys (once per event), store the public part and fill badge references.

    Raises NoEvent before an event exists and KeyFileError when the event already has keys.
    """
    with db.begin() as session:
        stored = repo.event_key_name(session)
        name = stored or new_key_name(_event(session))
    if stored is not None:
        raise KeyFileError(f"the event already has keys ({stored!r}); not making new ones: printed badges "
                           "would stop verifying. Import the key file on this desk instead")
    keys = create_keys(name)
    _store(db, keys, now or _now())
    return keys


def ensure_event_keys(db: Database, now: dt.datetime | None = None) -> EventKeys:
    """Return this desk's keys for the event: the key file the database recorded when this
    desk has it (storing the public part and filling badge references), else, for a
    database without keys, new keys made now (never another file with the event's name).

    Raises NoEvent before an event exists, KeyFileError when the file belongs to other keys.
    """
    try:
        keys = load_event_keys(db)
    except KeyFileError:
        return create_event_keys(db, now)
    _store(db, keys, now or _now())
    return keys


def import_event_keys(db: Database, path: Path, passphrase: str | None = None,
                      now: dt.datetime | None = None) -> EventKeys:
    """Import a key file made on another desk; store its public keys and fill badge references.

    Raises KeyFileError for an unreadable file, a wrong passphrase or another event's keys.
    """
    keys = import_keys(path, passphrase)
    _store(db, keys, now or _now())
    return keys


def load_event_keys(db: Database) -> EventKeys:
    """Return this desk's keys for the database's event. Raises KeyFileError or NoEvent when absent.

    Only the key set the database recorded counts: a key file that merely carries the
    event's name may be another event's (see the module docstring).
    """
    with db.begin() as session:
        name = repo.event_key_name(session)
        event = _event(session)
    if name is None:
        raise KeyFileError(_no_keys_yet(event))
    return load_keys(name)


def _no_keys_yet(event: Event) -> str:
    stem = key_name(event)
    found = sorted(p.name for p in keys_dir().glob(f"{stem}*.json")
                   if p.stem == stem or re.fullmatch(rf"{re.escape(stem[:55].rstrip('-_'))}-[0-9a-f]{{8}}", p.stem))
    hint = ""
    if found:
        # an event's name says nothing about whose keys a file holds: name them, adopt none
        hint = (f" (this desk has key files for events named like it: {', '.join(found[:5])}; "
                "import one only if it is this very event's)")
    return ("this database's event has no badge keys yet: create them (desk keys create) or import "
            f"the event's key file (desk keys import FILE){hint}")


def signing_keys(db: Database) -> EventKeys:
    """Return keys able to issue badge codes; fill badge references of new registrations.

    Raises CannotIssue (with what to do) when this desk cannot make badge codes.
    """
    try:
        keys = load_event_keys(db)
    except KeyFileError as exc:
        raise CannotIssue(f"this desk cannot make badge codes: {exc}") from None
    if not keys.can_issue:
        raise CannotIssue("this desk holds only the public keys: it can check badges but not print them. "
                          "Import the signing key file exported from the issuing desk")
    with db.begin() as session:
        _fill(session, keys)
    return keys


def code_for(keys: EventKeys, registration_id: str) -> str:
    """The badge code (the exact QR text) of a registration; the same every time.

    Raises CannotIssue without the current signing key.
    """
    version = keys.current_version
    private = keys.private_keys.get(version)
    if private is None:
        raise CannotIssue("this desk holds no signing key for the event's current key version")
    return issue_code(private, version, badge_ref(keys.ref_secret, registration_id))


def badge_data(db: Database, keys: EventKeys, ids: Sequence[str] | None = None) -> list[BadgeData]:
    """Badges of every attendee (list order), or of the given registrations in the given order.

    Raises UnknownAttendees naming the ids that do not exist or are not validated.
    """
    with db.begin() as session:
        order = repo.attendee_ids(session) if ids is None else list(dict.fromkeys(ids))
        found = reg_repo.registrations_by_id(session, order)
        categories = by_key(event_repo.get_categories(session))
    problems = [f"{rid} (no such registration)" if rid not in found else f"{rid} ({found[rid].status})"
                for rid in order if rid not in found or found[rid].status is not Status.VALIDATED]
    if problems:
        raise UnknownAttendees(f"no badge for: {', '.join(problems[:10])}"
                               + (f" and {len(problems) - 10} more" if len(problems) > 10 else ""))
    return [BadgeData.from_registration(found[rid], code_for(keys, rid), categories) for rid in order]


def event_of(db: Database) -> Event:
    """The database's event. Raises NoEvent."""
    with db.begin() as session:
        return _event(session)


def verify_code(db: Database, code: str) -> Verdict:
    """Whom a scanned text names, or why it names nobody; uses only what the database holds.

    Never raises on the text's content.
    """
    with db.begin() as session:
        keys = {}
        for version, raw in repo.public_keys(session).items():
            keys[version] = Ed25519PublicKey.from_public_bytes(base64.b64decode(raw))

        def by_ticket(text: str) -> str | None:
            reg = reg_repo.find_by_ticket_code(session, text)
            return reg.registration_id if reg else None

        return verify(code, keys, lambda ref: repo.find_by_badge_ref(session, ref), by_ticket)


def attendee_json_codes(session: Session, registrations: Sequence[Registration]) -> dict[str, dict[str, str]]:
    """Hook for `desk attendees --json`: each registration's `badge_code`, once the event has keys.

    Empty when the event has no keys yet or this desk cannot sign.
    """
    name = repo.event_key_name(session)
    if name is None:
        return {}
    try:
        keys = load_keys(name)
    except KeyFileError:
        return {}
    if not keys.can_issue:
        return {}
    return {r.registration_id: {"badge_code": code_for(keys, r.registration_id)} for r in registrations}
