"""American football (NFL, college): Stern's Brownian model on the lead *plus the expected points of
the current possession* (down, distance, field position), the drift from the spread or moneyline.

Field position comes from ESPN's ``downDistanceText`` (``"2nd & 7 at NE 16"`` names the side of the
field) and falls back to ``yardLine`` read as yards from the possessing team's own goal. No possession
value when no snap is pending (kickoffs, tries: ``down`` ≤ 0) or when the half has just ended.
NFL regular-season overtime is 10 minutes and may end tied (worth ½); college overtime is untimed,
modelled as a short game of fixed length.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Final

from inplay.sports.models import GameState, GameStatus, League
from inplay.strategy.winprob.basketball import BrownianParams
from inplay.strategy.winprob.brownian import stern
from inplay.strategy.winprob.clock import CLOCKS, GameClock
from inplay.strategy.winprob.lines import expected_margin

__all__ = [
    "COLLEGE_OVERTIME_TAU",
    "FOOTBALL",
    "expected_points",
    "football_home_win",
    "possession_value",
    "yards_from_own_goal",
]

FOOTBALL: Final = {
    # SD of NFL results around the line ≈ 13.5–13.9 (Stern 1991; PFR uses 13.45); CFB ≈ 16 (Sagarin).
    League.NFL: BrownianParams(sigma=13.5, home_advantage=1.5),
    League.COLLEGE_FOOTBALL: BrownianParams(sigma=16.0, home_advantage=2.5),
}
COLLEGE_OVERTIME_TAU: Final = 0.15
"""An untimed college overtime, as a fraction of regulation (σ√τ ≈ one touchdown)."""

# Expected points of a 1st & 10 by yards from the offense's own goal line (public EP curves, rounded).
_EP_YARDS: Final = (0.0, 1.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 99.0, 100.0)
_EP_POINTS: Final = (-1.2, -1.0, -0.4, 0.3, 0.9, 1.5, 2.1, 2.7, 3.3, 3.9, 4.6, 5.9, 6.0)
_DOWN_COST: Final = {1: 0.0, 2: 0.35, 3: 0.85, 4: 1.6}
_AT_RE: Final = re.compile(r"\bat\s+(?:(?P<team>[A-Za-z][A-Za-z0-9&.'\-]*)\s+)?(?P<yard>\d{1,2})\s*$")


def _ep_first_down(yards: float) -> float:
    yards = min(max(yards, 0.0), 100.0)
    index = min(bisect_right(_EP_YARDS, yards), len(_EP_YARDS) - 1)
    x0, x1 = _EP_YARDS[index - 1], _EP_YARDS[index]
    y0, y1 = _EP_POINTS[index - 1], _EP_POINTS[index]
    return y0 + (y1 - y0) * (yards - x0) / (x1 - x0)


def expected_points(down: int, distance: int, yards: float) -> float:
    """Expected net points of the offense's possession (down 1–4, yards to go, yards from own goal)."""
    value = _ep_first_down(yards) - _DOWN_COST.get(down, 1.6) - 0.04 * (max(distance, 1) - 10)
    if down == 4:
        kick = 117.0 - yards  # snap 7 yards back, posts 10 yards deep
        make = min(max(1.0 - (kick - 20.0) * 0.025, 0.0), 0.98) if kick <= 60 else 0.0
        punt = -_ep_first_down(100.0 - min(yards + 40.0, 80.0))
        value = max(value, 3.0 * make - (1.0 - make) * _ep_first_down(100.0 - yards), punt)
    return value


def yards_from_own_goal(game: GameState, offense_is_home: bool) -> float | None:
    """Where the ball is, in yards from the offense's own goal line."""
    situation = game.situation or {}
    text = situation.get("down_distance_text")
    if isinstance(text, str):
        match = _AT_RE.search(text)
        if match:
            yard = int(match["yard"])
            team = (match["team"] or "").upper()
            own = (game.home if offense_is_home else game.away).abbreviation.upper()
            other = (game.away if offense_is_home else game.home).abbreviation.upper()
            if not team or yard == 50:
                return float(yard)
            if own and team == own:
                return float(yard)
            if other and team == other:
                return 100.0 - yard
    yard_line = situation.get("yard_line")
    if isinstance(yard_line, int) and not isinstance(yard_line, bool) and 0 <= yard_line <= 100:
        return float(yard_line)
    return None


def possession_value(game: GameState, clock: GameClock) -> float:
    """Expected points of the current possession, from the HOME side (+ home has the ball)."""
    situation = game.situation
    if not situation:
        return 0.0
    down, possession = situation.get("down"), situation.get("possession")
    if (
        not isinstance(down, int)
        or isinstance(down, bool)
        or not 1 <= down <= 4
        or not isinstance(possession, str)
    ):
        return 0.0
    if game.status is GameStatus.HALFTIME or (
        not clock.overtime and game.period in (2, 4) and clock.period_clock <= 0
    ):
        return 0.0
    if possession == game.home.team_id:
        offense_is_home = True
    elif possession == game.away.team_id:
        offense_is_home = False
    else:
        return 0.0
    yards = yards_from_own_goal(game, offense_is_home)
    if yards is None:
        return 0.0
    distance = situation.get("distance")
    to_go = distance if isinstance(distance, int) and not isinstance(distance, bool) and distance > 0 else 10
    points = expected_points(down, to_go, yards)
    return points if offense_is_home else -points


def football_home_win(game: GameState, clock: GameClock, lead: int) -> float:
    params = FOOTBALL[game.league]
    spec = CLOCKS[game.league]
    mu = expected_margin(game, params.sigma, params.home_advantage)
    college = spec.overtime_seconds == 0
    overtime_tau = COLLEGE_OVERTIME_TAU if college else spec.overtime_seconds / spec.regulation_seconds
    # NFL regular-season overtime can end tied (½); college overtimes repeat until decided.
    end_of_overtime = stern(0.0, mu, params.sigma, overtime_tau) if college else 0.5
    effective_lead = lead + possession_value(game, clock)
    if not clock.overtime:
        tie_value = stern(0.0, mu, params.sigma, overtime_tau, end_of_overtime)
        return stern(effective_lead, mu, params.sigma, clock.time_left, tie_value)
    tau = overtime_tau if college else clock.overtime_left / spec.regulation_seconds
    return stern(effective_lead, mu, params.sigma, tau, end_of_overtime)
