"""What every venue speaks: the ``Venue`` protocol, venue-neutral models and the typed errors.

Kalshi, the paper venue and (later) Polymarket all implement :class:`Venue`; the order workflow,
the reconciler and the kill switch only ever see these types. Conventions:

- Prices are ``Decimal`` dollars of the outcome side being traded (a NO price is the NO price,
  never ``1 − YES``). ``yes_direction``/``yes_price`` give the canonical YES-book view of any
  order or fill, so two equivalent orders ("sell YES @0.60" ≡ "buy NO @0.40") compare equal there.
- Counts are ``Decimal`` contracts (fractional, granularity 0.01). Positions are signed YES
  contracts: negative means NO contracts are held.
- Times are timezone-aware UTC.

Error contract (every venue raises only :class:`VenueError` subclasses from its public methods):
an error with ``order_may_exist = True`` (:class:`AmbiguousOutcomeError` and its subclass
:class:`DuplicateClientOrderIdError`) never means "failed": the order must be settled later from
venue evidence (get order, fills, positions). Every other error from ``place_order`` proves the
order was not created by that call.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Final, Protocol, Self, runtime_checkable

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from inplay.money import Count, Dollars

__all__ = [
    "CLIENT_ORDER_ID_PATTERN",
    "Action",
    "AmbiguousOutcomeError",
    "AuthenticationError",
    "Balance",
    "CancelAck",
    "Clock",
    "DuplicateClientOrderIdError",
    "ExchangeStatus",
    "ExchangeUnavailableError",
    "Fill",
    "InsufficientBalanceError",
    "InvalidIntentError",
    "InvalidResponseError",
    "Market",
    "MarketClosedError",
    "MarketNotTradableError",
    "MarketStatus",
    "NotFoundError",
    "Order",
    "OrderAck",
    "OrderBook",
    "OrderIntent",
    "OrderRejectedError",
    "OrderStatus",
    "OutcomeSide",
    "PermissionDeniedError",
    "Position",
    "PriceLevel",
    "RateLimitedError",
    "SystemClock",
    "TimeInForce",
    "TradingPausedError",
    "UtcDatetime",
    "Venue",
    "VenueError",
    "from_yes_terms",
    "to_yes_terms",
]

ONE: Final = Decimal(1)
ZERO: Final = Decimal(0)
CLIENT_ORDER_ID_PATTERN: Final = r"^[A-Za-z0-9_-]{1,64}$"
"""Our client order ids: UUIDs or deterministic intent ids. Kalshi's own limits are unpublished,
so we stay inside the conservative set every venue accepts."""


# ---------------------------------------------------------------------------------------------
# Vocabulary


class OutcomeSide(StrEnum):
    """The outcome a contract pays on."""

    YES = "yes"
    NO = "no"

    @property
    def opposite(self) -> OutcomeSide:
        return OutcomeSide.NO if self is OutcomeSide.YES else OutcomeSide.YES


class Action(StrEnum):
    BUY = "buy"
    SELL = "sell"


class TimeInForce(StrEnum):
    GTC = "gtc"
    """Rests until filled or cancelled (or until ``expiration``)."""
    IOC = "ioc"
    """Fills what it can now; the rest is cancelled."""
    FOK = "fok"
    """Fills completely now or not at all."""


class OrderStatus(StrEnum):
    """The only order states a venue reports; there is no "pending" (ambiguity is an error)."""

    RESTING = "resting"
    CANCELED = "canceled"
    EXECUTED = "executed"


class MarketStatus(StrEnum):
    UNOPENED = "unopened"
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"
    SETTLED = "settled"


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A timezone-aware datetime, normalized to UTC; naive datetimes are refused."""


def to_yes_terms(side: OutcomeSide, action: Action, price: Decimal) -> tuple[int, Decimal]:
    """Trader terms → YES-book terms ``(direction, yes_price)``; direction +1 buys YES exposure.

    buy YES @p → (+1, p); sell YES @p → (−1, p); buy NO @q → (−1, 1−q); sell NO @q → (+1, 1−q).
    """
    buys_yes_exposure = (side is OutcomeSide.YES) == (action is Action.BUY)
    yes_price = price if side is OutcomeSide.YES else ONE - price
    return (1 if buys_yes_exposure else -1), yes_price


