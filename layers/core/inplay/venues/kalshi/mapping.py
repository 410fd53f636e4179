"""Trader terms ↔ Kalshi V2 terms, and Kalshi wire objects → venue-neutral models.

V2 orders live on one book, the YES book: ``bid`` buys YES, ``ask`` sells YES, and ``price`` is
always the YES price. So

=====================  ===================
trader intent          V2 request
=====================  ===================
buy  YES @ p           ``bid`` @ p
sell YES @ p           ``ask`` @ p
buy  NO  @ q           ``ask`` @ 1 − q
sell NO  @ q           ``bid`` @ 1 − q
=====================  ===================

The way back is ambiguous by construction ("buy YES @0.40" and "sell NO @0.60" are one order);
it is exact when the outcome side is known (:func:`v2_to_intent_terms` with ``side``). Orders
read back from Kalshi use the deprecated ``side``/``action`` fields when Kalshi still sends them,
else the caller's hint, else the buy form (bid → buy YES, ask → buy NO).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Final, Literal

from inplay.money import cents_to_dollars, format_count, format_dollars
from inplay.venues.base import (
    ONE,
    ZERO,
    Action,
    Balance,
    ExchangeStatus,
    Fill,
    InvalidIntentError,
    Market,
    MarketStatus,
    Order,
    OrderAck,
    OrderBook,
    OrderIntent,
    OrderStatus,
    OutcomeSide,
    Position,
    PriceLevel,
    TimeInForce,
    from_yes_terms,
    to_yes_terms,
)
from inplay.venues.kalshi.models import (
    BookSide,
    CreateOrderResponse,
    GetBalanceResponse,
    GetOrderbookResponse,
    KalshiExchangeStatus,
    KalshiFill,
    KalshiMarket,
    KalshiMarketPosition,
    KalshiOrder,
    utc_from_ms,
)

__all__ = [
    "TIME_IN_FORCE",
    "SelfTradePrevention",
    "V2Order",
    "ack_from_create",
    "ack_from_order",
    "balance_from_kalshi",
    "exchange_status_from_kalshi",
    "fill_from_kalshi",
    "intent_to_v2",
    "market_from_kalshi",
    "order_from_kalshi",
    "orderbook_from_kalshi",
    "position_from_kalshi",
    "v2_to_intent_terms",
]

SelfTradePrevention = Literal["taker_at_cross", "maker"]
TIME_IN_FORCE: Final = {
    TimeInForce.GTC: "good_till_canceled",
    TimeInForce.IOC: "immediate_or_cancel",
    TimeInForce.FOK: "fill_or_kill",
}
REQUEST_PRICE_PLACES: Final = 4
"""V2 requests accept 2–4 decimals for prices."""
AVERAGE_PLACES: Final = Decimal("0.000001")

_MARKET_STATUS: Final = {
    "initialized": MarketStatus.UNOPENED,
    "unopened": MarketStatus.UNOPENED,
    "active": MarketStatus.OPEN,
    "open": MarketStatus.OPEN,
    "inactive": MarketStatus.PAUSED,
    "paused": MarketStatus.PAUSED,
    "closed": MarketStatus.CLOSED,
    "determined": MarketStatus.CLOSED,
    "disputed": MarketStatus.CLOSED,
    "amended": MarketStatus.CLOSED,
    "finalized": MarketStatus.SETTLED,
    "settled": MarketStatus.SETTLED,
}


@dataclass(frozen=True, slots=True)
class V2Order:
    """The YES-book terms of one order."""

    side: BookSide
    price: Decimal
    """YES price."""


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 99


def intent_terms_to_v2(side: OutcomeSide, action: Action, price: Decimal) -> V2Order:
    direction, yes_price = to_yes_terms(side, action, price)
    return V2Order(side=BookSide.from_yes_direction(direction), price=yes_price)


def v2_to_intent_terms(
    book_side: BookSide, yes_price: Decimal, side: OutcomeSide | None = None
) -> tuple[OutcomeSide, Action, Decimal]:
    """YES-book terms → ``(side, action, price of side)``; ``side=None`` gives the buy form."""
    if side is None:
        side = OutcomeSide.YES if book_side is BookSide.BID else OutcomeSide.NO
    action, price = from_yes_terms(book_side.yes_direction, yes_price, side)
    return side, action, price


def intent_to_v2(
    intent: OrderIntent,
    *,
    self_trade_prevention: SelfTradePrevention = "taker_at_cross",
    cancel_order_on_pause: bool = True,
    subaccount: int | None = None,
) -> dict[str, Any]:
    """The ``CreateOrderV2Request`` body for ``intent``; refuses what Kalshi would reject.

    Kalshi rules checked here: ``reduce_only`` only with IOC; the YES price at most 4 decimals;
    ``expiration`` (GTC only, enforced by the intent) sent as whole Unix seconds, rounded up so an
    order never expires before the time asked for.
    """
    terms = intent_terms_to_v2(intent.side, intent.action, intent.price)
    if intent.reduce_only and intent.time_in_force is not TimeInForce.IOC:
        raise InvalidIntentError("Kalshi accepts reduce_only only with time_in_force ioc", venue="kalshi")
    if _places(terms.price) > REQUEST_PRICE_PLACES:
        raise InvalidIntentError(
            f"price {intent.price} needs more than {REQUEST_PRICE_PLACES} decimals on Kalshi's YES book",
            venue="kalshi",
        )
    body: dict[str, Any] = {
        "ticker": intent.market_ticker,
        "client_order_id": intent.client_order_id,
        "side": terms.side.value,
        "count": format_count(intent.count),
        "price": format_dollars(terms.price, min_places=REQUEST_PRICE_PLACES),
        "time_in_force": TIME_IN_FORCE[intent.time_in_force],
        "self_trade_prevention_type": self_trade_prevention,
        "post_only": intent.post_only,
        "reduce_only": intent.reduce_only,
        "cancel_order_on_pause": cancel_order_on_pause,
    }
    if intent.expiration is not None:
        seconds = intent.expiration.timestamp()
        body["expiration_time"] = int(seconds) if seconds == int(seconds) else int(seconds) + 1
    if subaccount is not None:
        body["subaccount"] = subaccount
    return body


def _average(total: Decimal, count: Decimal) -> Decimal | None:
    if count <= 0:
        return None
    return (total / count).quantize(AVERAGE_PLACES, rounding=ROUND_HALF_EVEN)


def _side_price(yes_price: Decimal, side: OutcomeSide) -> Decimal:
    return yes_price if side is OutcomeSide.YES else ONE - yes_price


def _legacy_side(
    order_side: OutcomeSide | None, order_action: Action | None, book_side: BookSide
) -> OutcomeSide | None:
    """The trader's side from deprecated ``side``/``action``, if present and consistent."""
    if order_side is None or order_action is None:
        return None
    direction, _ = to_yes_terms(order_side, order_action, Decimal("0.5"))
    return order_side if direction == book_side.yes_direction else None


