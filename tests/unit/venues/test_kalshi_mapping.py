"""Intent ↔ V2 translation both ways, and Kalshi wire objects → neutral models (Decimal money)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from inplay.venues.base import Action, InvalidIntentError, MarketStatus, OrderIntent, OrderStatus, OutcomeSide
from inplay.venues.kalshi import mapping
from inplay.venues.kalshi.models import (
    BookSide,
    CreateOrderResponse,
    GetBalanceResponse,
    GetOrderbookResponse,
    KalshiFill,
    KalshiMarket,
    KalshiMarketPosition,
    KalshiOrder,
)
from tests.unit.venues.kalshi_fake import market

OAS_ORDER = {
    "order_id": "3b23c1c7-f4ef-4f0d-8b9a-9e53c61f1a0d",
    "user_id": "u-1",
    "client_order_id": "8c35ecb3-328f-4f52-8c7c-0f4b9862f8d1",
    "ticker": "HIGHNY-24JAN01-T60",
    "outcome_side": "no",
    "book_side": "ask",
    "type": "limit",
    "status": "resting",
    "yes_price_dollars": "0.5600",
    "no_price_dollars": "0.4400",
    "fill_count_fp": "4.00",
    "remaining_count_fp": "6.00",
    "initial_count_fp": "10.00",
    "taker_fees_dollars": "0.0700",
    "maker_fees_dollars": "0.0000",
    "taker_fill_cost_dollars": "1.7600",
    "maker_fill_cost_dollars": "0.0000",
    "created_time": "2026-03-25T23:00:00Z",
    "last_update_time": "2026-03-25T23:00:05.123Z",
    "expiration_time": None,
}


def intent(**overrides):
    fields = {
        "market_ticker": "KXNBAGAME-26MAR25BKNGSW-GSW",
        "side": "yes",
        "action": "buy",
        "price": "0.56",
        "count": "10",
        "client_order_id": "intent-1",
    }
    fields.update(overrides)
    return OrderIntent.model_validate(fields)


@pytest.mark.parametrize(
    ("side", "action", "price", "book_side", "yes_price"),
    [
        ("yes", "buy", "0.56", "bid", "0.5600"),
        ("yes", "sell", "0.56", "ask", "0.5600"),
        ("no", "buy", "0.40", "ask", "0.6000"),
        ("no", "sell", "0.40", "bid", "0.6000"),
        ("no", "buy", "0.015", "ask", "0.9850"),
    ],
)
def test_intent_to_v2_table(side, action, price, book_side, yes_price):
    body = mapping.intent_to_v2(intent(side=side, action=action, price=price))
    assert body["side"] == book_side
    assert body["price"] == yes_price
    assert body["count"] == "10.00"
    assert body["ticker"] == "KXNBAGAME-26MAR25BKNGSW-GSW"
    assert body["client_order_id"] == "intent-1"
    assert body["time_in_force"] == "good_till_canceled"
    assert body["self_trade_prevention_type"] == "taker_at_cross"
    assert body["cancel_order_on_pause"] is True
    assert "expiration_time" not in body and "subaccount" not in body
    # and back, exactly, when the outcome side is known
    back = mapping.v2_to_intent_terms(BookSide(body["side"]), Decimal(body["price"]), OutcomeSide(side))
    assert back == (OutcomeSide(side), Action(action), Decimal(price))


prices = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("0.9999"), places=4)


@given(side=st.sampled_from(OutcomeSide), action=st.sampled_from(Action), price=prices)
def test_translation_round_trips_both_ways(side, action, price):
    body = mapping.intent_to_v2(intent(side=side.value, action=action.value, price=str(price)))
    book_side, yes_price = BookSide(body["side"]), Decimal(body["price"])
    assert mapping.v2_to_intent_terms(book_side, yes_price, side) == (side, action, price)
    # V2 → buy form → V2 is the identity
    buy_side, buy_action, buy_price = mapping.v2_to_intent_terms(book_side, yes_price)
    assert buy_action is Action.BUY
    again = mapping.intent_to_v2(intent(side=buy_side.value, action="buy", price=str(buy_price)))
    assert (again["side"], again["price"]) == (body["side"], body["price"])


def test_intent_to_v2_options_and_kalshi_rules():
    body = mapping.intent_to_v2(
        intent(time_in_force="ioc", reduce_only=True),
        self_trade_prevention="maker",
        cancel_order_on_pause=False,
        subaccount=3,
    )
    assert body["time_in_force"] == "immediate_or_cancel" and body["reduce_only"] is True
    assert body["self_trade_prevention_type"] == "maker" and body["subaccount"] == 3
    assert body["cancel_order_on_pause"] is False
    assert mapping.intent_to_v2(intent(time_in_force="fok"))["time_in_force"] == "fill_or_kill"
    with pytest.raises(InvalidIntentError, match="reduce_only"):
        mapping.intent_to_v2(intent(reduce_only=True))
    with pytest.raises(InvalidIntentError, match="4 decimals"):
        mapping.intent_to_v2(intent(price="0.12345"))


def test_expiration_is_whole_seconds_rounded_up():
    exact = intent(expiration=datetime(2026, 3, 26, 0, 0, tzinfo=UTC))
    assert mapping.intent_to_v2(exact)["expiration_time"] == 1774483200
    fractional = intent(expiration=datetime(2026, 3, 26, 0, 0, 0, 250000, tzinfo=UTC))
    assert mapping.intent_to_v2(fractional)["expiration_time"] == 1774483201


def test_order_parses_decimal_money_from_strings():
    order = KalshiOrder.model_validate(OAS_ORDER)
    assert order.yes_price_dollars == Decimal("0.56")
    assert isinstance(order.fill_count_fp, Decimal) and order.fill_count_fp == Decimal(4)
    assert order.fees == Decimal("0.07")
    assert order.direction is BookSide.ASK
    assert order.created_time == datetime(2026, 3, 25, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("yes_price_dollars", 0.56),
        ("fill_count_fp", 4),
        ("fill_count_fp", "4.001"),
        ("status", "pending"),
        ("order_id", ""),
        ("taker_fees_dollars", None),
    ],
)
def test_order_rejects_non_kalshi_values(field, value):
    with pytest.raises(ValidationError):
        KalshiOrder.model_validate({**OAS_ORDER, field: value})


def test_order_without_direction_or_with_contradiction_is_invalid():
    without = {k: v for k, v in OAS_ORDER.items() if k not in ("outcome_side", "book_side")}
    with pytest.raises(ValidationError, match="no direction"):
        KalshiOrder.model_validate(without)
    with pytest.raises(ValidationError, match="contradicts"):
        KalshiOrder.model_validate({**OAS_ORDER, "outcome_side": "yes"})
    legacy = KalshiOrder.model_validate({**without, "side": "yes", "action": "sell"})
    assert legacy.direction is BookSide.ASK


def test_order_from_kalshi_reads_buy_form_hint_or_legacy_fields():
    order = KalshiOrder.model_validate(OAS_ORDER)
    buy_form = mapping.order_from_kalshi(order)
    assert (buy_form.side, buy_form.action, buy_form.price) == (OutcomeSide.NO, Action.BUY, Decimal("0.44"))
    # fill cost 1.76 for 4 NO contracts → 0.44 per NO contract
    assert buy_form.average_fill_price == Decimal("0.44")
    assert buy_form.filled_count == 4 and buy_form.remaining_count == 6 and buy_form.initial_count == 10
    assert buy_form.fees == Decimal("0.07") and buy_form.status is OrderStatus.RESTING
    as_yes = mapping.order_from_kalshi(order, side_hint=OutcomeSide.YES)
    assert (as_yes.side, as_yes.action, as_yes.price) == (OutcomeSide.YES, Action.SELL, Decimal("0.56"))
    assert as_yes.average_fill_price == Decimal("0.56")
    assert (
        (as_yes.yes_direction, as_yes.yes_price)
        == (buy_form.yes_direction, buy_form.yes_price)
        == (-1, Decimal("0.56"))
    )
    legacy = mapping.order_from_kalshi(
        KalshiOrder.model_validate({**OAS_ORDER, "side": "yes", "action": "sell"})
    )
    assert (legacy.side, legacy.action) == (OutcomeSide.YES, Action.SELL)
    unfilled = mapping.order_from_kalshi(KalshiOrder.model_validate({**OAS_ORDER, "fill_count_fp": "0.00"}))
    assert unfilled.average_fill_price is None


def test_ack_from_create_derives_status_and_side_prices():
    gtc = CreateOrderResponse(
        order_id="o-1",
        client_order_id="intent-1",
        fill_count="0.00",
        remaining_count="10.00",
        ts_ms=1774483200123,
    )
    ack = mapping.ack_from_create(gtc, intent())
    assert ack.status is OrderStatus.RESTING and ack.average_fill_price is None and not ack.recovered
    assert ack.venue_time == datetime(2026, 3, 26, 0, 0, 0, 123000, tzinfo=UTC)
    filled = CreateOrderResponse(
        order_id="o-2",
        fill_count="10.00",
        remaining_count="0.00",
        average_fill_price="0.6000",
        average_fee_paid="0.0200",
        ts_ms=1,
    )
    ack = mapping.ack_from_create(filled, intent(side="no", price="0.40"))
    assert ack.status is OrderStatus.EXECUTED
    assert ack.average_fill_price == Decimal("0.40") and ack.average_fee == Decimal("0.02")
    partial_ioc = CreateOrderResponse(
        order_id="o-3", fill_count="4.00", remaining_count="0.00", average_fill_price="0.56", ts_ms=1
    )
    assert mapping.ack_from_create(partial_ioc, intent(time_in_force="ioc")).status is OrderStatus.CANCELED
    killed = CreateOrderResponse(order_id="o-4", fill_count="0.00", remaining_count="0.00", ts_ms=1)
    assert mapping.ack_from_create(killed, intent(time_in_force="fok")).status is OrderStatus.CANCELED


@pytest.mark.parametrize(
    "response",
    [
        {
            "order_id": "o",
            "client_order_id": "someone-else",
            "fill_count": "0.00",
            "remaining_count": "10.00",
            "ts_ms": 1,
        },
        {"order_id": "o", "fill_count": "5.00", "remaining_count": "10.00", "ts_ms": 1},
    ],
)
def test_ack_from_create_refuses_answers_that_cannot_be_ours(response):
    with pytest.raises(mapping.AckMismatch):
        mapping.ack_from_create(CreateOrderResponse.model_validate(response), intent())


def test_create_response_requires_the_order_object():
    for broken in (
        {},
        {"error": {"code": "deprecated_v1_order_endpoint"}},
        {"order_id": "", "fill_count": "0.00", "remaining_count": "1.00", "ts_ms": 1},
    ):
        with pytest.raises(ValidationError):
            CreateOrderResponse.model_validate(broken)
    with pytest.raises(ValidationError):
        CreateOrderResponse.model_validate(
            {"order_id": "o", "fill_count": "0.00", "remaining_count": "1.00", "ts_ms": "1"}
        )


def test_fill_position_balance_mapping():
    fill = KalshiFill.model_validate(
        {
            "fill_id": "f-1",
            "trade_id": "f-1",
            "order_id": "o-1",
            "ticker": "T",
            "market_ticker": "T",
            "outcome_side": "no",
            "book_side": "ask",
            "count_fp": "3.00",
            "yes_price_dollars": "0.6100",
            "no_price_dollars": "0.3900",
            "is_taker": True,
            "fee_cost": "0.0500",
            "exchange_index": 0,
            "created_time": "2026-03-25T23:01:00Z",
        }
    )
    neutral = mapping.fill_from_kalshi(fill)
    assert (neutral.side, neutral.action, neutral.price, neutral.count) == (
        OutcomeSide.NO,
        Action.BUY,
        Decimal("0.39"),
        3,
    )
    assert neutral.fee == Decimal("0.05") and neutral.is_taker
    legacy = KalshiFill.model_validate(
        {
            "trade_id": "f-2",
            "order_id": "o",
            "market_ticker": "T",
            "side": "yes",
            "action": "buy",
            "count_fp": "1.00",
            "yes_price_dollars": "0.5000",
            "is_taker": False,
            "fee_cost": "0.0000",
            "ts": 1774483200,
        }
    )
    legacy_neutral = mapping.fill_from_kalshi(legacy)
    assert legacy_neutral.fill_id == "f-2" and legacy_neutral.market_ticker == "T"
    assert legacy_neutral.created_time == datetime(2026, 3, 26, tzinfo=UTC)

    position = mapping.position_from_kalshi(
        KalshiMarketPosition.model_validate(
            {
                "ticker": "T",
                "exchange_index": 0,
                "total_traded_dollars": "5.0000",
                "position_fp": "-7.00",
                "market_exposure_dollars": "2.7300",
                "realized_pnl_dollars": "-0.1000",
                "fees_paid_dollars": "0.0400",
                "last_updated_ts": "2026-03-25T23:02:00Z",
            }
        )
    )
    assert (
        position.position == Decimal(-7)
        and position.exposure == Decimal("2.73")
        and position.realized_pnl == Decimal("-0.1")
    )

    balance = mapping.balance_from_kalshi(
        GetBalanceResponse.model_validate(
            {
                "balance": 12345,
                "balance_dollars": "123.4500",
                "portfolio_value": 20000,
                "updated_ts": 1774483200,
            }
        )
    )
    assert balance.available == Decimal("123.45") and balance.portfolio_value == Decimal("200.00")
    cents_only = mapping.balance_from_kalshi(GetBalanceResponse.model_validate({"balance": 1001}))
    assert cents_only.available == Decimal("10.01")
    with pytest.raises(ValidationError):
        GetBalanceResponse.model_validate({"balance": "12345"})


def test_orderbook_is_sorted_best_first_and_drops_empty_levels():
    response = GetOrderbookResponse.model_validate(
        {
            "orderbook_fp": {
                "yes_dollars": [["0.5000", "5.00"], ["0.5500", "10.00"], ["0.5200", "0.00"]],
                "no_dollars": None,
            }
        }
    )
    book = mapping.orderbook_from_kalshi("T", response)
    assert [level.price for level in book.yes_bids] == [Decimal("0.55"), Decimal("0.50")]
    assert book.no_bids == () and book.best_yes_ask is None
    with pytest.raises(ValidationError):
        GetOrderbookResponse.model_validate({"orderbook_fp": {"yes_dollars": [[0.5, "1.00"]]}})


def test_market_mapping():
    neutral = mapping.market_from_kalshi(KalshiMarket.model_validate(market("KXNBAGAME-26MAR25BKNGSW-GSW")))
    assert neutral.status is MarketStatus.OPEN and neutral.venue_status == "active"
    assert neutral.yes_bid == Decimal("0.55") and neutral.yes_ask == Decimal("0.57")
    assert neutral.tick_size == Decimal("0.01") and neutral.result is None
    assert neutral.event_ticker == "KXNBAGAME-26MAR25BKNGSW"
    settled = mapping.market_from_kalshi(
        KalshiMarket.model_validate(
            market("T", status="finalized", result="yes", yes_bid_dollars="0.0000", yes_ask_dollars="1.0000")
        )
    )
    assert settled.status is MarketStatus.SETTLED and settled.result is OutcomeSide.YES
    assert settled.yes_bid is None and settled.yes_ask is None
    assert mapping.market_status("something_new") is MarketStatus.CLOSED
    assert mapping.market_status("inactive") is MarketStatus.PAUSED