def from_yes_terms(direction: int, yes_price: Decimal, side: OutcomeSide) -> tuple[Action, Decimal]:
    """YES-book terms → trader terms, expressed on ``side``: the exact inverse of :func:`to_yes_terms`.

    The YES book alone cannot tell "buy YES @p" from "sell NO @1−p" (they are the same order);
    the caller says which outcome side it wants to read the order as.
    """
    if direction not in (1, -1):
        raise ValueError(f"direction must be +1 or -1, got {direction}")
    if side is OutcomeSide.YES:
        return (Action.BUY if direction == 1 else Action.SELL), yes_price
    return (Action.SELL if direction == 1 else Action.BUY), ONE - yes_price


# ---------------------------------------------------------------------------------------------
# Models


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _YesTerms:
    """The same order or fill in YES-book terms (``+1`` buys YES, ``-1`` sells it, at the YES
    price), so intents, orders and fills on either side compare directly."""

    side: OutcomeSide
    action: Action
    price: Decimal

    @property
    def yes_direction(self) -> int:
        return to_yes_terms(self.side, self.action, self.price)[0]

    @property
    def yes_price(self) -> Decimal:
        return to_yes_terms(self.side, self.action, self.price)[1]


def _check_probability_price(price: Decimal, what: str = "price") -> None:
    if not ZERO < price < ONE:
        raise ValueError(f"{what} must be strictly between 0 and 1 dollars, got {price}")


class OrderIntent(_YesTerms, _Model):
    """What a trader wants: buy or sell ``count`` contracts of ``side`` at limit ``price``.

    ``price`` is the limit price of ``side`` (a NO intent carries the NO price). ``client_order_id``
    is the idempotency key: retries of the same intent must reuse it, never mint a new one.
    """

    market_ticker: str = Field(min_length=1, max_length=200)
    side: OutcomeSide
    action: Action
    price: Dollars
    count: Count
    client_order_id: str = Field(pattern=CLIENT_ORDER_ID_PATTERN)
    time_in_force: TimeInForce = TimeInForce.GTC
    post_only: bool = False
    reduce_only: bool = False
    expiration: UtcDatetime | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _check_probability_price(self.price)
        if self.count <= 0:
            raise ValueError(f"count must be positive, got {self.count}")
        if self.expiration is not None and self.time_in_force is not TimeInForce.GTC:
            raise ValueError("expiration is only allowed with time_in_force gtc")
        if self.post_only and self.time_in_force is not TimeInForce.GTC:
            raise ValueError(
                "post_only is only meaningful with time_in_force gtc (an IOC/FOK order never rests)"
            )
        return self


class Order(_YesTerms, _Model):
    """An order as the venue reports it, in the trader terms of ``side``.

    ``price`` and ``average_fill_price`` are prices of ``side``. When a venue cannot tell which
    outcome side the trader used (Kalshi's YES book cannot), it reports the buy form
    (``action == buy``); compare orders through ``yes_direction``/``yes_price``.
    """

    order_id: str = Field(min_length=1)
    client_order_id: str | None = None
    market_ticker: str = Field(min_length=1)
    side: OutcomeSide
    action: Action
    price: Dollars
    status: OrderStatus
    initial_count: Count
    filled_count: Count
    remaining_count: Count
    average_fill_price: Dollars | None = None
    fees: Dollars = ZERO
    created_time: UtcDatetime | None = None
    updated_time: UtcDatetime | None = None
    expiration_time: UtcDatetime | None = None


class OrderAck(_Model):
    """The venue's answer to ``place_order``: the order exists, with this id and this state.

    ``recovered`` is true when the answer came from looking the order up by ``client_order_id``
    (after a lost response or a duplicate-id conflict) rather than from the create response;
    ``order`` is then the full order. Prices are prices of the intent's side.
    """

    order_id: str = Field(min_length=1)
    client_order_id: str
    status: OrderStatus
    filled_count: Count
    remaining_count: Count
    average_fill_price: Dollars | None = None
    average_fee: Dollars | None = None
    """Fee per filled contract, when the venue reports it."""
    venue_time: UtcDatetime | None = None
    recovered: bool = False
    order: Order | None = None


