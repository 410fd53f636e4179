"""MLB: the base-out Markov chain — run expectancy, outs, bases, innings, extra innings."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inplay.sports.models import League
from inplay.strategy.winprob import win_probability
from inplay.strategy.winprob.baseball import (
    BaseOut,
    equal_strength_home_win,
    outs_left,
    run_expectancy,
    runs_distribution,
)
from tests.unit.strategy.winprob.states import live


def model(game) -> Decimal:
    win = win_probability(game)
    assert win is not None
    return win.model


def mlb(home: int, away: int, inning: int, detail: str, **situation: object):
    return live(League.MLB, home, away, inning, None, status_detail=detail, situation=situation or None)


def test_run_expectancy_matches_the_published_table_roughly() -> None:
    # Savant: bases empty, 1 out ≈ 0.26; bases loaded, 1 out ≈ 1.63 (rounded table values)
    assert run_expectancy(BaseOut(0)) == pytest.approx(0.48, abs=0.06)
    assert run_expectancy(BaseOut(1)) == pytest.approx(0.26, abs=0.05)
    assert run_expectancy(BaseOut(1, True, True, True)) == pytest.approx(1.6, abs=0.2)
    assert run_expectancy(BaseOut(2, False, True, False)) < run_expectancy(BaseOut(1, False, True, False))
    for outs in range(3):
        assert sum(runs_distribution(BaseOut(outs, True, True, True))) == pytest.approx(1.0, abs=1e-9)


def test_monotone_in_the_lead_and_innings() -> None:
    by_lead = [model(mlb(3 + lead, 3, 5, "Top 5th")) for lead in range(-3, 4)]
    assert by_lead == sorted(by_lead) and len(set(by_lead)) == len(by_lead)
    by_inning = [model(mlb(2, 1, inning, "Top " + str(inning))) for inning in range(1, 10)]
    assert by_inning == sorted(by_inning) and by_inning[-1] > Decimal("0.8")


def test_runners_and_outs_help_the_batting_team() -> None:
    # away batting in the top of the 8th, home up one
    empty = model(mlb(4, 3, 8, "Top 8th", outs=0))
    loaded = model(mlb(4, 3, 8, "Top 8th", outs=0, on_first=True, on_second=True, on_third=True))
    two_out = model(mlb(4, 3, 8, "Top 8th", outs=2))
    assert loaded < empty < two_out
    # home batting in the bottom of the 9th, tied: a runner on third with one out is near a walk-off
    tied = model(mlb(5, 5, 9, "Bot 9th", outs=1))
    third = model(mlb(5, 5, 9, "Bot 9th", outs=1, on_third=True))
    assert Decimal("0.5") < tied < third


def test_half_inning_from_the_status_detail() -> None:
    top = model(mlb(1, 1, 6, "Top 6th", outs=0))
    middle = model(mlb(1, 1, 6, "Mid 6th"))
    end = model(mlb(1, 1, 6, "End 6th"))
    assert top < middle  # the away half is over without a run
    assert end != middle
    # three outs recorded while the detail still says "Top": the half is over
    assert model(mlb(1, 1, 6, "Top 6th", outs=3)) == middle


def test_extra_innings_start_with_a_runner_on_second() -> None:
    assert runs_distribution(BaseOut(0, second=True))[0] < runs_distribution(BaseOut(0))[0]
    assert equal_strength_home_win(10, "end", BaseOut(), 0) == pytest.approx(0.5)
    assert equal_strength_home_win(12, "middle", BaseOut(), 0) > 0.5  # home bats with a free runner
    win = win_probability(mlb(6, 6, 11, "Mid 11th"))
    assert win is not None and win.time_left == 0


def test_outs_left() -> None:
    assert outs_left(1, "top", 0) == 54
    assert outs_left(5, "bottom", 2) == 54 - 4 * 6 - 5
    assert outs_left(9, "end", 0) == 0
    assert outs_left(10, "top", 1) == 0


def test_moneyline_shades_and_fades() -> None:
    start = mlb(0, 0, 1, "Top 1st").model_copy(update={"home_moneyline": -180, "away_moneyline": 155})
    assert model(start) == pytest.approx(Decimal("0.628"), abs=Decimal("0.01"))
    late = mlb(2, 2, 9, "Mid 9th").model_copy(update={"home_moneyline": -180, "away_moneyline": 155})
    even = mlb(2, 2, 9, "Mid 9th", outs=0).model_copy(update={"neutral_site": True})
    assert model(even) < model(late) < model(start) + Decimal("0.1")
