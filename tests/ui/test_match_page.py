"""The organiser's matchmaking page: import, schedule on a worker, publish, the board."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from desk.devices.sound import RecordingSound
from desk.ui.match_page import build_page
from desk.ui.workers import Workers
from tests.services.match_files import write

AT = dt.datetime(2016, 11, 30, 8, 35, tzinfo=dt.timezone.utc)


def test_import_schedule_publish_and_board(qtbot, db, tmp_path) -> None:
    workers = Workers()
    ctx = SimpleNamespace(db=db, workers=workers, clock=lambda: AT, sound=RecordingSound(),
                          settings=SimpleNamespace(desk_name="match desk"))
    title, page = build_page(ctx)
    qtbot.addWidget(page)
    assert title == "Matchmaking"
    page.import_paths(write(tmp_path))
    qtbot.waitUntil(lambda: page.counts.text().startswith("5 participants"), timeout=5000)
    page.tables.setValue(2)
    page.time_limit.setValue(1)
    page.schedule()
    qtbot.waitUntil(lambda: page.summary.text().startswith("held 5 of 7 requested, upper bound 5, optimal yes"),
                    timeout=10000)
    assert page.unscheduled.count() == 2 and page.schedule_button.isEnabled()
    page.publish_button.click()
    qtbot.waitUntil(lambda: page.message.text() == "Schedule version 1 published.", timeout=5000)
    page.scan.setText("NOT-A-BADGE")
    page.scan.returnPressed.emit()
    qtbot.waitUntil(lambda: page.scan_answer.text().startswith("✖"), timeout=5000)
    page.open_board()
    qtbot.addWidget(page.board)
    qtbot.waitUntil(lambda: page.board.title.text() == "Round 1  ·  09:30–09:50", timeout=5000)
    page.board.stop()
    workers.shutdown()
