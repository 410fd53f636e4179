"""Kalshi Trade API v2 wire objects (spec 3.34), parsed strictly where money is concerned.

Every ``*_dollars`` field is a fixed-point dollar string and every ``*_fp`` / V2 count field a
fixed-point contract string; both become ``Decimal`` through :mod:`inplay.money`, which refuses
JSON numbers (a float is never money). Fields the client relies on are required; the rest are
optional so that Kalshi adding or dropping a field we do not use cannot break trading. Unknown
fields are ignored. A body that does not fit is an ``InvalidResponseError`` in the client — a 2xx
without the promised object is never a success.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, model_validator

from inplay.money import Count, Dollars
from inplay.venues.base import Action, OrderStatus, OutcomeSide, UtcDatetime

__all__ = [
    "AccountLimits",
    "AmendOrderResponse",
    "BatchCancelItem",
    "BatchCancelOrdersResponse",
    "BatchCreateItem",
    "BatchCreateOrdersResponse",
    "BookSide",
    "CancelOrderResponse",
    "CreateOrderResponse",
    "DecreaseOrderResponse",
    "ExchangeSchedule",
    "GetBalanceResponse",
    "GetEventResponse",
    "GetEventsResponse",
    "GetFillsResponse",
    "GetMarketResponse",
    "GetMarketsResponse",
    "GetOrderResponse",
    "GetOrderbookResponse",
    "GetOrdersResponse",
    "GetPositionsResponse",
    "GetSeriesListResponse",
    "GetSeriesResponse",
    "GetTradesResponse",
    "KalshiError",
    "KalshiEvent",
    "KalshiExchangeStatus",
    "KalshiFill",
    "KalshiMarket",
    "KalshiMarketPosition",
    "KalshiOrder",
    "KalshiSeries",
    "KalshiTrade",
    "UserDataTimestamp",
]


def _empty_to_none(value: object) -> object:
    return None if value == "" else value


def _fixed_point_string(value: object) -> object:
    """Kalshi sends money and counts as strings; a JSON number there means the format changed."""
    if isinstance(value, int | float):
        raise ValueError(f"expected a fixed-point string, got the JSON number {value!r}")
    return value


WireDollars = Annotated[Dollars, BeforeValidator(_fixed_point_string)]
WireCount = Annotated[Count, BeforeValidator(_fixed_point_string)]
OptDollars = Annotated[WireDollars | None, BeforeValidator(_empty_to_none)]
OptCount = Annotated[WireCount | None, BeforeValidator(_empty_to_none)]
OptTime = Annotated[UtcDatetime | None, BeforeValidator(_empty_to_none)]
NonEmpty = Annotated[str, Field(min_length=1)]


class BookSide(StrEnum):
    """V2's single YES book: ``bid`` buys YES (≡ sells NO), ``ask`` sells YES (≡ buys NO)."""

    BID = "bid"
    ASK = "ask"

    @property
    def yes_direction(self) -> int:
        return 1 if self is BookSide.BID else -1

    @classmethod
    def from_yes_direction(cls, direction: int) -> BookSide:
        return cls.BID if direction > 0 else cls.ASK


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


def _resolve_book_side(
    book_side: BookSide | None,
    outcome_side: OutcomeSide | None,
    side: OutcomeSide | None,
    action: Action | None,
) -> BookSide:
    """Direction from ``book_side``/``outcome_side`` (current) or ``side``+``action`` (deprecated)."""
    from_outcome = (
        None if outcome_side is None else (BookSide.BID if outcome_side is OutcomeSide.YES else BookSide.ASK)
    )
    if book_side is not None and from_outcome is not None and book_side is not from_outcome:
        raise ValueError(f"book_side {book_side} contradicts outcome_side {outcome_side}")
    resolved = book_side or from_outcome
    if resolved is None and side is not None and action is not None:
        resolved = BookSide.BID if (side is OutcomeSide.YES) == (action is Action.BUY) else BookSide.ASK
    if resolved is None:
        raise ValueError("no direction: book_side, outcome_side and side/action are all missing")
    return resolved


# ---------------------------------------------------------------------------------------------
# Orders


