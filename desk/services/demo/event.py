"""The demo event: the European Cluster Conference 2016 at the Crowne Plaza Rogier, Brussels.

Deterministic for a seed, so a demo database looks the same on every laptop. Its first day
(the matchmaking pre-event) can be laid on any date; `desk demo --start 2016-11-30` gives
the real dates.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from desk.core.attendees import Category, Event, Registration, Status

EVENT_NAME = "European Cluster Conference 2016"
VENUE = "Crowne Plaza Brussels – Le Palace (Rogier), Brussels"
TIMEZONE = "Europe/Brussels"
"""The demo event's zone (the only place desk names one): a real event carries its own."""
EVENT_TZ = ZoneInfo(TIMEZONE)
PRIORITY_AREAS = (
    "Smart manufacturing & digital transformation",
    "Circular economy",
    "Key enabling technologies",
    "Creative & data-driven services",
)
HORIZONTAL_TOPICS = (
    "Cross-sectoral value-chain linkages",
    "Strategic European partnering",
    "International collaboration",
    "Skills for smart industries",
)

# Country → (first names, last names), native scripts where the country writes them.
_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "PL": (("Łukasz", "Agnieszka", "Małgorzata", "Paweł", "Zofia", "Wojciech"),
           ("Wójcik", "Kowalczyk", "Dąbrowski", "Szymańska", "Łęcka", "Żuraw")),
    "CZ": (("Jiří", "Tereza", "Ondřej", "Kateřina"), ("Dvořák", "Novotná", "Černý", "Procházková")),
    "SK": (("Ľubomír", "Zuzana", "Ján"), ("Kováč", "Horváthová", "Šťastný")),
    "HU": (("Gergő", "Zsófia", "Ádám", "Réka"), ("Nagy", "Kovács", "Szőke", "Fülöp")),
    "RO": (("Ștefan", "Ioana", "Mihai", "Andreea"), ("Popescu", "Țurcanu", "Mureșan", "Stănescu")),
    "HR": (("Đurđa", "Ivan", "Matej"), ("Horvat", "Kovačević", "Babić")),
    "SI": (("Žiga", "Nina", "Luka"), ("Novak", "Kranjc", "Zupančič")),
    "LT": (("Jonas", "Rūta", "Mindaugas"), ("Kazlauskas", "Petrauskienė", "Žukauskas")),
    "LV": (("Jānis", "Līga", "Artūrs"), ("Bērziņš", "Kalniņa", "Ozols")),
    "EE": (("Mart", "Kädi", "Tõnu"), ("Tamm", "Saar", "Mägi")),
    "FI": (("Jussi", "Päivi", "Aino"), ("Virtanen", "Mäkinen", "Häkkinen")),
    "SE": (("Björn", "Åsa", "Linnéa"), ("Lindström", "Åberg", "Öberg")),
    "DK": (("Søren", "Mette", "Rasmus"), ("Jørgensen", "Nielsen", "Sørensen")),
    "NO": (("Øystein", "Ingrid", "Håkon"), ("Nøvák-Øster", "Hansen", "Bråthen")),
    "DE": (("Jürgen", "Anna", "Matthias", "Sabine"), ("Müller", "Schäfer", "Groß", "Weiß")),
    "AT": (("Günther", "Theresa"), ("Hölzl", "Pöschl")),
    "FR": (("François", "Hélène", "Benoît", "Cécile"), ("Lefèvre", "Moreau", "Bérenger", "Girard")),
    "BE": (("Pieter", "Anneleen", "Jérôme", "Wouter", "Ine", "Gaëlle", "Koen", "Thibaut", "Liesbeth"),
           ("Van den Broeck", "Peeters", "Dubois", "De Smet", "Claes", "Lambert", "Vermeulen", "Dupont",
            "Maes", "Janssens")),
    "NL": (("Joost", "Femke", "Sanne"), ("van der Berg", "de Vries", "Bakker")),
    "ES": (("José", "Begoña", "Íñigo", "Nuria"), ("García", "Muñoz", "Ibáñez", "Peña")),
    "PT": (("João", "Conceição", "Gonçalo"), ("Gonçalves", "Simões", "Conceição")),
    "IT": (("Niccolò", "Chiara", "Lucia", "Matteo"), ("Rossi", "Bianchi", "De Luca", "Ferrari")),
    "IE": (("Seán", "Aoife", "Niamh"), ("O'Brien", "Ní Bhriain", "Murphy")),
    "GR": (("Δημήτρης", "Ελένη", "Γιώργος", "Μαρία"), ("Παπαδόπουλος", "Οικονόμου", "Γεωργίου", "Νικολάου")),
    "BG": (("Дмитрий", "Иванка", "Петър", "Мария"), ("Петров", "Иванова", "Георгиев", "Димитрова")),
    "CY": (("Ανδρέας", "Χριστίνα"), ("Χριστοδούλου", "Κωνσταντίνου")),
    "TR": (("Emre", "Ayşe", "Şükrü"), ("Şahin", "Yılmaz", "Öztürk")),
    "UA": (("Олена", "Тарас"), ("Шевченко", "Ковальчук")),
    "RS": (("Милош", "Јелена"), ("Јовановић", "Петровић")),
}

