"""Rush benchmark: the morning rush through the real entrance page, two desks on one SQLite file.

    python benchmarks/rush.py [--arrivals 250] [--minutes 30] [--real-s 75] [--key-gap-ms 3]

A fresh demo event (registrations and badge keys) is made in a temporary folder (never the
user's data folder). Two desks, each a CheckInPage in its own window and its own process (as
two laptops would be), open that one SQLite file. The arrivals of 30 minutes of simulated
time are replayed in `--real-s` seconds (the pages' clocks run at that speed):

- most arrivals are a handheld scanner's burst, key events `--key-gap-ms` apart ending in
  Enter, sent to the desk window wherever its focus is (ticket codes, and signed badge codes
  of 133 characters); each key is stamped with the time the scanner typed it, as the
  windowing system stamps real keys (desk.ui.common.scan_burst.scanner_keys);
- one in six shows the badge to the webcam: a synthetic camera frame is decoded by the desk's
  QR decoder and the payload goes through the page's camera path (CameraPanel.code_scanned);
- 5 % are unknown codes or badges of cancelled registrations;
- every 20th arrival is a search and Enter (the e-mail typed in the search box);
- some people are scanned at both desks at the same moment (the double-welcome race).

For each desk it prints scan-to-painted-answer p50/p95/max (from the Enter key, or the
decoded frame, to the first paint of the answer with that person's name), and over both
desks the wrong-person check-ins, lost scans (no answer within 5 s) and double welcomes (one
person welcomed twice, checked against the database). Targets: p95 < 100 ms, 0 wrong,
0 lost, 0 double.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

START = dt.datetime(2016, 12, 1, 8, 30)  # Brussels time, the conference's first morning
ANSWER_TIMEOUT_S = 5.0


# --- the plan (parent process) -------------------------------------------------------------

def make_event(folder: Path) -> tuple[str, list[dict]]:
    """Create the demo event with badge keys in `folder`; return the database URL and the arrivals."""
    os.environ["DESK_DATA_DIR"] = str(folder / "data")  # badge keys go here, not to the user's folder
    os.environ["DESK_CONFIG_DIR"] = str(folder / "config")
    from desk.core.attendees import Status
    from desk.services.demo.event import EVENT_TZ
    from desk.services.badges.codes import code_for, ensure_event_keys
    from desk.services.demo.event import install_demo
    from desk.store.db import open_database

    url = f"sqlite:///{folder / 'rush.sqlite'}"
    db = open_database(url)
    now = START.replace(tzinfo=EVENT_TZ) - dt.timedelta(days=1)
    regs = install_demo(db, dt.date(2016, 11, 30), now=now, with_keys=True).registrations
    keys = ensure_event_keys(db)
    day = START.date()
    db.close()
    expected = [r for r in regs if r.is_attendee and day in r.days]
    cancelled = [r for r in regs if r.status is Status.CANCELLED]
    return url, plan_arrivals(expected, cancelled, lambda rid: code_for(keys, rid))


def plan_arrivals(people: list, cancelled: list, badge: object, n: int = 250, seed: int = 2016) -> list[dict]:
    """The arrivals in order: who, how (burst, webcam, search), which desk, what answer is right."""
    rnd = random.Random(seed)

    def arrival(reg: object, how: str, want: str, code: str | None = None) -> dict:
        return {"rid": reg.registration_id, "name": reg.full_name, "email": reg.email,
                "code": code or reg.ticket_code, "how": how, "want": want}

    bad, races = max(1, round(n * 0.05)), 8
    pool = rnd.sample(people, len(people))
    racers, pool = pool[:races], pool[races:]
    fresh = pool[: n - bad - races]
    arrivals = []
    for i, person in enumerate(fresh):
        how = "webcam" if i % 6 == 3 else "burst"
        # a third of the scanner bursts read the signed badge (133 characters), the others the e-ticket
        code = badge(person.registration_id) if (how == "webcam" or i % 3 == 0) else None
        arrivals.append(arrival(person, how, "welcome", code))
    for j in range(bad):
        if j % 2 and cancelled:
            arrivals.append(arrival(cancelled[j % len(cancelled)], "burst", "cancelled"))
        else:
            arrivals.append({"rid": None, "name": "", "email": "", "code": f"ECC2016-NOBODY{j:02d}",
                             "how": "burst", "want": "unknown"})
    rnd.shuffle(arrivals)
    for k, person in enumerate(racers):  # the same person at both desks at once (a twin is added later)
        arrivals.insert(12 + k * 29, arrival(person, "burst", "race"))
    while len(arrivals) < n:  # people who went out and come back: "already in"
        at = rnd.randrange(60, len(arrivals))
        earlier = [a for a in arrivals[: at - 4] if a["want"] == "welcome"]
        back = rnd.choice(earlier)
        arrivals.insert(at, {**back, "how": "burst", "want": "already_in"})
    for i, a in enumerate(arrivals):
        a["desk"], a["slot"] = i % 2, i
        if (i + 1) % 20 == 0 and a["want"] == "welcome":
            a["how"] = "search"  # every 20th: found by name and checked in with Enter
    return arrivals


def add_race_twins(arrivals: list[dict]) -> list[dict]:
    """Every race arrival gets its twin at the other desk, in the same slot."""
    out = []
    for a in arrivals:
        out.append(a)
        if a["want"] == "race":
            out.append({**a, "desk": 1 - a["desk"]})
    return out


# --- one desk (child process) ----------------------------------------------------------------

def run_desk(index: int, url: str, arrivals: list[dict], ready: object, start_at: object, slot_s: float,
             speed: float, key_gap_ms: float, out: str) -> None:
    """Open one desk window and replay its arrivals at their times; write the measurements to `out`."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from desk.config import Settings
    from desk.services.demo.event import EVENT_TZ
    from desk.devices.decoder import default_decoder
    from desk.devices.sound import RecordingSound
    from desk.devices.synthetic import Degradation, make_frame
    from desk.store.db import open_database
    from desk.ui.common import theme
    from desk.ui.checkin.page import build_page
    from desk.ui.common.scan_burst import scanner_keys
    from desk.ui.common.workers import Workers

    theme.apply(app)
    sim_start = START.replace(tzinfo=EVENT_TZ)
    t0 = time.time() + 3600.0  # set when both desks are up
    clock = lambda: sim_start + dt.timedelta(seconds=max(0.0, time.time() - t0) * speed)  # noqa: E731
    decoder = default_decoder()
    # the webcam's frames, decoded ahead (the ScanWorker decodes on its own thread, off the answer's path)
    frames: dict[str, str] = {}
    decode_ms: list[float] = []
    for a in arrivals:
        if a["how"] == "webcam":
            frame = make_frame(a["code"], "720p", module_px=4.0, degradation=Degradation(tilt_deg=15, noise_sigma=6),
                               seed=len(frames))
            start = time.perf_counter()
            found = decoder.decode(frame)
            decode_ms.append((time.perf_counter() - start) * 1000)
            frames[a["code"]] = found[0].text if found else ""
    db = open_database(url)
    workers = Workers()
    page = build_page(db=db, workers=workers, settings=Settings(desk_name=f"Entrance {index + 1}", camera="none"),
                      sound=RecordingSound(), clock=clock, decoder=decoder, camera_factory=None,
                      print_badge=lambda _rid, _said: None)
    page.answer_hold_ms = 60_000
    page.resize(1366, 700)
    page.show()
    QTest.qWaitForWindowExposed(page)
    window = page.windowHandle()

    shown: list[object] = []
    painted: list[float] = []
    loop = QEventLoop()

    def wait(seconds: float, done: object = lambda: False) -> None:
        # QEventLoop.exec lets go of the GIL, as the desk's own app.exec does; a qWait loop
        # would hold it and slow the check-in worker down.
        if done():
            return
        timer = QTimer(singleShot=True)
        timer.timeout.connect(loop.quit)
        timer.start(max(1, int(seconds * 1000)))
        loop.exec()
        timer.stop()

    class PaintWatch(QObject):
        def eventFilter(self, _obj: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint and shown and not painted:
                painted.append(time.perf_counter())
                loop.quit()
            return False

    watch = PaintWatch()
    page.answer.name.installEventFilter(watch)
    page.answer.headline.installEventFilter(watch)
    page.answer_shown.connect(lambda result: shown.append(result))
    wait(30, lambda: page._keys_loaded)
    ready.set()
    while not start_at.value:
        wait(0.01)
    t0 = start_at.value

    results = []
    for a in arrivals:
        due = t0 + a["slot"] * slot_s
        while time.time() < due:
            wait(due - time.time())
        shown.clear()
        painted.clear()
        if a["how"] == "search":
            page.search_box.setFocus()
            page.search_box.setText(a["email"])
            deadline = time.time() + ANSWER_TIMEOUT_S
            while time.time() < deadline and not (page.search.shown_query == a["email"]
                                                  and page.search_model.rowCount() >= 1):
                wait(0.005)
            rows = [page.search_model.row_at(i).registration.registration_id
                    for i in range(page.search_model.rowCount())]
            for _ in range(rows.index(a["rid"]) if a["rid"] in rows else 0):
                QTest.keyClick(window, Qt.Key.Key_Down)
            start = time.perf_counter()
            QTest.keyClick(window, Qt.Key.Key_Return)
        elif a["how"] == "webcam":
            start = time.perf_counter()
            page.camera.code_scanned.emit(frames[a["code"]])
        else:
            start = scanner_keys(window, a["code"], key_gap_ms)
        wait(ANSWER_TIMEOUT_S, lambda: bool(painted))
        result = shown[0] if shown else None
        reg = getattr(result, "registration", None)
        results.append({
            **{k: a[k] for k in ("rid", "how", "want", "slot")},
            "outcome": getattr(getattr(result, "outcome", None), "value", None),
            "got_rid": reg.registration_id if reg is not None else None,
            "ms": (painted[0] - start) * 1000 if painted else None,
        })
        page.search_box.clear()
    page.shutdown()
    workers.shutdown()
    db.close()
    Path(out).write_text(json.dumps({"results": results, "decode_ms": decode_ms}))


# --- the report ----------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arrivals", type=int, default=250)
    parser.add_argument("--minutes", type=float, default=30.0, help="simulated time of the rush")
    parser.add_argument("--real-s", type=float, default=75.0, help="real seconds the rush is replayed in")
    parser.add_argument("--key-gap-ms", type=float, default=3.0, help="the scanner's time between two keys")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="desk-rush-") as tmp:
        folder = Path(tmp)
        url, arrivals = make_event(folder)
        arrivals = add_race_twins(arrivals[: args.arrivals])
        slots = max(a["slot"] for a in arrivals) + 1
        slot_s = args.real_s / slots
        speed = args.minutes * 60 / args.real_s
        ctxmp = mp.get_context("spawn")
        outs = [str(folder / f"desk{i}.json") for i in (0, 1)]
        ready = [ctxmp.Event() for _ in (0, 1)]
        start_at = ctxmp.Value("d", 0.0)
        procs = [ctxmp.Process(target=run_desk, args=(i, url, [a for a in arrivals if a["desk"] == i], ready[i],
                                                       start_at, slot_s, speed, args.key_gap_ms, outs[i]))
                 for i in (0, 1)]
        for p in procs:
            p.start()
        for r in ready:  # both desks start together once their windows are up
            r.wait(120)
        start_at.value = time.time() + 0.5
        for p in procs:
            p.join()
        if any(p.exitcode for p in procs):
            print("a desk process failed", [p.exitcode for p in procs], file=sys.stderr)
            return 1
        reports = [json.loads(Path(o).read_text()) for o in outs]

        os.environ["DESK_DATA_DIR"] = str(folder / "data")
        from sqlalchemy import func, select

        from desk.store.db import open_database
        from desk.store.schema.checkin import CheckinRow

        db = open_database(url)
        with db.begin() as session:
            active = dict(session.execute(
                select(CheckinRow.registration_id, func.count()).where(CheckinRow.undone_at.is_(None))
                .group_by(CheckinRow.registration_id)).all())
        db.close()

    print(f"rush: {len(arrivals)} scans ({args.arrivals} arrivals + race twins) in {args.minutes:g} simulated "
          f"minutes, replayed in {args.real_s:g} s; two desks, one SQLite file; scanner keys {args.key_gap_ms:g} ms apart")
    wrong = lost = off = 0
    welcomes: dict[str, int] = {}
    for i, report in enumerate(reports):
        rows = report["results"]
        times = [r["ms"] for r in rows if r["ms"] is not None]
        lost += sum(1 for r in rows if r["ms"] is None or r["outcome"] is None)
        for r in rows:
            if r["outcome"] == "welcome":
                welcomes[r["got_rid"]] = welcomes.get(r["got_rid"], 0) + 1
            if r["rid"] is not None and r["got_rid"] is not None and r["got_rid"] != r["rid"]:
                wrong += 1
            elif r["want"] != "race" and r["outcome"] not in (r["want"], None):
                off += 1
                if os.environ.get("RUSH_VERBOSE"):
                    print("   unexpected:", r)
        by_how = {how: [r["ms"] for r in rows if r["how"] == how and r["ms"] is not None]
                  for how in ("burst", "webcam", "search")}
        print(f"desk {i + 1}: {len(rows)} scans, scan-to-painted-answer p50 {statistics.median(times):.1f} ms, "
              f"p95 {percentile(times, 95):.1f} ms, max {max(times):.1f} ms")
        print("        " + ", ".join(f"{how} n={len(v)} p50 {statistics.median(v):.1f} p95 {percentile(v, 95):.1f}"
                                     for how, v in by_how.items() if v))
        if report["decode_ms"]:
            d = report["decode_ms"]
            print(f"        webcam frames (720p) decoded in p50 {statistics.median(d):.1f} ms, "
                  f"p95 {percentile(d, 95):.1f} ms (on the camera thread, not in the figures above)")
    double = sum(1 for n in welcomes.values() if n > 1) + sum(1 for n in active.values() if n > 1)
    print(f"wrong-person check-ins: {wrong}   lost scans: {lost}   double welcomes: {double}   "
          f"other unexpected answers: {off}   people checked in: {len(active)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