class KalshiOrder(_Wire):
    """``Order`` (OAS). ``book_side`` is always set after validation."""

    order_id: NonEmpty
    user_id: str | None = None
    client_order_id: str | None = None
    ticker: NonEmpty
    status: OrderStatus
    book_side: BookSide | None = None
    outcome_side: OutcomeSide | None = None
    side: OutcomeSide | None = None
    action: Action | None = None
    type: str | None = None
    yes_price_dollars: WireDollars
    no_price_dollars: OptDollars = None
    initial_count_fp: WireCount
    fill_count_fp: WireCount
    remaining_count_fp: WireCount
    taker_fill_cost_dollars: WireDollars
    maker_fill_cost_dollars: WireDollars
    taker_fees_dollars: WireDollars
    maker_fees_dollars: WireDollars
    expiration_time: OptTime = None
    created_time: OptTime = None
    last_update_time: OptTime = None
    self_trade_prevention_type: str | None = None
    order_group_id: str | None = None
    cancel_order_on_pause: bool | None = None
    subaccount_number: int | None = None
    exchange_index: int | None = None

    @model_validator(mode="after")
    def _direction(self) -> Self:
        resolved = _resolve_book_side(self.book_side, self.outcome_side, self.side, self.action)
        object.__setattr__(self, "book_side", resolved)
        return self

    @property
    def direction(self) -> BookSide:
        assert self.book_side is not None  # set by the validator
        return self.book_side

    @property
    def fill_cost(self) -> Decimal:
        return self.taker_fill_cost_dollars + self.maker_fill_cost_dollars

    @property
    def fees(self) -> Decimal:
        return self.taker_fees_dollars + self.maker_fees_dollars


class GetOrdersResponse(_Wire):
    orders: list[KalshiOrder]
    cursor: str | None = None


class GetOrderResponse(_Wire):
    order: KalshiOrder


class CreateOrderResponse(_Wire):
    """``CreateOrderV2Response``: no order object, only ids, counts and the engine time."""

    order_id: NonEmpty
    client_order_id: str | None = None
    fill_count: WireCount
    remaining_count: WireCount
    average_fill_price: OptDollars = None
    """Average YES price of the immediate fills (V2 quotes everything on the YES book)."""
    average_fee_paid: OptDollars = None
    ts_ms: StrictInt


class CancelOrderResponse(_Wire):
    order_id: NonEmpty
    client_order_id: str | None = None
    reduced_by: WireCount
    ts_ms: StrictInt


class DecreaseOrderResponse(_Wire):
    order_id: NonEmpty
    client_order_id: str | None = None
    remaining_count: WireCount
    ts_ms: StrictInt


class AmendOrderResponse(_Wire):
    order_id: NonEmpty
    client_order_id: str | None = None
    remaining_count: OptCount = None
    fill_count: OptCount = None
    average_fill_price: OptDollars = None
    average_fee_paid: OptDollars = None
    ts_ms: StrictInt


class KalshiError(_Wire):
    code: str | None = None
    message: str | None = None
    details: str | None = None
    service: str | None = None


class BatchCreateItem(_Wire):
    order_id: str | None = None
    client_order_id: str | None = None
    fill_count: OptCount = None
    remaining_count: OptCount = None
    average_fill_price: OptDollars = None
    average_fee_paid: OptDollars = None
    ts_ms: StrictInt | None = None
    error: KalshiError | None = None

    @model_validator(mode="after")
    def _success_or_error(self) -> Self:
        if self.error is None and not (
            self.order_id and self.fill_count is not None and self.remaining_count is not None
        ):
            raise ValueError("a batch item without error must carry order_id, fill_count and remaining_count")
        return self


class BatchCreateOrdersResponse(_Wire):
    orders: list[BatchCreateItem]


class BatchCancelItem(_Wire):
    order_id: NonEmpty
    client_order_id: str | None = None
    reduced_by: WireCount
    ts_ms: StrictInt | None = None
    error: KalshiError | None = None


class BatchCancelOrdersResponse(_Wire):
    orders: list[BatchCancelItem]


# ---------------------------------------------------------------------------------------------
# Portfolio


