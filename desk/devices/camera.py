"""Cameras: a real webcam through OpenCV, and a video or picture file played as a camera.

Both follow desk.devices.base.Camera. A camera that cannot be opened raises DeviceError
with a sentence for the desk worker; a camera that stops delivering (unplugged, end of
file) makes read() return None, and the caller may close() and open() it again.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np

from desk.devices.base import DeviceError

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm"})


def parse_device(device: str | int) -> str | int:
    """Return a camera index for "0", "1", ... (or an int), else the path or URL unchanged."""
    if isinstance(device, int):
        return device
    text = device.strip()
    return int(text) if text.isdigit() else text


class OpenCVCamera:
    """A webcam (by index) or a stream URL / device path, through cv2.VideoCapture."""

    def __init__(self, device: str | int = 0, width: int = 1920, height: int = 1080, mjpg: bool = True) -> None:
        self.device = parse_device(device)
        self.width = width
        self.height = height
        # USB webcams give 1080p at 30 fps only as MJPG; raw YUYV falls to ~5 fps on USB 2.
        self.mjpg = mjpg
        self._cap: cv2.VideoCapture | None = None

    @property
    def label(self) -> str:
        """How the desk worker knows this camera: "camera 0" or the source it reads."""
        return f"camera {self.device}" if isinstance(self.device, int) else f"camera source {self.device}"

    @property
    def is_open(self) -> bool:
        """True between a successful open() and close()."""
        return self._cap is not None

    def open(self) -> None:
        """Start capturing; raise DeviceError when the camera is missing or busy. Re-opens if open."""
        self.close()
        cap = cv2.VideoCapture(self.device, cv2.CAP_ANY)
        if not cap.isOpened():
            cap.release()
            raise DeviceError(f"{self.label} is not connected or busy")
        if self.mjpg:
            cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*"MJPG"))
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        # A one-frame buffer: we want the badge in front of the lens now, not a second ago.
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        self._cap = cap
        log.info(
            "%s opened at %dx%d",
            self.label,
            int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
            int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
        )

    def read(self) -> np.ndarray | None:
        """Return the next BGR frame, or None when the grab failed (unplugged) or not open."""
        if self._cap is None:
            return None
        ok, frame = self._cap.read()
        if not ok or frame is None:
            log.warning("%s delivered no frame", self.label)
            return None
        return frame

    def close(self) -> None:
        """Release the camera. Safe to call twice."""
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class FileCamera:
    """Plays a video file (any format OpenCV reads) or a still picture as if it were a camera.

    Used by the tests and by `desk scan FILE`. `frame_index` is the index in the file of the
    last frame read (-1 before the first); with `loop`, the file starts again at the end and
    `loops` counts the restarts. A still picture is one frame long.
    """

    def __init__(self, path: Path | str, loop: bool = False) -> None:
        self.path = Path(path)
        self.loop = loop
        self.frame_index = -1
        self.loops = 0
        self._cap: cv2.VideoCapture | None = None
        self._still: np.ndarray | None = None
        self._opened = False

    @property
    def is_still(self) -> bool:
        """True when the file is a picture rather than a video."""
        return self.path.suffix.lower() in IMAGE_SUFFIXES

    @property
    def fps(self) -> float:
        """Frames per second recorded in the video (0.0 for a picture or when unknown)."""
        return float(self._cap.get(cv2.CAP_PROP_FPS)) if self._cap is not None else 0.0

    def open(self) -> None:
        """Open the file; raise DeviceError when it is missing or OpenCV cannot read it."""
        self.close()
        if not self.path.is_file():
            raise DeviceError(f"video file {self.path} not found")
        if self.is_still:
            still = cv2.imread(str(self.path), cv2.IMREAD_COLOR)
            if still is None:
                raise DeviceError(f"picture {self.path} cannot be read")
            self._still = still
        else:
            cap = cv2.VideoCapture(str(self.path))
            if not cap.isOpened():
                cap.release()
                raise DeviceError(f"video file {self.path} cannot be read")
            self._cap = cap
        self.frame_index = -1
        self.loops = 0
        self._opened = True

    def read(self) -> np.ndarray | None:
        """Return the next frame (BGR), or None at the end of the file (without loop) or when closed."""
        if not self._opened:
            return None
        if self._still is not None:
            if self.frame_index >= 0 and not self.loop:
                return None
            if self.frame_index >= 0:
                self.loops += 1
            self.frame_index = 0
            return self._still.copy()  # the caller may draw on its frame
        frame = self._next_video_frame()
        if frame is None and self.loop and self.frame_index >= 0:
            # Re-open rather than seek: seeking in mp4v files is not frame exact.
            self._restart()
            frame = self._next_video_frame()
        return frame

    def _next_video_frame(self) -> np.ndarray | None:
        assert self._cap is not None
        ok, frame = self._cap.read()
        if not ok or frame is None:
            return None
        self.frame_index += 1
        return frame

    def _restart(self) -> None:
        assert self._cap is not None
        self._cap.release()
        self._cap = cv2.VideoCapture(str(self.path))
        self.frame_index = -1
        self.loops += 1

    def close(self) -> None:
        """Close the file. Safe to call twice."""
        if self._cap is not None:
            self._cap.release()
            self._cap = None
        self._still = None
        self._opened = False
