"""Portal exports as they come: pretix, Indico, alf.io, Eventbrite and a map for anything else.

The sample exports are written by tests/fixtures/import/portals/make_portals.py with each
exporter's quirks; here: what desk reads from each, in a real SQLite file.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from desk.core.attendees import Category, Event, Status
from desk.core.categories import DEFAULT_CATEGORIES, CategoryWords
from desk.core.errors import SourceError
from desk.core.portalformats import (
    PortalMap, check_map_categories, map_toml, parse_map, read_layout, split_name, suggest_columns,
)
from desk.services.registrations.sources import FileSource, load_map, open_source, read_header, save_map
from desk.services.registrations.sync import SyncReport, run_sync
from desk.store import registrations as repo
from tests.services.test_import_corpus import dump

PORTALS = Path(__file__).parents[1] / "fixtures" / "import" / "portals"
NOW = dt.datetime(2016, 11, 28, 8, 0, tzinfo=dt.timezone.utc)
DAYS = (dt.date(2016, 11, 30), dt.date(2016, 12, 1), dt.date(2016, 12, 2))
CONFERENCE = DAYS[1:]


def make_event(db) -> None:
    """The event the registrations belong to (today through the store; `desk event create` later)."""
    with db.begin() as session:
        repo.save_event(session, Event(name="European Cluster Conference 2016", venue="Crowne Plaza Rogier",
                                       days=DAYS))


@pytest.fixture
def event_db(db):
    make_event(db)
    return db


def sync(db, name: str, map_name: str | None = None) -> SyncReport:
    return run_sync(db, open_source(str(PORTALS / name), map_path=PORTALS / map_name if map_name else None),
                    clock=lambda: NOW)


def stored(db) -> dict:
    with db.begin() as session:
        return {r.registration_id: r for r in repo.all_registrations(session)}


def test_pretix_positions_without_a_map(event_db):
    report = sync(event_db, "pretix-positions.csv")
    regs = stored(event_db)

    assert report.format == "pretix"
    assert report.summary() == "added 8, updated 0, unchanged 0, rejected 0 rows"
    # Order code + "-" + Position ID
    assert sorted(regs) == ["ECC17-1", "ECC18-2", "ECC19-1", "ECC20-2", "ECC21-1", "ECC22-2", "ECC23-1", "ECC24-2"]
    assert [regs[r].status for r in sorted(regs)] == [
        Status.VALIDATED, Status.VALIDATED, Status.PENDING, Status.VALIDATED, Status.CANCELLED, Status.VALIDATED,
        Status.PENDING, Status.CANCELLED]
    lukasz = regs["ECC17-1"]
    assert (lukasz.first_name, lukasz.last_name) == ("Łukasz", "Wójcik")
    assert lukasz.email == "person0@cluster0.eu"  # the attendee's e-mail, not the order's
    assert lukasz.organisation == "Klaster Łódź Chemia Sp. z o.o."
    assert lukasz.country == "PL"
    assert lukasz.ticket_code == "7xq3p00vz4kmn9rjw2ahb8tcyd5euf0"
    # no days column: every event day; no category column: the default, and no flag about it
    assert lukasz.days == () and lukasz.category == Category.OTHER_STAKEHOLDER
    assert not [line for line in report.lines() if "not recognised" in line]
    # the phone number, the order comment and the rest are not stored, and said so
    assert {"Phone number", "Order comment", "Variation"} <= set(report.ignored_columns)


def test_pretix_with_a_map_reads_days_and_categories_and_reports_unknown_words_once(event_db):
    report = sync(event_db, "pretix-positions.csv", "pretix-map.toml")
    regs = stored(event_db)

    assert report.format == "pretix"
    assert regs["ECC17-1"].days == CONFERENCE
    assert regs["ECC18-2"].days == DAYS
    assert regs["ECC17-1"].category == Category.CLUSTER_PRACTITIONER
    assert regs["ECC20-2"].category == Category.PRESS
    assert regs["ECC19-1"].category == Category.POLICY_MAKER
    # words the map does not know: kept under the default, one line each
    assert regs["ECC19-1"].days == ()
    assert regs["ECC22-2"].category == Category.OTHER_STAKEHOLDER
    assert report.lines()[:3] == [
        "added 8, updated 0, unchanged 0, rejected 0 rows",
        "flag: days 'Matchmaking only (30 Nov)' not recognised on 1 row (line 5), stored as every event day",
        "flag: category 'University / research' not recognised on 1 row (line 8), stored as other stakeholder",
    ]


def test_pretix_in_german(event_db):
    """pretix's German headers as its 2026 release writes them, and its German status words."""
    report = sync(event_db, "pretix-positions-de.csv")
    regs = stored(event_db)

    assert report.format == "pretix" and report.rejected == 0 and report.flags == []
    assert {r: regs[r].status for r in regs} == {
        "DE000-1": Status.VALIDATED, "DE001-1": Status.CANCELLED, "DE002-1": Status.PENDING,
        "DE003-1": Status.VALIDATED, "DE004-1": Status.CANCELLED, "DE005-1": Status.PENDING}
    # the name parts where pretix wrote them; one name column split where it did not
    assert (regs["DE000-1"].first_name, regs["DE000-1"].last_name) == ("Łukasz", "Wójcik")
    assert (regs["DE002-1"].first_name, regs["DE002-1"].last_name) == ("José García", "López")
    # the attendee's own e-mail and company, not the order's or the invoice's
    assert regs["DE000-1"].email == "teilnehmer0@example.de"
    assert regs["DE000-1"].organisation == "Klaster Łódź Chemia Sp. z o.o." and regs["DE000-1"].country == "PL"
    assert regs["DE000-1"].ticket_code == "secret-de-0000"


