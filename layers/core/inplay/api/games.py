"""``GET /api/games``: the stored game states with how fresh each league's feed is."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from inplay.sports.models import GameState, League, Phase
from inplay.store.games import GamesRepository

__all__ = ["FeedView", "GameView", "GamesResponse", "list_games"]


class GameView(GameState):
    observed_at: datetime
    """When this state was first read from ESPN."""


class FeedView(BaseModel):
    model_config = ConfigDict(frozen=True)

    league: League
    polled_at: datetime
    age_seconds: Decimal
    live_games: int
    ok: bool
    error: str | None = None


class GamesResponse(BaseModel):
    model_config = ConfigDict(frozen=True)

    count: int
    games: list[GameView]
    feeds: list[FeedView]
    """Per-league poll heartbeat: the stored state is as fresh as ``polled_at``."""


def list_games(
    games: GamesRepository, *, league: League | None, state: Phase | None, now: datetime
) -> GamesResponse:
    stored = games.list_games(league=league, state=state, now=now)
    leagues = [league] if league is not None else list(League)
    feeds = [
        FeedView(
            league=beat.league,
            polled_at=beat.polled_at,
            age_seconds=Decimal(str(round((now - beat.polled_at).total_seconds(), 3))),
            live_games=beat.live_games,
            ok=beat.ok,
            error=beat.error,
        )
        for beat in games.feed_status(leagues)
    ]
    views = [GameView(**entry.game.model_dump(), observed_at=entry.observed_at) for entry in stored]
    return GamesResponse(count=len(views), games=views, feeds=feeds)
