"""Venue evidence that may close or explain a gap: our unrecorded fills, and market settlement.

A settlement is recorded as one synthetic fill per position, through the normal fill path
(:meth:`~inplay.store.trades.DynamoTradeStore.record_fill`), so the position closes and its P&L is
realized exactly like any other exit. Its id is deterministic — ``settle:<ticker>:<bot_id>`` (the
fills table key is ``<venue>#settle:<ticker>:<bot_id>``) — so a repeated run records it once.
It sells the held side at the settlement value: $1 when the held side won, $0 when it lost;
fee 0 (Kalshi charges no settlement fee).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Final

from inplay.orders.fills import FillRecord, PositionState
from inplay.orders.intents import IntentRecord
from inplay.venues.base import Action, Fill, Market, MarketStatus, OutcomeSide

__all__ = ["SETTLEMENT_PREFIX", "Evidence", "settlement_fill", "settlement_id"]

SETTLEMENT_PREFIX: Final = "settle:"
ONE: Final = Decimal(1)
ZERO: Final = Decimal(0)


@dataclass(slots=True)
class Evidence:
    """What the venue showed for the markets with a gap (read before anything is written)."""

    ours: dict[str, list[tuple[Fill, IntentRecord]]] = field(default_factory=dict)
    """Per market: venue fills of our orders that the store has not recorded, with their intent."""
    foreign: dict[str, int] = field(default_factory=dict)
    """Per market: how many unrecorded venue fills belong to orders that are not ours."""
    markets: dict[str, Market] = field(default_factory=dict)
    """Markets read for a settlement (only where fills do not close the gap)."""

    def net_ours(self, ticker: str) -> Decimal:
        """Signed YES contracts our unrecorded fills add to the store's position."""
        return sum((Decimal(fill.yes_direction) * fill.count for fill, _ in self.ours.get(ticker, ())), ZERO)

    def settlement(self, ticker: str) -> OutcomeSide | None:
        """The winning side when the market is settled with a yes/no result."""
        market = self.markets.get(ticker)
        if market is None or market.status is not MarketStatus.SETTLED:
            return None
        return market.result


def settlement_id(ticker: str, bot_id: str) -> str:
    return f"{SETTLEMENT_PREFIX}{ticker}:{bot_id}"


def settlement_fill(position: PositionState, result: OutcomeSide, *, at: datetime) -> FillRecord:
    """The synthetic fill that closes ``position`` at the settlement value of ``result``."""
    if position.contracts == 0:
        raise ValueError(f"position {position.position_id} is flat: nothing to settle")
    held = OutcomeSide.YES if position.contracts > 0 else OutcomeSide.NO
    value = ONE if held is result else ZERO
    yes_price = value if held is OutcomeSide.YES else ONE - value
    synthetic = settlement_id(position.market_ticker, position.bot_id)
    return FillRecord(
        user_id=position.user_id,
        fill_id=f"{position.venue}#{synthetic}",
        venue=position.venue,
        venue_fill_id=synthetic,
        intent_id=synthetic,
        bot_id=position.bot_id,
        order_id=f"{SETTLEMENT_PREFIX}{position.market_ticker}",
        market_ticker=position.market_ticker,
        side=held,
        action=Action.SELL,
        price=value,
        count=abs(position.contracts),
        fee=ZERO,
        is_taker=False,
        yes_direction=-1 if held is OutcomeSide.YES else 1,
        yes_price=yes_price,
        filled_at=at,
        mode=position.mode,
    )
