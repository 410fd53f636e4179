"""``inplay backtest``: replay games through the strategy against simulated books and report.

    inplay backtest --league nba --games 50 --seed 7 [--png equity.png] [--bot-settings edge_threshold=0.05]
    inplay backtest --espn-dir recordings/ [--league nba]

Simulated games come from the ESPN replay simulator; ``--espn-dir`` replays recorded ESPN payloads
instead (layout: ``local/backtest/games.py``). The same arguments give the same report.
"""

from __future__ import annotations

import argparse
import heapq
import json
import sys
import time
from collections.abc import Iterator, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from local.cli import CliError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "backtest",
        help="replay games through the strategy against simulated order books",
        description=(
            "Run the strategy (win probability, decisions, sizing, paper fills) over simulated or "
            "recorded games against in-process simulated Kalshi books; print trades, P&L net of fees, "
            "hit rate, maximum drawdown and the fair value's Brier score."
        ),
    )
    parser.add_argument(
        "--league",
        metavar="L[,L...]",
        help="league slug(s): nba, wnba, nfl, nhl, mlb, college-football, mens-college-basketball "
        "(required without --espn-dir; with it, keeps only these leagues)",
    )
    parser.add_argument("--games", type=int, default=20, metavar="N", help="simulated games per league (20)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="seed of games and books (0)")
    parser.add_argument("--espn-dir", type=Path, metavar="DIR", help="replay recorded ESPN payloads from DIR")
    parser.add_argument("--png", type=Path, metavar="FILE", help="write the equity curve to FILE (PNG)")
    parser.add_argument(
        "--bot-settings",
        nargs="+",
        default=[],
        metavar="KEY=VALUE",
        help="strategy settings, as a bot stores them (e.g. edge_threshold=0.05 kelly_fraction=0.1)",
    )
    parser.add_argument("--balance", default="1000", metavar="DOLLARS", help="starting balance (1000)")
    parser.add_argument(
        "--step-seconds", type=float, default=15.0, metavar="SEC", help="game seconds per tick (15)"
    )
    parser.add_argument(
        "--market-lag", type=float, default=0.0, metavar="SEC", help="market reacts this late to the game (0)"
    )
    parser.add_argument(
        "--market-noise",
        type=float,
        default=0.02,
        metavar="P",
        help="market mispricing SD, probability points at 50%% (0.02)",
    )
    parser.add_argument(
        "--market-consensus",
        choices=("espn", "model"),
        default="espn",
        help="what the simulated market prices: ESPN's live probability (espn, default) or the "
        "strategy's own model (model: then only market noise and lag can be edge)",
    )
    parser.add_argument("--spread", default="0.04", metavar="DOLLARS", help="maker bid/ask spread (0.04)")
    parser.add_argument("--trades", type=int, default=10, metavar="N", help="largest trades to list (10)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    parser.set_defaults(func=_run)


def _settings(pairs: Sequence[str]) -> dict[str, str]:
    settings: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--bot-settings: expected KEY=VALUE, got {pair!r}")
        settings[key.strip()] = value.strip()
    return settings


def _decimal(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CliError(f"{what}: not a number: {text!r}") from None
    if not value.is_finite():
        raise CliError(f"{what}: not a number: {text!r}")
    return value


def _leagues(text: str | None) -> list[Any]:
    from inplay.sports.models import League

    if text is None:
        return []
    leagues = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            leagues.append(League(part))
        except ValueError:
            known = ", ".join(league.value for league in League)
            raise CliError(f"--league: unknown league {part!r}; known: {known}") from None
    return leagues


def _run(args: argparse.Namespace) -> int:
    from inplay.strategy.model import InvalidStrategyParams, params_from_settings
    from local.backtest.books import BookConfig
    from local.backtest.games import BacktestInputError, GameTimeline, recorded_games, simulated_games
    from local.backtest.png import write_equity_png
    from local.backtest.progress import Progress
    from local.backtest.report import format_report, summarize
    from local.backtest.runner import BacktestConfig, run_backtest

    leagues = _leagues(args.league)
    if args.espn_dir is None and not leagues:
        raise CliError("give --league (simulated games) or --espn-dir (recorded games)")
    if args.games < 0:
        raise CliError("--games must be >= 0")
    if args.step_seconds <= 0:
        raise CliError("--step-seconds must be > 0")
    settings = _settings(args.bot_settings)
    try:
        params = params_from_settings(settings)
    except InvalidStrategyParams as exc:
        raise CliError(str(exc)) from None
    balance = _decimal(args.balance, "--balance")
    if balance <= 0:
        raise CliError("--balance must be > 0")
    try:
        books = BookConfig(
            lag_seconds=args.market_lag,
            noise_sd=args.market_noise,
            spread=_decimal(args.spread, "--spread"),
            consensus=args.market_consensus,
        )
    except ValueError as exc:
        raise CliError(f"market settings: {exc}") from None
    config = BacktestConfig(
        params=params, starting_balance=balance, books=books, seed=args.seed, settings=settings
    )

    games: Iterator[GameTimeline]
    if args.espn_dir is not None:
        try:
            recorded = [
                g
                for g in recorded_games(args.espn_dir, step_seconds=args.step_seconds)
                if not leagues or g.league in leagues
            ]
        except BacktestInputError as exc:
            raise CliError(str(exc)) from None
        if not recorded:
            raise CliError(f"{args.espn_dir}: no games" + (" of the given leagues" if leagues else ""))
        total = len(recorded)
        games = iter(recorded)
    else:
        total = args.games * len(leagues)
        streams = [
            simulated_games(league, args.games, args.seed, step_seconds=args.step_seconds)
            for league in leagues
        ]
        games = heapq.merge(*streams, key=lambda g: (g.start_time, g.league.value))

    started = time.perf_counter()
    with Progress(total, "games", enabled=False if args.no_progress else None) as bar:
        try:
            result = run_backtest(games, config, leagues=leagues, on_game_done=lambda _: bar.advance())
        except BacktestInputError as exc:
            raise CliError(str(exc)) from None
    elapsed = time.perf_counter() - started
    summary = summarize(result)
    if args.json:
        body = summary.as_dict()
        body["leagues"] = [league.value for league in result.leagues]
        body["seed"] = args.seed
        print(json.dumps(body, indent=2, sort_keys=True))
    else:
        sys.stdout.write(format_report(result, summary, trades=args.trades))
    sys.stdout.flush()
    if args.png is not None:
        try:
            path = write_equity_png(
                args.png, [p.equity for p in result.equity], starting_balance=config.starting_balance
            )
        except OSError as exc:
            raise CliError(f"--png: cannot write {args.png}: {exc.strerror or exc}", 1) from None
        print(f"equity curve: {path}", file=sys.stderr)
    rate = result.games * 60.0 / elapsed if elapsed > 0 else 0.0
    print(f"{result.games} games in {elapsed:.1f} s ({rate:.1f} games/min)", file=sys.stderr)
    return 0
