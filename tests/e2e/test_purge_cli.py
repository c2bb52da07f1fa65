"""`desk purge` on a station that ran a whole event: afterwards no file under the data folder,
the config folder or the printer's folder names any attendee, and the anonymous counts remain."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from desk.cli import cli
from desk.config import Settings, config_dir, data_dir, default_db_url, save_settings
from desk.services.purge.counts import read_counts
from desk.store.db import open_database
from tests.event_helpers import create_event

PEOPLE = [
    # registration id, first name, last name, e-mail, days
    ("PG-1", "Wiesława", "Przybyszewska-Łódź", "wieslawa.przybyszewska@zielona-gora.example.pl",
     "2016-11-30|2016-12-01"),
    ("PG-2", "Δημήτρης", "Παπαδόπουλος", "dimitris.papadopoulos@thessaloniki.example.gr", "2016-11-30"),
    ("PG-3", "Дмитрий", "Вишневецкий", "dmitry.vishnevetsky@novosibirsk.example.ru", "2016-12-01"),
    ("PG-4", "Hiroshi", "渡邊", "hiroshi.watanabe@sapporo.example.jp", "2016-11-30|2016-12-01"),
    ("PG-5", "Zygmunt", "Quarterbridge", "zygmunt.quarterbridge@example.eu", "2016-12-01"),
]


def desk(*args: str, ok: bool = True):
    """Run one desk command on the station's own database (no --db: the data folder's file)."""
    done = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    if ok:
        assert done.exit_code == 0, done.stdout + done.stderr
    return done


def _needles() -> dict[str, list[bytes]]:
    """Every name and e-mail, in the byte forms a file could hold them."""
    found: dict[str, list[bytes]] = {}
    for _rid, first, last, email, _days in PEOPLE:
        for word in (first, last, email):
            forms = {unicodedata.normalize("NFC", word), unicodedata.normalize("NFD", word)}
            found[word] = [f.encode(enc) for f in forms for enc in ("utf-8", "utf-16-le", "utf-16-be")]
    return found


def _hits(folders: list[Path]) -> list[str]:
    """Where any name or e-mail occurs: in a file's bytes or in its path."""
    hits = []
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.exists() else []:
            for word in _needles():
                if word in str(path):
                    hits.append(f"{word} in the name {path}")
            if path.is_file():
                content = path.read_bytes()
                hits += [f"{word} in {path}" for word, forms in _needles().items() if any(f in content for f in forms)]
    return hits


