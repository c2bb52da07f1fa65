"""The print queue: badges wait in the database until a printer takes them.

A job is queued, then printing while it is handed over, then done, or failed with a
reason a desk worker can act on. A printer that is off or out of labels (a DeviceError)
leaves the job queued with the error, so it prints once the printer is back; jobs survive
an app restart because they live in the database. Every badge handed to a printer goes
into the print log (who, when, which desk); printing a badge again needs an explicit
confirmation and is marked as a reprint.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from desk.core.errors import DeskError
from desk.core.attendees import Status
from desk.devices.base import DeviceError, Printer
from desk.services.badges.codes import CannotIssue, UnknownAttendees, badge_data, event_of, signing_keys
from desk.services.badges.pdf import LAYOUTS, render_badges
from desk.services.badges.keys import EventKeys
from desk.store import badges as repo
from desk.store import registrations as reg_repo
from desk.store.badges import PrintJob
from desk.store.db import Database

Clock = Callable[[], dt.datetime]
Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]
ACTIVE = ("queued", "printing")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
INTERRUPTED = ("the desk stopped while this badge was being sent to the printer; "
               "check whether it came out, then Retry")


class PrintError(DeskError):
    """A print request that cannot be queued, retried or cancelled as asked."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True)
class EnqueueResult:
    """What asking for one badge did.

    `needs_confirmation`: the badge was printed before and nothing was queued; ask the
    person, then enqueue again with confirm=True. `already_queued`: a job for this
    registration is waiting; `job` is that job.
    """

    registration_id: str
    job: PrintJob | None
    needs_confirmation: bool = False
    already_queued: bool = False

    @property
    def queued(self) -> bool:
        return self.job is not None and not self.already_queued


def enqueue(db: Database, registration_id: str, *, desk: str, user: str = "", layout: str = "a6",
            confirm: bool = False, now: dt.datetime | None = None) -> EnqueueResult:
    """Queue the badge of one attendee; a badge printed before needs `confirm=True`.

    Raises PrintError for an unknown layout and UnknownAttendees for a registration that
    does not exist or is not validated.
    """
    return enqueue_many(db, [registration_id], desk=desk, user=user, layout=layout,
                        confirm_reprints=confirm, now=now)[0]


def enqueue_many(db: Database, ids: Sequence[str], *, desk: str, user: str = "", layout: str = "a6",
                 confirm_reprints: bool = False, now: dt.datetime | None = None) -> list[EnqueueResult]:
    """Queue badges in one unit of work and return one result per distinct id, in order.

    Badges printed before are queued as reprints only with `confirm_reprints`. Raises
    PrintError for an unknown layout and UnknownAttendees (nothing queued) when an id
    does not exist or is not validated.
    """
    if layout not in LAYOUTS:
        raise PrintError(f"no badge layout named {layout!r}; layouts: {', '.join(LAYOUTS)}")
    now = now or _now()
    order = list(dict.fromkeys(ids))
    with db.begin() as session:
        found = reg_repo.registrations_by_id(session, order)
        bad = [rid for rid in order if rid not in found or found[rid].status is not Status.VALIDATED]
        if bad:
            raise UnknownAttendees(f"no badge for: {', '.join(bad[:10])} (unknown or not a validated attendee)")
        printed = repo.printed_ids(session, order)
        waiting = {j.registration_id: j for j in repo.jobs(session, ACTIVE, desk=None, limit=100_000)
                   if j.registration_id in found}
        results = []
        for n, rid in enumerate(order):
            if rid in waiting:
                results.append(EnqueueResult(rid, waiting[rid], already_queued=True))
            elif rid in printed and not confirm_reprints:
                results.append(EnqueueResult(rid, None, needs_confirmation=True))
            else:
                # a microsecond apart: the queue prints oldest first, so a batch keeps its order
                job = repo.add_job(session, rid, layout, desk, user, reprint=rid in printed,
                                   now=now + dt.timedelta(microseconds=n))
                results.append(EnqueueResult(rid, job))
    return results


