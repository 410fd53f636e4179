"""Test doubles that implement the production protocols (and are checked against them by mypy)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from inplay.sports.espn import EspnHttpError, GameFeed
from inplay.sports.models import GameState, League, Phase
from inplay.store.games import FeedHeartbeat, GamesRepository, StoredGame, fingerprint


class FakeClock:
    """A clock that only moves when the code under test sleeps (or the test advances it)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 24, 22, 0, tzinfo=UTC)  # 5 PM Eastern
        self.sleeps: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class InMemoryGames:
    """GamesRepository with the same write rules as the DynamoDB store."""

    rows: dict[tuple[str, str], StoredGame] = field(default_factory=dict)
    digests: dict[tuple[str, str], str] = field(default_factory=dict)
    heartbeats: dict[str, FeedHeartbeat] = field(default_factory=dict)
    writes: int = 0

    def upsert(self, game: GameState, observed_at: datetime) -> bool:
        key = (game.league.value, game.event_id)
        digest = fingerprint(game)
        current = self.rows.get(key)
        if current is not None and (self.digests[key] == digest or current.observed_at >= observed_at):
            return False
        self.rows[key] = StoredGame(game=game, observed_at=observed_at)
        self.digests[key] = digest
        self.writes += 1
        return True

    def record_poll(self, heartbeat: FeedHeartbeat) -> None:
        current = self.heartbeats.get(heartbeat.league.value)
        if current is None or current.polled_at < heartbeat.polled_at:
            last_ok = heartbeat.polled_at if heartbeat.ok else (current.last_ok_at if current else None)
            self.heartbeats[heartbeat.league.value] = dataclasses.replace(heartbeat, last_ok_at=last_ok)

    def list_games(
        self, league: League | None = None, state: Phase | None = None, *, now: datetime | None = None
    ) -> list[StoredGame]:
        return [
            stored
            for stored in self.rows.values()
            if (league is None or stored.game.league is league)
            and (state is None or stored.game.state is state)
        ]

    def feed_status(self, leagues: Iterable[League]) -> list[FeedHeartbeat]:
        return [self.heartbeats[lg.value] for lg in leagues if lg.value in self.heartbeats]


@dataclass
class ScriptedFeed:
    """A GameFeed answering from per-league scripts; a script entry may be an exception to raise."""

    scripts: dict[League, list[Mapping[str, Any] | Exception]]
    calls: list[tuple[League, date]] = field(default_factory=list)

    def fetch_scoreboard(self, league: League, day: date) -> Mapping[str, Any]:
        self.calls.append((league, day))
        script = self.scripts.get(league) or [scoreboard(league, [])]
        answer = script.pop(0) if len(script) > 1 else script[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def http_error(status: int) -> EspnHttpError:
    return EspnHttpError(f"HTTP {status}", status=status, url="http://127.0.0.1/scoreboard")


def scoreboard(league: League, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {"leagues": [{"slug": league.value, "abbreviation": league.value.upper()}], "events": events}


def event(
    event_id: str,
    *,
    state: str = "in",
    home_score: int = 50,
    away_score: int = 48,
    period: int = 3,
    clock: str = "300.0",
    completed: bool = False,
) -> dict[str, Any]:
    """A minimal ESPN scoreboard event (shape per ESPN's site API)."""
    name = {"pre": "STATUS_SCHEDULED", "in": "STATUS_IN_PROGRESS", "post": "STATUS_FINAL"}[state]
    status = {
        "clock": float(clock),
        "displayClock": "5:00",
        "period": period,
        "type": {
            "id": "2",
            "name": name,
            "state": state,
            "completed": completed,
            "detail": "x",
            "shortDetail": "x",
        },
    }

    def competitor(team_id: str, abbreviation: str, side: str, score: int) -> dict[str, Any]:
        return {
            "id": team_id,
            "homeAway": side,
            "score": str(score),
            "team": {"id": team_id, "abbreviation": abbreviation, "displayName": f"Team {abbreviation}"},
        }

    return {
        "id": event_id,
        "date": "2026-11-24T00:30Z",
        "name": "Away at Home",
        "status": status,
        "competitions": [
            {
                "id": event_id,
                "neutralSite": False,
                "status": status,
                "competitors": [
                    competitor("1", "HOM", "home", home_score),
                    competitor("2", "AWY", "away", away_score),
                ],
            }
        ],
    }


def _check_protocols(games: InMemoryGames, feed: ScriptedFeed) -> tuple[GamesRepository, GameFeed]:
    return games, feed  # mypy proves the fakes satisfy the production protocols
