"""`desk scan FILE` through the camera pipeline: pictures and videos, each code checked in once."""

from __future__ import annotations

import datetime as dt

import cv2
import pytest

from desk.core.checkin.decision import ScanOutcome
from desk.services.demo.event import EVENT_TZ
from desk.devices.base import DeviceError
from desk.devices.synthetic import Degradation, make_frame, write_video
from desk.services.demo.event import install_demo
from desk.services.checkin.scanfile import scan_file

START = dt.datetime(2016, 12, 1, 8, 30, tzinfo=EVENT_TZ)
SMALL = (640, 480)


@pytest.fixture
def tickets(db):
    regs = install_demo(db, dt.date(2016, 11, 30)).registrations
    return [r for r in regs if r.is_attendee and dt.date(2016, 12, 1) in r.days][:2]


def test_a_picture_is_one_scan_without_a_frame_number(db, tickets, tmp_path) -> None:
    path = tmp_path / "badge.png"
    cv2.imwrite(str(path), make_frame(tickets[0].ticket_code, SMALL, module_px=6, seed=3,
                                      degradation=Degradation(tilt_deg=20, blur_sigma=0.8, glare=0.4)))
    (record,) = list(scan_file(db, path, "door", START))
    assert record.outcome is ScanOutcome.WELCOME
    doc = record.to_json()
    assert set(doc) == {"code", "outcome", "attendee", "ms"}
    assert doc["attendee"] == tickets[0].registration_id and doc["ms"] > 0


def test_a_video_checks_each_code_in_once_at_its_frame(db, tickets, tmp_path) -> None:
    frames = ([make_frame(None, SMALL, seed=i) for i in range(3)]
              + [make_frame(tickets[0].ticket_code, SMALL, module_px=6, seed=10 + i) for i in range(8)]
              + [make_frame(None, SMALL, seed=30 + i) for i in range(3)]
              + [make_frame(tickets[1].ticket_code, SMALL, module_px=6, seed=40 + i,
                            degradation=Degradation(noise_sigma=8)) for i in range(8)]
              + [make_frame(tickets[0].ticket_code, SMALL, module_px=6, seed=60 + i) for i in range(3)])
    video = write_video(tmp_path / "desk.avi", frames, fps=10, codec="MJPG")
    records = list(scan_file(db, video, "door", START))
    assert [(r.code, r.outcome) for r in records] == [
        (tickets[0].ticket_code, ScanOutcome.WELCOME), (tickets[1].ticket_code, ScanOutcome.WELCOME)]
    assert records[0].frame == 3 and 14 <= records[1].frame <= 16
    # check-ins are timed at the frame: 10 fps, so frame 3 is 0.3 s after the start
    assert records[0].result.at == START + dt.timedelta(seconds=0.3)
    assert records[1].to_json()["frame"] == records[1].frame
    # a second replay finds them already in
    again = list(scan_file(db, video, "door", START + dt.timedelta(minutes=5)))
    assert {r.outcome for r in again} == {ScanOutcome.ALREADY_IN}


def test_an_unreadable_file_is_a_sentence(db, tmp_path) -> None:
    with pytest.raises(DeviceError, match="not found"):
        list(scan_file(db, tmp_path / "missing.mp4", "door", START))
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a picture")
    with pytest.raises(DeviceError, match="cannot be read"):
        list(scan_file(db, broken, "door", START))
