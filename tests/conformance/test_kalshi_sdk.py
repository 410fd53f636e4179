"""Conformance: Kalshi's official Python SDK (kalshi-python-sync 3.34) drives the simulator through
a full trading session. Every response must deserialize under the SDK's strict pydantic models,
and — stricter than the SDK, whose ``from_dict`` turns a missing key into ``None`` — every field
the SDK model marks as required must be present in the raw JSON.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterator
from typing import Any

import kalshi_python_sync as ks
import pytest
from kalshi_python_sync import models as sdk_models
from kalshi_python_sync.configuration import Configuration
from kalshi_python_sync.exceptions import (
    ApiException,
    BadRequestException,
    ConflictException,
    NotFoundException,
    ServiceException,
    UnauthorizedException,
)
from pydantic import BaseModel

from local.kalshi_sim import KalshiSimulator, MakerConfig, SimServer, Team
from local.kalshi_sim.simulator import SimCredentials

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

REQUIRED_SDK_VERSION = "3.34.0"
SESSION_RESPONSES = {
    "ExchangeStatus",
    "GetExchangeScheduleResponse",
    "GetUserDataTimestampResponse",
    "GetAccountApiLimitsResponse",
    "GetAccountEndpointCostsResponse",
    "GetSeriesResponse",
    "GetSeriesListResponse",
    "GetEventsResponse",
    "GetEventResponse",
    "GetBalanceResponse",
    "GetMarketsResponse",
    "GetMarketResponse",
    "GetMarketOrderbookResponse",
    "GetMarketOrderbooksResponse",
    "CreateOrderV2Response",
    "GetOrderResponse",
    "GetOrdersResponse",
    "GetOrderQueuePositionsResponse",
    "GetOrderQueuePositionResponse",
    "AmendOrderV2Response",
    "DecreaseOrderV2Response",
    "CancelOrderV2Response",
    "BatchCreateOrdersV2Response",
    "BatchCancelOrdersV2Response",
    "GetFillsResponse",
    "GetPositionsResponse",
    "GetTradesResponse",
    "GetSettlementsResponse",
}
"""Every response model the full session must have validated."""


def _model_types(annotation: Any) -> Iterator[tuple[type[BaseModel], bool]]:
    """(model, is_list) pairs reachable from a field annotation."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        yield from _model_types(typing.get_args(annotation)[0])
    elif origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            yield from _model_types(arg)
    elif origin is list:
        for inner, _ in _model_types(typing.get_args(annotation)[0]):
            yield inner, True
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation, False


def missing_required(model: type[BaseModel], data: Any, path: str = "$") -> list[str]:
    """Paths of required fields absent from ``data`` (recursing into nested models and lists)."""
    if not isinstance(data, dict):
        return [f"{path}: expected an object for {model.__name__}"]
    problems = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key not in data:
            if info.is_required():
                problems.append(f"{path}.{key} ({model.__name__})")
            continue
        value = data[key]
        if value is None:
            continue
        for inner, is_list in _model_types(info.annotation):
            items = value if is_list and isinstance(value, list) else [value]
            for i, item in enumerate(items):
                problems += missing_required(
                    inner, item, f"{path}.{key}[{i}]" if is_list else f"{path}.{key}"
                )
    return problems


class StrictRecorder:
    """Wraps ``ApiClient.response_deserialize`` to check each raw 2xx body against its SDK model."""

    def __init__(self, client: ks.KalshiClient) -> None:
        self.calls: list[tuple[int, str | None]] = []
        self.problems: list[str] = []
        original = client.response_deserialize

        def deserialize(response_data: Any, response_types_map: dict[str, str | None] | None = None) -> Any:
            status = response_data.status
            type_name = (response_types_map or {}).get(str(status))
            self.calls.append((status, type_name))
            if 200 <= status < 300 and type_name:
                model = _model(type_name)
                raw = json.loads(response_data.data)
                self.problems += [f"{type_name}: {p}" for p in missing_required(model, raw)]
            return original(response_data=response_data, response_types_map=response_types_map)

        client.response_deserialize = deserialize  # type: ignore[method-assign,assignment]


def _model(name: str) -> type[BaseModel]:
    model: type[BaseModel] = getattr(sdk_models, name)
    return model


def error_body(exc: ApiException) -> Any:
    assert exc.body is not None
    return json.loads(exc.body)


def sdk_client(base_url: str, creds: SimCredentials) -> ks.KalshiClient:
    config = Configuration(host=base_url)
    config.api_key_id = creds.key_id
    config.private_key_pem = creds.private_key_pem.decode()
    return ks.KalshiClient(config)


@pytest.fixture(scope="module")
def exchange() -> Iterator[tuple[KalshiSimulator, SimServer, str, str]]:
    sim = KalshiSimulator(seed=34, maintenance=False)
    game = sim.add_game(Team("BOS", "Boston"), Team("LAL", "Los Angeles L"), maker=MakerConfig(levels=3))
    with SimServer(sim, tick_ms=0) as server:
        yield sim, server, game.away_ticker, game.home_ticker


