"""Handheld-scanner check-in: what the keyboard-layout repair costs per scan.

Run from the repository root: `.venv/bin/python benchmarks/keyboard_scan.py [--scans N]`.

On the demo event (250 registrations) plus 100,000 more in a real SQLite file (WAL,
synchronous=FULL), it times scan in → repair → decision committed → answer returned, for a
badge code from the webcam (no repair) and from a handheld scanner, and for a portal
ticket code typed right, through AZERTY and with Caps Lock on. It also times the repair
alone (the readings and the one ticket lookup, without the commit). Medians and p95 in ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import update

from desk.core.attendees import Category, Registration, Status
from desk.services.demo.event import EVENT_TZ
from desk.core.badges.codes import badge_ref, issue_code
from desk.core.checkin.wedge import mangle, repair
from desk.services.checkin.entrance import check_in
from desk.services.demo.event import install_demo
from desk.store import registrations as repo
from desk.store.db import open_database
from desk.store.schema import RegistrationRow

DAY = dt.date(2016, 12, 1)


def _stats(label: str, times: tuple[list[float], list[float]]) -> None:
    wall, cpu = sorted(times[0]), sorted(times[1])
    p95 = wall[max(0, int(len(wall) * 0.95) - 1)]
    print(f"{label:<46} median {statistics.median(wall):6.2f} ms   p95 {p95:6.2f} ms   "
          f"CPU median {statistics.median(cpu):5.2f} ms   ({len(wall)} scans)")


def _time(fn: Callable[[], object], count: int) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds per call (CPU leaves out the wait for the disk and other processes)."""
    wall, cpu = [], []
    for _ in range(count):
        t0, c0 = time.perf_counter(), time.thread_time()
        fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scans", type=int, default=200, help="scans per case")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(f"sqlite:///{Path(folder) / 'bench.sqlite'}")
        regs = [r for r in install_demo(db, dt.date(2016, 11, 30)).registrations if r.is_attendee]
        stamp = dt.datetime(2016, 10, 1, tzinfo=dt.timezone.utc)
        more = [Registration(f"B{i:06d}", Status.VALIDATED, "Anna", f"Person {i}", f"p{i}@example.eu",
                             f"Org {i // 2}", "BE", Category.OTHER_STAKEHOLDER, (), f"ECC2016-Z{i:07d}", stamp)
                for i in range(100_000)]
        with db.begin() as session:
            repo.store_registrations(session, more, [], "bench", stamp)
        private, secret = Ed25519PrivateKey.generate(), b"benchmark-reference-secret-0123"
        keys = {1: private.public_key()}
        codes = []
        with db.begin() as session:
            for r in regs:
                ref = badge_ref(secret, r.registration_id)
                session.execute(update(RegistrationRow).where(RegistrationRow.registration_id == r.registration_id)
                                .values(badge_ref=ref))
                codes.append(issue_code(private, 1, ref))
        tickets = [r.ticket_code for r in regs]
        minute = iter(range(10**6))

        def scan(text: str, keyboard: bool) -> None:
            at = dt.datetime.combine(DAY, dt.time(8), tzinfo=EVENT_TZ) + dt.timedelta(seconds=next(minute))
            check_in(db, text, "bench", at, keys, from_keyboard=keyboard)

        n = args.scans
        cases = {
            "badge code, webcam (no repair)": (lambda i: codes[i % len(codes)], False),
            "badge code, scanner, typed right": (lambda i: codes[i % len(codes)] + "\r", True),
            "ticket code, scanner, typed right": (lambda i: tickets[i % len(tickets)] + "\r", True),
            "ticket code, scanner, AZERTY laptop": (lambda i: mangle(tickets[i % len(tickets)], "be") + "\r", True),
            "ticket code, scanner, Caps Lock on": (lambda i: tickets[i % len(tickets)].swapcase() + "\r", True),
        }
        for label, (text_of, keyboard) in cases.items():
            texts = [text_of(i) for i in range(n)]
            it = iter(texts)
            _stats(f"check-in: {label}", _time(lambda it=it, keyboard=keyboard: scan(next(it), keyboard), n))

        with db.begin() as session:
            def lookup(cands: object) -> set[str]:
                return repo.known_ticket_codes(session, cands)  # type: ignore[arg-type]

            for label, text_of in (("badge code", lambda i: codes[i % len(codes)]),
                                   ("ticket code, AZERTY", lambda i: mangle(tickets[i % len(tickets)], "be"))):
                texts = [text_of(i) for i in range(n)]
                it = iter(texts)
                _stats(f"repair alone: {label}", _time(lambda it=it: repair(next(it), prefixes={"D1:"},
                                                                      known_tickets=lookup), n))
        db.close()


if __name__ == "__main__":
    main()