_CLUSTERS: dict[str, tuple[str, ...]] = {
    "PL": ("Klaster Łódź Chemia", "Mazovia ICT Cluster", "Silesian Aviation Cluster", "Wielkopolski Klaster Meblarski", "Pomorski Klaster ICT"),
    "CZ": ("Moravskoslezský automobilový klastr", "Czech Photonics Cluster", "Klastr Nanoprogres"),
    "SK": ("Košice IT Valley",),
    "HU": ("Pannon Mechatronikai Klaszter", "Szeged Biotech Pólus", "Észak-Alföldi Egészségipari Klaszter"),
    "RO": ("Clusterul Transilvania Digital", "Danube Agrifood Cluster", "Cluj IT Cluster"),
    "HR": ("Hrvatski klaster konkurentnosti", "Klaster drvne industrije"),
    "SI": ("Slovenski avtomobilski grozd", "Grozd Ljubljana Lesarstvo"),
    "LT": ("Kaunas Laser Cluster", "Vilnius Fintech Cluster"),
    "LV": ("Latvian IT Cluster",),
    "EE": ("Tallinn Smart City Cluster", "Estonian ICT Cluster"),
    "FI": ("Päijät-Häme Cleantech Cluster", "Oulu Health Tech", "Tampere Smart Factory"),
    "SE": ("Värmland Paper Province", "Öresund Food Network", "Stockholm Fintech Hub", "Göteborg Automotive Cluster"),
    "DK": ("Sjælland Lifescience Cluster", "Danish Wind Industry Cluster", "Copenhagen Cleantech Cluster"),
    "NO": ("Nøkkel Maritime Klynge", "Oslo Cancer Cluster"),
    "DE": ("Silicon Saxony e.V.", "Hamburg Aviation", "Münchner Kreis Cluster", "Bioökonomie Cluster Halle", "Kompetenznetz Mechatronik", "Cluster Nanotechnologie Bayern", "Kreativwirtschaft Köln", "Automotive Thüringen"),
    "AT": ("Oberösterreich Kunststoff-Cluster", "Wiener Kreativcluster", "Mechatronik-Cluster Linz"),
    "FR": ("Pôle Aérospace Valley", "Cap Digital", "Minalogic", "Pôle Mer Méditerranée", "Pôle Plastipolis", "Images & Réseaux", "Pôle Véhicule du Futur", "Axelera"),
    "BE": ("Flanders Make", "GreenWin", "Wallonie Mécatech", "Brussels Screen.brussels Cluster", "Flux50", "Catalisti", "infopôle Cluster TIC", "Wagralim"),
    "NL": ("Brainport Eindhoven", "Holland High Tech", "Twente Photonics Cluster", "Rotterdam Port Innovation"),
    "ES": ("Clúster de la Energía del País Vasco", "Cataluña Packaging Cluster", "Andalucía Smart City", "Clúster TIC Galicia", "Madrid Aeroespacial", "Clúster Marítimo Español"),
    "PT": ("Cluster Portugal Têxtil", "Produtech", "Cluster Habitat Sustentável", "Pólo da Moda"),
    "IT": ("Cluster Lombardo della Mobilità", "Fabbrica Intelligente", "Distretto Aerospaziale Pugliese", "Cluster Tecnologico Agrifood", "Torino Wireless", "Distretto Nautico Viareggio"),
    "IE": ("Irish MedTech Cluster", "Cork Energy Cluster"),
    "GR": ("Σύμπραξη Μικροηλεκτρονικής Αθηνών", "Thessaloniki Agrifood Cluster", "Corallia Ψηφιακές Τέχνες"),
    "BG": ("Клъстер Мехатроника и автоматизация", "Sofia ICT Cluster", "Клъстер Зелена енергия Пловдив"),
    "CY": ("Κυπριακό Δίκτυο Καινοτομίας",),
    "TR": ("OSTİM Savunma ve Havacılık Kümelenmesi",),
    "UA": ("Кластер ІТ Львів",),
    "RS": ("Војвођански ИКТ кластер",),
}

