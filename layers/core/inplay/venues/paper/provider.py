"""Venue providers for paper trading: :class:`PaperVenues` and :class:`ModeRoutedVenues`.

A paper account is per (user, venue): ``PaperVenues.account_key`` is ``paper:<venue>:<user>``, so
the reconciler and the kill switch treat it as an account of its own, never mixed with live.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final

from inplay.orders.intents import IntentRecord, TradingMode
from inplay.venues.base import Venue
from inplay.venues.factory import VenueConfigError, VenueProvider
from inplay.venues.paper.engine import FeeModel
from inplay.venues.paper.ledger import PaperLedger
from inplay.venues.paper.market_data import MarketData
from inplay.venues.paper.venue import PaperVenue

__all__ = ["DEFAULT_STARTING_BALANCE", "ModeRoutedVenues", "PaperVenues", "ledger_key"]

DEFAULT_STARTING_BALANCE: Final = Decimal(10_000)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def ledger_key(user_id: str, venue: str) -> str:
    """The paper table's partition key of an account: ``<venue>#<user_id>``."""
    return f"{venue}#{user_id}"


class PaperVenues:
    """:class:`VenueProvider` of paper accounts; ``market_data`` maps a venue name (``kalshi``) to
    where its book and tape are read. LIVE is refused: a paper provider never trades money."""

    def __init__(
        self,
        *,
        ledger: PaperLedger,
        market_data: Mapping[str, MarketData],
        starting_balance: Decimal = DEFAULT_STARTING_BALANCE,
        fees: FeeModel | None = None,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.ledger = ledger
        self._market_data = dict(market_data)
        self._start = starting_balance
        self._fees = fees or FeeModel()
        self._now = now

    def venue_for(self, intent: IntentRecord) -> Venue:
        return self.account(intent.user_id, intent.venue, intent.mode)

    def account(self, user_id: str, venue: str, mode: TradingMode) -> PaperVenue:
        if mode is not TradingMode.PAPER:
            raise VenueConfigError("live_on_paper", "a LIVE intent reached the paper venue; refusing")
        data = self._market_data.get(venue)
        if data is None:
            raise VenueConfigError("venue_unsupported", f"venue {venue!r} has no paper market data")
        return PaperVenue(
            account=ledger_key(user_id, venue),
            ledger=self.ledger,
            market_data=data,
            starting_balance=self._start,
            fees=self._fees,
            now=self._now,
        )

    def account_key(self, user_id: str, venue: str, mode: TradingMode) -> str:
        return f"paper:{venue}:{user_id}"

    def close(self) -> None:
        for data in self._market_data.values():
            closer = getattr(data, "close", None)
            if callable(closer):
                closer()


class ModeRoutedVenues:
    """PAPER to ``paper``, LIVE to ``live``: one provider for every trading function."""

    def __init__(self, *, live: VenueProvider, paper: VenueProvider) -> None:
        self.live = live
        self.paper = paper

    def _route(self, mode: TradingMode) -> VenueProvider:
        return self.paper if mode is TradingMode.PAPER else self.live

    def venue_for(self, intent: IntentRecord) -> Venue:
        return self._route(intent.mode).venue_for(intent)

    def account(self, user_id: str, venue: str, mode: TradingMode) -> Venue:
        return self._route(mode).account(user_id, venue, mode)

    def account_key(self, user_id: str, venue: str, mode: TradingMode) -> str:
        return self._route(mode).account_key(user_id, venue, mode)

    def close(self) -> None:
        for provider in (self.live, self.paper):
            closer = getattr(provider, "close", None)
            if callable(closer):
                closer()


def _check_protocols(
    paper: PaperVenues, routed: ModeRoutedVenues, venue: PaperVenue
) -> tuple[VenueProvider, VenueProvider, Venue]:
    return paper, routed, venue  # mypy proves the classes satisfy the protocols
