"""Registration sync figures: first import, unchanged re-import, incremental feed, search,
and a portal's own export read through a map beside desk's own format.

Run from the repository root: `.venv/bin/python benchmarks/sync.py [--quick] [--portal-only]`.
Targets (issue 3): 100,000-row first import under 3 s, unchanged re-import under 2 s,
search p95 under 5 ms over 100,000 attendees. Issue 14: a 20,000-position pretix export with
a map imports within 25 % of desk's own format (rows/s).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desk.services.registrations.sources import FeedSourceAdapter, FileSource, load_map
from desk.services.registrations.sync import run_sync
from desk.store import registrations as repo
from desk.store.db import open_database

FIRST = ["Łukasz", "Anna", "Δημήτρης", "Дмитрий", "José", "Søren", "Zoë", "Jürgen", "Ioana", "Seán", "Åsa", "Ľubomír"]
LAST = ["Wójcik", "Müller", "Παπαδόπουλος", "Петров", "García", "Jørgensen", "Dvořák", "Şahin", "Ní Bhriain",
        "Nøvák-Øster", "Szőke", "Țurcanu", "Lefèvre", "O'Brien"]
ORGS = ["Klaster Łódź Chemia", "Silicon Saxony e.V.", "Pôle Aérospace Valley", "Σύμπραξη Αθηνών", "Flanders Make",
        "Clúster de la Energía", "Cluster São João", "Brainport Eindhoven"]
COUNTRIES = ["PL", "DE", "FR", "GR", "BE", "ES", "PT", "NL", "Czech Republic", "Belgium", "EL"]
# Real registrations have thousands of distinct surnames: build them from syllables per
# script (Latin with diacritics, Greek, Cyrillic) so that a surname search hits tens of
# people, as at a real event, not a tenth of the table.
_LATIN = ["Wój", "Mül", "Dvo", "Şa", "Gar", "Jør", "Lef", "Ní", "Sző", "Țur", "Nø", "Ber", "Kal", "Öz", "Ma"]
_LATIN_END = ["cik", "ler", "řák", "hin", "cía", "gensen", "èvre", "ke", "canu", "vák", "ziņš", "niemi", "ssen", "ović"]
_GREEK = ["Παπα", "Οικο", "Γεωρ", "Νικο", "Χρι"]
_GREEK_END = ["δόπουλος", "νόμου", "γίου", "λάου", "στου"]
_CYR = ["Пет", "Ива", "Геор", "Дими", "Шев"]
_CYR_END = ["ров", "нова", "гиев", "трова", "ченко"]
SURNAMES = sorted({a + b for a in _LATIN for b in _LATIN_END} | {a + b for a in _GREEK for b in _GREEK_END}
                  | {a + b for a in _CYR for b in _CYR_END})
SURNAMES = [f"{a}-{b}" if i % 3 == 0 else a for i, (a, b) in
            enumerate(zip(SURNAMES * 20, SURNAMES[7:] * 20 + SURNAMES[:7] * 20))][:4000]

HEADER = ["registration_id", "status", "first_name", "last_name", "email", "organisation", "country", "category",
          "days", "ticket_code", "updated_at", "passport_number"]


def write_export(path: Path, n: int, seed: int = 1) -> None:
    rnd = random.Random(seed)
    base = dt.datetime(2016, 9, 1, tzinfo=dt.timezone.utc)
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        for i in range(n):
            w.writerow([
                f"R{i:06d}", rnd.choice(["validated"] * 8 + ["pending", "cancelled"]), rnd.choice(FIRST),
                rnd.choice(LAST if i % 10 == 0 else SURNAMES), f"person{i}@cluster{i % 997}.eu",
                f"{ORGS[i // 2 % len(ORGS)]} {i // 2}",  # two people per organisation, the event's rule
                rnd.choice(COUNTRIES), rnd.choice(["policy-maker", "cluster practitioner", "speaker", "press"]),
                "2016-12-01|2016-12-02", f"T{i:08d}", (base + dt.timedelta(seconds=i)).isoformat(), "X1234567",
            ])


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0


def with_event(db):
    """An import needs the database's event first (the test event, unless there is one)."""
    from desk.services.event import load_event
    from tests.event_helpers import create_event

    if load_event(db) is None:
        create_event(db)
    return db


