"""Sync registrations from a source into the database: idempotent upsert by registration_id."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from desk.core.attendees import Event, Flag, Registration, check_event_rules
from desk.core.categories import CategoryWords
from desk.core.errors import RowError, SourceError, SyncCancelled
from desk.core.portal import ParsedRow, Record, shown
from desk.services.registrations import gcpause
from desk.services.registrations.feed import FeedCursorRejected
from desk.services.registrations.sources import KEEP_CURSOR, Batch, Source
from desk.store import registrations as repo
from desk.store.db import Database

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass
class SyncReport:
    """What one sync did. `lines()` gives the report a person reads."""

    source: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    # rows read well but not applied (older than what is stored): counted as unchanged
    not_applied: list[RowError] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    cancelled: bool = False
    stopped: str | None = None  # why an incremental sync stopped early (applied pages stay)
    format: str = ""  # what the file was read as (desk, pretix, indico, alf.io, eventbrite, mapped)
    # words not recognised and stored under a default: (field, word, default) → [count, first lines]
    unknown: dict[tuple[str, str, str], list] = field(default_factory=dict)

    def note_unknown(self, key: tuple[str, str, str], count: int, lines: list[int]) -> None:
        """Count `count` more rows with the unrecognised word `key` (on `lines`)."""
        entry = self.unknown.setdefault(key, [0, []])
        entry[0] += count
        entry[1] = sorted({*entry[1], *lines})[:10]

    def unknown_lines(self) -> list[str]:
        """One line per distinct unrecognised word: its count and the first ten rows' lines."""
        out = []
        for (name, word, default), (count, lines) in sorted(self.unknown.items(), key=lambda kv: kv[1][1][:1]):
            where = ", ".join(str(n) for n in lines)
            rows = "1 row (line" if count == 1 else f"{count} rows (lines"
            first = ", the first ten" if count > len(lines) else ""
            out.append(f"{name} '{word}' not recognised on {rows} {where}{first}), stored as {default}")
        return out

    @property
    def rejected(self) -> int:
        return len(self.errors)

    def summary(self) -> str:
        return (f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
                f"rejected {self.rejected} rows")

    def lines(self) -> list[str]:
        """Summary line, then `row N: reason` per bad or unapplied row, then `flag: ...` per flag."""
        out = [self.summary()]
        out += [str(e) for e in sorted([*self.errors, *self.not_applied], key=lambda e: e.line)]
        out += [f"flag: {u}" for u in self.unknown_lines()]
        out += [f"flag: {r}" for r in self.remarks]
        out += [f"flag: {f}" for f in self.flags]
        return out

    def notes(self) -> list[str]:
        """What else a person should know: the columns of the source that were not stored.

        Kept apart from `lines()` (the command line prints them on stderr) so that the
        report's lines stay exactly the summary, the bad rows and the flags.
        """
        if not self.ignored_columns:
            return []
        return ["not stored (desk does not use them): " + ", ".join(self.ignored_columns)]


def _dedupe(rows: list[ParsedRow], errors: list[RowError]) -> list[ParsedRow]:
    """Keep one row per registration_id: the newest by updated_at, else the last one."""
    chosen: dict[str, ParsedRow] = {}
    for row in rows:
        rid = row.registration.registration_id
        prev = chosen.get(rid)
        if prev is None:
            chosen[rid] = row
            continue
        old, new = prev.registration.updated_at, row.registration.updated_at
        keep_new = not (old and new and new < old)
        loser, winner = (prev, row) if keep_new else (row, prev)
        errors.append(RowError(loser.line, f"registration_id {rid} appears again on row {winner.line}; "
                                           f"row {winner.line} was kept", "registration_id"))
        chosen[rid] = winner
    return list(chosen.values())


_UPDATE, _SAME, _OLDER = "update", "same", "older"


def _compare(old: Registration, row: ParsedRow) -> tuple[str, Registration]:
    """What a row means for the stored registration: an update, the same, or older than it.

    Returns the verdict and the registration to store. A stale export (older updated_at)
    never overwrites what the portal said later. A row without updated_at is the file's
    current state and is applied when it changes anything; it keeps the stored update time,
    so that an export stamped earlier still cannot undo it. Columns the source does not have
    keep their stored values (a list of ids and statuses does not erase e-mails or tickets).
    """
    new = row.registration
    if row.absent:
        new = replace(new, **{name: getattr(old, name) for name in row.absent})
    stamp = old.updated_at
    if stamp is not None:
        if new.updated_at is None:
            new = replace(new, updated_at=stamp)
        elif new.updated_at < stamp:
            differs = old.comparable()[:-1] != new.comparable()[:-1]  # all but updated_at
            return (_OLDER if differs else _SAME), new
    return (_UPDATE if old.comparable() != new.comparable() else _SAME), new


