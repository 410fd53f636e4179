"""Typed payloads for the order records (ENTRY / EXIT / CANCEL / ERROR).

An order record holds what a person needs to judge the decision afterwards: the order (the
intent as the ledger holds it), the market at decision time (book, reference price), the game
state, the confidence breakdown and the risk picture before the order (daily P&L, open positions).
Pass an :class:`OrderAuditPayload` as the ``payload`` of an append; it is stored as canonical JSON.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from inplay.money import Dollars
from inplay.orders.intents import ErrorInfo, IntentRecord
from inplay.sports.models import GameState
from inplay.venues.base import OrderBook, UtcDatetime

__all__ = ["MarketSnapshot", "OrderAuditPayload", "RiskSnapshot"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MarketSnapshot(_Model):
    """The market as the strategy saw it when it decided."""

    market_ticker: Annotated[str, Field(min_length=1)]
    observed_at: UtcDatetime | None = None
    book: OrderBook | None = None
    reference_price: Dollars | None = None
    """The price the decision was made against (best ask for a buy, best bid for a sell …)."""
    fair_value: Dollars | None = None


class RiskSnapshot(_Model):
    """The risk picture just before the order."""

    daily_pnl_before: Dollars
    open_positions: Annotated[int, Field(ge=0)]
    open_exposure: Dollars | None = None
    kill_switch_armed: bool | None = None
    extra: dict[str, Decimal] = Field(default_factory=dict)
    """More metrics by name (drawdown, consecutive losses …), as exact Decimals."""


class OrderAuditPayload(_Model):
    """The payload of an ENTRY / EXIT / CANCEL / ERROR record."""

    intent: IntentRecord
    reason: str | None = None
    """Why: the entry signal, the exit rule (``take_profit``, ``kill_switch`` …), the cancel cause."""
    market: MarketSnapshot | None = None
    game: GameState | None = None
    confidence: dict[str, Decimal] = Field(default_factory=dict)
    """The confidence breakdown by component (and ``total``), as exact Decimals."""
    risk: RiskSnapshot | None = None
    error: ErrorInfo | None = None
