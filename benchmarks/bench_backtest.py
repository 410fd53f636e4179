"""Backtest throughput: simulated games per minute on one core, per league, with the default
strategy and books (15 game-seconds per tick), split into game generation and trading.

    .venv/bin/python benchmarks/bench_backtest.py [GAMES]   # default 20 per league
"""

from __future__ import annotations

import sys
import time

from _common import ROOT  # noqa: F401  (puts the repo on sys.path)

from inplay.sports.models import League
from local.backtest.games import simulated_games
from local.backtest.report import summarize
from local.backtest.runner import BacktestConfig, run_backtest


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    print(f"backtest: games per minute on one core ({count} simulated games per league, seed 1)")
    for league in League:
        started = time.perf_counter()
        games = list(simulated_games(league, count, 1))
        generated = time.perf_counter() - started
        started = time.perf_counter()
        result = run_backtest(iter(games), BacktestConfig(seed=1), leagues=[league])
        traded = time.perf_counter() - started
        ticks = sum(len(g.states) for g in games)
        summary = summarize(result)
        total = generated + traded
        print(
            f"  {league.value:<24} {count * 60 / total:>6.0f} games/min "
            f"(timelines {generated / count * 1000:>4.0f} ms/game, "
            f"trading {traded / count * 1000:>4.0f} ms/game, "
            f"{ticks / count:.0f} ticks/game, {summary.trades} trades)"
        )


if __name__ == "__main__":
    main()
