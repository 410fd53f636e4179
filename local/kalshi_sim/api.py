"""The Kalshi Trade API v2 surface of the simulator, independent of the HTTP server.

:meth:`KalshiApi.handle` takes an :class:`ApiRequest` and returns an :class:`ApiResponse`. The
pipeline per request: route → traffic record → injected latency/delay → signature check →
injected error (before) → token bucket → handler (under the simulator lock) → injected error
(after) → dropped response. The traffic record (``sim.traffic``) is finished with the answer.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from inplay.money import MoneyError

from .clock import iso_ms
from .engine import MarketState, OrderRequest
from .errors import SimError
from .ratelimit import DEFAULT_COST, ENDPOINT_COSTS
from .units import cc_to_str, parse_count_cc, parse_price_micro
from .wire import (
    account_limits_json,
    balance_json,
    decimal_dollars,
    event_json,
    event_position_json,
    exchange_status_json,
    fill_json,
    market_json,
    market_position_json,
    order_json,
    orderbook_json,
    schedule_json,
    series_json,
    settlement_json,
    trade_json,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from .engine import Market, Order, PlaceResult
    from .simulator import KalshiSimulator, PortfolioView
    from .traffic import RequestRecord

__all__ = ["API_PREFIX", "ApiRequest", "ApiResponse", "KalshiApi"]

API_PREFIX: Final = "/trade-api/v2"
Budget = Literal["read", "write", "balance"]
Query = dict[str, list[str]]


@dataclass(frozen=True, slots=True)
class ApiRequest:
    method: str
    path: str
    """The raw request path (percent-encoding kept; no query string): what the client signed."""
    query: Query
    headers: Mapping[str, str]
    body: bytes = b""
    client: str = "127.0.0.1"


@dataclass(slots=True)
class ApiResponse:
    status: int
    body: Any = None
    drop: bool = False
    hold_ms: int = 0
    headers: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class _Ctx:
    request: ApiRequest
    params: dict[str, str]
    user_id: str | None
    body: Any


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    operation: str
    handler: Callable[[KalshiApi, _Ctx], tuple[int, Any]]
    auth: bool
    budget: Budget
    cost: int
    per_item: bool = False


# ---------------------------------------------------------------------------- parsing helpers


def _q(query: Query, name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def _q_int(
    query: Query, name: str, *, default: int | None = None, low: int | None = None, high: int | None = None
) -> int | None:
    raw = _q(query, name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SimError.bad_request(f"query parameter {name} must be an integer") from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise SimError.bad_request(f"query parameter {name} out of range [{low}, {high}]")
    return value


def _q_bool(query: Query, name: str) -> bool:
    raw = _q(query, name)
    if raw in (None, "", "false"):
        return False
    if raw == "true":
        return True
    raise SimError.bad_request(f"query parameter {name} must be true or false")


def _q_csv(query: Query, name: str) -> list[str] | None:
    raw = query.get(name)
    if not raw:
        return None
    items = [item for value in raw for item in value.split(",") if item]
    return items or None


def _encode_cursor(key: str | int) -> str:
    return base64.urlsafe_b64encode(str(key).encode()).decode()


def _decode_cursor(query: Query) -> str | None:
    raw = _q(query, "cursor")
    if not raw:
        return None
    try:
        return base64.urlsafe_b64decode(raw.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise SimError.bad_request("invalid cursor") from None


def _cursor_int(query: Query) -> int | None:
    raw = _decode_cursor(query)
    if raw is None:
        return None
    if not raw.lstrip("-").isdigit():
        raise SimError.bad_request("invalid cursor")
    return int(raw)


def _subaccount(query: Query) -> None:
    sub = _q_int(query, "subaccount", low=0, high=63)
    if sub not in (None, 0):
        raise SimError.bad_request("the simulator supports only the primary subaccount (0)")


def _field(body: dict[str, Any], name: str, kind: type, *, required: bool = False) -> Any:
    value = body.get(name)
    if value is None:
        if required:
            raise SimError.invalid_order(f"{name} is required")
        return None
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise SimError.invalid_order(f"{name} must be an integer")
    if kind is not int and not isinstance(value, kind):
        raise SimError.invalid_order(f"{name} must be a {kind.__name__}")
    return value


def _price(body: dict[str, Any], name: str = "price") -> int:
    raw = _field(body, name, str, required=True)
    try:
        return parse_price_micro(raw)
    except MoneyError as exc:
        raise SimError.invalid_price(str(exc)) from None


def _count(body: dict[str, Any], name: str, *, required: bool = True) -> int | None:
    raw = _field(body, name, str, required=required)
    if raw is None:
        return None
    try:
        value = parse_count_cc(raw)
    except MoneyError as exc:
        raise SimError.invalid_order(str(exc)) from None
    if value < 0:
        raise SimError.invalid_order(f"{name} must not be negative")
    return value


def _order_request(body: Any) -> OrderRequest:
    if not isinstance(body, dict):
        raise SimError.invalid_order("order must be a JSON object")
    side = _field(body, "side", str, required=True)
    if side not in ("bid", "ask"):
        raise SimError.invalid_order("side must be bid or ask")
    tif = _field(body, "time_in_force", str, required=True)
    if tif not in ("good_till_canceled", "immediate_or_cancel", "fill_or_kill"):
        raise SimError.invalid_order(
            "time_in_force must be fill_or_kill, good_till_canceled or immediate_or_cancel"
        )
    stp = _field(body, "self_trade_prevention_type", str, required=True)
    if stp not in ("taker_at_cross", "maker"):
        raise SimError.invalid_order("self_trade_prevention_type must be taker_at_cross or maker")
    ticker = _field(body, "ticker", str, required=True)
    if not ticker:
        raise SimError.invalid_order("ticker is required")
    count = _count(body, "count")
    assert count is not None
    if count == 0:
        raise SimError.invalid_order("count must be positive")
    exchange_index = _field(body, "exchange_index", int)
    if exchange_index not in (None, 0, -1):
        raise SimError.invalid_order("unknown exchange_index")
    client_order_id = _field(body, "client_order_id", str)
    return OrderRequest(
        ticker=ticker,
        side=side,
        count=count,
        price=_price(body),
        time_in_force=tif,
        self_trade_prevention=stp,
        client_order_id=client_order_id or None,
        expiration_s=_field(body, "expiration_time", int),
        post_only=bool(_field(body, "post_only", bool)),
        reduce_only=bool(_field(body, "reduce_only", bool)),
        cancel_on_pause=bool(_field(body, "cancel_order_on_pause", bool)),
        order_group_id=_field(body, "order_group_id", str),
        subaccount=_field(body, "subaccount", int) or 0,
    )


def _fill_summary(result: PlaceResult, body: dict[str, Any]) -> dict[str, Any]:
    count = result.fill_count
    body["fill_count"] = cc_to_str(count)
    if count:
        price, fee = result.average_price(), result.average_fee()
        assert price is not None and fee is not None
        body["average_fill_price"] = decimal_dollars(price)
        body["average_fee_paid"] = decimal_dollars(fee)
    return body


def _create_response(result: PlaceResult) -> dict[str, Any]:
    order = result.order
    body: dict[str, Any] = {"order_id": order.order_id}
    if order.client_order_id:
        body["client_order_id"] = order.client_order_id
    _fill_summary(result, body)
    body["remaining_count"] = cc_to_str(order.remaining)
    body["ts_ms"] = result.ts_ms
    return body


def _page[T](
    items: list[T], key: Callable[[T], str | int], query: Query, *, default: int, high: int, low: int = 1
) -> tuple[list[T], str]:
    """Cursor pagination over ``items`` already in output order; the cursor is the last key."""
    limit = _q_int(query, "limit", default=default, low=low, high=high)
    assert limit is not None
    limit = limit or default
    after = _decode_cursor(query)
    start = 0
    if after is not None:
        keys = [str(key(item)) for item in items]
        if after not in keys:
            raise SimError.bad_request("invalid cursor")
        start = keys.index(after) + 1
    page = items[start : start + limit]
    more = start + limit < len(items)
    return page, (_encode_cursor(key(page[-1])) if more and page else "")


# ---------------------------------------------------------------------------- the API


class KalshiApi:
    """Kalshi endpoints over a :class:`KalshiSimulator`."""

    def __init__(self, sim: KalshiSimulator) -> None:
        self.sim = sim

    # ------------------------------------------------------------------ pipeline

    def handle(self, request: ApiRequest) -> ApiResponse:
        path = request.path
        if not path.startswith(API_PREFIX + "/"):
            return _error(SimError.not_found("unknown path"))
        sub = path[len(API_PREFIX) :]
        matched = _match(request.method, sub)
        if matched is None:
            if _is_legacy_order_mutation(request.method, sub):
                return _error(
                    SimError(
                        410,
                        "deprecated_v1_order_endpoint",
                        "Please switch to the V2 endpoints",
                        "https://docs.kalshi.com/api-reference/orders/create-order-v2",
                    )
                )
            return _error(SimError.not_found("unknown path"))
        route, params = matched
        sim = self.sim
        record = sim.traffic.begin(route.operation, request.method, sim.now_ms())
        record.client_order_ids = _client_order_ids(request.body)
        response: ApiResponse | None = None
        try:
            response = self._handle(route, params, request, record)
            return response
        finally:
            sim.traffic.finish(
                record,
                None if response is None else response.status,
                dropped=response is not None and response.drop,
            )

    def _handle(
        self, route: Route, params: dict[str, str], request: ApiRequest, record: RequestRecord
    ) -> ApiResponse:
        sim = self.sim
        delay = sim.faults.latency_for(route.operation)
        if delay:
            time.sleep(delay / 1000)
        try:
            user_id = self._authenticate(route, request)
            record.user_id = user_id
            fault = sim.faults.take_error(route.operation, "before")
            if fault is not None:
                return ApiResponse(fault.status, fault.body())
            body = _json_body(request) if request.method in ("POST", "PUT") or route.per_item else None
            if not self._allow(route, request, user_id, body):
                return ApiResponse(429, {"error": "too many requests"})
            ctx = _Ctx(request, params, user_id, body)
            with sim.transaction():
                status, payload = route.handler(self, ctx)
        except SimError as exc:
            response = _error(exc)
        else:
            response = ApiResponse(status, payload)
        after = sim.faults.take_error(route.operation, "after")
        if after is not None:
            return ApiResponse(after.status, after.body())
        drop = sim.faults.take_drop(route.operation)
        if drop is not None:
            response.drop = True
            response.hold_ms = drop.hold_ms
        return response

    def _authenticate(self, route: Route, request: ApiRequest) -> str | None:
        lowered = {name.lower() for name in request.headers}
        signed = "kalshi-access-key" in lowered or "kalshi-access-signature" in lowered
        if not route.auth and not signed:
            return None
        with self.sim.lock:
            return self.sim.keys.verify(
                request.headers, request.method, request.path, self.sim.auth_clock.now_ms()
            )

    def _allow(self, route: Route, request: ApiRequest, user_id: str | None, body: Any) -> bool:
        cost = route.cost
        if route.per_item:
            items = body.get("orders") if isinstance(body, dict) else None
            cost = route.cost * max(1, len(items) if isinstance(items, list) else 1)
        sim = self.sim
        with sim.lock:
            if user_id is None:
                return sim.limiter.allow(f"ip:{request.client}", "basic", route.budget, cost, sim.now_ms())
            tier = sim.exchange.accounts[user_id].tier
            return sim.limiter.allow(user_id, tier, route.budget, cost, sim.now_ms())

    # ------------------------------------------------------------------ helpers

    def _user(self, ctx: _Ctx) -> str:
        if ctx.user_id is None:  # routes with auth=True always authenticate
            raise SimError.unauthorized("missing KALSHI-ACCESS-KEY, -SIGNATURE or -TIMESTAMP header")
        return ctx.user_id

    def _view(self, ctx: _Ctx) -> PortfolioView:
        return self.sim.portfolio(self._user(ctx))

    def _markets(self) -> list[Market]:
        return sorted(self.sim.exchange.markets.values(), key=lambda m: m.seq)

    # ------------------------------------------------------------------ exchange & account

    def exchange_status(self, ctx: _Ctx) -> tuple[int, Any]:
        exchange = self.sim.exchange
        exchange.sync()
        return 200, exchange_status_json(exchange, self.sim.now_ms())

    def exchange_schedule(self, ctx: _Ctx) -> tuple[int, Any]:
        return 200, schedule_json(self.sim.exchange, self.sim.now_ms())

    def user_data_timestamp(self, ctx: _Ctx) -> tuple[int, Any]:
        return 200, {"as_of_time": iso_ms(self.sim.now_ms() - self.sim.faults.stale_ms)}

    def account_limits(self, ctx: _Ctx) -> tuple[int, Any]:
        user = self._user(ctx)
        tier = self.sim.exchange.accounts[user].tier
        return 200, account_limits_json(self.sim.limiter.limits(user, tier))

    def endpoint_costs(self, ctx: _Ctx) -> tuple[int, Any]:
        costs = [{"method": m, "path": p, "cost": c} for m, p, c in ENDPOINT_COSTS]
        return 200, {"default_cost": DEFAULT_COST, "endpoint_costs": costs}

    # ------------------------------------------------------------------ series, events, markets

    def series_list(self, ctx: _Ctx) -> tuple[int, Any]:
        exchange = self.sim.exchange
        category = _q(ctx.request.query, "category")
        with_volume = _q_bool(ctx.request.query, "include_volume")
        items = [s for s in exchange.series.values() if not category or category == s.category]
        return 200, {
            "series": [series_json(s, self._series_volume(s.ticker) if with_volume else None) for s in items]
        }

    def _series_volume(self, ticker: str) -> int:
        return sum(m.volume for m in self.sim.exchange.markets.values() if m.series_ticker == ticker)

    def series_one(self, ctx: _Ctx) -> tuple[int, Any]:
        series = self.sim.exchange.series.get(ctx.params["series_ticker"])
        if series is None:
            raise SimError.not_found("series not found")
        volume = self._series_volume(series.ticker) if _q_bool(ctx.request.query, "include_volume") else None
        return 200, {"series": series_json(series, volume)}

    def events(self, ctx: _Ctx) -> tuple[int, Any]:
        exchange, query = self.sim.exchange, ctx.request.query
        exchange.sync()
        status = _q(query, "status")
        if status not in (None, "", "unopened", "open", "closed", "settled"):
            raise SimError.bad_request("status must be one of unopened, open, closed, settled")
        series = _q(query, "series_ticker")
        tickers = _q_csv(query, "tickers")
        nested = _q_bool(query, "with_nested_markets")
        events = sorted(exchange.events.values(), key=lambda e: e.seq)
        selected = []
        for event in events:
            markets = [exchange.markets[t] for t in event.market_tickers]
            if series and event.series_ticker != series:
                continue
            if tickers and event.event_ticker not in tickers:
                continue
            if status and _event_status(markets) != status:
                continue
            selected.append(event)
        page, cursor = _page(selected, lambda e: e.event_ticker, query, default=200, high=200)
        now = self.sim.now_ms()
        body = [
            event_json(
                e,
                exchange.series[e.series_ticker],
                [exchange.markets[t] for t in e.market_tickers] if nested else None,
                now,
            )
            for e in page
        ]
        return 200, {"events": body, "cursor": cursor}

    def event_one(self, ctx: _Ctx) -> tuple[int, Any]:
        exchange = self.sim.exchange
        exchange.sync()
        event = exchange.events.get(ctx.params["event_ticker"])
        if event is None:
            raise SimError.not_found("event not found")
        nested = _q_bool(ctx.request.query, "with_nested_markets")
        exclude = _q_bool(ctx.request.query, "exclude_markets")
        if nested and exclude:
            raise SimError.bad_request("exclude_markets cannot be combined with with_nested_markets")
        now = self.sim.now_ms()
        markets = [] if exclude else [exchange.markets[t] for t in event.market_tickers]
        series = exchange.series[event.series_ticker]
        body = event_json(event, series, markets if nested else None, now)
        return 200, {"event": body, "markets": [market_json(m, now) for m in markets]}

    def markets(self, ctx: _Ctx) -> tuple[int, Any]:
        exchange, query = self.sim.exchange, ctx.request.query
        exchange.sync()
        status = _q(query, "status")
        if status not in (None, "", *[s.value for s in MarketState]):
            raise SimError.bad_request("status must be one of unopened, open, paused, closed, settled")
        event_ticker = _q(query, "event_ticker")
        series = _q(query, "series_ticker")
        tickers = _q_csv(query, "tickers")
        bounds = {
            name: _q_int(query, name)
            for name in (
                "min_close_ts",
                "max_close_ts",
                "min_created_ts",
                "max_created_ts",
                "min_settled_ts",
                "max_settled_ts",
            )
        }
        selected = []
        for market in self._markets():
            if status and market.state.value != status:
                continue
            if event_ticker and market.event_ticker != event_ticker:
                continue
            if series and market.series_ticker != series:
                continue
            if tickers and market.ticker not in tickers:
                continue
            if not _within(market.close_ms, bounds["min_close_ts"], bounds["max_close_ts"]):
                continue
            if not _within(market.created_ms, bounds["min_created_ts"], bounds["max_created_ts"]):
                continue
            if (bounds["min_settled_ts"] or bounds["max_settled_ts"]) and (
                market.settled_ms is None
                or not _within(market.settled_ms, bounds["min_settled_ts"], bounds["max_settled_ts"])
            ):
                continue
            selected.append(market)
        page, cursor = _page(selected, lambda m: m.ticker, query, default=100, high=1000, low=0)
        now = self.sim.now_ms()
        return 200, {"markets": [market_json(m, now) for m in page], "cursor": cursor}

    def market_one(self, ctx: _Ctx) -> tuple[int, Any]:
        exchange = self.sim.exchange
        exchange.sync()
        market = exchange.markets.get(ctx.params["ticker"])
        if market is None:
            raise SimError.market_not_found(ctx.params["ticker"])
        return 200, {"market": market_json(market, self.sim.now_ms())}

    def orderbook(self, ctx: _Ctx) -> tuple[int, Any]:
        exchange = self.sim.exchange
        exchange.sync()
        market = exchange.markets.get(ctx.params["ticker"])
        if market is None:
            raise SimError.market_not_found(ctx.params["ticker"])
        depth = _q_int(ctx.request.query, "depth", default=0, low=0, high=100)
        assert depth is not None
        return 200, {"orderbook_fp": orderbook_json(market, depth)}

    def orderbooks(self, ctx: _Ctx) -> tuple[int, Any]:
        exchange = self.sim.exchange
        exchange.sync()
        tickers = _q_csv(ctx.request.query, "tickers")
        if not tickers or len(tickers) > 100:
            raise SimError.bad_request("tickers: between 1 and 100 market tickers are required")
        books = []
        for ticker in tickers:
            market = exchange.markets.get(ticker)
            if market is None:
                raise SimError.market_not_found(ticker)
            books.append({"ticker": ticker, "orderbook_fp": orderbook_json(market, 0)})
        return 200, {"orderbooks": books}

    def trades(self, ctx: _Ctx) -> tuple[int, Any]:
        exchange, query = self.sim.exchange, ctx.request.query
        ticker = _q(query, "ticker")
        min_ts, max_ts = _q_int(query, "min_ts"), _q_int(query, "max_ts")
        markets = [exchange.market(ticker)] if ticker else list(exchange.markets.values())
        trades = [t for m in markets for t in m.trades if _within(t.created_ms, min_ts, max_ts)]
        if _q(query, "is_block_trade") == "true":
            trades = []
        trades.sort(key=lambda t: t.seq, reverse=True)
        page, cursor = _page(trades, lambda t: t.seq, query, default=100, high=1000)
        return 200, {"trades": [trade_json(t) for t in page], "cursor": cursor}

    # ------------------------------------------------------------------ portfolio reads

    def balance(self, ctx: _Ctx) -> tuple[int, Any]:
        _subaccount(ctx.request.query)
        index = _q_int(ctx.request.query, "exchange_index")
        if index not in (None, 0, -1):
            raise SimError.bad_request("unknown exchange_index")
        view = self._view(ctx)
        return 200, balance_json(view.available, self.sim.portfolio_value(view), view.balance_updated_ms)

    def positions(self, ctx: _Ctx) -> tuple[int, Any]:
        query = ctx.request.query
        _subaccount(query)
        view = self._view(ctx)
        exchange = self.sim.exchange
        settlement = _q(query, "settlement_status") or "unsettled"
        if settlement not in ("unsettled", "settled", "all"):
            raise SimError.bad_request("settlement_status must be unsettled, settled or all")
        count_filter = set(_q_csv(query, "count_filter") or [])
        if count_filter - {"position", "total_traded"}:
            raise SimError.bad_request("count_filter accepts position and total_traded")
        ticker, event_ticker = _q(query, "ticker"), _q(query, "event_ticker")
        holdings = []
        for holding in sorted(view.holdings.values(), key=lambda h: h.ticker):
            if ticker and holding.ticker != ticker:
                continue
            if event_ticker and holding.event_ticker != event_ticker:
                continue
            settled = exchange.markets[holding.ticker].state is MarketState.SETTLED
            if (settlement == "unsettled" and settled) or (settlement == "settled" and not settled):
                continue
            if count_filter:
                if not (
                    ("position" in count_filter and holding.pos)
                    or ("total_traded" in count_filter and holding.traded)
                ):
                    continue
            elif not holding.pos and not holding.volume:
                continue
            holdings.append(holding)
        page, cursor = _page(holdings, lambda h: h.ticker, query, default=100, high=1000)
        events: dict[str, list[Any]] = {}
        for holding in page:
            events.setdefault(holding.event_ticker, []).append(holding)
        body: dict[str, Any] = {
            "market_positions": [market_position_json(h) for h in page],
            "event_positions": [event_position_json(e, hs) for e, hs in events.items()],
        }
        if cursor:
            body["cursor"] = cursor
        return 200, body

    def fills(self, ctx: _Ctx) -> tuple[int, Any]:
        query = ctx.request.query
        _subaccount(query)
        view = self._view(ctx)
        tickers = _q_csv(query, "ticker")
        order_id = _q(query, "order_id")
        min_ts, max_ts = _q_int(query, "min_ts"), _q_int(query, "max_ts")
        fills = [
            f
            for f in reversed(view.fills)
            if (not tickers or f.ticker in tickers)
            and (not order_id or f.order_id == order_id)
            and _within(f.created_ms, min_ts, max_ts)
        ]
        page, cursor = _page(fills, lambda f: f.fill_id, query, default=100, high=1000)
        return 200, {"fills": [fill_json(f) for f in page], "cursor": cursor}

    def settlements(self, ctx: _Ctx) -> tuple[int, Any]:
        query = ctx.request.query
        _subaccount(query)
        view = self._view(ctx)
        ticker, event_ticker = _q(query, "ticker"), _q(query, "event_ticker")
        min_ts, max_ts = _q_int(query, "min_ts"), _q_int(query, "max_ts")
        records = [
            r
            for r in reversed(view.settlements)
            if (not ticker or r.ticker == ticker)
            and (not event_ticker or r.event_ticker == event_ticker)
            and _within(r.settled_ms, min_ts, max_ts)
        ]
        page, cursor = _page(records, lambda r: r.seq, query, default=100, high=1000)
        body: dict[str, Any] = {"settlements": [settlement_json(r) for r in page]}
        if cursor:
            body["cursor"] = cursor
        return 200, body

    def orders(self, ctx: _Ctx) -> tuple[int, Any]:
        query = ctx.request.query
        _subaccount(query)
        view = self._view(ctx)
        exchange = self.sim.exchange
        status = _q(query, "status")
        if status not in (None, "", "resting", "canceled", "executed"):
            raise SimError.bad_request("status must be resting, canceled or executed")
        ticker = _q(query, "ticker")
        events = _q_csv(query, "event_ticker")
        min_ts, max_ts = _q_int(query, "min_ts"), _q_int(query, "max_ts")
        orders = [
            o
            for o in sorted(view.orders.values(), key=lambda o: o.seq, reverse=True)
            if (not status or o.status == status)
            and (not ticker or o.ticker == ticker)
            and (not events or exchange.markets[o.ticker].event_ticker in events)
            and _within(o.created_ms, min_ts, max_ts)
        ]
        page, cursor = _page(orders, lambda o: o.order_id, query, default=100, high=1000)
        return 200, {"orders": [order_json(o) for o in page], "cursor": cursor}

    def order_one(self, ctx: _Ctx) -> tuple[int, Any]:
        order = self._view(ctx).orders.get(ctx.params["order_id"])
        if order is None:
            raise SimError.not_found("order not found")
        return 200, {"order": order_json(order)}

    def queue_positions(self, ctx: _Ctx) -> tuple[int, Any]:
        query = ctx.request.query
        _subaccount(query)
        exchange = self.sim.exchange
        account = exchange.account(self._user(ctx))
        tickers = _q_csv(query, "market_tickers")
        event_ticker = _q(query, "event_ticker")
        if not tickers and not event_ticker:
            raise SimError.bad_request("one of market_tickers or event_ticker is required")
        items = []
        for order in sorted(account.orders.values(), key=lambda o: o.seq):
            if order.status != "resting":
                continue
            if tickers and order.ticker not in tickers:
                continue
            if event_ticker and exchange.markets[order.ticker].event_ticker != event_ticker:
                continue
            position = exchange.queue_position(order)
            items.append(
                {
                    "order_id": order.order_id,
                    "market_ticker": order.ticker,
                    "queue_position_fp": cc_to_str(position),
                }
            )
        return 200, {"queue_positions": items}

    def queue_position(self, ctx: _Ctx) -> tuple[int, Any]:
        account = self.sim.exchange.account(self._user(ctx))
        order = account.orders.get(ctx.params["order_id"])
        if order is None:
            raise SimError.not_found("order not found")
        return 200, {"queue_position_fp": cc_to_str(self.sim.exchange.queue_position(order))}

    # ------------------------------------------------------------------ order mutations

    def create_order(self, ctx: _Ctx) -> tuple[int, Any]:
        request = _order_request(ctx.body)
        result = self.sim.exchange.place_order(self._user(ctx), request)
        return 201, _create_response(result)

    def batch_create(self, ctx: _Ctx) -> tuple[int, Any]:
        items = _batch_items(ctx.body)
        user = self._user(ctx)
        out: list[dict[str, Any]] = []
        for item in items:
            client_id = item.get("client_order_id") if isinstance(item, dict) else None
            try:
                result = self.sim.exchange.place_order(user, _order_request(item))
            except SimError as exc:
                entry: dict[str, Any] = {"error": exc.body()["error"]}
                if isinstance(client_id, str) and client_id:
                    entry["client_order_id"] = client_id
                out.append(entry)
            else:
                out.append(_create_response(result))
        return 201, {"orders": out}

    def cancel_order(self, ctx: _Ctx) -> tuple[int, Any]:
        _subaccount(ctx.request.query)
        order, removed = self.sim.exchange.cancel_order(self._user(ctx), ctx.params["order_id"])
        return 200, _cancel_body(order, removed, self.sim.now_ms())

    def batch_cancel(self, ctx: _Ctx) -> tuple[int, Any]:
        items = _batch_items(ctx.body)
        user = self._user(ctx)
        out: list[dict[str, Any]] = []
        for item in items:
            order_id = item.get("order_id") if isinstance(item, dict) else None
            if not isinstance(order_id, str) or not order_id:
                err = SimError.bad_request("order_id is required")
                out.append({"order_id": "", "reduced_by": "0.00", "error": err.body()["error"]})
                continue
            try:
                order, removed = self.sim.exchange.cancel_order(user, order_id)
            except SimError as exc:
                out.append({"order_id": order_id, "reduced_by": "0.00", "error": exc.body()["error"]})
            else:
                out.append(_cancel_body(order, removed, self.sim.now_ms()))
        return 200, {"orders": out}

    def cancel_all(self, ctx: _Ctx) -> tuple[int, Any]:
        sub = _q_int(ctx.request.query, "subaccount", low=0, high=63)
        self.sim.exchange.cancel_all(self._user(ctx), sub)
        return 204, None

    def amend(self, ctx: _Ctx) -> tuple[int, Any]:
        _subaccount(ctx.request.query)
        body = ctx.body
        if not isinstance(body, dict):
            raise SimError.invalid_order("body must be a JSON object")
        side = _field(body, "side", str, required=True)
        if side not in ("bid", "ask"):
            raise SimError.invalid_order("side must be bid or ask")
        count = _count(body, "count")
        assert count is not None
        expiration = _field(body, "expiration_time", int)
        if expiration is not None and expiration < 0:
            raise SimError.invalid_order("expiration_time must not be negative")
        result = self.sim.exchange.amend_order(
            self._user(ctx),
            ctx.params["order_id"],
            ticker=_field(body, "ticker", str, required=True),
            side=side,
            price=_price(body),
            count=count,
            client_order_id=_field(body, "client_order_id", str),
            updated_client_order_id=_field(body, "updated_client_order_id", str),
            expiration_s=expiration,
        )
        out: dict[str, Any] = {"order_id": result.order.order_id}
        if result.order.client_order_id:
            out["client_order_id"] = result.order.client_order_id
        out["remaining_count"] = cc_to_str(result.order.remaining)
        _fill_summary(result, out)
        out["ts_ms"] = result.ts_ms
        return 200, out

    def decrease(self, ctx: _Ctx) -> tuple[int, Any]:
        _subaccount(ctx.request.query)
        body = ctx.body
        if not isinstance(body, dict):
            raise SimError.invalid_order("body must be a JSON object")
        reduce_by = _count(body, "reduce_by", required=False)
        reduce_to = _count(body, "reduce_to", required=False)
        order = self.sim.exchange.decrease_order(
            self._user(ctx), ctx.params["order_id"], reduce_by=reduce_by, reduce_to=reduce_to
        )
        out: dict[str, Any] = {"order_id": order.order_id}
        if order.client_order_id:
            out["client_order_id"] = order.client_order_id
        out["remaining_count"] = cc_to_str(order.remaining)
        out["ts_ms"] = self.sim.now_ms()
        return 200, out


# ---------------------------------------------------------------------------- module helpers


def _error(exc: SimError) -> ApiResponse:
    return ApiResponse(exc.status, exc.body())


def _json_body(request: ApiRequest) -> Any:
    if not request.body:
        raise SimError.bad_request("a JSON request body is required")
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise SimError.bad_request("request body is not valid JSON") from None


def _client_order_ids(raw: bytes) -> tuple[str, ...]:
    """The client order ids a create or batch-create body carries (for the traffic log)."""
    if b"client_order_id" not in raw:
        return ()
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return ()
    if not isinstance(body, dict):
        return ()
    orders = body.get("orders")
    items: list[Any] = orders if isinstance(orders, list) else [body]
    ids = (item.get("client_order_id") for item in items if isinstance(item, dict))
    return tuple(cid for cid in ids if isinstance(cid, str) and cid)


def _batch_items(body: Any) -> list[Any]:
    items = body.get("orders") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise SimError.bad_request("orders must be a non-empty list")
    if len(items) > MAX_BATCH:
        raise SimError.bad_request(f"at most {MAX_BATCH} orders per batch")
    return items


def _cancel_body(order: Order, removed: int, now_ms: int) -> dict[str, Any]:
    body: dict[str, Any] = {"order_id": order.order_id}
    if order.client_order_id:
        body["client_order_id"] = order.client_order_id
    body["reduced_by"] = cc_to_str(removed)
    body["ts_ms"] = now_ms
    return body


def _within(ms: int, min_s: int | None, max_s: int | None) -> bool:
    seconds = ms // 1000
    return (min_s is None or seconds >= min_s) and (max_s is None or seconds <= max_s)


def _event_status(markets: list[Market]) -> str:
    states = {m.state for m in markets}
    if not states:
        return "unopened"
    if states & {MarketState.OPEN, MarketState.PAUSED}:
        return "open"
    if states == {MarketState.SETTLED}:
        return "settled"
    if states <= {MarketState.UNOPENED}:
        return "unopened"
    return "closed"


MAX_BATCH: Final = 100
_LEGACY: Final = (
    ("POST", re.compile(r"^/portfolio/orders$")),
    ("POST", re.compile(r"^/portfolio/orders/batched$")),
    ("DELETE", re.compile(r"^/portfolio/orders/batched$")),
    ("DELETE", re.compile(r"^/portfolio/orders/[^/]+$")),
    ("POST", re.compile(r"^/portfolio/orders/[^/]+/(amend|decrease)$")),
)


def _is_legacy_order_mutation(method: str, sub: str) -> bool:
    return any(method == m and pattern.match(sub) for m, pattern in _LEGACY)


def _route(
    method: str,
    template: str,
    operation: str,
    handler: Callable[[KalshiApi, _Ctx], tuple[int, Any]],
    *,
    auth: bool = False,
    budget: Budget = "read",
    cost: int = DEFAULT_COST,
    per_item: bool = False,
) -> Route:
    regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$"
    return Route(method, re.compile(regex), operation, handler, auth, budget, cost, per_item)


ROUTES: Final = (
    _route("GET", "/exchange/status", "get_exchange_status", KalshiApi.exchange_status),
    _route("GET", "/exchange/schedule", "get_exchange_schedule", KalshiApi.exchange_schedule),
    _route("GET", "/exchange/user_data_timestamp", "get_user_data_timestamp", KalshiApi.user_data_timestamp),
    _route("GET", "/account/limits", "get_account_api_limits", KalshiApi.account_limits, auth=True),
    _route("GET", "/account/endpoint_costs", "get_account_endpoint_costs", KalshiApi.endpoint_costs),
    _route("GET", "/series", "get_series_list", KalshiApi.series_list),
    _route("GET", "/series/{series_ticker}", "get_series", KalshiApi.series_one),
    _route("GET", "/events", "get_events", KalshiApi.events),
    _route("GET", "/events/{event_ticker}", "get_event", KalshiApi.event_one),
    _route("GET", "/markets", "get_markets", KalshiApi.markets),
    _route("GET", "/markets/trades", "get_trades", KalshiApi.trades),
    _route("GET", "/markets/orderbooks", "get_market_orderbooks", KalshiApi.orderbooks),
    _route("GET", "/markets/{ticker}", "get_market", KalshiApi.market_one),
    _route("GET", "/markets/{ticker}/orderbook", "get_market_orderbook", KalshiApi.orderbook),
    _route(
        "GET", "/portfolio/balance", "get_balance", KalshiApi.balance, auth=True, budget="balance", cost=1
    ),
    _route("GET", "/portfolio/positions", "get_positions", KalshiApi.positions, auth=True),
    _route("GET", "/portfolio/fills", "get_fills", KalshiApi.fills, auth=True),
    _route("GET", "/portfolio/settlements", "get_settlements", KalshiApi.settlements, auth=True),
    _route("GET", "/portfolio/orders", "get_orders", KalshiApi.orders, auth=True),
    _route(
        "GET",
        "/portfolio/orders/queue_positions",
        "get_order_queue_positions",
        KalshiApi.queue_positions,
        auth=True,
    ),
    _route("GET", "/portfolio/orders/{order_id}", "get_order", KalshiApi.order_one, auth=True, cost=2),
    _route(
        "GET",
        "/portfolio/orders/{order_id}/queue_position",
        "get_order_queue_position",
        KalshiApi.queue_position,
        auth=True,
    ),
    _route(
        "POST",
        "/portfolio/events/orders",
        "create_order_v2",
        KalshiApi.create_order,
        auth=True,
        budget="write",
    ),
    _route(
        "DELETE",
        "/portfolio/events/orders",
        "cancel_all_orders",
        KalshiApi.cancel_all,
        auth=True,
        budget="write",
        cost=2,
    ),
    _route(
        "POST",
        "/portfolio/events/orders/batched",
        "batch_create_orders_v2",
        KalshiApi.batch_create,
        auth=True,
        budget="write",
        per_item=True,
    ),
    _route(
        "DELETE",
        "/portfolio/events/orders/batched",
        "batch_cancel_orders_v2",
        KalshiApi.batch_cancel,
        auth=True,
        budget="write",
        cost=2,
        per_item=True,
    ),
    _route(
        "DELETE",
        "/portfolio/events/orders/{order_id}",
        "cancel_order_v2",
        KalshiApi.cancel_order,
        auth=True,
        budget="write",
        cost=2,
    ),
    _route(
        "POST",
        "/portfolio/events/orders/{order_id}/amend",
        "amend_order_v2",
        KalshiApi.amend,
        auth=True,
        budget="write",
    ),
    _route(
        "POST",
        "/portfolio/events/orders/{order_id}/decrease",
        "decrease_order_v2",
        KalshiApi.decrease,
        auth=True,
        budget="write",
    ),
)
OPERATIONS: Final = frozenset(route.operation for route in ROUTES)
"""Operation names accepted by fault injection (the official SDK's method names)."""


def _match(method: str, sub: str) -> tuple[Route, dict[str, str]] | None:
    from urllib.parse import unquote

    for route in ROUTES:
        if route.method != method:
            continue
        found = route.pattern.match(sub)
        if found:
            return route, {k: unquote(v) for k, v in found.groupdict().items()}
    return None
