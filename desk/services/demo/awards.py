"""The demo event's two awards (named in the ECC 2016 announcement), three finalists each.

The announcement names the awards, not the finalists: these finalists are invented from
what it does say (cluster managers; the European Strategic Cluster Partnerships - Going
International; the four priority areas of industrial modernisation).
"""

from __future__ import annotations

import datetime as dt

from desk.core.awards.ballot import AwardFileRow

MANAGER = "2016 European Cluster Manager of the Year Award"
PARTNERSHIP = "2016 European Strategic Cluster Partnership of the Year Award"

DEMO_AWARDS: tuple[tuple[str, str, str], ...] = (
    (MANAGER, "Anneleen Peeters",
     "Flanders Smart Manufacturing Cluster (BE): brought 40 SMEs into shared Industry 4.0 pilot lines."),
    (MANAGER, "Małgorzata Wójcik",
     "Silesian Circular Economy Cluster (PL): set up a regional exchange for industrial by-products."),
    (MANAGER, "Íñigo Ibáñez",
     "Basque Key Enabling Technologies Cluster (ES): opened its labs to SMEs from three other regions."),
    (PARTNERSHIP, "ESCP-4i Smart Factories Going Global",
     "Five clusters from BE, DE, CZ, FI and PT taking smart-manufacturing SMEs to Japan and Canada."),
    (PARTNERSHIP, "ESCP-4i Circular Value Chains",
     "Clusters from NL, SI and DK linking recyclers and producers across borders, then to Brazil."),
    (PARTNERSHIP, "ESCP-4i Data-Driven Creative Industries",
     "Creative and data-driven services clusters from FR, EE and RO partnering with South Korea."),
)


def demo_award_rows() -> list[AwardFileRow]:
    """The demo awards as the rows of an award file (line numbers as in a CSV with a header)."""
    return [AwardFileRow(i + 2, award, finalist, description)
            for i, (award, finalist, description) in enumerate(DEMO_AWARDS)]


def install_demo_awards(db, start: dt.date) -> None:  # noqa: ANN001
    """Store the demo awards (idempotent) and open both votes until 16:00 on the last conference day."""
    from desk.core.attendees import zone_of  # noqa: PLC0415
    from desk.store import awards as store  # noqa: PLC0415
    from desk.store.registrations import get_event  # noqa: PLC0415

    with db.begin_write() as session:
        store.store_award_rows(session, demo_award_rows())
        event = get_event(session)
        last = event.days[-1] if event and event.days else start + dt.timedelta(days=2)
        until = dt.datetime.combine(last, dt.time(16, 0), tzinfo=zone_of(event))
        for award in store.list_awards(session):
            if award.name in (MANAGER, PARTNERSHIP) and award.open_until is None:
                store.set_voting(session, award.name, until, None)
