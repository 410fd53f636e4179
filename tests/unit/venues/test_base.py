"""Venue-neutral models: intent validation, YES-book arithmetic, order book views, error contract."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from inplay.venues.base import (
    Action,
    AmbiguousOutcomeError,
    DuplicateClientOrderIdError,
    InvalidIntentError,
    MarketClosedError,
    MarketNotTradableError,
    OrderBook,
    OrderIntent,
    OrderRejectedError,
    OutcomeSide,
    PriceLevel,
    RateLimitedError,
    TimeInForce,
    TradingPausedError,
    Venue,
    VenueError,
    from_yes_terms,
    to_yes_terms,
)
from inplay.venues.kalshi import KalshiClient


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


def test_intent_parses_money_strictly():
    parsed = intent(price="0.5600", count="2.50")
    assert parsed.price == Decimal("0.56") and parsed.count == Decimal("2.5")
    with pytest.raises(ValidationError, match="decimal string"):
        intent(price=0.56)
    with pytest.raises(ValidationError, match="at most 2 decimals"):
        intent(count="1.001")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"price": "0"}, "strictly between 0 and 1"),
        ({"price": "1.00"}, "strictly between 0 and 1"),
        ({"count": "0"}, "count must be positive"),
        ({"client_order_id": "has space"}, "pattern"),
        ({"client_order_id": "x" * 65}, "pattern"),
        (
            {"time_in_force": "ioc", "expiration": datetime(2026, 1, 1, tzinfo=UTC)},
            "only allowed with time_in_force gtc",
        ),
        ({"time_in_force": "fok", "post_only": True}, "post_only"),
        ({"expiration": datetime(2026, 1, 1)}, "timezone"),
        ({"side": "maybe"}, "side"),
    ],
)
def test_intent_rejects_inconsistent_fields(overrides, message):
    with pytest.raises(ValidationError, match=message):
        intent(**overrides)


def test_intent_expiration_is_normalized_to_utc():
    eastern = timezone(timedelta(hours=-5))
    parsed = intent(expiration=datetime(2026, 3, 25, 19, 0, tzinfo=eastern))
    assert parsed.expiration == datetime(2026, 3, 26, 0, 0, tzinfo=UTC)
    assert parsed.expiration.tzinfo is UTC


@pytest.mark.parametrize(
    ("side", "action", "price", "direction", "yes_price"),
    [
        ("yes", "buy", "0.56", 1, "0.56"),
        ("yes", "sell", "0.56", -1, "0.56"),
        ("no", "buy", "0.40", -1, "0.60"),
        ("no", "sell", "0.40", 1, "0.60"),
    ],
)
def test_yes_terms_table(side, action, price, direction, yes_price):
    assert to_yes_terms(OutcomeSide(side), Action(action), Decimal(price)) == (direction, Decimal(yes_price))
    parsed = intent(side=side, action=action, price=price)
    assert (parsed.yes_direction, parsed.yes_price) == (direction, Decimal(yes_price))


prices = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("0.9999"), places=4)


@given(side=st.sampled_from(OutcomeSide), action=st.sampled_from(Action), price=prices)
def test_yes_terms_round_trip(side, action, price):
    direction, yes_price = to_yes_terms(side, action, price)
    assert from_yes_terms(direction, yes_price, side) == (action, price)
    # The equivalent order on the other outcome has the opposite action at the complementary price.
    other_action, other_price = from_yes_terms(direction, yes_price, side.opposite)
    assert other_action is not action and other_price == 1 - price


def test_from_yes_terms_rejects_bad_direction():
    with pytest.raises(ValueError, match="direction"):
        from_yes_terms(0, Decimal("0.5"), OutcomeSide.YES)


def test_orderbook_views_and_ordering():
    book = OrderBook(
        market_ticker="T",
        yes_bids=(PriceLevel(price="0.55", count="10"), PriceLevel(price="0.50", count="5")),
        no_bids=(PriceLevel(price="0.43", count="7"),),
    )
    assert book.best_yes_bid == Decimal("0.55")
    assert book.best_yes_ask == Decimal("0.57")
    assert book.best_no_ask == Decimal("0.45")
    assert book.asks(OutcomeSide.YES) == (PriceLevel(price="0.57", count="7"),)
    assert [level.price for level in book.asks(OutcomeSide.NO)] == [Decimal("0.45"), Decimal("0.50")]
    empty = OrderBook(market_ticker="T")
    assert empty.best_yes_ask is None and empty.best_yes_bid is None
    with pytest.raises(ValidationError, match="best"):
        OrderBook(
            market_ticker="T",
            yes_bids=(PriceLevel(price="0.40", count="1"), PriceLevel(price="0.50", count="1")),
        )


def test_error_contract():
    assert issubclass(DuplicateClientOrderIdError, AmbiguousOutcomeError)
    assert DuplicateClientOrderIdError.order_may_exist and AmbiguousOutcomeError.order_may_exist
    assert not OrderRejectedError.order_may_exist
    assert issubclass(InvalidIntentError, OrderRejectedError)
    assert issubclass(MarketClosedError, MarketNotTradableError) and issubclass(
        TradingPausedError, MarketNotTradableError
    )
    assert TradingPausedError.retryable and not MarketClosedError.retryable
    error = RateLimitedError("slow down", venue="kalshi", status=429, retry_after=1.5)
    assert error.retry_after == 1.5 and error.retryable
    assert str(error) == "kalshi: slow down (HTTP 429)"
    rejected = OrderRejectedError("bad", venue="kalshi", status=400, code="invalid_price", details="tick")
    assert str(rejected) == "kalshi: bad (HTTP 400; code=invalid_price; tick)"
    assert isinstance(rejected, VenueError)
    ambiguous = AmbiguousOutcomeError("lost", client_order_id="c-1")
    assert ambiguous.client_order_id == "c-1" and ambiguous.cause is None


def test_kalshi_client_satisfies_the_venue_protocol():
    client = KalshiClient()
    try:
        assert isinstance(client, Venue)
    finally:
        client.close()


def test_time_in_force_values():
    assert {tif.value for tif in TimeInForce} == {"gtc", "ioc", "fok"}


def test_importing_models_and_auth_stays_light():
    """Lambda cold start: neutral models, wire models and auth load neither httpx nor cryptography."""
    import subprocess
    import sys

    code = (
        "import sys, inplay.venues.base, inplay.venues.kalshi.models, inplay.venues.kalshi.mapping, "
        "inplay.venues.kalshi.errors, inplay.venues.kalshi.auth, inplay.venues.kalshi.ratelimit; "
        "print(sorted(m for m in ('httpx', 'cryptography') if m in sys.modules)); "
        "import inplay.venues.kalshi.client; print('cryptography' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.split("\n")[:2] == ["[]", "False"]
