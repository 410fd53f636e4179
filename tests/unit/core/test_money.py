"""Money parsing and arithmetic: exact round trips, floats refused, fee bounds."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from inplay.money import (
    Count,
    Dollars,
    MoneyError,
    cents_to_dollars,
    dollars_to_cents,
    format_count,
    format_dollars,
    kalshi_taker_fee,
    parse_count,
    parse_dollars,
    quantize_price,
)

dollar_amounts = st.decimals(
    min_value=Decimal("-1000000"),
    max_value=Decimal("1000000"),
    places=6,
    allow_nan=False,
    allow_infinity=False,
)
counts = st.decimals(
    min_value=Decimal("-1000000"),
    max_value=Decimal("1000000"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)
prices = st.decimals(
    min_value=Decimal(0), max_value=Decimal(1), places=4, allow_nan=False, allow_infinity=False
)


@given(dollar_amounts)
def test_dollars_round_trip_exactly(amount: Decimal) -> None:
    text = format_dollars(amount)
    assert parse_dollars(text) == amount
    assert len(text.split(".")[1]) >= 4


@given(counts)
def test_counts_round_trip_with_two_decimals(count: Decimal) -> None:
    text = format_count(count)
    assert parse_count(text) == count
    assert len(text.split(".")[1]) == 2


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_cents_round_trip(cents: int) -> None:
    assert dollars_to_cents(cents_to_dollars(cents)) == cents


@given(dollar_amounts, dollar_amounts)
def test_decimal_sums_stay_exact(a: Decimal, b: Decimal) -> None:
    total = parse_dollars(format_dollars(a)) + parse_dollars(format_dollars(b))
    assert parse_dollars(format_dollars(total)) == a + b


@pytest.mark.parametrize("value", [0.56, 1.0, True, float("nan")])
def test_floats_and_bools_are_never_money(value: object) -> None:
    with pytest.raises(MoneyError, match="not"):
        parse_dollars(value)
    with pytest.raises(MoneyError):
        parse_count(value)


@pytest.mark.parametrize(
    "text", ["0.1234567", "1e3", "", " ", "0x10", "NaN", "Infinity", "1,000.00", "$1.00"]
)
def test_malformed_dollar_strings_are_rejected(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_dollars(text)


@pytest.mark.parametrize("text", ["1.001", "1e2", "ten"])
def test_malformed_counts_are_rejected(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_count(text)


def test_known_wire_values() -> None:
    assert parse_dollars("0.5600") == Decimal("0.56")
    assert format_dollars(Decimal("0.56")) == "0.5600"
    assert format_dollars(Decimal("0.123456")) == "0.123456"
    assert format_count(Decimal(10)) == "10.00"
    assert cents_to_dollars(123456) == Decimal("1234.56")


def test_fractional_cents_are_not_dropped_silently() -> None:
    with pytest.raises(MoneyError, match="whole number of cents"):
        dollars_to_cents(Decimal("0.005"))


def test_decimals_with_too_many_places_are_rejected() -> None:
    with pytest.raises(MoneyError, match="6 decimal"):
        parse_dollars(Decimal("0.1234567"))
    with pytest.raises(MoneyError, match="2 decimal"):
        parse_count(Decimal("1.001"))


@given(st.decimals(min_value=Decimal(0), max_value=Decimal(10000), places=2), prices)
def test_taker_fee_is_never_negative_and_whole_cents(count: Decimal, price: Decimal) -> None:
    fee = kalshi_taker_fee(count, price)
    assert fee >= 0
    assert fee == fee.quantize(Decimal("0.01"))
    # Rounded up, never by a whole cent or more.
    exact = Decimal("0.07") * count * price * (1 - price)
    assert exact <= fee < exact + Decimal("0.01")


def test_taker_fee_known_value_and_bounds() -> None:
    assert kalshi_taker_fee(Decimal(100), Decimal("0.50")) == Decimal("1.75")
    assert kalshi_taker_fee(Decimal(1), Decimal("0.50")) == Decimal("0.02")  # 0.0175 rounds up
    with pytest.raises(MoneyError):
        kalshi_taker_fee(Decimal(1), Decimal("1.5"))
    with pytest.raises(MoneyError):
        kalshi_taker_fee(Decimal(-1), Decimal("0.5"))


def test_quantize_price_to_tick() -> None:
    assert quantize_price(Decimal("0.56499")) == Decimal("0.56")
    assert quantize_price(Decimal("0.4235"), tick=Decimal("0.001")) == Decimal("0.424")


class _Quote(BaseModel):
    price: Dollars
    size: Count


def test_pydantic_types_parse_strictly_and_serialize_to_wire_strings() -> None:
    quote = _Quote.model_validate({"price": "0.41", "size": "3"})
    assert quote.price == Decimal("0.41")
    assert quote.model_dump(mode="json") == {"price": "0.4100", "size": "3.00"}
    with pytest.raises(ValidationError, match="float"):
        _Quote.model_validate({"price": 0.41, "size": "3"})