def order_from_kalshi(order: KalshiOrder, *, side_hint: OutcomeSide | None = None) -> Order:
    """Kalshi ``Order`` → :class:`Order`, read as ``side_hint`` (or legacy side, or buy form).

    ``average_fill_price`` is fill cost / fill count. Kalshi's fill cost is taken as the cost of
    the order's ``outcome_side`` contracts (YES for bid, NO for ask) — an interpretation: the spec
    only says "cost of filled orders in dollars". Fills stay the authoritative price record.
    """
    book_side = order.direction
    side = side_hint or _legacy_side(order.side, order.action, book_side)
    side, action, price = v2_to_intent_terms(book_side, order.yes_price_dollars, side)
    outcome = OutcomeSide.YES if book_side is BookSide.BID else OutcomeSide.NO
    avg_outcome = _average(order.fill_cost, order.fill_count_fp)
    average = None
    if avg_outcome is not None and ZERO <= avg_outcome <= ONE:
        average = avg_outcome if side is outcome else ONE - avg_outcome
    return Order(
        order_id=order.order_id,
        client_order_id=order.client_order_id or None,
        market_ticker=order.ticker,
        side=side,
        action=action,
        price=price,
        status=order.status,
        initial_count=order.initial_count_fp,
        filled_count=order.fill_count_fp,
        remaining_count=order.remaining_count_fp,
        average_fill_price=average,
        fees=order.fees,
        created_time=order.created_time,
        updated_time=order.last_update_time,
        expiration_time=order.expiration_time,
    )


def _ack_status(filled: Decimal, remaining: Decimal, count: Decimal) -> OrderStatus:
    if remaining > 0:
        return OrderStatus.RESTING
    if filled >= count:
        return OrderStatus.EXECUTED
    return OrderStatus.CANCELED  # IOC/FOK remainder, post-only cross, self-trade prevention


class AckMismatch(ValueError):
    """A create response that cannot belong to the intent we sent."""


def ack_from_create(response: CreateOrderResponse, intent: OrderIntent) -> OrderAck:
    """``CreateOrderV2Response`` → :class:`OrderAck`; raises :class:`AckMismatch` if it cannot be ours."""
    if response.client_order_id and response.client_order_id != intent.client_order_id:
        raise AckMismatch(
            f"create response is for client_order_id {response.client_order_id!r},"
            f" not {intent.client_order_id!r}"
        )
    if (
        response.fill_count < 0
        or response.remaining_count < 0
        or response.fill_count + response.remaining_count > intent.count
    ):
        raise AckMismatch(
            f"create response counts (filled {response.fill_count}, remaining {response.remaining_count}) "
            f"do not fit an order of {intent.count}"
        )
    average = None
    if response.average_fill_price is not None and response.fill_count > 0:
        average = _side_price(response.average_fill_price, intent.side)
    return OrderAck(
        order_id=response.order_id,
        client_order_id=intent.client_order_id,
        status=_ack_status(response.fill_count, response.remaining_count, intent.count),
        filled_count=response.fill_count,
        remaining_count=response.remaining_count,
        average_fill_price=average,
        average_fee=response.average_fee_paid if response.fill_count > 0 else None,
        venue_time=utc_from_ms(response.ts_ms),
    )


