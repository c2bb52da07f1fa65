"""The device interfaces. Real implementations and test ones both satisfy them."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np


class DeviceError(Exception):
    """A device cannot do what was asked; the message is for a desk worker."""


@dataclass(frozen=True)
class Decoded:
    """One code found in a frame: its text and its corner points in frame pixels."""

    text: str
    corners: tuple[tuple[int, int], ...] = field(default_factory=tuple)
    decoder: str = ""


@runtime_checkable
class Camera(Protocol):
    """A source of frames (BGR numpy arrays)."""

    def open(self) -> None:
        """Start capturing; raise DeviceError when the camera is missing or busy."""

    def read(self) -> np.ndarray | None:
        """Return the next frame, or None when no frame is available (end of file, unplugged)."""

    def close(self) -> None:
        """Release the camera. Safe to call twice."""


@runtime_checkable
class Decoder(Protocol):
    """Finds QR codes in a frame."""

    name: str

    def decode(self, frame: np.ndarray) -> list[Decoded]:
        """Return every code readable in the frame (empty list when none). Never raises on content."""


class JobState(enum.StrEnum):
    """Where a print job stands."""

    QUEUED = "queued"
    PRINTING = "printing"
    DONE = "done"
    FAILED = "failed"


@runtime_checkable
class Printer(Protocol):
    """Something that prints a finished PDF file."""

    name: str

    def is_ready(self) -> bool:
        """True when the printer can take a job now."""

    def print_pdf(self, pdf: Path, copies: int = 1) -> JobState:
        """Send one PDF; return DONE or raise DeviceError (the job then stays queued)."""


@runtime_checkable
class SoundSink(Protocol):
    """Plays short named cues: 'ok', 'warn', 'error', 'round_end'."""

    def play(self, cue: str) -> None:
        """Play a cue without blocking; unknown cues are ignored."""
