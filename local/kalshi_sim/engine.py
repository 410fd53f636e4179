"""The pure exchange: series/events/markets, a price-time-priority book per market, accounts,
collateral, fees, fills and settlement. No I/O, no threads, no wall clock (time comes from an
injected :class:`~local.kalshi_sim.clock.Clock`); ids come from a seeded RNG, so a run is
reproducible from its seed, its clock and its inputs.

Book model (Kalshi V2): one YES book per market. ``bid`` = buy YES at ``price``; ``ask`` = sell
YES at ``price`` ≡ buy NO at ``1 − price``. An incoming order matches the opposite side at the
resting order's price, best price first, oldest first within a price.

Cash model: positions are signed (YES > 0, NO < 0). A bid fill of ``x`` at ``p`` pays ``x·p``; an
ask fill pays ``x·(1 − p)``; a YES and a NO of the same user net out and pay back $1 each. So a
trade always moves exactly $1 per contract into the pot, and settlement pays exactly $1 per
winning contract out of it.

Collateral: a user's resting orders lock the worst-case cash they can consume: per market and
side ``max(0, Σ remaining·limit_cost − $1·min(Σ remaining, closable position))`` plus a fee
reserve. Placing (or enlarging) an order fails with ``insufficient_balance`` unless
``cash ≥ locked`` still holds, and fills can never push cash below what is locked, so no balance
ever goes negative.
"""

from __future__ import annotations

import bisect
import heapq
import random
import uuid
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Final, Literal

from .clock import Clock, in_maintenance
from .errors import SimError
from .fees import QUARTER_UNITS_PER_CC, FeeSchedule, fee_base, fee_micro_total
from .units import CENT_MICRO, ONE, notional

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "Account",
    "AmendResult",
    "Event",
    "Exchange",
    "Fill",
    "Holding",
    "Market",
    "MarketState",
    "Order",
    "OrderRequest",
    "PlaceResult",
    "Series",
    "SettlementRecord",
    "Trade",
]

Side = Literal["bid", "ask"]
TimeInForce = Literal["good_till_canceled", "immediate_or_cancel", "fill_or_kill"]
SelfTradePrevention = Literal["taker_at_cross", "maker"]
OrderStatus = Literal["resting", "canceled", "executed"]

PAIR_PAYOUT_PER_CC: Final = ONE // 100
"""A netted YES+NO pair of one centi-contract pays $0.01 = 10,000 micro-dollars."""
_FAR_FUTURE: Final = 2**62
DEFAULT_TICK: Final = 10_000
"""linear_cent: one cent."""
TIME_IN_FORCE: Final = ("good_till_canceled", "immediate_or_cancel", "fill_or_kill")
STP_TYPES: Final = ("taker_at_cross", "maker")


class MarketState(StrEnum):
    """Lifecycle in the ``GET /markets?status=`` vocabulary."""

    UNOPENED = "unopened"
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"
    SETTLED = "settled"


@dataclass(slots=True)
class Series:
    ticker: str
    title: str
    category: str
    fees: FeeSchedule
    frequency: str
    tags: list[str]
    created_ms: int


@dataclass(slots=True)
class Event:
    event_ticker: str
    series_ticker: str
    title: str
    sub_title: str
    created_ms: int
    updated_ms: int
    seq: int
    strike_ms: int | None = None
    market_tickers: list[str] = field(default_factory=list)
    mutually_exclusive: bool = True


@dataclass(slots=True, eq=False)
class Order:
    order_id: str
    user_id: str
    ticker: str
    side: Side
    price: int
    initial: int
    remaining: int
    tif: TimeInForce
    stp: SelfTradePrevention
    client_order_id: str
    created_ms: int
    seq: int
    expiration_s: int | None = None
    post_only: bool = False
    reduce_only: bool = False
    cancel_on_pause: bool = False
    order_group_id: str | None = None
    subaccount: int = 0
    filled: int = 0
    status: OrderStatus = "resting"
    updated_ms: int = 0
    queue_seq: int = 0
    taker_cost: int = 0
    maker_cost: int = 0
    taker_fees: int = 0
    maker_fees: int = 0
    taker_base: int = 0
    maker_base: int = 0
    reserve: int = 0
    last_update_reason: str = ""

    @property
    def outcome_side(self) -> Literal["yes", "no"]:
        return "yes" if self.side == "bid" else "no"


@dataclass(frozen=True, slots=True)
class Fill:
    fill_id: str
    order_id: str
    user_id: str
    ticker: str
    side: Side
    price: int
    count: int
    is_taker: bool
    fee: int
    created_ms: int
    seq: int
    client_order_id: str
    post_position: int


@dataclass(frozen=True, slots=True)
class Trade:
    trade_id: str
    ticker: str
    price: int
    count: int
    taker_side: Side
    created_ms: int
    seq: int


@dataclass(frozen=True, slots=True)
class SettlementRecord:
    ticker: str
    event_ticker: str
    result: Literal["yes", "no"]
    yes_count: int
    yes_total_cost: int
    no_count: int
    no_total_cost: int
    revenue_cents: int
    fee_cost: int
    settled_ms: int
    seq: int


