"""The paper venue's fill model: pure functions over Decimal money, no I/O.

How a paper order fills (the same rules whatever feeds the book and the tape):

- **Taker part.** An order walks a snapshot of the opposite side of the book, best level first,
  taking each level's size up to its limit price; every level is one fill at that level's price,
  charged Kalshi's taker fee (:func:`inplay.money.kalshi_taker_fee`, rounded up per fill, so a
  paper fee is never below the real one). Nothing ever fills at the mid or at a price the book
  did not show.
- **Resting part (GTC).** What is left rests at the limit with a queue position: the size the
  book showed on the same side at exactly that price (every real order there is ahead of us).
- **Tape.** A resting order fills only from public trades after it was placed: a trade AT its
  price whose taker hit our side first eats the queue ahead, and only what is left of it fills
  us; a trade THROUGH its price (worse for the counterparty than our limit) means the level was
  empty, so the queue is gone and the trade's size fills us. Fills from the tape are maker fills
  at our limit price (maker fee: zero by default, as on Kalshi's game series). One trade's size
  is shared out among our resting orders, never counted twice.
- **No market impact.** Paper orders never reach the real book: the snapshot a taker walks is the
  real one, so two paper orders in a row can both take the same displayed size, and a resting
  paper order moves no one else's queue. Trades at our price where the taker was on our own side
  (an ask lifted at our bid) are not counted: they say nothing about sellers reaching us.
- **Money.** Fully collateralised like Kalshi: buying YES at ``p`` costs ``p``, buying NO costs
  ``1 − p``; closing a holding pays its side's price; a resting order locks what it could cost.
  Settlement pays $1 per winning contract.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Final

from pydantic import BaseModel, ConfigDict

from inplay.money import Count, Dollars, kalshi_taker_fee
from inplay.venues.base import (
    Action,
    Fill,
    Order,
    OrderBook,
    OrderStatus,
    OutcomeSide,
    Position,
    TimeInForce,
    UtcDatetime,
    from_yes_terms,
    to_yes_terms,
)

__all__ = [
    "FeeModel",
    "PaperAccount",
    "PaperFill",
    "PaperOrder",
    "PaperPosition",
    "Settlement",
    "TapeMark",
    "TapeTrade",
    "TradeAllocation",
    "Walk",
    "allocate_trades",
    "apply_fill",
    "closable",
    "crosses",
    "fill_terms",
    "locked_collateral",
    "queue_ahead",
    "settle_position",
    "walk_book",
]

ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)
MICRO: Final = Decimal("0.000001")
"""Dollar amounts derived by division (average cost) are kept to Kalshi's six places."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---------------------------------------------------------------------------------------------
# State


class TapeTrade(_Model):
    """One public trade: YES price, size, and which way the taker went (+1 bought YES)."""

    trade_id: str
    yes_price: Dollars
    count: Count
    taker_yes_direction: int
    created_time: UtcDatetime


class TapeMark(_Model):
    """Where an order's reading of the tape stands: trades at or before ``time`` are consumed,
    except those at exactly ``time`` whose ids are not in ``ids``."""

    time: UtcDatetime
    ids: tuple[str, ...] = ()

    def is_new(self, trade: TapeTrade) -> bool:
        return trade.created_time > self.time or (
            trade.created_time == self.time and trade.trade_id not in self.ids
        )

    @classmethod
    def after(cls, trades: Sequence[TapeTrade]) -> TapeMark | None:
        """The mark just past ``trades`` (None when there are none)."""
        if not trades:
            return None
        last = max(trade.created_time for trade in trades)
        return cls(time=last, ids=tuple(sorted(t.trade_id for t in trades if t.created_time == last)))


class PaperFill(_Model):
    fill_id: str
    order_id: str
    market_ticker: str
    side: OutcomeSide
    action: Action
    price: Dollars
    """Price of ``side``."""
    count: Count
    fee: Dollars
    is_taker: bool
    created_time: UtcDatetime

    @property
    def yes_terms(self) -> tuple[int, Decimal]:
        return to_yes_terms(self.side, self.action, self.price)

    def to_fill(self) -> Fill:
        return Fill(
            fill_id=self.fill_id,
            order_id=self.order_id,
            market_ticker=self.market_ticker,
            side=self.side,
            action=self.action,
            price=self.price,
            count=self.count,
            fee=self.fee,
            is_taker=self.is_taker,
            created_time=self.created_time,
        )


