"""Matchmaking instances that look like the real pre-event: the demo event's and benchmark ones.

Deterministic for a seed. The demo instance takes the cluster practitioners of the demo event
who attend the matchmaking day (one per organisation, with their registration ids) and tops them
up with further clusters to about 100 organisations from 18+ countries. Requests favour a few
popular clusters, some participants can only come in the morning or the afternoon, and a few
requests carry a higher priority.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from desk.core.attendees import Category, Status
from desk.core.matchmaking.model import MeetingRequest, Participant, Problem, Session, Slot
from desk.core.matchmaking.files import format_available

SLOT_MIN = 20
TABLES = 20

# Country → (the local word for a cluster, regions, first names, last names), native scripts.
_COUNTRIES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "PL": ("Klaster", ("Łódź", "Pomorze", "Małopolska", "Wrocław"), ("Łukasz", "Agnieszka", "Paweł", "Zofia"),
           ("Wójcik", "Dąbrowska", "Kowalczyk", "Żuraw")),
    "DE": ("Cluster", ("Sachsen", "Bayern", "Nordrhein-Westfalen", "Baden-Württemberg"),
           ("Jürgen", "Anna", "Matthias", "Sabine"), ("Müller", "Schäfer", "Groß", "Weiß")),
    "FR": ("Pôle", ("Rhône-Alpes", "Bretagne", "Occitanie", "Grand Est"), ("François", "Hélène", "Benoît", "Cécile"),
           ("Lefèvre", "Moreau", "Bérenger", "Girard")),
    "ES": ("Clúster", ("País Vasco", "Cataluña", "Andalucía", "Galicia"), ("José", "Begoña", "Íñigo", "Nuria"),
           ("García", "Muñoz", "Ibáñez", "Peña")),
    "IT": ("Distretto", ("Lombardia", "Piemonte", "Puglia", "Emilia-Romagna"), ("Niccolò", "Chiara", "Matteo", "Lucia"),
           ("Rossi", "Bianchi", "De Luca", "Ferrari")),
    "GR": ("Σύμπλεγμα", ("Αθηνών", "Θεσσαλονίκης", "Κρήτης"), ("Δημήτρης", "Ελένη", "Γιώργος", "Μαρία"),
           ("Παπαδόπουλος", "Οικονόμου", "Γεωργίου", "Νικολάου")),
    "BG": ("Клъстер", ("София", "Пловдив", "Варна"), ("Петър", "Иванка", "Мария", "Георги"),
           ("Петров", "Иванова", "Георгиев", "Димитрова")),
    "CZ": ("klastr", ("Morava", "Praha", "Brno"), ("Jiří", "Tereza", "Ondřej"), ("Dvořák", "Novotná", "Černý")),
    "HU": ("Klaszter", ("Pannon", "Szeged", "Debrecen"), ("Gergő", "Zsófia", "Ádám"), ("Nagy", "Kovács", "Szőke")),
    "RO": ("Clusterul", ("Transilvania", "Banat", "Moldova"), ("Ștefan", "Ioana", "Mihai"),
           ("Popescu", "Țurcanu", "Mureșan")),
    "SE": ("Kluster", ("Västra Götaland", "Skåne", "Norrbotten"), ("Björn", "Åsa", "Linnéa"),
           ("Lindström", "Åberg", "Öberg")),
    "DK": ("Klynge", ("Sjælland", "Midtjylland", "Fyn"), ("Søren", "Mette", "Rasmus"),
           ("Jørgensen", "Nielsen", "Sørensen")),
    "FI": ("Klusteri", ("Oulu", "Tampere", "Turku"), ("Jussi", "Päivi", "Aino"), ("Virtanen", "Mäkinen", "Häkkinen")),
    "NL": ("Cluster", ("Brabant", "Twente", "Limburg"), ("Joost", "Femke", "Sanne"),
           ("van der Berg", "de Vries", "Bakker")),
    "BE": ("Cluster", ("Wallonie", "Vlaanderen", "Brussels"), ("Pieter", "Anneleen", "Jérôme"),
           ("Van den Broeck", "Peeters", "Dubois")),
    "PT": ("Cluster", ("Norte", "Centro", "Alentejo"), ("João", "Conceição", "Gonçalo"),
           ("Gonçalves", "Simões", "Lopes")),
    "AT": ("Cluster", ("Oberösterreich", "Steiermark", "Tirol"), ("Günther", "Theresa"), ("Hölzl", "Pöschl")),
    "SI": ("grozd", ("Štajerska", "Gorenjska"), ("Žiga", "Nina", "Luka"), ("Novak", "Kranjc", "Zupančič")),
    "HR": ("klaster", ("Zagreb", "Dalmacija"), ("Đurđa", "Ivan", "Matej"), ("Horvat", "Kovačević", "Babić")),
    "LT": ("klasteris", ("Kaunas", "Vilnius"), ("Jonas", "Rūta"), ("Kazlauskas", "Petrauskienė")),
    "EE": ("klaster", ("Tartu", "Tallinn"), ("Mart", "Kädi", "Tõnu"), ("Tamm", "Saar", "Mägi")),
    "IE": ("Cluster", ("Munster", "Connacht"), ("Seán", "Aoife", "Niamh"), ("O'Brien", "Ní Bhriain", "Murphy")),
}
_SECTORS = ("Chemicals", "Aerospace", "ICT", "Agrifood", "Textiles", "Energy", "Maritime", "Photonics", "Health",
            "Mobility", "Plastics", "Wood & Furniture", "Creative Industries", "Water", "Logistics", "Biotech",
            "Advanced Manufacturing", "Tourism")
# names a template would not produce: the real mix of languages and scripts
_NAMED = (("DE", "Silicon Saxony"), ("PL", "Cluster Łódź Chemicals"), ("GR", "Στρατηγική Ομάδα Αθηνών"),
          ("FR", "Aerospace Valley"), ("NL", "Brainport Eindhoven"), ("BG", "Клъстер Мехатроника и автоматизация"),
          ("ES", "Clúster de Automoción de Euskadi"), ("SE", "Paper Province"), ("DK", "CLEAN"),
          ("IT", "Fabbrica Intelligente Lombardia"), ("FI", "Oulu Health Tech"), ("PT", "Produtech"))


@dataclass(frozen=True)
class MatchmakingInstance:
    """Participants, accepted requests and the session layout of one matchmaking."""

    participants: list[Participant]
    requests: list[MeetingRequest]
    slots: list[Slot]
    tables: int

    def problem(self) -> Problem:
        """Return the validated Problem (raises MatchmakingError if the instance is inconsistent)."""
        return Problem(tuple(self.participants), tuple(self.requests), Session(tuple(self.slots), self.tables))

    def write_csvs(self, folder: Path) -> dict[str, Path]:
        """Write participants.csv, requests.csv and slots.csv (UTF-8) into `folder`; return the paths."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = {kind: folder / f"{kind}.csv" for kind in ("participants", "requests", "slots")}
        with paths["participants"].open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(["participant_id", "organisation", "name", "country", "registration_id", "available"])
            for p in self.participants:
                out.writerow([p.participant_id, p.organisation, p.name, p.country, p.registration_id or "",
                              format_available(p.available)])
        with paths["requests"].open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(["requester", "partner", "priority"])
            out.writerows([r.requester, r.partner, r.priority] for r in self.requests)
        with paths["slots"].open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(["slot", "start", "end"])
            out.writerows([s.number, s.start.isoformat(), s.end.isoformat()] for s in self.slots)
        return paths


