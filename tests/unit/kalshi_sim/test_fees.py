"""Fee formula: matches ``inplay.money.kalshi_taker_fee`` per fill, rounds once per order and role."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inplay.money import kalshi_taker_fee
from local.kalshi_sim.engine import Exchange
from local.kalshi_sim.fees import MAKER_RATE, TAKER_RATE, FeeSchedule, fee_base, fee_micro_total
from tests.unit.kalshi_sim.helpers import TICKER, cc, make_exchange, order, usd


@given(count=st.integers(min_value=1, max_value=100_000), cents=st.integers(min_value=1, max_value=99))
def test_single_fill_fee_equals_money_kalshi_taker_fee(count: int, cents: int) -> None:
    price = Decimal(cents) / 100
    expected = kalshi_taker_fee(Decimal(count) / 100, price)
    micro = fee_micro_total(TAKER_RATE, fee_base(count, cents * 10_000))
    assert Decimal(micro) / 1_000_000 == expected


def test_known_values() -> None:
    # 0.07 * 100 * 0.5 * 0.5 = 1.75 exactly
    assert fee_micro_total(TAKER_RATE, fee_base(cc(100), usd("0.50"))) == usd("1.75")
    # 0.0175 * 100 * 0.5 * 0.5 = 0.4375 -> 0.44
    assert fee_micro_total(MAKER_RATE, fee_base(cc(100), usd("0.50"))) == usd("0.44")
    assert fee_micro_total(TAKER_RATE, 0) == 0


def test_schedule_rates() -> None:
    assert FeeSchedule("quadratic").maker_rate == 0
    assert FeeSchedule("quadratic_with_maker_fees").maker_rate == MAKER_RATE
    assert FeeSchedule("quadratic", Decimal("0.5")).taker_rate == TAKER_RATE / 2
    with pytest.raises(ValueError, match="unsupported fee_type"):
        FeeSchedule("flat")


def test_taker_sweeping_many_small_makers_pays_at_most_one_cent_of_rounding() -> None:
    ex = make_exchange()
    ex.create_user("taker", balance_cents=10_000)
    for i in range(10):
        ex.create_user(f"m{i}", balance_cents=10_000)
        ex.place_order(f"m{i}", order("ask", "0.10", "0.50"))
    result = ex.place_order("taker", order("bid", 1, "0.50", tif="immediate_or_cancel"))
    assert result.fill_count == cc(1)
    fees = [f.fee for f in result.fills]
    # one order: ceil(0.07 * 1 * 0.25) = 0.02, spread over its ten fills
    assert sum(fees) == usd("0.02")
    assert all(fee >= 0 for fee in fees)
    assert result.order.taker_fees == usd("0.02")


def test_maker_fees_on_maker_fee_series() -> None:
    ex: Exchange = make_exchange(fee_type="quadratic_with_maker_fees")
    ex.create_user("maker", balance_cents=10_000)
    ex.create_user("taker", balance_cents=10_000)
    resting = ex.place_order("maker", order("bid", 100, "0.50")).order
    ex.place_order("taker", order("ask", 100, "0.50", tif="immediate_or_cancel"))
    assert resting.maker_fees == usd("0.44")
    assert ex.accounts["maker"].holdings[TICKER].fees_paid == usd("0.44")
    assert ex.accounts["maker"].cash == usd("100") - usd("50") - usd("0.44")