class CancelAck(_Model):
    order_id: str = Field(min_length=1)
    client_order_id: str | None = None
    reduced_by: Count | None
    """Contracts removed from the book; ``None`` when a retried cancel found the order already gone."""
    venue_time: UtcDatetime | None = None


class Fill(_YesTerms, _Model):
    fill_id: str = Field(min_length=1)
    order_id: str
    market_ticker: str
    side: OutcomeSide
    action: Action
    price: Dollars
    count: Count
    fee: Dollars
    is_taker: bool
    created_time: UtcDatetime | None = None


class Position(_Model):
    """Net holding in one market: ``position`` > 0 is YES contracts, < 0 is NO contracts."""

    market_ticker: str
    position: Count
    exposure: Dollars = ZERO
    realized_pnl: Dollars = ZERO
    fees_paid: Dollars = ZERO
    updated_time: UtcDatetime | None = None


class Balance(_Model):
    available: Dollars
    portfolio_value: Dollars | None = None
    updated_time: UtcDatetime | None = None


class PriceLevel(_Model):
    price: Dollars
    count: Count


class OrderBook(_Model):
    """Resting bids on both outcomes, best first. A NO bid at ``q`` is a YES ask at ``1 − q``."""

    market_ticker: str
    yes_bids: tuple[PriceLevel, ...] = ()
    no_bids: tuple[PriceLevel, ...] = ()

    @model_validator(mode="after")
    def _best_first(self) -> Self:
        for name, levels in (("yes_bids", self.yes_bids), ("no_bids", self.no_bids)):
            prices = [level.price for level in levels]
            if prices != sorted(prices, reverse=True):
                raise ValueError(f"{name} must be sorted best (highest) first")
        return self

    @property
    def best_yes_bid(self) -> Decimal | None:
        return self.yes_bids[0].price if self.yes_bids else None

    @property
    def best_no_bid(self) -> Decimal | None:
        return self.no_bids[0].price if self.no_bids else None

    @property
    def best_yes_ask(self) -> Decimal | None:
        return ONE - self.no_bids[0].price if self.no_bids else None

    @property
    def best_no_ask(self) -> Decimal | None:
        return ONE - self.yes_bids[0].price if self.yes_bids else None

    def asks(self, side: OutcomeSide) -> tuple[PriceLevel, ...]:
        """Offers to sell ``side``, best (lowest) first, derived from the opposite side's bids."""
        bids = self.no_bids if side is OutcomeSide.YES else self.yes_bids
        return tuple(PriceLevel(price=ONE - level.price, count=level.count) for level in bids)


class Market(_Model):
    ticker: str
    event_ticker: str | None = None
    title: str | None = None
    status: MarketStatus
    venue_status: str
    """The venue's own status word (Kalshi: ``active``, ``closed``, ``finalized`` …)."""
    yes_bid: Dollars | None = None
    yes_ask: Dollars | None = None
    last_price: Dollars | None = None
    close_time: UtcDatetime | None = None
    result: OutcomeSide | None = None
    tick_size: Dollars | None = None
    """The single price step, when the whole 0–1 range uses one; ``None`` when it varies."""


class ExchangeStatus(_Model):
    exchange_active: bool
    trading_active: bool
    estimated_resume_time: UtcDatetime | None = None


# ---------------------------------------------------------------------------------------------
# Errors


class VenueError(Exception):
    """Base of every error a venue raises. ``retryable``: a later identical call may succeed."""

    retryable: ClassVar[bool] = False
    order_may_exist: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        venue: str = "",
        status: int | None = None,
        code: str | None = None,
        details: str | None = None,
        body: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.venue = venue
        self.status = status
        self.code = code
        self.details = details
        self.body = body
        """The raw response body (truncated), for diagnostics only."""

    def __str__(self) -> str:
        extras = [f"HTTP {self.status}"] if self.status is not None else []
        if self.code:
            extras.append(f"code={self.code}")
        if self.details and self.details != self.message:
            extras.append(self.details)
        prefix = f"{self.venue}: " if self.venue else ""
        return f"{prefix}{self.message}" + (f" ({'; '.join(extras)})" if extras else "")