_AUTHORITIES: dict[str, tuple[str, ...]] = {
    "PL": ("Ministerstwo Rozwoju",), "CZ": ("CzechInvest",), "HU": ("Nemzetgazdasági Minisztérium",),
    "RO": ("Ministerul Economiei",), "FI": ("Tekes",), "SE": ("Vinnova",), "DK": ("Erhvervsstyrelsen",),
    "DE": ("Bundesministerium für Wirtschaft und Energie", "Sächsisches Staatsministerium für Wirtschaft"),
    "FR": ("Direction générale des Entreprises", "Région Auvergne-Rhône-Alpes"),
    "BE": ("VLAIO", "Service public de Wallonie", "hub.brussels"), "NL": ("Rijksdienst voor Ondernemend Nederland",),
    "ES": ("SPRI Agencia Vasca de Desarrollo", "ACCIÓ Generalitat de Catalunya"), "PT": ("IAPMEI",),
    "IT": ("Regione Lombardia", "Ministero dello Sviluppo Economico"), "IE": ("Enterprise Ireland",),
    "GR": ("Γενική Γραμματεία Βιομηχανίας",), "BG": ("Министерство на икономиката",),
    "AT": ("Austria Wirtschaftsservice",), "SI": ("SPIRIT Slovenija",), "LT": ("MITA",),
    "EE": ("Enterprise Estonia",), "HR": ("Ministarstvo gospodarstva",), "SK": ("SARIO",),
}

_OTHERS = (("BE", "European Cluster Collaboration Platform"), ("BE", "EASME"),
           ("BE", "Committee of the Regions"), ("LU", "Luxinnovation"), ("DE", "Fraunhofer ISI"),
           ("ES", "Orkestra Basque Institute"), ("SE", "Stockholm School of Economics"),
           ("BE", "BusinessEurope"), ("IT", "Politecnico di Milano"), ("NL", "TNO"))


# People a newcomer can search for right away: "lodz", "sao", "muller".
_FEATURED = (("PL", "Klaster Łódź Chemia"), ("PT", "Cluster do Calçado de São João da Madeira"))


def _feature(regs: list[Registration]) -> None:
    # Moves two validated practitioners to the featured organisations after the draw, so
    # the rest of the demo stays as the seed made it.
    practitioners = [i for i, r in enumerate(regs)
                     if r.is_attendee and r.category == Category.CLUSTER_PRACTITIONER]
    for (country, org), index in zip(_FEATURED, reversed(practitioners), strict=False):
        if sum(1 for r in regs if r.is_attendee and r.organisation == org) >= 2:
            continue
        regs[index] = replace(regs[index], organisation=org, country=country)


@dataclass(frozen=True)
class DemoData:
    event: Event
    registrations: list[Registration]


def _email(first: str, last: str, org: str, n: int) -> str:
    from desk.core.text import fold_key  # noqa: PLC0415

    def ascii_part(text: str) -> str:
        folded = fold_key(text)
        cleaned = "".join(c for c in folded.replace(" ", "") if c.isascii() and c.isalnum())
        return cleaned

    # Greek and Cyrillic names get a neutral ASCII mailbox
    local = ".".join(p for p in (ascii_part(first), ascii_part(last)) if p) or f"participant.{n}"
    domain = ascii_part(org)[:14] or "cluster"
    return f"{local}@{domain}.eu"


def demo_event(start: dt.date, timezone: str = TIMEZONE) -> Event:
    """The event on three days from `start`: matchmaking, then two conference days, in `timezone`."""
    days = tuple(start + dt.timedelta(days=i) for i in range(3))
    deadline = dt.datetime.combine(start - dt.timedelta(days=13), dt.time(23, 59), tzinfo=dt.timezone.utc)
    return Event(name=EVENT_NAME, venue=VENUE, days=days, seat_cap=250, per_organisation_cap=2,
                 registration_deadline=deadline, timezone=timezone)