_CHUNK = 5000  # records validated before their registrations go to the store


def _changed_records(batch: Batch, stored: dict[str, str | None],
                     report: SyncReport) -> tuple[list[Record], Counter[str]]:
    """The batch's records to validate, and how often each registration_id appears in the batch.

    Records stored unchanged (same digest as last applied) are counted, not parsed; a
    registration_id that appears twice is always parsed, so duplicates are reported.
    """
    seen = Counter(r.registration.registration_id for r in batch.rows)
    seen.update(r.registration_id for r in batch.records)
    if not stored:
        return batch.records, seen
    changed = []
    for record in batch.records:
        if seen[record.registration_id] == 1 and stored.get(record.registration_id) == record.fingerprint:
            report.unchanged += 1
        else:
            changed.append(record)
    return changed, seen


def _validated(rows: list[ParsedRow], records: list[Record], seen: Counter[str],
               report: SyncReport, categories: CategoryWords) -> Iterator[tuple[list[ParsedRow], int]]:
    """Parsed `rows` and validated `records`, one row per registration_id, a chunk at a time.

    Yields each chunk with the number of records validated so far. Rows of a
    registration_id that appears more than once come last, deduplicated together.
    """
    repeated: list[ParsedRow] = []
    chunk: list[ParsedRow] = []
    for row in rows:
        (repeated if seen[row.registration.registration_id] > 1 else chunk).append(row)
    for done, record in enumerate(records, start=1):
        try:
            row = record.parse(categories)
        except RowError as err:
            report.errors.append(err)
            continue
        except Exception as exc:  # noqa: BLE001 - a value no check foresaw costs its row, not the import
            report.errors.append(RowError(record.line, f"this row could not be read ({exc.__class__.__name__})"))
            continue
        if seen[record.registration_id] > 1:
            repeated.append(row)
            continue
        chunk.append(row)
        if len(chunk) >= _CHUNK:
            yield chunk, done
            chunk = []
    if chunk:
        yield chunk, len(records)
    if repeated:
        yield _dedupe(repeated, report.errors), len(records)


def _scope(ids: list[str]) -> list[str] | None:
    # a few ids: ask for them; many: reading the whole table is cheaper than a huge IN
    return None if len(ids) > 5000 else ids


def _ticket_scope(records: list[Record], rows: list[ParsedRow]) -> list[str] | None:
    """The ticket codes this batch may store (None: too many to ask for one by one)."""
    if len(records) + len(rows) > 5000:
        return None
    codes = {r.ticket_code for r in records} | {r.registration.ticket_code for r in rows}
    codes.discard("")
    return sorted(codes)


class _TicketCodes:
    """Who holds which ticket code: stored registrations, then the rows of this sync in order.

    A code a stored registration holds stays its own for the whole sync, even when that
    registration gets another code in the same file: new rows are stored before updates, so
    handing the code on at once could break the unique index half-way. The next import of
    the file then gives it to its new holder.
    """

    def __init__(self, stored: dict[str, str]) -> None:
        self._stored = stored
        self._claimed: dict[str, tuple[str, int]] = {}

    def conflict(self, reg: Registration, line: int) -> RowError | None:
        """A RowError when the code of `reg` (on `line`) belongs to another registration; else
        None, and the code is its own from now on."""
        code, rid = reg.ticket_code, reg.registration_id
        if not code:
            return None
        holder = self._stored.get(code)
        where = ""
        if holder is None:
            claim = self._claimed.get(code)
            if claim is not None:
                holder, where = claim[0], f" (row {claim[1]})"
        if holder is not None and holder != rid:
            return RowError(line, f"ticket_code '{shown(code)}' is already the ticket of {holder}{where}; "
                                      f"{rid} cannot have it too", "ticket_code")
        self._claimed[code] = (rid, line)
        return None


