"""Recorded fills and the positions they build, pure (no I/O).

A position is one bot's net holding in one market on one venue, in YES terms: ``contracts`` > 0
holds YES, < 0 holds NO. ``cost`` is what the open contracts cost in YES terms (positive for a
YES holding, negative for a NO holding: selling YES at p receives p), so the average entry YES
price is ``cost / contracts``. Reductions realize P&L at average cost; a fill larger than the
holding closes it and opens the other way with the rest.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field

from inplay.money import Count, Dollars
from inplay.orders.intents import IntentRecord, TradingMode
from inplay.venues.base import Action, Fill, OutcomeSide, UtcDatetime

__all__ = [
    "FillRecord",
    "PositionState",
    "PositionStatus",
    "apply_fill",
    "fill_record",
    "position_id_for",
    "price_on_side",
]

_PLACES: Final = Decimal("0.000001")
ZERO: Final = Decimal(0)


class PositionStatus(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


def position_id_for(bot_id: str, venue: str, market_ticker: str, mode: TradingMode) -> str:
    """One position per bot, venue, market and mode: paper and live holdings never share a row
    (a paper id ends in ``#paper``)."""
    base = f"{bot_id}#{venue}#{market_ticker}"
    return base if mode is TradingMode.LIVE else f"{base}#{mode.value}"


def price_on_side(fill: Fill, side: OutcomeSide) -> Decimal:
    """The fill's price expressed on ``side`` (a NO price is ``1 −`` the YES price)."""
    return fill.price if fill.side is side else Decimal(1) - fill.price


class FillRecord(BaseModel):
    """One venue fill as the fills table stores it (keyed by ``fill_id`` = venue + venue fill id)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: str
    fill_id: str
    venue: str
    venue_fill_id: str
    intent_id: str
    bot_id: str
    order_id: str
    market_ticker: str
    side: OutcomeSide
    action: Action
    price: Dollars
    """The intent side's price (whatever form the venue reported the fill in)."""
    count: Count
    fee: Dollars
    is_taker: bool
    yes_direction: Annotated[int, Field(ge=-1, le=1)]
    yes_price: Dollars
    filled_at: UtcDatetime
    mode: TradingMode
    realized_pnl: Dollars = ZERO
    """P&L this fill realized on the position (before fees); set when it is applied."""


def fill_record(fill: Fill, intent: IntentRecord, *, recorded_at: datetime) -> FillRecord:
    """A venue fill of ``intent``'s order, in the intent's side terms."""
    return FillRecord(
        user_id=intent.user_id,
        fill_id=f"{intent.venue}#{fill.fill_id}",
        venue=intent.venue,
        venue_fill_id=fill.fill_id,
        intent_id=intent.intent_id,
        bot_id=intent.bot_id,
        order_id=fill.order_id,
        market_ticker=fill.market_ticker,
        side=intent.side,
        action=intent.action,
        price=price_on_side(fill, intent.side),
        count=fill.count,
        fee=fill.fee,
        is_taker=fill.is_taker,
        yes_direction=fill.yes_direction,
        yes_price=fill.yes_price,
        filled_at=fill.created_time or recorded_at,
        mode=intent.mode,
    )


class PositionState(BaseModel):
    """One position row (see the module docstring for the sign conventions)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: str
    position_id: str
    bot_id: str
    venue: str
    market_ticker: str
    mode: TradingMode
    contracts: Decimal = ZERO
    cost: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    fees: Decimal = ZERO
    fills: Annotated[int, Field(ge=0)] = 0
    opened_at: UtcDatetime
    updated_at: UtcDatetime
    closed_at: UtcDatetime | None = None
    last_fill_id: str | None = None
    last_intent_id: str | None = None
    version: Annotated[int, Field(ge=0)] = 0
    """0 = not stored yet."""

    @property
    def status(self) -> PositionStatus:
        return PositionStatus.OPEN if self.contracts != 0 else PositionStatus.CLOSED

    @property
    def average_entry_yes_price(self) -> Decimal | None:
        if self.contracts == 0:
            return None
        return (self.cost / self.contracts).quantize(_PLACES, rounding=ROUND_HALF_EVEN)


def _round(value: Decimal) -> Decimal:
    return value.quantize(_PLACES, rounding=ROUND_HALF_EVEN)


def apply_fill(
    current: PositionState | None, fill: FillRecord, *, now: datetime
) -> tuple[PositionState, Decimal]:
    """``(new position, P&L realized by this fill)``; ``version`` is left for the store to bump."""
    if current is None:
        current = PositionState(
            user_id=fill.user_id,
            position_id=position_id_for(fill.bot_id, fill.venue, fill.market_ticker, fill.mode),
            bot_id=fill.bot_id,
            venue=fill.venue,
            market_ticker=fill.market_ticker,
            mode=fill.mode,
            opened_at=fill.filled_at,
            updated_at=now,
        )
    held, cost = current.contracts, current.cost
    direction, quantity, price = fill.yes_direction, fill.count, fill.yes_price
    realized = ZERO
    opened_at = current.opened_at if held != 0 else fill.filled_at
    if held == 0 or (held > 0) == (direction > 0):
        cost += direction * quantity * price
        held += direction * quantity
    else:
        closing = min(quantity, abs(held))
        removed = cost if closing == abs(held) else _round(cost * closing / abs(held))
        sign = 1 if held > 0 else -1
        realized = _round(sign * closing * price - removed)
        cost -= removed
        held += direction * closing
        rest = quantity - closing
        if rest > 0:
            held = direction * rest
            cost = direction * rest * price
            opened_at = fill.filled_at
    updated = current.model_copy(
        update={
            "contracts": held,
            "cost": cost if held != 0 else ZERO,
            "realized_pnl": current.realized_pnl + realized,
            "fees": current.fees + fill.fee,
            "fills": current.fills + 1,
            "opened_at": opened_at,
            "updated_at": now,
            "closed_at": now if held == 0 else None,
            "last_fill_id": fill.fill_id,
            "last_intent_id": fill.intent_id,
        }
    )
    return updated, realized
