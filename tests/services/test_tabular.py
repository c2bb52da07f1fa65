"""The CSV reader against Python's own csv writer, in every dialect Excel and portals write."""

from __future__ import annotations

import codecs
import csv
import io
import re
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desk.core.errors import SourceError
from desk.services import tabular

HEADER = ["registration_id", "first_name", "organisation", "notes"]
# Latin with accents, Greek, Cyrillic, and everything that makes CSV hard.
UNICODE_CHARS = string.ascii_letters + string.digits + " ,;\t|\"'\n\r-_.@" + "éüßøłŁÅçñ" + "ΔηΣσ" + "ЖжЙй"
# cp1252 cells use only letters whose bytes never form a UTF-8 sequence (a cp1252 file that is
# also valid UTF-8 is read as UTF-8, as it should be).
CP1252_CHARS = string.ascii_letters + string.digits + " ,;\t|\"'\n\r-_.@" + "àâçèéêëîïôöùûüÿ"
_BREAK = re.compile(r"\r\n|\r|\n")


def _cell(chars: str) -> st.SearchStrategy[str]:
    return st.text(alphabet=chars, max_size=12)


@st.composite
def tables(draw: st.DrawFn) -> tuple[str, str, str, bool, list[list[str]]]:
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    chars = CP1252_CHARS if encoding == "cp1252" else UNICODE_CHARS
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    eol = draw(st.sampled_from(["\r\n", "\n"]))
    hint = draw(st.booleans())
    # the first cell is never blank: a record of blank cells is a blank line and is skipped
    first = st.text(alphabet=chars, min_size=1, max_size=8).filter(lambda s: s.strip() != "")
    rows = draw(st.lists(st.tuples(first, _cell(chars), _cell(chars), _cell(chars)).map(list),
                         min_size=1, max_size=6))
    return encoding, delimiter, eol, hint, rows


def _write(encoding: str, delimiter: str, eol: str, hint: bool, rows: list[list[str]]) -> tuple[bytes, list[int]]:
    """The file's bytes and the physical line on which each record (header first) starts."""
    out = io.StringIO(newline="")
    if hint:
        out.write(f"sep={delimiter}{eol}")
    minimal = csv.writer(out, delimiter=delimiter, lineterminator=eol, quoting=csv.QUOTE_MINIMAL)
    # Python 3.11's writer leaves a lone CR unquoted when the line terminator is LF; Excel
    # quotes it, so such records are written fully quoted.
    quoted = csv.writer(out, delimiter=delimiter, lineterminator=eol, quoting=csv.QUOTE_ALL)
    starts = []
    for record in [HEADER, *rows]:
        starts.append(len(_BREAK.findall(out.getvalue())) + 1)
        (quoted if any("\r" in cell for cell in record) else minimal).writerow(record)
    return out.getvalue().encode(encoding), starts


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_cells_round_trip_and_lines_are_physical(table):
    encoding, delimiter, eol, hint, rows = table
    data, starts = _write(encoding, delimiter, eol, hint, rows)

    read = list(tabular.parse_csv_text(tabular.decode_bytes(data)))

    assert [values for _, values in read] == [HEADER, *rows]
    assert [line for line, _ in read] == starts


