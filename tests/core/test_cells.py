"""The one formula-injection guard every spreadsheet export uses (OWASP: quote = + - @ tab CR)."""

from __future__ import annotations

from desk.core.cells import safe_cell, safe_row


def test_cells_that_a_spreadsheet_would_run_get_a_quote():
    assert [safe_cell(v) for v in ("=1+1", "+32 2 555", "-2", "@SUM(A1)", "\tabc", "\rabc", "  =1")] == \
        ["'=1+1", "'+32 2 555", "'-2", "'@SUM(A1)", "' abc", "' abc", "'  =1"]


def test_plain_text_numbers_and_empty_cells_stay_as_they_are():
    assert safe_row(["Łódź – Müller", "a=b", "x-1", 7, 2.5, None, "", True]) == \
        ["Łódź – Müller", "a=b", "x-1", 7, 2.5, None, "", True]