@pytest.fixture
def station(tmp_path) -> dict[str, Path]:
    """A station after an event: registrations, check-ins, badges, exports, door scans, key backup."""
    data, config = data_dir(), config_dir()
    outside_printer = tmp_path / "badge-printer"
    outside_printer.mkdir()
    save_settings(Settings(desk_name="desk-1", printer=f"folder:{outside_printer}"))
    db = open_database(default_db_url())
    create_event(db)
    db.close()
    registrations = tmp_path / "registrations.csv"
    with registrations.open("w", encoding="utf-8", newline="") as fh:
        fh.write("registration_id,status,first_name,last_name,email,organisation,country,category,days,"
                 "ticket_code,updated_at\n")
        for rid, first, last, email, days in PEOPLE:
            fh.write(f"{rid},validated,{first},{last},{email},Org {rid},PL,cluster practitioner,{days},"
                     f"T-{rid},2016-10-10T09:00:00Z\n")
    desk("import", str(registrations))
    desk("keys", "create")
    desk("keys", "export", "--out", str(data / "backup" / "event-keys.json"), "--public-only")
    desk("checkin", "T-PG-1", "--at", "2016-11-30T09:00")
    desk("checkin", "T-PG-2", "--at", "2016-11-30T09:05")
    desk("checkin", "T-PG-4", "--at", "2016-11-30T09:10")
    desk("checkin", "T-PG-1", "--at", "2016-12-01T09:00")
    desk("checkin", "T-PG-3", "--at", "2016-12-01T09:01")
    desk("checkin", "NO-SUCH-CODE", "--at", "2016-12-01T09:02", ok=False)  # the scan log keeps it too
    desk("print", "--attendee", "PG-5", "--folder", str(data / "printed-badges"))
    desk("print", "--all")  # the settings' folder printer, outside the data folder
    desk("programme", "demo")
    desk("door", "Europa", "T-PG-1", "--at", "2016-12-01T11:00")
    desk("door", "Europa", "T-PG-3", "--at", "2016-12-01T11:01")
    desk("door", "Botanique", "T-PG-5", "--at", "2016-12-01T11:02")
    awards = tmp_path / "awards.csv"
    awards.write_text("award,finalist,description\nCluster Manager,Ana,\nCluster Manager,Ben,\n", encoding="utf-8")
    desk("awards", "import", str(awards))
    desk("vote", "open", "Cluster Manager", "--until", "2016-12-01T18:00", "--at", "2016-12-01T09:00")
    desk("vote", "cast", "T-PG-1", "Cluster Manager", "Ben", "--at", "2016-12-01T12:00")
    desk("vote", "cast", "T-PG-3", "Cluster Manager", "Ben", "--at", "2016-12-01T12:01")
    (data / "exports").mkdir()
    desk("rooms", "export", "--out", str(data / "exports" / "attendance.csv"))
    desk("rooms", "export", "--out", str(data / "exports" / "attendance.xlsx"))
    # what a cache or a log of another part could leave: the purge takes the whole data folder
    (data / "cache").mkdir()
    (data / "cache" / "search.bin").write_bytes("|".join(p[2] for p in PEOPLE).encode("utf-16-le"))
    (data / "logs").mkdir()
    (data / "logs" / "desk.log").write_text("\n".join(f"checked in {p[1]} {p[2]} <{p[3]}>" for p in PEOPLE),
                                            encoding="utf-8")
    return {"data": data, "config": config, "printer": outside_printer}


def test_purge_leaves_no_name_or_email_and_keeps_the_counts(station) -> None:
    folders = [station["data"], station["config"], station["printer"]]
    assert _hits(folders), "the event left no name anywhere: the search would prove nothing"
    assert list(station["printer"].glob("badge-*.pdf")) and list((station["data"] / "printed-badges").glob("*.pdf"))

    dry = desk("purge", ok=False)
    assert dry.exit_code == 1
    assert "run `desk purge --yes` to remove it" in dry.stderr
    assert f"database: {station['data'] / 'desk.sqlite'}" in dry.stdout
    for kind in ("key backups: ", "print folder: ", "exports, caches, logs and other files: "):
        assert kind in dry.stdout
    assert (station["data"] / "desk.sqlite").exists() and _hits(folders)  # nothing went yet

    done = desk("purge", "--yes")
    assert done.stdout.startswith("removed:\n")
    assert "kept:\n  anonymous counts: " in done.stdout
    assert _hits(folders) == []
    left = sorted(p.relative_to(station["data"]).as_posix() for p in station["data"].rglob("*"))
    assert left == ["anonymous-counts.json"]
    assert [p.name for p in station["config"].iterdir()] == ["settings.toml"]
    assert not any(station["printer"].iterdir())

    counts = read_counts()["events"]
    assert len(counts) == 1 and counts[0]["event"] == "European Cluster Conference 2016"
    sections = counts[0]["sections"]
    assert sections["attendance_per_day"] == {"2016-11-30": 3, "2016-12-01": 2}
    europa = [s for s in sections["attendance_per_session"] if s["room"] == "Europa" and s["attendees"]]
    botanique = [s for s in sections["attendance_per_session"] if s["room"] == "Botanique" and s["attendees"]]
    assert [s["attendees"] for s in europa] == [2] and [s["attendees"] for s in botanique] == [1]
    assert sections["votes_per_award"] == [{"award": "Cluster Manager", "voters": 2, "finalists": [
        {"finalist": "Ana", "ballots": 0}, {"finalist": "Ben", "ballots": 2}]}]
    text = (station["data"] / "anonymous-counts.json").read_text(encoding="utf-8")
    assert "PG-" not in text and "T-PG" not in text  # no registration id or code either


