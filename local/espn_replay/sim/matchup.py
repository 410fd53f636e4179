"""Who plays whom, how strong each side truly is, and the pre-game line the market posts."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

from inplay.sports.models import League
from local.espn_replay.model import Line, Side, make_line
from local.espn_replay.teams import TeamInfo

__all__ = ["LINE_PARAMS", "LineParams", "Matchup", "draw_matchup"]


@dataclass(frozen=True, slots=True)
class LineParams:
    strength_sd: float
    """SD of the true strength difference between two teams (points/goals/runs)."""
    home_advantage: float
    sigma: float
    """SD of the full-game margin around its expectation, matched to what the simulator produces."""
    total: float
    moneyline_details: bool = False
    """NHL/MLB: ±1.5 puck/run line, ``details`` shows the favourite's moneyline."""


LINE_PARAMS: Final = {
    League.NBA: LineParams(5.0, 2.5, 16.0, 224.0),
    League.WNBA: LineParams(5.0, 2.0, 14.0, 164.0),
    League.MENS_COLLEGE_BASKETBALL: LineParams(8.0, 3.5, 13.5, 140.0),
    League.NFL: LineParams(5.5, 1.5, 12.5, 45.0),
    League.COLLEGE_FOOTBALL: LineParams(12.0, 3.0, 14.5, 55.0),
    League.NHL: LineParams(0.35, 0.15, 2.4, 6.0, moneyline_details=True),
    League.MLB: LineParams(0.5, 0.2, 4.3, 8.5, moneyline_details=True),
}


@dataclass(frozen=True, slots=True)
class Matchup:
    league: League
    home: TeamInfo
    away: TeamInfo
    mu_true: float
    """True expected home margin: what the simulator plays to."""
    mu_line: float
    """The market's expected home margin: what the line and the live win probability use."""
    line: Line
    neutral_site: bool = False

    def team(self, side: Side) -> TeamInfo:
        return self.home if side == "home" else self.away

    @property
    def sigma(self) -> float:
        return LINE_PARAMS[self.league].sigma


def draw_matchup(
    league: League, home: TeamInfo, away: TeamInfo, rng: random.Random, *, neutral_site: bool = False
) -> Matchup:
    params = LINE_PARAMS[league]
    advantage = 0.0 if neutral_site else params.home_advantage
    mu_line = rng.gauss(0.0, params.strength_sd) + advantage
    mu_true = mu_line + rng.gauss(0.0, params.strength_sd * 0.25)
    override = None
    if params.moneyline_details:
        override = -1.5 if mu_line > 0 else 1.5
    line = make_line(
        mu_line,
        params.sigma,
        params.total + rng.gauss(0.0, params.total * 0.03),
        spread_override=override,
        moneyline_details=params.moneyline_details,
    )
    return Matchup(league, home, away, mu_true, mu_line, line, neutral_site)
