"""The Kalshi REST surface without sockets: shapes, status codes, errors, faults, stale reads."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.kalshi_sim.api import ApiRequest, ApiResponse, KalshiApi
from local.kalshi_sim.auth import sign_headers
from local.kalshi_sim.clock import ManualClock
from local.kalshi_sim.makers import MakerConfig
from local.kalshi_sim.ratelimit import BucketLimit, TierLimits
from local.kalshi_sim.simulator import KalshiSimulator, SimCredentials, Team
from tests.unit.kalshi_sim.helpers import START

PREFIX = "/trade-api/v2"


class Client:
    def __init__(self, sim: KalshiSimulator, creds: SimCredentials | None) -> None:
        self.api = KalshiApi(sim)
        self.sim = sim
        self.creds = creds

    def call(self, method: str, path: str, body: Any = None, **query: Any) -> ApiResponse:
        full = PREFIX + path
        headers: dict[str, str] = {}
        if self.creds is not None:
            now = self.sim.auth_clock.now_ms()
            headers = sign_headers(self.creds.private_key_pem, self.creds.key_id, method, full, now)
        raw = json.dumps(body).encode() if body is not None else b""
        parsed = {k: [str(v).lower() if isinstance(v, bool) else str(v)] for k, v in query.items()}
        return self.api.handle(ApiRequest(method, full, parsed, headers, raw))

    def order(self, **fields: Any) -> ApiResponse:
        body = {
            "ticker": HOME,
            "side": "bid",
            "count": "2",
            "price": "0.45",
            "time_in_force": "good_till_canceled",
            "self_trade_prevention_type": "taker_at_cross",
        } | fields
        return self.call("POST", "/portfolio/events/orders", body)


HOME = "KXNBAGAME-26NOV24BOSLAL-LAL"
AWAY = "KXNBAGAME-26NOV24BOSLAL-BOS"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def sim(clock: ManualClock) -> KalshiSimulator:
    sim = KalshiSimulator(seed=4, clock=clock, auth_clock=clock, maintenance=False)
    sim.add_game(Team("BOS", "Boston"), Team("LAL", "Los Angeles L"), maker=MakerConfig(levels=2))
    return sim


@pytest.fixture
def client(sim: KalshiSimulator) -> Client:
    creds = sim.create_user_with_key(balance_cents=100_000, tier="prime", key_type="ed25519")
    return Client(sim, creds)


def test_unknown_and_legacy_paths(client: Client) -> None:
    assert client.call("GET", "/nope").status == 404
    legacy = client.call("POST", "/portfolio/orders", {"ticker": HOME})
    assert legacy.status == 410
    assert legacy.body["error"]["code"] == "deprecated_v1_order_endpoint"


def test_markets_pagination(client: Client) -> None:
    first = client.call("GET", "/markets", limit=1)
    assert first.status == 200
    assert [m["ticker"] for m in first.body["markets"]] == [AWAY]
    second = client.call("GET", "/markets", limit=1, cursor=first.body["cursor"])
    assert [m["ticker"] for m in second.body["markets"]] == [HOME]
    assert second.body["cursor"] == ""
    assert client.call("GET", "/markets", cursor="bm9wZQ==").status == 400
    assert client.call("GET", "/markets", status="bogus").status == 400
    market = client.call("GET", f"/markets/{HOME}").body["market"]
    assert market["status"] == "active"
    assert (market["yes_bid_dollars"], market["yes_ask_dollars"]) == ("0.4800", "0.5200")
    assert market["no_bid_dollars"] == "0.4800"
    assert market["yes_bid_size_fp"] == "25.00"
    assert client.call("GET", "/markets/NOPE").body["error"]["code"] == "market_not_found"


def test_orderbook_levels_ascending_and_depth(client: Client) -> None:
    book = client.call("GET", f"/markets/{HOME}/orderbook").body["orderbook_fp"]
    assert book["yes_dollars"] == [["0.4700", "25.00"], ["0.4800", "25.00"]]
    assert book["no_dollars"] == [["0.4700", "25.00"], ["0.4800", "25.00"]]
    top = client.call("GET", f"/markets/{HOME}/orderbook", depth=1).body["orderbook_fp"]
    assert top["yes_dollars"] == [["0.4800", "25.00"]]


def test_events_and_series(client: Client) -> None:
    events = client.call("GET", "/events", with_nested_markets=True).body
    assert events["events"][0]["event_ticker"] == "KXNBAGAME-26NOV24BOSLAL"
    assert len(events["events"][0]["markets"]) == 2
    one = client.call("GET", "/events/KXNBAGAME-26NOV24BOSLAL").body
    assert [m["ticker"] for m in one["markets"]] == [AWAY, HOME]
    assert client.call("GET", "/series/KXNBAGAME").body["series"]["fee_type"] == "quadratic"


def test_create_order_shape_and_lookup(client: Client) -> None:
    created = client.order(client_order_id="c-1")
    assert created.status == 201
    body = created.body
    assert set(body) == {"order_id", "client_order_id", "fill_count", "remaining_count", "ts_ms"}
    assert (body["fill_count"], body["remaining_count"]) == ("0.00", "2.00")
    order = client.call("GET", f"/portfolio/orders/{body['order_id']}").body["order"]
    assert order["status"] == "resting"
    assert (order["book_side"], order["outcome_side"]) == ("bid", "yes")
    assert (order["yes_price_dollars"], order["no_price_dollars"]) == ("0.4500", "0.5500")
    taker = client.order(side="ask", price="0.40", count="30", time_in_force="immediate_or_cancel")
    assert taker.body["fill_count"] == "30.00"
    assert taker.body["average_fill_price"] == "0.478333"  # (25 x 0.48 + 5 x 0.47) / 30, 6 places
    assert taker.body["remaining_count"] == "0.00"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"count": 2}, "invalid_order"),  # count must be a string
        ({"side": "buy"}, "invalid_order"),
        ({"time_in_force": "good_till_time"}, "invalid_order"),
        ({"price": "0.455"}, "invalid_price"),
        ({"price": "0.45678"}, "invalid_price"),
        ({"reduce_only": True}, "invalid_order"),
        ({"ticker": "NOPE"}, "market_not_found"),
    ],
)
def test_create_order_validation(client: Client, fields: dict[str, Any], code: str) -> None:
    response = client.order(**fields)
    assert response.body["error"]["code"] == code
    assert response.status in (400, 404)


def test_list_filters_amend_decrease_cancel(client: Client) -> None:
    oid = client.order(client_order_id="a").body["order_id"]
    client.order(side="ask", price="0.40", count="1", time_in_force="immediate_or_cancel")
    resting = client.call("GET", "/portfolio/orders", status="resting").body["orders"]
    executed = client.call("GET", "/portfolio/orders", status="executed").body["orders"]
    assert [o["order_id"] for o in resting] == [oid]
    assert len(executed) == 1
    amended = client.call(
        "POST",
        f"/portfolio/events/orders/{oid}/amend",
        {"ticker": HOME, "side": "bid", "price": "0.46", "count": "5", "updated_client_order_id": "a2"},
    )
    assert amended.status == 200
    assert (amended.body["remaining_count"], amended.body["client_order_id"]) == ("5.00", "a2")
    decreased = client.call("POST", f"/portfolio/events/orders/{oid}/decrease", {"reduce_to": "3"})
    assert decreased.body["remaining_count"] == "3.00"
    both = client.call(
        "POST", f"/portfolio/events/orders/{oid}/decrease", {"reduce_to": "1", "reduce_by": "1"}
    )
    assert both.status == 400
    canceled = client.call("DELETE", f"/portfolio/events/orders/{oid}")
    assert canceled.body["reduced_by"] == "3.00"
    assert client.call("DELETE", f"/portfolio/events/orders/{oid}").status == 404


def test_batch_create_and_cancel_with_item_errors(client: Client) -> None:
    base = {
        "ticker": HOME,
        "side": "bid",
        "count": "1",
        "price": "0.30",
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
    }
    items = [base | {"client_order_id": "b1"}, base | {"client_order_id": "b1"}, base | {"price": "2"}]
    created = client.call("POST", "/portfolio/events/orders/batched", {"orders": items})
    assert created.status == 201
    out = created.body["orders"]
    assert "order_id" in out[0] and "error" not in out[0]
    assert out[1]["error"]["code"] == "order_already_exists"
    assert out[1]["client_order_id"] == "b1"
    assert out[2]["error"]["code"] == "invalid_price"
    canceled = client.call(
        "DELETE",
        "/portfolio/events/orders/batched",
        {"orders": [{"order_id": out[0]["order_id"]}, {"order_id": "x"}]},
    )
    assert canceled.status == 200
    assert canceled.body["orders"][0]["reduced_by"] == "1.00"
    assert canceled.body["orders"][1]["error"]["code"] == "not_found"


def test_cancel_all_returns_204_without_body(client: Client, sim: KalshiSimulator) -> None:
    client.order()
    client.order(price="0.44")
    response = client.call("DELETE", "/portfolio/events/orders")
    assert (response.status, response.body) == (204, None)
    assert client.call("GET", "/portfolio/orders", status="resting").body["orders"] == []


def test_portfolio_reads(client: Client) -> None:
    client.order(side="bid", price="0.52", count="4", time_in_force="immediate_or_cancel")
    balance = client.call("GET", "/portfolio/balance").body
    # 4 x 0.52 = 2.08 plus fee ceil(0.07 * 4 * 0.52 * 0.48) = 0.07
    assert balance["balance"] == 100_000 - 208 - 7
    assert balance["balance_dollars"] == "997.8500"
    assert balance["portfolio_value"] == 200  # 4 YES marked at mid 0.50
    positions = client.call("GET", "/portfolio/positions").body
    assert positions["market_positions"][0]["position_fp"] == "4.00"
    assert positions["event_positions"][0]["event_ticker"] == "KXNBAGAME-26NOV24BOSLAL"
    fills = client.call("GET", "/portfolio/fills").body["fills"]
    assert fills[0]["fee_cost"] == "0.0700"
    assert fills[0]["fill_id"] == fills[0]["trade_id"]
    limits = client.call("GET", "/account/limits").body
    assert limits["usage_tier"] == "prime"


def test_settlement_visible_in_positions_and_settlements(client: Client, sim: KalshiSimulator) -> None:
    client.order(side="bid", price="0.52", count="4", time_in_force="immediate_or_cancel")
    sim.settle(HOME, "yes")
    records = client.call("GET", "/portfolio/settlements").body["settlements"]
    assert records[0]["revenue"] == 400
    assert records[0]["market_result"] == "yes"
    assert client.call("GET", "/portfolio/positions").body["market_positions"] == []
    settled = client.call("GET", "/portfolio/positions", settlement_status="settled").body["market_positions"]
    assert settled[0]["realized_pnl_dollars"] == "1.9200"


def test_auth_required_and_checked(sim: KalshiSimulator) -> None:
    anonymous = Client(sim, None)
    assert anonymous.call("GET", "/markets").status == 200
    response = anonymous.call("GET", "/portfolio/balance")
    assert response.status == 401
    assert response.body["error"]["code"] == "authentication_error"
    wrong = sim.create_user_with_key(key_type="ed25519")
    forged = SimCredentials(wrong.user_id, "not-a-key", wrong.private_key_pem)
    assert Client(sim, forged).call("GET", "/markets").status == 401


def test_injected_errors_before_and_after(client: Client, sim: KalshiSimulator) -> None:
    sim.fail_next(503, operation="create_order_v2")
    refused = client.order(client_order_id="f1")
    assert refused.status == 503
    assert refused.body["error"]["code"] == "service_unavailable"
    assert client.call("GET", "/portfolio/orders").body["orders"] == []
    sim.fail_next(500, operation="create_order_v2", when="after")
    lost = client.order(client_order_id="f1")
    assert lost.status == 500
    assert [o["client_order_id"] for o in client.call("GET", "/portfolio/orders").body["orders"]] == ["f1"]
    # the retry with the same id is told it exists
    assert client.order(client_order_id="f1").status == 409


def test_drop_marks_response_after_the_order_exists(client: Client, sim: KalshiSimulator) -> None:
    sim.drop_next_response()
    dropped = client.order(client_order_id="d1")
    assert dropped.drop
    assert [o["client_order_id"] for o in client.call("GET", "/portfolio/orders").body["orders"]] == ["d1"]
    assert not client.order(client_order_id="d2").drop


def test_traffic_log_records_what_reached_the_api(client: Client, sim: KalshiSimulator) -> None:
    assert client.order(client_order_id="t1").status == 201
    sim.fail_next(503, operation="create_order_v2")
    assert client.order(client_order_id="t2").status == 503
    sim.drop_next_response()
    assert client.order(client_order_id="t3").drop
    assert client.order(client_order_id="t1").status == 409
    batch = {"orders": [{"client_order_id": "b1"}, {"client_order_id": "b2"}]}
    client.call("POST", "/portfolio/events/orders/batched", batch)
    client.call("GET", "/nope")  # unknown paths are not operations
    creates = sim.traffic.records("create_order_v2")
    assert [(r.client_order_ids, r.status, r.dropped) for r in creates] == [
        (("t1",), 201, False),
        (("t2",), 503, False),
        (("t3",), 201, True),
        (("t1",), 409, False),
    ]
    assert all(r.done and r.user_id == client.creds.user_id for r in creates if client.creds)
    assert sim.traffic.records("batch_create_orders_v2")[0].client_order_ids == ("b1", "b2")
    assert (sim.traffic.count("create_order_v2"), sim.traffic.count(status=503)) == (4, 1)
    assert sim.traffic.inflight == 0 and sim.traffic.wait_idle(0)
    described = sim.traffic.describe()
    assert described["operations"]["create_order_v2"] == {"201": 1, "409": 1, "503": 1, "dropped 201": 1}
    assert described["total"] == 5
    sim.traffic.clear()
    assert sim.traffic.count() == 0 and sim.traffic.records() == []


def test_delay_next_holds_only_the_next_matching_requests(client: Client, sim: KalshiSimulator) -> None:
    import time

    sim.delay_next(60, "create_order_v2", count=1)
    assert sim.faults.describe()["delays"] == [{"ms": 60, "remaining": 1, "operation": "create_order_v2"}]
    started = time.monotonic()
    assert client.call("GET", "/exchange/status").status == 200
    assert time.monotonic() - started < 0.05  # another operation is not held
    assert client.order(client_order_id="late").status == 201  # held, then performed
    assert time.monotonic() - started >= 0.06
    assert sim.faults.describe()["delays"] == []
    started = time.monotonic()
    assert client.order(client_order_id="prompt").status == 201
    assert time.monotonic() - started < 0.05
    with pytest.raises(ValueError):
        sim.delay_next(-1)


def test_429_plain_body_from_real_buckets(client: Client, sim: KalshiSimulator, clock: ManualClock) -> None:
    assert client.creds is not None
    tight = TierLimits("basic", BucketLimit(10, 20), BucketLimit(10, 10), BucketLimit(1, 1))
    sim.set_limits(client.creds.user_id, tight)
    assert client.order().status == 201
    refused = client.order()
    assert (refused.status, refused.body) == (429, {"error": "too many requests"})
    assert client.call("GET", f"/portfolio/orders/{'x'}").status == 404  # reads use another bucket
    clock.advance(1_000)
    assert client.order().status == 201
    assert client.call("GET", "/portfolio/balance").status == 200
    assert client.call("GET", "/portfolio/balance").status == 429


def test_stale_portfolio_reads(client: Client, sim: KalshiSimulator, clock: ManualClock) -> None:
    sim.set_stale_reads(5_000)
    clock.advance(1_000)
    oid = client.order(client_order_id="s1").body["order_id"]
    assert client.call("GET", "/portfolio/orders").body["orders"] == []
    assert client.call("GET", f"/portfolio/orders/{oid}").status == 404
    assert client.call("GET", "/portfolio/balance").body["balance"] == 100_000
    stamp = client.call("GET", "/exchange/user_data_timestamp").body["as_of_time"]
    assert stamp == "2026-11-24T14:59:56.000Z"
    clock.advance(5_000)
    assert len(client.call("GET", "/portfolio/orders").body["orders"]) == 1
    assert client.call("GET", "/portfolio/balance").body["balance"] < 100_000
    sim.clear_faults()
    assert sim.faults.stale_ms == 0


def test_trading_pause_and_exchange_status(client: Client, sim: KalshiSimulator) -> None:
    sim.pause_trading()
    status = client.call("GET", "/exchange/status").body
    assert status == {"exchange_active": True, "trading_active": False}
    paused = client.order()
    assert (paused.status, paused.body["error"]["code"]) == (409, "trading_is_paused")
    sim.resume_trading()
    sim.pause_trading(HOME)
    assert client.call("GET", f"/markets/{HOME}").body["market"]["status"] == "inactive"
    assert [m["ticker"] for m in client.call("GET", "/markets", status="paused").body["markets"]] == [HOME]
    assert client.order().body["error"]["code"] == "trading_is_paused"
    sim.resume_trading(HOME)
    assert client.order().status == 201


def test_schedule_lists_maintenance_windows(clock: ManualClock) -> None:
    sim = KalshiSimulator(clock=clock, auth_clock=clock, maintenance=True)
    body = Client(sim, None).call("GET", "/exchange/schedule").body["schedule"]
    assert body["maintenance_windows"][0] == {
        "start_datetime": "2026-11-26T08:00:00Z",
        "end_datetime": "2026-11-26T10:00:00Z",
    }
    assert body["standard_hours"][0]["thursday"] == [{"open_time": "00:00", "close_time": "23:59"}]


def test_query_strings_are_not_signed(client: Client) -> None:
    # the signature covers the path only; a query string must not break it
    assert client.call("GET", "/portfolio/orders", limit=5, status="resting").status == 200
