"""Trading performance from closed positions: the equity curve and per-league statistics.

One closed position contributes its net result, ``realized_pnl − fees`` (both accumulate over the
position row's life: a market re-entered after closing adds to the same row), at the time it
closed. A position is a win when its net is above zero, a loss below, flat at zero; the win rate
is ``wins / (wins + losses)`` to 4 places (``null`` without either). The league comes from the
market ticker's series (``KXNBAGAME-…`` → ``nba``); an unknown series is league ``null``.

At most :data:`MAX_POSITIONS` closed positions (the most recently opened) are read; ``truncated``
says more exist, so an old part of a long window may be missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Final, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, PlainSerializer, WithJsonSchema

from inplay.api.errors import BadRequest
from inplay.money import Dollars
from inplay.orders.fills import PositionState, PositionStatus
from inplay.orders.intents import TradingMode
from inplay.sports.models import League
from inplay.sports.teams import league_for_series

__all__ = [
    "DEFAULT_DAYS",
    "MAX_DAYS",
    "MAX_POSITIONS",
    "ClosedPositionsReader",
    "EquityPoint",
    "LeagueStats",
    "Performance",
    "PerformanceDeps",
    "TradingModeReader",
    "league_of",
    "performance",
]

DEFAULT_DAYS: Final = 30
MAX_DAYS: Final = 365
MAX_POSITIONS: Final = 1000
"""Most closed positions one request reads."""
_RATE_PLACES: Final = Decimal("0.0001")
_ZERO: Final = Decimal(0)
_LEAGUE_ORDER: Final = {league: index for index, league in enumerate(League)}

WinRate = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value:f}", return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[01]\.\d{4}$",
            "description": "wins / (wins + losses), a decimal string with 4 places",
        }
    ),
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EquityPoint(_Model):
    """One closed position on the equity curve (oldest first)."""

    at: AwareDatetime
    """When the position closed."""
    market_ticker: str
    league: League | None
    net: Dollars
    """``realized_pnl − fees`` of this position."""
    cumulative: Dollars
    """The sum of ``net`` up to and including this point."""


class LeagueStats(_Model):
    """Closed positions of one league (``league: null``: unknown series; in ``totals``: all)."""

    league: League | None
    positions: int
    wins: int
    losses: int
    flat: int
    win_rate: WinRate | None
    """``wins / (wins + losses)`` to 4 places; ``null`` when there are neither."""
    realized: Dollars
    fees: Dollars
    net: Dollars


class Performance(_Model):
    mode: TradingMode
    since: AwareDatetime
    as_of: AwareDatetime
    """The window: positions closed at or after ``since`` and at or before ``as_of``."""
    truncated: bool
    """More closed positions exist than were read (:data:`MAX_POSITIONS`): older ones may be missing."""
    equity: list[EquityPoint]
    leagues: list[LeagueStats]
    """Only leagues with closed positions in the window; league order, unknown (``null``) last."""
    totals: LeagueStats


class ClosedPositionsReader(Protocol):
    def closed_positions(self, user_id: str, *, limit: int) -> list[PositionState]:
        """Up to ``limit`` closed positions, most recently opened first."""
        ...


class TradingModeReader(Protocol):
    def trading_mode(self, user_id: str) -> TradingMode: ...


@dataclass(frozen=True, slots=True)
class PerformanceDeps:
    positions: ClosedPositionsReader
    modes: TradingModeReader


def league_of(market_ticker: str) -> League | None:
    """The league of a game-winner market (``KXNBAGAME-26NOV24NYKBOS-BOS`` → NBA), else ``None``."""
    return league_for_series(market_ticker.split("-", 1)[0])


def _closed_at(position: PositionState) -> datetime:
    return (position.closed_at or position.updated_at).astimezone(UTC)


def _stats(league: League | None, positions: Sequence[PositionState]) -> LeagueStats:
    nets = [p.realized_pnl - p.fees for p in positions]
    wins = sum(1 for net in nets if net > 0)
    losses = sum(1 for net in nets if net < 0)
    decided = wins + losses
    rate = (Decimal(wins) / Decimal(decided)).quantize(_RATE_PLACES, ROUND_HALF_EVEN) if decided else None
    realized = sum((p.realized_pnl for p in positions), _ZERO)
    fees = sum((p.fees for p in positions), _ZERO)
    return LeagueStats(
        league=league,
        positions=len(positions),
        wins=wins,
        losses=losses,
        flat=len(positions) - decided,
        win_rate=rate,
        realized=realized,
        fees=fees,
        net=realized - fees,
    )


def _by_league(positions: Iterable[PositionState]) -> list[LeagueStats]:
    groups: dict[League | None, list[PositionState]] = {}
    for position in positions:
        groups.setdefault(league_of(position.market_ticker), []).append(position)
    order = sorted(groups, key=lambda league: len(_LEAGUE_ORDER) if league is None else _LEAGUE_ORDER[league])
    return [_stats(league, groups[league]) for league in order]


def performance(
    deps: PerformanceDeps,
    *,
    user_id: str,
    now: datetime,
    mode: TradingMode | None = None,
    days: int = DEFAULT_DAYS,
) -> Performance:
    """The caller's closed positions of ``mode`` (default: their current trading mode) that closed
    in the last ``days`` days (1 to :data:`MAX_DAYS`): equity curve, per-league stats and totals."""
    if not 1 <= days <= MAX_DAYS:
        raise BadRequest("invalid request", errors=[f"days: must be between 1 and {MAX_DAYS}"])
    as_of = now.astimezone(UTC)
    since = as_of - timedelta(days=days)
    chosen = mode if mode is not None else deps.modes.trading_mode(user_id)
    read = deps.positions.closed_positions(user_id, limit=MAX_POSITIONS + 1)
    truncated = len(read) > MAX_POSITIONS
    closed = sorted(
        (
            p
            for p in read[:MAX_POSITIONS]
            if p.mode is chosen and p.status is PositionStatus.CLOSED and since <= _closed_at(p) <= as_of
        ),
        key=lambda p: (_closed_at(p), p.position_id),
    )
    equity: list[EquityPoint] = []
    running = _ZERO
    for position in closed:
        net = position.realized_pnl - position.fees
        running += net
        equity.append(
            EquityPoint(
                at=_closed_at(position),
                market_ticker=position.market_ticker,
                league=league_of(position.market_ticker),
                net=net,
                cumulative=running,
            )
        )
    return Performance(
        mode=chosen,
        since=since,
        as_of=as_of,
        truncated=truncated,
        equity=equity,
        leagues=_by_league(closed),
        totals=_stats(None, closed),
    )
