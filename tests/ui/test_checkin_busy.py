"""The entrance page and the door while an import holds the database: a clear "busy, scan
again" in amber with its sound, nothing stored, and the next scan works."""

from __future__ import annotations

from desk.core.checkin.decision import ScanOutcome
from desk.services.rooms.door import DoorAnswer
from desk.ui.common import theme
from desk.ui.rooms.door_answers import headline
from tests.services.test_checkin_races import write_lock_held
from tests.ui.test_checkin_page import make_page, people, scan_burst, wait_answer  # noqa: F401 - fixtures


def test_a_scan_while_the_database_is_held_says_busy_then_the_next_one_welcomes(qtbot, make_page, people,
                                                                                db_path) -> None:
    page, ctx = make_page()
    person = people[0]
    with write_lock_held(db_path):
        scan_burst(qtbot, page, person.ticket_code)
        wait_answer(qtbot, page, "BUSY — SCAN AGAIN")
    assert page.answer.family == "warn" and page.answer.colour == theme.AMBER
    assert "Scan again" in page.answer.sentence.text()
    assert ctx.sound.played == ["warn"] and page.scan_field.hasFocus()
    scan_burst(qtbot, page, person.ticket_code)
    wait_answer(qtbot, page, "WELCOME")


def test_the_door_says_busy_in_words() -> None:
    answer = DoorAnswer(ScanOutcome.BUSY, ScanOutcome.BUSY.family, "Europa", 80, 12,
                        "Not recorded: the database is busy. Scan again.")
    title, detail = headline(answer)
    assert title == "BUSY — scan again" and detail.startswith("Not recorded")
