"""The badge printing page driven as a person would: search, Enter, reprint question, batch, retry."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QMessageBox

from desk.config import Settings
from desk.devices.printer import FolderPrinter
from desk.services.badges.codes import create_event_keys
from desk.services.demo.event import install_demo
from desk.services.badges.printing import list_jobs, print_log
from desk.ui.common import theme
from desk.ui.badges.actions import PrintActions, build_actions, folder_printer, make_print_badge_hook
from desk.ui.badges.page import PrintPage, build_page
from desk.ui.common.workers import Workers

TIMEOUT_MS = 20_000


@pytest.fixture
def ctx(db, tmp_path):
    data = install_demo(db, dt.date(2016, 11, 30))
    create_event_keys(db)
    context = SimpleNamespace(settings=Settings(desk_name="desk-t", printer=f"folder:{tmp_path / 'out'}"), db=db,
                              workers=Workers(), people=[r for r in data.registrations if r.is_attendee])
    yield context
    context.workers.shutdown()


@pytest.fixture
def printer(tmp_path):
    folder = tmp_path / "printed"
    folder.mkdir()
    return FolderPrinter(folder, name="badge folder")


@pytest.fixture
def page(qtbot, ctx, printer):
    widget = PrintPage(PrintActions(ctx.db, ctx.workers, ctx.settings, "anna", printer_for=lambda _c, _l: printer,
                                    list_printers=lambda: ["Front desk"]))
    qtbot.addWidget(widget)
    widget.resize(1366, 700)
    widget.show()
    qtbot.waitUntil(lambda: widget.attendees.rowCount() == 250, timeout=TIMEOUT_MS)
    yield widget
    widget.close()  # before the workers stop: nothing is left to submit to them


def find_one(qtbot, page, person) -> None:
    page.search_box.setText(f"{person.first_name} {person.last_name} {person.organisation}")
    qtbot.waitUntil(lambda: page.attendees.rowCount() == 1, timeout=TIMEOUT_MS)


def idle(page) -> bool:
    return page._batch is None and page.print_button.isEnabled()


def test_printers_list_offers_the_pdf_folder_and_system_printers(qtbot, page):
    qtbot.waitUntil(lambda: page.printer_box.count() == 2, timeout=TIMEOUT_MS)
    assert page.printer_box.itemText(0).startswith("PDF folder")
    assert page.printer_box.itemText(1) == "Front desk"


def test_enter_on_a_single_match_prints_that_badge(qtbot, page, ctx, printer):
    person = ctx.people[0]
    find_one(qtbot, page, person)
    qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "printed 1 badge(s)" in page.status.text(), timeout=TIMEOUT_MS)
    assert len(printer.printed) == 1
    qtbot.waitUntil(lambda: page.jobs.rowCount() == 1 and page.attendees.rowCount() == 1
                    and page.attendees.data(page.attendees.index(0, 0)) == "Printed", timeout=TIMEOUT_MS)
    assert page.jobs.data(page.jobs.index(0, 2)) == "Printed"
    assert page.jobs.data(page.jobs.index(0, 1)) == person.full_name
    assert print_log(ctx.db)[0]["user"] == "anna"


def test_reprint_asks_first_and_is_marked(qtbot, page, ctx, printer, monkeypatch):
    person = ctx.people[1]
    find_one(qtbot, page, person)
    qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(printer.printed) == 1 and idle(page), timeout=TIMEOUT_MS)
    asked: list[str] = []

    def answer(reply):
        def question(_parent, _title, text, *_args):
            asked.append(text)
            return reply
        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(asked) == 1 and idle(page), timeout=TIMEOUT_MS)
    assert person.full_name in asked[0]
    assert len(printer.printed) == 1 and len(list_jobs(ctx.db)) == 1

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(printer.printed) == 2 and idle(page), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: page.jobs.rowCount() == 2, timeout=TIMEOUT_MS)
    assert page.jobs.data(page.jobs.index(0, 2)) == "Printed · reprint"
    assert [e["reprint"] for e in print_log(ctx.db)] == [True, False]


def test_dead_printer_shows_the_problem_and_retry_prints(qtbot, page, ctx, printer):
    printer.dead = True
    find_one(qtbot, page, ctx.people[2])
    qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "not ready" in page.status.text() and idle(page), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: page.jobs.rowCount() == 1, timeout=TIMEOUT_MS)
    assert page.jobs.data(page.jobs.index(0, 2)) == "Queued"
    assert "not ready" in page.jobs.data(page.jobs.index(0, 5))
    assert page.jobs.data(page.jobs.index(0, 2), Qt.ItemDataRole.ForegroundRole) == QColor(theme.AMBER)
    printer.dead = False
    page.job_table.selectRow(0)
    qtbot.keyClick(page, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(printer.printed) == 1 and idle(page), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: page.jobs.data(page.jobs.index(0, 2)) == "Printed", timeout=TIMEOUT_MS)


def test_batch_shows_progress_and_stops(qtbot, page, ctx, printer):
    qtbot.keyClick(page, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: page.progress.isVisible() and page.progress.value() >= 1, timeout=TIMEOUT_MS)
    assert page.progress.maximum() == 250
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: idle(page), timeout=TIMEOUT_MS)
    assert not page.progress.isVisible()
    jobs = list_jobs(ctx.db, limit=1000)
    done = sum(j.state == "done" for j in jobs)
    assert 1 <= done < 250 and len(printer.printed) == done
    assert sum(j.state == "queued" for j in jobs) == 250 - done  # the rest waits in the queue


def test_check_in_hook_prints_once_and_never_reprints_by_itself(qtbot, ctx, tmp_path):
    said: list[str] = []
    hook = make_print_badge_hook(build_actions(ctx.db, ctx.workers, ctx.settings, folder_printer, list))
    hook(ctx.people[3].registration_id, said.append)
    qtbot.waitUntil(lambda: len(said) == 1, timeout=TIMEOUT_MS)
    assert said == ["Badge printed."]
    assert len(list((tmp_path / "out").glob("*.pdf"))) == 1
    hook(ctx.people[3].registration_id, said.append)
    qtbot.waitUntil(lambda: len(said) == 2, timeout=TIMEOUT_MS)
    assert "not printed again" in said[1]


def test_build_page_gives_the_badges_tab(qtbot, ctx):
    widget = build_page(db=ctx.db, workers=ctx.workers, settings=ctx.settings, printer_for=folder_printer,
                        list_printers=lambda: ["Front desk"])
    qtbot.addWidget(widget)
    assert isinstance(widget, PrintPage) and widget.actions.choice == ctx.settings.printer
    qtbot.waitUntil(lambda: widget.attendees.rowCount() == 250, timeout=TIMEOUT_MS)


def test_queue_times_are_in_the_events_zone_not_the_laptops(qtbot, page, ctx, printer, monkeypatch):
    import time

    from desk.services.demo.event import EVENT_TZ

    monkeypatch.setenv("TZ", "America/New_York")  # the laptop's own zone must not leak in
    time.tzset()
    try:
        find_one(qtbot, page, ctx.people[4])
        qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: len(printer.printed) == 1 and idle(page), timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: page.jobs.rowCount() == 1, timeout=TIMEOUT_MS)
        asked = page.jobs.row_at(0).created_at
        shown = page.jobs.data(page.jobs.index(0, 0))
        assert shown == asked.astimezone(EVENT_TZ).strftime("%H:%M:%S")
        assert shown != asked.astimezone(dt.timezone.utc).strftime("%H:%M:%S")  # Brussels is UTC+1 in December
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_window_at_1366x768_does_not_grow_after_printing(qtbot, ctx, tmp_path):
    from desk.ui.main_window import MainWindow

    deep = tmp_path / ("a-very-long-folder-name-for-the-badge-printer-at-the-entrance-" * 4)
    dead = FolderPrinter(deep / "gone", name="badge-printer-with-a-very-long-name-at-entrance-number-one-" * 3,
                         dead=True)
    page = PrintPage(PrintActions(ctx.db, ctx.workers, ctx.settings, "anna", printer_for=lambda _c, _l: dead,
                                  list_printers=lambda: ["Zebra ZD421 at the front desk of the entrance hall, second floor " * 4]))
    # the badge page is not the first tab: it is first shown after the printer list arrived
    window = MainWindow("desk", [("Check-in", QLabel("entrance")), ("Badges", page)])
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitUntil(lambda: page.attendees.rowCount() == 250 and page.printer_box.count() == 2, timeout=TIMEOUT_MS)
    window.tabs.setCurrentIndex(1)
    find_one(qtbot, page, ctx.people[5])
    qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "not ready" in page.status.text() and idle(page), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: page.jobs.rowCount() == 1, timeout=TIMEOUT_MS)
    window.show_message("Desk: entrance · " + "a warning that is far too long for any status bar " * 6)
    qtbot.wait(50)
    assert window.width() <= 1366 and window.height() <= 768
    assert window.minimumSizeHint().width() <= 1366
    assert page.status.toolTip() == page.status.text() and dead.name in page.status.text()  # whole text kept
    window.grab().save(str(tmp_path / "print-page-1366.png"))
    page.close()
