"""Reading tables from files people export: CSV in any of Excel's dialects, and XLSX.

`read_rows(path)` yields (line number, values) pairs, the header first. Line numbers are
physical line numbers in the file (header = line 1 unless a `sep=` line precedes it), so a
person can open the file and find the row; for XLSX they are the spreadsheet's row numbers.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

from desk.core.errors import SourceError

MAX_FILE_BYTES = 200 * 1024 * 1024
# Zip-bomb guards for XLSX: total inflated size and the worst compression ratio accepted.
MAX_XLSX_INFLATED = 500 * 1024 * 1024
MAX_XLSX_RATIO = 200
DELIMITERS = (",", ";", "\t", "|")

csv.field_size_limit(16 * 1024 * 1024)


def decode_bytes(data: bytes) -> str:
    """Decode a CSV export: UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
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


def parse_csv_text(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (line, fields) for each non-blank record of CSV text, header first."""
    text = text.replace("\x00", "")
    first_line_end = text.find("\n")
    first = text if first_line_end < 0 else text[:first_line_end]
    offset = 0
    delimiter = None
    stripped = first.strip().strip('"')
    if stripped.lower().startswith("sep=") and len(stripped) in (4, 5):
        # Excel's hint line: "sep=;" names the delimiter and is not data
        delimiter = stripped[4:] or ","
        if delimiter == "\\t":
            delimiter = "\t"
        text = text[first_line_end + 1:] if first_line_end >= 0 else ""
        offset = 1
        first_line_end = text.find("\n")
        first = text if first_line_end < 0 else text[:first_line_end]
    if delimiter is None:
        delimiter = _pick_delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                        skipinitialspace=False, strict=False)
    previous_end = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise SourceError(f"line {previous_end + 1 + offset}: the file is not readable as CSV ({exc})") from None
        start = previous_end + 1
        previous_end = reader.line_num
        if not row or all(not f.strip() for f in row):
            continue
        yield start + offset, row


def read_csv(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Yield (line, fields) from a CSV file; raise SourceError when it cannot be read."""
    return parse_csv_text(decode_bytes(_read_bytes(path)))


def _read_bytes(path: Path, size_only: bool = False) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SourceError(f"{path.name} is {size // (1024 * 1024)} MB; desk reads files up to "
                              f"{MAX_FILE_BYTES // (1024 * 1024)} MB")
        return path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"file not found: {path}") from None
    except IsADirectoryError:
        raise SourceError(f"{path} is a folder, not a file") from None
    except PermissionError:
        raise SourceError(f"no permission to read {path}") from None
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            total = 0
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

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise SourceError(f"{path.name} cannot be opened as a workbook: {exc.__class__.__name__}: {exc}") from None

    def rows() -> Iterator[tuple[int, list[object]]]:
        try:
            ws = wb.worksheets[0]
            for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
                vals = list(values)
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in vals):
                    continue
                yield number, vals
        except Exception as exc:
            raise SourceError(f"{path.name} is damaged: {exc.__class__.__name__}: {exc}") from None
        finally:
            wb.close()

    return rows()


def read_rows(path: Path) -> Iterator[tuple[int, list[object]]]:
    """Yield (line, values) from a CSV/TSV/TXT or XLSX file, header first.

    The format is told by content (an XLSX is a zip), not only by the file name.
    Raises SourceError when the file cannot be read at all.
    """
    path = Path(path)
    _read_bytes(path, size_only=True)
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith(b"PK\x03\x04"):
        return read_xlsx(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise SourceError(f"{path.name} is not a valid XLSX file (damaged or not Excel)")
    if path.suffix.lower() == ".xls":
        raise SourceError(f"{path.name} is an old Excel 97 file; save it as .xlsx or .csv")
    return read_csv(path)
