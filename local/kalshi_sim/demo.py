"""The demo exchange ``inplay sim kalshi`` starts: NBA game-winner markets with two-sided
liquidity that moves, and a funded demo account with an API key."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from .makers import MakerConfig
from .simulator import GameMarkets, KalshiSimulator, SimCredentials, Team

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["DEMO_BALANCE_CENTS", "DEMO_GAMES", "DemoExchange", "setup_demo", "write_credentials"]

DEMO_BALANCE_CENTS: Final = 1_000_000
"""$10,000."""
DEMO_GAMES: Final = (
    (Team("BOS", "Boston"), Team("LAL", "Los Angeles L"), "0.42"),
    (Team("NYK", "New York"), Team("MIA", "Miami"), "0.55"),
    (Team("GSW", "Golden State"), Team("DEN", "Denver"), "0.61"),
)
"""(away, home, home team's starting fair value)."""


@dataclass(frozen=True, slots=True)
class DemoExchange:
    games: tuple[GameMarkets, ...]
    credentials: SimCredentials


def setup_demo(
    sim: KalshiSimulator,
    *,
    private_key_path: Path | None = None,
    balance_cents: int = DEMO_BALANCE_CENTS,
    moving: bool = True,
) -> DemoExchange:
    """Open the demo games (makers on every market; with ``moving``, random-walk fair values and
    noise takers) and create the demo account (tier ``advanced``)."""
    games = []
    start = sim.now_ms() + 30 * 60_000
    for away, home, fair in DEMO_GAMES:
        game = sim.add_game(
            away, home, start_ms=start, home_fair=Decimal(fair), maker=MakerConfig(), noise=moving
        )
        if moving:
            sim.set_random_walk(game.home_ticker, sigma="0.004", step_ms=5_000)
        games.append(game)
    credentials = sim.create_user_with_key(
        balance_cents=balance_cents, tier="advanced", private_key_path=private_key_path
    )
    return DemoExchange(tuple(games), credentials)


def write_credentials(path: Path, base_url: str, credentials: SimCredentials) -> None:
    """``{"base_url", "key_id", "private_key_path"}`` — the file a bot or the SDK reads."""
    if credentials.private_key_path is None:
        raise ValueError("the credentials need a private key written to a file")
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "base_url": base_url,
        "key_id": credentials.key_id,
        "private_key_path": str(credentials.private_key_path.resolve()),
    }
    path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
