"""Award voting: a ballot from code to committed answer, over a few hundred voters.

Run from the repository root:  .venv/bin/python benchmarks/awards.py [--voters 200] [--pg URL]
The demo event in a real SQLite file (and, with --pg, a PostgreSQL database that must be
empty): every voter checked in, both awards open, then each voter's ballot through
`cast_vote` (verification of the ticket code, eligibility, the voter row and the count in
one unit of work). Prints medians and p95 for a counted ballot and for a second ballot of
the same badge (already_voted).
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

from desk.services.awards.voting import cast_vote
from desk.services.checkin.entrance import check_in_registration
from desk.services.demo.awards import DEMO_AWARDS, MANAGER, install_demo_awards
from desk.services.demo.event import EVENT_TZ, install_demo
from desk.store.db import open_database

START = dt.date(2016, 11, 30)
VOTING = dt.datetime(2016, 12, 1, 11, 0, tzinfo=EVENT_TZ)
FINALISTS = [f for a, f, _d in DEMO_AWARDS if a == MANAGER]


def stats(label: str, samples_s: list[float]) -> None:
    ms = sorted(s * 1000 for s in samples_s)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"{label:<48} median {statistics.median(ms):8.2f} ms   p95 {p95:8.2f} ms   (n={len(ms)})")


def run(url: str, voters: int, label: str) -> None:
    db = open_database(url)
    data = install_demo(db, START)
    install_demo_awards(db, START)
    day = VOTING.date()
    people = [r for r in data.registrations if r.is_attendee and r.category != "staff" and r.ticket_code
              and day in (r.days or (day,))]
    people = people[:voters]
    for r in people:
        check_in_registration(db, r.registration_id, "entrance", VOTING - dt.timedelta(hours=2))
    counted, again = [], []
    for i, r in enumerate(people):
        t = time.perf_counter()
        answer = cast_vote(db, r.ticket_code, MANAGER, FINALISTS[i % 3], VOTING)
        counted.append(time.perf_counter() - t)
        assert answer.outcome == "counted", answer
    for r in people:
        t = time.perf_counter()
        answer = cast_vote(db, r.ticket_code, MANAGER, FINALISTS[0], VOTING)
        again.append(time.perf_counter() - t)
        assert answer.outcome == "already_voted", answer
    db.close()
    stats(f"{label}: vote cast, counted", counted)
    stats(f"{label}: vote cast, already voted", again)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--voters", type=int, default=200, help="voters (the demo has about 210 voters on its second day)")
    parser.add_argument("--pg", default=None, help="also on this empty PostgreSQL database URL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{Path(folder) / 'awards.sqlite'}", args.voters, "SQLite")
    if args.pg:
        run(args.pg, args.voters, "PostgreSQL")


if __name__ == "__main__":
    main()
