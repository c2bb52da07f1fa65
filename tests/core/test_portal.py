"""Row validation: the fast path for clean text rows decides exactly as the general one."""

from __future__ import annotations

import random

import pytest

from desk.core.errors import RowError
from desk.core.portal import COLUMNS, make_record, match_headers, parse_registration

_PIECES = {
    "registration_id": ["R1", "R 2", " R3", "R4 ", "", "x" * 64, "x" * 65, "Ř5", "R\t6", "R\x007"],
    "status": ["validated", "Validated", " pending", "REJECTED", "cancelled", "gone", "", "valid\u00a0"],
    "first_name": ["Łukasz", "Anna", "", "Zoë", "Jo\u0308rg", "A  B", "x" * 501, "Δημήτρης", "Se\ufffdn", "Ann\te"],
    "last_name": ["Wójcik", "", "Nøvák-Øster", "Петров", " Dvořák", "O'Brien ", "Ní Bhriain", "Şahin"],
    "email": ["a@b.eu", "A@B.EU", "", "not-an-email", "a @b.eu", "é@b.eu", "a@b.e"],
    "organisation": ["Klaster Łódź", "", "Silicon Saxony e.V.", "Clúster  Energía", "x" * 500, "Org\x1cX",
                     "Org\x1fUnit"],
    "country": ["PL", "be", "Belgium", "EL", "Atlantis", "", " DE", "Deutschland"],
    "category": ["policy-maker", "Speaker", "", "astronaut", "press ", "Cluster practitioner"],
    "days": ["2016-12-01|2016-12-02", "", "2016-12-01", "2016-12-01;2016-12-02", "tomorrow", "2016-12-01, 2016-12-02"],
    "ticket_code": ["T1", "", "T 2", "t" * 257],
    "updated_at": ["2016-09-01T10:00:00Z", "", "2016-09-01 10:00", "yesterday", "2016-09-01T10:00:00+02:00"],
}


def _outcome(parse):
    try:
        parsed = parse()
    except RowError as err:
        return ("error", str(err))
    return ("row", parsed.registration, parsed.remarks)


@pytest.mark.parametrize("seed", range(4))
def test_fast_and_general_validation_agree_on_messy_rows(seed: int) -> None:
    rnd = random.Random(seed)
    header = list(COLUMNS) + ["passport_number"]
    headers = match_headers(header)
    clean_rows = 0
    for line in range(2, 3002):
        row = [rnd.choice(_PIECES[c]) for c in COLUMNS] + ["X1"]
        record = make_record(headers, row, line)
        clean_rows += record.clean
        fast = _outcome(record.parse)
        general = _outcome(lambda: parse_registration(dict(zip(COLUMNS, row)), line))  # noqa: B023
        assert fast == general, row
        assert record.registration_id == (general[1].registration_id if general[0] == "row"
                                          else record.registration_id)
    assert 150 < clean_rows < 2900  # both paths were exercised


def test_a_header_without_some_columns_reads_them_as_empty() -> None:
    headers = match_headers(["Status", "Last name", "Registration ID"])
    parsed = make_record(headers, ["validated", "Dvořák", "R9"], 2).parse()
    assert (parsed.registration.registration_id, parsed.registration.last_name, parsed.registration.email) == \
        ("R9", "Dvořák", "")
    short = make_record(headers, ["validated"], 3)
    with pytest.raises(RowError, match="no registration_id"):
        short.parse()