def session_slots(date: dt.date, count: int = 16, lunch_after: int | None = None) -> list[Slot]:
    """Return `count` slots of 20 minutes from 09:30, with a lunch break (80 min) after half of them."""
    lunch_after = count // 2 if lunch_after is None else lunch_after
    start = dt.datetime.combine(date, dt.time(9, 30))
    slots: list[Slot] = []
    for number in range(1, count + 1):
        if number == lunch_after + 1:
            start += dt.timedelta(minutes=80)
        slots.append(Slot(number, start, start + dt.timedelta(minutes=SLOT_MIN)))
        start += dt.timedelta(minutes=SLOT_MIN)
    return slots


def _organisations(rnd: random.Random, count: int, taken: set[str]) -> list[tuple[str, str]]:
    """Return (country, cluster name) pairs, hand-picked names first, then names from templates."""
    found = [(c, n) for c, n in _NAMED if n not in taken][:count]
    taken.update(n for _, n in found)
    countries = sorted(_COUNTRIES)
    misses = 0
    while len(found) < count:
        country = countries[len(found) % len(countries)]
        word, regions, _, _ = _COUNTRIES[country]
        region, sector = rnd.choice(regions), rnd.choice(_SECTORS)
        name = rnd.choice((f"{word} {region} {sector}", f"{region} {sector} {word}"))
        misses += 1
        if misses > 50:  # the templates run out past a few thousand clusters: number them
            name = f"{name} {len(found) + 1}"
        if name not in taken:
            misses = 0
            taken.add(name)
            found.append((country, name))
    return found


