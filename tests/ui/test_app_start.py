"""The window's start-up on a database desk must not use: the sentence in a window, no traceback."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desk import app as desk_app


def run_main(**options: object) -> int:
    """desk's start-up as `desk run` does it; main() themes the test's application, so its look
    is put back after for the other tests."""
    qapp = QApplication.instance()
    sheet, font, palette = qapp.styleSheet(), qapp.font(), qapp.palette()
    try:
        return desk_app.main(**options)
    finally:
        qapp.setStyleSheet(sheet)
        qapp.setFont(font)
        qapp.setPalette(palette)


def test_the_window_says_why_it_will_not_open_a_csv_and_exits_1(qtbot, tmp_path, capsys) -> None:
    csv = tmp_path / "export.csv"
    csv.write_text("registration_id,status\nECC16-0001,validated\n", encoding="utf-8")
    shown: list[tuple[str, str]] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, read_and_close)
            return
        shown.append((box.windowTitle(), box.text()))
        box.done(0)

    QTimer.singleShot(50, read_and_close)
    code = run_main(db_url=f"sqlite:///{csv}")
    assert code == 1
    assert shown and shown[0][0] == "desk cannot start"
    assert "is not a desk database" in shown[0][1] and "left it as it was" in shown[0][1]
    assert "is not a desk database" in capsys.readouterr().err
    assert csv.read_text(encoding="utf-8") == "registration_id,status\nECC16-0001,validated\n"


def test_the_window_says_the_database_key_is_wrong(qtbot, tmp_path, monkeypatch, capsys) -> None:
    from desk.services.event import EventChanges, create_event
    from desk.store.db import open_database

    url = f"sqlite:///{tmp_path / 'desk.sqlite'}"
    db = open_database(url, key="the station's key")
    create_event(db, EventChanges(name="Forum", venue="Hall", days=(dt.date(2026, 11, 30),), timezone="Europe/Lisbon"))
    db.close()
    monkeypatch.setenv("DESK_DB_KEY", "a guess")
    shown: list[str] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, read_and_close)
            return
        shown.append(box.text())
        box.done(0)

    QTimer.singleShot(50, read_and_close)
    code = run_main(db_url=url)
    assert code == 1
    assert shown and shown[0].startswith("The database key is wrong")
    assert "Traceback" not in capsys.readouterr().err


def test_the_window_asks_for_the_key_of_an_encrypted_database_until_it_opens(qtbot, tmp_path, monkeypatch) -> None:
    from PySide6.QtWidgets import QInputDialog

    url = _encrypted_station(tmp_path, "the station's key")
    asked: list[str] = []
    answers = ["a guess", "the station's key"]

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QInputDialog):
            if len(asked) < len(answers):
                QTimer.singleShot(50, answer)
            return
        asked.append(dialog.labelText())
        dialog.setTextValue(answers[len(asked) - 1])
        dialog.accept()
        if len(asked) < len(answers):
            QTimer.singleShot(50, answer)

    QTimer.singleShot(50, answer)
    shot = tmp_path / "window.png"
    code = run_main(db_url=url, screenshot=str(shot))
    assert len(asked) == 2
    assert "encrypted" in asked[0] and "wrong" not in asked[0]
    assert asked[1].startswith("The database key is wrong")
    assert code == 0 and shot.exists()  # the window opened on the right key


def test_closing_the_key_question_opens_nothing(qtbot, tmp_path) -> None:
    from PySide6.QtWidgets import QInputDialog

    url = _encrypted_station(tmp_path, "k", with_event=False)
    before = (tmp_path / "desk.sqlite").read_bytes()

    def close() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QInputDialog):
            QTimer.singleShot(50, close)
            return
        dialog.reject()

    QTimer.singleShot(50, close)
    code = run_main(db_url=url)
    assert code == 0
    assert (tmp_path / "desk.sqlite").read_bytes() == before


def _encrypted_station(tmp_path, key: str, *, with_event: bool = True) -> str:
    """An encrypted station database (with an event) and settings that say so, without its key."""
    import os
    from pathlib import Path

    from desk.services.event import EventChanges, create_event
    from desk.store.db import open_database

    url = f"sqlite:///{tmp_path / 'desk.sqlite'}"
    db = open_database(url, key=key)
    if with_event:
        create_event(db, EventChanges(name="Forum", venue="Hall", days=(dt.date(2026, 11, 30),),
                                      timezone="Europe/Lisbon"))
    db.close()
    config = Path(os.environ["DESK_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.toml").write_text("db_encrypted = true\n", encoding="utf-8")
    return url
