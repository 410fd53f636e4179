"""NHL: the goals each team still scores are Poisson with a per-minute rate; a tie after regulation
goes to overtime (regular season: 5 minutes of 3-on-3 sudden death, then a shootout).

P(home) = P(G_h − G_a > −ℓ) + P(G_h − G_a = −ℓ) · P(home wins overtime).

Rates: a league-average total split by strength, the split solved so that the model's pre-game
probability equals the vig-free moneyline (else a small home edge). The feed has no season type,
so every game is treated as regular season. Not modelled: power plays, pulled goalies.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from functools import cache
from typing import Final

from inplay.sports.models import GameState
from inplay.strategy.winprob.clock import GameClock
from inplay.strategy.winprob.lines import pregame_home_probability

__all__ = [
    "GOALS_PER_TEAM",
    "HOME_EDGE_GOALS",
    "hockey_home_win",
    "overtime_home_win",
    "regulation_home_win",
    "strength_from_probability",
]

GOALS_PER_TEAM: Final = 3.0
"""Regulation goals per team per 60 minutes (recent NHL seasons ≈ 3.0–3.1 including empty nets)."""
HOME_EDGE_GOALS: Final = 0.2
"""Expected home goal difference over 60 minutes when the feed has no moneyline."""
OVERTIME_DECIDED: Final = 0.6
"""Share of regular-season overtimes decided by a goal before the shootout."""
_OVERTIME_MINUTES: Final = 5.0
_OVERTIME_RATE: Final = -math.log(1.0 - OVERTIME_DECIDED) / _OVERTIME_MINUTES
"""Combined 3-on-3 goal rate per minute."""
_SHOOTOUT_SHADE: Final = 0.2
_MAX_EDGE: Final = 2.5
_EDGE_STEP: Final = 0.01


def _pmf(mean: float, size: int) -> list[float]:
    values = [math.exp(-mean)]
    for k in range(1, size):
        values.append(values[-1] * mean / k)
    return values


def _share(edge: float) -> float:
    """Home share of the goals for an expected 60-minute goal difference ``edge``."""
    home, away = _rates(edge)
    return home / (home + away)


def _rates(edge: float) -> tuple[float, float]:
    """Goals per minute (home, away) for an expected 60-minute home goal difference ``edge``."""
    home = max(GOALS_PER_TEAM + edge / 2.0, 0.5)
    away = max(GOALS_PER_TEAM - edge / 2.0, 0.5)
    return home / 60.0, away / 60.0


def overtime_home_win(edge: float, minutes_left: float = _OVERTIME_MINUTES, shootout: bool = False) -> float:
    """P(home wins) from a tie in overtime with ``minutes_left`` of sudden death, then a shootout."""
    share = _share(edge)
    shootout_win = 0.5 + _SHOOTOUT_SHADE * (share - 0.5)
    if shootout:
        return shootout_win
    decided = 1.0 - math.exp(-_OVERTIME_RATE * max(minutes_left, 0.0))
    return decided * share + (1.0 - decided) * shootout_win


def regulation_home_win(lead: int, minutes_left: float, edge: float, tie_value: float) -> float:
    """P(home wins) with ``lead`` and ``minutes_left`` of regulation (Skellam via two Poissons)."""
    home_rate, away_rate = _rates(edge)
    home_mean, away_mean = home_rate * minutes_left, away_rate * minutes_left
    size = int(max(home_mean, away_mean) + 8.0 * math.sqrt(max(home_mean, away_mean)) + 12)
    home_pmf, away_pmf = _pmf(home_mean, size), _pmf(away_mean, size)
    # cdf[k] = P(home goals ≤ k)
    cdf, running = [], 0.0
    for value in home_pmf:
        running += value
        cdf.append(running)
    win = tie = 0.0
    for away_goals, away_p in enumerate(away_pmf):
        needed = away_goals - lead  # home must score more than this
        if needed < 0:
            win += away_p
            continue
        if needed < size:
            tie += away_p * home_pmf[needed]
            win += away_p * (1.0 - cdf[needed])
    return win + tie * tie_value


@cache
def _pregame_table() -> tuple[tuple[float, ...], tuple[float, ...]]:
    steps = round(2 * _MAX_EDGE / _EDGE_STEP)
    edges = tuple(-_MAX_EDGE + i * _EDGE_STEP for i in range(steps + 1))
    probabilities = tuple(regulation_home_win(0, 60.0, edge, overtime_home_win(edge)) for edge in edges)
    return edges, probabilities


def strength_from_probability(probability: float) -> float:
    """The expected 60-minute home goal difference whose pre-game win probability is ``probability``."""
    edges, probabilities = _pregame_table()
    index = bisect_left(probabilities, probability)
    if index <= 0:
        return edges[0]
    if index >= len(edges):
        return edges[-1]
    p0, p1 = probabilities[index - 1], probabilities[index]
    e0, e1 = edges[index - 1], edges[index]
    return e0 if p1 == p0 else e0 + (e1 - e0) * (probability - p0) / (p1 - p0)


def _edge(game: GameState) -> float:
    probability = pregame_home_probability(game)
    if probability is not None:
        return strength_from_probability(probability)
    return 0.0 if game.neutral_site else HOME_EDGE_GOALS


def hockey_home_win(game: GameState, clock: GameClock, lead: int) -> float:
    edge = _edge(game)
    if clock.overtime:
        if lead:
            return 1.0 if lead > 0 else 0.0
        shootout = game.period >= 5
        return overtime_home_win(edge, clock.overtime_left / 60.0, shootout=shootout)
    return regulation_home_win(lead, clock.seconds_left / 60.0, edge, overtime_home_win(edge))
