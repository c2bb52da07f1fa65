"""The rules of award voting without a database: file rows, who may vote, matching names, tie-breaks."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from desk.core.attendees import Category, Registration, Status
from desk.core.awards.ballot import Award, Finalist, find_award, not_eligible_reason, parse_award_rows
from desk.core.awards.results import TieBreak, count_award, parse_tie_break
from desk.core.checkin.decision import CheckinEntry
from desk.core.errors import DeskError

UTC = dt.timezone.utc
DAY = dt.date(2016, 12, 1)
AWARD = Award("2016 European Cluster Manager of the Year Award",
              (Finalist("Anneleen Peeters"), Finalist("Małgorzata Wójcik"), Finalist("Íñigo Ibáñez")),
              open_until=dt.datetime(2016, 12, 2, 15, 0, tzinfo=UTC))


def person(status: Status = Status.VALIDATED, category: Category = Category.CLUSTER_PRACTITIONER) -> Registration:
    return Registration(registration_id="R1", status=status, first_name="Ana", last_name="Ruiz", email="",
                        organisation="", country="ES", category=category, days=())


def checkin(day: dt.date, undone: bool = False) -> CheckinEntry:
    at = dt.datetime.combine(day, dt.time(8), tzinfo=UTC)
    return CheckinEntry("c1", "R1", day, at, "entrance", at if undone else None)


def test_bad_rows_are_named_by_line_and_good_rows_kept() -> None:
    rows, errors = parse_award_rows([
        (2, {"award": "Manager", "finalist": "Anneleen Peeters", "description": "Flanders"}),
        (3, {"award": "", "finalist": "Nobody", "description": ""}),
        (4, {"award": "Manager", "finalist": "ANNELEEN  peeters", "description": "again"}),
        (5, {"award": "Manager", "finalist": "x" * 201}),
        (6, {"award": "Manager", "finalist": "Tab\x07Bell"}),
        (7, {"award": "Partnership", "finalist": "ESCP-4i Circular Value Chains"}),
    ])
    assert [(r.line, r.finalist, r.description) for r in rows] == [
        (2, "Anneleen Peeters", "Flanders"), (7, "ESCP-4i Circular Value Chains", "")]
    assert [str(e) for e in errors] == [
        "row 3: award is empty",
        "row 4: finalist 'ANNELEEN peeters' of 'Manager' is listed twice (first on line 2)",
        "row 5: finalist is longer than 200 characters",
        "row 6: finalist holds control characters",
    ]


def test_who_may_vote() -> None:
    assert not_eligible_reason(person(), [checkin(DAY)], DAY) == ""
    assert not_eligible_reason(person(), [checkin(DAY - dt.timedelta(days=1))], DAY) == ""  # any day so far
    assert "Not checked in" in not_eligible_reason(person(), [], DAY)
    assert "Not checked in" in not_eligible_reason(person(), [checkin(DAY, undone=True)], DAY)
    assert "Not checked in" in not_eligible_reason(person(), [checkin(DAY + dt.timedelta(days=1))], DAY)
    assert not_eligible_reason(person(category=Category.STAFF), [checkin(DAY)], DAY) == "Staff do not vote."
    assert "not validated" in not_eligible_reason(person(Status.CANCELLED), [checkin(DAY)], DAY)


def test_awards_and_finalists_are_matched_by_folded_name() -> None:
    other = Award("2016 European Strategic Cluster Partnership of the Year Award")
    assert find_award([AWARD, other], "2016 european cluster MANAGER of the year award")[0] is AWARD
    assert find_award([AWARD, other], "manager")[0] is AWARD  # a part held by one award only
    missing, why = find_award([AWARD, other], "2016 European")
    assert missing is None and "more than one award" in why
    assert find_award([AWARD], "Nobel")[1].startswith("No award 'Nobel'")
    assert AWARD.finalist("malgorzata wojcik").name == "Małgorzata Wójcik"
    assert AWARD.finalist("inigo").name == "Íñigo Ibáñez"
    assert AWARD.finalist("a") is None  # in every name: not a choice


def test_the_voting_window() -> None:
    end = AWARD.open_until
    assert AWARD.is_open(end - dt.timedelta(seconds=1)) and not AWARD.is_open(end)
    assert not Award("x").is_open(end)  # never opened
    closed = Award("x", open_until=end, closed_at=end - dt.timedelta(hours=5))
    assert not closed.is_open(end - dt.timedelta(hours=6))


def counted(votes: dict[str, tuple[int, int]]) -> Award:
    return Award("A", tuple(Finalist(n, "", v, r) for n, (v, r) in votes.items()))


def test_a_tie_is_settled_by_the_stated_rule() -> None:
    # B reached 2 at ballot 3, A at ballot 4: earliest-ballot gives B
    award = counted({"A": (2, 4), "B": (2, 3), "C": (0, 0)})
    result = count_award(award, voters=4, tie_break=TieBreak("earliest-ballot"))
    assert result.winner == "B" and result.tied == ("A", "B") and result.reconciled
    assert "reached the tied count first" in result.to_json()["tie_break"]
    for seed in range(5):
        drawn = count_award(award, 4, TieBreak("draw-seed", seed))
        assert drawn.winner == random.Random(seed).choice(["A", "B"])
        assert f"random.Random({seed})" in drawn.to_json()["tie_break"]
    clear = count_award(counted({"A": (3, 5), "B": (2, 4)}), 6, TieBreak("earliest-ballot"))
    assert clear.winner == "A" and clear.tied == () and not clear.reconciled  # 6 voters, 5 ballots
    assert count_award(counted({"A": (0, 0)}), 0, TieBreak("earliest-ballot")).winner is None


def test_the_tie_break_is_given_in_full() -> None:
    assert parse_tie_break("draw-seed", 7) == TieBreak("draw-seed", 7)
    with pytest.raises(DeskError, match="needs its seed"):
        parse_tie_break("draw-seed", None)
    with pytest.raises(DeskError, match="unknown tie-break"):
        parse_tie_break("coin", None)
