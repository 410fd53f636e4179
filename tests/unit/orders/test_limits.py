"""Pre-trade limits, the slippage check, the kill switch, and bot settings (pure)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inplay.risk.kill_switch import KillSwitch, KillSwitchState, blocks_order
from inplay.risk.limits import PreTradeLimits, check_limits, check_slippage, executable_price, worst_case_cost
from inplay.store.bots import InvalidBotSettings, config_from_settings
from inplay.venues.base import Action, OrderBook, OutcomeSide, PriceLevel

D = Decimal
BOOK = OrderBook(
    market_ticker="M",
    yes_bids=(PriceLevel(price=D("0.48"), count=D(25)),),
    no_bids=(PriceLevel(price=D("0.48"), count=D(25)),),  # a YES ask at 0.52
)


def test_limits() -> None:
    limits = PreTradeLimits()
    assert check_limits(limits, action=Action.BUY, price=D("0.5"), count=D(100)) is None
    assert check_limits(limits, action=Action.BUY, price=D("0.5"), count=D(101)).code == "limit_max_contracts"  # type: ignore[union-attr]
    tight = PreTradeLimits(max_cost_per_order=D(10))
    assert check_limits(tight, action=Action.BUY, price=D("0.5"), count=D(21)).code == "limit_max_cost"  # type: ignore[union-attr]
    assert worst_case_cost(Action.SELL, D("0.9"), D(10)) == D(1)


def test_executable_prices_on_both_sides() -> None:
    assert executable_price(BOOK, OutcomeSide.YES, Action.BUY) == D("0.52")
    assert executable_price(BOOK, OutcomeSide.NO, Action.BUY) == D("0.52")
    assert executable_price(BOOK, OutcomeSide.YES, Action.SELL) == D("0.48")
    assert executable_price(OrderBook(market_ticker="M"), OutcomeSide.YES, Action.BUY) is None


@pytest.mark.parametrize(
    ("action", "reference", "breach"),
    [
        (Action.BUY, "0.52", False),
        (Action.BUY, "0.50", False),
        (Action.BUY, "0.49", True),
        (Action.SELL, "0.51", True),
    ],
)
def test_slippage_against_the_reference(action: Action, reference: str, breach: bool) -> None:
    price, found = check_slippage(
        PreTradeLimits(), BOOK, side=OutcomeSide.YES, action=action, reference=D(reference)
    )
    assert price is not None and (found is not None) is breach
    if found is not None:
        assert found.code == "slippage"


def test_an_empty_book_is_no_breach() -> None:
    price, breach = check_slippage(
        PreTradeLimits(),
        OrderBook(market_ticker="M"),
        side=OutcomeSide.YES,
        action=Action.BUY,
        reference=D("0.1"),
    )
    assert (price, breach) == (None, None)


def test_a_tripped_switch_blocks_everything_but_reduce_only() -> None:
    tripped = KillSwitch(KillSwitchState.TRIPPED, reason="daily loss")
    assert blocks_order(tripped, reduce_only=False)
    assert not blocks_order(tripped, reduce_only=True)
    assert not blocks_order(KillSwitch(), reduce_only=False)


def test_bot_settings_with_defaults_and_unknown_keys_ignored() -> None:
    config = config_from_settings({"max_contracts_per_order": "5", "poll_seconds": "2", "color": "blue"})
    assert config.limits.max_contracts_per_order == 5 and config.limits.slippage_tolerance == D("0.02")
    assert config.policy.poll_seconds == 2 and config.policy.max_wait_seconds == 60
    assert config_from_settings(None) == config_from_settings({})
    with pytest.raises(InvalidBotSettings, match="partial_fill_threshold"):
        config_from_settings({"partial_fill_threshold": "2"})
    with pytest.raises(InvalidBotSettings):
        config_from_settings({"max_cost_per_order": "lots"})