def enqueue_unprinted(db: Database, *, desk: str, user: str = "", layout: str = "a6",
                      now: dt.datetime | None = None) -> list[EnqueueResult]:
    """Queue the badge of every attendee never printed nor waiting, in list order; return the results."""
    with db.begin() as session:
        every = repo.attendee_ids(session)
        skip = repo.printed_ids(session, every)
        skip.update(j.registration_id for j in repo.jobs(session, ACTIVE, limit=100_000))
    return enqueue_many(db, [rid for rid in every if rid not in skip], desk=desk, user=user, layout=layout, now=now)


@dataclass
class ProcessReport:
    """What one pass over the queue did."""

    printed: list[str] = field(default_factory=list)   # job ids
    failed: list[str] = field(default_factory=list)
    waiting: int = 0                                   # jobs still queued for this desk
    errors: list[str] = field(default_factory=list)
    cancelled: bool = False
    printer_ready: bool = True

    def line(self) -> str:
        """One line for a status bar or the command line."""
        text = f"printed {len(self.printed)} badge(s), {len(self.failed)} failed, {self.waiting} waiting"
        if self.cancelled:
            text += " (stopped)"
        return text + (f": {self.errors[-1]}" if self.errors else "")


def recover_interrupted(db: Database, desk: str, now: dt.datetime | None = None) -> int:
    """Mark this desk's jobs left in 'printing' by a stopped app as failed; return how many.

    They are not requeued on their own: the badge may have come out, and a silent second
    copy is worse than a Retry click.
    """
    with db.begin() as session:
        stuck = repo.interrupted_jobs(session, desk)
        for job_id in stuck:
            repo.set_job_state(session, job_id, "failed", now or _now(), error=INTERRUPTED)
    return len(stuck)


def process_queue(db: Database, printer: Printer, *, desk: str, clock: Clock = _now,
                  keys: EventKeys | None = None, progress: Progress | None = None,
                  cancelled: Cancelled | None = None, max_jobs: int | None = None) -> ProcessReport:
    """Print this desk's queued badges, oldest first, one PDF per badge, and return the report.

    `max_jobs` bounds one pass, so a long batch can hand the database writer back to
    check-ins between passes. A DeviceError leaves the job queued with the error and stops the pass (the next job
    would meet the same dead printer). A job that cannot be rendered fails with the reason.
    """
    report = ProcessReport()
    recover_interrupted(db, desk, clock())
    with db.begin() as session:
        total = len(repo.jobs(session, ("queued",), desk=desk, limit=100_000))
    if max_jobs is not None:
        total = min(total, max_jobs)
    if total and not printer.is_ready():
        report.printer_ready = False
        report.errors.append(f"printer {printer.name!r} is not ready: switch it on, load labels, then retry")
        report.waiting = total
        _note_queued(db, desk, report.errors[-1], clock())
        return report
    seen: set[str] = set()
    try:
        if total:
            keys = keys or signing_keys(db)
    except CannotIssue as exc:
        report.errors.append(str(exc))
        keys = None
    event = event_of(db) if total else None
    while True:
        if cancelled is not None and cancelled():
            report.cancelled = True
            break
        if max_jobs is not None and len(seen) >= max_jobs:
            break
        with db.begin() as session:
            job = repo.next_queued(session, desk, seen)
            if job is None:
                break
            repo.set_job_state(session, job.id, "printing", clock(), printer=printer.name)
        seen.add(job.id)
        stop = _print_one(db, printer, job, keys, event, clock, report)
        if progress is not None:
            progress(len(seen), total)
        if stop:
            break
    with db.begin() as session:
        report.waiting = len(repo.jobs(session, ("queued",), desk=desk, limit=100_000))
    return report


