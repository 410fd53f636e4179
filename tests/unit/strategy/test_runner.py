"""One strategy tick over in-memory stores: what it starts, what it refuses, what it reports."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from inplay.orders.intents import IntentState, TradingMode
from inplay.orders.workflow import Purpose
from inplay.sports.models import League
from inplay.strategy.model import Decision, DecisionKind
from inplay.strategy.runner import order_request, run_tick
from inplay.venues.base import Action, OutcomeSide
from tests.unit.strategy.runner_support import World
from tests.unit.strategy.strategy_builders import AWAY_TICKER, HOME_TICKER, NOW, final_game, position

D = Decimal


def test_a_cheap_leader_is_bought_once_with_everything_the_safety_core_reads() -> None:
    world = World.one_game()
    report = run_tick(world.deps(), NOW)
    assert report.ok and report.bots == 1 and report.games == 1
    [started] = report.started
    assert started.decision.kind is DecisionKind.ENTER and started.mode is TradingMode.PAPER
    [request] = world.starter.requests  # type: ignore[union-attr]
    intent = request.intent
    assert request.purpose is Purpose.ENTRY and request.intent_id == started.intent_id
    assert (intent.market_ticker, intent.side, intent.action) == (HOME_TICKER, OutcomeSide.YES, Action.BUY)
    assert intent.price == D("0.30") and intent.count >= 1 and not intent.reduce_only
    meta = intent.signal_meta
    assert meta["league"] == "nba" and meta["event_id"] == "401700001"  # stale-feed trigger
    assert meta["reference_price"] == "0.30"  # slippage trigger
    assert D(meta["confidence"]) >= D("0.5") and D(meta["edge"]) > D("0.03")
    assert intent.signal_id == "nba-401700001-entry-1" and intent.leg == "entry"

    # The next tick sees the intent working: nothing new on that game.
    again = run_tick(world.deps(), NOW + timedelta(seconds=10))
    assert again.started == [] and len(world.starter.requests) == 1  # type: ignore[union-attr]


def test_two_evaluations_of_the_same_state_name_the_same_intent() -> None:
    first, second = World.one_game(), World.one_game()
    a = run_tick(first.deps(), NOW).started[0].intent_id
    b = run_tick(second.deps(), NOW + timedelta(seconds=30)).started[0].intent_id
    assert a == b  # Step Functions refuses the second execution of that name


def test_an_entry_that_did_not_fill_gets_a_new_attempt_after_the_cooldown() -> None:
    world = World.one_game(settings={"cooldown_seconds": "60"})
    first = run_tick(world.deps(), NOW).started[0]
    record = world.ledger.get(first.intent_id)
    assert record is not None
    world.ledger.transition(
        first.intent_id, IntentState.PENDING, IntentState.CANCELLED, version=record.version, now=NOW
    )
    assert run_tick(world.deps(), NOW + timedelta(seconds=30)).started == []  # cooling down
    world.games.fresh[League.NBA] = NOW + timedelta(minutes=5)
    later = run_tick(world.deps(), NOW + timedelta(minutes=5)).started
    assert [s.intent_id for s in later] != [first.intent_id] and len(later) == 1
    assert world.starter.requests[-1].intent.signal_id == "nba-401700001-entry-2"  # type: ignore[union-attr]


def test_a_paused_bot_enters_nothing_but_still_exits() -> None:
    world = World.one_game()
    world.bots.bots[0].paused = True
    assert run_tick(world.deps(), NOW).started == []
    world.games.games_ = [final_game()]
    world.trades.open_["u1"] = [position(AWAY_TICKER, contracts="10", cost="4.00")]
    [exit_] = run_tick(world.deps(), NOW).started
    assert exit_.decision.kind is DecisionKind.EXIT and exit_.decision.reason == "game_end"
    request = world.starter.requests[-1]  # type: ignore[union-attr]
    assert request.purpose is Purpose.EXIT and request.intent.reduce_only
    assert (request.intent.side, request.intent.action, request.intent.count) == (
        OutcomeSide.YES,
        Action.SELL,
        D(10),
    )


def test_an_exit_keeps_the_positions_mode_whatever_the_users_mode_now() -> None:
    world = World.one_game()
    world.bots.modes["u1"] = TradingMode.LIVE
    world.games.games_ = [final_game()]
    world.trades.open_["u1"] = [position(AWAY_TICKER, contracts="10", cost="4.00")]  # a PAPER holding
    [exit_] = run_tick(world.deps(), NOW).started
    assert exit_.mode is TradingMode.PAPER
    assert world.starter.requests[-1].intent.mode is TradingMode.PAPER  # type: ignore[union-attr]


def test_a_tripped_kill_switch_keeps_the_strategy_out() -> None:
    world = World.one_game("u1", "u2")
    world.bots.tripped.add("u1")
    report = run_tick(world.deps(), NOW)
    assert report.skipped_users == {"u1": "kill switch tripped"}
    assert [s.user_id for s in report.started] == ["u2"]


def test_invalid_settings_move_the_bot_to_error_once_and_alert() -> None:
    world = World.one_game(settings={"kelly_fraction": "2"})
    report = run_tick(world.deps(), NOW)
    assert [(e.user_id, e.bot_id) for e in report.errored] == [("u1", "default")]
    assert "kelly_fraction" in world.bots.errors[0][2] and len(world.error_calls) == 1
    assert report.started == []
    assert run_tick(world.deps(), NOW).errored == []  # no longer active: not reported again


def test_a_game_without_a_market_is_reported_never_guessed() -> None:
    world = World.one_game()
    world.markets.listings[League.NBA] = []
    report = run_tick(world.deps(), NOW)
    [unmatched] = report.unmatched
    assert unmatched.event_id == "401700001" and unmatched.reason
    assert report.started == [] and report.games == 0


def test_a_stale_feed_blocks_entries() -> None:
    world = World.one_game()
    world.games.fresh[League.NBA] = NOW - timedelta(minutes=5)
    assert run_tick(world.deps(), NOW).started == []


def test_one_users_outage_does_not_stop_the_others() -> None:
    world = World.one_game("u1", "u2")
    world.venues.failing.add("u1")
    report = run_tick(world.deps(), NOW)
    assert [f.user_id for f in report.failures] == ["u1"] and not report.ok
    assert [s.user_id for s in report.started] == ["u2"]


def test_books_and_listings_are_read_once_per_tick_whatever_the_number_of_bots() -> None:
    world = World.one_game(*(f"u{i}" for i in range(20)))
    report = run_tick(world.deps(), NOW)
    assert len(report.started) == 20
    assert world.markets.calls == 3  # one listing, two books


def test_only_the_changed_games_are_evaluated_on_a_stream_event() -> None:
    world = World.one_game()
    assert run_tick(world.deps(), NOW, only_games={(League.NBA, "other")}).started == []
    assert len(run_tick(world.deps(), NOW, only_games={(League.NBA, "401700001")}).started) == 1


def test_order_request_refuses_a_decision_without_an_order() -> None:
    hold = Decision(kind=DecisionKind.HOLD, reason="holding", market_ticker=HOME_TICKER, fair_yes=D("0.6"))
    with pytest.raises(ValueError, match="carries no order"):
        order_request(hold, user_id="u1", bot_id="b", game=final_game(), mode=TradingMode.PAPER, attempt=1)


def test_an_entry_is_cut_to_the_bots_per_order_limits() -> None:
    world = World.one_game(
        settings={"max_contracts_per_order": "7", "default_size": "100", "max_position": "500"}
    )
    [started] = run_tick(world.deps(), NOW).started
    assert started.decision.count == 7 and world.starter.requests[0].intent.count == 7  # type: ignore[union-attr]
    capped = World.one_game(
        settings={"max_cost_per_order": "3", "default_size": "100", "max_position": "500"}
    )
    [cheap] = run_tick(capped.deps(), NOW).started
    assert cheap.decision.count == 10  # $3 at $0.30
