"""The triggers, pure: settings parsing, each threshold at and just below, disabled triggers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from inplay.orders.intents import TradingMode
from inplay.risk.records import KillTrigger
from inplay.risk.triggers import (
    InvalidKillSwitchSettings,
    KillSwitchLimits,
    OrderSlippage,
    PositionMark,
    RiskInputs,
    evaluate,
    parse_limits,
    setting_key,
)
from inplay.sports.models import League
from inplay.venues.base import MarketStatus
from tests.unit.risk.support import NOW, TODAY_START

D = Decimal
ALL_OFF = {
    "kill_daily_loss_limit": "off",
    "kill_consecutive_losses": "off",
    "kill_max_drawdown": "off",
    "kill_api_error_rate": "off",
    "kill_slippage_spike": "off",
    "kill_slippage_average": "off",
    "kill_balance_drop": "off",
    "kill_stale_feed_seconds": "off",
    "kill_market_paused": "off",
}


def only(trigger_settings: dict[str, str]) -> KillSwitchLimits:
    """Every trigger off except the ones ``trigger_settings`` turns on."""
    return KillSwitchLimits.from_settings({**ALL_OFF, **trigger_settings})


def inputs(**changes: Any) -> RiskInputs:
    return RiskInputs(user_id="alice", at=NOW, since=TODAY_START, **changes)


def mark(
    ticker: str = "MKT-A",
    contracts: str = "10",
    cost: str = "5",
    *,
    bid: str | None = "0.50",
    status: MarketStatus = MarketStatus.OPEN,
    league: League | None = None,
    event_id: str | None = None,
) -> PositionMark:
    return PositionMark(
        position_id=f"bot1#kalshi#{ticker}",
        bot_id="bot1",
        venue="kalshi",
        market_ticker=ticker,
        mode=TradingMode.PAPER,
        contracts=D(contracts),
        cost=D(cost),
        market_status=status,
        bid=D(bid) if bid is not None else None,
        league=league,
        event_id=event_id,
    )


def triggers(breaches: list[Any]) -> list[KillTrigger]:
    return [breach.trigger for breach in breaches]


# ---------------------------------------------------------------------------------------------
# Settings


def test_defaults_are_the_documented_ones() -> None:
    limits = KillSwitchLimits.from_settings({})
    assert limits.daily_loss_limit == D(50)
    assert (limits.consecutive_losses, limits.consecutive_window) == (3, 5)
    assert limits.max_drawdown == D("0.20")
    assert (limits.api_error_rate, limits.api_min_calls, limits.api_window_seconds) == (D("0.5"), 10, 300)
    assert (limits.slippage_spike, limits.slippage_average, limits.slippage_window) == (
        D("0.05"),
        D("0.03"),
        5,
    )
    assert limits.balance_drop == D("0.25")
    assert limits.stale_feed_seconds == 120
    assert limits.market_paused is True
    assert limits.flatten_max_slippage == D("0.10")
    assert limits.flatten_attempts == 3


def test_settings_accept_dollars_percentages_and_off() -> None:
    limits = KillSwitchLimits.from_settings(
        {
            "kill_daily_loss_limit": "$75.50",
            "kill_max_drawdown": "15%",
            "kill_balance_drop": "0.3",
            "kill_stale_feed_seconds": "OFF",
            "kill_market_paused": "off",
            "kill_consecutive_losses": " 4 ",
            "kill_consecutive_window": "6",
            "max_contracts_per_order": "whatever: not a kill-switch key",
        }
    )
    assert limits.daily_loss_limit == D("75.50")
    assert limits.max_drawdown == D("0.15")
    assert limits.balance_drop == D("0.3")
    assert limits.stale_feed_seconds is None
    assert limits.market_paused is False
    assert (limits.consecutive_losses, limits.consecutive_window) == (4, 6)


def test_settings_round_trip_and_cover_every_limit() -> None:
    limits = KillSwitchLimits.from_settings({"kill_daily_loss_limit": "20", "kill_slippage_spike": "off"})
    settings = limits.to_settings()
    assert set(settings) == {setting_key(name) for name in KillSwitchLimits.model_fields}
    assert settings["kill_slippage_spike"] == "off"
    assert KillSwitchLimits.from_settings(settings) == limits


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"kill_daily_loss_limit": "lots"}, "kill_daily_loss_limit"),
        ({"kill_daily_loss_limit": "-5"}, "kill_daily_loss_limit"),
        ({"kill_max_drawdown": "120%"}, "kill_max_drawdown"),
        ({"kill_api_min_calls": "ten"}, "kill_api_min_calls"),
        ({"kill_api_min_calls": "off"}, "kill_api_min_calls"),
        ({"kill_market_paused": "maybe"}, "kill_market_paused"),
        ({"kill_daly_loss_limit": "50"}, "kill_daly_loss_limit"),
        ({"kill_consecutive_losses": "6", "kill_consecutive_window": "5"}, "kill_consecutive_window"),
    ],
)
def test_bad_settings_are_a_clear_error_naming_the_key(settings: dict[str, str], named: str) -> None:
    with pytest.raises(InvalidKillSwitchSettings) as caught:
        KillSwitchLimits.from_settings(settings)
    assert named in str(caught.value)
    assert caught.value.problems


def test_lenient_parsing_keeps_the_good_settings_and_defaults_the_bad() -> None:
    limits, problems = parse_limits({"kill_daily_loss_limit": "20", "kill_max_drawdown": "much"})
    assert limits.daily_loss_limit == D(20)
    assert limits.max_drawdown == D("0.20")
    assert len(problems) == 1 and "kill_max_drawdown" in problems[0]


# ---------------------------------------------------------------------------------------------
# Each trigger at its threshold and just below


def test_daily_loss_trips_at_the_limit_not_a_cent_before() -> None:
    limits = only({"kill_daily_loss_limit": "50"})
    # realized −48, and 10 YES bought for $5 now bid $0.30 (−2): −50
    at_limit = inputs(realized_pnl=D("-48"), positions=(mark(cost="5", bid="0.30"),))
    assert at_limit.daily_pnl == D("-50")
    [breach] = evaluate(at_limit, limits)
    assert breach.trigger is KillTrigger.DAILY_LOSS
    assert breach.values["daily_pnl"].startswith("-50.00") and breach.values["limit"].startswith("-50.00")
    below = inputs(realized_pnl=D("-47.99"), positions=(mark(cost="5", bid="0.30"),))
    assert evaluate(below, limits) == []


def test_a_no_holding_is_marked_at_its_own_bid_and_no_bid_is_worth_nothing() -> None:
    # 10 NO bought at 0.40 (YES terms: contracts −10, cost −6); the NO bid is 0.25 → −1.50.
    no_holding = mark(contracts="-10", cost="-6", bid="0.25")
    assert no_holding.unrealized == D("-1.50")
    assert mark(contracts="-10", cost="-6", bid=None).unrealized == D("-4")
    assert mark(bid=None).unrealized == D("-5")


def test_consecutive_losses_three_of_the_last_five() -> None:
    limits = only({"kill_consecutive_losses": "3", "kill_consecutive_window": "5"})
    tripping = inputs(closed_pnl=(D("-1"), D("2"), D("-0.5"), D("3"), D("-0.01")))
    [breach] = evaluate(tripping, limits)
    assert breach.trigger is KillTrigger.CONSECUTIVE_LOSSES
    assert breach.values["losses"] == "3" and breach.values["limit"] == "3/5"
    two = inputs(closed_pnl=(D("-1"), D("2"), D("0"), D("3"), D("-0.01"), D("-4")))  # 6th is outside
    assert evaluate(two, limits) == []


def test_drawdown_at_twenty_percent_of_peak() -> None:
    limits = only({"kill_max_drawdown": "20%"})
    [breach] = evaluate(inputs(equity=D(800), peak_equity=D(1000)), limits)
    assert breach.trigger is KillTrigger.DRAWDOWN and breach.values["drawdown"] == "0.2000"
    assert evaluate(inputs(equity=D("800.01"), peak_equity=D(1000)), limits) == []
    assert evaluate(inputs(equity=None, peak_equity=D(1000)), limits) == []


def test_balance_drop_against_the_days_opening() -> None:
    limits = only({"kill_balance_drop": "25%"})
    [breach] = evaluate(inputs(equity=D(750), day_open_equity=D(1000)), limits)
    assert breach.trigger is KillTrigger.BALANCE_DROP
    assert evaluate(inputs(equity=D("750.01"), day_open_equity=D(1000)), limits) == []


def test_api_error_rate_needs_enough_calls() -> None:
    limits = only({"kill_api_error_rate": "50%", "kill_api_min_calls": "10"})
    [breach] = evaluate(inputs(api_calls=10, api_errors=5), limits)
    assert breach.trigger is KillTrigger.API_ERROR_RATE and breach.values["rate"] == "0.5000"
    assert evaluate(inputs(api_calls=10, api_errors=4), limits) == []
    assert evaluate(inputs(api_calls=9, api_errors=9), limits) == []


def slip(value: str, filled: str = "10", n: int = 0) -> OrderSlippage:
    return OrderSlippage(
        intent_id=f"ip-{n}", market_ticker="MKT-A", slippage=D(value), filled=D(filled), filled_at=NOW
    )


def test_slippage_spike_on_one_order() -> None:
    limits = only({"kill_slippage_spike": "0.05"})
    [breach] = evaluate(inputs(slippage=(slip("0.01"), slip("0.05", n=1))), limits)
    assert breach.trigger is KillTrigger.SLIPPAGE_SPIKE and breach.values["intent_id"] == "ip-1"
    assert evaluate(inputs(slippage=(slip("0.0499"), slip("-0.2"))), limits) == []


def test_slippage_average_over_the_last_five_weighted_by_contracts() -> None:
    limits = only({"kill_slippage_average": "0.03", "kill_slippage_window": "5"})
    five = tuple(slip("0.03", n=n) for n in range(5))
    [breach] = evaluate(inputs(slippage=five), limits)
    assert breach.values["average_slippage"].startswith("0.03")
    # contract-weighted: 4 × 1 contract at 0.02 and 10 at 0.06 → 0.0486 (a plain mean would be 0.028)
    weighted = (
        slip("0.02", "1"),
        slip("0.02", "1"),
        slip("0.02", "1"),
        slip("0.02", "1"),
        slip("0.06", "10"),
    )
    assert evaluate(inputs(slippage=weighted), limits) != []
    lighter = (
        slip("0.02", "10"),
        slip("0.02", "10"),
        slip("0.02", "10"),
        slip("0.02", "10"),
        slip("0.06", "5"),
    )
    assert evaluate(inputs(slippage=lighter), limits) == []
    assert evaluate(inputs(slippage=five[:4]), limits) == []  # the window is not full yet


def test_stale_feed_for_a_live_game_with_a_position() -> None:
    limits = only({"kill_stale_feed_seconds": "120"})
    held = mark(league=League.NBA, event_id="401")
    live = frozenset({(League.NBA, "401")})
    stale = inputs(
        positions=(held,), live_games=live, feed_fresh_at={League.NBA: NOW - timedelta(seconds=120)}
    )
    [breach] = evaluate(stale, limits)
    assert breach.trigger is KillTrigger.STALE_GAME_FEED
    assert breach.values == {
        "league": "nba",
        "event_id": "401",
        "market": "MKT-A",
        "age_seconds": "120",
        "limit": "120",
    }
    fresh = stale.model_copy(update={"feed_fresh_at": {League.NBA: NOW - timedelta(seconds=119)}})
    assert evaluate(fresh, limits) == []
    over = stale.model_copy(update={"live_games": frozenset()})  # the game is over: nothing at stake
    assert evaluate(over, limits) == []
    unlinked = stale.model_copy(update={"positions": (mark(),)})  # no game known for the position
    assert evaluate(unlinked, limits) == []
    never = stale.model_copy(update={"feed_fresh_at": {League.NBA: None}})
    assert evaluate(never, limits)[0].values["age_seconds"] == "never polled"


def test_market_paused_or_exchange_halted_with_positions() -> None:
    limits = only({"kill_market_paused": "on"})
    paused = inputs(positions=(mark("MKT-A"), mark("MKT-B", status=MarketStatus.PAUSED)))
    [breach] = evaluate(paused, limits)
    assert breach.trigger is KillTrigger.MARKET_PAUSED and breach.values["markets"] == "MKT-B"
    assert evaluate(inputs(positions=(mark(),)), limits) == []
    halted = inputs(positions=(mark(),), exchange_trading=False)
    assert evaluate(halted, limits)[0].values["exchange_trading"] == "false"
    assert evaluate(inputs(exchange_trading=False), limits) == []  # nothing held: nothing at stake


def test_disabled_triggers_never_trip() -> None:
    extreme = inputs(
        realized_pnl=D("-10000"),
        positions=(mark(status=MarketStatus.PAUSED, league=League.NFL, event_id="9"),),
        closed_pnl=(D(-1),) * 5,
        equity=D(1),
        peak_equity=D(1000),
        day_open_equity=D(1000),
        api_calls=100,
        api_errors=100,
        slippage=tuple(slip("0.5", n=n) for n in range(5)),
        live_games=frozenset({(League.NFL, "9")}),
        feed_fresh_at={League.NFL: None},
        exchange_trading=False,
    )
    assert evaluate(extreme, KillSwitchLimits.from_settings(ALL_OFF)) == []
    everything = triggers(evaluate(extreme, KillSwitchLimits()))
    assert everything == [
        KillTrigger.MARKET_PAUSED,
        KillTrigger.STALE_GAME_FEED,
        KillTrigger.DAILY_LOSS,
        KillTrigger.DRAWDOWN,
        KillTrigger.BALANCE_DROP,
        KillTrigger.CONSECUTIVE_LOSSES,
        KillTrigger.SLIPPAGE_SPIKE,
        KillTrigger.API_ERROR_RATE,
    ]
