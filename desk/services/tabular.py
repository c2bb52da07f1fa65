"""Reading tables from files people export: CSV in any of Excel's dialects, and XLSX.

`read_rows(path)` yields (line number, values) pairs, the header first. Line numbers are
physical line numbers in the file (header = line 1 unless a `sep=` line precedes it), so a
person can open the file and find the row; for XLSX they are the spreadsheet's row numbers.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

from desk.core.errors import SourceError

MAX_FILE_BYTES = 200 * 1024 * 1024
# Zip-bomb guards for XLSX: total inflated size and the worst compression ratio accepted.
MAX_XLSX_INFLATED = 500 * 1024 * 1024
MAX_XLSX_RATIO = 200
MAX_XLSX_PARTS = 10_000
DELIMITERS = (",", ";", "\t", "|")

csv.field_size_limit(16 * 1024 * 1024)

# A well-formed multi-byte UTF-8 sequence; cp1252 text almost never contains one.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
# Control characters no text table contains (tab, CR and LF excluded).
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f]")


class TableCutShort(SourceError):
    """The table could be read up to `line` only; rows before it are good, the rest is unread."""

    def __init__(self, line: int, last_line: int, reason: str) -> None:
        self.line = line
        self.last_line = last_line
        self.reason = reason
        super().__init__(f"line {line}: {reason}")


def decode_bytes(data: bytes) -> str:
    """Decode a CSV export: UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252.

    A file that is UTF-8 but for a few damaged bytes stays UTF-8 (the damaged bytes become
    U+FFFD, which the row validation reports) rather than turning every accent into mojibake.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    sequences = len(_UTF8_SEQUENCE.findall(data))
    if sequences and sequences >= text.count("\ufffd"):
        return text
    # Excel on EU Windows writes cp1252 (a superset of latin-1's printable range)
    return data.decode("cp1252", errors="replace")


def _pick_delimiter(header_line: str) -> str:
    counts = {d: _count_outside_quotes(header_line, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], -DELIMITERS.index(d)))
    return best if counts[best] else ","


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            count += 1
    return count


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")  # a physical line, as csv splits them


def _first_line(text: str) -> str:
    """The first line that is not blank (a header preceded by empty lines still counts)."""
    for found in _LINE.finditer(text):  # lazily: the file can be large
        line = found.group()
        if line.strip(" \r\n"):
            return line.rstrip("\r\n")
    return ""


def _ends_inside_quotes(record: str, delimiter: str) -> bool:
    """True when `record` ends inside a quoted field, following csv's non-strict rules."""
    state = 0  # 0 field start, 1 unquoted field, 2 quoted field, 3 quote seen inside quotes
    for ch in record:
        if state == 2:
            if ch == '"':
                state = 3
        elif state == 3:
            state = 2 if ch == '"' else (0 if ch in (delimiter, "\r", "\n") else 1)
        elif ch in (delimiter, "\r", "\n"):
            state = 0
        elif state == 0 and ch == '"':
            state = 2
        else:
            state = 1
    return state == 2


