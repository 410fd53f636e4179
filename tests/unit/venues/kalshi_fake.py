"""A small Kalshi-shaped exchange behind ``httpx.MockTransport`` for the client's unit tests.

It speaks the v2 wire format (shapes from the OpenAPI 3.34 schemas), verifies every signature
with the public key, keeps orders in memory and injects faults per route: errors before
processing, lost responses after processing, malformed 2xx bodies. Portfolio reads can lag
behind writes (``lag`` seconds on the fake clock), like Kalshi's REST data does.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import formatdate
from typing import Any

import httpx

from inplay.venues.kalshi.auth import HEADER_KEY, HEADER_SIGNATURE, HEADER_TIMESTAMP, signing_message, verify

PREFIX = "/trade-api/v2"
BASE_URL = "https://external-api.demo.kalshi.co/trade-api/v2"


class FakeClock:
    """Wall and monotonic time that only move when told to (``sleep`` advances both)."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:
        self.now = start
        self.mono = 1000.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.mono

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.mono += seconds


@dataclass
class Fault:
    """One injected behaviour for the next matching request.

    kind: ``status`` (answer ``status``/``body`` without processing), ``connect`` (ConnectError,
    not processed), ``timeout_before`` (ReadTimeout, not processed), ``timeout_after`` (processed,
    then ReadTimeout: a lost response), ``status_after`` (processed, then ``status``/``body``),
    ``body_after`` (processed, then a 2xx with ``body``).
    """

    kind: str
    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, str]
    json: Any
    headers: httpx.Headers


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).isoformat().replace("+00:00", "Z")


SCHEDULE = {
    "schedule": {
        "standard_hours": [
            {
                "start_time": "2026-01-01T00:00:00Z",
                "end_time": "2027-01-01T00:00:00Z",
                "monday": [{"open_time": "00:00", "close_time": "23:59"}],
            }
        ],
        "maintenance_windows": [
            {"start_datetime": "2026-01-08T08:00:00Z", "end_datetime": "2026-01-08T10:00:00Z"}
        ],
    }
}


def error_body(code: str, message: str, details: str = "") -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def market(ticker: str, **overrides: Any) -> dict[str, Any]:
    data = {
        "ticker": ticker,
        "event_ticker": ticker.rsplit("-", 1)[0],
        "market_type": "binary",
        "yes_sub_title": "Golden State",
        "no_sub_title": "Golden State",
        "created_time": "2026-03-20T12:00:00Z",
        "updated_time": "2026-03-20T12:00:00Z",
        "open_time": "2026-03-20T12:00:00Z",
        "close_time": "2026-03-26T06:00:00Z",
        "latest_expiration_time": "2026-04-09T06:00:00Z",
        "settlement_timer_seconds": 300,
        "status": "active",
        "notional_value_dollars": "1.0000",
        "yes_bid_dollars": "0.5500",
        "yes_ask_dollars": "0.5700",
        "no_bid_dollars": "0.4300",
        "no_ask_dollars": "0.4500",
        "yes_bid_size_fp": "120.00",
        "yes_ask_size_fp": "80.00",
        "last_price_dollars": "0.5600",
        "previous_yes_bid_dollars": "0.5000",
        "previous_yes_ask_dollars": "0.5200",
        "previous_price_dollars": "0.5100",
        "volume_fp": "1000.00",
        "volume_24h_fp": "500.00",
        "open_interest_fp": "300.00",
        "result": "",
        "can_close_early": True,
        "expiration_value": "",
        "rules_primary": "If Golden State wins, the market resolves to Yes.",
        "rules_secondary": "",
        "price_level_structure": "linear_cent",
        "price_ranges": [{"start": "0.0000", "end": "1.0000", "step": "0.0100"}],
        "settlement_bounds_type": "default",
        "exchange_index": 0,
    }
    data.update(overrides)
    return data


