"""Door mode as a host uses it: scan in, move between rooms, exit, headcount, full room,
the webcam, and the programme editor opened from the door."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from desk.devices.base import DeviceError
from desk.devices.camera import FileCamera
from desk.devices.decoder import default_decoder
from desk.devices.sound import RecordingSound
from desk.devices.synthetic import make_frame, write_video
from desk.services import rooms_programme
from desk.services.badge_codes import code_for, ensure_event_keys
from desk.services.demo import install_demo
from desk.services.rooms import Rooms
from desk.services.rooms_programme import install_demo_programme
from desk.store import rooms as store
from desk.store.schema_checkin import CheckinRow
from desk.ui.door_page import DoorPage
from desk.ui.workers import Workers

BXL = ZoneInfo("Europe/Brussels")


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2016, 12, 1, 11, 0, tzinfo=BXL)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def door(qtbot, db):
    data = install_demo(db, dt.date(2016, 11, 30))
    install_demo_programme(db, dt.date(2016, 11, 30))
    people = [r for r in data.registrations if r.is_attendee and dt.date(2016, 12, 1) in r.days]
    with db.begin() as session:
        session.add_all(CheckinRow(id=uuid.uuid4().hex, registration_id=r.registration_id, day=dt.date(2016, 12, 1),
                                   at=dt.datetime(2016, 12, 1, 8, 0, tzinfo=BXL), desk="entrance") for r in people[:-1])
    workers, clock, sound = Workers(), Clock(), RecordingSound()
    page = DoorPage(workers, Rooms(db, keys={}), clock, "door-1", sound, None, BXL)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(lambda: page.room_box.count() == 5, timeout=5000)
    yield page, people, clock, sound
    page.stop()
    workers.shutdown()


def pick(qtbot, page, room: str) -> None:
    page.room_box.setCurrentIndex(page.room_box.findData(room))
    qtbot.waitUntil(lambda: page.count_label.text().endswith("free"), timeout=5000)


def scan(qtbot, page, code: str) -> None:
    before = page.answers
    qtbot.keyClicks(page.scan_field, code)
    qtbot.keyClick(page.scan_field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.answers > before, timeout=5000)


def test_scan_in_then_move_to_another_room(qtbot, door) -> None:
    page, people, clock, sound = door
    pick(qtbot, page, "Europa")
    scan(qtbot, page, people[0].ticket_code)
    assert page.answer.text().startswith("IN\n") and people[0].full_name in page.answer.text()
    assert page.count_label.text() == "1 / 80   79 free" and sound.played == ["ok"]
    assert page.scan_field.hasFocus() or not page.isVisible()
    clock.now += dt.timedelta(minutes=2)
    pick(qtbot, page, "Atrium")
    scan(qtbot, page, people[0].ticket_code)
    assert page.count_label.text() == "1 / 60   59 free"
    pick(qtbot, page, "Europa")
    qtbot.waitUntil(lambda: page.count_label.text() == "0 / 80   80 free", timeout=5000)


def test_exit_mode_and_auto_exit_at_session_end(qtbot, door) -> None:
    page, people, clock, _sound = door
    pick(qtbot, page, "Rogier")
    scan(qtbot, page, people[0].ticket_code)
    scan(qtbot, page, people[1].ticket_code)
    qtbot.keyClick(page, Qt.Key.Key_F2)
    assert page.exit_button.isChecked() and "EXIT" in page.exit_button.text()
    scan(qtbot, page, people[1].ticket_code)
    assert page.answer.text().startswith("OUT") and page.count_label.text() == "1 / 50   49 free"
    clock.now = dt.datetime(2016, 12, 1, 12, 30, tzinfo=BXL)
    page.refresh()
    qtbot.waitUntil(lambda: page.count_label.text() == "0 / 50   50 free", timeout=5000)


def test_headcount_and_full_room_with_redirect(qtbot, door) -> None:
    page, people, _clock, sound = door
    pick(qtbot, page, "Botanique")
    page.headcount_box.setValue(40)
    qtbot.mouseClick(page.headcount_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Headcount recorded" in page.status_line.text(), timeout=5000)
    qtbot.waitUntil(lambda: page.count_label.text() == "40 / 40   0 free", timeout=5000)
    scan(qtbot, page, people[0].ticket_code)
    assert page.answer.text().startswith("ROOM FULL")
    assert page.detail.text().startswith("Send them to Europa") and "80 seats free" in page.detail.text()
    assert sound.played[-1] == "error"


def test_not_checked_in_and_unknown_codes_warn(qtbot, door) -> None:
    page, people, _clock, sound = door
    pick(qtbot, page, "Europa")
    scan(qtbot, page, people[-1].ticket_code)
    assert "not checked in" in page.answer.text() and sound.played[-1] == "warn"
    scan(qtbot, page, "NOPE-123")
    assert page.answer.text().startswith("UNKNOWN CODE") and sound.played[-1] == "error"


# --- the webcam ---------------------------------------------------------------------------------

@pytest.fixture
def camera_door(qtbot, db):
    """A door page whose webcam plays a video; yields (make_page, person, badge code)."""
    data = install_demo(db, dt.date(2016, 11, 30))
    install_demo_programme(db, dt.date(2016, 11, 30))
    person = next(r for r in data.registrations if r.is_attendee and dt.date(2016, 12, 1) in r.days)
    code = code_for(ensure_event_keys(db), person.registration_id)  # a real signed badge code
    made: list[tuple[DoorPage, Workers]] = []

    def make(camera_factory) -> DoorPage:  # noqa: ANN001
        workers = Workers()
        page = DoorPage(workers, Rooms(db), Clock(), "door-cam", RecordingSound(), None, BXL,
                        camera_factory=camera_factory, decoder=default_decoder())
        qtbot.addWidget(page)
        page.resize(1366, 768)
        page.show()
        qtbot.waitUntil(lambda: page.room_box.count() == 5, timeout=5000)
        made.append((page, workers))
        return page
    yield make, person, code
    for page, workers in made:
        page.stop()
        workers.shutdown()


def test_a_badge_held_before_the_webcam_is_one_entry(qtbot, camera_door, db, tmp_path) -> None:
    make, person, code = camera_door
    frames = [make_frame(None, (640, 480), seed=i) for i in range(2)] + [
        make_frame(code, (640, 480), module_px=5, seed=10 + i) for i in range(12)]
    video = write_video(tmp_path / "door.avi", frames, fps=30, codec="MJPG")
    cameras: list[FileCamera] = []

    def camera() -> FileCamera:
        cameras.append(FileCamera(video, loop=True))
        return cameras[-1]
    page = make(camera)
    pick(qtbot, page, "Europa")
    qtbot.keyClick(page, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: page.answers == 1, timeout=10_000)
    assert page.answer.text().startswith("IN") and page.answer.text().endswith(f"\n{person.full_name}")
    assert page.camera_status.text().startswith("Camera on")
    qtbot.waitUntil(lambda: page.preview.pixmap() is not None and not page.preview.pixmap().isNull(), timeout=5000)
    # the video loops: the badge stays in view for many frames, and it is still one scan
    qtbot.waitUntil(lambda: cameras[0].loops >= 3, timeout=10_000)
    assert page.answers == 1 and page.scan_field.hasFocus()
    with db.begin() as session:
        events = store.door_events(session)
    assert [(e.room, e.registration_id, e.move.value) for e in events] == [("Europa", person.registration_id, "entry")]
    qtbot.waitUntil(lambda: page.count_label.text() == "1 / 80   79 free", timeout=5000)


def test_no_camera_is_a_state_with_retry_on_f3(qtbot, camera_door) -> None:
    make, _person, _code = camera_door

    def missing() -> FileCamera:
        raise DeviceError("camera 0 is not connected or busy")
    page = make(missing)
    qtbot.keyClick(page, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: page.retry_button.isVisible(), timeout=5000)
    assert "not connected or busy" in page.camera_status.text() and page.preview.text() == "No camera"
    assert page.retry_button.text() == "Retry camera  (F3)"
    qtbot.keyClick(page, Qt.Key.Key_F3)  # still missing: still a state, not a crash
    qtbot.waitUntil(lambda: page.retry_button.isVisible(), timeout=5000)


# --- the programme changes ---------------------------------------------------------------------

def test_ctrl_e_edits_the_programme_and_the_picker_follows(qtbot, door) -> None:
    page, _people, _clock, _sound = door
    pick(qtbot, page, "Rogier")
    qtbot.keyClick(page, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    editor = page._editor
    qtbot.addWidget(editor)
    qtbot.waitUntil(lambda: editor.isVisible() and editor.room_model.rowCount() == 5, timeout=5000)
    editor.room_table.setFocus()
    editor.room_table.selectRow(3)  # Rogier
    qtbot.keyClick(editor.room_table, Qt.Key.Key_Return)
    assert editor.room_form.name_edit.hasFocus() and editor.room_form.name_edit.text() == "Rogier"
    editor.room_form.name_edit.selectAll()
    # a person types (80 ms a key): twelve keys at machine speed and Enter would be a scanner's burst
    qtbot.keyClicks(editor.room_form.name_edit, "Salle Rogier", Qt.KeyboardModifier.NoModifier, 80)
    qtbot.keyClick(editor.room_form.name_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.room_box.findData("Salle Rogier") >= 0, timeout=5000)
    assert page.room() == "Salle Rogier" and page.room_box.findData("Rogier") == -1
    qtbot.waitUntil(lambda: page.session_label.text().endswith("Key enabling technologies: Cross-sectoral value-chain linkages"),
                    timeout=5000)
    editor.close()


def test_an_import_elsewhere_refreshes_the_room_list(qtbot, door, db) -> None:
    page, _people, _clock, _sound = door
    assert rooms_programme.save_room(db, None, {"room": "Orangerie", "capacity": 30}).ok  # e.g. another desk
    page.refresh()
    qtbot.waitUntil(lambda: page.room_box.count() == 6, timeout=5000)
    assert page.room_box.itemText(5) == "Orangerie  (30 seats)"
