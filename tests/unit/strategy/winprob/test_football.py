"""Football: the lead, the clock and the value of the possession (down, distance, field position)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inplay.sports.models import GameStatus, League
from inplay.strategy.winprob import win_probability
from inplay.strategy.winprob.football import expected_points, yards_from_own_goal
from tests.unit.strategy.winprob.states import AWAY_ID, HOME_ID, live


def model(game) -> Decimal:
    win = win_probability(game)
    assert win is not None
    return win.model


def snap(
    offense: str, down: int, distance: int, text: str | None, yard_line: int | None = None
) -> dict[str, object]:
    situation: dict[str, object] = {"down": down, "distance": distance, "possession": offense}
    if text is not None:
        situation["down_distance_text"] = text
    if yard_line is not None:
        situation["yard_line"] = yard_line
    return situation


@pytest.mark.parametrize("league", [League.NFL, League.COLLEGE_FOOTBALL])
def test_monotone_in_the_lead_and_time(league: League) -> None:
    by_lead = [model(live(league, 21 + lead, 21, 2, 450)) for lead in range(-21, 22)]
    assert by_lead == sorted(by_lead) and by_lead[0] < Decimal("0.1") and by_lead[-1] > Decimal("0.9")
    by_time = [model(live(league, 17, 10, q, c)) for q in (1, 2, 3, 4) for c in (900, 450, 60)]
    assert by_time == sorted(by_time) and by_time[-1] > Decimal("0.9")


def test_possession_is_worth_points() -> None:
    tied = live(League.NFL, 10, 10, 3, 600, neutral_site=True)
    at_own_25 = tied.model_copy(update={"situation": snap(HOME_ID, 1, 10, "1st & 10 at HOM 25")})
    at_their_10 = tied.model_copy(update={"situation": snap(HOME_ID, 1, 10, "1st & 10 at AWY 10")})
    away_ball = tied.model_copy(update={"situation": snap(AWAY_ID, 1, 10, "1st & 10 at HOM 10")})
    assert model(tied) == Decimal("0.5")
    assert Decimal("0.5") < model(at_own_25) < model(at_their_10)
    assert model(away_ball) == Decimal(1) - model(at_their_10)


def test_possession_matters_more_late() -> None:
    late = live(League.NFL, 20, 17, 4, 90, situation=snap(AWAY_ID, 1, 10, "1st & 10 at HOM 15"))
    no_ball = live(League.NFL, 20, 17, 4, 90)
    assert model(late) < model(no_ball) - Decimal("0.15")


def test_down_and_distance_lower_the_value() -> None:
    values = [expected_points(down, 10, 60.0) for down in (1, 2, 3)]
    assert values == sorted(values, reverse=True)
    assert expected_points(1, 20, 60.0) < expected_points(1, 5, 60.0)
    # fourth down in field-goal range is still worth something
    assert expected_points(4, 8, 80.0) > 1.5
    assert expected_points(1, 10, 99.0) > expected_points(1, 10, 50.0) > expected_points(1, 10, 5.0)


def test_field_position_reads_the_text_then_the_yard_line() -> None:
    game = live(League.NFL, 0, 0, 1, 900)
    assert (
        yards_from_own_goal(
            game.model_copy(update={"situation": snap(HOME_ID, 1, 10, "1st & 10 at HOM 16")}), True
        )
        == 16
    )
    assert (
        yards_from_own_goal(
            game.model_copy(update={"situation": snap(HOME_ID, 1, 10, "2nd & 7 at AWY 16")}), True
        )
        == 84
    )
    assert (
        yards_from_own_goal(
            game.model_copy(update={"situation": snap(AWAY_ID, 1, 10, "1st & 10 at 50")}), False
        )
        == 50
    )
    assert (
        yards_from_own_goal(game.model_copy(update={"situation": snap(AWAY_ID, 1, 10, None, 30)}), False)
        == 30
    )
    assert (
        yards_from_own_goal(
            game.model_copy(update={"situation": snap(AWAY_ID, 1, 10, "odd text", 30)}), False
        )
        == 30
    )
    assert (
        yards_from_own_goal(game.model_copy(update={"situation": snap(AWAY_ID, 1, 10, None)}), False) is None
    )


def test_no_possession_value_without_a_snap_or_after_the_half() -> None:
    base = live(League.NFL, 7, 7, 2, 0, neutral_site=True)
    kickoff = base.model_copy(
        update={"period": 3, "clock_seconds": Decimal(900), "situation": snap(HOME_ID, 0, 0, None, 35)}
    )
    assert model(kickoff) == Decimal("0.5")
    end_of_half = base.model_copy(update={"situation": snap(HOME_ID, 1, 10, "1st & 10 at AWY 10")})
    assert model(end_of_half) == Decimal("0.5")
    halftime = end_of_half.model_copy(update={"status": GameStatus.HALFTIME})
    assert model(halftime) == Decimal("0.5")
    unknown_team = base.model_copy(
        update={
            "period": 3,
            "clock_seconds": Decimal(900),
            "situation": snap("999", 1, 10, "1st & 10 at AWY 10"),
        }
    )
    assert model(unknown_team) == Decimal("0.5")


def test_nfl_overtime_can_end_tied_and_college_overtime_is_untimed() -> None:
    nfl_ot = live(League.NFL, 20, 20, 5, 600, neutral_site=True)
    assert model(nfl_ot) == Decimal("0.5")
    nfl_ot_fg = live(League.NFL, 23, 20, 5, 300, neutral_site=True)
    assert model(nfl_ot_fg) > Decimal("0.6")
    college = live(League.COLLEGE_FOOTBALL, 27, 20, 5, None, neutral_site=True)
    win = win_probability(college)
    assert win is not None and win.model > Decimal("0.6")
    level = live(League.COLLEGE_FOOTBALL, 27, 27, 6, None, neutral_site=True)
    assert model(level) == Decimal("0.5")
