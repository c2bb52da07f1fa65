"""Award ballots through the hub: a ballot at a kiosk of a hub, and the syncs that carry them.

Run from the repository root:  .venv/bin/python benchmarks/vote_hub.py [--voters 200] [--rounds 5]
   [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
Creates a scratch hub database on the server (dropped afterwards) and two kiosk SQLite files:
kiosk A holds the demo event, every voter checked in and both awards open; kiosk B gets them
through the hub. Prints medians and p95 for a counted ballot at a kiosk of a hub (the envelope
is written in the same unit of work), the time of a sync that pushes a backlog of ballots
(each opened by the hub, the tally renewed) and of the other kiosk's sync that takes the tally.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text

from desk.services.awards.voting import cast_vote
from desk.services.checkin.entrance import check_in_registration
from desk.services.demo.awards import DEMO_AWARDS, MANAGER, PARTNERSHIP, install_demo_awards
from desk.services.demo.event import EVENT_TZ, install_demo
from desk.services.hub import init_hub, join, sync
from desk.store.db import open_database

START = dt.date(2016, 11, 30)
VOTING = dt.datetime(2016, 12, 1, 11, 0, tzinfo=EVENT_TZ)
FINALISTS = {award: [f for a, f, _d in DEMO_AWARDS if a == award] for award in (MANAGER, PARTNERSHIP)}


def stats(label: str, samples_s: list[float]) -> None:
    ms = sorted(s * 1000 for s in samples_s)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"{label:<52} median {statistics.median(ms):8.2f} ms   p95 {p95:8.2f} ms   (n={len(ms)})")


def run(admin_url: str, voters: int, rounds: int) -> None:
    name = f"desk_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    hub_url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            init_hub(hub_url)
            a = open_database(f"sqlite:///{Path(tmp) / 'a.sqlite'}")
            b = open_database(f"sqlite:///{Path(tmp) / 'b.sqlite'}")
            data = install_demo(a, START)
            install_demo_awards(a, START)
            day = VOTING.date()
            people = [r for r in data.registrations if r.is_attendee and r.category != "staff" and r.ticket_code
                      and day in (r.days or (day,))][:voters]
            for r in people:
                check_in_registration(a, r.registration_id, "entrance", VOTING - dt.timedelta(hours=2))
            join(a, hub_url, "kiosk A")
            join(b, hub_url, "kiosk B")
            sync(a)
            sync(b)
            cast, pushes, pulls = [], [], []
            per_round = max(1, len(people) // rounds)
            awards = [MANAGER, PARTNERSHIP]
            for n in range(rounds):
                for i, r in enumerate(people[n * per_round:(n + 1) * per_round]):
                    for award in awards:
                        t = time.perf_counter()
                        answer = cast_vote(a, r.ticket_code, award, FINALISTS[award][i % 3], VOTING)
                        cast.append(time.perf_counter() - t)
                        assert answer.outcome == "counted", answer
                t = time.perf_counter()
                sync(a)
                pushes.append(time.perf_counter() - t)
                t = time.perf_counter()
                sync(b)
                pulls.append(time.perf_counter() - t)
            print(f"{len(people)} voters, 2 awards, {rounds} rounds of {per_round * 2} ballots")
            stats("ballot at a kiosk of a hub (counted + envelope)", cast)
            stats(f"sync pushing {per_round * 2} ballots (hub opens them)", pushes)
            stats("the other kiosk's sync taking the tally", pulls)
            a.close()
            b.close()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    run(args.pg, args.voters, args.rounds)


if __name__ == "__main__":
    main()
