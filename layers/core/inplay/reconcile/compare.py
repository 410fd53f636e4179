"""The in-memory comparison of one venue account with the store, per market (pure, no I/O).

The venue holds one net position per market for the whole account (signed YES contracts); the
store holds one position per bot per market. A market is compared as the venue's position
against the SUM of the store's open positions for every (venue, mode) pair the account serves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final

from inplay.orders.fills import PositionState
from inplay.orders.intents import IntentRecord
from inplay.reconcile.model import VenueAccount
from inplay.risk.records import FindingKind
from inplay.venues.base import Position

__all__ = ["MarketView", "is_lagging", "market_views", "price_gap"]

ZERO: Final = Decimal(0)
_PLACES: Final = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class MarketView:
    """One market of one account: what the store and the venue hold, and how fresh our side is."""

    ticker: str
    positions: tuple[PositionState, ...]
    """The store's open positions of the account in this market (one per bot)."""
    venue: Position | None
    last_change: datetime | None
    """Our newest store change here (a position update, an intent transition)."""
    in_flight: tuple[str, ...]
    """Intents of ours in this market that a live workflow still owns (not terminal, not stale)."""

    @property
    def store_contracts(self) -> Decimal:
        return sum((position.contracts for position in self.positions), ZERO)

    @property
    def venue_contracts(self) -> Decimal:
        return self.venue.position if self.venue is not None else ZERO

    @property
    def gap(self) -> FindingKind | None:
        """How the two sides differ: an orphan (venue only), a ghost (store only), a mismatch."""
        store, venue = self.store_contracts, self.venue_contracts
        if store == venue:
            return None
        if store == 0:
            return FindingKind.ORPHAN_POSITION
        if venue == 0:
            return FindingKind.GHOST_POSITION
        return FindingKind.QUANTITY_MISMATCH


def market_views(
    account: VenueAccount,
    positions: Iterable[PositionState],
    intents: Iterable[IntentRecord],
    venue_positions: Mapping[str, Position],
    *,
    in_flight: Iterable[IntentRecord] = (),
) -> dict[str, MarketView]:
    """Every market either side holds something in (or that had a store change), by ticker."""
    mine = [p for p in positions if account.holds(p.venue, p.mode) and p.contracts != 0]
    by_market: dict[str, list[PositionState]] = {}
    changed: dict[str, datetime] = {}
    for position in mine:
        by_market.setdefault(position.market_ticker, []).append(position)
        _later(changed, position.market_ticker, position.updated_at)
    for intent in intents:
        if account.holds(intent.venue, intent.mode):
            _later(changed, intent.market_ticker, intent.updated_at)
    flying: dict[str, list[str]] = {}
    for intent in in_flight:
        if account.holds(intent.venue, intent.mode):
            flying.setdefault(intent.market_ticker, []).append(intent.intent_id)
    tickers = set(by_market) | {t for t, p in venue_positions.items() if p.position != 0}
    return {
        ticker: MarketView(
            ticker=ticker,
            positions=tuple(sorted(by_market.get(ticker, ()), key=lambda p: p.position_id)),
            venue=venue_positions.get(ticker),
            last_change=changed.get(ticker),
            in_flight=tuple(sorted(flying.get(ticker, ()))),
        )
        for ticker in sorted(tickers)
    }


def _later(latest: dict[str, datetime], key: str, moment: datetime) -> None:
    current = latest.get(key)
    if current is None or moment > current:
        latest[key] = moment


def is_lagging(last_change: datetime | None, data_time: datetime, margin: timedelta) -> bool:
    """True when the venue's data may predate our own latest change (so it cannot judge it)."""
    return last_change is not None and last_change > data_time - margin


def _held_side_average(view: MarketView) -> Decimal | None:
    """The store's average entry price on the side held (None if bots hold opposite sides)."""
    contracts = view.store_contracts
    if contracts == 0 or any((p.contracts > 0) != (contracts > 0) for p in view.positions):
        return None
    yes_average = sum((p.cost for p in view.positions), ZERO) / contracts
    return yes_average if contracts > 0 else Decimal(1) - yes_average


def price_gap(view: MarketView, tolerance: Decimal) -> tuple[Decimal, Decimal] | None:
    """``(store, venue)`` average entry prices on the held side when they differ by more than
    ``tolerance``; None when they agree or either side cannot tell (no exposure reported)."""
    venue = view.venue
    if venue is None or venue.position == 0 or venue.exposure <= 0 or view.gap is not None:
        return None
    store_average = _held_side_average(view)
    if store_average is None:
        return None
    venue_average = venue.exposure / abs(venue.position)
    store_q = store_average.quantize(_PLACES, rounding=ROUND_HALF_EVEN)
    venue_q = venue_average.quantize(_PLACES, rounding=ROUND_HALF_EVEN)
    if abs(store_q - venue_q) <= tolerance:
        return None
    return store_q, venue_q