def test_purge_twice_keeps_the_counts_and_removes_nothing_more(station) -> None:
    desk("purge", "--yes")
    before = read_counts()
    again = desk("purge", "--yes")
    assert "removed: nothing (no personal data found)" in again.stdout
    assert "anonymous counts: " in again.stdout and read_counts() == before


def test_purge_refuses_a_file_desk_did_not_make(tmp_path) -> None:
    other = tmp_path / "notes.sqlite"
    other.write_bytes(b"not a database at all" * 100)
    done = desk("--db", f"sqlite:///{other}", "purge", "--yes", ok=False)
    assert done.exit_code == 1 and "is not a desk database" in done.stderr
    assert other.read_bytes() == b"not a database at all" * 100


@pytest.mark.hub
def test_purge_on_the_hub_empties_the_personal_tables(pg_url) -> None:
    from sqlalchemy import text

    db = open_database(pg_url)
    create_event(db)
    db.close()
    registrations = Path(os.environ["DESK_DATA_DIR"]).parent / "hub-registrations.csv"
    registrations.write_text(
        "registration_id,status,first_name,last_name,email,organisation,country,category,days,ticket_code,updated_at\n"
        + "".join(f"{rid},validated,{first},{last},{email},Org,PL,cluster practitioner,{days},T-{rid},"
                  "2016-10-10T09:00:00Z\n" for rid, first, last, email, days in PEOPLE), encoding="utf-8")
    desk("--db", pg_url, "import", str(registrations))
    desk("--db", pg_url, "checkin", "T-PG-1", "--at", "2016-11-30T09:00")
    desk("--db", pg_url, "checkin", "T-PG-3", "--at", "2016-12-01T09:00")
    dry = desk("--db", pg_url, "purge", ok=False)
    assert dry.exit_code == 1 and "registration" in dry.stdout
    done = desk("--db", pg_url, "purge", "--yes")
    assert "rows from" in done.stdout
    db = open_database(pg_url)
    try:
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM registration")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM checkin")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM scan_log")).scalar() == 0
            assert conn.execute(text("SELECT name FROM event")).scalar() == "European Cluster Conference 2016"
    finally:
        db.close()
    assert read_counts()["events"][0]["sections"]["attendance_per_day"] == {"2016-11-30": 1, "2016-12-01": 1}


def test_purge_of_an_encrypted_database_keeps_its_counts(tmp_path, monkeypatch) -> None:
    from tests.event_helpers import CREATE_EVENT_ARGS

    monkeypatch.setenv("DESK_DB_KEY", "a key for the purge")
    registrations = tmp_path / "registrations.csv"
    registrations.write_text(
        "registration_id,status,first_name,last_name,email,organisation,country,category,days,ticket_code,updated_at\n"
        + "".join(f"{rid},validated,{first},{last},{email},Org,PL,cluster practitioner,{days},T-{rid},"
                  "2016-10-10T09:00:00Z\n" for rid, first, last, email, days in PEOPLE), encoding="utf-8")
    desk(*CREATE_EVENT_ARGS)
    desk("import", str(registrations))
    desk("checkin", "T-PG-2", "--at", "2016-11-30T09:00")
    assert not (data_dir() / "desk.sqlite").read_bytes().startswith(b"SQLite format 3")
    desk("purge", "--yes")
    assert not (data_dir() / "desk.sqlite").exists() and _hits([data_dir(), config_dir()]) == []
    assert read_counts()["events"][0]["sections"]["attendance_per_day"] == {"2016-11-30": 1}
