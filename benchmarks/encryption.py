"""Encryption at rest: what SQLCipher costs on the check-in path.

    python benchmarks/encryption.py [--scans 300]

Two fresh demo events in a temporary folder (never the user's data folder): one in a plain
SQLite file, one in an SQLCipher file (desk's usual pragmas on both: WAL, synchronous=FULL).
Each scan is the check-in service as the entrance page calls it (lookup, decision, commit),
on a warm connection from the pool, first-time welcomes in the same order on both files.
Prints median and p95 per file, the open time of each database (the key is derived once per
process), the time of one more connection (a worker thread's first), and the slowdown.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

KEY = "benchmark key, not a secret"
DAY = dt.date(2016, 11, 30)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def prepare(folder: Path, key: str | None) -> tuple[object, list[str], float, float]:
    """A demo event in a plain or encrypted file: the open database, the ticket codes of day one,
    how long opening it took (migration check and the key derivation included), and how long
    one more connection takes (a worker thread's first one)."""
    from desk.store import encryption
    from desk.core.attendees import Status
    from desk.services.demo.event import EVENT_TZ, install_demo
    from desk.store.db import open_database

    url = f"sqlite:///{folder / ('encrypted.sqlite' if key else 'plain.sqlite')}"
    db = open_database(url, key=key)
    regs = install_demo(db, DAY, now=dt.datetime(2016, 11, 29, 12, tzinfo=EVENT_TZ)).registrations
    db.close()
    codes = sorted(r.ticket_code for r in regs
                   if r.status is Status.VALIDATED and r.is_attendee and DAY in r.days and r.ticket_code)
    encryption._derive.cache_clear()  # as in a new process
    start = time.perf_counter()
    db = open_database(url, key=key)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    open_ms = (time.perf_counter() - start) * 1000
    db.engine.dispose()
    start = time.perf_counter()
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    return db, codes, open_ms, (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="desk-bench-encryption-") as tmp:
        folder = Path(tmp)
        os.environ["DESK_DATA_DIR"] = str(folder / "data")
        os.environ["DESK_CONFIG_DIR"] = str(folder / "config")
        from desk.services.checkin.entrance import check_in
        from desk.services.demo.event import EVENT_TZ

        files = {"plain": prepare(folder, None), "encrypted": prepare(folder, KEY)}
        times: dict[str, list[float]] = {name: [] for name in files}
        outcomes: dict[str, dict[str, int]] = {name: {} for name in files}
        at = dt.datetime.combine(DAY, dt.time(8, 30), tzinfo=EVENT_TZ)
        # alternate the two files scan by scan, so that the machine's load hits both alike; after
        # the first round everyone is in and the scans answer "already in" (the same lookup and commit)
        for i in range(args.scans):
            for name, (db, codes, _open_ms, _connect_ms) in files.items():
                t = time.perf_counter()
                result = check_in(db, codes[i % len(codes)], "bench", at + dt.timedelta(seconds=i))
                times[name].append((time.perf_counter() - t) * 1000)
                outcomes[name][result.outcome.value] = outcomes[name].get(result.outcome.value, 0) + 1
        for db, _codes, _open_ms, _connect_ms in files.values():
            db.close()
    for name, (_db, _codes, open_ms, connect_ms) in files.items():
        t = times[name]
        print(f"{name:9s} check-in over {len(t)} scans: median {statistics.median(t):.2f} ms, p95 {p95(t):.2f} ms; "
              f"open {open_ms:.0f} ms, one more connection {connect_ms:.1f} ms; {outcomes[name]}")
    print(f"encrypted / plain: median x{statistics.median(times['encrypted']) / statistics.median(times['plain']):.2f}, "
          f"p95 x{p95(times['encrypted']) / p95(times['plain']):.2f}")


if __name__ == "__main__":
    main()
