"""Cold start of the desk window: `desk run` to the window shown and to the first scan answered.

Creates a fresh data folder with the demo event (`desk demo`), then starts `desk run`
several times (offscreen). Each run is told, through DESK_STARTUP_PROBE, to type one demo
attendee's ticket code into the scan field as soon as the window is shown, the way a
handheld scanner does, and to quit once the answer is on the screen. Times are taken here,
from just before the process is started to the line the window prints, so they include
the interpreter's own start.

    .venv/bin/python benchmarks/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DESK = [sys.executable, "-m", "desk"]
TARGET_S = 1.5


def _env(base: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DESK_DATA_DIR=str(base / "data"), DESK_CONFIG_DIR=str(base / "config"),
               XDG_CONFIG_HOME=str(base / "xdg"), QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""))
    env.pop("DESK_DB", None)
    return env


def _ticket_code(env: dict[str, str]) -> str:
    """Create the demo event (it starts today) and return the code of someone expected today."""
    subprocess.run([*DESK, "demo"], env=env, check=True, capture_output=True)
    listed = subprocess.run([*DESK, "attendees", "--json"], env=env, check=True, capture_output=True, text=True)
    people = json.loads(listed.stdout)
    today = dt.date.today().isoformat()
    return next((p for p in people if today in p["days"] or not p["days"]), people[0])["ticket_code"]


def one_run(env: dict[str, str], code: str, timeout_s: float = 60.0) -> dict[str, float | str]:
    """Start `desk run` once; return seconds to 'shown' and to 'answered', and the answer."""
    env = dict(env, DESK_STARTUP_PROBE=code)
    started = time.perf_counter()
    process = subprocess.Popen([*DESK, "run"], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               text=True)
    seen: dict[str, float | str] = {}
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith("desk-startup: window shown"):
            seen["shown"] = time.perf_counter() - started
        elif line.startswith("desk-startup: scan answered"):
            seen["answered"] = time.perf_counter() - started
            seen["outcome"] = line.split()[-1]
        if time.perf_counter() - started > timeout_s:
            break
    process.wait(timeout=timeout_s)
    if "answered" not in seen:
        raise SystemExit(f"desk run did not answer the scan (exit code {process.returncode})")
    return seen


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="desk-startup-") as folder:
        env = _env(Path(folder))
        code = _ticket_code(env)
        one_run(env, code)  # the first run compiles bytecode and fills the OS file cache
        runs = [one_run(env, code) for _ in range(args.runs)]
    shown = [float(r["shown"]) for r in runs]
    answered = [float(r["answered"]) for r in runs]
    outcomes = sorted({str(r["outcome"]) for r in runs})
    print(f"desk run, {args.runs} runs after one warm-up (offscreen, demo event, answers: {', '.join(outcomes)})")
    print(f"window shown:        median {statistics.median(shown):.2f} s   p95 {_p95(shown):.2f} s")
    print(f"first scan answered: median {statistics.median(answered):.2f} s   p95 {_p95(answered):.2f} s"
          f"   (target < {TARGET_S} s)")


if __name__ == "__main__":
    main()
