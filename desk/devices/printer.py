"""Printers that take a finished badge PDF: a folder (tests, "print to file") and CUPS.

Both satisfy desk.devices.base.Printer: `is_ready()` and `print_pdf()`, which returns
JobState.DONE once the job is handed over, or raises DeviceError so the caller keeps the
job queued. CUPS is driven through its command-line clients (`lp`, `lpstat`), which every
CUPS install has; their output is parsed in the C locale.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from desk.devices.base import DeviceError, JobState

_ENV_C = {**os.environ, "LANG": "C", "LC_ALL": "C"}
_REQUEST_ID = re.compile(r"request id is (\S+)")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class FolderPrinter:
    """Writes each job as a PDF file into a folder: the test double and "print to file".

    It is not ready, and `print_pdf` raises DeviceError, when the folder is missing or
    not writable, or while `dead` is set (a test switches a printer off with it).
    """

    def __init__(self, folder: Path, name: str = "folder", dead: bool = False) -> None:
        self.folder = Path(folder)
        self.name = name
        self.dead = dead
        self.printed: list[Path] = []
        self._jobs = 0

    def is_ready(self) -> bool:
        return (not self.dead and self.folder.is_dir()
                and os.access(self.folder, os.W_OK | os.X_OK))

    def print_pdf(self, pdf: Path, copies: int = 1) -> JobState:
        """Copy `pdf` into the folder once per copy; return DONE. Raises DeviceError."""
        if copies < 1:
            raise DeviceError(f"{self.name}: asked for {copies} copies")
        if not self.is_ready():
            raise DeviceError(f"printer {self.name!r} is off: the folder {self.folder} is missing or read-only")
        pdf = Path(pdf)
        if not pdf.is_file():
            raise DeviceError(f"{self.name}: nothing to print, {pdf} does not exist")
        stem = _SAFE_NAME.sub("_", pdf.stem) or "badge"
        self._jobs += 1
        try:
            for copy in range(1, copies + 1):
                target = self.folder / f"{stem}-{self._jobs:05d}-{copy}.pdf"
                # write a hidden sibling, then rename: a watcher never sees half a PDF
                tmp = self.folder / f".{target.name}.{secrets.token_hex(3)}.part"
                shutil.copyfile(pdf, tmp)
                os.replace(tmp, target)
                self.printed.append(target)
        except OSError as exc:
            raise DeviceError(f"printer {self.name!r} cannot write into {self.folder}: {exc.strerror}") from None
        return JobState.DONE


@dataclass(frozen=True)
class CupsQueue:
    """One CUPS destination as `lpstat -v` lists it."""

    name: str
    uri: str

    @property
    def is_pdf(self) -> bool:
        """True for a cups-pdf queue (it writes files instead of paper)."""
        return self.uri.startswith("cups-pdf:")


def _run(args: list[str], timeout_s: float) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(args, capture_output=True, text=True, env=_ENV_C, timeout=timeout_s, check=False)
    except FileNotFoundError:
        raise DeviceError(f"CUPS is not installed on this computer (no '{args[0]}' command)") from None
    except subprocess.TimeoutExpired:
        raise DeviceError(f"CUPS did not answer within {timeout_s:g} s ({args[0]})") from None
    except OSError as exc:
        raise DeviceError(f"cannot run {args[0]}: {exc.strerror}") from None


def cups_available(lpstat: str = "lpstat") -> bool:
    """True when the CUPS command-line clients are installed."""
    return shutil.which(lpstat) is not None and shutil.which("lp") is not None


def list_cups_queues(lpstat: str = "lpstat", timeout_s: float = 5.0) -> list[CupsQueue]:
    """Return the CUPS queues of this computer (empty when there are none).

    Raises DeviceError when CUPS is not installed or does not answer.
    """
    result = _run([lpstat, "-v"], timeout_s)
    queues = []
    for line in result.stdout.splitlines():
        # "device for DESK_PDF: cups-pdf:/"
        match = re.match(r"device for (\S+?):\s*(\S*)", line)
        if match:
            queues.append(CupsQueue(match.group(1), match.group(2)))
    return queues


class CupsPrinter:
    """A CUPS queue: `lp -d NAME -o media=...` prints, `lpstat` tells whether it is ready."""

    def __init__(self, queue: str, media: str = "A6", timeout_s: float = 10.0,
                 lp: str = "lp", lpstat: str = "lpstat") -> None:
        if not queue or _SAFE_NAME.search(queue):
            raise DeviceError(f"{queue!r} is not a CUPS queue name")
        self.name = queue
        self.queue = queue
        self.media = media
        self.timeout_s = timeout_s
        self._lp, self._lpstat = lp, lpstat
        self.last_job_id: str | None = None

    def is_ready(self) -> bool:
        """True when the queue exists, is enabled and accepts jobs. Never raises."""
        try:
            printer = _run([self._lpstat, "-p", self.queue], self.timeout_s)
            accepting = _run([self._lpstat, "-a", self.queue], self.timeout_s)
        except DeviceError:
            return False
        return (printer.returncode == 0 and " disabled " not in f" {printer.stdout} "
                and accepting.returncode == 0 and "not accepting" not in accepting.stdout
                and "accepting" in accepting.stdout)

    def print_pdf(self, pdf: Path, copies: int = 1) -> JobState:
        """Hand `pdf` to CUPS; return DONE once the spooler took it. Raises DeviceError."""
        pdf = Path(pdf)
        if copies < 1:
            raise DeviceError(f"{self.name}: asked for {copies} copies")
        if not pdf.is_file():
            raise DeviceError(f"{self.name}: nothing to print, {pdf} does not exist")
        args = [self._lp, "-d", self.queue, "-n", str(copies), "-t", _SAFE_NAME.sub("_", pdf.stem)]
        if self.media:
            args += ["-o", f"media={self.media}"]
        result = _run([*args, "--", str(pdf)], self.timeout_s)
        match = _REQUEST_ID.search(result.stdout)
        if result.returncode != 0 or match is None:
            reason = (result.stderr or result.stdout).strip() or f"lp exited with {result.returncode}"
            raise DeviceError(f"printer {self.queue!r} refused the job: {reason}")
        self.last_job_id = match.group(1)
        return JobState.DONE

    def job_state(self, job_id: str) -> JobState:
        """Where a job handed to CUPS stands: QUEUED, PRINTING, DONE or FAILED (unknown job)."""
        pending = _run([self._lpstat, "-W", "not-completed", "-o", self.queue], self.timeout_s)
        if any(line.split()[:1] == [job_id] for line in pending.stdout.splitlines()):
            active = _run([self._lpstat, "-p", self.queue], self.timeout_s)
            return JobState.PRINTING if f"now printing {job_id}" in active.stdout else JobState.QUEUED
        done = _run([self._lpstat, "-W", "completed", "-o", self.queue], self.timeout_s)
        if any(line.split()[:1] == [job_id] for line in done.stdout.splitlines()):
            return JobState.DONE
        return JobState.FAILED