def one_file_run(export: Path, database: Path, portal_map: Path | None = None) -> tuple[float, float]:
    """Time a first import into a fresh database, then an unchanged re-import of the same file."""
    db = with_event(open_database(f"sqlite:///{database}"))
    n = sum(1 for _ in export.open(encoding="utf-8-sig")) - 1
    if portal_map is not None:  # reading the map is part of the import, as in `desk import --map`
        first, t_first = timed(lambda: run_sync(db, FileSource(export, load_map(portal_map))))
        again, t_again = timed(lambda: run_sync(db, FileSource(export, load_map(portal_map))))
        # multiline comments: count the positions, not the lines
        assert first.rejected == 0 and first.format == "pretix", first.summary()
        n = first.added
    else:
        first, t_first = timed(lambda: run_sync(db, FileSource(export)))
        again, t_again = timed(lambda: run_sync(db, FileSource(export)))
    assert first.added == n and again.unchanged == n, (first.summary(), again.summary())
    db.close()
    return t_first, t_again


# The portal fixtures' pretix header and map: the benchmark reads what the tests read.
PORTALS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "import" / "portals"
with (PORTALS / "pretix-positions.csv").open(encoding="utf-8", newline="") as _sample:
    PRETIX_HEADER = next(csv.reader(_sample))


def write_pretix_export(path: Path, n: int, seed: int = 1) -> None:
    """pretix's "Order positions" CSV: every text cell quoted, '+32 phones, some multiline comments."""
    rnd = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_NONNUMERIC)
        w.writerow(PRETIX_HEADER)
        for i in range(n):
            given, family = rnd.choice(FIRST), rnd.choice(LAST if i % 10 == 0 else SURNAMES)
            w.writerow([
                f"E{i // 2:05d}", i % 2 + 1, rnd.choice(["paid"] * 8 + ["pending", "canceled"]),
                f"orders{i // 2}@example.eu", f"'+32 2 555 {i % 10000:04d}", "2016-09-01", "08:03:00",
                "Conference ticket", rnd.choice(["Conference only (1–2 Dec)", "Full pass (30 Nov – 2 Dec)"]), "150.00",
                f"{given} {family}", "", given, family, f"person{i}@cluster{i % 997}.eu",
                f"{ORGS[i // 2 % len(ORGS)]} {i // 2}", f"Rue de la Loi {i % 200}", "1000", "Brussels",
                rnd.choice(["PL", "DE", "FR", "GR", "BE", "ES", "PT", "NL"]), f"s{i:08d}q7xk2m9vz4rj",
                rnd.choice(["Cluster organisation", "Public authority / policy-maker", "Press"]),
                "Vegetarian.\nArriving late." if i % 50 == 0 else "",
            ])


def _first_import(export: Path, database: Path, *extra: str) -> float:
    """One first import in a new process, as `desk import` runs: its time in seconds."""
    out = subprocess.run([sys.executable, __file__, "--one-run", str(export), str(database), *extra],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)[0]


def bench_portal(folder: Path, n: int = 20_000, runs: int = 7) -> None:
    """A pretix export read through a map against desk's own format: first imports, new processes.

    The two alternate run by run, so that a machine busy with other work slows both alike.
    """
    own, pretix, portal_map = folder / f"own-{n}.csv", folder / f"pretix-{n}.csv", folder / "pretix-map.toml"
    write_export(own, n)
    write_pretix_export(pretix, n)
    portal_map.write_bytes((PORTALS / "pretix-map.toml").read_bytes())
    owns, pretixes = [], []
    for run in range(runs):
        owns.append(_first_import(own, folder / f"own-{run}.sqlite"))
        pretixes.append(_first_import(pretix, folder / f"pretix-{run}.sqlite", "--one-map", str(portal_map)))
    t_own, t_pretix = statistics.median(owns), statistics.median(pretixes)
    ratios = sorted(p / o for p, o in zip(pretixes, owns))
    print(f"{n:>7} rows  desk's own format {n / t_own:9,.0f} rows/s ({t_own:.2f} s)   pretix export with a map "
          f"{n / t_pretix:9,.0f} rows/s ({t_pretix:.2f} s)   pretix/own time per run: median "
          f"{statistics.median(ratios):.2f}, {ratios[0]:.2f}-{ratios[-1]:.2f} (target at most 1.25)"
          f"   {runs} runs each, new processes")


