"""Basketball: Stern's model — monotone in the lead and in time, the line's drift, overtime."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inplay.sports.models import GameStatus, League
from inplay.strategy.winprob import win_probability
from inplay.strategy.winprob.brownian import stern
from tests.unit.strategy.winprob.states import live

BASKETBALL = [League.NBA, League.WNBA, League.MENS_COLLEGE_BASKETBALL]


def model(game) -> Decimal:
    win = win_probability(game)
    assert win is not None
    return win.model


@pytest.mark.parametrize("league", BASKETBALL)
def test_monotone_in_the_lead(league: League) -> None:
    chances = [model(live(league, 60 + lead, 60, 1, 300)) for lead in range(-15, 16)]
    assert chances == sorted(chances)
    assert len(set(chances)) == len(chances)
    assert chances[0] < Decimal("0.2") and chances[-1] > Decimal("0.8")


@pytest.mark.parametrize("league", BASKETBALL)
def test_the_leader_gains_as_time_runs_out(league: League) -> None:
    periods = 2 if league is League.MENS_COLLEGE_BASKETBALL else 4
    length = 1200 if league is League.MENS_COLLEGE_BASKETBALL else 720 if league is League.NBA else 600
    # (period, clock) from early to the final seconds
    moments = [(p, c) for p in range(1, periods + 1) for c in (length, length * 2 // 3, length // 3, 10)]
    leading = [model(live(league, 50, 44, p, c)) for p, c in moments]
    trailing = [model(live(league, 44, 50, p, c)) for p, c in moments]
    assert leading == sorted(leading) and leading[-1] > Decimal("0.99")
    assert trailing == sorted(trailing, reverse=True) and trailing[-1] < Decimal("0.01")


def test_spread_gives_the_favourite_the_edge_and_fades_with_time() -> None:
    start = live(League.NBA, 0, 0, 1, 720, spread=Decimal("-7.5"))
    assert model(start) > Decimal("0.65")
    assert model(live(League.NBA, 0, 0, 1, 720, spread=Decimal("7.5"))) < Decimal("0.35")
    late_tie = live(League.NBA, 90, 90, 4, 60, spread=Decimal("-7.5"))
    assert Decimal("0.5") < model(late_tie) < model(start)


def test_moneyline_stands_in_for_a_missing_spread() -> None:
    favourite = live(League.NBA, 0, 0, 1, 720, home_moneyline=-300, away_moneyline=240)
    underdog = live(League.NBA, 0, 0, 1, 720, home_moneyline=240, away_moneyline=-300)
    # vig-free: 0.75 / (0.75 + 0.294) ≈ 0.718 pre-game, which the model reproduces at tip-off
    assert model(favourite) == pytest.approx(Decimal("0.718"), abs=Decimal("0.01"))
    assert model(underdog) == pytest.approx(Decimal("0.282"), abs=Decimal("0.01"))


def test_no_line_means_home_court_only_and_none_at_a_neutral_site() -> None:
    assert model(live(League.NBA, 0, 0, 1, 720)) > Decimal("0.55")
    assert model(live(League.NBA, 0, 0, 1, 720, neutral_site=True)) == Decimal("0.5")


def test_tied_at_the_buzzer_is_about_even_with_a_home_shade() -> None:
    tied = model(live(League.NBA, 100, 100, 4, 0, status=GameStatus.END_PERIOD, spread=Decimal("-4")))
    assert Decimal("0.5") < tied < Decimal("0.6")
    neutral = model(live(League.NBA, 100, 100, 4, 0, status=GameStatus.END_PERIOD, neutral_site=True))
    assert neutral == Decimal("0.5")


def test_overtime_is_a_short_game() -> None:
    start = model(live(League.NBA, 110, 110, 5, 300, neutral_site=True))
    assert start == Decimal("0.5")
    ahead_early = model(live(League.NBA, 114, 110, 5, 280, neutral_site=True))
    ahead_late = model(live(League.NBA, 114, 110, 5, 20, neutral_site=True))
    assert Decimal("0.7") < ahead_early < ahead_late
    # the same lead with the same time left is the same chance, in overtime or regulation
    regulation = model(live(League.NBA, 104, 100, 4, 280, neutral_site=True))
    assert ahead_early == pytest.approx(regulation, abs=Decimal("0.002"))


def test_continuity_correction_and_tau_floor() -> None:
    assert stern(0.0, 0.0, 12.0, 0.0) == 0.5
    assert stern(1.0, 0.0, 12.0, 0.0) == pytest.approx(1.0)
    assert stern(-1.0, 0.0, 12.0, 0.0) == pytest.approx(0.0)
    assert stern(0.0, 0.0, 12.0, 0.0, tie_value=0.7) == pytest.approx(0.7)
    # half a point either side of a tie goes to the tie value
    assert stern(0.0, 0.0, 12.0, 0.5, tie_value=1.0) > stern(0.0, 0.0, 12.0, 0.5, tie_value=0.0)
