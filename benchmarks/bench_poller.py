"""ESPN requests the poller makes per live game-hour, with the production settings (8 s interval,
56 s window, every league), simulated minute by minute against the replay service on a fake clock."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from _common import ROOT  # noqa: F401  (puts the repo on sys.path)

from inplay.config import ALL_LEAGUES, Env, GamePollerSettings, load_settings
from inplay.sports.espn import scoreboard_params
from inplay.sports.models import League
from inplay.sports.poller import GamePoller
from local.espn_replay import GameSpec, ReplayService, Scenario
from tests.support.fakes import InMemoryGames


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class ServiceFeed:
    """The replay service without sockets, answering at the fake clock's time."""

    def __init__(self, service: ReplayService, clock: Clock) -> None:
        self.service, self.clock, self.requests = service, clock, 0

    def fetch_scoreboard(self, league: League, day: date) -> Mapping[str, Any]:
        self.requests += 1
        return self.service.scoreboard(league, scoreboard_params(league, day), now=self.clock.now)


def simulate(games: tuple[GameSpec, ...], hours: int = 3) -> tuple[int, float, int]:
    start = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)  # 6 PM Eastern: one scoreboard day
    clock = Clock(start)
    service = ReplayService(Scenario(games, seed=3), speed=1.0, clock=clock)
    settings = load_settings(GamePollerSettings, {Env.GAMES_TABLE.value: "bench"})
    feed = ServiceFeed(service, clock)
    repo = InMemoryGames()
    poller = GamePoller(
        feed,
        repo,
        leagues=ALL_LEAGUES,
        interval_seconds=settings.poll_interval_seconds,
        window_seconds=settings.poll_window_seconds,
        clock=clock,
        sleep=clock.sleep,
    )
    live_seconds = 0.0
    writes = 0
    for minute in range(hours * 60):
        clock.now = start + timedelta(minutes=minute)
        report = poller.run()
        writes += report.written
        live_seconds += 60 * report.live_games
    return feed.requests, live_seconds / 3600, writes


def main() -> None:
    print("poller: ESPN requests per live game-hour (production settings, all 7 leagues polled)")
    slates = {
        "1 NBA game": (GameSpec(League.NBA, starts_in=timedelta(0)),),
        "3 NBA games": tuple(GameSpec(League.NBA, starts_in=timedelta(minutes=i)) for i in range(3)),
        "NBA + NHL + NFL": (
            GameSpec(League.NBA, starts_in=timedelta(0)),
            GameSpec(League.NHL, starts_in=timedelta(0)),
            GameSpec(League.NFL, starts_in=timedelta(0)),
        ),
    }
    quiet, _, _ = simulate((GameSpec(League.NBA, starts_in=timedelta(hours=10)),), hours=1)
    print(f"  nothing live: {quiet} requests per hour ({quiet / 60:.0f} per minute: one per league)")
    for name, games in slates.items():
        requests, live_hours, writes = simulate(games)
        extra = requests - 3 * quiet
        print(
            f"  {name:<16} {requests:>5} requests in 3 h, {live_hours:.2f} live game-hours: "
            f"{extra / live_hours:.0f} requests above the quiet baseline and "
            f"{writes / live_hours:.0f} game-row writes per live game-hour"
        )


if __name__ == "__main__":
    main()
