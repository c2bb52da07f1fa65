"""Counting an award: counts per finalist, the winner by a tie-break fixed in advance.

The store keeps no ballot rows, only counts; for "earliest-ballot" each finalist carries
the award's ballot number at which it reached its current count, so among tied finalists
the one that got there first wins, without any time or order of single ballots.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from desk.core.awards.ballot import Award, Finalist
from desk.core.errors import DeskError

EARLIEST_BALLOT = "earliest-ballot"
DRAW_SEED = "draw-seed"


@dataclass(frozen=True)
class TieBreak:
    """How a tie for first place is settled: `earliest-ballot`, or `draw-seed` with its seed."""

    kind: str
    seed: int | None = None

    def describe(self) -> str:
        """The sentence the results print."""
        if self.kind == EARLIEST_BALLOT:
            return ("earliest-ballot: among finalists tied for first place, the one that reached "
                    "the tied count first wins")
        return (f"draw-seed {self.seed}: among finalists tied for first place, the winner is drawn with "
                f"random.Random({self.seed}) over their names sorted")


def parse_tie_break(kind: str, seed: int | None) -> TieBreak:
    """The tie-break the organiser fixed; DeskError when `draw-seed` comes without a seed."""
    if kind == EARLIEST_BALLOT:
        return TieBreak(EARLIEST_BALLOT)
    if kind == DRAW_SEED:
        if seed is None:
            raise DeskError("--tie-break draw-seed needs its seed: --tie-break draw-seed N")
        return TieBreak(DRAW_SEED, seed)
    raise DeskError(f"unknown tie-break '{kind}' (expected earliest-ballot or draw-seed N)")


@dataclass(frozen=True)
class AwardResult:
    """One award's count: finalists by votes, the winner and how a tie was settled."""

    award: str
    finalists: tuple[Finalist, ...]
    voters: int
    ballots: int
    winner: str | None
    tied: tuple[str, ...]
    tie_break: TieBreak

    @property
    def reconciled(self) -> bool:
        """True when as many people voted as ballots were counted."""
        return self.voters == self.ballots

    def to_json(self) -> dict[str, Any]:
        return {
            "award": self.award, "voters": self.voters, "ballots": self.ballots, "reconciled": self.reconciled,
            "finalists": [{"finalist": f.name, "votes": f.votes or 0} for f in self.finalists],
            "winner": self.winner, "tied": list(self.tied), "tie_break": self.tie_break.describe(),
        }


def count_award(award: Award, voters: int, tie_break: TieBreak) -> AwardResult:
    """The result of `award` from its finalists' counts and the number of people who voted."""
    finalists = tuple(sorted(award.finalists, key=lambda f: (-(f.votes or 0), f.name)))
    ballots = sum(f.votes or 0 for f in finalists)
    top = (finalists[0].votes or 0) if finalists else 0
    leaders = [f for f in finalists if (f.votes or 0) == top] if top else []
    tied = tuple(sorted(f.name for f in leaders)) if len(leaders) > 1 else ()
    winner: str | None = None
    if len(leaders) == 1:
        winner = leaders[0].name
    elif leaders and tie_break.kind == EARLIEST_BALLOT:
        winner = min(leaders, key=lambda f: (f.reached_at_ballot or 0, f.name)).name
    elif leaders:
        winner = random.Random(tie_break.seed).choice(sorted(f.name for f in leaders))  # a reproducible draw, not a secret
    return AwardResult(award.name, finalists, voters, ballots, winner, tied, tie_break)
