"""The attendee list as a desk worker uses it: type to search, sync a file, see progress."""

from __future__ import annotations

import datetime as dt

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog

from desk.services.registrations.search import search_attendees
from desk.services.event import EventChanges, edit_event
from desk.services.demo.event import install_demo
from desk.services.registrations.sources import open_source
from desk.services.registrations.sync import run_sync
from desk.store import registrations as repo
from desk.ui.registrations.attendees_page import AttendeesPage
from desk.ui.common.workers import Workers


@pytest.fixture
def workers():
    w = Workers()
    yield w
    w.shutdown()


@pytest.fixture
def page(qtbot, db, workers):
    install_demo(db, dt.date(2016, 11, 30))

    def sync(location: str, handle, map_path: str | None = None):
        return run_sync(db, open_source(location, map_path=map_path), progress=handle.progress,
                        cancelled=handle.cancelled)

    p = AttendeesPage(workers, lambda q: search_attendees(db, q), sync, feed_configured=False)
    qtbot.addWidget(p)
    p.show()
    p.refresh()
    qtbot.waitUntil(lambda: p.model.rowCount() == 250, timeout=5000)
    return p


def test_typing_filters_the_list_ignoring_accents(qtbot, page):
    assert "250 of 250 attendees" in page.count_label.text()
    qtbot.keyClicks(page.search_box, "muller")
    qtbot.waitUntil(lambda: page.model.rowCount() < 250, timeout=5000)
    names = {page.model.row_at(i).last_name for i in range(page.model.rowCount())}
    assert names == {"Müller"}
    page.search_box.clear()
    qtbot.waitUntil(lambda: page.model.rowCount() == 250, timeout=5000)


def test_greek_query_finds_greek_names(qtbot, page):
    page.search_box.setText("Παπαδοπουλος")  # typed without the accent
    qtbot.waitUntil(lambda: 0 < page.model.rowCount() < 250, timeout=5000)
    assert all(page.model.row_at(i).last_name == "Παπαδόπουλος" for i in range(page.model.rowCount()))


def test_importing_a_file_shows_the_report_and_refreshes(qtbot, page, db, tmp_path):
    export = tmp_path / "export.csv"
    export.write_text(
        "registration_id;status;first_name;last_name;email;organisation;country\n"
        "NEW-1;validated;Zofia;Łęcka-Nowak;z@l.pl;Nowy Klaster;PL\n"
        "NEW-2;bogus;X;Y;x@y.pl;Z;PL\n", encoding="utf-8")
    # the demo's 250 validated people include 8 staff, who take no seat: 242 seats hold the rest
    edit_event(db, EventChanges(seats=242))
    with qtbot.waitSignal(page.sync_finished, timeout=10000) as blocker:
        page.start_sync(str(export))
        assert page.cancel_button.isVisibleTo(page) and not page.sync_button.isEnabled()
    report = blocker.args[0]
    assert report.added == 1 and report.rejected == 1
    assert page.sync_status.text().startswith("Last import: added 1, updated 0, unchanged 0, rejected 1 rows")
    assert [page.result_list.item(i).text() for i in range(page.result_list.count())] == [
        "flag: 243 validated attendees for 242 seats (1 over)",  # the seat cap, on the page, not in a tooltip
        "row 3: unknown status 'bogus' (expected validated, pending, rejected or cancelled)"]
    assert page.sync_button.isEnabled() and not page.cancel_button.isVisibleTo(page)
    qtbot.waitUntil(lambda: "251 of 251" in page.count_label.text(), timeout=5000)


