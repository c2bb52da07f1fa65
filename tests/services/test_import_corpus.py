"""The corpus of awkward portal exports: the exact report and what the database holds after.

CSV cases are byte-exact files in tests/fixtures/import (written by make_corpus.py there);
workbooks are built here at test time. Behaviour decided for damaged files:

- a file that cannot be read at all (empty, binary, no header, broken workbook, zip or XML
  bomb) raises SourceError with a one-line reason and leaves the database exactly as it was;
- a quote that is never closed keeps every good row before it and reports one bad row naming
  the lines that were not read;
- XLSX formulas give the value Excel last calculated; a formula never calculated reads empty.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from desk.core.attendees import Category, Event, Status
from desk.core.errors import SourceError, SyncBusy
from desk.services.registrations.sources import FileSource
from desk.services.registrations.sync import SyncReport, run_sync
from desk.store import registrations as repo
from desk.store.schema import Base
from tests.event_helpers import db_path_with_event  # noqa: F401 - fixtures: the databases hold an event


CORPUS = Path(__file__).parents[1] / "fixtures" / "import"
NOW = dt.datetime(2016, 11, 28, 8, 0, tzinfo=dt.timezone.utc)
HEADER = ("registration_id", "status", "first_name", "last_name", "email", "organisation",
          "country", "category", "days", "ticket_code", "updated_at")
UTC = dt.timezone.utc


def sync(db, path: Path) -> SyncReport:
    return run_sync(db, FileSource(path), clock=lambda: NOW)


def dump(db) -> dict[str, list[tuple]]:
    """Every row of every table, for "the database is exactly as before" checks."""
    with db.engine.connect() as conn:
        return {t.name: sorted(tuple(r) for r in conn.execute(t.select())) for t in Base.metadata.sorted_tables
                if conn.dialect.has_table(conn, t.name)}


def stored(db) -> dict:
    with db.begin() as session:
        return {r.registration_id: r for r in repo.all_registrations(session)}


def sync_log(db) -> list[dict]:
    with db.begin() as session:
        return repo.sync_log(session)


# --- files that are read: exact report, good rows kept ----------------------------------

READ_CASES = {
    "eu_excel_semicolon_cp1252.csv": ["added 3, updated 0, unchanged 0, rejected 0 rows"],
    "excel_unicode_text_utf16.csv": ["added 3, updated 0, unchanged 0, rejected 0 rows"],
    "utf8_bom_crlf.csv": ["added 2, updated 0, unchanged 0, rejected 0 rows"],
    "embedded_newlines.csv": [
        "added 2, updated 0, unchanged 0, rejected 2 rows",
        "row 5: unknown status 'maybe' (expected validated, pending, rejected or cancelled)",
        "row 8: email 'not-an-email' is not an e-mail address",
    ],
    "sep_line.csv": [
        "added 1, updated 0, unchanged 0, rejected 1 rows",
        "row 4: no status (expected validated, pending, rejected or cancelled)",
    ],
    "sep_tab_line.csv": [
        "added 1, updated 0, unchanged 0, rejected 1 rows",
        "row 4: country 'XX' is neither an ISO 3166 code nor a country name",
    ],
    "header_synonyms.csv": ["added 2, updated 0, unchanged 0, rejected 0 rows"],
    "extra_columns.csv": ["added 2, updated 0, unchanged 0, rejected 0 rows"],
    "header_only.csv": ["added 0, updated 0, unchanged 0, rejected 0 rows"],
    "blank_lines_trailing_delimiters.csv": ["added 2, updated 0, unchanged 0, rejected 0 rows"],
    "too_many_fields.csv": [
        "added 2, updated 0, unchanged 0, rejected 1 rows",
        "row 3: 12 fields but the header has 11 (a stray delimiter or an unquoted field?)",
    ],
    "bad_values.csv": [
        "added 1, updated 0, unchanged 0, rejected 7 rows",
        "row 2: unknown status 'waitlisted' (expected validated, pending, rejected or cancelled)",
        "row 3: email 'anna@@example' is not an e-mail address",
        "row 4: '2016-11-31' in days is not a date (expected YYYY-MM-DD)",
        "row 5: updated_at 'yesterday' is not a date-time (expected ISO 8601, e.g. 2016-11-02T14:30:00Z)",
        "row 6: country 'Atlantis' is neither an ISO 3166 code nor a country name",
        "row 7: no registration_id",
        "row 8: neither first_name nor last_name",
    ],
    "countries.csv": ["added 8, updated 0, unchanged 0, rejected 0 rows"],
    "duplicate_ids.csv": [
        "added 2, updated 0, unchanged 0, rejected 2 rows",
        "row 2: registration_id DUP-1 appears again on row 3; row 3 was kept",
        "row 4: registration_id DUP-1 appears again on row 3; row 3 was kept",
    ],
    "nul_bytes.csv": ["added 2, updated 0, unchanged 0, rejected 0 rows"],
    "unterminated_quote.csv": [
        "added 2, updated 0, unchanged 0, rejected 1 rows",
        "row 4: a quoted field opens on this line and is never closed; lines 4-6 were not read "
        "(fix the file and import it again)",
    ],
    "mac_cr.csv": [
        "added 2, updated 0, unchanged 0, rejected 1 rows",
        "row 3: email 'x' is not an e-mail address",
    ],
    "damaged_utf8.csv": [
        "added 2, updated 0, unchanged 0, rejected 0 rows",
        "flag: row 3: first_name holds characters that could not be read (shown as \ufffd); "
        "check the file's encoding",
    ],
    "only_pending_rejected.csv": ["added 3, updated 0, unchanged 0, rejected 0 rows"],
}

KEPT = {
    "eu_excel_semicolon_cp1252.csv": {"EU-1", "EU-2", "EU-3"},
    "excel_unicode_text_utf16.csv": {"U16-1", "U16-2", "U16-3"},
    "utf8_bom_crlf.csv": {"BOM-1", "BOM-2"},
    "embedded_newlines.csv": {"NL-1", "NL-3"},
    "sep_line.csv": {"SEP-1"},
    "sep_tab_line.csv": {"TAB-1"},
    "header_synonyms.csv": {"SYN-1", "SYN-2"},
    "extra_columns.csv": {"EX-1", "EX-2"},
    "header_only.csv": set(),
    "blank_lines_trailing_delimiters.csv": {"BL-1", "BL-2"},
    "too_many_fields.csv": {"TM-1", "TM-3"},
    "bad_values.csv": {"BV-8"},
    "countries.csv": {f"CC-{i}" for i in range(1, 9)},
    "duplicate_ids.csv": {"DUP-1", "DUP-2"},
    "nul_bytes.csv": {"NUL-1", "NUL-2"},
    "unterminated_quote.csv": {"UQ-1", "UQ-2"},
    "mac_cr.csv": {"CR-1", "CR-3"},
    "damaged_utf8.csv": {"DU-1", "DU-2"},
    "only_pending_rejected.csv": {"PR-1", "PR-2", "PR-3"},
}


@pytest.mark.parametrize("name", sorted(READ_CASES))
def test_read_file_reports_exactly_and_keeps_the_good_rows(db, name):
    report = sync(db, CORPUS / name)

    assert report.lines() == READ_CASES[name]
    assert set(stored(db)) == KEPT[name]
    log = sync_log(db)
    assert sorted(e["registration_id"] for e in log) == sorted(KEPT[name])


def test_accents_greek_and_cyrillic_survive_every_encoding(db):
    for name in ("eu_excel_semicolon_cp1252.csv", "excel_unicode_text_utf16.csv", "utf8_bom_crlf.csv"):
        sync(db, CORPUS / name)
    regs = stored(db)

    assert (regs["EU-1"].first_name, regs["EU-1"].last_name, regs["EU-1"].organisation) == (
        "François", "Müller", "Société Générale de Clusters")
    assert (regs["EU-3"].first_name, regs["EU-3"].last_name, regs["EU-3"].country) == ("Zoë", "Ångström", "SE")
    assert (regs["U16-1"].first_name, regs["U16-1"].organisation) == ("Δημήτρης", "Κόμβος Καινοτομίας")
    assert (regs["U16-2"].last_name, regs["U16-3"].organisation) == ("Иванова", "Łódź Cluster Sp. z o.o.")
    assert (regs["BOM-1"].registration_id, regs["BOM-2"].last_name) == ("BOM-1", "São Bento")
    assert regs["EU-2"].days == (dt.date(2016, 11, 30), dt.date(2016, 12, 1))
    assert regs["U16-1"].updated_at == dt.datetime(2016, 10, 1, 9, tzinfo=UTC)


def test_embedded_newlines_are_kept_inside_the_field_and_folded_for_display(db):
    sync(db, CORPUS / "embedded_newlines.csv")
    regs = stored(db)

    assert regs["NL-1"].organisation == "Cluster of the North"
    assert regs["NL-3"].first_name == "Anne Marie"


def test_header_synonyms_map_onto_desk_columns(db):
    sync(db, CORPUS / "header_synonyms.csv")
    regs = stored(db)

    assert (regs["SYN-1"].first_name, regs["SYN-1"].last_name, regs["SYN-1"].country) == ("Élodie", "Lefèvre", "FR")
    syn2 = regs["SYN-2"]
    assert (syn2.status, syn2.email, syn2.organisation, syn2.country, syn2.category, syn2.ticket_code) == (
        Status.PENDING, "karl.maier@example.eu", "Org SYN-2", "AT", Category.POLICY_MAKER, "T-SYN-2")
    assert syn2.updated_at == dt.datetime(2016, 10, 2, 8, tzinfo=UTC)


def test_unused_columns_are_reported_and_never_stored(db, db_path):
    report = sync(db, CORPUS / "extra_columns.csv")
    assert report.notes() == ["not stored (desk does not use them): birth_date, dietary needs, passport_number"]
    db.close()

    data = db_path.read_bytes() + b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "-*"))
    for secret in (b"P1234567", b"P7654321", b"1970-01-01", b"vegetarian"):
        assert secret not in data


def test_countries_codes_and_english_names(db):
    sync(db, CORPUS / "countries.csv")

    assert {rid: r.country for rid, r in stored(db).items()} == {
        "CC-1": "BE", "CC-2": "BE", "CC-3": "CZ", "CC-4": "GR", "CC-5": "GB", "CC-6": "NL", "CC-7": "DE",
        "CC-8": "",
    }


def test_duplicate_ids_keep_the_newest_update(db):
    sync(db, CORPUS / "duplicate_ids.csv")

    dup = stored(db)["DUP-1"]
    assert (dup.first_name, dup.updated_at) == ("Newest", dt.datetime(2016, 10, 3, 9, tzinfo=UTC))


def test_nul_bytes_are_dropped(db):
    sync(db, CORPUS / "nul_bytes.csv")

    assert stored(db)["NUL-1"].first_name == "Anna"
    assert stored(db)["NUL-2"].updated_at == dt.datetime(2016, 10, 1, 9, tzinfo=UTC)


def test_damaged_utf8_is_not_read_as_cp1252(db):
    sync(db, CORPUS / "damaged_utf8.csv")

    assert stored(db)["DU-1"].last_name == "Müller"
    assert stored(db)["DU-2"].first_name == "Jos\ufffd"


def test_only_pending_and_rejected_rows_are_stored_but_are_no_attendees(db):
    sync(db, CORPUS / "only_pending_rejected.csv")

    regs = stored(db)
    assert {rid: r.status for rid, r in regs.items()} == {
        "PR-1": Status.PENDING, "PR-2": Status.REJECTED, "PR-3": Status.PENDING}
    with db.begin() as session:
        assert repo.count_attendees(session) == 0
        assert repo.search_registrations(session, "") == []


# --- files that cannot be read: one-line reason, database untouched -----------------------

def _workbook(rows, *, sheets=None, patch=None, merge=None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(list(r))
    for ref in merge or ():
        ws.merge_cells(ref)
    for title, more in (sheets or {}).items():
        other = wb.create_sheet(title)
        for r in more:
            other.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()
    return _patch_zip(data, patch) if patch else data


def _patch_zip(data: bytes, patch) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, patch(info.filename, src.read(info.filename)))
    return out.getvalue()


def _good_row(n: int) -> tuple:
    return (f"X-{n}", "validated", "Anna", "Peeters", f"x{n}@example.eu", f"Org X-{n}", "BE", "speaker",
            "2016-11-30", f"T-X-{n}", "2016-10-01T09:00:00Z")


_LOL = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&%s;" % bytes([97 + i])) * 10) for i in range(8))
        + b"]>")


def _entity_bomb(name: str, data: bytes) -> bytes:
    if not name.endswith("sheet1.xml"):
        return data
    body = re.sub(rb"^<\?xml[^>]*\?>", b"", data)
    return _LOL + body.replace(b"<t>X-1</t>", b"<t>&i;</t>", 1)


def _zip_bomb() -> bytes:
    """A workbook whose sheet inflates 100 MB from ~100 kB: one cell of repeated letters."""
    data = _workbook([HEADER, _good_row(1)])
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = src.read(info.filename)
            if not info.filename.endswith("sheet1.xml"):
                dst.writestr(info.filename, part)
                continue
            head, tail = part.split(b"<t>X-1</t>", 1)
            with dst.open(info.filename, "w", force_zip64=True) as fh:
                fh.write(head + b"<t>")
                chunk = b"x" * (1 << 20)
                for _ in range(100):
                    fh.write(chunk)
                fh.write(b"</t>" + tail)
    return out.getvalue()


def _not_a_workbook_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "registrations are in the other file")
    return out.getvalue()


UNREADABLE = {
    "empty.csv": (None, "empty.csv is empty: no header row"),
    "missing_required_column.csv": (None, "missing_required_column.csv, line 1: not a registration export: "
                                          "missing column 'status' (expected registration_id, status, first_name, "
                                          "last_name, email, organisation, country, category, days, ticket_code, "
                                          "updated_at)"),
    "binary_renamed.csv": (None, "the file is not a text table (it looks like a binary file)"),
    "not_a_zip.xlsx": (None, "not_a_zip.xlsx is not a valid XLSX file (damaged or not Excel)"),
    "zip_not_workbook.xlsx": (_not_a_workbook_zip, "zip_not_workbook.xlsx is a zip file but not an Excel workbook"),
    "zip_bomb.xlsx": (_zip_bomb, "zip_bomb.xlsx: part xl/worksheets/sheet1.xml inflates "),
    "entity_bomb.xlsx": (lambda: _workbook([HEADER, _good_row(1)], patch=_entity_bomb),
                         "entity_bomb.xlsx cannot be opened as a workbook: it declares XML entities or DTDs, "
                         "which desk refuses (a possible entity-expansion bomb)"),
    "truncated.xlsx": (lambda: _workbook([HEADER, _good_row(1)])[:-200],
                       "truncated.xlsx is not a valid XLSX file (damaged or not Excel)"),
    "title_row_merged.xlsx": (
        lambda: _workbook([("European Cluster Conference 2016: registrations",), HEADER, _good_row(1)],
                          merge=["A1:K1"]),
        "title_row_merged.xlsx, line 1: not a registration export: missing column"),
    "old_excel.xls": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
                      "old_excel.xls is an old Excel 97 file; save it as .xlsx or .csv"),
}


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_unreadable_file_says_why_in_one_line_and_changes_nothing(db, tmp_path, name, monkeypatch):
    sync(db, CORPUS / "base.csv")
    before = dump(db)
    build, reason = UNREADABLE[name]
    path = tmp_path / name
    path.write_bytes(build() if build else (CORPUS / name).read_bytes())
    if name == "zip_bomb.xlsx":
        # refused from the zip directory alone: the workbook is never opened, nothing inflates
        monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("bomb was opened"))

    with pytest.raises(SourceError) as info:
        sync(db, path)

    message = str(info.value)
    assert "\n" not in message and message.startswith(reason)
    assert str(tmp_path) not in message
    assert dump(db) == before


def test_missing_file_is_a_source_error(db, tmp_path):
    with pytest.raises(SourceError, match="^file not found: .*nowhere.csv$"):
        sync(db, tmp_path / "nowhere.csv")


def test_huge_field_rejects_its_row_only(db, tmp_path):
    path = tmp_path / "huge.csv"
    rows = [",".join(HEADER), ",".join(_good_row(1)), ",".join(_good_row(2)).replace("Anna", "A" * 1_000_000, 1),
            ",".join(_good_row(3))]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")

    report = sync(db, path)

    assert report.lines() == ["added 2, updated 0, unchanged 0, rejected 1 rows",
                              "row 3: first_name is 1000000 characters long (at most 500)"]
    assert set(stored(db)) == {"X-1", "X-3"}


def test_too_many_days_are_refused_before_the_store_sees_them(db, tmp_path):
    path = tmp_path / "days.csv"
    days = "|".join(f"2016-11-{d:02d}" for d in range(1, 18))
    path.write_text(",".join(HEADER) + "\n" + ",".join(_good_row(1)).replace("2016-11-30", days) + "\n")

    assert sync(db, path).lines() == ["added 0, updated 0, unchanged 0, rejected 1 rows",
                                      "row 2: days lists 17 dates (at most 16)"]


# --- workbooks that are read ------------------------------------------------------------

def _typed_workbook() -> bytes:
    rows = [
        HEADER + ("Notes", None),
        (1.0, "validated", "Mateusz", "Łódź", "m@example.eu", "Cluster Ł", "pl", "speaker",
         dt.datetime(2016, 11, 30), 123456.0, dt.datetime(2016, 10, 1, 9, 30), "merged", "notes"),
        (),
        (2, "@@STATUS@@", "Eva", "Nováková", "e@example.eu", "@@ORG@@", "CZ", "staff", "2016-11-30|2016-12-01",
         "T2", "2016-10-01T09:00:00Z"),
        ("3", "Validated", "Ugo", "Bianchi", "ugo@@x", "Org 3", "IT", "speaker", "2016-11-30", "T3", None),
    ]

    def patch(name: str, data: bytes) -> bytes:
        if not name.endswith("sheet1.xml"):
            return data
        data = data.replace(b'<c r="B4" t="inlineStr"><is><t>@@STATUS@@</t></is></c>',
                            b'<c r="B4" t="str"><f>LOWER("VALIDATED")</f><v>validated</v></c>')
        data = data.replace(b'<c r="F4" t="inlineStr"><is><t>@@ORG@@</t></is></c>',
                            b'<c r="F4"><f>A1&amp;"x"</f></c>')
        # an exporter that writes a wrong used range: desk must not trust it
        return re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:B2"/>', data)

    return _workbook(rows, merge=["L1:M1"], sheets={"Summary": [("registration_id", "status"), ("S-1", "bogus")]},
                     patch=patch)


def test_xlsx_types_formulas_merged_headers_and_second_sheet(db, tmp_path):
    path = tmp_path / "export.xlsx"
    path.write_bytes(_typed_workbook())

    report = sync(db, path)

    assert report.lines() == [
        "added 2, updated 0, unchanged 0, rejected 1 rows",
        "row 5: email 'ugo@@x' is not an e-mail address",
    ]
    assert report.notes() == ["not stored (desk does not use them): Notes"]
    regs = stored(db)
    assert set(regs) == {"1", "2"}
    one = regs["1"]
    assert (one.last_name, one.country, one.ticket_code, one.days, one.updated_at) == (
        "Łódź", "PL", "123456", (dt.date(2016, 11, 30),), dt.datetime(2016, 10, 1, 9, 30, tzinfo=UTC))
    two = regs["2"]
    assert (two.status, two.organisation, two.category) == (Status.VALIDATED, "", Category.STAFF)
    assert sync(db, path).lines()[0] == "added 0, updated 0, unchanged 2, rejected 1 rows"


# --- sync semantics ---------------------------------------------------------------------

def test_reimport_is_idempotent(db):
    for name in ("eu_excel_semicolon_cp1252.csv", "excel_unicode_text_utf16.csv", "bad_values.csv"):
        sync(db, CORPUS / name)
    before = dump(db)

    reports = [sync(db, CORPUS / n) for n in ("eu_excel_semicolon_cp1252.csv", "excel_unicode_text_utf16.csv")]

    assert [r.summary() for r in reports] == ["added 0, updated 0, unchanged 3, rejected 0 rows"] * 2
    assert dump(db) == before


def test_cancelled_update_is_kept_but_no_longer_an_attendee(db):
    sync(db, CORPUS / "base.csv")

    report = sync(db, CORPUS / "cancelled_update.csv")

    assert report.lines() == ["added 0, updated 1, unchanged 1, rejected 0 rows"]
    up1 = stored(db)["UP-1"]
    assert (up1.status, up1.is_attendee, up1.first_name) == (Status.CANCELLED, False, "Maria")
    with db.begin() as session:
        assert [r.registration_id for r in repo.search_registrations(session, "")] == ["UP-2"]
        assert repo.sync_log(session, "UP-1")[0]["changes"] == {
            "status": ["validated", "cancelled"],
            "updated_at": ["2016-10-10T09:00:00+00:00", "2016-10-20T09:00:00+00:00"]}


def test_stale_reexport_never_overwrites_newer_data(db):
    sync(db, CORPUS / "base.csv")
    sync(db, CORPUS / "cancelled_update.csv")
    before = dump(db)

    report = sync(db, CORPUS / "stale_reexport.csv")

    assert report.lines() == ["added 0, updated 0, unchanged 2, rejected 0 rows",
                              "row 2: not applied: older than the stored update (2016-10-20T09:00)",
                              "row 3: not applied: older than the stored update (2016-10-10T09:00)"]
    assert dump(db) == before
    assert stored(db)["UP-1"].status is Status.CANCELLED


def test_newer_update_wins(db, tmp_path):
    sync(db, CORPUS / "base.csv")
    path = tmp_path / "newer.csv"
    path.write_bytes((CORPUS / "base.csv").read_bytes().replace(b"Novak", b"X")
                     .replace(b"Jan,Nov\xc3\xa1k,up-2", b"Jan,Nov\xc3\xa1kov\xc3\xa1,up-2")
                     .replace(b"T-UP-2,2016-10-10", b"T-UP-2,2016-10-11"))

    assert sync(db, path).lines() == ["added 0, updated 1, unchanged 1, rejected 0 rows"]
    assert stored(db)["UP-2"].last_name == "Nováková"


def _write(path: Path, rows: list[tuple]) -> Path:
    path.write_text("\n".join(",".join(f'"{v}"' for v in r) for r in [HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_flags_organisation_cap_seats_and_deadline(db, tmp_path):
    deadline = dt.datetime(2016, 11, 15, 23, 59, tzinfo=UTC)
    with db.begin() as session:
        repo.save_event(session, Event(name="ECC 2016", venue="Brussels",
                                       days=(dt.date(2016, 11, 30), dt.date(2016, 12, 1)), seat_cap=6,
                                       per_organisation_cap=2, registration_deadline=deadline))

    def reg(rid: str, org: str, status: str = "validated", updated: str = "2016-10-01T09:00:00Z",
            category: str = "speaker") -> tuple:
        return (rid, status, "Anna", rid, f"{rid.lower()}@example.eu", org, "DE", category, "2016-11-30",
                f"T-{rid}", updated)

    path = _write(tmp_path / "flags.csv", [
        reg("F-1", "Müller GmbH"), reg("F-2", "muller"), reg("F-3", "MÜLLER, GmbH."),
        reg("F-4", "Łódź Cluster Sp. z o.o."), reg("F-5", "Lodz cluster"), reg("F-6", "Société Générale S.A."),
        reg("F-7", "societe generale", status="pending"), reg("F-8", "Societe-Generale SA", status="cancelled"),
        reg("F-9", "Organisers", category="staff"), reg("F-10", "Organisers", category="staff"),
        reg("F-11", "Organisers", category="staff", updated="2016-11-20T10:00:00Z"),
        reg("F-12", "LODZ CLUSTER SP Z OO"), reg("F-13", "Societe Generale"), reg("F-14", "SOCIÉTÉ GÉNÉRALE SA"),
    ])

    report = sync(db, path)

    assert report.lines() == [
        "added 14, updated 0, unchanged 0, rejected 0 rows",
        "flag: Łódź Cluster Sp. z o.o.: 3 validated people, at most 2 per organisation (F-12, F-4, F-5)",
        "flag: Müller GmbH: 3 validated people, at most 2 per organisation (F-1, F-2, F-3)",
        "flag: Société Générale S.A.: 3 validated people, at most 2 per organisation (F-13, F-14, F-6)",
        "flag: 9 validated attendees for 6 seats (3 over)",  # staff, not counted, take no seat
        "flag: 1 registration(s) updated after the registration deadline 2016-11-15 23:59: F-11",
    ]


def test_second_sync_at_the_same_time_is_refused(db):
    before = dump(db)
    with db.sync_lock():
        with pytest.raises(SyncBusy, match="another sync is already running"):
            sync(db, CORPUS / "base.csv")
    assert dump(db) == before
    assert sync(db, CORPUS / "base.csv").summary() == "added 2, updated 0, unchanged 0, rejected 0 rows"
