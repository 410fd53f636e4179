"""A scripted market for paper-venue tests: a book, a tape and a market status you set."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count

from inplay.venues.base import (
    ExchangeStatus,
    Market,
    MarketStatus,
    NotFoundError,
    OrderBook,
    OutcomeSide,
    PriceLevel,
)
from inplay.venues.paper import InMemoryPaperLedger, PaperVenue, TapeMark, TapeTrade

T0 = datetime(2025, 1, 10, 0, 0, tzinfo=UTC)
TICKER = "KXNBAGAME-25JAN10BOSLAL-BOS"


def d(value: str | int) -> Decimal:
    return Decimal(str(value))


def levels(*pairs: tuple[str, str]) -> tuple[PriceLevel, ...]:
    return tuple(PriceLevel(price=d(p), count=d(c)) for p, c in pairs)


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@dataclass
class ScriptedMarket:
    """:class:`MarketData` whose book, tape and status a test sets; counts calls."""

    clock: Clock
    books: dict[str, OrderBook] = field(default_factory=dict)
    status: dict[str, MarketStatus] = field(default_factory=dict)
    results: dict[str, OutcomeSide] = field(default_factory=dict)
    tape: dict[str, list[TapeTrade]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    _ids: count[int] = field(default_factory=count)

    def set_book(
        self, ticker: str, yes: tuple[PriceLevel, ...] = (), no: tuple[PriceLevel, ...] = ()
    ) -> None:
        self.books[ticker] = OrderBook(market_ticker=ticker, yes_bids=yes, no_bids=no)
        self.status.setdefault(ticker, MarketStatus.OPEN)

    def trade(self, ticker: str, yes_price: str, size: str, taker_yes_direction: int) -> TapeTrade:
        trade = TapeTrade(
            trade_id=f"t{next(self._ids)}",
            yes_price=d(yes_price),
            count=d(size),
            taker_yes_direction=taker_yes_direction,
            created_time=self.clock.advance(1),
        )
        self.tape.setdefault(ticker, []).append(trade)
        return trade

    def exchange_status(self) -> ExchangeStatus:
        return ExchangeStatus(exchange_active=True, trading_active=True)

    def market(self, ticker: str) -> Market:
        self.calls.append(f"market {ticker}")
        if ticker not in self.books:
            raise NotFoundError(f"no market {ticker}", venue="fake")
        return Market(
            ticker=ticker,
            status=self.status[ticker],
            venue_status=self.status[ticker].value,
            result=self.results.get(ticker),
            tick_size=d("0.01"),
        )

    def orderbook(self, ticker: str, *, depth: int = 0) -> OrderBook:
        self.calls.append(f"book {ticker}")
        if ticker not in self.books:
            raise NotFoundError(f"no market {ticker}", venue="fake")
        return self.books[ticker]

    def trades(self, ticker: str, *, since: datetime | None) -> list[TapeTrade]:
        self.calls.append(f"trades {ticker}")
        return [
            t
            for t in self.tape.get(ticker, [])
            if since is None or t.created_time >= since.replace(microsecond=0)
        ]

    def tape_mark(self, ticker: str) -> TapeMark | None:
        return TapeMark.after(self.tape.get(ticker, []))


def paper_venue(
    market: ScriptedMarket, *, balance: str = "1000", ledger: InMemoryPaperLedger | None = None
) -> PaperVenue:
    return PaperVenue(
        account="kalshi#u1",
        ledger=ledger or InMemoryPaperLedger(),
        market_data=market,
        starting_balance=d(balance),
        now=market.clock,
    )