class FakeKalshi:
    def __init__(self, public_key: Any, key_id: str, clock: FakeClock, *, lag: float = 0.0) -> None:
        self.public_key = public_key
        self.key_id = key_id
        self.clock = clock
        self.lag = lag
        self.server_skew = 0.0
        self.orders: dict[str, dict[str, Any]] = {}
        self.created_at: dict[str, float] = {}
        self.requests: list[Recorded] = []
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.markets: dict[str, dict[str, Any]] = {}
        self.orderbooks: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.series: list[dict[str, Any]] = []
        self.positions: list[dict[str, Any]] = []
        self.fills: list[dict[str, Any]] = []
        self.historical_orders: list[dict[str, Any]] = []
        self.balance_cents = 12_345
        self.limits: dict[str, Any] | None = {
            "usage_tier": "advanced",
            "read": {"refill_rate": 300, "bucket_capacity": 300},
            "write": {"refill_rate": 300, "bucket_capacity": 600},
            "grants": [],
        }
        self.exchange = {"exchange_active": True, "trading_active": True}
        self.user_data_timestamp_supported = True
        self.historical_supported = True
        self.send_date = True
        self.fill_on_create: Decimal | None = None
        self.closed_markets: set[str] = set()
        self.page_size_cap = 1000
        self.processing_time = 0.0
        self.latency = 0.0

    # -----------------------------------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def fail(self, route: str, *faults: Fault) -> None:
        """Queue faults for ``route`` (e.g. ``"POST /portfolio/events/orders"``)."""
        self.faults[route].extend(faults)

    def calls(self, route: str) -> list[Recorded]:
        method, path = route.split(" ", 1)
        return [r for r in self.requests if r.method == method and r.path == path]

    def visible(self, order_id: str) -> bool:
        return self.clock.now - self.created_at[order_id] >= self.lag

    def add_order(self, **fields: Any) -> dict[str, Any]:
        order = self._order_dict(
            ticker=fields.pop("ticker", "KXNBAGAME-26MAR25BKNGSW-GSW"),
            side=fields.pop("side", "bid"),
            price=Decimal(fields.pop("price", "0.5600")),
            count=Decimal(fields.pop("count", "10")),
            client_order_id=fields.pop("client_order_id", str(uuid.uuid4())),
        )
        order.update(fields)
        self.orders[order["order_id"]] = order
        self.created_at[order["order_id"]] = self.clock.now - 3600
        return order

    # -----------------------------------------------------------------------------------------

    def _respond(
        self, status: int, body: Any = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        all_headers = dict(headers or {})
        if self.send_date:
            all_headers["Date"] = formatdate(self.clock.now + self.server_skew, usegmt=True)
        if body is None:
            return httpx.Response(status, headers=all_headers)
        content = body if isinstance(body, bytes | str) else json.dumps(body)
        all_headers.setdefault("Content-Type", "application/json")
        return httpx.Response(status, content=content, headers=all_headers)

    def _authenticate(self, request: httpx.Request, path: str) -> httpx.Response | None:
        headers = request.headers
        needs_auth = path.startswith(("/portfolio", "/account", "/historical"))
        if HEADER_SIGNATURE not in headers:
            if needs_auth:
                return self._respond(
                    401, error_body("authentication_error", "authentication_error", "missing headers")
                )
            return None
        ok = headers.get(HEADER_KEY) == self.key_id and headers.get(HEADER_TIMESTAMP, "").isdigit()
        if ok:
            timestamp = int(headers[HEADER_TIMESTAMP])
            message = signing_message(timestamp, request.method, PREFIX + path)
            ok = verify(self.public_key, message, headers[HEADER_SIGNATURE])
            ok = ok and abs(timestamp / 1000 - (self.clock.now + self.server_skew)) <= 30
        if not ok:
            return self._respond(
                401,
                error_body(
                    "authentication_error",
                    "authentication_error",
                    "rpc error: code = Unauthenticated desc = INCORRECT_API_KEY_SIGNATURE",
                ),
            )
        return None

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.clock.advance(self.latency)
        raw_path = request.url.raw_path.split(b"?", 1)[0].decode()
        assert raw_path.startswith(PREFIX), raw_path
        path = raw_path[len(PREFIX) :]
        body = json.loads(request.content) if request.content else None
        self.requests.append(
            Recorded(request.method, path, dict(request.url.params), body, httpx.Headers(request.headers))
        )
        denied = self._authenticate(request, path)
        if denied is not None:
            return denied
        route = f"{request.method} {path}"
        fault = self.faults[route].popleft() if self.faults.get(route) else None
        if fault is not None:
            if fault.kind == "status":
                return self._respond(fault.status, fault.body, fault.headers)
            if fault.kind == "connect":
                raise httpx.ConnectError("connection refused", request=request)
            if fault.kind == "timeout_before":
                raise httpx.ReadTimeout("timed out", request=request)
        response = self._route(request.method, path, dict(request.url.params), body)
        self.clock.advance(self.processing_time)
        if fault is not None:
            if fault.kind == "timeout_after":
                raise httpx.ReadTimeout("timed out", request=request)
            if fault.kind == "status_after":
                return self._respond(fault.status, fault.body, fault.headers)
            if fault.kind == "body_after":
                return self._respond(201, fault.body)
        return response

    # -----------------------------------------------------------------------------------------

    def _page(
        self, items: list[dict[str, Any]], params: dict[str, str], key: str, **extra: Any
    ) -> httpx.Response:
        limit = min(int(params.get("limit", "100")), self.page_size_cap)
        start = int(params.get("cursor") or 0)
        chunk = items[start : start + limit]
        cursor = str(start + limit) if start + limit < len(items) else ""
        return self._respond(200, {key: chunk, "cursor": cursor, **extra})

    def _routes(self) -> list[tuple[str, str, Any]]:
        return [
            ("GET", "exchange/status", lambda p, b: self._respond(200, self.exchange)),
            ("GET", "exchange/schedule", lambda p, b: self._respond(200, SCHEDULE)),
            ("GET", "exchange/user_data_timestamp", self._user_data_timestamp),
            ("GET", "account/limits", self._limits),
            ("GET", "portfolio/balance", self._balance),
            ("GET", "portfolio/positions", self._positions),
            ("GET", "portfolio/fills", self._fills),
            ("GET", "portfolio/orders", self._list_orders),
            ("GET", "portfolio/orders/*", self._get_order),
            ("GET", "historical/orders", self._historical),
            ("POST", "portfolio/events/orders", lambda p, b: self._respond(*self._create(b))),
            ("POST", "portfolio/events/orders/batched", self._batch_create),
            ("DELETE", "portfolio/events/orders/batched", self._batch_cancel),
            ("DELETE", "portfolio/events/orders", self._cancel_all),
            ("DELETE", "portfolio/events/orders/*", lambda p, b, oid: self._respond(*self._cancel(oid))),
            ("POST", "portfolio/events/orders/*/decrease", self._decrease),
            ("POST", "portfolio/events/orders/*/amend", self._amend),
            ("GET", "markets", lambda p, b: self._page(list(self.markets.values()), p, "markets")),
            ("GET", "markets/*", self._market),
            ("GET", "markets/*/orderbook", self._orderbook),
            ("GET", "events", lambda p, b: self._page(self.events, p, "events")),
            ("GET", "events/*", self._event),
            ("GET", "series", lambda p, b: self._respond(200, {"series": self.series})),
            ("GET", "series/*", self._one_series),
        ]

    def _route(self, method: str, path: str, params: dict[str, str], body: Any) -> httpx.Response:
        parts = path.strip("/").split("/")
        for route_method, pattern, handler in self._routes():
            pattern_parts = pattern.split("/")
            if route_method != method or len(pattern_parts) != len(parts):
                continue
            if all(want in ("*", got) for want, got in zip(pattern_parts, parts, strict=True)):
                captured = [got for want, got in zip(pattern_parts, parts, strict=True) if want == "*"]
                return handler(params, body, *captured)
        return self._respond(404, error_body("not_found", f"no route {method} {path}"))

    def _user_data_timestamp(self, params: dict[str, str], body: Any) -> httpx.Response:
        if not self.user_data_timestamp_supported:
            return self._respond(404, error_body("not_found", "not found"))
        return self._respond(200, {"as_of_time": iso(self.clock.now + self.server_skew - self.lag)})

    def _limits(self, params: dict[str, str], body: Any) -> httpx.Response:
        if self.limits is None:
            return self._respond(404, error_body("not_found", "not found"))
        return self._respond(200, self.limits)

    def _balance(self, params: dict[str, str], body: Any) -> httpx.Response:
        return self._respond(
            200,
            {
                "balance": self.balance_cents,
                "balance_dollars": f"{Decimal(self.balance_cents) / 100:.4f}",
                "portfolio_value": self.balance_cents + 5000,
                "updated_ts": int(self.clock.now),
            },
        )

    def _positions(self, params: dict[str, str], body: Any) -> httpx.Response:
        rows = [p for p in self.positions if not params.get("ticker") or p["ticker"] == params["ticker"]]
        return self._page(rows, params, "market_positions", event_positions=[])

    def _fills(self, params: dict[str, str], body: Any) -> httpx.Response:
        rows = [f for f in self.fills if not params.get("ticker") or f["ticker"] == params["ticker"]]
        rows = [f for f in rows if not params.get("order_id") or f["order_id"] == params["order_id"]]
        return self._page(rows, params, "fills")

    def _list_orders(self, params: dict[str, str], body: Any) -> httpx.Response:
        rows = [o for oid, o in self.orders.items() if self.visible(oid)]
        rows = [o for o in rows if not params.get("ticker") or o["ticker"] == params["ticker"]]
        rows = [o for o in rows if not params.get("status") or o["status"] == params["status"]]
        return self._page(rows, params, "orders")

    def _get_order(self, params: dict[str, str], body: Any, order_id: str) -> httpx.Response:
        if order_id not in self.orders or not self.visible(order_id):
            return self._respond(404, error_body("not_found", "order not found"))
        return self._respond(200, {"order": self.orders[order_id]})

    def _historical(self, params: dict[str, str], body: Any) -> httpx.Response:
        if not self.historical_supported:
            return self._respond(404, error_body("not_found", "not found"))
        rows = [
            o for o in self.historical_orders if not params.get("ticker") or o["ticker"] == params["ticker"]
        ]
        return self._page(rows, params, "orders")

    def _batch_create(self, params: dict[str, str], body: Any) -> httpx.Response:
        items = []
        for order in body["orders"]:
            status, payload = self._create(order)
            if status == 201:
                items.append(payload)
            else:
                items.append({"order_id": None, "client_order_id": order.get("client_order_id"), **payload})
        return self._respond(201, {"orders": items})

    def _batch_cancel(self, params: dict[str, str], body: Any) -> httpx.Response:
        results = []
        for item in body["orders"]:
            status, payload = self._cancel(item["order_id"])
            if status == 200:
                results.append(payload)
            else:
                results.append({"order_id": item["order_id"], "reduced_by": "0.00", **payload})
        return self._respond(200, {"orders": results})

    def _cancel_all(self, params: dict[str, str], body: Any) -> httpx.Response:
        for order in self.orders.values():
            if order["status"] == "resting":
                order.update(status="canceled", remaining_count_fp="0.00")
        return self._respond(204)

    def _decrease(self, params: dict[str, str], body: Any, order_id: str) -> httpx.Response:
        order = self.orders.get(order_id)
        if order is None or order["status"] != "resting":
            return self._respond(404, error_body("not_found", "order not found"))
        remaining = Decimal(order["remaining_count_fp"])
        new = Decimal(body["reduce_to"]) if "reduce_to" in body else remaining - Decimal(body["reduce_by"])
        order["remaining_count_fp"] = f"{max(new, Decimal(0)):.2f}"
        if new <= 0:
            order["status"] = "canceled"
        return self._respond(
            200,
            {
                "order_id": order_id,
                "client_order_id": order["client_order_id"],
                "remaining_count": order["remaining_count_fp"],
                "ts_ms": int(self.clock.now * 1000),
            },
        )

    def _amend(self, params: dict[str, str], body: Any, order_id: str) -> httpx.Response:
        order = self.orders.get(order_id)
        if order is None or order["status"] != "resting":
            return self._respond(404, error_body("not_found", "order not found"))
        price = Decimal(body["price"])
        order.update(
            yes_price_dollars=f"{price:.4f}",
            no_price_dollars=f"{1 - price:.4f}",
            remaining_count_fp=f"{Decimal(body['count']) - Decimal(order['fill_count_fp']):.2f}",
        )
        if body.get("updated_client_order_id"):
            order["client_order_id"] = body["updated_client_order_id"]
        return self._respond(
            200,
            {
                "order_id": order_id,
                "client_order_id": order["client_order_id"],
                "remaining_count": order["remaining_count_fp"],
                "fill_count": "0.00",
                "ts_ms": int(self.clock.now * 1000),
            },
        )

    def _market(self, params: dict[str, str], body: Any, ticker: str) -> httpx.Response:
        if ticker not in self.markets:
            return self._respond(404, error_body("market_not_found", "market not found"))
        return self._respond(200, {"market": self.markets[ticker]})

    def _orderbook(self, params: dict[str, str], body: Any, ticker: str) -> httpx.Response:
        if ticker not in self.orderbooks:
            return self._respond(404, error_body("market_not_found", "market not found"))
        return self._respond(200, {"orderbook_fp": self.orderbooks[ticker]})

    def _event(self, params: dict[str, str], body: Any, event_ticker: str) -> httpx.Response:
        for event in self.events:
            if event["event_ticker"] == event_ticker:
                markets = [m for m in self.markets.values() if m["event_ticker"] == event_ticker]
                return self._respond(200, {"event": event, "markets": markets})
        return self._respond(404, error_body("not_found", "event not found"))

    def _one_series(self, params: dict[str, str], body: Any, series_ticker: str) -> httpx.Response:
        for series in self.series:
            if series["ticker"] == series_ticker:
                return self._respond(200, {"series": series})
        return self._respond(404, error_body("not_found", "series not found"))

    # -----------------------------------------------------------------------------------------

    def _order_dict(
        self, *, ticker: str, side: str, price: Decimal, count: Decimal, client_order_id: str
    ) -> dict[str, Any]:
        return {
            "order_id": str(uuid.uuid4()),
            "user_id": "user-1",
            "client_order_id": client_order_id,
            "ticker": ticker,
            "outcome_side": "yes" if side == "bid" else "no",
            "book_side": side,
            "type": "limit",
            "status": "resting",
            "yes_price_dollars": f"{price:.4f}",
            "no_price_dollars": f"{1 - price:.4f}",
            "fill_count_fp": "0.00",
            "remaining_count_fp": f"{count:.2f}",
            "initial_count_fp": f"{count:.2f}",
            "taker_fees_dollars": "0.0000",
            "maker_fees_dollars": "0.0000",
            "taker_fill_cost_dollars": "0.0000",
            "maker_fill_cost_dollars": "0.0000",
            "created_time": iso(self.clock.now),
            "last_update_time": iso(self.clock.now),
            "self_trade_prevention_type": "taker_at_cross",
            "exchange_index": 0,
        }

    def _create(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        required = ("ticker", "side", "count", "price", "time_in_force", "self_trade_prevention_type")
        missing = [name for name in required if name not in body]
        if missing or body["side"] not in ("bid", "ask") or not isinstance(body["price"], str):
            return 400, error_body("invalid_order", "invalid order", f"missing or bad fields: {missing}")
        if body["time_in_force"] not in ("fill_or_kill", "good_till_canceled", "immediate_or_cancel"):
            return 400, error_body("invalid_order", "invalid order", "bad time_in_force")
        cid = body.get("client_order_id")
        if cid and any(o["client_order_id"] == cid for o in self.orders.values()):
            return 409, error_body("order_already_exists", "order already exists")
        if body["ticker"] in self.closed_markets:
            return 409, error_body("market_closed", "market is closed")
        price = Decimal(body["price"])
        count = Decimal(body["count"])
        order = self._order_dict(
            ticker=body["ticker"], side=body["side"], price=price, count=count, client_order_id=cid or ""
        )
        response: dict[str, Any] = {
            "order_id": order["order_id"],
            "client_order_id": cid,
            "fill_count": "0.00",
            "remaining_count": f"{count:.2f}",
            "ts_ms": int(self.clock.now * 1000),
        }
        if self.fill_on_create is not None:
            outcome_price = price if body["side"] == "bid" else 1 - price
            order.update(
                status="executed",
                fill_count_fp=f"{count:.2f}",
                remaining_count_fp="0.00",
                taker_fill_cost_dollars=f"{outcome_price * count:.4f}",
                taker_fees_dollars=f"{self.fill_on_create * count:.4f}",
            )
            response.update(
                fill_count=f"{count:.2f}",
                remaining_count="0.00",
                average_fill_price=f"{price:.4f}",
                average_fee_paid=f"{self.fill_on_create:.4f}",
            )
        self.orders[order["order_id"]] = order
        self.created_at[order["order_id"]] = self.clock.now
        return 201, response

    def _cancel(self, order_id: str) -> tuple[int, dict[str, Any]]:
        order = self.orders.get(order_id)
        if order is None or order["status"] != "resting":
            return 404, error_body("not_found", "order not found")
        reduced = order["remaining_count_fp"]
        order.update(status="canceled", remaining_count_fp="0.00")
        return 200, {
            "order_id": order_id,
            "client_order_id": order["client_order_id"],
            "reduced_by": reduced,
            "ts_ms": int(self.clock.now * 1000),
        }
