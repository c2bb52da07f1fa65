"""Shared test set-up: headless Qt, private folders, real database files."""

from __future__ import annotations

import os

# Before any QApplication exists: no test needs a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")

import pytest


@pytest.fixture(autouse=True)
def _private_folders(tmp_path_factory, monkeypatch):
    """No test ever reads or writes the developer's own settings or data."""
    base = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("DESK_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("DESK_CONFIG_DIR", str(base / "config"))
    monkeypatch.delenv("DESK_DB", raising=False)
    monkeypatch.delenv("DESK_NAME", raising=False)
    yield
