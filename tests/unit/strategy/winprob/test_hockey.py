"""NHL: Poisson goals — monotone in the lead and time, the moneyline, overtime and shootout rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inplay.sports.models import GameStatus, League
from inplay.strategy.winprob import win_probability
from inplay.strategy.winprob.hockey import (
    overtime_home_win,
    regulation_home_win,
    strength_from_probability,
)
from tests.unit.strategy.winprob.states import live


def model(game) -> Decimal:
    win = win_probability(game)
    assert win is not None
    return win.model


def test_monotone_in_the_lead() -> None:
    chances = [model(live(League.NHL, 4 + lead, 4, 2, 600)) for lead in range(-4, 5)]
    assert chances == sorted(chances) and len(set(chances)) == len(chances)


def test_the_leader_gains_as_time_runs_out() -> None:
    moments = [(p, c) for p in (1, 2, 3) for c in (1200, 600, 60)]
    leading = [model(live(League.NHL, 1, 0, p, c)) for p, c in moments]
    assert leading == sorted(leading)
    assert leading[0] < Decimal("0.7") and leading[-1] > Decimal("0.93")


def test_moneyline_sets_the_pregame_chance() -> None:
    favourite = live(League.NHL, 0, 0, 1, 1200, home_moneyline=-200, away_moneyline=170)
    # vig-free: 0.667 / (0.667 + 0.370) ≈ 0.643
    assert model(favourite) == pytest.approx(Decimal("0.643"), abs=Decimal("0.003"))
    assert strength_from_probability(0.5) == pytest.approx(0.0, abs=0.01)
    assert strength_from_probability(0.65) > 0.3 > strength_from_probability(0.55) > 0


def test_tie_after_regulation_is_a_shaded_coin_flip() -> None:
    neutral = live(League.NHL, 2, 2, 3, 0, status=GameStatus.END_PERIOD, neutral_site=True)
    assert model(neutral) == Decimal("0.5")
    favourite = live(
        League.NHL, 2, 2, 3, 0, status=GameStatus.END_PERIOD, home_moneyline=-250, away_moneyline=200
    )
    assert Decimal("0.5") < model(favourite) < Decimal("0.6")
    # a tie late in regulation is worth the overtime chance plus the chance of a late goal either way
    assert regulation_home_win(0, 0.0, 0.0, 0.5) == pytest.approx(0.5)


def test_overtime_and_shootout() -> None:
    edge = strength_from_probability(0.65)
    start = overtime_home_win(edge, 5.0)
    late = overtime_home_win(edge, 0.5)
    shootout = overtime_home_win(edge, shootout=True)
    assert start > late > shootout > 0.5
    assert overtime_home_win(0.0, 5.0) == pytest.approx(0.5)
    # a goal in overtime ends the game
    assert model(live(League.NHL, 3, 2, 4, 120)) == Decimal("0.999")
    assert model(live(League.NHL, 2, 2, 5, 0, neutral_site=True)) == Decimal("0.5")
