"""Where the paper venue reads the market: the book, the market's status and the public tape.

:class:`KalshiMarketData` reads Kalshi's public endpoints (no credentials) through a
:class:`~inplay.venues.kalshi.client.KalshiClient` pointed at production, demo or the local
simulator. The backtest and tests pass any object with these methods.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING, Final, Protocol

from inplay.venues.base import ExchangeStatus, Market, OrderBook
from inplay.venues.paper.engine import TapeMark, TapeTrade

if TYPE_CHECKING:
    from inplay.venues.kalshi.client import KalshiClient
    from inplay.venues.kalshi.models import KalshiTrade

__all__ = ["KalshiMarketData", "MarketData"]

MARK_PAGE: Final = 100
"""Trades read to find the newest timestamp on the tape (one page in practice)."""


class MarketData(Protocol):
    """Public market data; every method raises only ``VenueError`` subclasses."""

    def exchange_status(self) -> ExchangeStatus: ...

    def market(self, ticker: str) -> Market: ...

    def orderbook(self, ticker: str, *, depth: int = 0) -> OrderBook: ...

    def trades(self, ticker: str, *, since: datetime | None) -> list[TapeTrade]:
        """The market's trades at or after ``since`` (all when None), oldest first. The venue may
        round ``since`` down (Kalshi: whole seconds), so callers filter with a :class:`TapeMark`."""
        ...

    def tape_mark(self, ticker: str) -> TapeMark | None:
        """The newest point of the tape (None: the market never traded)."""
        ...


class KalshiMarketData:
    """:class:`MarketData` over Kalshi's public REST endpoints."""

    def __init__(self, client: KalshiClient) -> None:
        self.client = client

    def exchange_status(self) -> ExchangeStatus:
        return self.client.exchange_status()

    def market(self, ticker: str) -> Market:
        return self.client.get_market(ticker)

    def orderbook(self, ticker: str, *, depth: int = 0) -> OrderBook:
        return self.client.get_orderbook(ticker, depth=depth)

    def trades(self, ticker: str, *, since: datetime | None) -> list[TapeTrade]:
        min_ts = math.floor(since.timestamp()) if since is not None else None
        found = [_tape(trade) for trade in self.client.iter_trades(ticker, min_ts)]
        found.sort(key=lambda t: (t.created_time, t.trade_id))
        return found

    def tape_mark(self, ticker: str) -> TapeMark | None:
        newest: list[TapeTrade] = []
        for trade in self.client.iter_trades(ticker, page_size=MARK_PAGE, max_pages=None):
            tape = _tape(trade)
            if newest and tape.created_time < newest[0].created_time:
                break
            newest.append(tape)
        return TapeMark.after(newest)

    def close(self) -> None:
        self.client.close()


def _tape(trade: KalshiTrade) -> TapeTrade:
    return TapeTrade(
        trade_id=trade.trade_id,
        yes_price=trade.yes_price_dollars,
        count=trade.count_fp,
        taker_yes_direction=trade.taker_yes_direction,
        created_time=trade.created_time,
    )