def _apply(db: Database, source: Source, batch: Batch, report: SyncReport, now: dt.datetime,
           progress: Callable[[int, int], None], cancelled: Callable[[], bool], categories: CategoryWords) -> None:
    with db.begin() as session:
        wanted = [r.registration_id for r in batch.records]
        stored = repo.fingerprints(session, _scope(wanted)) if batch.records else {}
        records, seen = _changed_records(batch, stored, report)
        wanted = [r.registration_id for r in records] + [r.registration.registration_id for r in batch.rows]
        existing = repo.registrations_by_id(session, _scope(wanted)) if wanted else {}
        # read before the writer may take the connection: who holds the codes this batch brings
        tickets = _TicketCodes(repo.ticket_holders(session, _ticket_scope(records, batch.rows)) if wanted else {})
        refresh: dict[str, str] = {}
        updated: list[tuple[Registration, Registration]] = []
        added = 0
        with repo.RegistrationWriter(session, source.name, now) as writer:
            # the store keeps chunk k while chunk k+1 is validated
            for rows, validated in _validated(batch.rows, records, seen, report, categories):
                new_ones: list[Registration] = []
                digests: dict[str, str] = {}
                for row in rows:
                    new = row.registration
                    old = existing.get(new.registration_id)
                    if old is None:
                        verdict = _UPDATE
                    else:
                        verdict, new = _compare(old, row)
                    if verdict is _UPDATE:
                        conflict = tickets.conflict(new, row.line)
                        if conflict is not None:
                            report.errors.append(conflict)
                            continue
                        if row.fingerprint:
                            digests[new.registration_id] = row.fingerprint
                        if old is None:
                            new_ones.append(new)
                        else:
                            updated.append((old, new))
                    else:
                        report.unchanged += 1
                        if verdict is _OLDER:
                            report.not_applied.append(RowError(
                                row.line, f"not applied: older than the stored update ({old.updated_at:%Y-%m-%dT%H:%M})",  # type: ignore[union-attr]
                                "updated_at"))
                        elif row.fingerprint and old.comparable() == new.comparable():  # type: ignore[union-attr]
                            refresh[new.registration_id] = row.fingerprint  # the next import skips this record
                    if row.remarks:
                        report.remarks.extend(row.remarks)
                    for key in row.unknown:
                        report.note_unknown(key, 1, [row.line])
                writer.add(new_ones, digests)
                added += len(new_ones)
                if records:  # a file: the bar fills as its records are stored; Cancel undoes them all
                    progress(validated, len(records))
                    if cancelled():
                        raise SyncCancelled()
            writer.finish(updated)
        repo.set_fingerprints(session, refresh)
        if source.incremental and batch.cursor is not KEEP_CURSOR:
            repo.set_cursor(session, source.name, batch.cursor, now)  # type: ignore[arg-type]
    report.added += added
    report.updated += len(updated)


def _apply_all(db: Database, source: Source, since: str | None, report: SyncReport, clock: Clock,
               progress: Callable[[int, int], None], cancelled: Callable[[], bool],
               categories: CategoryWords) -> None:
    for batch in source.batches(since, cancelled, progress):
        report.errors.extend(batch.errors)
        report.format = report.format or batch.format
        for key, (count, lines) in batch.unknown.items():
            report.note_unknown(key, count, lines)
        report.ignored_columns = sorted(set(report.ignored_columns) | set(batch.ignored_columns))
        if cancelled():
            raise SyncCancelled()
        _apply(db, source, batch, report, clock(), progress, cancelled, categories)


def run_sync(
    db: Database, source: Source, *, clock: Clock = utc_now,
    progress: Callable[[int, int], None] = lambda done, total: None,
    cancelled: Callable[[], bool] = lambda: False,
) -> SyncReport:
    """Read `source` and upsert its registrations; return what changed.

    A file is applied in one unit of work after it was read whole: an unreadable file changes
    nothing. The feed is applied page by page, each page with its cursor, so a dead feed keeps
    the pages already applied and the next sync resumes after them.
    Raises NoEvent when the database has no event yet (nothing is read or written),
    SyncBusy when another sync runs on this database, SourceError when the source cannot
    be read at all (for the feed: before any page was applied).
    """
    report = SyncReport(source=source.name)
    with db.sync_lock(), gcpause.bulk_work():
        with db.begin() as session:
            event = repo.get_event(session)
            if event is None:  # whose registrations? say how to create the event first
                from desk.services.event import NoEvent  # noqa: PLC0415

                raise NoEvent()
            # category words are read as the event's; a map naming a category it lacks stops here
            categories = CategoryWords(event.categories)
            source.use_categories(categories)
            since = repo.get_cursor(session, source.name) if source.incremental else None
        try:
            try:
                _apply_all(db, source, since, report, clock, progress, cancelled, categories)
            except FeedCursorRejected as exc:
                # The portal forgot our position (reset, expired): start over; upserts are idempotent.
                report.remarks.append(f"{exc}; synced from the start instead")
                _apply_all(db, source, None, report, clock, progress, cancelled, categories)
            if cancelled():
                report.cancelled = True
        except SyncCancelled:
            report.cancelled = True
        except SourceError as exc:
            if not source.incremental or not (report.added or report.updated or report.unchanged):
                raise
            report.stopped = str(exc)
        with db.begin() as session:
            event = repo.get_event(session) or Event(name="", venue="", days=())
            candidates, validated = repo.rule_candidates(session, event)
            report.flags = check_event_rules(event, candidates, validated)
    return report
