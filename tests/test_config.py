"""The settings file: written by a TOML writer, read back exactly, replaced atomically."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from desk.config import Settings, load_settings, save_settings

AWKWARD = [
    "", 'say "hello"', "C:\\Users\\desk\\data", "\\", '"', "'", "'''", '"""', "Łódź Δημήτρης Дмитрий 東京",
    "tab\there", "line\nbreak", "cr\rhere", "# not a comment", "key = value", "[section]", " padded ",
    "emoji 🎫", "\u00a0nbsp", "nul-free \x7f del", "postgresql+psycopg://u:p%40ss@hub:5432/desk?sslmode=require",
]


@pytest.mark.parametrize("value", AWKWARD)
def test_awkward_values_come_back_exactly(tmp_path: Path, value: str) -> None:
    path = tmp_path / "settings.toml"
    settings = Settings(desk_name=value, db_url=value, hub_url=value, feed_url=value, feed_token=value,
                        camera=value, printer=value, badge_layout=value, camera_width=1920, camera_height=1080,
                        print_on_checkin=True, sound=False)

    save_settings(settings, path)
    again = load_settings(path)

    assert again.warnings == []
    assert again == settings
    assert "feed_token" not in tomllib.loads(path.read_text(encoding="utf-8"))  # a secret: desk.keychain holds it


def test_defaults_round_trip_and_the_file_is_plain_toml(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    save_settings(Settings(), path)

    assert load_settings(path) == Settings()
    assert tomllib.loads(path.read_text(encoding="utf-8"))["camera_width"] == 1280
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]  # the sibling was renamed over it


def test_saving_replaces_the_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('desk_name = "old"\nprinter = "Zebra"\n', encoding="utf-8")

    save_settings(Settings(desk_name="entrance-2"), path)

    again = load_settings(path)
    assert (again.desk_name, again.printer, again.warnings) == ("entrance-2", "", [])
