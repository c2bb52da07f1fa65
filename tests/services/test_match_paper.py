"""Matchmaking paper: agendas, table sheets and the master list with embedded fonts only."""

from __future__ import annotations

import datetime as dt

import pytest
from pypdf import PdfReader

from desk.core.matchmaking.model import MatchmakingError
from desk.services.matchmaking import schedule as match
from desk.services.matchmaking.paper import write_paper
from tests.services.match_files import write


def test_agendas_tables_and_master_list(db, tmp_path) -> None:
    with pytest.raises(MatchmakingError):
        write_paper(db, tmp_path / "out")
    match.import_files(db, write(tmp_path))
    match.store_plan(db, match.plan_schedule(db, tables=2, time_limit_s=0.5), dt.datetime.now(dt.timezone.utc))
    agendas, tables, master = write_paper(db, tmp_path / "out")
    pages = PdfReader(agendas).pages
    assert len(pages) == 5
    greek = pages[1].extract_text()
    assert "Στρατηγική Ομάδα Αθηνών" in greek and "Round" in greek and "09:30–09:50" in greek
    assert len(PdfReader(tables).pages) == 2 and "Table 2" in PdfReader(tables).pages[1].extract_text()
    assert "Клъстер Мехатроника" in PdfReader(master).pages[0].extract_text()
    for path in (agendas, tables, master):
        fonts = {f["/BaseFont"] for p in PdfReader(path).pages for f in p["/Resources"]["/Font"].values()}
        assert all("DejaVu" in str(f) for f in fonts)
    only = write_paper(db, tmp_path / "one", only={"A"})[0]
    assert len(PdfReader(only).pages) == 1
