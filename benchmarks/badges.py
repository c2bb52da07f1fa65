"""Badge rendering and badge code verification speed.

Run from the repository root:  .venv/bin/python benchmarks/badges.py [--quick]
Prints the time to render one badge (median, p95), 250 and 10,000 badges into one PDF
(--quick skips 10,000), and badge codes verified per second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desk.core.attendees import Category, Event
from desk.core.badges.layout import BadgeData
from desk.core.badges.codes import badge_ref, issue_code, verify
from desk.services.badges.qr import qr_matrix, qrcode_matrix
from desk.services.badges.pdf import render_badges

DAYS = (dt.date(2016, 11, 30), dt.date(2016, 12, 1), dt.date(2016, 12, 2))
EVENT = Event("European Cluster Conference 2016", "Crowne Plaza Rogier, Brussels", DAYS)
SECRET = b"benchmark-secret-0123456789abcdef"
KEY = Ed25519PrivateKey.generate()
FIRST = ["Łucja", "Δημήτρης", "Дмитрий", "Ayşe", "Antonín", "Maximilian-Alexander", "Jo", "Søren"]
LAST = ["Łódź", "Παπαδόπουλος", "Ковалёв", "Şahin", "Dvořák", "Nøvák-Øster von Hohenzollern", "Li"]
ORGS = ["Politechnika Łódzka", "Czech Cluster Association", "Болгарская ассоциация кластеров",
        "Cluster Excellence Programme for Advanced Manufacturing in the Danube Region"]
COUNTRIES = ["PL", "GR", "BG", "TR", "CZ", "DE", "BE", "DK"]


def badges(n: int) -> list[BadgeData]:
    categories = list(Category)
    out = []
    for i in range(n):
        rid = f"R{i:06d}"
        out.append(BadgeData(
            rid, FIRST[i % len(FIRST)], LAST[i % len(LAST)], ORGS[i % len(ORGS)],
            COUNTRIES[i % len(COUNTRIES)], categories[i % len(categories)],
            () if i % 3 else (DAYS[i % 3],), issue_code(KEY, 1, badge_ref(SECRET, rid)),
        ))
    return out


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip the 10,000-badge PDF")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="desk-bench-"))
    sample = badges(250)

    render_badges(sample[:1], "a6", folder / "warm.pdf", EVENT)  # fonts, caches, imports
    for layout in ("a6", "foldover"):
        one = [timed(lambda b=b, layout=layout: render_badges([b], layout, folder / "one.pdf", EVENT)) * 1000
               for b in sample[:60]]
        print(f"one badge ({layout}):  median {statistics.median(one):6.1f} ms   p95 {p95(one):6.1f} ms")

    for layout in ("a6", "a4-sheet", "label-4x3", "foldover"):
        runs = [timed(lambda layout=layout: render_badges(sample, layout, folder / "250.pdf", EVENT)) for _ in range(3)]
        size_kb = (folder / "250.pdf").stat().st_size / 1024
        print(f"250 badges ({layout:9s}): median {statistics.median(runs):5.2f} s  ({size_kb:,.0f} KiB)")

    zx = [timed(lambda b=b: qr_matrix(b.code)) * 1000 for b in sample[:100]]
    qc = [timed(lambda b=b: qrcode_matrix(b.code)) * 1000 for b in sample[:20]]
    print(f"QR matrix: zxing-cpp median {statistics.median(zx):.2f} ms, qrcode median {statistics.median(qc):.2f} ms")

    if not args.quick:
        many = badges(10_000)
        seconds = timed(lambda: render_badges(many, "a4-sheet", folder / "10k.pdf", EVENT))
        size_mb = (folder / "10k.pdf").stat().st_size / 2**20
        print(f"10,000 badges (a4-sheet): {seconds:5.1f} s  ({size_mb:.1f} MiB)")

    keys = {1: KEY.public_key()}
    refs = {badge_ref(SECRET, b.registration_id): b.registration_id for b in sample}
    codes = [b.code for b in sample] * 8
    per_code = []
    for code in codes:
        start = time.perf_counter()
        verdict = verify(code, keys, refs.get, lambda _: None)
        per_code.append((time.perf_counter() - start) * 1e6)
        assert verdict.ok
    total = sum(per_code) / 1e6
    print(f"verify: {len(codes) / total:,.0f} codes/s   median {statistics.median(per_code):.0f} µs   "
          f"p95 {p95(per_code):.0f} µs")
    forged = [c[:-2] + ("AA" if c[-2:] != "AA" else "BB") for c in codes[:500]]
    bad = [timed(lambda c=c: verify(c, keys, refs.get, lambda _: None)) * 1e6 for c in forged]
    print(f"verify a forged code: median {statistics.median(bad):.0f} µs")
    garbage = [timed(lambda: verify("x" * 100_000, keys, refs.get, lambda _: None)) * 1e6 for _ in range(200)]
    print(f"refuse a 100 kB payload: median {statistics.median(garbage):.1f} µs")


if __name__ == "__main__":
    main()