@dataclass(slots=True, eq=False)
class Holding:
    """One user's position and resting-order aggregates in one market."""

    ticker: str
    event_ticker: str
    pos: int = 0
    exposure: int = 0
    realized: int = 0
    fees_paid: int = 0
    traded: int = 0
    volume: int = 0
    bid_cost: int = 0
    bid_qty: int = 0
    ask_cost: int = 0
    ask_qty: int = 0
    fee_reserve: int = 0
    locked: int = 0
    updated_ms: int = 0
    settled: bool = False

    def required(self) -> int:
        no_held = -self.pos if self.pos < 0 else 0
        yes_held = self.pos if self.pos > 0 else 0
        bids = self.bid_cost - PAIR_PAYOUT_PER_CC * min(self.bid_qty, no_held)
        asks = self.ask_cost - PAIR_PAYOUT_PER_CC * min(self.ask_qty, yes_held)
        return (bids if bids > 0 else 0) + (asks if asks > 0 else 0) + self.fee_reserve


@dataclass(slots=True, eq=False)
class Account:
    user_id: str
    cash: int
    created_ms: int
    tier: str = "basic"
    is_agent: bool = False
    locked: int = 0
    balance_updated_ms: int = 0
    orders: dict[str, Order] = field(default_factory=dict)
    client_ids: dict[str, str] = field(default_factory=dict)
    holdings: dict[str, Holding] = field(default_factory=dict)
    fills: list[Fill] = field(default_factory=list)
    settlements: list[SettlementRecord] = field(default_factory=list)

    @property
    def available(self) -> int:
        return self.cash - self.locked


class _Level:
    __slots__ = ("qty", "queue")

    def __init__(self) -> None:
        self.qty = 0
        self.queue: deque[tuple[int, Order]] = deque()


class Book:
    """One market's YES book. Levels hold FIFO queues with lazy removal (stale entries skipped)."""

    __slots__ = ("ask_prices", "asks", "bid_prices", "bids")

    def __init__(self) -> None:
        self.bids: dict[int, _Level] = {}
        self.asks: dict[int, _Level] = {}
        self.bid_prices: list[int] = []  # ascending; best bid is the last
        self.ask_prices: list[int] = []  # ascending; best ask is the first

    def best_bid(self) -> int | None:
        return self.bid_prices[-1] if self.bid_prices else None

    def best_ask(self) -> int | None:
        return self.ask_prices[0] if self.ask_prices else None

    def level_qty(self, side: Side, price: int) -> int:
        level = (self.bids if side == "bid" else self.asks).get(price)
        return level.qty if level else 0

    def push(self, order: Order) -> None:
        levels, prices = (self.bids, self.bid_prices) if order.side == "bid" else (self.asks, self.ask_prices)
        level = levels.get(order.price)
        if level is None:
            level = levels[order.price] = _Level()
            bisect.insort(prices, order.price)
        level.queue.append((order.queue_seq, order))
        level.qty += order.remaining

    def reduce(self, side: Side, price: int, qty: int) -> None:
        """Take ``qty`` off the level ``(side, price)``; a level that reaches zero is dropped with its
        queue (entries of orders that left the book are skipped lazily until then)."""
        levels, prices = (self.bids, self.bid_prices) if side == "bid" else (self.asks, self.ask_prices)
        level = levels[price]
        level.qty -= qty
        if level.qty == 0:
            del levels[price]
            del prices[bisect.bisect_left(prices, price)]

    def crosses(self, side: Side, price: int) -> bool:
        """Would an order on ``side`` at ``price`` take liquidity?"""
        if side == "bid":
            return bool(self.ask_prices) and self.ask_prices[0] <= price
        return bool(self.bid_prices) and self.bid_prices[-1] >= price

    def levels(self, side: Side) -> Iterator[tuple[int, int]]:
        """(price, qty) pairs, ascending by YES price."""
        levels, prices = (self.bids, self.bid_prices) if side == "bid" else (self.asks, self.ask_prices)
        for price in prices:
            yield price, levels[price].qty

    def queue_ahead(self, order: Order) -> int:
        levels = self.bids if order.side == "bid" else self.asks
        level = levels.get(order.price)
        if level is None:
            return 0
        ahead = 0
        for qseq, other in level.queue:
            if other is order and qseq == order.queue_seq:
                return ahead
            if other.status == "resting" and other.queue_seq == qseq:
                ahead += other.remaining
        return ahead