def test_pretix_check_in_list_with_secrets(event_db):
    """A check-in list export: no position id and no status; "Paid" says who is still pending."""
    report = sync(event_db, "pretix-checkin-list.csv")
    regs = stored(event_db)

    assert report.format == "pretix" and report.rejected == 0 and report.flags == []
    secrets = [f"7xq3p{i:02d}vz4kmn9rjw2ahb8tcyd5euf{i}" for i in range(5)]
    assert sorted(regs) == sorted(f"ECC{i + 17}-{secrets[i]}" for i in range(5))
    by_ticket = {r.ticket_code: r for r in regs.values()}
    assert set(by_ticket) == set(secrets)
    assert by_ticket[secrets[3]].status is Status.PENDING
    assert {r.status for t, r in by_ticket.items() if t != secrets[3]} == {Status.VALIDATED}
    assert (by_ticket[secrets[1]].first_name, by_ticket[secrets[1]].last_name) == ("Anna", "Müller")
    assert by_ticket[secrets[2]].organisation == "Clúster Andaluz de Robótica S.L."
    # a re-import of the same list changes nothing: the ids come from the secrets
    again = sync(event_db, "pretix-checkin-list.csv")
    assert (again.added, again.updated, again.rejected) == (0, 0, 0)


def test_pretix_check_in_list_in_german_without_a_paid_column_is_all_valid(event_db):
    report = sync(event_db, "pretix-checkin-list-de.csv")
    regs = stored(event_db)

    assert report.format == "pretix" and report.rejected == 0 and report.flags == []
    assert {r.status for r in regs.values()} == {Status.VALIDATED} and len(regs) == 3
    assert {r.ticket_code for r in regs.values()} == {f"secret-de-{i:04d}" for i in range(3)}
    assert {(r.first_name, r.last_name) for r in regs.values()} >= {("Łukasz", "Wójcik")}


def test_indico_registrants(event_db):
    report = sync(event_db, "indico-registrants.csv")
    regs = stored(event_db)

    assert report.format == "indico" and report.rejected == 0
    assert [regs[str(n)].status for n in range(101, 109)] == [
        Status.VALIDATED, Status.VALIDATED, Status.PENDING, Status.PENDING, Status.REJECTED, Status.CANCELLED,
        Status.VALIDATED, Status.VALIDATED]
    anna = regs["102"]
    assert (anna.first_name, anna.last_name, anna.email) == ("Anna", "Müller", "person1@indico.example.eu")
    assert anna.organisation == "Silicon Saxony e.V." and anna.country == "DE"  # the country's name → ISO
    assert anna.ticket_code == "" and anna.updated_at is None  # no ticket, no update time: current state
    assert "Registration date" in report.ignored_columns