def test_ctrl_shift_o_imports_a_portal_export_with_a_map_file(qtbot, page, db, monkeypatch):
    portals = Path(__file__).parents[1] / "fixtures" / "import" / "portals"
    asked = []
    answers = iter([str(portals / "pretix-positions.csv"), str(portals / "pretix-map.toml")] * 2)

    def choose(_parent, title, folder, _filter):
        asked.append((title, folder))
        return next(answers), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", choose)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow, timeout=5000)
    with qtbot.waitSignal(page.sync_finished, timeout=10000) as blocker:
        qtbot.keyClick(page.table, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    report = blocker.args[0]

    assert asked == [("Import a portal export", ""), ("The map file for this export", "")]
    assert report.format == "pretix" and report.added == 8
    assert "Read as pretix export." in page.sync_status.text()
    shown = [page.result_list.item(i).text() for i in range(page.result_list.count())]
    assert "flag: days 'Matchmaking only (30 Nov)' not recognised on 1 row (line 5), stored as every event day" in shown
    with db.begin() as session:
        lukasz = repo.get_registration(session, "ECC17-1")
    assert lukasz.days == (dt.date(2016, 12, 1), dt.date(2016, 12, 2))

    # the next export from pretix (the same header row): its map is offered first
    with qtbot.waitSignal(page.sync_finished, timeout=10000):
        qtbot.keyClick(page.table, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert asked[3] == ("The map file for this export", str((portals / "pretix-map.toml").resolve()))


def test_a_broken_map_file_is_a_sentence_not_a_crash(qtbot, page, tmp_path):
    broken = tmp_path / "map.toml"
    broken.write_text("[columns]\nstatus =\n", encoding="utf-8")
    page.start_sync(str(tmp_path / "export.csv"), str(broken))
    qtbot.waitUntil(lambda: "is not valid TOML" in page.sync_status.text(), timeout=5000)
    assert page.map_button.isEnabled()


def test_an_unreadable_file_is_a_sentence_not_a_crash(qtbot, page, tmp_path):
    page.start_sync(str(tmp_path / "missing.csv"))
    qtbot.waitUntil(lambda: "file not found" in page.sync_status.text(), timeout=5000)
    assert page.sync_button.isEnabled()


def test_a_large_import_is_stored_beside_a_usable_list(qtbot, page, db, tmp_path):
    from tests.services.test_sync_large import ROWS, _export

    export = _export(tmp_path / "large.csv")
    statuses = []
    page.sync_status.setText = lambda text, real=page.sync_status.setText: (statuses.append(text), real(text))
    with qtbot.waitSignal(page.sync_finished, timeout=60000) as blocker:
        page.start_sync(str(export))
        page.search_box.setText("muller")  # the desk keeps searching while the file is stored
        qtbot.waitUntil(lambda: 0 < page.model.rowCount() < 250, timeout=10000)
    stored = [s for s in statuses if s.endswith("rows stored")]
    assert stored and stored[-1] == f"Syncing… {ROWS + 2:,} of {ROWS + 2:,} rows stored"
    report = blocker.args[0]
    assert report.summary() == f"added {ROWS}, updated 0, unchanged 0, rejected 2 rows"
    assert report.lines()[1:3] == ["row 12: registration_id R00010 appears again on row 7004; row 7004 was kept",
                                   "row 3003: email 'not-an-email' is not an e-mail address"]
    page.search_box.clear()
    everyone = search_attendees(db, "")
    assert everyone.total_attendees == 250 + sum(1 for i in range(ROWS) if i % 9)  # the demo's and the file's
    qtbot.waitUntil(lambda: page.model.rowCount() == len(everyone.attendees)
                    and not page._debounce.isActive(), timeout=10000)


def test_the_import_result_lists_every_rejected_row_and_flag_without_a_tooltip(qtbot, page, tmp_path):
    rows = ["registration_id,status,first_name,last_name,email,organisation,country"]
    rows += [f"BAD-{n},validated,Anna,Bad{n},not-an-email-{n},Org {n},BE" for n in range(3000)]  # 3,000 bad rows
    rows += [f"CAP-{n},validated,Jan,Kowalski{n},jan{n}@chemia.pl,Cluster Łódź Chemia Sp. z o.o.,PL" for n in range(3)]
    export = tmp_path / "bad.csv"
    export.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with qtbot.waitSignal(page.sync_finished, timeout=30000) as blocker:
        page.start_sync(str(export))
    report = blocker.args[0]
    assert report.rejected == 3000 and report.added == 3
    shown = [page.result_list.item(i).text() for i in range(page.result_list.count())]
    assert len(shown) == len(report.lines()) - 1 + len(report.notes())
    flags = [line for line in shown if line.startswith("flag: ")]
    assert shown[:len(flags)] == flags  # the flags first, above the rejected rows
    assert shown[len(flags)] == "row 2: email 'not-an-email-0' is not an e-mail address"
    assert shown[len(flags) + 2999].startswith("row 3001: ")
    assert any("Cluster Łódź Chemia" in f and "at most 2 per organisation" in f for f in flags)
    assert page.result_list.isVisible() and page.result_list.height() <= 170  # scrolls, never off the screen
    assert page.result_list.verticalScrollBar().maximum() > 0
    assert page.sync_status.toolTip() == "" and "rejected 3000 rows" in page.sync_status.text()
    assert "flag(s) (listed below)" in page.sync_status.text()
    page.resize(1366, 700)
    page.grab().save(str(tmp_path / "import-result.png"))


def test_an_unreachable_feed_is_said_in_plain_words(qtbot, event_db, workers):
    db = event_db  # a sync needs the event first
    from desk.services.connectivity import plain_sync_failure
    from desk.services.registrations.feed import FeedSource

    url = "http://portal.invalid/api"

    def sync(location: str, handle):
        from desk.services.registrations.sources import FeedSourceAdapter

        source = FeedSourceAdapter(url, "t", max_attempts=1)
        assert isinstance(source._feed, FeedSource)
        return run_sync(db, source, progress=handle.progress, cancelled=handle.cancelled)

    p = AttendeesPage(workers, lambda q: search_attendees(db, q), sync, feed_configured=True,
                      describe_failure=lambda m: plain_sync_failure(m, url))
    qtbot.addWidget(p)
    with qtbot.waitSignal(p.sync_failed, timeout=20000) as blocker:
        p.start_sync("")
    # "no such host portal.invalid" here; a laptop without any network says it cannot look the name up
    assert blocker.args[0] in ("The portal could not be reached (no such host portal.invalid). Working offline.",
                               "The portal could not be reached (the name portal.invalid could not be looked up; "
                               "is the network cable or Wi-Fi connected?). Working offline.")
    assert p.sync_status.text() == "⚠ " + blocker.args[0] and "Errno" not in p.sync_status.text()


def test_mapping_columns_by_hand_saves_a_map_file_and_imports_with_it(qtbot, page, db, tmp_path, monkeypatch):
    portals = Path(__file__).parents[1] / "fixtures" / "import" / "portals"
    saved = tmp_path / "other.map.toml"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a: (str(portals / "other-portal.csv"), ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(saved), ""))

    page.columns_button.click()
    qtbot.waitUntil(lambda: page.map_dialog is not None and page.map_dialog.isVisible(), timeout=5000)
    dialog = page.map_dialog
    # desk read what it could on its own; the rest is missing and Save waits for it
    assert dialog.boxes["email"].currentText() == "Mail"
    assert dialog.boxes["organisation"].currentText() == "Institution"
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert not save.isEnabled() and "registration id, status" in dialog.hint.text()
    for column, header in [("registration_id", "Reg. no."), ("status", "Payment"), ("first_name", "Given"),
                           ("last_name", "Family"), ("country", "Nation")]:
        dialog.boxes[column].setCurrentText(header)
    assert save.isEnabled()
    with qtbot.waitSignal(page.sync_finished, timeout=10000) as blocker:
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    report = blocker.args[0]

    assert report.format == "mapped" and report.added == 8 and report.rejected == 0
    assert 'registration_id = "Reg. no."' in saved.read_text(encoding="utf-8")
    # the words are the person's to add to the file: until then they are flagged once each
    assert "flag: status 'bestätigt' not recognised on 4 rows (lines 2, 4, 6, 8), stored as pending" in [
        page.result_list.item(i).text() for i in range(page.result_list.count())]
    with db.begin() as session:
        assert repo.get_registration(session, "X-001").country == "DE"


def test_the_list_shows_the_events_own_categories_and_an_unlisted_key_as_itself(qtbot, page, db, tmp_path):
    from desk.core.categories import EventCategory

    edit_event(db, EventChanges(categories=(
        EventCategory("exhibitor", "Exhibitor", "EXHIBITOR", "#7b2cbf", counted=False, default=True),)))
    export = tmp_path / "export.csv"
    export.write_text("registration_id,status,first_name,last_name,email,organisation,country,category\n"
                      "X-1,validated,Inês,Quintaneiro,i@x.pt,RoboParts,PT,Exhibitor\n", encoding="utf-8")
    with qtbot.waitSignal(page.sync_finished, timeout=10000):
        page.start_sync(str(export))
    page.search_box.setText("quintaneiro")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    assert page.model.index(0, 4).data() == "Exhibitor"
    page.search_box.setText("DG GROW")  # the demo's staff: a key this event no longer lists
    qtbot.waitUntil(lambda: page.model.rowCount() == 8, timeout=5000)
    assert {page.model.index(i, 4).data() for i in range(8)} == {"staff"}