@dataclass(slots=True, eq=False)
class Market:
    ticker: str
    event_ticker: str
    series_ticker: str
    title: str
    yes_sub_title: str
    no_sub_title: str
    rules_primary: str
    rules_secondary: str
    open_ms: int
    close_ms: int
    expected_expiration_ms: int
    latest_expiration_ms: int
    created_ms: int
    updated_ms: int
    seq: int
    state: MarketState
    tick: int = DEFAULT_TICK
    can_close_early: bool = True
    result: str = ""
    settlement_value: int | None = None
    settled_ms: int | None = None
    last_price: int | None = None
    volume: int = 0
    open_interest: int = 0
    previous_bid: int = 0
    previous_ask: int = ONE
    previous_price: int = 0
    book: Book = field(default_factory=Book)
    trades: list[Trade] = field(default_factory=list)
    resting: dict[str, Order] = field(default_factory=dict)
    _recent: deque[tuple[int, int]] = field(default_factory=deque)
    _recent_volume: int = 0

    @property
    def price_level_structure(self) -> str:
        return "linear_cent" if self.tick == DEFAULT_TICK else "deci_cent"

    def record_trade(self, trade: Trade) -> None:
        self.trades.append(trade)
        self.last_price = trade.price
        self.volume += trade.count
        self._recent.append((trade.created_ms, trade.count))
        self._recent_volume += trade.count

    def volume_24h(self, now_ms: int) -> int:
        """Contracts traded in the last 24 hours (rolling window, amortized O(1))."""
        since = now_ms - 86_400_000
        recent = self._recent
        while recent and recent[0][0] < since:
            self._recent_volume -= recent.popleft()[1]
        return self._recent_volume


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A validated create request in engine units (prices micro-dollars, counts centi-contracts)."""

    ticker: str
    side: Side
    count: int
    price: int
    time_in_force: TimeInForce = "good_till_canceled"
    self_trade_prevention: SelfTradePrevention = "taker_at_cross"
    client_order_id: str | None = None
    expiration_s: int | None = None
    post_only: bool = False
    reduce_only: bool = False
    cancel_on_pause: bool = False
    order_group_id: str | None = None
    subaccount: int = 0


@dataclass(frozen=True, slots=True)
class PlaceResult:
    order: Order
    fills: tuple[Fill, ...]
    ts_ms: int

    @property
    def fill_count(self) -> int:
        return sum(f.count for f in self.fills)

    def average_price(self) -> Decimal | None:
        """Volume-weighted YES price of the fills, in dollars."""
        count = self.fill_count
        if count == 0:
            return None
        return Decimal(sum(f.count * f.price for f in self.fills)) / Decimal(count) / ONE

    def average_fee(self) -> Decimal | None:
        count = self.fill_count
        if count == 0:
            return None
        return Decimal(sum(f.fee for f in self.fills)) / Decimal(count) / 10_000


AmendResult = PlaceResult


class Exchange:
    """All markets and accounts of one simulated exchange. Not thread-safe: callers hold a lock."""

    def __init__(self, clock: Clock, *, seed: int = 0, maintenance: bool = True) -> None:
        self.clock = clock
        self._rng = random.Random(seed)
        self._seq = 0
        self.maintenance = maintenance
        self.series: dict[str, Series] = {}
        self.events: dict[str, Event] = {}
        self.markets: dict[str, Market] = {}
        self.accounts: dict[str, Account] = {}
        self.exchange_active = True
        self.trading_enabled = True
        self._trading_was_active = True
        self._expiries: list[tuple[int, int, Order]] = []
        self.touched: set[str] = set()
        """User ids whose portfolio changed since the caller last cleared this set."""
        self.fees_collected = 0
        self._market_due_ms = _FAR_FUTURE

    # ------------------------------------------------------------------ ids and time

    def new_id(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def now_ms(self) -> int:
        return self.clock.now_ms()

    @property
    def trading_active(self) -> bool:
        return self.exchange_active and self.trading_enabled and not self.in_maintenance()

    def in_maintenance(self, now_ms: int | None = None) -> bool:
        return self.maintenance and in_maintenance(self.now_ms() if now_ms is None else now_ms)

    # ------------------------------------------------------------------ setup

    def add_series(
        self,
        ticker: str,
        title: str,
        *,
        category: str = "Sports",
        fees: FeeSchedule | None = None,
        frequency: str = "custom",
        tags: list[str] | None = None,
    ) -> Series:
        if ticker in self.series:
            raise SimError.bad_request(f"series {ticker} already exists")
        series = Series(ticker, title, category, fees or FeeSchedule(), frequency, tags or [], self.now_ms())
        self.series[ticker] = series
        return series

    def add_event(
        self,
        event_ticker: str,
        series_ticker: str,
        title: str,
        sub_title: str = "",
        strike_ms: int | None = None,
    ) -> Event:
        if series_ticker not in self.series:
            raise SimError.bad_request(f"unknown series {series_ticker}")
        if event_ticker in self.events:
            raise SimError.bad_request(f"event {event_ticker} already exists")
        now = self.now_ms()
        event = Event(event_ticker, series_ticker, title, sub_title, now, now, self._next_seq(), strike_ms)
        self.events[event_ticker] = event
        return event

    def add_market(
        self,
        ticker: str,
        event_ticker: str,
        *,
        yes_sub_title: str,
        no_sub_title: str | None = None,
        title: str = "",
        rules_primary: str = "",
        rules_secondary: str = "",
        open_ms: int | None = None,
        close_ms: int | None = None,
        expected_expiration_ms: int | None = None,
        state: MarketState = MarketState.OPEN,
        tick: int = DEFAULT_TICK,
    ) -> Market:
        event = self.events.get(event_ticker)
        if event is None:
            raise SimError.bad_request(f"unknown event {event_ticker}")
        if ticker in self.markets:
            raise SimError.bad_request(f"market {ticker} already exists")
        if tick not in (DEFAULT_TICK, 1_000):
            raise SimError.bad_request("tick must be 0.01 (linear_cent) or 0.001 (deci_cent)")
        now = self.now_ms()
        open_at = now if open_ms is None else open_ms
        close_at = now + 14 * 86_400_000 if close_ms is None else close_ms
        expected = close_at if expected_expiration_ms is None else expected_expiration_ms
        market = Market(
            ticker=ticker,
            event_ticker=event_ticker,
            series_ticker=event.series_ticker,
            title=title or event.title,
            yes_sub_title=yes_sub_title,
            no_sub_title=no_sub_title if no_sub_title is not None else yes_sub_title,
            rules_primary=rules_primary,
            rules_secondary=rules_secondary,
            open_ms=open_at,
            close_ms=close_at,
            expected_expiration_ms=expected,
            latest_expiration_ms=max(close_at, expected) + 7 * 86_400_000,
            created_ms=now,
            updated_ms=now,
            seq=self._next_seq(),
            state=state,
            tick=tick,
        )
        self.markets[ticker] = market
        event.market_tickers.append(ticker)
        event.updated_ms = now
        self._schedule_markets()
        return market

    def create_user(
        self,
        user_id: str | None = None,
        *,
        balance_cents: int = 0,
        tier: str = "basic",
        is_agent: bool = False,
    ) -> Account:
        uid = user_id or self.new_id()
        if uid in self.accounts:
            raise SimError.bad_request(f"user {uid} already exists")
        if balance_cents < 0:
            raise SimError.bad_request("balance must not be negative")
        now = self.now_ms()
        account = Account(
            uid, balance_cents * CENT_MICRO, now, tier=tier, is_agent=is_agent, balance_updated_ms=now
        )
        self.accounts[uid] = account
        return account

    def deposit(self, user_id: str, cents: int) -> Account:
        account = self.account(user_id)
        if account.cash + cents * CENT_MICRO < account.locked:
            raise SimError.insufficient_balance("withdrawal would leave less than the locked collateral")
        account.cash += cents * CENT_MICRO
        account.balance_updated_ms = self.now_ms()
        self.touched.add(user_id)
        return account

    def account(self, user_id: str) -> Account:
        account = self.accounts.get(user_id)
        if account is None:
            raise SimError.not_found(f"user {user_id} not found")
        return account

    def market(self, ticker: str) -> Market:
        market = self.markets.get(ticker)
        if market is None:
            raise SimError.market_not_found(ticker)
        return market

    # ------------------------------------------------------------------ housekeeping

    def sync(self) -> None:
        """Apply everything due by now: expirations, market closes, pause transitions."""
        now = self.now_ms()
        while self._expiries and self._expiries[0][0] <= now:
            _, _, order = heapq.heappop(self._expiries)
            if (
                order.status == "resting"
                and order.expiration_s is not None
                and order.expiration_s * 1000 <= now
            ):
                self._cancel(order, "ExpiryCancel", now)
        if now >= self._market_due_ms:
            for market in self.markets.values():
                if market.state in (MarketState.OPEN, MarketState.PAUSED) and market.close_ms <= now:
                    self._close(market, now)
                elif market.state is MarketState.UNOPENED and market.open_ms <= now < market.close_ms:
                    market.state = MarketState.OPEN
                    market.updated_ms = now
            self._schedule_markets()
        active = self.trading_active
        if self._trading_was_active and not active:
            for market in self.markets.values():
                self._cancel_on_pause(market, now)
        self._trading_was_active = active

    def _schedule_markets(self) -> None:
        """Remember when the next market opens or closes, so :meth:`sync` stays O(1) until then."""
        due = _FAR_FUTURE
        for market in self.markets.values():
            if market.state in (MarketState.OPEN, MarketState.PAUSED):
                due = min(due, market.close_ms)
            elif market.state is MarketState.UNOPENED:
                due = min(due, market.open_ms)
        self._market_due_ms = due

    def _close(self, market: Market, now: int) -> None:
        for order in list(market.resting.values()):
            self._cancel(order, "CloseCancel", now)
        market.state = MarketState.CLOSED
        market.updated_ms = now

    def _cancel_on_pause(self, market: Market, now: int) -> None:
        for order in list(market.resting.values()):
            if order.cancel_on_pause:
                self._cancel(order, "HaltCancel", now)

    def set_market_state(self, ticker: str, state: MarketState) -> Market:
        self.sync()
        market = self.market(ticker)
        now = self.now_ms()
        if market.state is MarketState.SETTLED:
            raise SimError.bad_request(f"market {ticker} is settled")
        if state is MarketState.SETTLED:
            raise SimError.bad_request("use settle to settle a market")
        if state is MarketState.CLOSED:
            self._close(market, now)
        else:
            if state is MarketState.PAUSED and market.state is not MarketState.PAUSED:
                self._cancel_on_pause(market, now)
            market.state = state
            market.updated_ms = now
        self._schedule_markets()
        return market

    def set_exchange(
        self, *, trading_active: bool | None = None, exchange_active: bool | None = None
    ) -> None:
        self.sync()
        if trading_active is not None:
            self.trading_enabled = trading_active
        if exchange_active is not None:
            self.exchange_active = exchange_active
        self.sync()

    # ------------------------------------------------------------------ collateral

    def _holding(self, account: Account, market: Market) -> Holding:
        holding = account.holdings.get(market.ticker)
        if holding is None:
            holding = account.holdings[market.ticker] = Holding(market.ticker, market.event_ticker)
        return holding

    def _relock(self, account: Account, holding: Holding) -> None:
        required = holding.required()
        account.locked += required - holding.locked
        holding.locked = required

    def _order_reserve(self, order: Order, market: Market) -> int:
        """Worst-case fees the order's remaining can still cost (``P·(1−P) ≤ 1/4``, per role)."""
        fees = self.series[market.series_ticker].fees
        room = order.remaining * QUARTER_UNITS_PER_CC
        reserve = 0
        if not order.post_only:
            rate = fees.taker_rate
            reserve += fee_micro_total(rate, order.taker_base + room) - fee_micro_total(
                rate, order.taker_base
            )
        if order.tif == "good_till_canceled":
            rate = fees.maker_rate
            reserve += fee_micro_total(rate, order.maker_base + room) - fee_micro_total(
                rate, order.maker_base
            )
        return reserve

    def _aggregate(self, holding: Holding, order: Order, sign: int, market: Market) -> None:
        """Add (sign=+1) or remove (sign=-1) an order's remaining from its holding's aggregates."""
        if order.side == "bid":
            holding.bid_cost += sign * notional(order.remaining, order.price)
            holding.bid_qty += sign * order.remaining
        else:
            holding.ask_cost += sign * notional(order.remaining, ONE - order.price)
            holding.ask_qty += sign * order.remaining
        if sign > 0:
            order.reserve = self._order_reserve(order, market)
            holding.fee_reserve += order.reserve
        else:
            holding.fee_reserve -= order.reserve
            order.reserve = 0

    # ------------------------------------------------------------------ checks

    def _check_trading(self, market: Market) -> None:
        if not self.exchange_active:
            raise SimError.exchange_unavailable()
        if market.state in (MarketState.CLOSED, MarketState.SETTLED):
            raise SimError.market_closed(market.ticker)
        if market.state is MarketState.UNOPENED:
            raise SimError(409, "market_not_open", "market is not open", market.ticker)
        if market.state is MarketState.PAUSED:
            raise SimError.trading_paused(f"market {market.ticker} is paused")
        if not self.trading_active:
            reason = "scheduled maintenance" if self.in_maintenance() else "exchange trading is paused"
            raise SimError.trading_paused(reason)

    def _check_price(self, market: Market, price: int) -> None:
        if price <= 0 or price >= ONE:
            raise SimError.invalid_price(f"price must be strictly between 0 and 1 dollars, got {price / ONE}")
        if price % market.tick:
            raise SimError.invalid_price(f"price is not on the market's tick ({market.tick / ONE} dollars)")

    def _check_expiration(self, expiration_s: int | None, now: int) -> None:
        if expiration_s is not None and expiration_s * 1000 <= now:
            raise SimError.invalid_order("expiration_time must be in the future")

    # ------------------------------------------------------------------ orders

    def place_order(self, user_id: str, request: OrderRequest) -> PlaceResult:
        """Create an order (Create Order V2). Raises :class:`SimError` on rejection."""
        self.sync()
        account = self.account(user_id)
        market = self.market(request.ticker)
        now = self.now_ms()
        if request.count <= 0:
            raise SimError.invalid_order("count must be positive")
        if request.side not in ("bid", "ask"):
            raise SimError.invalid_order("side must be bid or ask")
        if request.time_in_force not in TIME_IN_FORCE:
            raise SimError.invalid_order(f"unknown time_in_force {request.time_in_force!r}")
        if request.self_trade_prevention not in STP_TYPES:
            raise SimError.invalid_order(
                f"unknown self_trade_prevention_type {request.self_trade_prevention!r}"
            )
        self._check_price(market, request.price)
        if request.reduce_only and request.time_in_force != "immediate_or_cancel":
            raise SimError.invalid_order("reduce_only orders must be immediate_or_cancel")
        if request.expiration_s is not None:
            if request.time_in_force != "good_till_canceled":
                raise SimError.invalid_order("expiration_time is only allowed with good_till_canceled")
            self._check_expiration(request.expiration_s, now)
        if request.post_only and request.time_in_force != "good_till_canceled":
            raise SimError.invalid_order("post_only orders must be good_till_canceled")
        if request.subaccount != 0:
            raise SimError.invalid_order("the simulator supports only the primary subaccount (0)")
        if request.client_order_id is not None and request.client_order_id in account.client_ids:
            raise SimError.order_already_exists(request.client_order_id)
        self._check_trading(market)

        seq = self._next_seq()
        order = Order(
            order_id=self.new_id(),
            user_id=user_id,
            ticker=market.ticker,
            side=request.side,
            price=request.price,
            initial=request.count,
            remaining=request.count,
            tif=request.time_in_force,
            stp=request.self_trade_prevention,
            client_order_id=request.client_order_id or "",
            created_ms=now,
            updated_ms=now,
            seq=seq,
            queue_seq=seq,
            expiration_s=request.expiration_s,
            post_only=request.post_only,
            reduce_only=request.reduce_only,
            cancel_on_pause=request.cancel_on_pause,
            order_group_id=request.order_group_id,
            subaccount=request.subaccount,
        )
        holding = self._holding(account, market)
        if request.reduce_only:
            closable = max(0, -holding.pos) if request.side == "bid" else max(0, holding.pos)
            order.remaining = min(order.remaining, closable)

        self._aggregate(holding, order, +1, market)
        self._relock(account, holding)
        if account.locked > account.cash:
            self._aggregate(holding, order, -1, market)
            self._relock(account, holding)
            if not holding.volume and not holding.bid_qty and not holding.ask_qty and holding.pos == 0:
                del account.holdings[market.ticker]
            need = (account.locked - account.cash) / ONE
            raise SimError.insufficient_balance(f"order needs ${need:.6f} more than the available balance")

        account.orders[order.order_id] = order
        if order.client_order_id:
            account.client_ids[order.client_order_id] = order.order_id
        self.touched.add(user_id)

        fills = self._execute(order, account, holding, market, now)
        return PlaceResult(order, tuple(fills), now)

    def _execute(
        self, order: Order, account: Account, holding: Holding, market: Market, now: int
    ) -> list[Fill]:
        """Match an order that is counted in its holding's aggregates but not yet on the book."""
        fills: list[Fill] = []
        book = market.book
        if order.remaining == 0:  # reduce_only with nothing to reduce
            self._finish_unbooked(order, account, holding, "ReduceOnlyCancel", now)
            return fills
        crosses = book.crosses(order.side, order.price)
        if order.post_only and crosses:
            self._finish_unbooked(order, account, holding, "PostOnlyCrossCancel", now)
            return fills
        if order.tif == "fill_or_kill" and self._fillable(book, order) < order.remaining:
            self._finish_unbooked(order, account, holding, "FillOrKillCancel", now)
            return fills
        if crosses:
            stopped = self._match(order, account, holding, market, now, fills)
            if stopped:
                self._finish_unbooked(order, account, holding, "SelfTradeCancel", now)
                return fills
        if order.remaining == 0:
            order.status = "executed"
            order.updated_ms = now
            self._relock(account, holding)
            return fills
        if order.tif != "good_till_canceled":
            self._finish_unbooked(order, account, holding, "ImmediateOrCancel", now)
            return fills
        order.status = "resting"
        book.push(order)
        market.resting[order.order_id] = order
        if order.expiration_s is not None:
            heapq.heappush(self._expiries, (order.expiration_s * 1000, order.seq, order))
        self._relock(account, holding)
        return fills

    def _finish_unbooked(
        self, order: Order, account: Account, holding: Holding, reason: str, now: int
    ) -> None:
        market = self.markets[order.ticker]
        self._aggregate(holding, order, -1, market)
        order.status = "executed" if order.remaining == 0 and order.filled > 0 else "canceled"
        order.remaining = 0
        order.last_update_reason = reason
        order.updated_ms = now
        self._relock(account, holding)
        self.touched.add(account.user_id)

    @staticmethod
    def _fillable(book: Book, order: Order) -> int:
        """Quantity an order could take now (own orders: skipped under ``maker`` STP, else a stop)."""
        need = order.remaining
        total = 0
        if order.side == "bid":
            prices: list[int] = [p for p in book.ask_prices if p <= order.price]
            levels = book.asks
        else:
            prices = [p for p in reversed(book.bid_prices) if p >= order.price]
            levels = book.bids
        for price in prices:
            for qseq, other in levels[price].queue:
                if other.status != "resting" or other.queue_seq != qseq:
                    continue
                if other.user_id == order.user_id:
                    if order.stp == "taker_at_cross":
                        return total
                    continue
                total += other.remaining
                if total >= need:
                    return total
        return total

    def _match(
        self, order: Order, account: Account, holding: Holding, market: Market, now: int, fills: list[Fill]
    ) -> bool:
        """Take liquidity; returns True when self-trade prevention stopped the taker."""
        book = market.book
        is_bid = order.side == "bid"
        levels = book.asks if is_bid else book.bids
        prices = book.ask_prices if is_bid else book.bid_prices
        limit = order.price
        while order.remaining > 0 and prices:
            price = prices[0] if is_bid else prices[-1]
            if (is_bid and price > limit) or (not is_bid and price < limit):
                break
            level = levels[price]
            queue = level.queue
            while order.remaining > 0 and level.qty > 0:
                qseq, maker = queue[0]
                if maker.status != "resting" or maker.queue_seq != qseq:
                    queue.popleft()
                    continue
                if maker.user_id == order.user_id:
                    if order.stp == "taker_at_cross":
                        return True
                    queue.popleft()
                    self._cancel(maker, "SelfTradeCancel", now)
                    continue
                qty = order.remaining if order.remaining < maker.remaining else maker.remaining
                maker_account = self.accounts[maker.user_id]
                self._trade(order, account, holding, maker, maker_account, market, price, qty, now, fills)
                if maker.remaining == 0:
                    queue.popleft()
                if level.qty == 0:
                    break
        return False

    def _trade(
        self,
        taker: Order,
        taker_account: Account,
        taker_holding: Holding,
        maker: Order,
        maker_account: Account,
        market: Market,
        price: int,
        qty: int,
        now: int,
        fills: list[Fill],
    ) -> None:
        fees = self.series[market.series_ticker].fees
        maker_holding = maker_account.holdings[market.ticker]
        market.book.reduce(maker.side, price, qty)
        oi_before = _positive(taker_holding.pos) + _positive(maker_holding.pos)
        if taker_account is maker_account:  # cannot happen (STP), kept for safety
            raise AssertionError("self trade")
        base = fee_base(qty, price)
        # taker side
        self._aggregate(taker_holding, taker, -1, market)
        old = fee_micro_total(fees.taker_rate, taker.taker_base)
        taker.taker_base += base
        taker_fee = fee_micro_total(fees.taker_rate, taker.taker_base) - old
        taker.remaining -= qty
        taker.filled += qty
        cost = self._settle_fill(taker_account, taker_holding, taker.side, qty, price, taker_fee, now)
        taker.taker_cost += cost
        taker.taker_fees += taker_fee
        taker.updated_ms = now
        self._aggregate(taker_holding, taker, +1, market)
        self._relock(taker_account, taker_holding)
        # maker side
        self._aggregate(maker_holding, maker, -1, market)
        old = fee_micro_total(fees.maker_rate, maker.maker_base)
        maker.maker_base += base
        maker_fee = fee_micro_total(fees.maker_rate, maker.maker_base) - old
        maker.remaining -= qty
        maker.filled += qty
        cost = self._settle_fill(maker_account, maker_holding, maker.side, qty, price, maker_fee, now)
        maker.maker_cost += cost
        maker.maker_fees += maker_fee
        maker.updated_ms = now
        maker.last_update_reason = "Trade"
        if maker.remaining == 0:
            maker.status = "executed"
            market.resting.pop(maker.order_id, None)
        else:
            self._aggregate(maker_holding, maker, +1, market)
        self._relock(maker_account, maker_holding)

        self.fees_collected += taker_fee + maker_fee
        seq = self._next_seq()
        market.record_trade(Trade(self.new_id(), market.ticker, price, qty, taker.side, now, seq))
        market.open_interest += _positive(taker_holding.pos) + _positive(maker_holding.pos) - oi_before
        taker_fill = Fill(
            self.new_id(), taker.order_id, taker.user_id, market.ticker, taker.side, price, qty, True,
            taker_fee, now, seq, taker.client_order_id, taker_holding.pos,
        )  # fmt: skip
        maker_fill = Fill(
            self.new_id(), maker.order_id, maker.user_id, market.ticker, maker.side, price, qty, False,
            maker_fee, now, seq, maker.client_order_id, maker_holding.pos,
        )  # fmt: skip
        taker_account.fills.append(taker_fill)
        maker_account.fills.append(maker_fill)
        fills.append(taker_fill)
        self.touched.add(taker_account.user_id)
        self.touched.add(maker_account.user_id)

    def _settle_fill(
        self, account: Account, holding: Holding, side: Side, qty: int, price: int, fee: int, now: int
    ) -> int:
        """Move cash and position for one side of a fill; returns its cost at the outcome price."""
        outcome_price = price if side == "bid" else ONE - price
        cost = notional(qty, outcome_price)
        pos = holding.pos
        delta = qty if side == "bid" else -qty
        closing = 0
        if pos != 0 and (pos > 0) != (delta > 0):
            held = pos if pos > 0 else -pos
            closing = qty if qty < held else held
            removed = holding.exposure if closing == held else holding.exposure * closing // held
            holding.realized += closing * PAIR_PAYOUT_PER_CC - notional(closing, outcome_price) - removed
            holding.exposure -= removed
            holding.exposure += notional(qty - closing, outcome_price)
        else:
            holding.exposure += cost
        holding.pos = pos + delta
        holding.traded += cost
        holding.volume += qty
        holding.fees_paid += fee
        holding.updated_ms = now
        account.cash += closing * PAIR_PAYOUT_PER_CC - cost - fee
        account.balance_updated_ms = now
        return cost

    def _cancel(self, order: Order, reason: str, now: int) -> int:
        """Take a resting order off the book; returns the quantity removed."""
        if order.status != "resting":
            return 0
        market = self.markets[order.ticker]
        account = self.accounts[order.user_id]
        holding = account.holdings[order.ticker]
        removed = order.remaining
        market.book.reduce(order.side, order.price, removed)
        self._aggregate(holding, order, -1, market)
        order.remaining = 0
        order.status = "canceled"
        order.last_update_reason = reason
        order.updated_ms = now
        market.resting.pop(order.order_id, None)
        self._relock(account, holding)
        self.touched.add(order.user_id)
        return removed

    def _resting_order(self, user_id: str, order_id: str) -> Order:
        account = self.account(user_id)
        order = account.orders.get(order_id)
        if order is None or order.status != "resting":
            raise SimError.not_found("order not found or no longer resting")
        return order

    def _check_cancel_allowed(self) -> None:
        if not self.exchange_active:
            raise SimError.exchange_unavailable()

    def cancel_order(self, user_id: str, order_id: str) -> tuple[Order, int]:
        """Cancel V2: returns the order and the quantity removed (``reduced_by``)."""
        self.sync()
        self._check_cancel_allowed()
        order = self._resting_order(user_id, order_id)
        removed = self._cancel(order, "Cancel", self.now_ms())
        return order, removed

    def decrease_order(
        self, user_id: str, order_id: str, *, reduce_by: int | None = None, reduce_to: int | None = None
    ) -> Order:
        """Decrease V2: exactly one of ``reduce_by``/``reduce_to`` (centi-contracts)."""
        self.sync()
        self._check_cancel_allowed()
        if (reduce_by is None) == (reduce_to is None):
            raise SimError.invalid_order("exactly one of reduce_by or reduce_to must be provided")
        order = self._resting_order(user_id, order_id)
        now = self.now_ms()
        if reduce_by is not None:
            if reduce_by <= 0:
                raise SimError.invalid_order("reduce_by must be positive")
            new_remaining = max(0, order.remaining - reduce_by)
        else:
            assert reduce_to is not None
            if reduce_to < 0:
                raise SimError.invalid_order("reduce_to must not be negative")
            new_remaining = min(order.remaining, reduce_to)
        if new_remaining == 0:
            self._cancel(order, "Decrease", now)
            return order
        delta = order.remaining - new_remaining
        if delta:
            market = self.markets[order.ticker]
            account = self.accounts[user_id]
            holding = account.holdings[order.ticker]
            market.book.reduce(order.side, order.price, delta)
            self._aggregate(holding, order, -1, market)
            order.remaining = new_remaining
            self._aggregate(holding, order, +1, market)
            self._relock(account, holding)
            order.updated_ms = now
            order.last_update_reason = "Decrease"
            self.touched.add(user_id)
        return order

    def cancel_all(self, user_id: str, subaccount: int | None = None) -> list[Order]:
        self.sync()
        self._check_cancel_allowed()
        account = self.account(user_id)
        now = self.now_ms()
        canceled = []
        for order in list(account.orders.values()):
            if order.status == "resting" and (subaccount is None or order.subaccount == subaccount):
                self._cancel(order, "Cancel", now)
                canceled.append(order)
        return canceled

    def amend_order(
        self,
        user_id: str,
        order_id: str,
        *,
        ticker: str,
        side: Side,
        price: int,
        count: int,
        client_order_id: str | None = None,
        updated_client_order_id: str | None = None,
        expiration_s: int | None = None,
    ) -> PlaceResult:
        """Amend V2: new YES ``price`` and new total ``count`` (filled + desired remaining).

        ``expiration_s``: ``None`` keeps the expiry, ``0`` removes it, otherwise a future time.
        Price change or size increase loses queue priority (and may trade); otherwise kept.
        """
        self.sync()
        account = self.account(user_id)
        order = self._resting_order(user_id, order_id)
        market = self.markets[order.ticker]
        now = self.now_ms()
        if ticker != order.ticker or side != order.side:
            raise SimError.invalid_order("ticker and side must match the order being amended")
        if client_order_id is not None and client_order_id != order.client_order_id:
            raise SimError.invalid_order("client_order_id does not match the order")
        self._check_price(market, price)
        if count <= order.filled:
            raise SimError.invalid_order(
                "count must exceed the already filled count; use cancel to stop an order"
            )
        if expiration_s:
            self._check_expiration(expiration_s, now)
        renamed = bool(updated_client_order_id) and updated_client_order_id != order.client_order_id
        if renamed and updated_client_order_id in account.client_ids:
            assert updated_client_order_id is not None
            raise SimError.order_already_exists(updated_client_order_id)
        self._check_trading(market)
        new_remaining = count - order.filled
        price_changed = price != order.price
        if order.post_only and price_changed and market.book.crosses(order.side, price):
            raise SimError.invalid_order("post_only order would cross the book at the new price")

        holding = account.holdings[order.ticker]
        self._aggregate(holding, order, -1, market)
        old_price, old_remaining = order.price, order.remaining
        order.price, order.remaining = price, new_remaining
        self._aggregate(holding, order, +1, market)
        self._relock(account, holding)
        if account.locked > account.cash:
            self._aggregate(holding, order, -1, market)
            order.price, order.remaining = old_price, old_remaining
            self._aggregate(holding, order, +1, market)
            self._relock(account, holding)
            raise SimError.insufficient_balance("amended order needs more than the available balance")

        if updated_client_order_id and updated_client_order_id != order.client_order_id:
            account.client_ids[updated_client_order_id] = order.order_id
            order.client_order_id = updated_client_order_id
        if expiration_s is not None:
            order.expiration_s = expiration_s or None
            if order.expiration_s is not None:
                heapq.heappush(self._expiries, (order.expiration_s * 1000, order.seq, order))
        order.updated_ms = now
        order.last_update_reason = "Amend"
        self.touched.add(user_id)

        fills: list[Fill] = []
        if not price_changed and new_remaining <= old_remaining:
            if old_remaining != new_remaining:
                market.book.reduce(order.side, old_price, old_remaining - new_remaining)
            return PlaceResult(order, (), now)
        # lose priority: take the order off the book, then re-run it as an incoming order
        market.book.reduce(order.side, old_price, old_remaining)
        market.resting.pop(order.order_id, None)
        order.queue_seq = self._next_seq()
        fills = self._execute(order, account, holding, market, now)
        return PlaceResult(order, tuple(fills), now)

    # ------------------------------------------------------------------ settlement

    def settle(self, ticker: str, result: Literal["yes", "no"]) -> Market:
        """Determine and settle a market: cancel its orders and pay $1 per winning contract."""
        self.sync()
        if result not in ("yes", "no"):
            raise SimError.bad_request("result must be yes or no")
        market = self.market(ticker)
        if market.state is MarketState.SETTLED:
            raise SimError.bad_request(f"market {ticker} is already settled")
        now = self.now_ms()
        for order in list(market.resting.values()):
            self._cancel(order, "SettlementCancel", now)
        for account in self.accounts.values():
            holding = account.holdings.get(ticker)
            if holding is None or holding.settled or (holding.volume == 0 and holding.pos == 0):
                continue
            pos = holding.pos
            wins = pos if (result == "yes" and pos > 0) else (-pos if (result == "no" and pos < 0) else 0)
            payout = wins * PAIR_PAYOUT_PER_CC
            record = SettlementRecord(
                ticker=ticker,
                event_ticker=market.event_ticker,
                result=result,
                yes_count=pos if pos > 0 else 0,
                yes_total_cost=holding.exposure if pos > 0 else 0,
                no_count=-pos if pos < 0 else 0,
                no_total_cost=holding.exposure if pos < 0 else 0,
                revenue_cents=payout // CENT_MICRO,
                fee_cost=holding.fees_paid,
                settled_ms=now,
                seq=self._next_seq(),
            )
            account.cash += payout
            account.balance_updated_ms = now
            holding.realized += payout - holding.exposure
            holding.exposure = 0
            holding.pos = 0
            holding.settled = True
            holding.updated_ms = now
            self._relock(account, holding)
            account.settlements.append(record)
            self.touched.add(account.user_id)
        market.open_interest = 0
        market.state = MarketState.SETTLED
        market.result = result
        market.settlement_value = ONE if result == "yes" else 0
        market.settled_ms = now
        market.updated_ms = now
        self._schedule_markets()
        return market

    # ------------------------------------------------------------------ reads

    def orders_of(self, user_id: str) -> list[Order]:
        return list(self.account(user_id).orders.values())

    def queue_position(self, order: Order) -> int:
        if order.status != "resting":
            return 0
        return self.markets[order.ticker].book.queue_ahead(order)


def _positive(value: int) -> int:
    return value if value > 0 else 0