def test_indico_registration_date_with_microseconds_as_the_update_time(event_db, tmp_path):
    portal_map = tmp_path / "indico.toml"
    portal_map.write_text('[columns]\nupdated_at = "Registration date"\n', encoding="utf-8")
    report = run_sync(event_db, open_source(str(PORTALS / "indico-registrants.csv"), map_path=portal_map),
                      clock=lambda: NOW)

    assert report.format == "indico" and report.rejected == 0
    assert stored(event_db)["101"].updated_at == dt.datetime(2016, 9, 1, 8, 3, 0, 123456, tzinfo=dt.timezone.utc)


def test_alfio_tickets(event_db):
    report = sync(event_db, "alfio-tickets.csv")
    regs = stored(event_db)

    assert report.format == "alf.io" and report.rejected == 0
    first = regs["3f2c9a1e-5b7d-4c21-9e0f-000000000000"]
    assert first.ticket_code == "3f2c9a1e-5b7d-4c21-9e0f-000000000000"
    assert first.status == Status.VALIDATED
    assert regs["3f2c9a1e-5b7d-4c21-9e0f-000000000001"].status == Status.VALIDATED  # CHECKED_IN
    assert regs["3f2c9a1e-5b7d-4c21-9e0f-000000000002"].status == Status.PENDING  # TO_BE_PAID
    # the organisation is the event's own question; the multiline billing address is not stored
    assert first.organisation == "Klaster Łódź Chemia Sp. z o.o." and first.country == "PL"
    assert (first.first_name, first.last_name) == ("Łukasz", "Wójcik")
    assert "Billing Address" in report.ignored_columns


def test_eventbrite_attendees(event_db):
    report = sync(event_db, "eventbrite-attendees.csv")
    regs = stored(event_db)

    assert report.format == "eventbrite" and report.rejected == 0
    assert [regs[str(870000000 + i)].status for i in range(8)] == [
        Status.VALIDATED, Status.VALIDATED, Status.VALIDATED, Status.CANCELLED, Status.CANCELLED, Status.VALIDATED,
        Status.VALIDATED, Status.VALIDATED]
    marie = regs["870000005"]
    assert (marie.first_name, marie.last_name) == ("Marie", "van der Berg")
    assert marie.email == "person5@eb.example.eu" and marie.organisation == "Brainport Eindhoven"
    assert marie.country == "NL" and marie.ticket_code == "8700000051234567001"


def test_another_portal_through_a_map(event_db):
    report = sync(event_db, "other-portal.csv", "other-map.toml")
    regs = stored(event_db)

    assert report.format == "mapped"
    assert report.summary() == "added 8, updated 0, unchanged 0, rejected 0 rows"
    assert regs["X-000"].status == Status.VALIDATED and regs["X-001"].status == Status.PENDING
    assert regs["X-003"].status == Status.CANCELLED
    assert regs["X-000"].days == (dt.date(2016, 12, 1),) and regs["X-001"].days == DAYS
    # European dates per date_format
    assert regs["X-001"].updated_at == dt.datetime(2016, 9, 2, 8, 3, tzinfo=dt.timezone.utc)
    # an unknown status: once for the word, with its count and lines; the rows kept as pending
    assert regs["X-005"].status == Status.PENDING and regs["X-007"].status == Status.PENDING
    assert [line for line in report.lines() if "not recognised" in line] == [
        "flag: status 'vielleicht' not recognised on 2 rows (lines 7, 9), stored as pending"]


def test_a_header_the_map_names_but_the_file_lacks_writes_nothing(event_db, tmp_path):
    portal_map = tmp_path / "map.toml"
    portal_map.write_text('[columns]\ndays = "Ticket variation"\n', encoding="utf-8")
    before = dump(event_db)

    with pytest.raises(SourceError, match="the map names the column 'Ticket variation' for days, but the file "
                                          "has no such header"):
        run_sync(event_db, open_source(str(PORTALS / "pretix-positions.csv"), map_path=portal_map))
    assert dump(event_db) == before


