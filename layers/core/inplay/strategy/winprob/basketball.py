"""Basketball (NBA, WNBA, men's college): Stern's Brownian model with the drift from the pre-game
spread (or the vig-free moneyline), a per-league σ, and overtime as a short extra game."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from inplay.sports.models import GameState, League
from inplay.strategy.winprob.brownian import stern
from inplay.strategy.winprob.clock import CLOCKS, GameClock
from inplay.strategy.winprob.lines import expected_margin

__all__ = ["BASKETBALL", "BrownianParams", "basketball_home_win"]


@dataclass(frozen=True, slots=True)
class BrownianParams:
    sigma: float
    """SD of the full-game margin around the line (points)."""
    home_advantage: float
    """Expected home margin when the feed has no line (points; 0 at a neutral site)."""


BASKETBALL: Final = {
    # SD of results around the line is ≈12 (NBA), ≈10 (NCAAB); ESPN's live NBA curve behaves like
    # σ≈16. Leads revert in-game, so σ sits between the two.
    League.NBA: BrownianParams(sigma=14.0, home_advantage=2.5),
    League.WNBA: BrownianParams(sigma=12.0, home_advantage=2.0),
    League.MENS_COLLEGE_BASKETBALL: BrownianParams(sigma=11.0, home_advantage=3.0),
}


def basketball_home_win(game: GameState, clock: GameClock, lead: int) -> float:
    params = BASKETBALL[game.league]
    spec = CLOCKS[game.league]
    mu = expected_margin(game, params.sigma, params.home_advantage)
    overtime_tau = spec.overtime_seconds / spec.regulation_seconds
    # Tied at the end of a period → another overtime, which starts level.
    next_overtime = stern(0.0, mu, params.sigma, overtime_tau)
    tau = clock.overtime_left / spec.regulation_seconds if clock.overtime else clock.time_left
    return stern(float(lead), mu, params.sigma, tau, next_overtime)
