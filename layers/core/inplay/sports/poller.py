"""Game polling: ESPN scoreboards → the games table, fresh to seconds while games are live.

EventBridge fires the poller once a minute at most. One invocation therefore:

1. polls every configured league once: one scoreboard request per league for ESPN's current
   scoreboard day, plus the previous day until 08:00 Eastern (ESPN's day turns at 3 AM Eastern,
   and a game that started before that can still be live after it);
2. if any game is live, keeps polling *only the league-days with live games* every
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
from datetime import UTC, date, datetime
from typing import Any, Protocol

from inplay.sports.espn import (
    EspnBackoffActive,
    EspnError,
    GameFeed,
    parse_scoreboard,
    us_scoreboard_dates,
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
        plan: dict[League, tuple[date, ...]] = {
            league: tuple(us_scoreboard_dates(started)) for league in self._leagues
        }
        while True:
            pass_started = self._clock()
            plan = self._poll_pass(plan, report, last_polled)
            report.passes += 1
            report.live_leagues = sorted(league.value for league in plan)
            if not plan:
                break
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
        self, plan: Mapping[League, tuple[date, ...]], report: PollReport, last_polled: dict[League, datetime]
    ) -> dict[League, tuple[date, ...]]:
        """Poll each league's scoreboard days once; return the (league, days) that have live games."""
        live_plan: dict[League, tuple[date, ...]] = {}
        report.live_games = 0
        for league, days in plan.items():
            polled_at = self._clock()
            live_days: list[date] = []
            live = 0
            errors: list[str] = []
            answered = False
            for day in days:
                try:
                    games = self._fetch(league, day, report)
                except EspnBackoffActive as exc:
                    errors.append(str(exc))
                    continue
                except EspnError as exc:
                    answered = True  # ESPN was asked and failed: that is news for the heartbeat
                    errors.append(str(exc))
                    continue
                answered = True
                report.games_seen += len(games)
                report.written += sum(1 for game in games if self._games.upsert(game, polled_at))
                live_here = sum(1 for game in games if game.is_live)
                if live_here:
                    live_days.append(day)
                    live += live_here
            if errors:
                report.errors[league.value] = "; ".join(errors)
            if not answered:
                continue  # backing off: no request, so the heartbeat keeps showing the last real poll
            self._games.record_poll(
                FeedHeartbeat(
                    league=league,
                    polled_at=polled_at,
                    live_games=live,
                    ok=not errors,
                    error="; ".join(errors)[:500] or None,
                )
            )
            previous = last_polled.get(league)
            if previous is not None:
                report.max_poll_gap_seconds = max(
                    report.max_poll_gap_seconds, (polled_at - previous).total_seconds()
                )
            last_polled[league] = polled_at
            report.live_games += live
            if live_days:
                live_plan[league] = tuple(live_days)
        return live_plan

    def _fetch(self, league: League, day: date, report: PollReport) -> list[GameState]:
        try:
            payload: Mapping[str, Any] = self._feed.fetch_scoreboard(league, day)
        except EspnBackoffActive:
            raise  # the client refused to send it: not a request
        except EspnError:
            report.requests += 1
            raise
        report.requests += 1
        return parse_scoreboard(payload, league)
