"""Strategy evaluation time per tick for 1, 100 and 1,000 bots.

In-memory stores and markets (``tests/unit/strategy/runner_support.py``): the figure is the tick's
own cost (win probability per game, one decision per bot, market and game, intents built and
"started"), not DynamoDB or Kalshi latency. Each bot belongs to its own user (the worst case: every
user's mode, kill switch, balance, positions and intents are read once per tick). The slate has
``GAMES`` live NBA games; half the bots find an entry (a fresh world each run, so nothing is in
flight), the rest are flat with no edge.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace

from _common import ROOT, summary  # noqa: F401  (ROOT puts the repo on sys.path)

from inplay.sports.models import League, TeamState
from inplay.sports.teams import teams
from inplay.strategy.mapping import event_ticker_for
from inplay.strategy.runner import run_tick
from tests.unit.strategy.runner_support import Bot, World, listing
from tests.unit.strategy.strategy_builders import NOW, book, game

SIZES = (1, 100, 1000)
GAMES = 5
RUNS = 5


def build(bots: int) -> World:
    world = World()
    listings = []
    nba = teams(League.NBA)
    for index in range(GAMES):
        away, home = nba[2 * index], nba[2 * index + 1]
        state = game().model_copy(
            update={
                "event_id": f"40170000{index}",
                "home": TeamState(
                    team_id=home.espn_id, abbreviation=home.espn_abbreviation, name=home.name, score=50
                ),
                "away": TeamState(
                    team_id=away.espn_id, abbreviation=away.espn_abbreviation, name=away.name, score=45
                ),
            }
        )
        world.games.games_.append(state)
        event = event_ticker_for(League.NBA, state.start_time, away.kalshi, home.kalshi)
        for code in (away.kalshi, home.kalshi):
            ticker = f"{event}-{code}"
            cheap = index % 2 == 0 and code == home.kalshi
            yes, no = ("0.28", "0.70") if cheap else ("0.70", "0.28")
            world.markets.books[ticker] = book(ticker, yes=[(yes, 500)], no=[(no, 500)])
            listings.append(replace(listing(ticker), event_ticker=event))
    world.markets.listings[League.NBA] = listings
    world.bots.bots = [Bot(f"user{i:04d}") for i in range(bots)]
    return world


def main() -> int:
    print(f"strategy tick: {GAMES} live NBA games, N bots (one user each), in-memory stores")
    for size in SIZES:
        samples, started, decisions = [], 0, 0
        for _ in range(RUNS):
            world = build(size)
            begin = time.perf_counter()
            report = run_tick(world.deps(), NOW)
            samples.append(time.perf_counter() - begin)
            started, decisions = len(report.started), report.decisions
        per_bot = sorted(samples)[len(samples) // 2] / size * 1000
        print(
            f"  {size:>5} bots: {summary(samples)}  ({per_bot:.3f} ms per bot; "
            f"{decisions} decisions, {started} orders started per tick)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