class PaperOrder(_Model):
    order_id: str
    client_order_id: str
    market_ticker: str
    side: OutcomeSide
    action: Action
    price: Dollars
    time_in_force: TimeInForce
    post_only: bool = False
    reduce_only: bool = False
    status: OrderStatus
    initial_count: Count
    filled_count: Count = ZERO
    fees: Dollars = ZERO
    fill_cost: Dollars = ZERO
    """Σ fill price × count (side prices), for the average fill price."""
    queue_ahead: Count = ZERO
    tape: TapeMark | None = None
    """Trades up to here are consumed; None: every trade on the tape is after placement."""
    created_time: UtcDatetime
    updated_time: UtcDatetime
    expiration_time: UtcDatetime | None = None
    cancel_reason: str | None = None
    fills: tuple[PaperFill, ...] = ()

    @property
    def remaining(self) -> Decimal:
        return self.initial_count - self.filled_count if self.status is OrderStatus.RESTING else ZERO

    @property
    def yes_direction(self) -> int:
        return to_yes_terms(self.side, self.action, self.price)[0]

    @property
    def yes_price(self) -> Decimal:
        return to_yes_terms(self.side, self.action, self.price)[1]

    def with_fills(self, fills: Sequence[PaperFill], *, now: datetime) -> PaperOrder:
        filled = self.filled_count + sum((f.count for f in fills), ZERO)
        return self.model_copy(
            update={
                "filled_count": filled,
                "fees": self.fees + sum((f.fee for f in fills), ZERO),
                "fill_cost": self.fill_cost + sum((f.price * f.count for f in fills), ZERO),
                "fills": self.fills + tuple(fills),
                "status": OrderStatus.EXECUTED if filled >= self.initial_count else self.status,
                "updated_time": now,
            }
        )

    def cancelled(self, reason: str, *, now: datetime) -> PaperOrder:
        return self.model_copy(
            update={"status": OrderStatus.CANCELED, "cancel_reason": reason, "updated_time": now}
        )

    def to_order(self) -> Order:
        average = (self.fill_cost / self.filled_count).quantize(MICRO) if self.filled_count else None
        return Order(
            order_id=self.order_id,
            client_order_id=self.client_order_id,
            market_ticker=self.market_ticker,
            side=self.side,
            action=self.action,
            price=self.price,
            status=self.status,
            initial_count=self.initial_count,
            filled_count=self.filled_count,
            remaining_count=self.remaining,
            average_fill_price=average,
            fees=self.fees,
            created_time=self.created_time,
            updated_time=self.updated_time,
            expiration_time=self.expiration_time,
        )


class PaperPosition(_Model):
    """Signed YES contracts (negative: NO held) with their cost basis."""

    market_ticker: str
    position: Count = ZERO
    cost: Dollars = ZERO
    """What the contracts held now cost (always ≥ 0)."""
    realized_pnl: Dollars = ZERO
    """Before fees; settlement included."""
    fees_paid: Dollars = ZERO
    settled: bool = False
    updated_time: UtcDatetime

    def to_position(self) -> Position:
        return Position(
            market_ticker=self.market_ticker,
            position=self.position,
            exposure=self.cost,
            realized_pnl=self.realized_pnl,
            fees_paid=self.fees_paid,
            updated_time=self.updated_time,
        )


class PaperAccount(_Model):
    key: str
    cash: Dollars
    """Cash including what resting orders lock (available = cash − locked)."""
    starting_balance: Dollars
    version: int = 0
    created_time: UtcDatetime
    updated_time: UtcDatetime


@dataclass(frozen=True, slots=True)
class FeeModel:
    """Kalshi's quadratic fee: taker at ``taker_multiplier``; maker at ``maker_multiplier``
    (zero on series without maker fees, the game-winner series included)."""

    taker_multiplier: Decimal = Decimal("0.07")
    maker_multiplier: Decimal = ZERO

    def fee(self, count: Decimal, yes_price: Decimal, *, taker: bool) -> Decimal:
        multiplier = self.taker_multiplier if taker else self.maker_multiplier
        return kalshi_taker_fee(count, yes_price, multiplier) if multiplier > 0 else ZERO


