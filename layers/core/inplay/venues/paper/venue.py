"""``PaperVenue``: one paper account behaving like a venue account (see :mod:`.engine` for fills).

Orders are idempotent by ``client_order_id``: placing an id again returns the existing order
(``OrderAck.recovered``), never a second one. Every read first brings the account up to date:
resting orders take their share of the tape since they were last read, orders of closed or
settled markets are cancelled, expired ones too, and holdings in settled markets are paid out.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final

from inplay.venues.base import (
    Balance,
    CancelAck,
    ExchangeStatus,
    Fill,
    InsufficientBalanceError,
    InvalidIntentError,
    Market,
    MarketClosedError,
    MarketStatus,
    NotFoundError,
    Order,
    OrderAck,
    OrderBook,
    OrderIntent,
    OrderRejectedError,
    OrderStatus,
    Position,
    TimeInForce,
    TradingPausedError,
    VenueError,
)
from inplay.venues.paper.engine import (
    FeeModel,
    PaperAccount,
    PaperFill,
    PaperOrder,
    PaperPosition,
    TapeMark,
    TapeTrade,
    allocate_trades,
    apply_fill,
    closable,
    crosses,
    fill_terms,
    locked_collateral,
    queue_ahead,
    settle_position,
    walk_book,
)
from inplay.venues.paper.ledger import LedgerConflict, LedgerWrite, PaperLedger
from inplay.venues.paper.market_data import MarketData

__all__ = ["PAPER_VENUE", "PaperContentionError", "PaperVenue"]

PAPER_VENUE: Final = "paper"
MAX_ATTEMPTS: Final = 8
ZERO: Final = Decimal(0)


class PaperContentionError(VenueError):
    """The paper account kept changing under every attempt; nothing was written. Retry later."""

    retryable = True


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return uuid.uuid4().hex


class PaperVenue:
    """A :class:`~inplay.venues.base.Venue` for one paper account (``account`` is the ledger key)."""

    name = PAPER_VENUE

    def __init__(
        self,
        *,
        account: str,
        ledger: PaperLedger,
        market_data: MarketData,
        starting_balance: Decimal,
        fees: FeeModel | None = None,
        now: Callable[[], datetime] = _utc_now,
        new_id: Callable[[], str] = _new_id,
    ) -> None:
        self.account = account
        self._ledger = ledger
        self._md = market_data
        self._start = starting_balance
        self._fees = fees or FeeModel()
        self._now = now
        self._new_id = new_id

    # -----------------------------------------------------------------------------------------
    # Market data

    def exchange_status(self) -> ExchangeStatus:
        return self._md.exchange_status()

    def get_orderbook(self, market_ticker: str, *, depth: int = 0) -> OrderBook:
        return self._md.orderbook(market_ticker, depth=depth)

    def get_market(self, market_ticker: str) -> Market:
        return self._md.market(market_ticker)

    # -----------------------------------------------------------------------------------------
    # Account reads (each brings the account up to date first)

    def get_balance(self) -> Balance:
        account = self.refresh()
        resting = self._ledger.orders(self.account, resting_only=True)
        positions = self._ledger.positions(self.account)
        locked = locked_collateral(resting, {p.market_ticker: p.position for p in positions}, self._fees)
        return Balance(available=account.cash - locked, updated_time=self._now())

    def get_positions(self, *, market_ticker: str | None = None) -> list[Position]:
        self.refresh(None if market_ticker is None else {market_ticker})
        return [
            p.to_position()
            for p in self._ledger.positions(self.account)
            if p.position != 0 and market_ticker in (None, p.market_ticker)
        ]

    def get_fills(
        self, *, market_ticker: str | None = None, order_id: str | None = None, since: datetime | None = None
    ) -> list[Fill]:
        if order_id is not None:
            order = self._order(order_id)
            fills: Iterable[PaperFill] = order.fills
        else:
            self.refresh(None if market_ticker is None else {market_ticker})
            fills = self._ledger.fills(self.account, since=since)
        return [
            f.to_fill()
            for f in fills
            if market_ticker in (None, f.market_ticker) and (since is None or f.created_time >= since)
        ]

    def get_order(self, order_id: str) -> Order:
        return self._order(order_id).to_order()

    def find_order_by_client_id(
        self, client_order_id: str, *, market_ticker: str | None = None, since: datetime | None = None
    ) -> Order | None:
        self._open()
        found = self._ledger.order_by_client_id(self.account, client_order_id)
        if found is None or market_ticker not in (None, found.market_ticker):
            return None
        return self._order(found.order_id).to_order()

    def list_orders(
        self, *, status: OrderStatus | None = None, market_ticker: str | None = None
    ) -> list[Order]:
        self.refresh(None if market_ticker is None else {market_ticker})
        orders = self._ledger.orders(self.account, resting_only=status is OrderStatus.RESTING)
        return [
            o.to_order()
            for o in orders
            if market_ticker in (None, o.market_ticker) and status in (None, o.status)
        ]

    def _open(self) -> PaperAccount:
        return self._ledger.open_account(self.account, self._start, self._now())

    def _order(self, order_id: str) -> PaperOrder:
        self._open()
        order = self._ledger.get_order(self.account, order_id)
        if order is None:
            raise NotFoundError(f"paper order {order_id} does not exist", venue=PAPER_VENUE)
        if order.status is OrderStatus.RESTING:
            self.refresh({order.market_ticker})
            order = self._ledger.get_order(self.account, order_id) or order
        return order

    # -----------------------------------------------------------------------------------------
    # Bringing the account up to date

    def refresh(self, markets: set[str] | None = None) -> PaperAccount:
        """Advance resting orders from the tape, cancel orders of closed markets and expired ones,
        and pay out settled holdings (in ``markets``, or every market the account is in)."""
        account = self._open()
        resting = self._ledger.orders(self.account, resting_only=True)
        positions = self._ledger.positions(self.account)
        involved = {o.market_ticker for o in resting} | {
            p.market_ticker for p in positions if p.position != 0
        }
        if markets is not None:
            involved &= markets
        for ticker in sorted(involved):
            account = self._refresh_market(ticker)
        return account

    def _refresh_market(self, ticker: str) -> PaperAccount:
        market = self._md.market(ticker)
        trades = None
        for _ in range(MAX_ATTEMPTS):
            account = self._open()
            resting = [
                o for o in self._ledger.orders(self.account, resting_only=True) if o.market_ticker == ticker
            ]
            position = self._position(ticker)
            if trades is None and resting:
                marks = [o.tape for o in resting]
                since = None if any(m is None for m in marks) else min(m.time for m in marks if m)
                trades = self._md.trades(ticker, since=since)
            write = self._advance(account, market, resting, position, trades or [])
            if write is None:
                return account
            try:
                self._ledger.commit(self.account, write)
            except LedgerConflict:
                continue
            return write.account
        raise PaperContentionError(f"paper account {self.account} kept changing", venue=PAPER_VENUE)

    def _position(self, ticker: str) -> PaperPosition:
        for position in self._ledger.positions(self.account):
            if position.market_ticker == ticker:
                return position
        return PaperPosition(market_ticker=ticker, updated_time=self._now())

    def _advance(
        self,
        account: PaperAccount,
        market: Market,
        resting: list[PaperOrder],
        position: PaperPosition,
        trades: list[TapeTrade],
    ) -> LedgerWrite | None:
        now = self._now()
        cash = account.cash
        caps: dict[str, Decimal] = {}
        pos = position.position
        for order in resting:
            if order.reduce_only:
                caps[order.order_id] = closable(pos, order.yes_direction)
        allocation = allocate_trades(resting, trades, caps=caps)
        updated: list[PaperOrder] = []
        new_fills: list[PaperFill] = []
        for order in resting:
            share = allocation[order.order_id]
            current = order
            if share.count > 0:
                direction, yes_price = order.yes_direction, order.yes_price
                if order.reduce_only:
                    count = min(share.count, closable(position.position, direction))
                else:
                    count = share.count
                if count > 0:
                    fee = self._fees.fee(count, yes_price, taker=False)
                    position, delta = apply_fill(position, direction, yes_price, count, fee, now=now)
                    cash += delta
                    action, price = fill_terms(order, yes_price)
                    fill = PaperFill(
                        fill_id=f"paper-{self._new_id()}",
                        order_id=order.order_id,
                        market_ticker=order.market_ticker,
                        side=order.side,
                        action=action,
                        price=price,
                        count=count,
                        fee=fee,
                        is_taker=False,
                        created_time=now,
                    )
                    new_fills.append(fill)
                    current = current.with_fills([fill], now=now)
            if share.tape != order.tape or share.queue_ahead != order.queue_ahead:
                current = current.model_copy(update={"tape": share.tape, "queue_ahead": share.queue_ahead})
            if current.status is OrderStatus.RESTING:
                reason = self._cancel_reason(current, market, position, now)
                if reason is not None:
                    current = current.cancelled(reason, now=now)
            if current != order:
                updated.append(current)
        positions = [position] if position.position != pos or new_fills else []
        if market.status is MarketStatus.SETTLED and market.result is not None and position.position != 0:
            settlement = settle_position(position, market.result, now=now)
            cash += settlement.payout
            positions = [settlement.position]
        if not updated and not positions:
            return None
        return LedgerWrite(
            account=account.model_copy(
                update={"cash": cash, "version": account.version + 1, "updated_time": now}
            ),
            orders=tuple(updated),
            fills=tuple(new_fills),
            positions=tuple(positions),
        )

    @staticmethod
    def _cancel_reason(
        order: PaperOrder, market: Market, position: PaperPosition, now: datetime
    ) -> str | None:
        if market.status in (MarketStatus.CLOSED, MarketStatus.SETTLED):
            return "market_closed"
        if order.expiration_time is not None and now >= order.expiration_time:
            return "expired"
        if order.reduce_only and closable(position.position, order.yes_direction) <= 0:
            return "reduce_only"
        return None

    # -----------------------------------------------------------------------------------------
    # Orders

    def place_order(self, intent: OrderIntent) -> OrderAck:
        """Fill ``intent`` against the book now, rest the remainder (GTC), once per client id."""
        existing = self.find_order_by_client_id(intent.client_order_id)
        if existing is not None:
            return self._recovered(existing)
        market = self._md.market(intent.market_ticker)
        self._check_tradable(market)
        if market.tick_size is not None and intent.price % market.tick_size != 0:
            raise InvalidIntentError(
                f"price {intent.price} is not a multiple of the tick {market.tick_size}", venue=PAPER_VENUE
            )
        book = self._md.orderbook(intent.market_ticker)
        direction, yes_price = intent.yes_direction, intent.yes_price
        if intent.post_only and crosses(book, direction, yes_price):
            raise OrderRejectedError(
                "post-only order would take liquidity", code="post_only_cross", venue=PAPER_VENUE
            )
        mark: TapeMark | None = None
        if intent.time_in_force is TimeInForce.GTC:
            mark = self._md.tape_mark(intent.market_ticker)
        for _ in range(MAX_ATTEMPTS):
            self._refresh_market(intent.market_ticker)
            write, order = self._placement(intent, book, mark)
            try:
                self._ledger.commit(self.account, write)
            except LedgerConflict:
                existing = self.find_order_by_client_id(intent.client_order_id)
                if existing is not None:
                    return self._recovered(existing)
                continue
            return OrderAck(
                order_id=order.order_id,
                client_order_id=order.client_order_id,
                status=order.status,
                filled_count=order.filled_count,
                remaining_count=order.remaining,
                average_fill_price=order.to_order().average_fill_price,
                average_fee=(order.fees / order.filled_count).quantize(Decimal("0.000001"))
                if order.filled_count
                else None,
                venue_time=order.created_time,
                order=order.to_order(),
            )
        raise PaperContentionError(f"paper account {self.account} kept changing", venue=PAPER_VENUE)

    @staticmethod
    def _check_tradable(market: Market) -> None:
        if market.status is MarketStatus.PAUSED:
            raise TradingPausedError(f"market {market.ticker} is paused", venue=PAPER_VENUE)
        if market.status is not MarketStatus.OPEN:
            raise MarketClosedError(f"market {market.ticker} is {market.status}", venue=PAPER_VENUE)

    def _placement(
        self, intent: OrderIntent, book: OrderBook, mark: TapeMark | None
    ) -> tuple[LedgerWrite, PaperOrder]:
        now = self._now()
        account = self._open()
        position = self._position(intent.market_ticker)
        direction, yes_price = intent.yes_direction, intent.yes_price
        count = intent.count
        reason: str | None = None
        if intent.reduce_only:
            count = min(count, closable(position.position, direction))
            if count <= 0:
                reason = "reduce_only"
        order = PaperOrder(
            order_id=f"paper-{self._new_id()}",
            client_order_id=intent.client_order_id,
            market_ticker=intent.market_ticker,
            side=intent.side,
            action=intent.action,
            price=intent.price,
            time_in_force=intent.time_in_force,
            post_only=intent.post_only,
            reduce_only=intent.reduce_only,
            status=OrderStatus.RESTING,
            initial_count=intent.count,
            created_time=now,
            updated_time=now,
            expiration_time=intent.expiration,
        )
        walk = walk_book(book, direction, yes_price, count) if reason is None else None
        if walk is not None and intent.time_in_force is TimeInForce.FOK and walk.count < count:
            reason, walk = "fill_or_kill", None
        cash = account.cash
        fills: list[PaperFill] = []
        for level_price, level_count in walk.levels if walk else ():
            fee = self._fees.fee(level_count, level_price, taker=True)
            position, delta = apply_fill(position, direction, level_price, level_count, fee, now=now)
            cash += delta
            action, price = fill_terms(order, level_price)
            fills.append(
                PaperFill(
                    fill_id=f"paper-{self._new_id()}",
                    order_id=order.order_id,
                    market_ticker=order.market_ticker,
                    side=order.side,
                    action=action,
                    price=price,
                    count=level_count,
                    fee=fee,
                    is_taker=True,
                    created_time=now,
                )
            )
        order = order.with_fills(fills, now=now)
        if reason is None and order.status is OrderStatus.RESTING:
            if intent.time_in_force is not TimeInForce.GTC:
                reason = "immediate_or_cancel"
            elif intent.reduce_only and order.filled_count >= count:
                reason = "reduce_only"
        if reason is not None and order.status is OrderStatus.RESTING:
            order = order.cancelled(reason, now=now)
        if order.status is OrderStatus.RESTING:
            order = order.model_copy(
                update={"queue_ahead": queue_ahead(book, direction, yes_price), "tape": mark}
            )
        resting = [
            o for o in self._ledger.orders(self.account, resting_only=True) if o.order_id != order.order_id
        ]
        holdings = {p.market_ticker: p.position for p in self._ledger.positions(self.account)}
        holdings[position.market_ticker] = position.position
        locked = locked_collateral([*resting, order], holdings, self._fees)
        if cash - locked < 0:
            available = account.cash - locked_collateral(
                resting,
                {p.market_ticker: p.position for p in self._ledger.positions(self.account)},
                self._fees,
            )
            raise InsufficientBalanceError(
                f"paper balance {available} does not cover this order", venue=PAPER_VENUE
            )
        write = LedgerWrite(
            account=account.model_copy(
                update={"cash": cash, "version": account.version + 1, "updated_time": now}
            ),
            orders=(order,),
            new_client_ids=(order.client_order_id,),
            fills=tuple(fills),
            positions=(position,) if fills else (),
        )
        return write, order

    def _recovered(self, order: Order) -> OrderAck:
        return OrderAck(
            order_id=order.order_id,
            client_order_id=order.client_order_id or "",
            status=order.status,
            filled_count=order.filled_count,
            remaining_count=order.remaining_count,
            average_fill_price=order.average_fill_price,
            venue_time=order.updated_time,
            recovered=True,
            order=order,
        )

    def cancel_order(self, order_id: str, *, market_ticker: str | None = None) -> CancelAck:
        """Cancel a resting order (after it took its share of the tape so far); NotFound when it
        is unknown or no longer resting (as on Kalshi)."""
        self._order(order_id)  # unknown → NotFound; resting → its tape share is taken first
        for _ in range(MAX_ATTEMPTS):
            account = self._open()
            order = self._ledger.get_order(self.account, order_id)
            if order is None or order.status is not OrderStatus.RESTING:
                raise NotFoundError(f"paper order {order_id} is not resting", venue=PAPER_VENUE)
            now = self._now()
            cancelled = order.cancelled("cancelled", now=now)
            write = LedgerWrite(
                account=account.model_copy(update={"version": account.version + 1, "updated_time": now}),
                orders=(cancelled,),
            )
            try:
                self._ledger.commit(self.account, write)
            except LedgerConflict:
                continue
            return CancelAck(
                order_id=order_id,
                client_order_id=order.client_order_id,
                reduced_by=order.remaining,
                venue_time=now,
            )
        raise PaperContentionError(f"paper account {self.account} kept changing", venue=PAPER_VENUE)