def _print_one(db: Database, printer: Printer, job: PrintJob, keys: EventKeys | None, event,  # noqa: ANN001
               clock: Clock, report: ProcessReport) -> bool:
    """Render and send one job; record the outcome. Returns True when the pass should stop."""
    try:
        if keys is None:
            raise CannotIssue(report.errors[-1] if report.errors else "this desk cannot make badge codes")
        with tempfile.TemporaryDirectory(prefix="desk-badge-") as tmp:
            pdf = Path(tmp) / _file_name(job)
            render_badges(badge_data(db, keys, [job.registration_id]), job.layout, pdf, event)
            printer.print_pdf(pdf)
    except DeviceError as exc:
        with db.begin() as session:
            repo.set_job_state(session, job.id, "queued", clock(), error=str(exc), attempted=True)
        report.errors.append(str(exc))
        return True
    except Exception as exc:  # noqa: BLE001 - any other failure is this job's, the queue goes on
        message = str(exc) if isinstance(exc, DeskError) else f"{exc.__class__.__name__}: {exc}"
        with db.begin() as session:
            repo.set_job_state(session, job.id, "failed", clock(), error=message, attempted=True)
        report.failed.append(job.id)
        report.errors.append(message)
        return False
    with db.begin() as session:
        now = clock()
        repo.set_job_state(session, job.id, "done", now, error="", attempted=True)
        repo.add_log(session, job, printer.name, now)
    report.printed.append(job.id)
    return False


def _file_name(job: PrintJob) -> str:
    """The badge PDF's file name: one safe component whatever the registration id holds.

    An id may carry `/`, `..`, spaces or any letter, so it only lends its plain ASCII
    letters, digits, `-` and `_` (a readable hint in a print folder); the job id makes the
    name unique, so a folder printer never overwrites an earlier copy of this badge.
    """
    hint = _UNSAFE.sub("_", job.registration_id).strip("_")[:40]
    return f"badge-{hint}-{job.id[:8]}.pdf" if hint else f"badge-{job.id[:8]}.pdf"


def _note_queued(db: Database, desk: str, error: str, now: dt.datetime) -> None:
    with db.begin() as session:
        for job in repo.jobs(session, ("queued",), desk=desk, limit=100_000):
            repo.set_job_state(session, job.id, "queued", now, error=error)


def retry(db: Database, job_id: str, now: dt.datetime | None = None) -> PrintJob:
    """Put a failed (or waiting) job back in the queue, clearing its error; return it.

    Raises PrintError for an unknown job or one already done (queue a reprint instead).
    """
    with db.begin() as session:
        job = repo.get_job(session, job_id)
        if job is None:
            raise PrintError(f"no print job {job_id!r}")
        if job.state == "done":
            raise PrintError("this badge was printed already; print it again as a reprint")
        repo.set_job_state(session, job_id, "queued", now or _now(), error="")
        return repo.get_job(session, job_id)  # type: ignore[return-value]


def cancel(db: Database, job_id: str) -> None:
    """Take a job that has not printed out of the queue. Raises PrintError otherwise."""
    with db.begin() as session:
        job = repo.get_job(session, job_id)
        if job is None:
            raise PrintError(f"no print job {job_id!r}")
        if job.state in ("done", "printing"):
            raise PrintError(f"this job is {job.state}; it cannot be cancelled")
        repo.delete_job(session, job_id)


def list_jobs(db: Database, *, desk: str | None = None, states: Sequence[str] | None = None,
              limit: int = 500) -> list[PrintJob]:
    """The print jobs, newest first (optionally one desk's, or only some states)."""
    with db.begin() as session:
        return repo.jobs(session, states, desk=desk, limit=limit)


def badge_status(db: Database, ids: Sequence[str]) -> dict[str, str]:
    """For each registration that has one: "queued" (a job waits or prints) or "printed"."""
    with db.begin() as session:
        status = {rid: "printed" for rid in repo.printed_ids(session, ids)}
        wanted = set(ids)
        for job in repo.jobs(session, ACTIVE, limit=100_000):
            if job.registration_id in wanted:
                status[job.registration_id] = "queued"
    return status


def print_log(db: Database, registration_id: str | None = None, limit: int = 1000) -> list[dict[str, object]]:
    """Every print and reprint, newest first: at, desk, user, registration_id, job_id, printer, reprint."""
    with db.begin() as session:
        return repo.print_log(session, registration_id, limit)
