"""The pre-game market line as model inputs: vig-free home probability from the moneylines, the
expected home margin from the spread."""

from __future__ import annotations

from statistics import NormalDist
from typing import Final

from inplay.sports.models import GameState

__all__ = ["NORMAL", "expected_margin", "implied_probability", "pregame_home_probability", "z_of"]

NORMAL: Final = NormalDist()
_Z_CLIP: Final = 1e-9


def implied_probability(american: int) -> float:
    """The probability an American moneyline implies, vig included: ``-150`` → 0.6, ``+150`` → 0.4."""
    if american < 0:
        return -american / (-american + 100.0)
    return 100.0 / (american + 100.0)


def pregame_home_probability(game: GameState) -> float | None:
    """Vig-free pre-game home win probability from both moneylines (proportional de-vig)."""
    if game.home_moneyline is None or game.away_moneyline is None:
        return None
    home, away = implied_probability(game.home_moneyline), implied_probability(game.away_moneyline)
    total = home + away
    if total <= 0:
        return None
    return home / total


def z_of(probability: float) -> float:
    """Φ⁻¹ of a probability, clipped away from 0 and 1."""
    return NORMAL.inv_cdf(min(max(probability, _Z_CLIP), 1.0 - _Z_CLIP))


def expected_margin(game: GameState, sigma: float, home_advantage: float) -> float:
    """Expected full-game home margin μ: −spread; else σ·Φ⁻¹(vig-free moneyline probability);
    else the league's home advantage (0 at a neutral site)."""
    if game.spread is not None:
        return -float(game.spread)
    probability = pregame_home_probability(game)
    if probability is not None:
        return sigma * z_of(probability)
    return 0.0 if game.neutral_site else home_advantage
