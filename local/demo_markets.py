"""Simulator markets for the replayed games: what makes ``make demo`` trade.

Every replayed game whose teams have Kalshi codes gets a Kalshi game-winner event on the local
simulator (real ticker shape: series, US-Eastern date, Kalshi team codes), with market makers whose
fair value follows the game: the replay's own live win probability, seen with a lag, plus a slowly
drifting disagreement of a few cents (the market's own opinion). That disagreement is the edge the
strategy can find; nothing tells the strategy where it is. When a replayed game is final, both of
its markets settle on the result.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from inplay.sports.teams import KALSHI_SERIES, kalshi_code
from local.espn_replay import ReplayGame, ReplayService
from local.kalshi_sim import KalshiSimulator
from local.kalshi_sim.makers import MakerConfig
from local.kalshi_sim.simulator import GameMarkets, Team

__all__ = ["FollowTheGame", "FollowedGame", "list_replay_markets", "settle_finished"]

MICRO: Final = 1_000_000
LAG: Final = timedelta(seconds=15)
"""The makers see the game this late (a slower feed than the bot's)."""
DISAGREEMENT: Final = 0.09
"""Peak of the makers' drifting disagreement with the game, in probability points."""
_FLOOR, _CEILING = 0.03, 0.97


class FollowTheGame:
    """A :class:`~local.kalshi_sim.makers.FairValue` for a replayed game's HOME market."""

    def __init__(self, service: ReplayService, game: ReplayGame, *, seed: int) -> None:
        self._service = service
        self._game = game
        rng = random.Random(f"demo-market:{seed}:{game.event_id}")
        # Two slow waves with random phases: a disagreement that drifts, reverses and returns.
        self._waves = [
            (rng.uniform(110, 190), rng.uniform(0, math.tau), 0.6),
            (rng.uniform(35, 70), rng.uniform(0, math.tau), 0.4),
        ]
        self._cache: tuple[int, int] | None = None

    def home_probability(self, at: datetime) -> float:
        """The replay's live home win probability at ``at`` (its pre-game line before the start)."""
        view = self._service.view(self._game, at)
        last = view.last_play
        if view.started and last is not None and last.home_wp is not None:
            return float(last.home_wp)
        return float(self._game.matchup.line.home_win_prob)

    def disagreement(self, now_ms: int) -> float:
        seconds = now_ms / 1000
        return DISAGREEMENT * sum(
            weight * math.sin(math.tau * seconds / period + phase) for period, phase, weight in self._waves
        )

    def value_at(self, now_ms: int) -> int:
        bucket = now_ms // 1000  # a view per second is plenty (makers tick every 250 ms)
        if self._cache is not None and self._cache[0] == bucket:
            return self._cache[1]
        at = datetime.fromtimestamp(now_ms / 1000, UTC) - LAG
        probability = self.home_probability(at) + self.disagreement(now_ms)
        value = int(min(_CEILING, max(_FLOOR, probability)) * MICRO)
        self._cache = (bucket, value)
        return value


@dataclass(slots=True)
class FollowedGame:
    replay: ReplayGame
    markets: GameMarkets
    settled: bool = False
    result: str | None = field(default=None)


def list_replay_markets(sim: KalshiSimulator, service: ReplayService, *, seed: int) -> list[FollowedGame]:
    """One simulator event per replayed game with Kalshi codes for both teams (others are skipped:
    the strategy reports them as unmatched, as it would on the real exchange)."""
    followed = []
    for game in service.games:
        series = KALSHI_SERIES.get(game.league)
        home_code = kalshi_code(game.league, game.home.id)
        away_code = kalshi_code(game.league, game.away.id)
        if series is None or home_code is None or away_code is None:
            continue
        if game.special == "postponed":
            continue
        start_ms = int(game.scheduled_start.timestamp() * 1000)
        markets = sim.add_game(
            Team(away_code, game.away.display_name),
            Team(home_code, game.home.display_name),
            series=series,
            start_ms=start_ms,
            maker=MakerConfig(),
            noise=True,
        )
        sim.set_fair_source(markets.home_ticker, FollowTheGame(service, game, seed=seed))
        followed.append(FollowedGame(game, markets))
    return followed


def settle_finished(
    sim: KalshiSimulator, service: ReplayService, games: list[FollowedGame]
) -> list[FollowedGame]:
    """Settle the markets of every replayed game that is now final; returns those settled now."""
    settled = []
    for followed in games:
        if followed.settled:
            continue
        winner = service.view(followed.replay).winner
        if winner is None:
            continue
        home_won = winner == "home"
        sim.settle(followed.markets.home_ticker, "yes" if home_won else "no")
        sim.settle(followed.markets.away_ticker, "no" if home_won else "yes")
        followed.settled, followed.result = True, winner
        settled.append(followed)
    return settled