def bench_file(folder: Path, n: int, runs: int = 3) -> None:
    """`runs` first imports and re-imports, each in a new process as `desk import` runs: medians.

    A new process starts with nothing cached (folded names, organisation keys), as a desk
    does on the day; a second import in one process would find them cached.
    """
    export = folder / f"export-{n}.csv"
    write_export(export, n)
    firsts, agains = [], []
    for run in range(runs):
        out = subprocess.run([sys.executable, __file__, "--one-run", str(export), str(folder / f"bench-{n}-{run}.sqlite")],
                             check=True, capture_output=True, text=True).stdout
        t_first, t_again = json.loads(out)
        firsts.append(t_first)
        agains.append(t_again)
    t_first, t_again = statistics.median(firsts), statistics.median(agains)
    print(f"{n:>7} rows  first import {t_first:6.2f} s ({n / t_first:9,.0f} rows/s; {min(firsts):.2f}-{max(firsts):.2f})"
          f"   unchanged re-import {t_again:6.2f} s ({n / t_again:9,.0f} rows/s; {min(agains):.2f}-{max(agains):.2f})"
          f"   median of {runs} new processes")


def bench_feed(folder: Path) -> None:
    from tests.services.feedserver import DEFAULT_TOKEN, FeedServer, make_registration

    db = with_event(open_database(f"sqlite:///{folder / 'feed.sqlite'}"))
    with FeedServer([make_registration(n) for n in range(10_000)], max_limit=1000) as server:
        def source() -> FeedSourceAdapter:
            return FeedSourceAdapter(server.base_url, DEFAULT_TOKEN, limit=1000)

        _, t_full = timed(lambda: run_sync(db, source()))
        for n in range(100):
            server.update(f"ECC-{n * 37:05d}", last_name=f"Changed {n}")
        report, t_inc = timed(lambda: run_sync(db, source()))
    assert report.updated == 100, report.summary()
    print(f"feed: first pull of 10,000 in {t_full:.2f} s ({10_000 / t_full:,.0f} rows/s); "
          f"incremental 100 changes in {t_inc * 1000:.0f} ms ({100 / t_inc:,.0f} changes/s)")
    db.close()


def bench_search(folder: Path) -> None:
    db = open_database(f"sqlite:///{folder / 'bench-100000-0.sqlite'}")
    queries = ["lodz", "muller", "papadopoulos", "παπαδοπουλος", "petrov", "петров", "sao joao", "dvorak",
               "novak oster", "person12345", "cluster42", "silicon saxony 12", "zz", "jo"]
    times: list[float] = []
    for _ in range(20):
        for q in queries:
            with db.begin() as session:
                t0 = time.perf_counter()
                repo.search_registrations(session, q, limit=50)
                times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"search over 100,000 (first 50 shown): median {statistics.median(times):.2f} ms, p95 {p95:.2f} ms, "
          f"max {times[-1]:.2f} ms ({len(times)} queries)")
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="skip the 100,000-row runs")
    parser.add_argument("--portal-only", action="store_true", help="only the pretix-with-a-map figure")
    parser.add_argument("--one-run", nargs=2, metavar=("EXPORT", "DATABASE"), help=argparse.SUPPRESS)
    parser.add_argument("--one-map", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_run:
        print(json.dumps(one_file_run(Path(args.one_run[0]), Path(args.one_run[1]),
                                      Path(args.one_map) if args.one_map else None)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bench_portal(folder)
        if args.portal_only:
            return
        for n in (250, 10_000) + (() if args.quick else (100_000,)):
            bench_file(folder, n)
        bench_feed(folder)
        if not args.quick:
            bench_search(folder)


if __name__ == "__main__":
    main()