def parse_csv_text(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (line, fields) for each non-blank record of CSV text, header first.

    Line numbers are physical lines (CRLF, LF and a lone CR each end one), counted from the
    top of the file. Raises TableCutShort after the good records when a quoted field is never
    closed, or when the rest of the file cannot be parsed; SourceError for a binary file.
    """
    if len(_BINARY.findall(text, 0, 4096)) > min(len(text), 4096) // 20:
        raise SourceError("the file is not a text table (it looks like a binary file)")
    # Some exporters pad fields with NUL bytes; they carry nothing and break csv
    text = text.replace("\x00", "")
    offset = 0
    delimiter = None
    first = _first_line(text)
    # Excel's hint line: "sep=;" names the delimiter and is not data. Only CR/LF are
    # stripped so that "sep=<TAB>" keeps its tab.
    hint = first.strip(" ").strip('"')
    if hint.lower().startswith("sep=") and len(hint) in (4, 5):
        delimiter = hint[4:] or ","
        lines = io.StringIO(text, newline="")
        skipped = 0
        for line in lines:
            skipped += 1
            if line.strip(" \r\n"):
                break
        text = lines.read()
        offset = skipped
        first = _first_line(text)
    if delimiter is None:
        delimiter = _pick_delimiter(first)
    # Physical lines split as csv itself splits them (CR, LF, CRLF). A line without a quote
    # character is one record whose fields are the text between delimiters: split it (ten
    # times faster than csv). A line with one goes to csv, which takes as many lines as the
    # quoted fields span; `pos` always says how many lines are used up.
    lines = list(io.StringIO(text, newline=""))
    last = len(lines)
    pos = 0

    def feed() -> Iterator[str]:
        nonlocal pos
        while pos < last:
            pos += 1
            yield lines[pos - 1]

    reader = csv.reader(feed(), delimiter=delimiter, quotechar='"', skipinitialspace=False, strict=False)
    while pos < last:
        start = pos + 1
        line = lines[pos]
        if '"' not in line:
            pos += 1
            content = line.rstrip("\r\n")
            row = content.split(delimiter) if content else []
        else:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise TableCutShort(start + offset, offset + max(pos, start),
                                    f"the file is not readable as CSV from here on ({exc})") from None
            if (pos > start or pos == last) and _ends_inside_quotes("".join(lines[start - 1:pos]), delimiter):
                # csv (non-strict) swallows the rest of the file into the open field
                raise TableCutShort(start + offset, pos + offset,
                                    "a quoted field opens on this line and is never closed")
        if not row:
            continue
        head = row[0]
        if (not head or head.isspace()) and not "".join(row).strip():
            continue  # a blank record: only empty fields
        yield start + offset, row


def read_csv(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Yield (line, fields) from a CSV file; raise SourceError when it cannot be read."""
    return parse_csv_text(decode_bytes(_read_bytes(path)))


def _read_bytes(path: Path, size_only: bool = False) -> bytes:
    """The file's bytes (b"" with size_only, after the same checks); SourceError if unreadable.

    Only a regular file is read. The file is opened without blocking and its type checked on
    the open descriptor: a FIFO would otherwise wait for a writer for ever, and /dev/zero
    (size 0 to stat) would be read without end. At most MAX_FILE_BYTES + 1 bytes are read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise SourceError(f"file not found: {path}") from None
    except IsADirectoryError:
        raise SourceError(f"{path} is a folder, not a file") from None
    except PermissionError:
        raise SourceError(f"no permission to read {path}") from None
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd)
        if stat.S_ISDIR(mode.st_mode):
            raise SourceError(f"{path} is a folder, not a file")
        if not stat.S_ISREG(mode.st_mode):
            raise SourceError(f"{path} is not a regular file ({_kind_of(mode.st_mode)}); "
                              "desk imports files saved on disk")
        if mode.st_size > MAX_FILE_BYTES:
            raise SourceError(f"{path.name} is {mode.st_size // (1024 * 1024)} MB; desk reads files up to "
                              f"{MAX_FILE_BYTES // (1024 * 1024)} MB")
        if size_only:
            return b""
        os.set_blocking(fd, True)
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:  # the file grew while it was read
            raise SourceError(f"{path.name} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; "
                              f"desk reads files up to {MAX_FILE_BYTES // (1024 * 1024)} MB")
        return data
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"


def read_file_bytes(path: Path) -> bytes:
    """A regular file's bytes, up to MAX_FILE_BYTES. Raises SourceError (with the reason) otherwise."""
    return _read_bytes(Path(path))


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            total = 0
            if len(zf.infolist()) > MAX_XLSX_PARTS:
                raise SourceError(f"{path.name} holds {len(zf.infolist())} parts; refusing a possible zip bomb")
            for info in zf.infolist():
                total += info.file_size
                if info.compress_size and info.file_size / info.compress_size > MAX_XLSX_RATIO and info.file_size > 10_000_000:
                    raise SourceError(f"{path.name}: part {info.filename} inflates {info.file_size // info.compress_size}x; "
                                      "refusing a possible zip bomb")
            if total > MAX_XLSX_INFLATED:
                raise SourceError(f"{path.name} inflates to {total // (1024 * 1024)} MB; refusing a possible zip bomb")
            if "xl/workbook.xml" not in zf.namelist():
                raise SourceError(f"{path.name} is a zip file but not an Excel workbook")
    except zipfile.BadZipFile:
        raise SourceError(f"{path.name} is not a valid XLSX file (damaged or not Excel)") from None


def read_xlsx(path: Path) -> Iterator[tuple[int, list[object]]]:
    """Yield (row number, cell values) from the first sheet of an XLSX workbook.

    openpyxl parses through defusedxml when it is installed (desk depends on it), which
    refuses entity-expansion bombs; the zip container is checked before opening.
    """
    _read_bytes(path, size_only=True)  # size and readability checks with friendly messages
    _check_zip(path)
    import openpyxl  # noqa: PLC0415 - imported only when an XLSX is read (start-up time)

    # desk owns the file handle: openpyxl leaves its own open when a damaged workbook fails
    handle = path.open("rb")
    try:
        wb = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for damaged files
        handle.close()
        raise SourceError(f"{path.name} cannot be opened as a workbook: {_why(exc)}") from None

    def rows() -> Iterator[tuple[int, list[object]]]:
        try:
            ws = wb.worksheets[0]
            # Read-only mode trusts the sheet's <dimension>, which some exporters get wrong
            # (e.g. "A1"): rows and columns beyond it would be dropped without a word.
            ws.reset_dimensions()
            for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
                vals = list(values)
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in vals):
                    continue
                yield number, vals
        except Exception as exc:  # noqa: BLE001 - so does reading a damaged sheet's rows
            raise SourceError(f"{path.name} is damaged: {_why(exc)}") from None
        finally:
            wb.close()
            handle.close()

    return rows()


def _why(exc: BaseException) -> str:
    """One line saying why openpyxl failed (its messages span lines and name temp paths)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    for err in chain:
        if err.__class__.__module__.startswith("defusedxml"):
            return "it declares XML entities or DTDs, which desk refuses (a possible entity-expansion bomb)"
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{exc.__class__.__name__}: {first}"[:300]


def is_workbook(path: Path) -> bool:
    """True when the file is a zip container (an XLSX), whatever its name says."""
    try:
        with Path(path).open("rb") as fh:
            return fh.read(4).startswith(b"PK\x03\x04")
    except OSError:
        return False


def read_rows(path: Path) -> Iterator[tuple[int, list[object]]]:
    """Yield (line, values) from a CSV/TSV/TXT or XLSX file, header first.

    The format is told by content (an XLSX is a zip), not only by the file name.
    Raises SourceError when the file cannot be read at all.
    """
    path = Path(path)
    _read_bytes(path, size_only=True)
    if is_workbook(path):
        return read_xlsx(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise SourceError(f"{path.name} is not a valid XLSX file (damaged or not Excel)")
    if path.suffix.lower() == ".xls":
        raise SourceError(f"{path.name} is an old Excel 97 file; save it as .xlsx or .csv")
    return read_csv(path)