def _availability(rnd: random.Random, slot_count: int) -> frozenset[int] | None:
    half = slot_count // 2
    draw = rnd.random()
    if draw < 0.12:
        return frozenset(range(1, half + 1))  # morning only
    if draw < 0.20:
        return frozenset(range(half + 1, slot_count + 1))  # afternoon only
    if draw < 0.27:
        gap = rnd.randrange(2, slot_count - 3)  # away for a session of their own
        return frozenset(range(1, slot_count + 1)) - {gap, gap + 1, gap + 3}
    return None


def _requests(rnd: random.Random, ids: list[str], count: int, cap: int) -> list[MeetingRequest]:
    """Accepted requests: requesters spread out, partners drawn by a skewed popularity."""
    popularity = [rnd.lognormvariate(0.0, 0.9) for _ in ids]
    degree = dict.fromkeys(ids, 0)
    pairs: set[frozenset[str]] = set()
    found: list[MeetingRequest] = []
    attempts = 0
    while len(found) < count and attempts < count * 200:
        attempts += 1
        requester = rnd.choice(ids)
        partner = rnd.choices(ids, weights=popularity)[0]
        pair = frozenset((requester, partner))
        if requester == partner or pair in pairs or degree[requester] >= cap or degree[partner] >= cap:
            continue
        pairs.add(pair)
        degree[requester] += 1
        degree[partner] += 1
        priority = rnd.choices((1, 2, 3), weights=(85, 12, 3))[0]
        found.append(MeetingRequest(requester, partner, priority))
    return found


def _person(rnd: random.Random, country: str) -> str:
    _, _, firsts, lasts = _COUNTRIES.get(country, _COUNTRIES["BE"])
    return f"{rnd.choice(firsts)} {rnd.choice(lasts)}"


def demo_matchmaking(date: dt.date = dt.date(2016, 11, 30), seed: int = 2016, organisations: int = 100,
                     requests: int = 300) -> MatchmakingInstance:
    """Return the demo event's matchmaking: ~100 clusters, 300 accepted requests, 16 slots, 20 tables.

    Participants who are demo registrations (cluster practitioners attending the matchmaking
    day, one per organisation) carry their registration id.
    """
    from desk.services.demo.event import demo_registrations  # noqa: PLC0415  (only the demo needs it)

    rnd = random.Random(seed)
    people: list[Participant] = []
    taken: set[str] = set()
    slots = session_slots(date)
    for reg in demo_registrations(date, seed).registrations:
        if (reg.status is not Status.VALIDATED or reg.category != Category.CLUSTER_PRACTITIONER
                or date not in reg.days or reg.organisation in taken or len(people) >= organisations):
            continue
        taken.add(reg.organisation)
        people.append(Participant(f"M{len(people) + 1:03d}", reg.organisation, f"{reg.first_name} {reg.last_name}",
                                  reg.country, reg.registration_id, _availability(rnd, len(slots))))
    for country, name in _organisations(rnd, organisations - len(people), taken):
        people.append(Participant(f"M{len(people) + 1:03d}", name, _person(rnd, country), country, None,
                                  _availability(rnd, len(slots))))
    found = _requests(rnd, [p.participant_id for p in people], requests, cap=len(slots) + 2)
    return MatchmakingInstance(people, found, slots, TABLES)


def benchmark_matchmaking(participants: int, requests: int, tables: int, slots: int = 16,
                          seed: int = 1) -> MatchmakingInstance:
    """Return a synthetic instance of the given size with availability windows and popular participants."""
    rnd = random.Random(seed)
    layout = session_slots(dt.date(2016, 11, 30), slots)
    people = [Participant(f"P{k + 1:04d}", name, _person(rnd, country), country, None, _availability(rnd, slots))
              for k, (country, name) in enumerate(_organisations(rnd, participants, set()))]
    found = _requests(rnd, [p.participant_id for p in people], requests, cap=slots + 4)
    return MatchmakingInstance(people, found, layout, tables)
