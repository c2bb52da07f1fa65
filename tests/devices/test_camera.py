"""Cameras: video files played through FileCamera, and a webcam that is not there."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from desk.devices.base import Camera, DeviceError
from desk.devices.camera import FileCamera, OpenCVCamera, parse_device
from desk.devices.decoder import ZxingDecoder
from desk.devices.synthetic import Degradation, make_frame, sample_code, write_video

CODE_A = sample_code(21)
CODE_B = sample_code(22)
# Which code each of the 12 frames shows (None: nobody at the desk).
SCRIPT = [None, None, CODE_A, CODE_A, CODE_A, None, None, None, CODE_B, CODE_B, None, None]


def _frames() -> list[np.ndarray]:
    return [
        make_frame(code, "720p", module_px=5, degradation=Degradation(noise_sigma=6), seed=i, centre=(0.5, 0.5))
        for i, code in enumerate(SCRIPT)
    ]


@pytest.fixture(scope="module", params=["mp4v", "MJPG"])
def video(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    suffix = ".mp4" if request.param == "mp4v" else ".avi"
    path = tmp_path_factory.mktemp("video") / f"desk{suffix}"
    return write_video(path, _frames(), fps=15, codec=request.param)


def _play(camera: FileCamera, limit: int = 100) -> list[tuple[int, list[str]]]:
    decoder = ZxingDecoder()
    seen = []
    for _ in range(limit):
        frame = camera.read()
        if frame is None:
            break
        seen.append((camera.frame_index, [d.text for d in decoder.decode(frame)]))
    return seen


def test_codes_are_decoded_in_the_right_frames(video: Path) -> None:
    camera = FileCamera(video)
    assert isinstance(camera, Camera)
    camera.open()
    seen = _play(camera)
    camera.close()
    assert [index for index, _ in seen] == list(range(len(SCRIPT)))
    assert [texts for _, texts in seen] == [[c] if c else [] for c in SCRIPT]
    assert camera.fps == 0.0  # closed


def test_video_frames_keep_their_size(video: Path) -> None:
    camera = FileCamera(video)
    camera.open()
    frame = camera.read()
    assert frame is not None and frame.shape == (720, 1280, 3) and frame.dtype == np.uint8
    assert camera.fps == pytest.approx(15, abs=0.5)
    camera.close()
    camera.close()  # twice is fine
    assert camera.read() is None


def test_loop_starts_again_and_counts(video: Path) -> None:
    camera = FileCamera(video, loop=True)
    camera.open()
    indexes = [index for index, _ in _play(camera, limit=len(SCRIPT) * 2 + 3)]
    assert indexes == list(range(len(SCRIPT))) * 2 + [0, 1, 2]
    assert camera.loops == 2
    camera.close()


def test_still_picture_is_one_frame(tmp_path: Path) -> None:
    path = tmp_path / "badge.png"
    cv2.imwrite(str(path), make_frame(CODE_A, "720p", module_px=5, seed=3))
    once = FileCamera(path)
    once.open()
    assert [texts for _, texts in _play(once)] == [[CODE_A]]
    looping = FileCamera(path, loop=True)
    looping.open()
    assert [index for index, _ in _play(looping, limit=3)] == [0, 0, 0]
    assert looping.loops == 2


@pytest.mark.parametrize("name", ["missing.mp4", "missing.png"])
def test_missing_file_is_a_device_error(tmp_path: Path, name: str) -> None:
    with pytest.raises(DeviceError, match="not found"):
        FileCamera(tmp_path / name).open()


@pytest.mark.parametrize("name", ["broken.mp4", "broken.png"])
def test_unreadable_file_is_a_device_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"this is not a video" * 10)
    with pytest.raises(DeviceError, match="cannot be read"):
        FileCamera(path).open()


def test_absent_webcam_is_a_readable_device_error() -> None:
    camera = OpenCVCamera("99")
    assert isinstance(camera, Camera) and camera.device == 99
    with pytest.raises(DeviceError) as caught:
        camera.open()
    assert str(caught.value) == "camera 99 is not connected or busy"
    assert not camera.is_open and camera.read() is None
    camera.close()


def test_webcam_source_can_be_a_file(video: Path) -> None:
    # A path (or a stream URL) string is handed to OpenCV as a source; re-opening starts again.
    camera = OpenCVCamera(str(video), width=1280, height=720)
    camera.open()
    first = camera.read()
    assert first is not None and first.shape == (720, 1280, 3)
    for _ in SCRIPT[1:]:
        assert camera.read() is not None
    assert camera.read() is None  # the source ran dry, as an unplugged camera does
    camera.open()
    assert camera.read() is not None
    camera.close()


def test_absent_stream_names_the_source(tmp_path: Path) -> None:
    with pytest.raises(DeviceError, match=r"camera source .*nothing\.mp4 is not connected or busy"):
        OpenCVCamera(str(tmp_path / "nothing.mp4")).open()


@pytest.mark.parametrize(("given", "expected"), [("0", 0), (" 2 ", 2), (1, 1), ("rtsp://desk/cam", "rtsp://desk/cam")])
def test_parse_device(given: str | int, expected: str | int) -> None:
    assert parse_device(given) == expected
