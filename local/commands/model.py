"""``inplay model calibrate``: score the win-probability model over a set of games.

Every live state of every decided game is one forecast of "the home team wins"; the command prints
the Brier score, log loss and a reliability table for the blend the strategy trades on, the sport
model alone, and ESPN's own probability (over the states that carry one).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from local.cli import CliError

if TYPE_CHECKING:
    from local.backtest.games import GameTimeline

__all__ = ["Forecasts", "collect_forecasts", "register"]

_DEFAULT_GAMES = 50


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "model",
        help="win-probability model tools (calibration)",
        description="Tools for the fair-value (win probability) model.",
    )
    commands = parser.add_subparsers(dest="model_command", required=True, metavar="SUBCOMMAND")
    calibrate = commands.add_parser(
        "calibrate",
        help="Brier score, log loss and a reliability table over simulated or recorded games",
        description=(
            "Score the win-probability model on every live state of a set of games: simulated games "
            "(--league, --games, --seed) or ESPN payloads recorded under --espn-dir."
        ),
    )
    calibrate.add_argument("--league", help="league slug (nba, wnba, nfl, nhl, mlb, college-football, …)")
    calibrate.add_argument(
        "--games",
        type=_positive_int,
        default=None,
        metavar="N",
        help=f"number of games (default {_DEFAULT_GAMES} simulated; all recorded)",
    )
    calibrate.add_argument("--seed", type=int, default=1, metavar="S", help="simulation seed (default 1)")
    calibrate.add_argument(
        "--espn-dir", type=Path, default=None, metavar="DIR", help="recorded ESPN payloads"
    )
    calibrate.add_argument(
        "--bins", type=_bins, default=10, metavar="B", help="reliability bins (default 10)"
    )
    calibrate.add_argument(
        "--espn-weight",
        type=_weight,
        default=Decimal("0.5"),
        metavar="W",
        help="weight of ESPN's probability in the blend, 0-1 (default 0.5)",
    )
    calibrate.set_defaults(func=_calibrate)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _bins(text: str) -> int:
    value = _positive_int(text)
    if value > 100:
        raise argparse.ArgumentTypeError(f"at most 100 bins, got {value}")
    return value


def _weight(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}") from None
    if not value.is_finite() or not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}")
    return value


@dataclass(slots=True)
class Forecasts:
    """The forecasts collected from a set of games, per source."""

    blend: list[tuple[Decimal, bool]] = field(default_factory=list)
    model: list[tuple[Decimal, bool]] = field(default_factory=list)
    espn: list[tuple[Decimal, bool]] = field(default_factory=list)
    games: int = 0
    decided: int = 0
    model_names: set[str] = field(default_factory=set)


def collect_forecasts(
    timelines: Iterable[GameTimeline],
    *,
    espn_weight: Decimal = Decimal("0.5"),
    progress: Callable[[int], None] | None = None,
) -> Forecasts:
    """One forecast per live state of every game with a winner (ties and unfinished games skipped)."""
    from inplay.strategy.winprob import win_probability

    forecasts = Forecasts()
    for timeline in timelines:
        forecasts.games += 1
        if progress is not None:
            progress(forecasts.games)
        if timeline.home_won is None:
            continue
        forecasts.decided += 1
        won = timeline.home_won
        for state in timeline.states:
            win = win_probability(state, espn_weight=espn_weight)
            if win is None:
                continue
            forecasts.model_names.add(win.model_name)
            forecasts.blend.append((win.home, won))
            forecasts.model.append((win.model, won))
            if win.espn is not None:
                forecasts.espn.append((win.espn, won))
    return forecasts


def _timelines(args: argparse.Namespace) -> tuple[Iterator[GameTimeline], str, int | None]:
    from local.backtest.games import recorded_games, simulated_games

    if args.espn_dir is not None:
        source = recorded_games(args.espn_dir.expanduser(), league=args.league)
        label = f"recorded games under {args.espn_dir}"
        limit = args.games
        if limit is not None:
            source = _take(source, limit)
        return source, label, limit
    if args.league is None:
        raise CliError("--league is required unless --espn-dir is given")
    count = args.games if args.games is not None else _DEFAULT_GAMES
    return simulated_games(args.league, count, args.seed), f"{count} simulated games, seed {args.seed}", count


def _take(items: Iterator[GameTimeline], limit: int) -> Iterator[GameTimeline]:
    for index, item in enumerate(items):
        if index >= limit:
            return
        yield item


def _progress_bar(total: int | None) -> Callable[[int], None] | None:
    if total is None or total < 2 or not sys.stderr.isatty():
        return None

    def show(done: int) -> None:
        width = 30
        filled = width * done // total
        end = "\n" if done >= total else ""
        print(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} games", end=end, file=sys.stderr)

    return show


def _calibrate(args: argparse.Namespace) -> int:
    from inplay.strategy.calibration import CalibrationError, calibrate, format_report
    from local.backtest.games import BacktestInputError

    try:
        timelines, label, total = _timelines(args)
        forecasts = collect_forecasts(timelines, espn_weight=args.espn_weight, progress=_progress_bar(total))
    except BacktestInputError as exc:
        raise CliError(str(exc)) from None
    league = args.league or "all leagues"
    print(f"{league}: {label}; {forecasts.games} games, {forecasts.decided} with a winner")
    if not forecasts.model:
        raise CliError("no live states in games with a winner: nothing to score", 1)
    model_title = f"model alone ({', '.join(sorted(forecasts.model_names))})"
    if forecasts.espn:
        sections = [
            (f"blend (what the strategy trades; ESPN weight {args.espn_weight})", forecasts.blend),
            (model_title, forecasts.model),
            (f"ESPN alone ({len(forecasts.espn)} states with an ESPN probability)", forecasts.espn),
        ]
    else:
        sections = [
            (f"{model_title}: no ESPN probability in these games, so the blend is the model", forecasts.model)
        ]
    for title, pairs in sections:
        print()
        print(f"== {title} ==")
        try:
            print(format_report(calibrate(pairs, bins=args.bins)))
        except CalibrationError as exc:
            raise CliError(str(exc)) from None
    return 0
