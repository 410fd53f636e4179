from decimal import Decimal

import pytest

from inplay.strategy.model import StrategyParams
from inplay.strategy.sizing import (
    CAP_BALANCE,
    CAP_DOUBLE_DEFAULT,
    CAP_KELLY,
    CAP_MAX_POSITION,
    contracts_for,
    count_step,
    full_kelly,
    loss_streak,
    size_entry,
    streak_multiplier,
)
from tests.unit.strategy.strategy_builders import position

D = Decimal
PARAMS = StrategyParams()


def test_full_kelly_for_a_binary_contract():
    assert full_kelly(D("0.6"), D("0.5")) == D("0.2")
    assert full_kelly(D("0.75"), D("0.5")) == D("0.5")
    assert full_kelly(D("0.5"), D("0.5")) == 0
    assert full_kelly(D("0.4"), D("0.5")) == 0
    assert full_kelly(D("0.9"), D("1")) == 0
    assert full_kelly(D("0.9"), D("0")) == 0


def size(params=PARAMS, *, balance="1000", prob="0.6", price="0.50", fee="0", losses=0, step="1"):
    return size_entry(
        params,
        balance=D(balance),
        prob=D(prob),
        price=D(price),
        fee_per_contract=D(fee),
        losses=losses,
        step=D(step),
    )


def test_kelly_binds_when_smallest():
    # f* = 0.04, ¼ Kelly of $1,000 = $10 < 2×$10, $50, 5 % = $50
    sizing = size(prob="0.52")
    assert sizing.full_kelly == D("0.04")
    assert sizing.binding == CAP_KELLY
    assert sizing.dollars == D("10.00")
    assert sizing.count == 20


def test_double_default_binds():
    # ¼ × 0.2 × $10,000 = $500; caps $20, $50, $500
    sizing = size(balance="10000")
    assert sizing.kelly_dollars == D("500.00")
    assert sizing.binding == CAP_DOUBLE_DEFAULT
    assert sizing.dollars == D("20.00")
    assert sizing.count == 40


def test_max_position_binds():
    params = StrategyParams(default_size=D(100), max_position=D(30))
    sizing = size(params, balance="10000")
    assert sizing.binding == CAP_MAX_POSITION
    assert sizing.dollars == D("30.00")
    assert sizing.count == 60


def test_balance_fraction_binds():
    # ¼ × 0.8 × $200 = $40; caps $20, $50, 5 % × $200 = $10
    sizing = size(balance="200", prob="0.9")
    assert sizing.binding == CAP_BALANCE
    assert sizing.balance_cap == D("10.00")
    assert sizing.dollars == D("10.00")
    assert sizing.count == 20


def test_fee_lowers_kelly():
    without = size(prob="0.52")
    with_fee = size(prob="0.52", fee="0.01")
    assert with_fee.full_kelly < without.full_kelly
    assert with_fee.dollars < without.dollars


@pytest.mark.parametrize(
    ("losses", "expected"),
    [(0, "1"), (1, "0.75"), (2, "0.50"), (3, "0.25"), (4, "0.25"), (20, "0.25")],
)
def test_streak_multiplier_default(losses, expected):
    assert streak_multiplier(losses, step=PARAMS.streak_step, floor=PARAMS.streak_floor) == D(expected)


def test_streak_multiplier_custom_floor():
    assert streak_multiplier(1, step=D("0.2"), floor=D("0.5")) == D("0.8")
    assert streak_multiplier(5, step=D("0.2"), floor=D("0.5")) == D("0.5")


def test_streak_shrinks_the_capped_size():
    sizing = size(balance="10000", losses=2)
    assert sizing.capped_dollars == D("20.00")
    assert sizing.multiplier == D("0.50")
    assert sizing.dollars == D("10.00")
    assert sizing.count == 20


def test_contracts_floor_to_the_step():
    assert contracts_for(D("10"), D("0.30"), D(1)) == 33
    assert contracts_for(D("10"), D("0.30"), D("0.01")) == D("33.33")
    assert contracts_for(D("0.29"), D("0.30"), D(1)) == 0
    assert contracts_for(D("0"), D("0.30"), D(1)) == 0


def test_count_step_from_the_venue_minimum():
    assert count_step(D(1)) == 1
    assert count_step(D("0.01")) == D("0.01")
    assert count_step(D(5)) == 1


def test_fractional_counts():
    sizing = size(prob="0.52", price="0.33", step="0.01")
    assert sizing.count == contracts_for(sizing.dollars, D("0.33"), D("0.01"))
    assert sizing.count != sizing.count.to_integral_value()


def test_no_balance_no_size():
    assert size(balance="0").count == 0
    assert size(balance="-5").count == 0


def test_no_edge_no_size():
    sizing = size(prob="0.45")
    assert sizing.full_kelly == 0
    assert sizing.binding == CAP_KELLY
    assert sizing.count == 0


def test_everything_is_decimal_and_steps_are_strings():
    sizing = size(balance="10000", losses=1)
    for value in (
        sizing.full_kelly,
        sizing.kelly_dollars,
        sizing.capped_dollars,
        sizing.dollars,
        sizing.count,
    ):
        assert isinstance(value, Decimal)
    steps = sizing.steps()
    assert steps["size_binding"] == CAP_DOUBLE_DEFAULT
    assert steps["size_multiplier"] == "0.75"
    assert steps["size_dollars"] == "15.00"
    assert steps["size_count"] == "30"
    assert all(isinstance(value, str) for value in steps.values())


def test_loss_streak_counts_newest_losses_until_a_win():
    closed = [
        position(contracts="0", cost="0", realized="-1.00", closed_minutes_ago=1),
        position(contracts="0", cost="0", realized="-0.50", closed_minutes_ago=5),
        position(contracts="0", cost="0", realized="2.00", closed_minutes_ago=9),
        position(contracts="0", cost="0", realized="-3.00", closed_minutes_ago=20),
    ]
    assert loss_streak(closed) == 2
    assert loss_streak([]) == 0
    assert loss_streak(closed[2:]) == 0


def test_loss_streak_is_net_of_fees():
    fees_turn_it = position(contracts="0", cost="0", realized="0.10", fees="0.12")
    break_even = position(contracts="0", cost="0", realized="0.12", fees="0.12")
    assert loss_streak([fees_turn_it]) == 1
    assert loss_streak([break_even, fees_turn_it]) == 0


def test_loss_streak_passes_over_open_positions():
    still_open = position(contracts="5", cost="2.50", realized="-4")
    lost = position(contracts="0", cost="0", realized="-1")
    assert loss_streak([still_open, lost, lost]) == 2
