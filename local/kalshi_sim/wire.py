"""Kalshi Trade API v2 (OpenAPI 3.34.0) JSON shapes for the simulator's objects.

Every function returns plain JSON-able dicts with all fields the official SDK's strict models
require. Money is written as Kalshi writes it: ``*_dollars`` strings (≥ 4 decimals), counts
``*_fp`` strings (2 decimals), balances and settlement revenue in integer cents.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any, Final

from .clock import iso_ms, maintenance_windows
from .engine import MarketState
from .units import ONE, cc_to_str, micro_to_cents_floor, micro_to_str

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .engine import Event, Exchange, Fill, Holding, Market, Order, Series, SettlementRecord, Trade
    from .ratelimit import TierLimits

__all__ = [
    "account_limits_json",
    "decimal_dollars",
    "event_json",
    "event_position_json",
    "exchange_status_json",
    "fill_json",
    "market_json",
    "market_position_json",
    "order_json",
    "orderbook_json",
    "schedule_json",
    "series_json",
    "settlement_json",
    "trade_json",
]

MARKET_STATUS: Final = {
    MarketState.UNOPENED: "initialized",
    MarketState.OPEN: "active",
    MarketState.PAUSED: "inactive",
    MarketState.CLOSED: "closed",
    MarketState.SETTLED: "finalized",
}
"""Our lifecycle (filter vocabulary) → the ``Market.status`` response enum."""
_SIX: Final = Decimal("0.000001")


def decimal_dollars(value: Decimal) -> str:
    """A computed dollar amount (e.g. an average) rounded half-even to 6 decimals."""
    return micro_to_str(int(value.quantize(_SIX, rounding=ROUND_HALF_EVEN).scaleb(6)))


def _number(value: Decimal) -> int | float:
    """A JSON number for a non-money multiplier (the spec types ``fee_multiplier`` as a double)."""
    return int(value) if value == value.to_integral_value() else float(value)


def series_json(series: Series, volume_cc: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ticker": series.ticker,
        "frequency": series.frequency,
        "title": series.title,
        "category": series.category,
        "categories": [series.category],
        "tags": list(series.tags),
        "settlement_sources": [{"name": "ESPN", "url": "https://www.espn.com"}],
        "contract_url": "",
        "contract_terms_url": "",
        "fee_type": series.fees.fee_type,
        "fee_multiplier": _number(series.fees.multiplier),
        "additional_prohibitions": [],
        "last_updated_ts": iso_ms(series.created_ms),
        "exchange_index": 0,
    }
    if volume_cc is not None:
        body["volume_fp"] = cc_to_str(volume_cc)
    return body


def market_json(market: Market, now_ms: int) -> dict[str, Any]:
    book = market.book
    best_bid = book.best_bid()
    best_ask = book.best_ask()
    yes_bid = best_bid if best_bid is not None else 0
    yes_ask = best_ask if best_ask is not None else ONE
    body: dict[str, Any] = {
        "ticker": market.ticker,
        "event_ticker": market.event_ticker,
        "market_type": "binary",
        "title": market.title,
        "subtitle": "",
        "yes_sub_title": market.yes_sub_title,
        "no_sub_title": market.no_sub_title,
        "created_time": iso_ms(market.created_ms),
        "updated_time": iso_ms(market.updated_ms),
        "open_time": iso_ms(market.open_ms),
        "close_time": iso_ms(market.close_ms),
        "expected_expiration_time": iso_ms(market.expected_expiration_ms),
        "expiration_time": iso_ms(market.latest_expiration_ms),
        "latest_expiration_time": iso_ms(market.latest_expiration_ms),
        "settlement_timer_seconds": 0,
        "status": MARKET_STATUS[market.state],
        "yes_bid_dollars": micro_to_str(yes_bid),
        "yes_bid_size_fp": cc_to_str(book.level_qty("bid", best_bid) if best_bid is not None else 0),
        "yes_ask_dollars": micro_to_str(yes_ask),
        "yes_ask_size_fp": cc_to_str(book.level_qty("ask", best_ask) if best_ask is not None else 0),
        "no_bid_dollars": micro_to_str(ONE - yes_ask),
        "no_ask_dollars": micro_to_str(ONE - yes_bid),
        "last_price_dollars": micro_to_str(market.last_price or 0),
        "volume_fp": cc_to_str(market.volume),
        "volume_24h_fp": cc_to_str(market.volume_24h(now_ms)),
        "result": market.result,
        "can_close_early": market.can_close_early,
        "open_interest_fp": cc_to_str(market.open_interest),
        "notional_value_dollars": micro_to_str(ONE),
        "previous_yes_bid_dollars": micro_to_str(market.previous_bid),
        "previous_yes_ask_dollars": micro_to_str(market.previous_ask),
        "previous_price_dollars": micro_to_str(market.previous_price),
        "settlement_bounds_type": "default",
        "expiration_value": market.result,
        "rules_primary": market.rules_primary,
        "rules_secondary": market.rules_secondary,
        "price_level_structure": market.price_level_structure,
        "price_ranges": [{"start": "0.0000", "end": "1.0000", "step": micro_to_str(market.tick)}],
        "exchange_index": 0,
    }
    if market.settlement_value is not None:
        body["settlement_value_dollars"] = micro_to_str(market.settlement_value)
    if market.settled_ms is not None:
        body["settlement_ts"] = iso_ms(market.settled_ms)
    return body


def event_json(event: Event, series: Series, markets: Iterable[Market] | None, now_ms: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_ticker": event.event_ticker,
        "series_ticker": event.series_ticker,
        "sub_title": event.sub_title,
        "title": event.title,
        "collateral_return_type": "MECNET" if event.mutually_exclusive else "",
        "mutually_exclusive": event.mutually_exclusive,
        "category": series.category,
        "settlement_sources": [{"name": "ESPN", "url": "https://www.espn.com"}],
        "last_updated_ts": iso_ms(event.updated_ms),
        "exchange_index": 0,
    }
    if event.strike_ms is not None:
        body["strike_date"] = iso_ms(event.strike_ms)
    if markets is not None:
        body["markets"] = [market_json(m, now_ms) for m in markets]
    return body


def orderbook_json(market: Market, depth: int) -> dict[str, Any]:
    """Bids only, both legs, ascending by price; ``depth`` keeps the best N levels (0 = all)."""
    yes = [[micro_to_str(p), cc_to_str(q)] for p, q in market.book.levels("bid")]
    no = [[micro_to_str(ONE - p), cc_to_str(q)] for p, q in reversed(list(market.book.levels("ask")))]
    if depth > 0:
        yes, no = yes[-depth:], no[-depth:]
    return {"yes_dollars": yes, "no_dollars": no}


def order_json(order: Order) -> dict[str, Any]:
    body: dict[str, Any] = {
        "order_id": order.order_id,
        "user_id": order.user_id,
        "client_order_id": order.client_order_id,
        "ticker": order.ticker,
        "outcome_side": order.outcome_side,
        "book_side": order.side,
        "type": "limit",
        "status": order.status,
        "yes_price_dollars": micro_to_str(order.price),
        "no_price_dollars": micro_to_str(ONE - order.price),
        "fill_count_fp": cc_to_str(order.filled),
        "remaining_count_fp": cc_to_str(order.remaining),
        "initial_count_fp": cc_to_str(order.initial),
        "taker_fill_cost_dollars": micro_to_str(order.taker_cost),
        "maker_fill_cost_dollars": micro_to_str(order.maker_cost),
        "taker_fees_dollars": micro_to_str(order.taker_fees),
        "maker_fees_dollars": micro_to_str(order.maker_fees),
        "created_time": iso_ms(order.created_ms),
        "last_update_time": iso_ms(order.updated_ms),
        "self_trade_prevention_type": order.stp,
        "cancel_order_on_pause": order.cancel_on_pause,
        "subaccount_number": order.subaccount,
        "exchange_index": 0,
    }
    if order.expiration_s is not None:
        body["expiration_time"] = iso_ms(order.expiration_s * 1000)
    if order.order_group_id:
        body["order_group_id"] = order.order_group_id
    return body


def fill_json(fill: Fill) -> dict[str, Any]:
    return {
        "fill_id": fill.fill_id,
        "trade_id": fill.fill_id,
        "order_id": fill.order_id,
        "ticker": fill.ticker,
        "market_ticker": fill.ticker,
        "outcome_side": "yes" if fill.side == "bid" else "no",
        "book_side": fill.side,
        "count_fp": cc_to_str(fill.count),
        "yes_price_dollars": micro_to_str(fill.price),
        "no_price_dollars": micro_to_str(ONE - fill.price),
        "is_taker": fill.is_taker,
        "created_time": iso_ms(fill.created_ms),
        "fee_cost": micro_to_str(fill.fee),
        "subaccount_number": 0,
        "ts": fill.created_ms // 1000,
        "exchange_index": 0,
    }


def trade_json(trade: Trade) -> dict[str, Any]:
    return {
        "trade_id": trade.trade_id,
        "ticker": trade.ticker,
        "count_fp": cc_to_str(trade.count),
        "yes_price_dollars": micro_to_str(trade.price),
        "no_price_dollars": micro_to_str(ONE - trade.price),
        "taker_outcome_side": "yes" if trade.taker_side == "bid" else "no",
        "taker_book_side": trade.taker_side,
        "created_time": iso_ms(trade.created_ms),
        "is_block_trade": False,
    }


def market_position_json(holding: Holding) -> dict[str, Any]:
    return {
        "ticker": holding.ticker,
        "exchange_index": 0,
        "total_traded_dollars": micro_to_str(holding.traded),
        "position_fp": cc_to_str(holding.pos),
        "market_exposure_dollars": micro_to_str(holding.exposure),
        "realized_pnl_dollars": micro_to_str(holding.realized),
        "fees_paid_dollars": micro_to_str(holding.fees_paid),
        "last_updated_ts": iso_ms(holding.updated_ms),
    }


def event_position_json(event_ticker: str, holdings: Iterable[Holding]) -> dict[str, Any]:
    items = list(holdings)
    return {
        "event_ticker": event_ticker,
        "total_cost_dollars": micro_to_str(sum(h.traded for h in items)),
        "total_cost_shares_fp": cc_to_str(sum(h.volume for h in items)),
        "event_exposure_dollars": micro_to_str(sum(h.exposure for h in items)),
        "realized_pnl_dollars": micro_to_str(sum(h.realized for h in items)),
        "fees_paid_dollars": micro_to_str(sum(h.fees_paid for h in items)),
    }


def settlement_json(record: SettlementRecord) -> dict[str, Any]:
    return {
        "ticker": record.ticker,
        "exchange_index": 0,
        "event_ticker": record.event_ticker,
        "market_result": record.result,
        "yes_count_fp": cc_to_str(record.yes_count),
        "yes_total_cost_dollars": micro_to_str(record.yes_total_cost),
        "no_count_fp": cc_to_str(record.no_count),
        "no_total_cost_dollars": micro_to_str(record.no_total_cost),
        "revenue": record.revenue_cents,
        "settled_time": iso_ms(record.settled_ms),
        "fee_cost": micro_to_str(record.fee_cost),
        "value": 100 if record.result == "yes" else 0,
    }


def exchange_status_json(exchange: Exchange, now_ms: int) -> dict[str, Any]:
    trading = exchange.trading_active
    body: dict[str, Any] = {
        "exchange_active": exchange.exchange_active,
        "trading_active": trading,
    }
    if exchange.exchange_active and exchange.in_maintenance(now_ms):
        body["exchange_estimated_resume_time"] = (
            maintenance_windows(now_ms, 1)[0][1].isoformat().replace("+00:00", "Z")
        )
    return body


def schedule_json(exchange: Exchange, now_ms: int) -> dict[str, Any]:
    day = [{"open_time": "00:00", "close_time": "23:59"}]
    windows = maintenance_windows(now_ms) if exchange.maintenance else []
    return {
        "schedule": {
            "standard_hours": [
                {
                    "start_time": "2021-01-01T00:00:00Z",
                    "end_time": "2099-12-31T23:59:59Z",
                    **{
                        name: list(day)
                        for name in (
                            "monday",
                            "tuesday",
                            "wednesday",
                            "thursday",
                            "friday",
                            "saturday",
                            "sunday",
                        )
                    },
                }
            ],
            "maintenance_windows": [
                {
                    "start_datetime": start.isoformat().replace("+00:00", "Z"),
                    "end_datetime": end.isoformat().replace("+00:00", "Z"),
                }
                for start, end in windows
            ],
        }
    }


def account_limits_json(limits: TierLimits) -> dict[str, Any]:
    return {
        "usage_tier": limits.tier,
        "read": {"refill_rate": limits.read.refill_rate, "bucket_capacity": limits.read.bucket_capacity},
        "write": {"refill_rate": limits.write.refill_rate, "bucket_capacity": limits.write.bucket_capacity},
        "grants": [],
    }


def balance_json(available: int, portfolio_value: int, updated_ms: int) -> dict[str, Any]:
    return {
        "balance": micro_to_cents_floor(available),
        "balance_dollars": micro_to_str(available),
        "portfolio_value": micro_to_cents_floor(portfolio_value),
        "updated_ts": updated_ms // 1000,
        "balance_breakdown": [{"exchange_index": 0, "balance": micro_to_str(available)}],
    }