def test_sdk_version_is_pinned() -> None:
    assert ks.__version__ == REQUIRED_SDK_VERSION


def test_missing_required_detects_gaps() -> None:
    assert missing_required(_model("GetBalanceResponse"), {"balance": 1}) == [
        "$.balance_dollars (GetBalanceResponse)",
        "$.portfolio_value (GetBalanceResponse)",
        "$.updated_ts (GetBalanceResponse)",
    ]
    nested = {"orders": [{"order_id": "x"}], "cursor": ""}
    assert "$.orders[0].user_id (Order)" in missing_required(_model("GetOrdersResponse"), nested)


def test_full_session(exchange: tuple[KalshiSimulator, SimServer, str, str]) -> None:
    sim, server, away, home = exchange
    creds = sim.create_user_with_key(balance_cents=250_000, tier="premier")  # RSA, PKCS#1
    client = sdk_client(server.base_url, creds)
    recorder = StrictRecorder(client)

    # exchange, account, reference data
    assert client.get_exchange_status().trading_active is True
    assert client.get_exchange_schedule().schedule.standard_hours
    assert client.get_user_data_timestamp().as_of_time is not None
    assert client.get_account_api_limits().usage_tier == "premier"
    assert client.get_account_endpoint_costs().default_cost == 10
    assert client.get_series("KXNBAGAME").series.ticker == "KXNBAGAME"
    assert [s.ticker for s in client.get_series_list().series] == ["KXNBAGAME"]
    event_ticker = sim.exchange.markets[home].event_ticker
    events = client.get_events(with_nested_markets=True)
    assert [e.event_ticker for e in events.events] == [event_ticker]
    assert {m.ticker for m in events.events[0].markets or []} == {away, home}
    event = client.get_event(event_ticker)
    assert {m.ticker for m in event.markets} == {away, home}

    # balance, markets, orderbook
    assert client.get_balance().balance == 250_000
    page = client.get_markets(limit=1, status="open")
    assert len(page.markets) == 1 and page.cursor
    rest = client.get_markets(limit=1, cursor=page.cursor)
    assert rest.cursor == ""
    assert {page.markets[0].ticker, rest.markets[0].ticker} == {away, home}
    market = client.get_market(home).market
    assert market.yes_sub_title == "Los Angeles L"
    book = client.get_market_orderbook(home, depth=2).orderbook_fp
    assert len(book.yes_dollars) == 2 and len(book.no_dollars) == 2
    assert len(client.get_market_orderbooks(tickers=[home, away]).orderbooks) == 2

    # create GTC (rests) and IOC (takes)
    gtc = client.create_order_v2(
        ticker=home,
        side="bid",
        count="10",
        price="0.45",
        time_in_force="good_till_canceled",
        self_trade_prevention_type="taker_at_cross",
        client_order_id="conf-gtc-1",
    )
    assert (gtc.fill_count, gtc.remaining_count) == ("0.00", "10.00")
    ioc = client.create_order_v2(
        ticker=home,
        side="bid",
        count="5",
        price="0.55",
        time_in_force="immediate_or_cancel",
        self_trade_prevention_type="taker_at_cross",
        client_order_id="conf-ioc-1",
    )
    assert ioc.fill_count == "5.00" and ioc.remaining_count == "0.00"
    assert ioc.average_fill_price == "0.5200"
    assert ioc.average_fee_paid is not None

    # get, list with a status filter
    assert client.get_order(gtc.order_id).order.status == "resting"
    assert client.get_order(ioc.order_id).order.status == "executed"
    assert [o.order_id for o in client.get_orders(status="resting").orders] == [gtc.order_id]
    assert [o.order_id for o in client.get_orders(status="executed").orders] == [ioc.order_id]
    assert client.get_order_queue_positions(market_tickers=home).queue_positions[0].order_id == gtc.order_id
    assert client.get_order_queue_position(gtc.order_id).queue_position_fp == "0.00"

    # amend (new price, new total count), decrease, cancel
    amended = client.amend_order_v2(
        gtc.order_id, ticker=home, side="bid", price="0.46", count="12", updated_client_order_id="conf-gtc-2"
    )
    assert (amended.remaining_count, amended.client_order_id) == ("12.00", "conf-gtc-2")
    decreased = client.decrease_order_v2(gtc.order_id, reduce_by="2")
    assert decreased.remaining_count == "10.00"
    canceled = client.cancel_order_v2(gtc.order_id)
    assert canceled.reduced_by == "10.00"
    assert client.get_order(gtc.order_id).order.status == "canceled"

    # batch create (one item rejected) and batch cancel
    base = {
        "ticker": away,
        "side": "ask",
        "count": "1",
        "price": "0.70",
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "maker",
    }
    batch = client.batch_create_orders_v2(
        orders=[
            base | {"client_order_id": "b-1"},
            base | {"client_order_id": "b-2"},
            base | {"client_order_id": "b-1"},
        ]
    )
    assert [o.error.code if o.error else "ok" for o in batch.orders] == ["ok", "ok", "order_already_exists"]
    ids = [o.order_id for o in batch.orders if o.order_id]
    batch_cancel = client.batch_cancel_orders_v2(orders=[{"order_id": i, "market_ticker": away} for i in ids])
    assert [o.reduced_by for o in batch_cancel.orders] == ["1.00", "1.00"]

    # cancel all (204)
    client.create_order_v2(
        ticker=away,
        side="bid",
        count="1",
        price="0.10",
        time_in_force="good_till_canceled",
        self_trade_prevention_type="taker_at_cross",
        cancel_order_on_pause=True,
        expiration_time=sim.now_ms() // 1000 + 3600,
    )
    assert client.cancel_all_orders() is None
    assert client.get_orders(status="resting").orders == []

    # fills, positions, trades
    fills = client.get_fills()
    assert [f.order_id for f in fills.fills] == [ioc.order_id]
    assert fills.fills[0].count_fp == "5.00" and fills.fills[0].is_taker
    positions = client.get_positions()
    assert [(p.ticker, p.position_fp) for p in positions.market_positions] == [(home, "5.00")]
    assert positions.event_positions[0].event_ticker == event_ticker
    assert client.get_trades(ticker=home).trades[0].count_fp == "5.00"

    # duplicate client_order_id -> 409 order_already_exists
    with pytest.raises(ConflictException) as conflict:
        client.create_order_v2(
            ticker=home,
            side="bid",
            count="1",
            price="0.30",
            time_in_force="good_till_canceled",
            self_trade_prevention_type="taker_at_cross",
            client_order_id="conf-ioc-1",
        )
    assert error_body(conflict.value)["error"]["code"] == "order_already_exists"

    # unknown order -> 404, invalid price -> 400
    with pytest.raises(NotFoundException):
        client.get_order("00000000-0000-4000-8000-000000000000")
    with pytest.raises(BadRequestException) as bad:
        client.create_order_v2(
            ticker=home,
            side="bid",
            count="1",
            price="0.455",
            time_in_force="good_till_canceled",
            self_trade_prevention_type="taker_at_cross",
        )
    assert error_body(bad.value)["error"]["code"] == "invalid_price"

    # settlement
    sim.settle(home, "yes")
    settlement = client.get_settlements().settlements[0]
    assert (settlement.ticker, settlement.market_result, settlement.revenue) == (home, "yes", 500)
    assert client.get_market(home).market.status == "finalized"
    assert client.get_positions(settlement_status="settled").market_positions[0].position_fp == "0.00"
    assert client.get_balance().balance == 250_000 - 260 - ioc_fee_cents(ioc.average_fee_paid) + 500

    assert recorder.problems == []
    validated = {type_name for status, type_name in recorder.calls if 200 <= status < 300}
    assert validated >= SESSION_RESPONSES, SESSION_RESPONSES - validated
    assert (204, None) in recorder.calls  # cancel all