def test_an_export_desk_does_not_know_without_a_map_is_refused(event_db):
    with pytest.raises(SourceError, match="not a registration export"):
        sync(event_db, "other-portal.csv")
    assert stored(event_db) == {}


def test_unknown_words_are_reported_once_per_distinct_value_with_the_first_ten_lines(event_db, tmp_path):
    rows = ["Reg. no.;Given;Family;Payment;Kind"]
    rows += [f"R{i};Anna;Peeters;{'maybe' if i % 2 else 'ok'};{'Cluster' if i % 3 else 'Alien'}" for i in range(30)]
    export = tmp_path / "export.csv"
    export.write_text("\n".join(rows) + "\n", encoding="utf-8")
    portal_map = tmp_path / "map.toml"
    portal_map.write_text('[columns]\nregistration_id = "Reg. no."\nfirst_name = "Given"\nlast_name = "Family"\n'
                          'status = "Payment"\ncategory = "Kind"\n[values.status]\nok = "validated"\n',
                          encoding="utf-8")

    report = run_sync(event_db, FileSource(export, load_map(portal_map)), clock=lambda: NOW)

    assert report.summary() == "added 30, updated 0, unchanged 0, rejected 0 rows"
    assert report.lines()[1:] == [
        "flag: category 'Alien' not recognised on 10 rows (lines 2, 5, 8, 11, 14, 17, 20, 23, 26, 29), "
        "stored as other stakeholder",
        "flag: status 'maybe' not recognised on 15 rows (lines 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, "
        "the first ten), stored as pending",
    ]


def test_desk_format_flags_an_unknown_category_once_per_word(event_db, tmp_path):
    header = "registration_id,status,first_name,last_name,organisation,category"
    rows = [f"A-{i},validated,Anna,Peeters,Org {i},{'Cluster organisation (non-profit)' if i % 2 else 'Startup'}"
            for i in range(300)]
    export = tmp_path / "export.csv"
    export.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")

    report = run_sync(event_db, FileSource(export), clock=lambda: NOW)

    assert report.format == "desk"
    flags = [line for line in report.lines() if "not recognised" in line]
    assert flags == [
        "flag: category 'Startup' not recognised on 150 rows (lines 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, "
        "the first ten), stored as other stakeholder",
        "flag: category 'Cluster organisation (non-profit)' not recognised on 150 rows (lines 3, 5, 7, 9, 11, 13, "
        "15, 17, 19, 21, the first ten), stored as other stakeholder",
    ]


def test_the_map_file_is_checked_before_anything_is_read(tmp_path):
    with pytest.raises(SourceError, match="'dayz', which is not a desk field"):
        parse_map('[columns]\ndayz = "Variation"\n', "map.toml")
    with pytest.raises(SourceError, match="expected validated, pending, rejected or cancelled"):
        parse_map('[values.status]\n"bestätigt" = "ok"\n', "map.toml")
    with pytest.raises(SourceError, match="must list ISO dates"):
        parse_map('[values.days]\n"Day 1" = ["1.12.2016"]\n', "map.toml")
    with pytest.raises(SourceError, match="must name one of the event's categories"):
        parse_map('[values.category]\n"Cluster" = 3\n', "map.toml")
    # which categories exist is the event's to say: checked against them before the sync reads
    alien = parse_map('[values.category]\n"Cluster" = "alien"\n', "map.toml")
    with pytest.raises(SourceError, match="'alien' is not one of the event's categories"):
        check_map_categories(alien, CategoryWords(DEFAULT_CATEGORIES), "map.toml")
    with pytest.raises(SourceError, match="is not valid TOML"):
        parse_map('[columns\n', "map.toml")
    broken = tmp_path / "map.toml"
    broken.write_bytes(b"\xff\xfe[columns]")
    with pytest.raises(SourceError, match="not UTF-8"):
        load_map(broken)


def test_a_map_over_desk_own_format_keeps_the_desk_format_line():
    layout = read_layout(["registration_id", "status", "last_name", "Variation"],
                         parse_map('[columns]\ndays = "Variation"\n[values.days]\n"Day 2" = ["2016-12-01"]\n'))
    assert layout is not None and layout.format == "desk"
    assert layout.translate(["R1", "validated", "Peeters", "Day 2"], 2)[8] == "2016-12-01"
    assert read_layout(["registration_id", "status", "last_name"], None) is None
    assert read_layout(["registration_id", "status", "last_name"], PortalMap()).format == "desk"