# ---------------------------------------------------------------------------------------------
# The book


def _opposite(book: OrderBook, direction: int) -> list[tuple[Decimal, Decimal]]:
    """What a ``direction`` order trades against, as (YES price, size), best first."""
    if direction > 0:
        return [(ONE - level.price, level.count) for level in book.no_bids]
    return [(level.price, level.count) for level in book.yes_bids]


def _acceptable(direction: int, level_price: Decimal, limit: Decimal) -> bool:
    return level_price <= limit if direction > 0 else level_price >= limit


def crosses(book: OrderBook, direction: int, yes_limit: Decimal) -> bool:
    """True when an order at ``yes_limit`` would take liquidity now."""
    levels = _opposite(book, direction)
    return bool(levels) and _acceptable(direction, levels[0][0], yes_limit)


@dataclass(frozen=True, slots=True)
class Walk:
    levels: tuple[tuple[Decimal, Decimal], ...]
    """(YES price, count) taken per level, best first."""

    @property
    def count(self) -> Decimal:
        return sum((count for _, count in self.levels), ZERO)


def walk_book(book: OrderBook, direction: int, yes_limit: Decimal, count: Decimal) -> Walk:
    """Take the opposite side level by level up to ``yes_limit`` until ``count`` is reached."""
    taken: list[tuple[Decimal, Decimal]] = []
    left = count
    for price, size in _opposite(book, direction):
        if left <= 0 or not _acceptable(direction, price, yes_limit):
            break
        take = min(left, size)
        if take > 0:
            taken.append((price, take))
            left -= take
    return Walk(tuple(taken))


def queue_ahead(book: OrderBook, direction: int, yes_price: Decimal) -> Decimal:
    """Size already resting on our side at exactly our price (all of it is ahead of us)."""
    if direction > 0:
        levels, price = book.yes_bids, yes_price
    else:
        levels, price = book.no_bids, ONE - yes_price
    return sum((level.count for level in levels if level.price == price), ZERO)


# ---------------------------------------------------------------------------------------------
# Money


def _open_price(direction: int, yes_price: Decimal) -> Decimal:
    """What one contract of new exposure costs: YES at ``p``, NO at ``1 − p``."""
    return yes_price if direction > 0 else ONE - yes_price


def closable(position: Decimal, direction: int) -> Decimal:
    """Contracts a ``direction`` trade can close (YES held and selling, or NO held and buying)."""
    if direction > 0:
        return max(-position, ZERO)
    return max(position, ZERO)


def apply_fill(
    position: PaperPosition,
    direction: int,
    yes_price: Decimal,
    count: Decimal,
    fee: Decimal,
    *,
    now: datetime,
) -> tuple[PaperPosition, Decimal]:
    """The position after a fill and the cash it moves (negative: paid), fee included."""
    pos, cost, realized = position.position, position.cost, position.realized_pnl
    cash = -fee
    closing = min(count, closable(pos, direction))
    if closing > 0:
        proceeds = (yes_price if pos > 0 else ONE - yes_price) * closing
        removed = (cost * closing / abs(pos)).quantize(MICRO, rounding=ROUND_HALF_EVEN)
        if closing == abs(pos):
            removed = cost
        cash += proceeds
        realized += proceeds - removed
        cost -= removed
        pos += direction * closing
    opening = count - closing
    if opening > 0:
        paid = _open_price(direction, yes_price) * opening
        cash -= paid
        cost += paid
        pos += direction * opening
    updated = position.model_copy(
        update={
            "position": pos,
            "cost": cost,
            "realized_pnl": realized,
            "fees_paid": position.fees_paid + fee,
            "settled": False,
            "updated_time": now,
        }
    )
    return updated, cash


def locked_collateral(orders: Iterable[PaperOrder], positions: dict[str, Decimal], fees: FeeModel) -> Decimal:
    """What resting orders could still cost: each one's opening part at its price plus the fee
    reserve. A holding's closable contracts are shared out among its market's orders in turn."""
    left = dict(positions)
    total = ZERO
    for order in sorted(orders, key=lambda o: (o.created_time, o.order_id)):
        remaining = order.remaining
        if remaining <= 0:
            continue
        direction, yes_price = order.yes_direction, order.yes_price
        pos = left.get(order.market_ticker, ZERO)
        closing = min(remaining, closable(pos, direction))
        left[order.market_ticker] = pos + direction * closing
        opening = remaining - closing
        total += _open_price(direction, yes_price) * opening
        total += fees.fee(remaining, yes_price, taker=False)
    return total