def demo_registrations(start: dt.date, seed: int = 2016) -> DemoData:
    """250 validated attendees (~120 organisations, 25+ countries) plus pending, rejected and
    cancelled registrations that let every desk answer be tried."""
    rnd = random.Random(seed)
    event = demo_event(start)
    matchmaking, conf1, conf2 = event.days
    orgs: list[tuple[str, str, Category]] = []
    for country, names in _CLUSTERS.items():
        orgs += [(country, n, Category.CLUSTER_PRACTITIONER) for n in names]
    for country, names in _AUTHORITIES.items():
        orgs += [(country, n, Category.POLICY_MAKER) for n in names]
    orgs += [(c, n, Category.OTHER_STAKEHOLDER) for c, n in _OTHERS]
    regs: list[Registration] = []
    used: set[tuple[str, str]] = set()
    stamp = dt.datetime.combine(start - dt.timedelta(days=40), dt.time(9, 0), tzinfo=dt.timezone.utc)

    def person(country: str) -> tuple[str, str]:
        firsts, lasts = _NAMES.get(country, _NAMES["BE"])
        for attempt in range(500):
            if attempt >= 20:  # this country's names are used up: anybody can work anywhere
                firsts, lasts = _NAMES[rnd.choice(sorted(_NAMES))]
            pair = (rnd.choice(firsts), rnd.choice(lasts))
            if pair not in used:
                used.add(pair)
                return pair
        raise ValueError("demo names exhausted")

    def add(country: str, org: str, category: Category, status: Status, days: tuple[dt.date, ...]) -> None:
        n = len(regs) + 1
        first, last = person(country if country in _NAMES else "BE")
        regs.append(Registration(
            registration_id=f"ECC16-{n:04d}", status=status, first_name=first, last_name=last,
            email=_email(first, last, org, n), organisation=org, country=country, category=category,
            days=days, ticket_code=f"ECC2016-{rnd.randrange(16**8):08X}",
            updated_at=stamp + dt.timedelta(hours=n * 2 + rnd.randrange(2)),
        ))

    staff_org = ("BE", "European Commission – DG GROW")
    for _ in range(8):
        add(staff_org[0], staff_org[1], Category.STAFF, Status.VALIDATED, ())
    for country, name in (("BE", "EUobserver"), ("BE", "Euractiv"), ("DE", "Handelsblatt"),
                          ("FR", "Les Echos"), ("ES", "El País")):
        add(country, name, Category.PRESS, Status.VALIDATED, (conf1, conf2))
    speaker_orgs = rnd.sample(orgs, 14)
    for country, name, _cat in speaker_orgs:
        add(country, name, Category.SPEAKER, Status.VALIDATED, (conf1, conf2))
    seats = {name: (1 if (c, name, k) in speaker_orgs else 0) for c, name, k in orgs}
    if 2 * len(orgs) < 250:
        raise ValueError("demo organisations cannot seat 250 people at two per organisation")
    while sum(1 for r in regs if r.status is Status.VALIDATED) < 250:
        country, name, category = rnd.choice(orgs)
        if seats[name] >= 2:
            continue
        seats[name] += 1
        if category == Category.CLUSTER_PRACTITIONER:
            days = rnd.choice(((matchmaking, conf1, conf2),) * 3 + ((conf1, conf2),) * 2 + ((matchmaking,),))
        else:
            days = rnd.choice(((conf1, conf2),) * 4 + ((conf1,), (conf2,)))
        add(country, name, category, Status.VALIDATED, days)
    _feature(regs)
    # people the desk must turn away politely
    for status, count in ((Status.PENDING, 10), (Status.REJECTED, 6), (Status.CANCELLED, 5)):
        for _ in range(count):
            country, name, category = rnd.choice(orgs)
            add(country, name, category, status, (conf1, conf2))
    return DemoData(event, regs)


def install_demo(db, start: dt.date, now: dt.datetime | None = None,  # noqa: ANN001
                 with_programme: bool = False, with_keys: bool = False, timezone: str = TIMEZONE) -> DemoData:
    """Write the demo event and its registrations into `db` (idempotent: upsert by id).

    `with_programme` adds the rooms and sessions, the matchmaking instance and the awards; `with_keys`
    the event's badge keys (kept on this computer), so that the window can show every flow
    at once. The command line leaves keys to `desk keys create`. `timezone` lays the demo in
    another zone (its clock times stay the same local times). Returns the demo data.
    """
    from desk.store import registrations as repo  # noqa: PLC0415 - keeps core imports light

    data = demo_registrations(start)
    if timezone != data.event.timezone:
        data = replace(data, event=replace(data.event, timezone=timezone))
    now = now or dt.datetime.now(dt.timezone.utc)
    with db.begin() as session:
        repo.save_event(session, data.event)
        existing = repo.registrations_by_id(session)
        added = [r for r in data.registrations if r.registration_id not in existing]
        updated = [(existing[r.registration_id], r) for r in data.registrations
                   if r.registration_id in existing and existing[r.registration_id].comparable() != r.comparable()]
        repo.store_registrations(session, added, updated, "demo", now)
    if with_programme:
        _install_programmes(db, start)
    if with_keys:
        from desk.services.badges import codes as badge_codes  # noqa: PLC0415

        badge_codes.ensure_event_keys(db)
    return data


def _install_programmes(db, start: dt.date) -> None:  # noqa: ANN001
    # Imported here: each capability's demo lives with its capability.
    import importlib  # noqa: PLC0415

    for module, function in (("desk.services.rooms.programme", "install_demo_programme"),
                             ("desk.services.demo.matchmaking", "install_demo_matchmaking"),
                             ("desk.services.demo.awards", "install_demo_awards")):
        try:
            installer = getattr(importlib.import_module(module), function)
        except (ModuleNotFoundError, AttributeError):
            continue
        installer(db, start)
