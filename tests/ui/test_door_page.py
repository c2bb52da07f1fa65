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
from desk.services.rooms import programme as rooms_programme
from desk.services.badges.codes import code_for, ensure_event_keys
from desk.services.demo.event import install_demo
from desk.services.rooms.door import Rooms
from desk.services.rooms.programme import install_demo_programme
from desk.store import rooms as store
from desk.store.schema.checkin import CheckinRow
from desk.ui.rooms.door_page import DoorPage
from desk.ui.common.workers import Workers

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
    qtbot.waitUntil(lambda: "seats taken" in page.count_label.text(), timeout=5000)


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
    assert page.count_label.text() == "1 of 80 seats taken — 79 free" and sound.played == ["ok"]
    assert page.scan_field.hasFocus() or not page.isVisible()
    clock.now += dt.timedelta(minutes=2)
    pick(qtbot, page, "Atrium")
    scan(qtbot, page, people[0].ticket_code)
    assert page.count_label.text() == "1 of 60 seats taken — 59 free"
    pick(qtbot, page, "Europa")
    qtbot.waitUntil(lambda: page.count_label.text() == "0 of 80 seats taken — 80 free", timeout=5000)


def test_exit_mode_and_auto_exit_at_session_end(qtbot, door) -> None:
    page, people, clock, _sound = door
    pick(qtbot, page, "Rogier")
    scan(qtbot, page, people[0].ticket_code)
    scan(qtbot, page, people[1].ticket_code)
    qtbot.keyClick(page, Qt.Key.Key_F2)
    assert page.exit_button.isChecked() and "EXIT" in page.exit_button.text()
    scan(qtbot, page, people[1].ticket_code)
    assert page.answer.text().startswith("OUT") and page.count_label.text() == "1 of 50 seats taken — 49 free"
    clock.now = dt.datetime(2016, 12, 1, 12, 30, tzinfo=BXL)
    page.refresh()
    qtbot.waitUntil(lambda: page.count_label.text() == "0 of 50 seats taken — 50 free", timeout=5000)


def test_headcount_and_full_room_with_redirect(qtbot, door) -> None:
    page, people, _clock, sound = door
    pick(qtbot, page, "Botanique")
    page.headcount_box.setValue(40)
    qtbot.mouseClick(page.headcount_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Headcount recorded" in page.status_line.text(), timeout=5000)
    qtbot.waitUntil(lambda: page.count_label.text() == "40 of 40 seats taken — FULL", timeout=5000)
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

    def make(camera_factory) -> DoorPage:
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
    qtbot.waitUntil(lambda: page.count_label.text() == "1 of 80 seats taken — 79 free", timeout=5000)


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


# --- issue 11: the door under pressure -----------------------------------------------------------

def _day2_only(db):
    from desk.store import registrations as repo

    with db.begin() as session:
        people = repo.all_registrations(session)
    return [r for r in people if r.is_attendee and r.days == (dt.date(2016, 12, 2),)]


def test_wrong_day_warns_then_refuses_once_the_host_says_so(qtbot, door, db) -> None:
    page, _people, _clock, sound = door
    day2 = _day2_only(db)
    pick(qtbot, page, "Europa")
    scan(qtbot, page, day2[0].ticket_code)
    assert page.answer.text() == f"WRONG DAY — let in (warn only)\n{day2[0].full_name}"
    assert page.detail.text() == "Registered for Fri 02 Dec, not for Thu 01 Dec. Entry recorded (warn only)."
    assert sound.played[-1] == "warn" and page.count_label.text() == "1 of 80 seats taken — 79 free"
    qtbot.waitUntil(lambda: page.day_policy_box.currentText() == "Wrong day: as the event (warn)", timeout=5000)
    page.day_policy_box.setFocus()
    qtbot.keyClick(page.day_policy_box, Qt.Key.Key_Down)  # "Wrong day: refuse"
    qtbot.waitUntil(lambda: page.status_line.text() == "Europa: on the wrong day, refuse.", timeout=5000)
    scan(qtbot, page, day2[1].ticket_code)
    assert page.answer.text() == f"WRONG DAY — not let in\n{day2[1].full_name}"
    assert page.detail.text().endswith("Not let in: send them to the registration desk.")
    assert sound.played[-1] == "error" and page.count_label.text() == "1 of 80 seats taken — 79 free"
    with db.begin() as session:
        assert store.list_rooms(session)[1].wrong_day_policy.value == "refuse"  # Europa, stored


def test_the_headcount_box_follows_the_count_until_the_host_types(qtbot, door) -> None:
    page, people, clock, _sound = door
    pick(qtbot, page, "Rogier")
    for person in people[:3]:
        scan(qtbot, page, person.ticket_code)
    assert page.headcount_box.value() == 3 and page.count_label.text() == "3 of 50 seats taken — 47 free"
    qtbot.keyClick(page, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert page.headcount_box.hasFocus()
    qtbot.keyClicks(page.headcount_box, "15")
    page.refresh()  # the poll does not overwrite what the host is typing
    qtbot.wait(300)
    assert page.headcount_box.value() == 15
    clock.now += dt.timedelta(minutes=1)
    qtbot.keyClick(page.headcount_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.count_label.text() == "15 of 50 seats taken — 35 free", timeout=5000)
    assert page.headcount_box.value() == 15


def test_an_answer_goes_back_to_ready_after_a_few_seconds(qtbot, door) -> None:
    page, people, _clock, _sound = door
    page.answer_hold_ms = 400
    pick(qtbot, page, "Europa")
    scan(qtbot, page, people[0].ticket_code)
    assert page.answer.text().startswith("IN\n") and page.detail.text() == ""
    scan(qtbot, page, "NOPE-123")
    assert page.answer.text().startswith("UNKNOWN CODE") and page.detail.text()
    qtbot.waitUntil(lambda: page.answer.text() == "Ready: scan a badge", timeout=3000)
    assert page.detail.text() == "" and page.answer.styleSheet() == ""
    assert page.scan_field.hasFocus()


def test_the_door_fits_a_1366x768_screen(qtbot, door, tmp_path) -> None:
    page, people, _clock, _sound = door
    pick(qtbot, page, "Europa")
    scan(qtbot, page, people[0].ticket_code)
    hint = page.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 768
    image = page.grab()
    assert (image.width(), image.height()) == (1366, 768) and image.save(str(tmp_path / "door.png"))
