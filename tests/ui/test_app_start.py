"""The window's start-up on a database desk must not use: the sentence in a window, no traceback."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desk import app as desk_app


def test_the_window_says_why_it_will_not_open_a_csv_and_exits_1(qtbot, tmp_path, capsys) -> None:
    csv = tmp_path / "export.csv"
    csv.write_text("registration_id,status\nECC16-0001,validated\n", encoding="utf-8")
    qapp = QApplication.instance()
    sheet, font, palette = qapp.styleSheet(), qapp.font(), qapp.palette()
    shown: list[tuple[str, str]] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, read_and_close)
            return
        shown.append((box.windowTitle(), box.text()))
        box.done(0)

    QTimer.singleShot(50, read_and_close)
    try:
        code = desk_app.main(db_url=f"sqlite:///{csv}")
    finally:  # main() themed the test's application: give the other tests theirs back
        qapp.setStyleSheet(sheet)
        qapp.setFont(font)
        qapp.setPalette(palette)
    assert code == 1
    assert shown and shown[0][0] == "desk cannot start"
    assert "is not a desk database" in shown[0][1] and "left it as it was" in shown[0][1]
    assert "is not a desk database" in capsys.readouterr().err
    assert csv.read_text(encoding="utf-8") == "registration_id,status\nECC16-0001,validated\n"


def test_the_window_says_the_database_key_is_wrong(qtbot, tmp_path, monkeypatch, capsys) -> None:
    from desk.store.db import open_database

    url = f"sqlite:///{tmp_path / 'desk.sqlite'}"
    open_database(url, key="the station's key").close()
    monkeypatch.setenv("DESK_DB_KEY", "a guess")
    qapp = QApplication.instance()
    sheet, font, palette = qapp.styleSheet(), qapp.font(), qapp.palette()
    shown: list[str] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, read_and_close)
            return
        shown.append(box.text())
        box.done(0)

    QTimer.singleShot(50, read_and_close)
    try:
        code = desk_app.main(db_url=url)
    finally:
        qapp.setStyleSheet(sheet)
        qapp.setFont(font)
        qapp.setPalette(palette)
    assert code == 1
    assert shown and shown[0].startswith("The database key is wrong")
    assert "Traceback" not in capsys.readouterr().err
