"""The print queue on a real database with the folder printer (and CUPS where it is installed)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil

import pytest
from pypdf import PdfReader

from desk.devices.printer import CupsPrinter, FolderPrinter, cups_available, list_cups_queues
from desk.services.badges import printing
from desk.services.badges.codes import create_event_keys, load_event_keys
from desk.services.demo.event import install_demo
from desk.services.badges.keys import key_path
from desk.store import badges as repo
from desk.store import registrations as reg_repo
from desk.store.db import open_database
from tests.services_needed import service_missing

START = dt.date(2016, 11, 30)
DESK = "desk-1"


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2016, 11, 30, 8, 0, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now


@pytest.fixture
def event(db):
    data = install_demo(db, START)
    create_event_keys(db)
    attendees = [r for r in data.registrations if r.is_attendee]
    return db, attendees


@pytest.fixture
def printer(tmp_path):
    folder = tmp_path / "printed"
    folder.mkdir()
    return FolderPrinter(folder, name="badge folder")


def names_in(pdf) -> str:
    return " ".join(page.extract_text() for page in PdfReader(pdf).pages)


def test_a_queued_badge_prints_one_pdf_and_is_logged(event, printer):
    db, people = event
    person = people[0]
    result = printing.enqueue(db, person.registration_id, desk=DESK, user="anna")
    assert result.queued and result.job.state == "queued"
    report = printing.process_queue(db, printer, desk=DESK, clock=Clock())
    assert len(report.printed) == 1 and report.waiting == 0 and not report.errors
    (pdf,) = printer.printed
    assert len(PdfReader(pdf).pages) == 1
    assert person.last_name in names_in(pdf)
    (job,) = printing.list_jobs(db)
    assert (job.state, job.attempts, job.printer, job.reprint) == ("done", 1, "badge folder", False)
    (entry,) = printing.print_log(db)
    assert (entry["registration_id"], entry["desk"], entry["user"], entry["reprint"]) == \
        (person.registration_id, DESK, "anna", False)


def test_a_dead_printer_keeps_the_job_queued_across_a_restart(event, printer, db_path):
    db, people = event
    rid = people[1].registration_id
    printing.enqueue(db, rid, desk=DESK)
    printer.dead = True
    report = printing.process_queue(db, printer, desk=DESK)
    assert not report.printer_ready and report.waiting == 1 and report.printed == []
    (job,) = printing.list_jobs(db)
    assert job.state == "queued" and "not ready" in job.error
    db.close()

    reopened = open_database(f"sqlite:///{db_path}")  # the app was restarted
    try:
        (job,) = printing.list_jobs(reopened)
        assert job.state == "queued"
        printer.dead = False
        report = printing.process_queue(reopened, printer, desk=DESK)
        assert report.printed == [job.id] and len(printer.printed) == 1
        assert printing.list_jobs(reopened)[0].error == ""
    finally:
        reopened.close()


class FlakyPrinter(FolderPrinter):
    """Says it is ready, then runs out of labels while printing."""

    def is_ready(self) -> bool:
        return True


def test_printer_failing_mid_job_leaves_it_queued_with_the_error_and_stops(event, tmp_path):
    db, people = event
    printing.enqueue_many(db, [p.registration_id for p in people[:3]], desk=DESK)
    flaky = FlakyPrinter(tmp_path / "missing-folder", name="label printer")
    report = printing.process_queue(db, flaky, desk=DESK)
    assert report.printed == [] and report.waiting == 3
    jobs = printing.list_jobs(db)
    assert [j.state for j in jobs] == ["queued"] * 3
    assert sum(j.attempts for j in jobs) == 1  # the pass stopped at the first refusal
    assert any("label printer" in j.error for j in jobs)


def test_failed_job_is_retried_and_prints(event, printer, tmp_path):
    db, people = event
    rid = people[2].registration_id
    printing.enqueue(db, rid, desk=DESK)
    moved = key_path(load_event_keys(db).event)
    hidden = tmp_path / "keys-away.json"
    shutil.move(moved, hidden)  # the signing key is not on this desk (yet)
    report = printing.process_queue(db, printer, desk=DESK)
    (job,) = printing.list_jobs(db)
    assert job.state == "failed" and "cannot make badge codes" in job.error
    assert report.failed == [job.id] and printer.printed == []
    shutil.move(hidden, moved)
    assert printing.retry(db, job.id).state == "queued"
    report = printing.process_queue(db, printer, desk=DESK)
    assert report.printed == [job.id]
    with pytest.raises(printing.PrintError, match="reprint"):
        printing.retry(db, job.id)


def test_a_reprint_needs_confirmation_and_is_marked(event, printer):
    db, people = event
    rid = people[3].registration_id
    printing.enqueue(db, rid, desk=DESK, user="anna")
    printing.process_queue(db, printer, desk=DESK)
    again = printing.enqueue(db, rid, desk=DESK, user="ben")
    assert again.needs_confirmation and again.job is None
    assert len(printing.list_jobs(db)) == 1
    confirmed = printing.enqueue(db, rid, desk=DESK, user="ben", confirm=True)
    assert confirmed.queued and confirmed.job.reprint
    printing.process_queue(db, printer, desk=DESK)
    log = printing.print_log(db, rid)
    assert [(e["user"], e["reprint"]) for e in log] == [("ben", True), ("anna", False)]


def test_asking_twice_while_queued_does_not_queue_twice(event):
    db, people = event
    rid = people[4].registration_id
    first = printing.enqueue(db, rid, desk=DESK)
    second = printing.enqueue(db, rid, desk="desk-2")
    assert second.already_queued and second.job.id == first.job.id


def test_cancel_takes_a_waiting_job_out_but_not_a_printed_one(event, printer):
    db, people = event
    job = printing.enqueue(db, people[5].registration_id, desk=DESK).job
    printing.cancel(db, job.id)
    assert printing.list_jobs(db) == []
    done = printing.enqueue(db, people[6].registration_id, desk=DESK).job
    printing.process_queue(db, printer, desk=DESK)
    with pytest.raises(printing.PrintError, match="done"):
        printing.cancel(db, done.id)


def test_a_job_interrupted_by_a_stopped_app_fails_instead_of_printing_twice(event, printer):
    db, people = event
    job = printing.enqueue(db, people[7].registration_id, desk=DESK).job
    with db.begin() as session:
        repo.set_job_state(session, job.id, "printing", dt.datetime.now(dt.timezone.utc))
    report = printing.process_queue(db, printer, desk=DESK)
    assert report.printed == [] and printer.printed == []
    (after,) = printing.list_jobs(db)
    assert after.state == "failed" and "check whether it came out" in after.error


def test_only_attendees_can_be_queued(event):
    db, _ = event
    with pytest.raises(printing.UnknownAttendees):
        printing.enqueue(db, "NOBODY", desk=DESK)
    with pytest.raises(printing.PrintError, match="layout"):
        printing.enqueue_many(db, [], desk=DESK, layout="poster")


def test_batch_reports_progress_and_stops_when_cancelled(event, printer):
    db, people = event
    printing.enqueue_many(db, [p.registration_id for p in people[:4]], desk=DESK)
    seen: list[tuple[int, int]] = []
    report = printing.process_queue(db, printer, desk=DESK, progress=lambda d, t: seen.append((d, t)),
                                    cancelled=lambda: len(seen) >= 2)
    assert report.cancelled and len(report.printed) == 2 and report.waiting == 2
    assert seen == [(1, 4), (2, 4)]


def _pdf_queue() -> str | None:
    if not cups_available():
        return None
    try:
        queues = [q for q in list_cups_queues() if q.is_pdf]
    except Exception:  # noqa: BLE001 - CUPS not answering counts as absent
        return None
    return queues[0].name if queues else None


@pytest.mark.cups
def test_prints_through_the_real_cups_stack(event):
    queue = _pdf_queue()
    if queue is None:
        service_missing("no CUPS with a cups-pdf queue on this computer")
    db, people = event
    cups = CupsPrinter(queue)
    if not cups.is_ready():
        service_missing(f"CUPS queue {queue} is not accepting jobs")
    printing.enqueue(db, people[8].registration_id, desk=DESK)
    report = printing.process_queue(db, cups, desk=DESK)
    assert len(report.printed) == 1, report.errors
    assert printing.print_log(db)[0]["printer"] == queue


def test_passes_are_bounded_and_badge_status_follows_the_queue(event, printer):
    db, people = event
    ids = [p.registration_id for p in people[:3]]
    printing.enqueue_many(db, ids, desk=DESK)
    report = printing.process_queue(db, printer, desk=DESK, max_jobs=2)
    assert len(report.printed) == 2 and report.waiting == 1
    assert printing.badge_status(db, ids + [people[3].registration_id]) == \
        {ids[0]: "printed", ids[1]: "printed", ids[2]: "queued"}


def _odd_ids(db, person) -> list[str]:
    """Store copies of `person` under registration ids no file name could carry."""
    ids = ["ECC16/0001", "../../etc/passwd", "Łódź 7\\x", "/", "-n 5 -d other"]
    copies = [dataclasses.replace(person, registration_id=rid, ticket_code=f"T-{n}", email=f"odd{n}@example.eu")
              for n, rid in enumerate(ids)]
    with db.begin() as session:
        reg_repo.store_registrations(session, copies, [], "test", dt.datetime(2016, 11, 1, tzinfo=dt.timezone.utc))
    return ids


def test_ids_with_any_character_print_through_the_queue(event, printer, tmp_path):
    db, people = event
    ids = _odd_ids(db, people[0])
    printing.enqueue_many(db, ids, desk=DESK)
    report = printing.process_queue(db, printer, desk=DESK, clock=Clock())
    assert len(report.printed) == len(ids) and not report.failed and not report.errors, report.errors
    # every PDF landed in the printer's own folder, none outside it
    assert sorted(p.parent for p in printer.printed) == [printer.folder] * len(ids)
    assert sorted(p.name for p in printer.folder.iterdir()) == sorted(p.name for p in printer.printed)
    assert not (tmp_path / "etc").exists()
    assert {e["registration_id"] for e in printing.print_log(db)} == set(ids)
    assert all(people[0].last_name in names_in(p) for p in printer.printed)


@pytest.mark.cups
def test_an_id_with_a_slash_prints_through_cups(event):
    queue = _pdf_queue()
    if queue is None:
        service_missing("no CUPS with a cups-pdf queue on this computer")
    db, people = event
    ids = _odd_ids(db, people[0])[:3]
    printing.enqueue_many(db, ids, desk=DESK)
    cups = CupsPrinter(queue)
    report = printing.process_queue(db, cups, desk=DESK)
    assert len(report.printed) == 3, report.errors
    assert cups.is_ready()
    assert {e["registration_id"] for e in printing.print_log(db)} == set(ids)
