"""The paper venue of a backtest: :class:`inplay.venues.paper.PaperVenue` with an in-memory ledger,
reading the simulated books through :class:`SimMarketData` (the paper venue's ``MarketData``) on
the simulated exchange's clock."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final

from inplay.venues.base import ExchangeStatus, Market, OrderBook, Venue
from inplay.venues.paper.engine import TapeMark, TapeTrade
from local.backtest.books import SimBooks

__all__ = ["PAPER_ACCOUNT", "SimMarketData", "paper_venue"]

PAPER_ACCOUNT: Final = "paper:kalshi:backtest-user"


class SimMarketData:
    """``inplay.venues.paper.market_data.MarketData`` over the in-process simulated exchange."""

    def __init__(self, books: SimBooks) -> None:
        self.books = books

    def exchange_status(self) -> ExchangeStatus:
        exchange = self.books.sim.exchange
        return ExchangeStatus(
            exchange_active=exchange.exchange_active, trading_active=exchange.trading_active
        )

    def market(self, ticker: str) -> Market:
        return self.books.market(ticker)

    def orderbook(self, ticker: str, *, depth: int = 0) -> OrderBook:
        book = self.books.orderbook(ticker)
        if depth > 0:
            book = book.model_copy(
                update={"yes_bids": book.yes_bids[:depth], "no_bids": book.no_bids[:depth]}
            )
        return book

    def trades(self, ticker: str, *, since: datetime | None) -> list[TapeTrade]:
        since_ms = None if since is None else int(since.timestamp() * 1000)
        with self.books.sim.lock:
            found = self.books.sim.exchange.market(ticker).trades
            start = len(found)
            if since_ms is None:
                start = 0
            else:
                while start > 0 and found[start - 1].created_ms >= since_ms:
                    start -= 1
            raw = found[start:]
        return [_tape(t.trade_id, t.price, t.count, t.taker_side, t.created_ms) for t in raw]

    def tape_mark(self, ticker: str) -> TapeMark | None:
        with self.books.sim.lock:
            found = self.books.sim.exchange.market(ticker).trades
            if not found:
                return None
            last_ms = found[-1].created_ms
            ids = []
            index = len(found) - 1
            while index >= 0 and found[index].created_ms == last_ms:
                ids.append(found[index].trade_id)
                index -= 1
        return TapeMark(time=_at(last_ms), ids=tuple(sorted(ids)))


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _tape(trade_id: str, price: int, count: int, taker_side: str, created_ms: int) -> TapeTrade:
    return TapeTrade(
        trade_id=trade_id,
        yes_price=Decimal(price).scaleb(-6),
        count=Decimal(count).scaleb(-2),
        taker_yes_direction=1 if taker_side == "bid" else -1,
        created_time=_at(created_ms),
    )


def paper_venue(books: SimBooks, starting_balance: Decimal) -> Venue:
    """A paper venue on ``books`` with a fresh in-memory account holding ``starting_balance``; time is
    the simulated exchange's clock and ids are sequential, so runs are reproducible."""
    from inplay.venues.paper.ledger import InMemoryPaperLedger
    from inplay.venues.paper.venue import PaperVenue

    ids = itertools.count(1)
    return PaperVenue(
        account=PAPER_ACCOUNT,
        ledger=InMemoryPaperLedger(),
        market_data=SimMarketData(books),
        starting_balance=starting_balance,
        now=lambda: books.now,
        new_id=lambda: f"{next(ids):08d}",
    )
