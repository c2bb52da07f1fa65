"""`desk awards import` as a service: CSV, XLSX and JSON, bad rows by line, re-import changes nothing."""

from __future__ import annotations

import json

import openpyxl
import pytest

from desk.core.errors import SourceError
from desk.services.awards.files import import_awards
from desk.store import awards as store

CSV = (
    "award;finalist;description\n"
    "Cluster Manager of the Year;Anneleen Peeters;Flanders Smart Manufacturing Cluster\n"
    "Cluster Manager of the Year;;no finalist\n"
    "Cluster Manager of the Year;Małgorzata Wójcik;Silesian Circular Economy Cluster\n"
    "\n"
    "Strategic Cluster Partnership;ESCP-4i Circular Value Chains;NL, SI and DK\n"
)


def stored(db) -> list[tuple[str, list[tuple[str, str]]]]:
    with db.begin() as session:
        return [(a.name, [(f.name, f.description) for f in a.finalists]) for a in store.list_awards(session)]


def test_a_csv_is_imported_bad_rows_named_and_a_reimport_changes_nothing(db, tmp_path) -> None:
    path = tmp_path / "awards.csv"
    path.write_text(CSV, encoding="utf-8")
    first = import_awards(db, path)
    assert first.lines() == [
        "awards: 2 added; finalists: 3 added, 0 descriptions updated, 0 unchanged, 1 rows refused",
        "row 3: finalist is empty",
    ]
    assert stored(db) == [
        ("Cluster Manager of the Year", [("Anneleen Peeters", "Flanders Smart Manufacturing Cluster"),
                                         ("Małgorzata Wójcik", "Silesian Circular Economy Cluster")]),
        ("Strategic Cluster Partnership", [("ESCP-4i Circular Value Chains", "NL, SI and DK")]),
    ]
    again = import_awards(db, path)
    assert again.lines()[0] == "awards: 0 added; finalists: 0 added, 0 descriptions updated, 3 unchanged, 1 rows refused"
    path.write_text(CSV.replace("NL, SI and DK", "Clusters from NL, SI and DK"), encoding="utf-8")
    changed = import_awards(db, path)
    assert changed.stored.descriptions_updated == 1 and changed.stored.finalists_added == 0
    assert stored(db)[1][1] == [("ESCP-4i Circular Value Chains", "Clusters from NL, SI and DK")]


def test_xlsx_and_json_give_the_same_awards(db, tmp_path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    for line in CSV.splitlines():
        sheet.append(line.split(";") if line else [])
    book.save(tmp_path / "awards.xlsx")
    report = import_awards(db, tmp_path / "awards.xlsx")
    assert [str(e) for e in report.errors] == ["row 3: finalist is empty"]
    from_xlsx = stored(db)
    records = [dict(zip(("award", "finalist", "description"), line.split(";")))
               for line in CSV.splitlines()[1:] if line]
    (tmp_path / "awards.json").write_text(json.dumps(records), encoding="utf-8")
    report = import_awards(db, tmp_path / "awards.json")
    assert report.stored.unchanged == 3 and [str(e) for e in report.errors] == ["row 2: finalist is empty"]
    assert stored(db) == from_xlsx


def test_a_file_that_is_no_award_file_changes_nothing(db, tmp_path) -> None:
    (tmp_path / "people.csv").write_text("name,email\nAna,ana@example.org\n", encoding="utf-8")
    with pytest.raises(SourceError, match="no column award, finalist"):
        import_awards(db, tmp_path / "people.csv")
    (tmp_path / "bad.json").write_text("{\"awards\": 3}", encoding="utf-8")
    with pytest.raises(SourceError, match="not an award file"):
        import_awards(db, tmp_path / "bad.json")
    assert stored(db) == []
