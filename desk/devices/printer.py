"""Printers that take a finished badge PDF: a folder (tests, "print to file") and CUPS.

Both satisfy desk.devices.base.Printer: `is_ready()` and `print_pdf()`, which returns
JobState.DONE once the job is handed over, or raises DeviceError so the caller keeps the
job queued. CUPS is driven through its command-line clients (`lp`, `lpstat`), which every
CUPS install has; their output is parsed in the C locale.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import socket
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from desk.devices.base import DeviceError, JobState

_ENV_C = {**os.environ, "LANG": "C", "LC_ALL": "C"}
_REQUEST_ID = re.compile(r"request id is (\S+)")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _job_title(text: str) -> str:
    """A job title for `lp -t`: spaces and any letters stay, control characters go."""
    return _CONTROL.sub(" ", text).strip()[:200] or "badge"


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


def _run(args: list[str], timeout_s: float, stdin: BinaryIO | None = None) -> subprocess.CompletedProcess[str]:
    try:
        if stdin is not None:
            done = subprocess.run(args, stdin=stdin, capture_output=True, env=_ENV_C, timeout=timeout_s, check=False)
            return subprocess.CompletedProcess(args, done.returncode, done.stdout.decode(errors="replace"),
                                               done.stderr.decode(errors="replace"))
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

    def print_pdf(self, pdf: Path, copies: int = 1, title: str = "") -> JobState:
        """Hand `pdf` to CUPS; return DONE once the spooler took it. Raises DeviceError.

        `title` names the job in the queue (default: the file's stem); any characters do.
        """
        pdf = Path(pdf)
        if copies < 1:
            raise DeviceError(f"{self.name}: asked for {copies} copies")
        if not pdf.is_file():
            raise DeviceError(f"{self.name}: nothing to print, {pdf} does not exist")
        args = [self._lp, "-d", self.queue, "-n", str(copies), "-t", _job_title(title or pdf.stem)]
        if self.media:
            args += ["-o", f"media={self.media}"]
        # The PDF goes in on standard input, never as a path: CUPS 2.4.2 (Debian 12) cupsd
        # segfaults on `lp` given a file name with a space, and takes the queue with it.
        try:
            with pdf.open("rb") as data:
                result = _run(args, self.timeout_s, stdin=data)
        except OSError as exc:
            raise DeviceError(f"{self.name}: cannot read {pdf.name}: {exc.strerror}") from None
        match = _REQUEST_ID.search(result.stdout)
        if result.returncode != 0 or match is None:
            reason = (result.stderr or result.stdout).strip() or f"lp exited with {result.returncode}"
            raise DeviceError(f"printer {self.queue!r} refused the job: {reason}")
        self.last_job_id = match.group(1)
        return JobState.DONE

    def job_state(self, job_id: str) -> JobState:
        """Where a job handed to CUPS stands: QUEUED, PRINTING, DONE, or FAILED.

        FAILED means unknown, cancelled or aborted. `lpstat -W completed` lists a
        cancelled job among the completed ones and `lpstat -l` shows the same reasons for
        both, so a finished job's `job-state` is asked over IPP; when the scheduler cannot
        be reached that way, a job lpstat calls completed counts as DONE.
        """
        pending = _run([self._lpstat, "-W", "not-completed", "-o", self.queue], self.timeout_s)
        if any(line.split()[:1] == [job_id] for line in pending.stdout.splitlines()):
            active = _run([self._lpstat, "-p", self.queue], self.timeout_s)
            return JobState.PRINTING if f"now printing {job_id}" in active.stdout else JobState.QUEUED
        done = _run([self._lpstat, "-W", "completed", "-o", self.queue], self.timeout_s)
        if not any(line.split()[:1] == [job_id] for line in done.stdout.splitlines()):
            return JobState.FAILED
        number = job_id.rsplit("-", 1)[-1]
        state = ipp_job_state(self.queue, int(number), self.timeout_s) if number.isdigit() else None
        return JobState.DONE if state in (None, IPP_JOB_COMPLETED) else JobState.FAILED


# --- IPP: one request, Get-Job-Attributes, enough to tell completed from cancelled --------

IPP_JOB_CANCELED, IPP_JOB_ABORTED, IPP_JOB_COMPLETED = 7, 8, 9
_SOCKETS = ("/run/cups/cups.sock", "/var/run/cups/cups.sock")


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


def _cups_connection(timeout_s: float) -> http.client.HTTPConnection:
    """The scheduler the command-line clients use: CUPS_SERVER, its socket, or localhost:631."""
    server = os.environ.get("CUPS_SERVER", "")
    if server.startswith("/"):
        return _UnixHTTPConnection(server, timeout_s)
    if server:
        host, _, port = server.partition(":")
        return http.client.HTTPConnection(host, int(port) if port.isdigit() else 631, timeout=timeout_s)
    for path in _SOCKETS:
        if os.path.exists(path):
            return _UnixHTTPConnection(path, timeout_s)
    return http.client.HTTPConnection("localhost", 631, timeout=timeout_s)


def _ipp_attr(tag: int, name: str, value: bytes) -> bytes:
    raw = name.encode()
    return struct.pack(">BH", tag, len(raw)) + raw + struct.pack(">H", len(value)) + value


def ipp_job_state(queue: str, job_number: int, timeout_s: float = 5.0) -> int | None:
    """The IPP `job-state` of one job (3 pending ... 7 canceled, 8 aborted, 9 completed).

    Returns None when the scheduler cannot be asked or does not answer clearly.
    """
    body = (struct.pack(">BBHI", 2, 0, 0x0009, 1) + b"\x01"
            + _ipp_attr(0x47, "attributes-charset", b"utf-8")
            + _ipp_attr(0x48, "attributes-natural-language", b"en")
            + _ipp_attr(0x45, "printer-uri", f"ipp://localhost/printers/{queue}".encode())
            + _ipp_attr(0x21, "job-id", struct.pack(">i", job_number))
            + _ipp_attr(0x44, "requested-attributes", b"job-state") + b"\x03")
    connection = _cups_connection(timeout_s)
    try:
        connection.request("POST", "/", body, {"Content-Type": "application/ipp"})
        response = connection.getresponse()
        data = response.read()
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()
    if response.status != 200 or len(data) < 8 or struct.unpack(">H", data[2:4])[0] >= 0x0100:
        return None
    pos = 8
    while pos < len(data):
        tag = data[pos]
        pos += 1
        if tag < 0x10:          # a group delimiter; 0x03 ends the attributes
            if tag == 0x03:
                break
            continue
        if pos + 2 > len(data):
            break
        (name_len,) = struct.unpack(">H", data[pos:pos + 2])
        name = data[pos + 2:pos + 2 + name_len]
        pos += 2 + name_len
        (value_len,) = struct.unpack(">H", data[pos:pos + 2])
        value = data[pos + 2:pos + 2 + value_len]
        pos += 2 + value_len
        if name == b"job-state" and tag == 0x23 and value_len == 4:
            return struct.unpack(">i", value)[0]
    return None