@pytest.mark.parametrize(("full", "parts"), [
    ("Anna Müller", ("Anna", "Müller")), ("Marie van der Berg", ("Marie", "van der Berg")),
    ("Madonna", ("", "Madonna")), ("Jean Claude de la Fontaine", ("Jean Claude", "de la Fontaine")),
    ("", ("", "")),
])
def test_split_name(full, parts):
    assert split_name(full) == parts


def test_a_desk_export_that_looks_like_a_portal_stays_desk_format():
    # Indico's signature, but a "Status" column Indico never writes: desk's own spellings read it
    assert read_layout(["ID", "First Name", "Last Name", "Email Address", "Status"], None) is None
    with pytest.raises(SourceError, match="the indico export has no column for status"):
        read_layout(["ID", "First Name", "Last Name", "Email Address"], None)


def test_european_dates_in_days_per_the_map_date_format():
    layout = read_layout(["Reg", "State", "Name", "Day"], parse_map(
        'date_format = "%d/%m/%Y"\n[columns]\nregistration_id = "Reg"\nstatus = "State"\nlast_name = "Name"\n'
        'days = "Day"\n'))
    assert layout.format == "mapped"
    assert layout.translate(["R1", "validated", "Peeters", "1/12/2016"], 2)[8] == "2016-12-01"
    assert layout.translate(["R1", "validated", "Peeters", "1/12/2016|2/12/2016"], 2)[8] == "2016-12-01|2016-12-02"


def test_a_portal_export_without_update_times_is_its_current_state(event_db, tmp_path):
    sync(event_db, "pretix-positions.csv")
    later = tmp_path / "later.csv"
    text = (PORTALS / "pretix-positions.csv").read_text(encoding="utf-8")
    later.write_text(text.replace('"ECC17",1,"paid"', '"ECC17",1,"canceled"'), encoding="utf-8")

    again = run_sync(event_db, FileSource(later), clock=lambda: NOW)

    assert again.summary() == "added 0, updated 1, unchanged 7, rejected 0 rows"
    assert stored(event_db)["ECC17-1"].status == Status.CANCELLED


def test_a_pretix_workbook_reads_as_its_csv(event_db, tmp_path):
    with (PORTALS / "pretix-positions.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:  # numbers as numbers, as pretix's XLSX writes them
        sheet.append([int(v) if v.isdigit() else v for v in row])
    book.save(tmp_path / "pretix.xlsx")

    report = run_sync(event_db, FileSource(tmp_path / "pretix.xlsx", load_map(PORTALS / "pretix-map.toml")),
                      clock=lambda: NOW)

    assert report.format == "pretix" and report.summary() == "added 8, updated 0, unchanged 0, rejected 0 rows"
    regs = stored(event_db)
    assert "ECC17-1" in regs and regs["ECC17-1"].days == CONFERENCE


def test_a_hand_made_map_is_written_as_toml_desk_reads_back(tmp_path):
    header = read_header(PORTALS / "pretix-positions.csv")
    columns = suggest_columns(header)
    assert columns["registration_id"] == "Order code + Position ID"
    assert columns["ticket_code"] == "Ticket secret"
    columns["days"] = 'Variation "quoted" \\ back'
    assert parse_map(map_toml(columns, "%d.%m.%Y")).columns == columns
    saved = save_map(tmp_path / "pretix.toml", {**columns, "days": "Variation"})
    assert load_map(saved).columns["days"] == "Variation"


def test_saving_columns_over_a_map_keeps_its_words(tmp_path):
    path = tmp_path / "other.toml"
    path.write_bytes((PORTALS / "other-map.toml").read_bytes())
    before = load_map(path)

    save_map(path, {**before.columns, "country": "Nation", "email": "Mail"})
    after = load_map(path)

    assert after.status == before.status and after.days == before.days and after.date_format == before.date_format
    assert after.columns["registration_id"] == "Reg. no."