def ioc_fee_cents(average_fee_paid: str | None) -> int:
    from decimal import Decimal

    assert average_fee_paid is not None
    return int(Decimal(average_fee_paid) * 5 * 100)


def test_bad_signature_is_401(exchange: tuple[KalshiSimulator, SimServer, str, str]) -> None:
    sim, server, _, _ = exchange
    real = sim.create_user_with_key(balance_cents=1_000, key_type="ed25519")
    impostor = sim.create_user_with_key(balance_cents=1_000, key_type="ed25519")
    forged = SimCredentials(real.user_id, real.key_id, impostor.private_key_pem)
    with pytest.raises(UnauthorizedException) as err:
        sdk_client(server.base_url, forged).get_balance()
    body = error_body(err.value)
    assert body["error"]["code"] == "authentication_error"
    assert body["error"]["details"] == "INCORRECT_API_KEY_SIGNATURE"


def test_ed25519_keys_work_with_the_sdk(exchange: tuple[KalshiSimulator, SimServer, str, str]) -> None:
    sim, server, _, _ = exchange
    creds = sim.create_user_with_key(balance_cents=12_345, key_type="ed25519")
    client = sdk_client(server.base_url, creds)
    recorder = StrictRecorder(client)
    assert client.get_balance().balance == 12_345
    assert client.get_positions().market_positions == []
    assert client.get_fills().fills == []
    assert recorder.problems == []


def test_429_and_injected_5xx_surface_as_sdk_exceptions(
    exchange: tuple[KalshiSimulator, SimServer, str, str],
) -> None:
    sim, server, _, _ = exchange
    creds = sim.create_user_with_key(balance_cents=1_000, tier="basic", key_type="ed25519")
    client = sdk_client(server.base_url, creds)
    client.get_balance()
    with pytest.raises(ApiException) as limited:
        client.get_balance()  # Basic: 1 balance call per second
    assert limited.value.status == 429
    assert error_body(limited.value) == {"error": "too many requests"}
    sim.faults.add_error(503, count=1, operation="get_positions")
    with pytest.raises(ServiceException) as unavailable:
        client.get_positions()
    assert unavailable.value.status == 503
    assert client.get_positions().market_positions == []
