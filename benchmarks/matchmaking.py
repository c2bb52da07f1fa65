"""Matchmaking scheduler benchmark: CP-SAT against first-fit on pre-event-sized instances.

Run from the repository root:  .venv/bin/python benchmarks/matchmaking.py [--quick] [--seeds N]

Instances: the demo event's matchmaking (100 clusters, 300 requests, 16 slots, 20 tables) and
synthetic ones of 100 participants / 300 requests / 20 tables and 250 / 1,100 / 70 tables (16
slots, availability windows, popular participants), each for several seeds (--quick: the
small size, one seed). Per instance and scheduler it prints meetings held, its upper bound
(first-fit: the combinatorial one), the gap to the best bound of the instance, whether `held`
is proven optimal, the time to decide `held` (CP-SAT without the secondary goals) and the
full call with them, and the secondary measures: shortfall below
min(requested, 3) meetings and idle slots between a participant's first and last meeting.
A summary gives medians and p95 of the times per size.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desk.core.matchmaking.model import Problem, Schedule
from desk.core.matchmaking.plan import first_fit
from desk.core.matchmaking.review import schedule_quality
from desk.core.matchmaking.solver import schedule_meetings, tables_needed
from desk.services.demo.matchmaking_instances import benchmark_matchmaking, demo_matchmaking

# size name → (participants, requests, tables, time limit of the full call in seconds)
SIZES = {"100/300": (100, 300, 20, 10.0), "250/1100": (250, 1100, 70, 30.0)}
HEADER = (f"{'instance':<18} {'scheduler':<14} {'held':>5} {'bound':>6} {'gap %':>6} {'opt':>4} "
          f"{'time s':>7} {'short':>6} {'idle':>5}")


def timed(run: Callable[[], Schedule]) -> tuple[Schedule, float]:
    start = time.perf_counter()
    schedule = run()
    return schedule, time.perf_counter() - start


def row(name: str, scheduler: str, problem: Problem, schedule: Schedule, seconds: float, best_bound: int) -> str:
    quality = schedule_quality(problem, schedule)
    gap = 100.0 * (best_bound - schedule.held) / max(1, best_bound)
    return (f"{name:<18} {scheduler:<14} {schedule.held:>5} {schedule.upper_bound:>6} {gap:>6.2f} "
            f"{'yes' if schedule.optimal else 'no':>4} {seconds:>7.2f} {quality.shortfall:>6} {quality.idle_slots:>5}")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def bench(name: str, problem: Problem, limit_s: float, times: dict[str, list[float]]) -> None:
    greedy, greedy_s = timed(lambda: first_fit(problem))
    quick, quick_s = timed(lambda: schedule_meetings(problem, time_limit_s=limit_s, polish=False))
    full, full_s = timed(lambda: schedule_meetings(problem, time_limit_s=limit_s))
    best = min(greedy.upper_bound, quick.upper_bound, full.upper_bound)
    print(row(name, "first-fit", problem, greedy, greedy_s, best))
    print(row(name, "cp-sat held", problem, quick, quick_s, best))
    print(row(name, "cp-sat full", problem, full, full_s, best), flush=True)
    for key, value in (("first-fit", greedy_s), ("cp-sat held", quick_s), ("cp-sat full", full_s)):
        times.setdefault(key, []).append(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the 100-participant instances, one seed")
    parser.add_argument("--seeds", type=int, default=3, help="synthetic instances per size (default 3)")
    args = parser.parse_args()
    seeds = 1 if args.quick else args.seeds
    sizes = {k: v for k, v in SIZES.items() if not args.quick or k == "100/300"}
    print(HEADER)
    by_size: dict[str, dict[str, list[float]]] = {}
    demo = demo_matchmaking().problem()
    bench("demo ECC 2016", demo, 10.0, by_size.setdefault("100/300", {}))
    for size, (participants, requests, tables, limit_s) in sizes.items():
        for seed in range(1, seeds + 1):
            problem = benchmark_matchmaking(participants, requests, tables, seed=seed).problem()
            bench(f"{size} seed {seed}", problem, limit_s, by_size.setdefault(size, {}))
    print("\nseconds per call, median / p95")
    for size, times in by_size.items():
        parts = ", ".join(f"{k} {statistics.median(v):.3f} / {p95(v):.3f}" for k, v in times.items())
        print(f"  {size:<9} ({len(next(iter(times.values())))} instances): {parts}")
    start = time.perf_counter()
    answer = tables_needed(demo, time_limit_s=10.0)
    print(f"\nwhat-if on the demo: {answer.tables} tables hold all {answer.held} meetings that can be held "
          f"(proven {'yes' if answer.optimal else 'no'}, {time.perf_counter() - start:.2f} s)")


if __name__ == "__main__":
    main()
