"""Check-in while a large import runs in another process: how long does the desk wait?

Run from the repository root:  .venv/bin/python benchmarks/checkin_during_import.py [--rows 100000]
A real SQLite file with the demo event; `desk import` of a 100,000-row export runs in another
process (it holds the write lock while it stores the file) while this process checks people in
one after another, as a desk does. Prints the check-in wait p50/p95/max with no import and
during the import, the answers given (welcome or busy: never a traceback), and checks that
every welcome is a check-in the database holds. Target: no check-in waits more than ~1 s.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from sync import write_export  # noqa: E402

from desk.core.checkin.decision import ScanOutcome  # noqa: E402
from desk.services.checkin.entrance import check_in  # noqa: E402
from desk.services.demo.event import install_demo  # noqa: E402
from desk.store import checkins as store  # noqa: E402
from desk.store.db import open_database  # noqa: E402
from desk.store.registrations import search_registrations  # noqa: E402

BXL = ZoneInfo("Europe/Brussels")
DAY = dt.date(2016, 12, 1)


def stats(label: str, samples_s: list[float]) -> None:
    if not samples_s:
        print(f"{label:<40} (no samples)")
        return
    ms = sorted(s * 1000 for s in samples_s)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"{label:<40} p50 {statistics.median(ms):8.1f} ms   p95 {p95:8.1f} ms   max {ms[-1]:8.1f} ms   (n={len(ms)})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pause-ms", type=int, default=100, help="time between two scans at the desk")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "desk.sqlite"
        url = f"sqlite:///{path}"
        export = Path(tmp) / "export.csv"
        write_export(export, args.rows)
        db = open_database(url)
        install_demo(db, DAY - dt.timedelta(days=1))
        with db.begin() as session:
            codes = [r.ticket_code for r in search_registrations(session) if r.is_attendee and DAY in r.days]
        queue = collections.deque(codes)
        clock = [dt.datetime.combine(DAY, dt.time(8, 0), tzinfo=BXL)]

        def scan() -> tuple[float, str]:
            code = queue.popleft()
            clock[0] += dt.timedelta(seconds=1)
            t = time.perf_counter()
            try:
                outcome = check_in(db, code, "bench", clock[0]).outcome.value
            except Exception as exc:  # noqa: BLE001 - what a desk without the busy answer would show
                outcome = f"error: {str(exc).splitlines()[0][:60]}"
            elapsed = time.perf_counter() - t
            if outcome != ScanOutcome.WELCOME.value:
                queue.append(code)  # busy: the person scans again later
            return elapsed, outcome

        quiet = [scan()[0] for _ in range(20)]
        stats("check-in, no import", quiet)

        started = time.perf_counter()
        importer = subprocess.Popen([sys.executable, "-m", "desk", "--db", url, "import", str(export)],
                                    cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        during: list[float] = []
        answers: collections.Counter[str] = collections.Counter()
        while importer.poll() is None and queue:
            elapsed, outcome = scan()
            during.append(elapsed)
            answers[outcome] += 1
            time.sleep(args.pause_ms / 1000)
        out, err = importer.communicate()
        took = time.perf_counter() - started
        print(f"import of {args.rows:,} rows in another process: {took:.1f} s (exit {importer.returncode}) "
              f"{out.strip().splitlines()[0] if out.strip() else err.strip()[-200:]}")
        stats("check-in during the import", during)
        print("answers during the import:", dict(answers))
        with db.begin() as session:
            stored = len(store.checked_in_ids(session, DAY))
        welcomed = len(codes) - len(queue)
        print(f"welcomes given {welcomed}, check-ins stored {stored}: "
              f"{'every welcome is stored' if stored == welcomed else 'MISMATCH'}")
        db.close()


if __name__ == "__main__":
    main()
