"""Game polling: ESPN scoreboards → the games table, fresh to seconds while games are live.

EventBridge fires the poller once a minute at most. One invocation therefore:

1. polls every configured league once (one scoreboard request per league, for ESPN's current
   scoreboard day);
2. if any game is live, keeps polling *only the leagues with live games* every
   ``interval`` seconds until ``window`` seconds have passed since the start, so the stored state
   is never older than about one interval; the window is sized so the last poll of one
   invocation and the first of the next are also less than ``interval`` apart;
3. if nothing is live, returns after the single pass: a quiet day costs one request per league
   per minute, never one every few seconds.

A league whose feed errors is backed off by the client and skipped, and its heartbeat says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from inplay.sports.espn import (
    EspnBackoffActive,
    EspnError,
    GameFeed,
    espn_scoreboard_date,
    parse_scoreboard,
)
from inplay.sports.models import GameState, League
from inplay.store.games import FeedHeartbeat, GamesRepository

__all__ = ["GamePoller", "MetricsSink", "PollReport"]


class MetricsSink(Protocol):
    """The slice of powertools ``Metrics`` the poller uses (always called with keywords)."""

    def add_metric(self, name: str, unit: str, value: float) -> None: ...


class _NoMetrics:
    def add_metric(self, name: str, unit: str, value: float) -> None:
        return None


@dataclass(slots=True)
class PollReport:
    """What one invocation did; returned by the handler and asserted by tests."""

    passes: int = 0
    requests: int = 0
    games_seen: int = 0
    written: int = 0
    live_games: int = 0
    max_poll_gap_seconds: float = 0.0
    """Longest gap between two successive polls of a live league in this invocation."""
    errors: dict[str, str] = field(default_factory=dict)
    live_leagues: list[str] = field(default_factory=list)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class GamePoller:
    def __init__(
        self,
        feed: GameFeed,
        games: GamesRepository,
        *,
        leagues: Iterable[League],
        interval_seconds: float,
        window_seconds: float,
        metrics: MetricsSink | None = None,
        clock: Callable[[], datetime] = _utcnow,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._feed = feed
        self._games = games
        self._leagues = tuple(League(league) for league in leagues)
        self._interval = interval_seconds
        self._window = window_seconds
        self._metrics = metrics or _NoMetrics()
        self._clock = clock
        self._sleep = sleep

    def run(self, window_seconds: float | None = None) -> PollReport:
        """Poll until nothing is live or the window (default: the configured one) is used up."""
        window = self._window if window_seconds is None else min(self._window, window_seconds)
        report = PollReport()
        started = self._clock()
        last_polled: dict[League, datetime] = {}
        leagues: tuple[League, ...] = self._leagues
        while True:
            pass_started = self._clock()
            live_now = self._poll_pass(leagues, report, last_polled)
            report.passes += 1
            report.live_leagues = sorted(league.value for league in live_now)
            if not live_now:
                break
            leagues = tuple(sorted(live_now))
            next_due = pass_started.timestamp() + self._interval
            if next_due - started.timestamp() > window:
                break
            self._sleep(max(0.0, next_due - self._clock().timestamp()))
        self._metrics.add_metric(name="PollPasses", unit="Count", value=report.passes)
        self._metrics.add_metric(name="EspnRequests", unit="Count", value=report.requests)
        self._metrics.add_metric(name="SnapshotsWritten", unit="Count", value=report.written)
        self._metrics.add_metric(name="LiveGames", unit="Count", value=report.live_games)
        self._metrics.add_metric(name="PollErrors", unit="Count", value=len(report.errors))
        if report.passes > 1:
            self._metrics.add_metric(
                name="MaxPollGapSeconds", unit="Seconds", value=report.max_poll_gap_seconds
            )
        return report

    def _poll_pass(
        self, leagues: Iterable[League], report: PollReport, last_polled: dict[League, datetime]
    ) -> set[League]:
        live_leagues: set[League] = set()
        report.live_games = 0
        for league in leagues:
            polled_at = self._clock()
            games = self._poll_league(league, polled_at, report)
            if games is None:
                continue
            previous = last_polled.get(league)
            if previous is not None:
                gap = (polled_at - previous).total_seconds()
                report.max_poll_gap_seconds = max(report.max_poll_gap_seconds, gap)
            last_polled[league] = polled_at
            live = sum(1 for game in games if game.is_live)
            report.live_games += live
            if live:
                live_leagues.add(league)
        return live_leagues

    def _poll_league(self, league: League, polled_at: datetime, report: PollReport) -> list[GameState] | None:
        day = espn_scoreboard_date(polled_at)
        try:
            report.requests += 1
            payload: Mapping[str, Any] = self._feed.fetch_scoreboard(league, day)
            games = parse_scoreboard(payload, league)
        except EspnBackoffActive as exc:
            report.requests -= 1  # the client refused to send it
            report.errors[league.value] = str(exc)
            return None
        except EspnError as exc:
            report.errors[league.value] = str(exc)
            self._games.record_poll(
                FeedHeartbeat(
                    league=league, polled_at=polled_at, live_games=0, ok=False, error=str(exc)[:500]
                )
            )
            return None
        report.games_seen += len(games)
        for game in games:
            if self._games.upsert(game, polled_at):
                report.written += 1
        self._games.record_poll(
            FeedHeartbeat(
                league=league, polled_at=polled_at, live_games=sum(1 for g in games if g.is_live), ok=True
            )
        )
        return games
