"""Scanning a picture or a video file through the camera pipeline (`desk scan FILE`).

The file is played by desk.devices.camera.FileCamera and decoded by the desk's decoder,
exactly as the webcam worker does, so a recorded entrance can be replayed and checked.
Each distinct code is checked in once, at the moment it first appears in the video.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desk.core.checkin.decision import ScanOutcome
from desk.services.checkin.entrance import CheckinResult, PublicKeys, attendee_id, check_in
from desk.store.db import Database


@dataclass(frozen=True)
class ScanRecord:
    """One code found in the file and the desk's answer to it.

    `ms` is frame in → answer committed (decode of that frame plus the check-in); `frame`
    is the index of the video frame it was first read in (None for a picture).
    """

    code: str
    ms: float
    frame: int | None
    result: CheckinResult

    @property
    def outcome(self) -> ScanOutcome:
        return self.result.outcome

    def to_json(self) -> dict[str, Any]:
        """The JSON line `desk scan` prints: code, outcome, attendee, ms, and frame for a video."""
        doc: dict[str, Any] = {
            "code": self.code, "outcome": self.outcome.value,
            "attendee": attendee_id(self.result.registration), "ms": round(self.ms, 2),
        }
        if self.frame is not None:
            doc["frame"] = self.frame
        return doc


def scan_file(
    db: Database, path: Path | str, desk: str, at: dt.datetime, keys: PublicKeys | None = None,
    decoder: Any = None, cancelled: Callable[[], bool] = lambda: False,
) -> Iterator[ScanRecord]:
    """Yield one ScanRecord per distinct code in a picture or video file, as it is found.

    A video's check-ins are timed `at` plus the frame's offset in the video, so a replay
    keeps the order and spacing of the arrivals. Raises DeviceError when the file cannot be
    read, and DeviceError when no QR decoder is installed.
    """
    from desk.devices.camera import FileCamera  # noqa: PLC0415 - cv2 loads only when scanning
    from desk.devices.decoder import default_decoder  # noqa: PLC0415

    decoder = decoder or default_decoder()
    camera = FileCamera(path)
    camera.open()
    seen: set[str] = set()
    try:
        fps = camera.fps
        while not cancelled():
            start = time.perf_counter()
            frame = camera.read()
            if frame is None:
                break
            found = decoder.decode(frame)
            decode_ms = (time.perf_counter() - start) * 1000
            for item in found:
                if item.text in seen:
                    continue
                seen.add(item.text)
                offset = dt.timedelta(seconds=camera.frame_index / fps) if fps > 0 else dt.timedelta(0)
                begun = time.perf_counter()
                result = check_in(db, item.text, desk, at + offset, keys)
                # each code's time: reading its frame plus its own check-in and commit
                elapsed = decode_ms + (time.perf_counter() - begun) * 1000
                yield ScanRecord(item.text, elapsed, None if camera.is_still else camera.frame_index, result)
    finally:
        camera.close()
