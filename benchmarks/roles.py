"""The organiser PIN's cost: what one PIN check takes (scrypt 2**15 x 8 x 1 and the PIN file).

Run from the repository root:  .venv/bin/python benchmarks/roles.py [--runs N]
Prints median and p95 of setting a PIN and of checking a right one; a guessing attacker pays
the check's time for every try, on top of the back-off (1 s, 2 s, 4 s ...).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desk.services.roles import PinStore


def _timed(fn, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _line(name: str, times: list[float]) -> str:
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
    return f"{name}: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms ({len(times)} runs)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = PinStore(Path(folder) / "pin.json")
        print(_line("set a PIN", _timed(lambda: store.set_pin("4711"), args.runs)))
        print(_line("check the right PIN", _timed(lambda: store.verify("4711"), args.runs)))


if __name__ == "__main__":
    main()
