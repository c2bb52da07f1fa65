"""A desk worker changes this desk's settings in the window, not in a file."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from desk.config import Settings, load_settings, save_settings
from desk.ui.common.settings_dialog import SettingsDialog


def _ok(dialog: SettingsDialog) -> None:
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()


def test_ok_updates_the_live_settings_and_saves_them(qtbot):
    settings = Settings(desk_name="desk-1")
    saved: list[Settings] = []
    dialog = SettingsDialog(settings, lambda s: (saved.append(s), save_settings(s)))
    qtbot.addWidget(dialog)
    dialog.desk_name.setText("Entrée Ł")  # non-ASCII through setText (PLATFORM.md)
    qtbot.keyClicks(dialog.feed_url, "https://portal.example.eu/api")
    dialog.resolution.setCurrentIndex(dialog.resolution.findData("1920x1080"))
    dialog.sound.setChecked(False)
    _ok(dialog)
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert saved == [settings]  # the same object the pages read
    assert (settings.desk_name, settings.feed_url, settings.camera_width, settings.sound) == (
        "Entrée Ł", "https://portal.example.eu/api", 1920, False)
    again = load_settings()
    assert (again.desk_name, again.feed_url, again.camera_height) == ("Entrée Ł", "https://portal.example.eu/api", 1080)


def test_a_bad_entry_is_said_beside_the_form_and_nothing_changes(qtbot):
    settings = Settings(desk_name="desk-1")
    saved: list[Settings] = []
    dialog = SettingsDialog(settings, saved.append)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.desk_name.clear()
    _ok(dialog)
    assert "Give this desk a name" in dialog.problem.text() and not saved
    dialog.desk_name.setText("Door Europa")
    dialog.feed_url.setText("portal.example.eu")
    _ok(dialog)
    assert "https://" in dialog.problem.text() and not saved
    assert settings.desk_name == "desk-1"  # untouched until OK succeeds
    dialog.feed_url.clear()
    qtbot.keyClick(dialog.feed_url, Qt.Key.Key_Return)
    assert saved == [settings] and settings.desk_name == "Door Europa"


def test_printer_layout_and_print_on_checkin_are_saved_and_read_back(qtbot, tmp_path):
    from desk.config import settings_path
    from desk.ui.common.workers import Workers

    workers = Workers()
    settings = load_settings()
    assert (settings.printer, settings.badge_layout, settings.print_on_checkin) == ("", "a6", False)
    dialog = SettingsDialog(settings, save_settings, workers=workers, list_printers=lambda: ["Front desk", "Zebra"])
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.printer.findData("Zebra") >= 0)
    dialog.printer.setCurrentIndex(dialog.printer.findData("Zebra"))
    dialog.layout_box.setCurrentIndex(dialog.layout_box.findData("label-4x3"))
    dialog.print_on_checkin.setChecked(True)
    _ok(dialog)
    assert settings_path().is_file() and str(settings_path()).startswith(os.environ["DESK_CONFIG_DIR"])
    again = load_settings()
    assert (again.printer, again.badge_layout, again.print_on_checkin) == ("Zebra", "label-4x3", True)

    # opened again, the dialog shows what was saved; a folder can be chosen instead
    reopened = SettingsDialog(again, save_settings, workers=workers, list_printers=lambda: [])
    qtbot.addWidget(reopened)
    assert reopened.printer.currentData() == "Zebra" and reopened.printer.currentText() == "Zebra"
    assert reopened.layout_box.currentData() == "label-4x3" and reopened.print_on_checkin.isChecked()
    reopened.choose_folder(str(tmp_path / "badges"))
    assert reopened.printer.currentText() == "PDF folder: badges"
    assert reopened.printer.itemData(reopened.printer.currentIndex(), Qt.ItemDataRole.ToolTipRole) == str(
        tmp_path / "badges")
    reopened.print_on_checkin.setChecked(False)
    _ok(reopened)
    last = load_settings()
    assert (last.printer, last.print_on_checkin) == (f"folder:{tmp_path / 'badges'}", False)
    workers.shutdown()


def test_the_hub_address_must_be_a_postgresql_address(qtbot):
    settings = Settings(desk_name="desk-1")
    saved: list[Settings] = []
    dialog = SettingsDialog(settings, saved.append)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.hub_url, "10.0.0.2/ecc")
    _ok(dialog)
    assert "postgresql://" in dialog.problem.text() and not saved and settings.hub_url == ""
    dialog.hub_url.setText("postgresql://desk@10.0.0.2/ecc")
    _ok(dialog)
    assert saved == [settings] and settings.hub_url == "postgresql://desk@10.0.0.2/ecc"
