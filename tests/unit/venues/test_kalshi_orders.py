"""Order writes against the fake exchange: at-most-once placement through every failure mode.

Each test counts what reached the exchange: create requests sent and orders that exist. The
invariant under test is that an intent never yields two orders, and that an unknown outcome is
reported as ambiguous, never as a failure.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from inplay.venues.base import (
    AmbiguousOutcomeError,
    AuthenticationError,
    DuplicateClientOrderIdError,
    ExchangeUnavailableError,
    InvalidIntentError,
    MarketClosedError,
    NotFoundError,
    OrderAck,
    OrderIntent,
    OrderRejectedError,
    OrderStatus,
    TradingPausedError,
)
from inplay.venues.kalshi import KalshiCredentials, RecoveryPolicy
from tests.unit.venues.conftest import KEY_ID
from tests.unit.venues.kalshi_fake import Fault, error_body

TICKER = "KXNBAGAME-26MAR25BKNGSW-GSW"
CREATE = "POST /portfolio/events/orders"
LIST = "GET /portfolio/orders"


def intent(cid: str = "intent-1", **overrides) -> OrderIntent:
    fields = {
        "market_ticker": TICKER,
        "side": "yes",
        "action": "buy",
        "price": "0.56",
        "count": "10",
        "client_order_id": cid,
    }
    fields.update(overrides)
    return OrderIntent.model_validate(fields)


def orders_for(fake, cid: str) -> list[dict[str, Any]]:
    return [o for o in fake.orders.values() if o["client_order_id"] == cid]


# ---------------------------------------------------------------------------------------------
# The plain path


def test_place_sends_the_v2_body_and_returns_the_ack(client, fake):
    ack = client.place_order(intent(side="no", action="buy", price="0.40"))
    (call,) = fake.calls(CREATE)
    assert call.json == {
        "ticker": TICKER,
        "client_order_id": "intent-1",
        "side": "ask",
        "count": "10.00",
        "price": "0.6000",
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
        "post_only": False,
        "reduce_only": False,
        "cancel_order_on_pause": True,
    }
    assert ack.status is OrderStatus.RESTING and not ack.recovered
    assert ack.order_id in fake.orders and ack.remaining_count == 10
    assert fake.calls(LIST) == []


def test_immediate_fill_reports_prices_of_the_traded_side(client, fake):
    fake.fill_on_create = Decimal("0.02")
    ack = client.place_order(intent(side="no", price="0.40"))
    assert ack.status is OrderStatus.EXECUTED and ack.filled_count == 10
    assert ack.average_fill_price == Decimal("0.40") and ack.average_fee == Decimal("0.02")


def test_invalid_intent_never_reaches_the_exchange(client, fake):
    with pytest.raises(InvalidIntentError):
        client.place_order(intent(reduce_only=True))
    assert fake.requests == []


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault("status", 400, error_body("invalid_price", "invalid price")), OrderRejectedError),
        (Fault("status", 409, error_body("market_closed", "market closed")), MarketClosedError),
        (Fault("status", 409, error_body("trading_is_paused", "paused")), TradingPausedError),
    ],
)
def test_definitive_rejections_are_raised_without_lookups(client, fake, fault, error):
    fake.fail(CREATE, fault)
    with pytest.raises(error) as raised:
        client.place_order(intent())
    assert not raised.value.order_may_exist
    assert len(fake.calls(CREATE)) == 1 and fake.calls(LIST) == [] and fake.orders == {}


def test_authentication_failure(make_client, fake, ed25519_key):
    client = make_client(credentials=KalshiCredentials(KEY_ID, ed25519_key))
    with pytest.raises(AuthenticationError):
        client.place_order(intent())
    assert fake.orders == {}


# ---------------------------------------------------------------------------------------------
# Not sent: retried with the same body


def test_429_and_connect_errors_are_resent_with_the_same_client_order_id(client, fake, clock):
    fake.fail(CREATE, Fault("status", 429, {"error": "too many requests"}), Fault("connect"))
    ack = client.place_order(intent())
    calls = fake.calls(CREATE)
    assert len(calls) == 3 and all(c.json == calls[0].json for c in calls)
    assert len(orders_for(fake, "intent-1")) == 1 and not ack.recovered
    assert fake.calls(LIST) == []
    assert clock.sleeps  # backed off


def test_exhausted_not_sent_attempts_prove_nothing_was_placed(client, fake):
    fake.fail(CREATE, *[Fault("connect")] * 4)
    with pytest.raises(ExchangeUnavailableError) as raised:
        client.place_order(intent())
    assert not raised.value.order_may_exist
    assert len(fake.calls(CREATE)) == 4 and fake.calls(LIST) == []


# ---------------------------------------------------------------------------------------------
# Unknown outcome: look up, maybe re-send, never duplicate


def test_lost_response_is_recovered_by_lookup_without_resending(client, fake):
    fake.fail(CREATE, Fault("timeout_after"))
    ack = client.place_order(intent())
    assert ack.recovered and ack.order is not None
    assert ack.order_id == orders_for(fake, "intent-1")[0]["order_id"]
    assert ack.status is OrderStatus.RESTING and ack.remaining_count == 10
    assert len(fake.calls(CREATE)) == 1
    assert fake.calls(LIST)[0].params["ticker"] == TICKER


@pytest.mark.parametrize(
    "fault",
    [
        Fault("status_after", 500, error_body("internal", "boom")),
        Fault("status_after", 504, "<html>gateway timeout</html>"),
        Fault("body_after", body={}),
        Fault("body_after", body={"order_id": "not-the-real-one"}),
    ],
)
def test_5xx_or_unusable_2xx_after_processing_is_recovered_not_trusted(client, fake, fault):
    fake.fail(CREATE, fault)
    ack = client.place_order(intent())
    (order,) = orders_for(fake, "intent-1")
    assert ack.recovered and ack.order_id == order["order_id"]
    assert len(fake.calls(CREATE)) == 1


def test_lagging_portfolio_data_is_waited_for(client, fake, clock):
    fake.lag = 2.0
    fake.fail(CREATE, Fault("timeout_after"))
    ack = client.place_order(intent())
    assert ack.recovered and len(fake.calls(CREATE)) == 1
    assert len(fake.calls(LIST)) > 1 and clock.sleeps


def test_stale_portfolio_data_blocks_a_resend(client, fake):
    # The order exists but stays invisible for 10 s, longer than the 3 s lag window; the
    # user-data timestamp proves the data is stale, so the client keeps looking instead of re-sending.
    fake.lag = 10.0
    fake.fail(CREATE, Fault("timeout_after"))
    ack = client.place_order(intent())
    assert ack.recovered and len(fake.calls(CREATE)) == 1
    assert fake.calls("GET /exchange/user_data_timestamp")


def test_request_that_never_arrived_is_resent_once_and_placed_once(client, fake):
    fake.fail(CREATE, Fault("timeout_before"))
    ack = client.place_order(intent())
    assert not ack.recovered
    calls = fake.calls(CREATE)
    assert len(calls) == 2 and calls[0].json == calls[1].json
    assert len(orders_for(fake, "intent-1")) == 1 and len(fake.orders) == 1
    assert fake.calls("GET /exchange/user_data_timestamp")  # freshness was proven before re-sending


def test_resend_that_hits_a_hidden_order_is_resolved_through_the_duplicate(client, fake):
    # No freshness endpoint, and the order shows up only after 5 s: the client re-sends after
    # its 3 s window, Kalshi answers 409 order_already_exists, and the lookup then finds it.
    fake.lag = 5.0
    fake.user_data_timestamp_supported = False
    fake.fail(CREATE, Fault("timeout_after"))
    ack = client.place_order(intent())
    assert ack.recovered and len(orders_for(fake, "intent-1")) == 1 and len(fake.orders) == 1
    assert len(fake.calls(CREATE)) == 2


def test_resend_can_be_disabled(make_client, fake):
    client = make_client(recovery=RecoveryPolicy(resend=False))
    fake.fail(CREATE, Fault("timeout_before"))
    with pytest.raises(AmbiguousOutcomeError) as raised:
        client.place_order(intent())
    assert raised.value.client_order_id == "intent-1" and raised.value.order_may_exist
    assert len(fake.calls(CREATE)) == 1


def test_unresolvable_outcome_is_ambiguous_never_failed(client, fake):
    fake.fail(CREATE, Fault("timeout_before"), Fault("timeout_before"), Fault("timeout_before"))
    with pytest.raises(AmbiguousOutcomeError) as raised:
        client.place_order(intent())
    error = raised.value
    assert type(error) is AmbiguousOutcomeError and error.client_order_id == "intent-1"
    assert isinstance(error.cause, ExchangeUnavailableError)
    assert len(fake.calls(CREATE)) == 2  # RecoveryPolicy.max_sends


def test_invisible_order_with_stale_data_gives_up_after_max_wait(client, fake, clock):
    fake.lag = 1000.0
    fake.fail(CREATE, Fault("timeout_after"))
    start = clock.mono
    with pytest.raises(AmbiguousOutcomeError):
        client.place_order(intent())
    assert len(fake.calls(CREATE)) == 1 and len(orders_for(fake, "intent-1")) == 1
    assert clock.mono - start <= RecoveryPolicy().max_wait + 1


def test_2xx_error_body_that_placed_nothing_is_not_a_success(client, fake):
    # A 2xx carrying an error object and no order (seen in production with a deprecated endpoint)
    fake.fail(CREATE, Fault("status", 200, error_body("deprecated_v1_order_endpoint", "Please switch to V2")))
    ack = client.place_order(intent())
    assert not ack.recovered and len(fake.calls(CREATE)) == 2
    assert len(orders_for(fake, "intent-1")) == 1 and len(fake.orders) == 1


def test_rejection_of_a_resend_after_an_unknown_send_is_still_ambiguous(client, fake):
    fake.fail(CREATE, Fault("timeout_before"), Fault("status", 409, error_body("market_closed", "closed")))
    with pytest.raises(AmbiguousOutcomeError) as raised:
        client.place_order(intent())
    assert isinstance(raised.value.cause, MarketClosedError)


# ---------------------------------------------------------------------------------------------
# Duplicate client order id


def test_duplicate_is_resolved_to_the_existing_order(client, fake):
    existing = fake.add_order(client_order_id="intent-1", side="bid", price="0.5600")
    ack = client.place_order(intent())
    assert ack.recovered and ack.order_id == existing["order_id"]
    assert ack.order is not None and ack.order.price == Decimal("0.56")
    assert len(fake.calls(CREATE)) == 1 and len(fake.orders) == 1


def test_duplicate_with_other_terms_is_never_adopted(client, fake):
    fake.add_order(client_order_id="intent-1", side="ask")
    with pytest.raises(DuplicateClientOrderIdError, match="does not match this intent"):
        client.place_order(intent(side="yes", action="buy"))
    assert len(fake.orders) == 1


def test_duplicate_found_in_the_historical_archive(client, fake):
    archived = fake.add_order(client_order_id="intent-1", status="executed")
    del fake.orders[archived["order_id"]]
    fake.historical_orders.append(archived)

    def create(body):
        return 409, error_body("order_already_exists", "order already exists")

    fake._create = create
    ack = client.place_order(intent())
    assert ack.recovered and ack.order_id == archived["order_id"] and ack.status is OrderStatus.EXECUTED


def test_duplicate_that_cannot_be_seen_is_reported_as_such(client, fake):
    fake.fail(CREATE, Fault("status", 409, error_body("order_already_exists", "order already exists")))
    with pytest.raises(DuplicateClientOrderIdError) as raised:
        client.place_order(intent())
    assert raised.value.order_may_exist and raised.value.client_order_id == "intent-1"
    assert len(fake.calls(CREATE)) == 1


# ---------------------------------------------------------------------------------------------
# Batch create


def test_batch_mixes_new_duplicate_and_rejected(client, fake):
    existing = fake.add_order(client_order_id="dup")
    fake.closed_markets.add("CLOSED-T")
    results = client.batch_place_orders(
        [intent("new"), intent("dup"), intent("shut", market_ticker="CLOSED-T")]
    )
    assert isinstance(results[0], OrderAck) and not results[0].recovered
    assert (
        isinstance(results[1], OrderAck)
        and results[1].recovered
        and results[1].order_id == existing["order_id"]
    )
    assert isinstance(results[2], MarketClosedError)
    assert len(fake.calls("POST /portfolio/events/orders/batched")) == 1
    assert len(fake.orders) == 2


def test_batch_lost_response_recovers_every_order(client, fake):
    fake.fail("POST /portfolio/events/orders/batched", Fault("timeout_after"))
    results = client.batch_place_orders([intent("a"), intent("b")])
    assert all(isinstance(r, OrderAck) and r.recovered for r in results)
    assert len(fake.orders) == 2 and len(fake.calls("POST /portfolio/events/orders/batched")) == 1


def test_batch_is_split_to_the_write_budget_and_validated(make_client, fake):
    from inplay.venues.kalshi import BucketLimit, TierLimits

    small = TierLimits("t", read=BucketLimit(200, 200), write=BucketLimit(30, 30), balance=BucketLimit(1, 1))
    client = make_client(rate_limits=small)
    results = client.batch_place_orders(
        [intent(f"c{i}") for i in range(5)] + [intent("bad", reduce_only=True)]
    )
    assert [len(c.json["orders"]) for c in fake.calls("POST /portfolio/events/orders/batched")] == [3, 2]
    assert all(isinstance(r, OrderAck) for r in results[:5]) and isinstance(results[5], InvalidIntentError)
    with pytest.raises(InvalidIntentError, match="unique"):
        client.batch_place_orders([intent("x"), intent("x")])


# ---------------------------------------------------------------------------------------------
# Cancel, amend, decrease


def test_cancel_routes_by_ticker_and_reports_reduced_count(client, fake):
    order = fake.add_order(client_order_id="c-1", count="7")
    ack = client.cancel_order(order["order_id"], market_ticker=TICKER)
    assert ack.reduced_by == 7 and ack.client_order_id == "c-1"
    assert fake.calls(f"DELETE /portfolio/events/orders/{order['order_id']}")[0].params == {
        "market_ticker": TICKER
    }
    with pytest.raises(NotFoundError):
        client.cancel_order(order["order_id"])


def test_cancel_retry_after_a_lost_response_reports_done(client, fake):
    order = fake.add_order(client_order_id="c-1")
    fake.fail(f"DELETE /portfolio/events/orders/{order['order_id']}", Fault("timeout_after"))
    ack = client.cancel_order(order["order_id"], market_ticker=TICKER)
    assert ack.reduced_by is None and fake.orders[order["order_id"]]["status"] == "canceled"


def test_amend_is_not_retried_once_it_may_have_landed(client, fake):
    order = fake.add_order(client_order_id="c-1")
    route = f"POST /portfolio/events/orders/{order['order_id']}/amend"
    fake.fail(route, Fault("timeout_after"))
    with pytest.raises(AmbiguousOutcomeError):
        client.amend_order(
            order["order_id"],
            market_ticker=TICKER,
            side="yes",
            action="buy",
            price=Decimal("0.58"),
            count=Decimal(10),
        )
    assert len(fake.calls(route)) == 1
    fake.fail(route, Fault("status", 429, {"error": "too many requests"}))
    response = client.amend_order(
        order["order_id"],
        market_ticker=TICKER,
        side="no",
        action="sell",
        price=Decimal("0.41"),
        count=Decimal(8),
        updated_client_order_id="c-1b",
    )
    assert response.remaining_count == 8 and response.client_order_id == "c-1b"
    assert fake.calls(route)[-1].json == {
        "ticker": TICKER,
        "side": "bid",
        "price": "0.5900",
        "count": "8.00",
        "updated_client_order_id": "c-1b",
    }


def test_decrease_to_is_retried_decrease_by_is_not(client, fake):
    order = fake.add_order(client_order_id="c-1", count="10")
    route = f"POST /portfolio/events/orders/{order['order_id']}/decrease"
    fake.fail(route, Fault("timeout_after"))
    assert client.decrease_order(order["order_id"], reduce_to=Decimal(6)).remaining_count == 6
    assert len(fake.calls(route)) == 2
    fake.fail(route, Fault("timeout_after"))
    with pytest.raises(AmbiguousOutcomeError):
        client.decrease_order(order["order_id"], reduce_by=Decimal(1))
    assert len(fake.calls(route)) == 3
    with pytest.raises(ValueError):
        client.decrease_order(order["order_id"])


def test_decrease_to_zero_retry_after_a_lost_response_reports_done(client, fake):
    order = fake.add_order(client_order_id="c-1", count="10")
    route = f"POST /portfolio/events/orders/{order['order_id']}/decrease"
    fake.fail(route, Fault("timeout_after"))
    response = client.decrease_order(order["order_id"], reduce_to=Decimal(0))
    assert response.remaining_count == 0 and response.client_order_id == "c-1"
    assert len(fake.calls(route)) == 2 and fake.orders[order["order_id"]]["status"] == "canceled"
    with pytest.raises(NotFoundError):  # no unknown attempt: a plain 404 stays a 404
        client.decrease_order(order["order_id"], reduce_to=Decimal(0))


def test_batch_cancel_and_cancel_all(client, fake):
    a = fake.add_order(client_order_id="a")
    b = fake.add_order(client_order_id="b", status="canceled")
    results = client.batch_cancel_orders([(a["order_id"], TICKER), (b["order_id"], TICKER)])
    assert results[0].reduced_by == 10
    assert isinstance(results[1], NotFoundError)
    c = fake.add_order(client_order_id="c")
    client.cancel_all_orders()
    assert fake.orders[c["order_id"]]["status"] == "canceled"
    assert len(fake.calls("DELETE /portfolio/events/orders")) == 1


def test_batch_cancel_retry_after_a_lost_response(client, fake):
    a = fake.add_order(client_order_id="a")
    never = "no-such-order"
    fake.fail("DELETE /portfolio/events/orders/batched", Fault("timeout_after"))
    results = client.batch_cancel_orders([(a["order_id"], TICKER), (never, TICKER)])
    assert len(fake.calls("DELETE /portfolio/events/orders/batched")) == 2
    assert (
        results[0].reduced_by is None and results[0].client_order_id == "a"
    )  # cancelled by the lost attempt
    assert isinstance(results[1], NotFoundError)
