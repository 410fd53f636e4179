"""The public entry point: when a game is priced, the blend with ESPN, clipping and quantizing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inplay.sports.models import GameStatus, League, Phase
from inplay.strategy.model import PROB_PLACES, GamePhase
from inplay.strategy.winprob import MODEL_NAMES, win_probability
from tests.unit.strategy.winprob.states import live


def test_not_live_games_are_not_priced() -> None:
    pre = live(League.NBA, 0, 0, 0, 720, state=Phase.PRE, status=GameStatus.SCHEDULED)
    final = live(League.NBA, 101, 99, 4, 0, state=Phase.POST, status=GameStatus.FINAL)
    suspended = live(League.MLB, 3, 3, 7, None, state=Phase.POST, status=GameStatus.SUSPENDED)
    assert win_probability(pre) is None
    assert win_probability(final) is None
    assert win_probability(suspended) is None


def test_live_game_without_scores_or_clock_is_not_priced() -> None:
    game = live(League.NBA, 0, 0, 2, 300)
    no_score = game.model_copy(update={"home": game.home.model_copy(update={"score": None})})
    assert win_probability(no_score) is None
    assert win_probability(live(League.NBA, 50, 40, 3, None)) is None
    assert win_probability(live(League.NHL, 1, 0, 0, 1200)) is None
    assert win_probability(live(League.MLB, 1, 0, 0, None)) is None


@pytest.mark.parametrize("league", list(League))
def test_every_league_is_priced_with_its_model(league: League) -> None:
    win = win_probability(live(league, 3, 1, 2, 300, status_detail="Top 2nd"))
    assert win is not None
    assert win.model_name == MODEL_NAMES[league]
    assert Decimal("0.5") < win.model < Decimal("0.999")
    assert win.home == win.model and win.espn is None
    assert win.model == win.model.quantize(PROB_PLACES)
    assert Decimal(0) < win.time_left < 1
    assert win.seconds_left > 0


def test_blends_espn_with_the_given_weight() -> None:
    game = live(League.NBA, 60, 55, 3, 400, home_win_prob=Decimal("0.9"))
    half = win_probability(game)
    assert half is not None and half.espn == Decimal("0.9")
    assert half.home == ((half.model + Decimal("0.9")) / 2).quantize(PROB_PLACES)
    assert half.agreement == 1 - abs(half.model - Decimal("0.9"))
    quarter = win_probability(game, espn_weight=Decimal("0.25"))
    assert quarter is not None
    assert quarter.home == (Decimal("0.75") * quarter.model + Decimal("0.225")).quantize(PROB_PLACES)
    model_only = win_probability(game, espn_weight=Decimal(0))
    assert model_only is not None and model_only.home == model_only.model
    espn_only = win_probability(game, espn_weight=Decimal(1))
    assert espn_only is not None and espn_only.home == Decimal("0.9")


@pytest.mark.parametrize("pinned", [Decimal(0), Decimal(1)])
def test_espn_zero_or_one_is_ignored(pinned: Decimal) -> None:
    win = win_probability(live(League.NBA, 60, 55, 3, 400, home_win_prob=pinned))
    assert win is not None
    assert win.espn is None and win.home == win.model


def test_certain_outcomes_are_clipped() -> None:
    blowout = win_probability(live(League.NBA, 130, 80, 4, 5))
    comeback = win_probability(live(League.NBA, 80, 130, 4, 5))
    assert blowout is not None and blowout.model == Decimal("0.999") and blowout.home == Decimal("0.999")
    assert comeback is not None and comeback.model == Decimal("0.001")


@pytest.mark.parametrize(
    ("league", "period", "clock", "status", "detail", "phase"),
    [
        (League.NBA, 1, 600, GameStatus.IN_PROGRESS, None, GamePhase.EARLY),
        (League.NBA, 2, 300, GameStatus.IN_PROGRESS, None, GamePhase.MIDDLE),
        (League.NBA, 2, 0, GameStatus.HALFTIME, None, GamePhase.BREAK),
        (League.NBA, 4, 600, GameStatus.IN_PROGRESS, None, GamePhase.LATE),
        (League.NBA, 4, 200, GameStatus.IN_PROGRESS, None, GamePhase.CLOSING),
        (League.NBA, 5, 200, GameStatus.IN_PROGRESS, None, GamePhase.OVERTIME),
        (League.NHL, 1, 0, GameStatus.END_PERIOD, None, GamePhase.BREAK),
        (League.MLB, 5, None, GameStatus.IN_PROGRESS, "Mid 5th", GamePhase.BREAK),
        (League.MLB, 9, None, GameStatus.IN_PROGRESS, "Top 9th", GamePhase.CLOSING),
        (League.MLB, 11, None, GameStatus.IN_PROGRESS, "Bot 11th", GamePhase.OVERTIME),
    ],
)
def test_phase(league, period, clock, status, detail, phase) -> None:
    win = win_probability(live(league, 2, 1, period, clock, status=status, status_detail=detail))
    assert win is not None
    assert win.phase is phase


def test_time_left_in_overtime_is_zero() -> None:
    win = win_probability(live(League.NFL, 20, 20, 5, 400))
    assert win is not None
    assert win.time_left == 0 and win.seconds_left == 0 and win.phase is GamePhase.OVERTIME
