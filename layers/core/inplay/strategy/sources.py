"""The strategy tick's outside reads, on the real systems: games from the games table, markets and
order books from Kalshi's public market data (no credentials: market data is public, and a paper
bot needs no Kalshi account at all)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Final

from inplay.sports.models import GameState, League, Phase
from inplay.store.games import GamesRepository
from inplay.strategy.mapping import VenueMarket, game_markets
from inplay.venues.base import OrderBook
from inplay.venues.kalshi.client import KalshiClient

__all__ = ["RECENT_FINAL", "KalshiMarketSource", "StoredGames", "public_kalshi_client"]

RECENT_FINAL: Final = timedelta(hours=12)
"""A finished game whose start is this recent is still evaluated (its positions' game-end exit)."""


class StoredGames:
    """:class:`~inplay.strategy.runner.StrategyGames` on the games table."""

    def __init__(self, games: GamesRepository) -> None:
        self._games = games

    def games(self, leagues: Iterable[League], now: datetime) -> Sequence[GameState]:
        found: list[GameState] = []
        for league in sorted(set(leagues)):
            for stored in self._games.list_games(league, now=now):
                game = stored.game
                if game.state is Phase.IN or (
                    game.state is Phase.POST and now - game.start_time <= RECENT_FINAL
                ):
                    found.append(game)
        return found

    def feed_fresh_at(self, leagues: Iterable[League]) -> Mapping[League, datetime | None]:
        return {beat.league: beat.last_ok_at for beat in self._games.feed_status(sorted(set(leagues)))}


class KalshiMarketSource:
    """:class:`~inplay.strategy.runner.MarketSource` on Kalshi's public endpoints."""

    def __init__(self, client: KalshiClient) -> None:
        self._client = client

    def game_markets(self, league: League) -> Sequence[VenueMarket]:
        return game_markets(self._client, league)

    def orderbook(self, ticker: str) -> OrderBook:
        return self._client.get_orderbook(ticker)


def public_kalshi_client(base_url: str, *, timeout: float = 10.0) -> KalshiClient:
    """An unauthenticated client for market data (Basic-tier read pacing; no account calls)."""
    from inplay.venues.kalshi.ratelimit import BASIC_LIMITS

    return KalshiClient(base_url, timeout=timeout, rate_limits=BASIC_LIMITS)
