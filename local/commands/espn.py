"""``inplay espn``: ESPN tools. ``inplay espn parse FILE [--league SLUG]`` prints the parsed games.

Output is a JSON array (indent 2), one object per game. Decimal fields (``clock_seconds``,
``home_win_prob``, ``spread``) are written as JSON numbers with the Decimal's exact digits
(``349.0``, ``0.634``), never through a float; absent values are ``null``. ``start_time`` is
ISO 8601 UTC with a ``Z``.
"""

from __future__ import annotations

import json
import re
import secrets
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from inplay.sports.espn import EspnPayloadError, parse_payload
from inplay.sports.models import League
from local.cli import CliError

if TYPE_CHECKING:
    import argparse

    from inplay.sports.models import GameState, TeamState

__all__ = ["game_to_json", "games_to_json", "register"]

_NUMBER_TEXT: Final = r"-?[0-9]+(?:\.[0-9]+)?(?:E[+-]?[0-9]+)?"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("espn", help="ESPN tools (parse scoreboard/summary JSON)")
    commands = parser.add_subparsers(dest="espn_command", required=True, metavar="SUBCOMMAND")
    parse = commands.add_parser(
        "parse",
        help="parse an ESPN scoreboard or summary JSON file and print the games as JSON",
        description="Parse an ESPN scoreboard or summary JSON file (use - for stdin).",
    )
    parse.add_argument("file", metavar="FILE", help="path to the JSON file, or - for standard input")
    parse.add_argument(
        "--league",
        choices=[league.value for league in League],
        help="league slug; required when the payload does not name its league",
    )
    parse.set_defaults(func=run_parse)


def run_parse(args: argparse.Namespace) -> int:
    text = _read(args.file)
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(
            f"{args.file}: invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    try:
        games = parse_payload(payload, args.league)
    except EspnPayloadError as exc:
        raise CliError(f"{args.file}: not a usable ESPN payload: {exc}") from None
    sys.stdout.write(games_to_json(games) + "\n")
    return 0


def _read(name: str) -> str:
    try:
        if name == "-":
            return sys.stdin.read()
        return Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise CliError(f"cannot read {name}: {reason}") from None


def game_to_json(game: GameState) -> dict[str, Any]:
    """One game as plain JSON-ready values; Decimals stay Decimals (see :func:`games_to_json`)."""
    return {
        "event_id": game.event_id,
        "league": game.league.value,
        "name": game.name,
        "state": game.state.value,
        "completed": game.completed,
        "status": game.status.value,
        "is_final": game.is_final,
        "status_detail": game.status_detail,
        "period": game.period,
        "clock_seconds": game.clock_seconds,
        "display_clock": game.display_clock,
        "start_time": game.start_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "neutral_site": game.neutral_site,
        "home_win_prob": game.home_win_prob,
        "spread": game.spread,
        "home_moneyline": game.home_moneyline,
        "away_moneyline": game.away_moneyline,
        "home": _team(game.home),
        "away": _team(game.away),
        "situation": game.situation,
    }


def _team(team: TeamState) -> dict[str, Any]:
    return {
        "team_id": team.team_id,
        "abbreviation": team.abbreviation,
        "name": team.name,
        "score": team.score,
    }


def games_to_json(games: list[GameState]) -> str:
    """The games as a JSON array (indent 2) with every Decimal written as an exact JSON number."""

    # json cannot write a raw number from a Decimal: write a marked string, then unquote it. The
    # mark is random per call, so no string in the payload can forge it.
    mark = f"decimal-{secrets.token_hex(8)}:"

    def encode(value: object) -> str:
        if isinstance(value, Decimal):
            return f"{mark}{value}"
        raise TypeError(f"not JSON serializable: {type(value).__name__}")

    text = json.dumps([game_to_json(game) for game in games], indent=2, ensure_ascii=False, default=encode)
    return re.sub(f'"{re.escape(mark)}({_NUMBER_TEXT})"', r"\1", text)