@pytest.mark.parametrize(("bom", "encoding"), [
    (b"", "utf-8"), (codecs.BOM_UTF8, "utf-8"), (b"", "cp1252"), (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
])
def test_decode_bytes_recognises_the_encodings_excel_writes(bom, encoding):
    text = "id;name\r\n1;Zoë Müller\r\n"

    assert tabular.decode_bytes(bom + text.encode(encoding)) == text


def test_mostly_utf8_with_a_damaged_byte_stays_utf8():
    assert tabular.decode_bytes("Müller;Groß\n".encode() + b"Jos\xe9\n") == "Müller;Groß\nJos\ufffd\n"


@pytest.mark.parametrize(("header", "delimiter"), [
    ("a,b,c", ","), ("a;b;c", ";"), ("a\tb\tc", "\t"), ("a|b|c", "|"),
    ('"x, y";b;c', ";"),  # a comma inside quotes does not count
    ("a;b,c;d", ";"), ("single", ","),
])
def test_delimiter_is_told_by_the_header(header, delimiter):
    rows = list(tabular.parse_csv_text(f"{header}\n"))

    assert rows[0][1] == header.replace('"', "").split(delimiter) if '"' not in header else rows[0][1] == [
        "x, y", "b", "c"]


@pytest.mark.parametrize("hint", ["sep=;", '"sep=;"', "SEP=;", "sep=;\r"])
def test_sep_line_names_the_delimiter_and_counts_as_a_line(hint):
    assert list(tabular.parse_csv_text(f"{hint}\na,b;c\n1,2;3\n")) == [(2, ["a,b", "c"]), (3, ["1,2", "3"])]


def test_sep_tab_line_keeps_its_tab():
    assert list(tabular.parse_csv_text("sep=\t\na;b\tc\n")) == [(2, ["a;b", "c"])]


def test_blank_lines_before_the_header_do_not_hide_the_delimiter():
    assert list(tabular.parse_csv_text("\r\n\r\na;b\r\n\r\n1;2\r\n")) == [(3, ["a", "b"]), (5, ["1", "2"])]


def test_unclosed_quote_yields_the_good_records_then_says_where():
    reader = tabular.parse_csv_text('a,b\n1,x\n2,"y\n3,z\n4,w\n')

    assert next(reader) == (1, ["a", "b"])
    assert next(reader) == (2, ["1", "x"])
    with pytest.raises(tabular.TableCutShort) as info:
        next(reader)
    assert (info.value.line, info.value.last_line) == (3, 5)
    assert str(info.value) == "line 3: a quoted field opens on this line and is never closed"


def test_unclosed_quote_on_the_last_line_without_newline():
    reader = tabular.parse_csv_text('a,b\n1,"x')

    assert next(reader) == (1, ["a", "b"])
    with pytest.raises(tabular.TableCutShort, match="^line 2: a quoted field"):
        next(reader)


@pytest.mark.parametrize("record", ['1,"x""y"\n', '1,a"b"\n', '1,"x"y\n', '1,""\n', '1,"a\nb"\n'])
def test_closed_or_literal_quotes_are_not_taken_for_an_unclosed_one(record):
    assert len(list(tabular.parse_csv_text("a,b\n" + record))) == 2


def test_binary_content_is_refused():
    with pytest.raises(SourceError, match="not a text table"):
        list(tabular.parse_csv_text(bytes(range(32)).decode("latin-1") * 10))


def test_read_rows_on_a_folder_and_a_missing_file(tmp_path: Path):
    with pytest.raises(SourceError, match="is a folder"):
        tabular.read_rows(tmp_path)
    with pytest.raises(SourceError, match="^file not found"):
        tabular.read_rows(tmp_path / "missing.csv")


def test_read_rows_tells_a_workbook_by_content_not_name(tmp_path: Path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["registration_id", "status"])
    wb.active.append([7.0, "validated"])
    path = tmp_path / "export.csv"  # an XLSX someone renamed
    wb.save(path)

    assert list(tabular.read_rows(path)) == [(1, ["registration_id", "status"]), (2, [7, "validated"])]


def _csv_only(text: str, delimiter: str) -> tuple[list[tuple[int, list[str]]], tuple | None]:
    """The plain way: csv for every line (what `parse_csv_text` does for lines with quotes)."""
    lines = list(io.StringIO(text, newline=""))
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', skipinitialspace=False, strict=False)
    out: list[tuple[int, list[str]]] = []
    end = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return out, None
        except csv.Error:
            return out, ("unreadable", end + 1)
        start, end = end + 1, reader.line_num
        if (end > start or end == len(lines)) and tabular._ends_inside_quotes("".join(lines[start - 1:end]), delimiter):
            return out, ("unclosed", start, end)
        if row and "".join(row).strip():
            out.append((start, row))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(alphabet='ab ;,"\r\n\té', max_size=14), min_size=1, max_size=8),
       st.sampled_from([";", ","]))
def test_splitting_quote_free_lines_reads_exactly_what_csv_reads(records, delimiter) -> None:
    text = "id;name\n".replace(";", delimiter) + "".join(records)
    expected, problem = _csv_only(text, delimiter)
    got: list[tuple[int, list[str]]] = []
    try:
        got.extend(tabular.parse_csv_text(text))
    except tabular.TableCutShort as cut:
        kind = "unclosed" if "never closed" in cut.reason else "unreadable"
        assert problem is not None and (kind, cut.line) == problem[:2]
        if kind == "unclosed":
            assert cut.last_line == problem[2]
    else:
        assert problem is None
    assert got == expected[:len(got)] and (problem is not None or got == expected)
