"""Award voting across kiosks: what a sync did to this station's ballots.

The ballots themselves travel with the hub's log (desk.store.ballots): a kiosk's envelope is
opened by the hub alone, and the hub's tally comes back at the next pull. This module reports
how many of the station's own ballots the hub counted and how many it refused as a person's
second ballot for an award, and empties SQLite's write-ahead log of the envelopes' old pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from desk.store import awards as store
from desk.store import ballots
from desk.store.db import Database


@dataclass(frozen=True)
class BallotTally:
    """This station's ballots the hub counted and refused so far (by the last tally taken)."""

    counted: int = 0
    refused: int = 0

    def since(self, before: BallotTally) -> BallotTally:
        """What changed after `before` (one sync's share)."""
        return BallotTally(self.counted - before.counted, self.refused - before.refused)

    def line(self) -> str | None:
        """The line `desk sync` prints after a round that involved ballots; None when none did."""
        if not (self.counted or self.refused):
            return None
        return f"ballots: {self.counted} counted, {self.refused} refused as second ballots (already_voted)"


def own_ballots(db: Database) -> BallotTally:
    """This station's ballots as the hub's last tally taken here counts them."""
    with db.begin() as session:
        return BallotTally(*ballots.own_ballots(session))


def forget_envelopes(db: Database) -> None:
    """After a sync: SQLite's write-ahead log may still hold the pages of envelopes since blanked;
    a checkpoint copies the blank pages into the file and cuts the log to nothing."""
    store.forget_log(db.engine)


def seal_before_joining(db: Database) -> int:
    """Before a sync: ballots this station counted before it joined its hub travel as one batch
    (once); returns how many."""
    with db.begin_write() as session:
        return ballots.seal_before_joining(session)
