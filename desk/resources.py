"""The one place that finds files under resources/, in the source tree or a frozen build."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path


@cache
def root() -> Path:
    """Return the resources/ folder (beside the package, or inside the PyInstaller bundle)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def path(*parts: str) -> Path:
    """Return the path of a resource file; raise FileNotFoundError when it is not shipped."""
    p = root().joinpath(*parts)
    if not p.exists():
        raise FileNotFoundError(f"resource missing: {'/'.join(parts)} (looked in {root()})")
    return p


def font(name: str = "DejaVuSans.ttf") -> Path:
    """Path of a shipped TTF font (the badge and the screen use the same files)."""
    return path("fonts", name)


def sound(cue: str) -> Path:
    """Path of the WAV for a named cue."""
    return path("sounds", f"{cue}.wav")


def template(name: str) -> Path:
    """Path of a template file (badge layouts, ...)."""
    return path("templates", name)


def icon(name: str) -> Path:
    """Path of an icon file."""
    return path("icons", name)