class AuthenticationError(VenueError):
    """The venue did not accept our credentials (bad key id, signature, timestamp or no key)."""


class PermissionDeniedError(AuthenticationError):
    """Authenticated, but the key may not do this (scope, subaccount restriction)."""


class RateLimitedError(VenueError):
    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class InsufficientBalanceError(VenueError):
    pass


class MarketNotTradableError(VenueError):
    """The market does not take orders right now."""


class MarketClosedError(MarketNotTradableError):
    """Closed, settled or not yet open: waiting will not help within the game."""


class TradingPausedError(MarketNotTradableError):
    """A pause (market, exchange or scheduled maintenance): it may resume."""

    retryable = True


class OrderRejectedError(VenueError):
    """The venue refused the order; ``code`` is the venue's reason. The order does not exist."""

    def __init__(self, message: str, *, code: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, code=code, **kwargs)


class InvalidIntentError(OrderRejectedError):
    """Refused before sending: the intent cannot be expressed on this venue."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, code="invalid_intent", **kwargs)


class NotFoundError(VenueError):
    pass


class ExchangeUnavailableError(VenueError):
    """5xx, maintenance, or no usable answer after retries. Reads may be retried later."""

    retryable = True


class InvalidResponseError(VenueError):
    """A 2xx whose body is not what the API promises (e.g. no order object). Never a success."""


class AmbiguousOutcomeError(VenueError):
    """A write whose outcome is unknown (timeout, lost response): the order MAY exist.

    Record the intent as UNKNOWN and settle it from venue evidence; never treat it as failed and
    never re-place it under a new client order id.
    """

    order_may_exist = True

    def __init__(
        self,
        message: str,
        *,
        client_order_id: str | None = None,
        cause: BaseException | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.client_order_id = client_order_id
        self.cause = cause


class DuplicateClientOrderIdError(AmbiguousOutcomeError):
    """The venue says an order with this client order id exists, but it could not be retrieved."""


# ---------------------------------------------------------------------------------------------
# Time and the protocol


class Clock(Protocol):
    """Wall time, monotonic time and sleeping, injectable so tests never really wait."""

    def time(self) -> float:
        """Seconds since the Unix epoch (UTC)."""
        ...

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


@runtime_checkable
class Venue(Protocol):
    """A trading venue. Every method raises only :class:`VenueError` subclasses.

    Reads never return partial data silently: a failed or truncated read raises.
    """

    name: str

    def exchange_status(self) -> ExchangeStatus: ...

    def get_balance(self) -> Balance: ...

    def get_positions(self, *, market_ticker: str | None = None) -> list[Position]: ...

    def get_fills(
        self, *, market_ticker: str | None = None, order_id: str | None = None, since: datetime | None = None
    ) -> list[Fill]: ...

    def get_order(self, order_id: str) -> Order:
        """The order by venue id; :class:`NotFoundError` when the venue does not know it."""
        ...

    def find_order_by_client_id(
        self, client_order_id: str, *, market_ticker: str | None = None, since: datetime | None = None
    ) -> Order | None:
        """The order carrying ``client_order_id``, or ``None`` when the venue shows none (yet)."""
        ...

    def list_orders(
        self, *, status: OrderStatus | None = None, market_ticker: str | None = None
    ) -> list[Order]: ...

    def place_order(self, intent: OrderIntent) -> OrderAck:
        """Place ``intent`` at most once; see the venue's docstring for its recovery procedure."""
        ...

    def cancel_order(self, order_id: str, *, market_ticker: str | None = None) -> CancelAck: ...

    def get_orderbook(self, market_ticker: str, *, depth: int = 0) -> OrderBook: ...

    def get_market(self, market_ticker: str) -> Market: ...
