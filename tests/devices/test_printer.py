"""Printers: the folder printer as the working test double, and the real CUPS queue."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from desk.core.attendees import Category, Event
from desk.core.badges.layout import BadgeData
from desk.devices.base import DeviceError, JobState, Printer
from desk.devices.printer import CupsPrinter, FolderPrinter, cups_available, list_cups_queues
from desk.services.badges.pdf import render_badges
from tests.services_needed import service_missing

_C = {**os.environ, "LANG": "C", "LC_ALL": "C"}
EVENT = Event("European Cluster Conference 2016", "Brussels", (dt.date(2016, 11, 30),))


@pytest.fixture
def badge_pdf(tmp_path) -> Path:
    badge = BadgeData("R1", "Łucja", "Dvořák", "Org", "PL", Category.SPEAKER, (), "PORTAL-1")
    path = tmp_path / "badge R1.pdf"
    render_badges([badge, badge], "a6", path, EVENT)
    return path


def test_both_printers_satisfy_the_protocol(tmp_path):
    assert isinstance(FolderPrinter(tmp_path), Printer)
    assert isinstance(CupsPrinter("DESK_PDF"), Printer)


def test_folder_printer_writes_each_copy(tmp_path, badge_pdf):
    out = tmp_path / "tray"
    out.mkdir()
    printer = FolderPrinter(out, name="tray")
    assert printer.is_ready()
    assert printer.print_pdf(badge_pdf, copies=2) is JobState.DONE
    files = sorted(out.iterdir())
    assert [f.name for f in files] == ["badge_R1-00001-1.pdf", "badge_R1-00001-2.pdf"]
    assert all(f.read_bytes() == badge_pdf.read_bytes() for f in files)
    assert printer.print_pdf(badge_pdf) is JobState.DONE
    assert len(printer.printed) == 3 and len(list(out.iterdir())) == 3


def test_dead_folder_printer_raises(tmp_path, badge_pdf):
    printer = FolderPrinter(tmp_path / "unplugged")
    assert not printer.is_ready()
    with pytest.raises(DeviceError, match="off"):
        printer.print_pdf(badge_pdf)
    switched_off = FolderPrinter(tmp_path, dead=True)
    assert not switched_off.is_ready()
    with pytest.raises(DeviceError):
        switched_off.print_pdf(badge_pdf)
    switched_off.dead = False
    assert switched_off.print_pdf(badge_pdf) is JobState.DONE


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders anyway")
def test_read_only_folder_is_not_ready(tmp_path, badge_pdf):
    tmp_path.chmod(0o500)
    try:
        assert not FolderPrinter(tmp_path).is_ready()
    finally:
        tmp_path.chmod(0o700)


def test_folder_printer_refuses_missing_file_and_zero_copies(tmp_path, badge_pdf):
    printer = FolderPrinter(tmp_path)
    with pytest.raises(DeviceError, match="does not exist"):
        printer.print_pdf(tmp_path / "nope.pdf")
    with pytest.raises(DeviceError, match="copies"):
        printer.print_pdf(badge_pdf, copies=0)


def test_cups_printer_without_cups_is_a_device_error(tmp_path, badge_pdf):
    printer = CupsPrinter("DESK_PDF", lp=str(tmp_path / "no-lp"), lpstat=str(tmp_path / "no-lpstat"))
    assert not printer.is_ready()
    with pytest.raises(DeviceError, match="not installed"):
        printer.print_pdf(badge_pdf)
    with pytest.raises(DeviceError, match="not installed"):
        list_cups_queues(lpstat=str(tmp_path / "no-lpstat"))


def test_queue_names_are_checked():
    with pytest.raises(DeviceError):
        CupsPrinter("-o evil")


def _pdf_queue() -> str:
    if not cups_available():
        service_missing("CUPS command-line clients (lp, lpstat) are not installed")
    try:
        queues = [q for q in list_cups_queues() if q.is_pdf]
    except DeviceError as exc:
        service_missing(f"CUPS does not answer: {exc}")
    if not queues:
        service_missing("no cups-pdf queue on this computer (lpadmin -p DESK_PDF -v cups-pdf:/ ...)")
    return queues[0].name


def _output_dirs() -> list[Path]:
    dirs = {Path.home() / "PDF", Path("/root/PDF"), Path("/var/spool/cups-pdf/ANONYMOUS")}
    return sorted(d.resolve() for d in dirs)


@pytest.mark.cups
def test_cups_pdf_queue_prints_a_badge(badge_pdf):
    queue = _pdf_queue()
    printer = CupsPrinter(queue, media="A6")
    assert printer.is_ready()
    assert printer.print_pdf(badge_pdf) is JobState.DONE
    job = printer.last_job_id
    assert job and job.startswith(f"{queue}-")
    # cups-pdf converts within a second or two; lpstat itself paces this loop
    deadline = dt.datetime.now() + dt.timedelta(seconds=30)
    state = printer.job_state(job)
    while state in (JobState.QUEUED, JobState.PRINTING) and dt.datetime.now() < deadline:
        state = printer.job_state(job)
    assert state is JobState.DONE
    number = job.rsplit("-", 1)[1]
    outputs = [p for d in _output_dirs() if d.is_dir() for p in d.glob(f"*job_{number}.pdf")]
    if outputs:
        # cups-pdf re-distils the file: the text is checked on desk's own PDF, pages here
        try:
            assert len(PdfReader(outputs[0]).pages) == 2
        finally:
            for p in outputs:
                p.unlink(missing_ok=True)
    assert printer.job_state(f"{queue}-999999") is JobState.FAILED


@pytest.mark.cups
def test_cups_keeps_running_after_a_title_with_spaces_and_slashes(badge_pdf):
    queue = _pdf_queue()
    printer = CupsPrinter(queue, media="A6")
    assert printer.print_pdf(badge_pdf, title="badge ECC/16 0001 Łucja") is JobState.DONE
    running = subprocess.run(["lpstat", "-r"], check=False, capture_output=True, text=True, env=_C)
    assert "is running" in running.stdout
    assert printer.is_ready()
    assert _wait(printer, printer.last_job_id) is JobState.DONE
    _remove_output(printer.last_job_id)


@pytest.mark.cups
def test_a_cancelled_cups_job_is_not_done(badge_pdf):
    queue = _pdf_queue()
    printer = CupsPrinter(queue)
    with badge_pdf.open("rb") as data:
        held = subprocess.run(["lp", "-d", queue, "-H", "hold", "-t", "held badge"], stdin=data,
                              capture_output=True, text=True, env=_C, check=True)
    job = held.stdout.split("request id is ", 1)[1].split()[0]
    assert printer.job_state(job) is JobState.QUEUED
    subprocess.run(["cancel", job], check=True, env=_C)
    assert _wait(printer, job) is JobState.FAILED


def _wait(printer: CupsPrinter, job: str | None, timeout_s: float = 30) -> JobState:
    assert job
    deadline = dt.datetime.now() + dt.timedelta(seconds=timeout_s)
    state = printer.job_state(job)
    while state in (JobState.QUEUED, JobState.PRINTING) and dt.datetime.now() < deadline:
        state = printer.job_state(job)
    return state


def _remove_output(job: str | None) -> None:
    for d in _output_dirs():
        for p in d.glob(f"*job_{str(job).rsplit('-', 1)[1]}.pdf") if d.is_dir() else []:
            p.unlink(missing_ok=True)


@pytest.mark.cups
def test_unknown_cups_queue_is_not_ready_and_refuses(badge_pdf):
    _pdf_queue()
    printer = CupsPrinter("DESK_NO_SUCH_QUEUE")
    assert not printer.is_ready()
    with pytest.raises(DeviceError, match="refused"):
        printer.print_pdf(badge_pdf)


def test_cups_printer_hands_the_pdf_on_stdin_never_as_a_path(tmp_path, badge_pdf):
    # CUPS 2.4.2 cupsd segfaults on `lp` given a file name with a space: no path may reach lp
    seen = tmp_path / "seen"
    fake = tmp_path / "lp"
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {seen}.args\ncat > {seen}.pdf\n'
                    'echo "request id is DESK_PDF-41 (0 file(s))"\n')
    fake.chmod(0o755)
    printer = CupsPrinter("DESK_PDF", lp=str(fake))
    assert printer.print_pdf(badge_pdf, copies=2, title="badge ECC/16 R1\x07") is JobState.DONE
    assert printer.last_job_id == "DESK_PDF-41"
    args = Path(f"{seen}.args").read_text().splitlines()
    assert args == ["-d", "DESK_PDF", "-n", "2", "-t", "badge ECC/16 R1", "-o", "media=A6"]
    assert not any(str(badge_pdf.parent) in a or a.endswith(".pdf") for a in args)
    assert Path(f"{seen}.pdf").read_bytes() == badge_pdf.read_bytes()


def test_cups_printer_reports_lp_refusal_and_unreadable_file(tmp_path, badge_pdf):
    fake = tmp_path / "lp"
    fake.write_text('#!/bin/sh\ncat >/dev/null\necho "lp: The printer or class does not exist." >&2\nexit 1\n')
    fake.chmod(0o755)
    with pytest.raises(DeviceError, match="refused the job: lp: The printer or class does not exist"):
        CupsPrinter("DESK_PDF", lp=str(fake)).print_pdf(badge_pdf)
    unreadable = tmp_path / "a dir.pdf"
    unreadable.mkdir()
    with pytest.raises(DeviceError):
        CupsPrinter("DESK_PDF", lp=str(fake)).print_pdf(unreadable)


def test_list_queues_parses_lpstat(tmp_path):
    fake = tmp_path / "lpstat"
    fake.write_text("#!/bin/sh\necho 'device for DESK_PDF: cups-pdf:/'\necho 'device for Office: ipp://10.0.0.5/ipp'\n")
    fake.chmod(0o755)
    queues = list_cups_queues(lpstat=str(fake))
    assert [(q.name, q.is_pdf) for q in queues] == [("DESK_PDF", True), ("Office", False)]


# --- Qt printing ---------------------------------------------------------------------------

def test_qt_printer_paints_every_page_at_its_size(qapp, tmp_path, badge_pdf):
    import cv2

    from desk.devices.decoder import ZxingDecoder
    from desk.devices.qtprinter import QtPrinter

    out = tmp_path / "qt-out.pdf"
    printer = QtPrinter("preview", dpi=200, output_pdf=out)
    assert printer.is_ready()
    assert printer.print_pdf(badge_pdf, copies=2) is JobState.DONE
    pages = PdfReader(out).pages
    assert len(pages) == 4
    for page in pages:
        assert float(page.mediabox.width) * 25.4 / 72 == pytest.approx(105, abs=0.5)
        assert float(page.mediabox.height) * 25.4 / 72 == pytest.approx(148, abs=0.5)
    subprocess.run(["pdftoppm", "-gray", "-png", "-r", "150", "-f", "1", "-l", "1", str(out),
                    str(tmp_path / "scan")], check=True)
    image = cv2.imread(str(next(tmp_path.glob("scan*.png"))), cv2.IMREAD_GRAYSCALE)
    assert [d.text for d in ZxingDecoder(half_first=False).decode(image)] == ["PORTAL-1"]


def test_qt_printer_refuses_a_broken_pdf(qapp, tmp_path):
    from desk.devices.qtprinter import QtPrinter

    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(DeviceError):
        QtPrinter("preview", output_pdf=tmp_path / "o.pdf").print_pdf(broken)
    with pytest.raises(DeviceError):
        QtPrinter("preview", output_pdf=tmp_path / "o.pdf").print_pdf(broken, copies=0)


@pytest.mark.cups
def test_qt_lists_the_cups_queue_and_hands_it_the_pdf(qapp, badge_pdf):
    from desk.devices.qtprinter import QtPrinter, system_printers

    queue = _pdf_queue()
    assert queue in system_printers()
    printer = QtPrinter(queue)
    assert printer.is_ready()
    assert printer.print_pdf(badge_pdf) is JobState.DONE
    job = printer._cups.last_job_id
    assert job and job.startswith(f"{queue}-")
    state = printer._cups.job_state(job)
    deadline = dt.datetime.now() + dt.timedelta(seconds=30)
    while state in (JobState.QUEUED, JobState.PRINTING) and dt.datetime.now() < deadline:
        state = printer._cups.job_state(job)
    for d in _output_dirs():
        for p in d.glob(f"*job_{job.rsplit('-', 1)[1]}.pdf") if d.is_dir() else []:
            p.unlink(missing_ok=True)
    assert state is JobState.DONE