class KalshiFill(_Wire):
    fill_id: NonEmpty
    order_id: str
    ticker: NonEmpty
    book_side: BookSide | None = None
    outcome_side: OutcomeSide | None = None
    side: OutcomeSide | None = None
    action: Action | None = None
    count_fp: WireCount
    yes_price_dollars: WireDollars
    no_price_dollars: OptDollars = None
    is_taker: StrictBool
    fee_cost: WireDollars
    created_time: OptTime = None
    ts: int | None = None
    client_order_id: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _legacy_names(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if not data.get("fill_id") and data.get("trade_id"):
                data = {**data, "fill_id": data["trade_id"]}
            if not data.get("ticker") and data.get("market_ticker"):
                data = {**data, "ticker": data["market_ticker"]}
        return data

    @model_validator(mode="after")
    def _direction(self) -> Self:
        object.__setattr__(
            self, "book_side", _resolve_book_side(self.book_side, self.outcome_side, self.side, self.action)
        )
        return self

    @property
    def direction(self) -> BookSide:
        assert self.book_side is not None
        return self.book_side


class GetFillsResponse(_Wire):
    fills: list[KalshiFill]
    cursor: str | None = None


class KalshiMarketPosition(_Wire):
    ticker: NonEmpty
    position_fp: WireCount
    market_exposure_dollars: WireDollars
    realized_pnl_dollars: WireDollars
    fees_paid_dollars: WireDollars
    total_traded_dollars: OptDollars = None
    last_updated_ts: OptTime = None
    exchange_index: int | None = None


class KalshiEventPosition(_Wire):
    event_ticker: NonEmpty
    event_exposure_dollars: OptDollars = None
    realized_pnl_dollars: OptDollars = None
    fees_paid_dollars: OptDollars = None
    total_cost_dollars: OptDollars = None
    total_cost_shares_fp: OptCount = None


class GetPositionsResponse(_Wire):
    market_positions: list[KalshiMarketPosition]
    event_positions: list[KalshiEventPosition] = Field(default_factory=list)
    cursor: str | None = None


class GetBalanceResponse(_Wire):
    balance: StrictInt
    """Available cash in integer cents."""
    balance_dollars: OptDollars = None
    portfolio_value: StrictInt | None = None
    updated_ts: StrictInt | None = None


# ---------------------------------------------------------------------------------------------
# Market data


class PriceRange(_Wire):
    start: WireDollars
    end: WireDollars
    step: WireDollars


class KalshiMarket(_Wire):
    ticker: NonEmpty
    event_ticker: str | None = None
    market_type: str | None = None
    title: str | None = None
    subtitle: str | None = None
    yes_sub_title: str | None = None
    no_sub_title: str | None = None
    status: NonEmpty
    open_time: OptTime = None
    close_time: OptTime = None
    expected_expiration_time: OptTime = None
    latest_expiration_time: OptTime = None
    updated_time: OptTime = None
    yes_bid_dollars: OptDollars = None
    yes_ask_dollars: OptDollars = None
    no_bid_dollars: OptDollars = None
    no_ask_dollars: OptDollars = None
    yes_bid_size_fp: OptCount = None
    yes_ask_size_fp: OptCount = None
    last_price_dollars: OptDollars = None
    volume_fp: OptCount = None
    volume_24h_fp: OptCount = None
    open_interest_fp: OptCount = None
    notional_value_dollars: OptDollars = None
    result: str | None = None
    can_close_early: bool | None = None
    settlement_value_dollars: OptDollars = None
    settlement_ts: OptTime = None
    rules_primary: str | None = None
    rules_secondary: str | None = None
    price_level_structure: str | None = None
    price_ranges: list[PriceRange] = Field(default_factory=list)
    exchange_index: int | None = None


class GetMarketsResponse(_Wire):
    markets: list[KalshiMarket]
    cursor: str | None = None


class GetMarketResponse(_Wire):
    market: KalshiMarket


class OrderbookFp(_Wire):
    yes_dollars: list[tuple[WireDollars, WireCount]] | None = None
    no_dollars: list[tuple[WireDollars, WireCount]] | None = None


class GetOrderbookResponse(_Wire):
    orderbook_fp: OrderbookFp


class KalshiEvent(_Wire):
    event_ticker: NonEmpty
    series_ticker: str | None = None
    title: str | None = None
    sub_title: str | None = None
    collateral_return_type: str | None = None
    mutually_exclusive: bool | None = None
    category: str | None = None
    strike_date: OptTime = None
    strike_period: str | None = None
    markets: list[KalshiMarket] | None = None
    last_updated_ts: OptTime = None
    exchange_index: int | None = None


class GetEventsResponse(_Wire):
    events: list[KalshiEvent]
    cursor: str | None = None


class GetEventResponse(_Wire):
    event: KalshiEvent
    markets: list[KalshiMarket] = Field(default_factory=list)


def _number_to_decimal(value: object) -> object:
    # fee_multiplier is a JSON number (a ratio, not money): go through its shortest repr.
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


class KalshiSeries(_Wire):
    ticker: NonEmpty
    title: str | None = None
    category: str | None = None
    categories: list[str] | None = None
    tags: list[str] | None = None
    frequency: str | None = None
    fee_type: str | None = None
    fee_multiplier: Annotated[Decimal | None, BeforeValidator(_number_to_decimal)] = None
    contract_url: str | None = None
    contract_terms_url: str | None = None


class GetSeriesResponse(_Wire):
    series: KalshiSeries


class GetSeriesListResponse(_Wire):
    series: list[KalshiSeries]


# ---------------------------------------------------------------------------------------------
# Exchange and account


class KalshiExchangeIndexStatus(_Wire):
    exchange_index: int
    description: str | None = None
    exchange_active: StrictBool
    trading_active: StrictBool


class KalshiExchangeStatus(_Wire):
    exchange_active: StrictBool
    trading_active: StrictBool
    exchange_estimated_resume_time: OptTime = None
    intra_exchange_transfers_active: bool | None = None
    exchange_index_statuses: list[KalshiExchangeIndexStatus] | None = None


class DailySchedule(_Wire):
    open_time: str
    close_time: str


class WeeklySchedule(_Wire):
    start_time: OptTime = None
    end_time: OptTime = None
    monday: list[DailySchedule] = Field(default_factory=list)
    tuesday: list[DailySchedule] = Field(default_factory=list)
    wednesday: list[DailySchedule] = Field(default_factory=list)
    thursday: list[DailySchedule] = Field(default_factory=list)
    friday: list[DailySchedule] = Field(default_factory=list)
    saturday: list[DailySchedule] = Field(default_factory=list)
    sunday: list[DailySchedule] = Field(default_factory=list)


class MaintenanceWindow(_Wire):
    start_datetime: UtcDatetime
    end_datetime: UtcDatetime


class Schedule(_Wire):
    standard_hours: list[WeeklySchedule]
    maintenance_windows: list[MaintenanceWindow]


class ExchangeSchedule(_Wire):
    schedule: Schedule


class KalshiTrade(_Wire):
    """One public trade on the tape (``GET /markets/trades``); the price is the YES price."""

    trade_id: NonEmpty
    ticker: NonEmpty
    count_fp: WireCount
    yes_price_dollars: WireDollars
    taker_book_side: BookSide | None = None
    taker_outcome_side: OutcomeSide | None = None
    created_time: UtcDatetime
    is_block_trade: bool = False

    @property
    def taker_yes_direction(self) -> int:
        """+1 when the taker bought YES exposure (lifted an ask), -1 when it sold (hit a bid)."""
        return _resolve_book_side(self.taker_book_side, self.taker_outcome_side, None, None).yes_direction

    @model_validator(mode="after")
    def _has_direction(self) -> Self:
        _resolve_book_side(self.taker_book_side, self.taker_outcome_side, None, None)
        return self


class GetTradesResponse(_Wire):
    trades: list[KalshiTrade]
    cursor: str | None = None


class UserDataTimestamp(_Wire):
    as_of_time: UtcDatetime


class BucketLimitWire(_Wire):
    refill_rate: StrictInt = Field(gt=0)
    bucket_capacity: StrictInt = Field(gt=0)


class AccountLimits(_Wire):
    usage_tier: NonEmpty
    read: BucketLimitWire
    write: BucketLimitWire
    grants: list[dict[str, Any]] = Field(default_factory=list)


def utc_from_ms(ts_ms: int) -> datetime:
    from datetime import UTC

    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC)
