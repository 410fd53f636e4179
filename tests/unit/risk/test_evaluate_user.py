"""``evaluate_user`` from realistic data: each trigger trips at its threshold and not just below."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest

from inplay.orders.intents import IntentState, TradingMode
from inplay.risk.commands import KillSwitchStatus
from inplay.risk.records import KillTrigger
from inplay.risk.tripping import evaluate_user, reset
from inplay.sports.models import League
from inplay.venues.base import Action, Balance, ExchangeUnavailableError, MarketStatus, NotFoundError
from inplay.venues.counting import CountingVenues
from tests.unit.risk.support import NOW, USER, World, fill, game, heartbeat, intent, market, settle

D = Decimal


def lose_today(world: World, at_limit: bool) -> None:
    """100 YES bought at 0.60 and sold at 0.10 (−$50.00) or at 0.1001 (−$49.99)."""
    world.trades.record_fill(
        fill(market_ticker="RT", price="0.60", count="100", fee="0", at=NOW - timedelta(hours=2))
    )
    exit_price = "0.10" if at_limit else "0.1001"
    world.trades.record_fill(
        fill(
            market_ticker="RT",
            action=Action.SELL,
            price=exit_price,
            count="100",
            fee="0",
            at=NOW - timedelta(hours=1),
        )
    )


def lose_in_a_row(world: World, at_limit: bool) -> None:
    """Five round trips, newest last: three (or two) lost money."""
    exits = ["0.40", "0.60", "0.45", "0.70", "0.49"] if at_limit else ["0.40", "0.60", "0.55", "0.70", "0.49"]
    for n, exit_price in enumerate(exits):
        ticker = f"G{n}"
        world.trades.record_fill(fill(market_ticker=ticker, fee="0", at=NOW - timedelta(minutes=60 - 10 * n)))
        world.trades.record_fill(
            fill(
                market_ticker=ticker,
                action=Action.SELL,
                price=exit_price,
                fee="0",
                at=NOW - timedelta(minutes=55 - 10 * n),
            )
        )


def slip_once(world: World, at_limit: bool) -> None:
    """A buy decided at 0.50 that filled at 0.55 (or 0.5499)."""
    record = intent(price="0.60", meta={"reference_price": "0.50"}, created_at=NOW - timedelta(minutes=3))
    world.ledger.create(record)
    average = D("0.55") if at_limit else D("0.5499")
    settle(world.ledger, record, IntentState.FILLED, filled_count=D(10), average_fill_price=average)


def go_stale(world: World, at_limit: bool) -> None:
    """An NBA position while the game is live and the poller last answered 120 s (or 119 s) ago."""
    world.hold("NBA-GAME", "10", meta={"league": "nba", "event_id": "401"})
    world.venue.markets["NBA-GAME"] = market("NBA-GAME")
    world.games.upsert(game(League.NBA, "401"), NOW - timedelta(minutes=10))
    age = 120 if at_limit else 119
    world.games.record_poll(heartbeat(League.NBA, NOW - timedelta(seconds=age)))


def pause(world: World, at_limit: bool) -> None:
    world.hold("PAUSY", "10")
    status = MarketStatus.PAUSED if at_limit else MarketStatus.OPEN
    world.venue.markets["PAUSY"] = market("PAUSY", status=status)


def drop_balance(world: World, at_limit: bool) -> None:
    """The day opened at $1,000; equity is now $750 (or $750.01). Drawdown is off so the balance
    drop is what speaks."""
    world.controls.settings[USER] = {"kill_max_drawdown": "off"}
    world.venue.balance = Balance(available=D(1000), portfolio_value=D(0))
    assert evaluate_user(world.deps, USER, NOW - timedelta(hours=1)).status is KillSwitchStatus.EVALUATED
    world.venue.balance = Balance(available=D("750") if at_limit else D("750.01"), portfolio_value=D(0))


def draw_down(world: World, at_limit: bool) -> None:
    """Equity peaked at $1,000 and is now $800 (or $800.01): 20 % down."""
    world.venue.balance = Balance(available=D(600), portfolio_value=D(400))
    assert evaluate_user(world.deps, USER, NOW - timedelta(hours=1)).status is KillSwitchStatus.EVALUATED
    world.venue.balance = Balance(available=D("500") if at_limit else D("500.01"), portfolio_value=D(300))


SCENARIOS: dict[KillTrigger, Callable[[World, bool], None]] = {
    KillTrigger.DAILY_LOSS: lose_today,
    KillTrigger.CONSECUTIVE_LOSSES: lose_in_a_row,
    KillTrigger.SLIPPAGE_SPIKE: slip_once,
    KillTrigger.STALE_GAME_FEED: go_stale,
    KillTrigger.MARKET_PAUSED: pause,
    KillTrigger.BALANCE_DROP: drop_balance,
    KillTrigger.DRAWDOWN: draw_down,
}


@pytest.mark.parametrize("trigger", list(SCENARIOS), ids=lambda trigger: trigger.value)
def test_each_trigger_trips_from_realistic_data(trigger: KillTrigger) -> None:
    world = World()
    SCENARIOS[trigger](world, True)
    outcome = evaluate_user(world.deps, USER, NOW)
    assert outcome.status is KillSwitchStatus.TRIPPED, outcome.breaches
    assert outcome.event is not None and outcome.event.trigger is trigger
    assert outcome.event.by == "system" and outcome.event.close_positions
    assert "limit" in outcome.event.values
    switch = world.controls.kill_switch(USER)
    assert switch.tripped and switch.trigger == trigger.value
    assert world.alerts.alerts[-1].title.startswith("Kill switch tripped")


@pytest.mark.parametrize("trigger", list(SCENARIOS), ids=lambda trigger: trigger.value)
def test_just_below_each_threshold_nothing_trips(trigger: KillTrigger) -> None:
    world = World()
    SCENARIOS[trigger](world, False)
    outcome = evaluate_user(world.deps, USER, NOW)
    assert outcome.status is KillSwitchStatus.EVALUATED, [b.message for b in outcome.breaches]
    assert not world.controls.kill_switch(USER).tripped
    assert world.alerts.alerts == [] and world.batches.executions == {}


def test_api_error_rate_from_counted_venue_calls() -> None:
    world = World()
    counting = CountingVenues(world.venues, world.risk, now=lambda: NOW - timedelta(minutes=1))
    venue = counting.account(USER, "kalshi", TradingMode.LIVE)
    world.venue.markets["OK"] = market("OK")
    for _ in range(5):
        venue.get_market("OK")
    world.venue.fail["get_balance"] = ExchangeUnavailableError("502 Bad Gateway")
    for _ in range(5):
        with pytest.raises(ExchangeUnavailableError):
            venue.get_balance()
    counting.flush()
    outcome = evaluate_user(world.deps, USER, NOW)
    assert outcome.event is not None and outcome.event.trigger is KillTrigger.API_ERROR_RATE
    assert (outcome.event.values["errors"], outcome.event.values["calls"]) == ("5", "10")


def test_business_answers_are_not_api_errors() -> None:
    world = World()
    counting = CountingVenues(world.venues, world.risk, now=lambda: NOW - timedelta(minutes=1))
    venue = counting.account(USER, "kalshi", TradingMode.LIVE)
    for _ in range(10):
        with pytest.raises(NotFoundError):
            venue.get_market("NOPE")
    counting.flush()
    assert evaluate_user(world.deps, USER, NOW).status is KillSwitchStatus.EVALUATED


def test_all_breaches_are_recorded_and_the_first_names_the_trip() -> None:
    world = World()
    lose_today(world, True)
    pause(world, True)
    world.venue.markets["PAUSY"] = market("PAUSY", yes_bid="0.50", status=MarketStatus.PAUSED)  # held at cost
    outcome = evaluate_user(world.deps, USER, NOW)
    assert outcome.event is not None and outcome.event.trigger is KillTrigger.MARKET_PAUSED
    assert [b.trigger for b in outcome.breaches] == [KillTrigger.MARKET_PAUSED, KillTrigger.DAILY_LOSS]
    assert outcome.event.values["markets"] == "PAUSY"
    assert outcome.event.values["daily_loss.daily_pnl"].startswith("-")
    assert "daily loss" in outcome.event.reason
    assert outcome.reply().breaches[0].startswith("market_paused: ")


def test_a_tripped_switch_is_enforced_not_re_evaluated() -> None:
    world = World()
    pause(world, True)
    evaluate_user(world.deps, USER, NOW)
    again = evaluate_user(world.deps, USER, NOW + timedelta(minutes=1))
    assert again.status is KillSwitchStatus.ALREADY_TRIPPED
    assert world.controls.trips == 1 and len(world.alerts.alerts) == 1


def test_after_a_reset_the_reviewed_losses_do_not_trip_again() -> None:
    world = World()
    lose_in_a_row(world, True)
    assert evaluate_user(world.deps, USER, NOW).status is KillSwitchStatus.TRIPPED
    reset(world.deps, USER, reason="strategy fixed", by=USER, now=NOW + timedelta(minutes=5))
    assert evaluate_user(world.deps, USER, NOW + timedelta(minutes=6)).status is KillSwitchStatus.EVALUATED
    # New losses after the reset count again.
    for n in range(3):
        ticker = f"N{n}"
        world.trades.record_fill(fill(market_ticker=ticker, fee="0", at=NOW + timedelta(minutes=7 + n)))
        world.trades.record_fill(
            fill(
                market_ticker=ticker,
                action=Action.SELL,
                price="0.40",
                fee="0",
                at=NOW + timedelta(minutes=8 + n),
            )
        )
    later = evaluate_user(world.deps, USER, NOW + timedelta(minutes=15))
    assert later.event is not None and later.event.trigger is KillTrigger.CONSECUTIVE_LOSSES


def test_bad_settings_fall_back_to_defaults_and_say_so() -> None:
    world = World()
    world.controls.settings[USER] = {"kill_daily_loss_limit": "fifty"}
    lose_today(world, True)
    outcome = evaluate_user(world.deps, USER, NOW)
    assert outcome.status is KillSwitchStatus.TRIPPED  # the $50 default applied
    assert any("kill_daily_loss_limit" in problem for problem in outcome.problems)
