"""Small matchmaking files for tests: five clusters, three 20-minute slots with a break, two tables."""

from __future__ import annotations

from pathlib import Path

PARTICIPANTS = """participant_id,organisation,name,country,registration_id,available
A,Silicon Saxony,Jürgen Müller,DE,,
B,Στρατηγική Ομάδα Αθηνών,Δημήτρης Παπαδόπουλος,GR,,1-2
C,Клъстер Мехатроника,Петър Петров,BG,,
D,Aerospace Valley,Hélène Girard,FR,,3
E,Brainport Eindhoven,Joost de Vries,NL,,
"""
REQUESTS = """requester,partner,priority
A,B,2
A,C,
B,C,1
C,D,
A,D,
B,E,
C,E,
"""
SLOTS = """slot,start,end
1,2016-11-30T09:30,2016-11-30T09:50
2,2016-11-30T09:50,2016-11-30T10:10
3,2016-11-30T10:30,2016-11-30T10:50
"""


def write(folder: Path, **texts: str) -> list[Path]:
    """Write the given files (name=text; default: the three above) and return their paths."""
    texts = texts or {"participants": PARTICIPANTS, "requests": REQUESTS, "slots": SLOTS}
    paths = []
    for name, text in texts.items():
        path = folder / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
