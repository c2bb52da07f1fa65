"""`desk awards results`: counts per finalist, the winner by the stated tie-break, voters = ballots."""

from __future__ import annotations

from desk.core.awards.results import AwardResult, TieBreak, count_award
from desk.store import awards as store
from desk.store.db import Database


def award_results(db: Database, tie_break: TieBreak) -> list[AwardResult]:
    """Every award's result; `voters` from who voted, `ballots` from the counts (they must agree)."""
    with db.begin() as session:
        awards = store.list_awards(session, with_counts=True)
        voters = store.voters_per_award(session)
    return [count_award(a, voters.get(a.name, 0), tie_break) for a in awards]


def result_lines(results: list[AwardResult]) -> list[str]:
    """The text `desk awards results` prints."""
    if not results:
        return ["no awards yet: run `desk awards import FILE`"]
    lines = [f"tie-break: {results[0].tie_break.describe()}"]
    for r in results:
        check = "ok" if r.reconciled else "MISMATCH"
        lines.append(f"{r.award}: {r.voters} voters, {r.ballots} ballots ({check})")
        for f in r.finalists:
            lines.append(f"  {f.votes or 0:5d}  {f.name}")
        if r.winner is None:
            lines.append("  winner: none (no ballots)")
        elif r.tied:
            lines.append(f"  winner: {r.winner} (tied with {', '.join(t for t in r.tied if t != r.winner)}; "
                         f"settled by {r.tie_break.kind})")
        else:
            lines.append(f"  winner: {r.winner}")
    return lines