def ack_from_order(order: KalshiOrder, intent: OrderIntent) -> OrderAck:
    """An :class:`OrderAck` from a looked-up order (``recovered=True``)."""
    neutral = order_from_kalshi(order, side_hint=intent.side)
    average_fee = _average(order.fees, order.fill_count_fp)
    return OrderAck(
        order_id=order.order_id,
        client_order_id=intent.client_order_id,
        status=order.status,
        filled_count=order.fill_count_fp,
        remaining_count=order.remaining_count_fp,
        average_fill_price=neutral.average_fill_price,
        average_fee=average_fee,
        venue_time=order.last_update_time or order.created_time,
        recovered=True,
        order=neutral,
    )


def fill_from_kalshi(fill: KalshiFill, *, side_hint: OutcomeSide | None = None) -> Fill:
    book_side = fill.direction
    side = side_hint or _legacy_side(fill.side, fill.action, book_side)
    side, action, price = v2_to_intent_terms(book_side, fill.yes_price_dollars, side)
    created = fill.created_time
    if created is None and fill.ts is not None:
        created = utc_from_ms(fill.ts * 1000)
    return Fill(
        fill_id=fill.fill_id,
        order_id=fill.order_id,
        market_ticker=fill.ticker,
        side=side,
        action=action,
        price=price,
        count=fill.count_fp,
        fee=fill.fee_cost,
        is_taker=fill.is_taker,
        created_time=created,
    )


def position_from_kalshi(position: KalshiMarketPosition) -> Position:
    return Position(
        market_ticker=position.ticker,
        position=position.position_fp,
        exposure=position.market_exposure_dollars,
        realized_pnl=position.realized_pnl_dollars,
        fees_paid=position.fees_paid_dollars,
        updated_time=position.last_updated_ts,
    )


def balance_from_kalshi(response: GetBalanceResponse) -> Balance:
    """``balance_dollars`` when present (exact), else the integer-cent ``balance``."""
    available = (
        response.balance_dollars
        if response.balance_dollars is not None
        else cents_to_dollars(response.balance)
    )
    portfolio = cents_to_dollars(response.portfolio_value) if response.portfolio_value is not None else None
    updated = utc_from_ms(response.updated_ts * 1000) if response.updated_ts else None
    return Balance(available=available, portfolio_value=portfolio, updated_time=updated)


def _levels(raw: list[tuple[Decimal, Decimal]] | None) -> tuple[PriceLevel, ...]:
    levels = [PriceLevel(price=price, count=count) for price, count in raw or () if count > 0]
    return tuple(sorted(levels, key=lambda level: level.price, reverse=True))


def orderbook_from_kalshi(ticker: str, response: GetOrderbookResponse) -> OrderBook:
    """Sorted best first here: Kalshi's level order is not reliably documented."""
    book = response.orderbook_fp
    return OrderBook(
        market_ticker=ticker, yes_bids=_levels(book.yes_dollars), no_bids=_levels(book.no_dollars)
    )


def market_status(status: str) -> MarketStatus:
    """Kalshi's lifecycle word → :class:`MarketStatus`; an unknown word is CLOSED (not tradable)."""
    return _MARKET_STATUS.get(status.strip().lower(), MarketStatus.CLOSED)


def _quote(value: Decimal | None) -> Decimal | None:
    """Kalshi shows "no bid" as 0 and "no ask" as 1; neither is a price."""
    return None if value is None or value <= 0 or value >= 1 else value


def market_from_kalshi(market: KalshiMarket) -> Market:
    steps = {price_range.step for price_range in market.price_ranges}
    result = {"yes": OutcomeSide.YES, "no": OutcomeSide.NO}.get((market.result or "").lower())
    return Market(
        ticker=market.ticker,
        event_ticker=market.event_ticker,
        title=market.title or market.yes_sub_title,
        status=market_status(market.status),
        venue_status=market.status,
        yes_bid=_quote(market.yes_bid_dollars),
        yes_ask=_quote(market.yes_ask_dollars),
        last_price=_quote(market.last_price_dollars),
        close_time=market.close_time,
        result=result,
        tick_size=steps.pop() if len(steps) == 1 else None,
    )


def exchange_status_from_kalshi(status: KalshiExchangeStatus) -> ExchangeStatus:
    return ExchangeStatus(
        exchange_active=status.exchange_active,
        trading_active=status.trading_active,
        estimated_resume_time=status.exchange_estimated_resume_time,
    )


def unix_seconds(moment: datetime) -> int:
    """A filter timestamp (Kalshi query ``min_ts``/``max_ts`` are whole Unix seconds)."""
    return int(moment.timestamp())