@dataclass(frozen=True, slots=True)
class Settlement:
    position: PaperPosition
    payout: Decimal


def settle_position(position: PaperPosition, result: OutcomeSide, *, now: datetime) -> Settlement:
    """Pay $1 per winning contract; the holding goes to zero."""
    pos = position.position
    wins = (pos > 0 and result is OutcomeSide.YES) or (pos < 0 and result is OutcomeSide.NO)
    payout = abs(pos) if wins else ZERO
    settled = position.model_copy(
        update={
            "position": ZERO,
            "cost": ZERO,
            "realized_pnl": position.realized_pnl + payout - position.cost,
            "settled": True,
            "updated_time": now,
        }
    )
    return Settlement(settled, payout)


# ---------------------------------------------------------------------------------------------
# The tape


@dataclass(frozen=True, slots=True)
class TradeAllocation:
    """Contracts the tape gives one resting order, and its queue and tape mark afterwards."""

    order_id: str
    count: Decimal
    queue_ahead: Decimal
    tape: TapeMark | None


def _priority(order: PaperOrder) -> tuple[Decimal, datetime, str]:
    better_first = -order.yes_price if order.yes_direction > 0 else order.yes_price
    return better_first, order.created_time, order.order_id


def allocate_trades(
    orders: Sequence[PaperOrder],
    trades: Sequence[TapeTrade],
    *,
    caps: dict[str, Decimal] | None = None,
) -> dict[str, TradeAllocation]:
    """Share out ``trades`` (any order) among resting ``orders`` of one market.

    Each order only sees trades after its tape mark (and not after its expiration); better-priced
    orders come first, then older ones. ``caps`` limits an order's total (reduce-only orders:
    what the position lets them close).
    """
    ordered_trades = sorted(trades, key=lambda t: (t.created_time, t.trade_id))
    limits = caps or {}
    state: dict[str, list[Any]] = {
        o.order_id: [ZERO, o.queue_ahead, o.tape, min(o.remaining, limits.get(o.order_id, o.remaining))]
        for o in orders
    }
    ranked = sorted((o for o in orders if o.remaining > 0), key=_priority)
    for trade in ordered_trades:
        available = trade.count
        for order in ranked:
            mark = order.tape
            if mark is not None and not mark.is_new(trade):
                continue
            if order.expiration_time is not None and trade.created_time > order.expiration_time:
                continue
            entry = state[order.order_id]
            got, queue, _, room = entry
            direction, price = order.yes_direction, order.yes_price
            through = trade.yes_price < price if direction > 0 else trade.yes_price > price
            at_price = trade.yes_price == price and trade.taker_yes_direction == -direction
            if through:
                queue, reach = ZERO, trade.count
            elif at_price:
                eaten = min(queue, trade.count)
                queue, reach = queue - eaten, trade.count - eaten
            else:
                reach = ZERO
            take = min(reach, available, room - got)
            if take > 0:
                got += take
                available -= take
            entry[0], entry[1] = got, queue
    result: dict[str, TradeAllocation] = {}
    for order in orders:
        got, queue, mark, _ = state[order.order_id]
        result[order.order_id] = TradeAllocation(
            order.order_id, got, queue, _merge_marks(mark, ordered_trades)
        )
    return result


def _merge_marks(mark: TapeMark | None, trades: Sequence[TapeTrade]) -> TapeMark | None:
    unseen = [t for t in trades if mark is None or mark.is_new(t)]
    if not unseen:
        return mark
    latest = max(t.created_time for t in unseen)
    if mark is not None and mark.time == latest:
        ids = tuple(sorted(set(mark.ids) | {t.trade_id for t in unseen if t.created_time == latest}))
        return TapeMark(time=latest, ids=ids)
    return TapeMark(time=latest, ids=tuple(sorted(t.trade_id for t in trades if t.created_time == latest)))


def fill_terms(order: PaperOrder, yes_price: Decimal) -> tuple[Action, Decimal]:
    """A fill of ``order`` at ``yes_price``, in the order's own side terms."""
    return from_yes_terms(order.yes_direction, yes_price, order.side)
