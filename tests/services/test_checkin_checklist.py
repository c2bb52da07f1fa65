"""The paper fallback PDF: the day's expected attendees by last name, a box each."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from pypdf import PdfReader

from desk.services.demo.event import EVENT_TZ
from desk.core.text import fold
from desk.services.checkin.entrance import check_in
from desk.services.checkin.checklist import NoEventDay, write_checklist
from desk.services.demo.event import install_demo

MATCH, CONF1 = dt.date(2016, 11, 30), dt.date(2016, 12, 1)


def test_checklist_lists_the_days_attendees_sorted_with_every_script(db, tmp_path) -> None:
    regs = install_demo(db, MATCH).registrations
    expected = [r for r in regs if r.is_attendee and (not r.days or CONF1 in r.days)]
    check_in(db, expected[0].ticket_code, "d", dt.datetime(2016, 12, 1, 8, tzinfo=EVENT_TZ))
    written = write_checklist(db, tmp_path / "list.pdf", CONF1, now=dt.datetime(2016, 12, 1, 7, tzinfo=EVENT_TZ))
    assert (written.day, written.attendees) == (CONF1, len(expected))
    reader = PdfReader(str(written.path))
    assert len(reader.pages) == written.pages > 1
    text = subprocess.run(["pdftotext", "-layout", str(written.path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Check-in Thu 01 Dec 2016" in text and f"{len(expected)} expected" in text
    uppers = sorted({r.last_name.upper() for r in expected}, key=len, reverse=True)
    printed = [next(u for u in uppers if line.strip().startswith(u)) for line in text.splitlines()
               if any(line.strip().startswith(u) for u in uppers)]
    # every name comes back exactly (Greek, Cyrillic, Polish), in accent-blind alphabetical order
    assert sorted(printed) == sorted(r.last_name.upper() for r in expected)
    assert [fold(p) for p in printed] == sorted(fold(p) for p in printed)
    fonts = subprocess.run(["pdffonts", str(written.path)], capture_output=True, text=True, check=True).stdout
    assert "DejaVuSans" in fonts and all(" yes " in line for line in fonts.splitlines()[2:])


def test_not_a_day_of_the_event(db, tmp_path) -> None:
    with pytest.raises(NoEventDay, match="no event"):
        write_checklist(db, tmp_path / "x.pdf", CONF1)
    install_demo(db, MATCH)
    with pytest.raises(NoEventDay, match="2016-12-25 is not a day"):
        write_checklist(db, tmp_path / "x.pdf", dt.date(2016, 12, 25))
    assert not (tmp_path / "x.pdf").exists()
