"""Trip, enforce (cancel + flatten), reset and emergency stop on in-memory fakes."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from inplay.alerts.model import AlertKind, Mode, Severity
from inplay.audit.chain import AuditKind
from inplay.orders.intents import IntentState, TradingMode
from inplay.orders.workflow import OrderRequest, Purpose
from inplay.risk.commands import KillSwitchStatus
from inplay.risk.kill_switch import kill_event_id
from inplay.risk.records import KillTrigger
from inplay.risk.triggers import Breach
from inplay.risk.tripping import (
    BatchStartError,
    InvalidReason,
    NotTripped,
    emergency_stop,
    enforce,
    flatten_intent_id,
    flatten_price,
    reset,
    trip,
)
from inplay.venues.base import Action, MarketStatus, NotFoundError, OrderStatus, OutcomeSide, TimeInForce
from tests.unit.risk.support import NOW, USER, World, fill, market, resting, settle

D = Decimal
OURS = "ip-" + "b" * 32


def world_with_positions() -> World:
    world = World()
    world.hold("MKT-A", "10", price="0.50", mode=TradingMode.LIVE)
    world.hold("MKT-B", "-8", price="0.30")
    world.venue.markets = {
        "MKT-A": market("MKT-A", yes_bid="0.55", yes_ask="0.57"),
        "MKT-B": market("MKT-B", yes_bid="0.60", yes_ask="0.62"),  # NO bid 0.38
    }
    world.venue.orders = [
        resting("o-ours", OURS),
        resting("o-human", "my-manual-order"),
        resting("o-web", None),
    ]
    return world


def legs_by_market(world: World) -> dict[str, OrderRequest]:
    return {leg.intent.market_ticker: leg for leg in world.batches.legs}


def stop(world: World, *, close: bool = True, at: Any = NOW, reason: str = "going to bed") -> Any:
    return emergency_stop(world.deps, USER, by=USER, close_positions=close, reason=reason, now=at)


def reserve(world: World) -> None:
    """What the batch workflow's Reserve steps do: write each leg's intent."""
    for leg in world.batches.legs:
        world.ledger.create(leg.intent.to_record(now=NOW, execution_arn="arn:batch"))


def test_emergency_stop_trips_cancels_ours_and_flattens_every_position() -> None:
    world = world_with_positions()
    outcome = stop(world)
    assert outcome.status is KillSwitchStatus.TRIPPED
    switch = world.controls.kill_switch(USER)
    assert switch.tripped and switch.trigger == "manual" and switch.by == USER
    event = outcome.event
    assert event is not None and world.risk.kill_event(USER, event.event_id) == event
    assert event.trigger is KillTrigger.MANUAL and event.reason == "going to bed" and event.close_positions

    assert world.venue.cancelled == ["o-ours"]  # the human's orders stay
    assert {o.order_id: o.status for o in world.venue.orders} == {
        "o-ours": OrderStatus.CANCELED,
        "o-human": OrderStatus.RESTING,
        "o-web": OrderStatus.RESTING,
    }
    assert outcome.enforcement is not None
    assert outcome.enforcement.foreign_resting == ("o-human", "o-web")

    assert len(world.batches.executions) == 1
    legs = legs_by_market(world)
    long_yes, no_holding = legs["MKT-A"].intent, legs["MKT-B"].intent
    assert (long_yes.side, long_yes.action, long_yes.count, long_yes.price) == (
        OutcomeSide.YES,
        Action.SELL,
        D(10),
        D("0.45"),
    )
    assert (no_holding.side, no_holding.action, no_holding.count, no_holding.price) == (
        OutcomeSide.NO,
        Action.SELL,
        D(8),
        D("0.28"),
    )
    for leg in legs.values():
        assert leg.intent.reduce_only and leg.intent.time_in_force is TimeInForce.IOC
        assert leg.purpose is Purpose.EXIT and leg.reason == "kill_switch"
        assert leg.intent.signal_id == event.event_id and leg.intent.bot_id == "bot1"
    assert long_yes.mode is TradingMode.LIVE and no_holding.mode is TradingMode.PAPER
    position_a = world.trades.position(USER, world.position_id("MKT-A", mode=TradingMode.LIVE))
    assert position_a is not None and long_yes.intent_id == flatten_intent_id(event, position_a, 1)

    [batch_id] = world.batches.executions
    assert event.cancelled_orders == ("o-ours",)
    assert set(event.positions_closed) == {
        world.position_id("MKT-A", mode=TradingMode.LIVE),
        world.position_id("MKT-B"),
    }
    assert event.flatten_batch_id == batch_id

    [(user, kind, payload)] = world.audit.records.values()
    assert (user, kind, payload["action"]) == (USER, AuditKind.KILL_SWITCH, "trip")
    assert f"kill-switch:{event.event_id}:trip" in world.audit.records
    [alert] = world.alerts.alerts
    assert (alert.kind, alert.severity, alert.mode) == (AlertKind.KILL_SWITCH, Severity.CRITICAL, Mode.LIVE)
    reply = outcome.reply()
    assert (reply.state, reply.cancelled_orders, reply.positions_closing) == ("TRIPPED", 1, 2)


def test_a_paper_only_user_gets_a_paper_alert() -> None:
    world = World()
    world.hold("MKT-A", "3")
    world.venue.markets = {"MKT-A": market("MKT-A")}
    stop(world)
    assert world.alerts.alerts[0].mode is Mode.PAPER


def test_trip_is_conditional_the_first_event_stands() -> None:
    world = world_with_positions()
    breach = Breach(KillTrigger.DAILY_LOSS, {"daily_pnl": "-51", "limit": "-50"}, "lost too much")
    first = trip(world.deps, USER, breach, by="system", now=NOW)
    second = stop(world, at=NOW + timedelta(seconds=1), reason="me too")
    assert (first.status, second.status) == (KillSwitchStatus.TRIPPED, KillSwitchStatus.ALREADY_TRIPPED)
    assert first.event is not None and second.event is not None
    assert second.event.event_id == first.event.event_id
    assert world.controls.kill_switch(USER).trigger == "daily_loss"
    assert world.controls.trips == 1
    assert [e.event_id for e in world.risk.kill_events(USER)] == [first.event.event_id]
    assert len(world.alerts.alerts) == 1 and len(world.audit.records) == 1
    assert len(world.batches.executions) == 1


def test_enforce_again_never_starts_a_second_batch_nor_cancels_twice() -> None:
    world = world_with_positions()
    stop(world)
    (batch_id,) = world.batches.executions
    again = enforce(world.deps, USER, NOW + timedelta(seconds=2))
    assert again.status is KillSwitchStatus.ALREADY_TRIPPED
    assert again.enforcement is not None and again.enforcement.batches == (batch_id,)  # same name: joined
    assert list(world.batches.executions) == [batch_id]
    assert world.venue.cancelled == ["o-ours"]

    reserve(world)  # the batch's orders now exist and are working
    starts = world.batches.starts
    working = enforce(world.deps, USER, NOW + timedelta(seconds=3))
    assert working.enforcement is not None
    assert set(working.enforcement.in_flight) == {
        world.position_id("MKT-A", mode=TradingMode.LIVE),
        world.position_id("MKT-B"),
    }
    assert world.batches.starts == starts and list(world.batches.executions) == [batch_id]
    assert len(world.alerts.alerts) == 1  # announced once


def test_an_order_that_vanished_before_the_cancel_is_fine() -> None:
    world = world_with_positions()

    def gone(order_id: str, *, market_ticker: str | None = None) -> Any:
        raise NotFoundError("already filled")

    world.venue.cancel_order = gone  # type: ignore[method-assign]
    outcome = stop(world, close=False)
    assert outcome.enforcement is not None and outcome.enforcement.cancelled == ()
    assert outcome.enforcement.problems == ()


def test_a_partly_filled_flatten_gets_another_round_then_gives_up_with_one_alert() -> None:
    world = world_with_positions()
    outcome = stop(world)
    event = outcome.event
    assert event is not None
    reserve(world)
    legs = legs_by_market(world)
    # MKT-A sold in full; MKT-B: 3 of 8 NO sold, the rest of the IOC cancelled.
    leg_a, leg_b = legs["MKT-A"].intent, legs["MKT-B"].intent
    settle(world.ledger, leg_a.to_record(now=NOW, execution_arn=None), IntentState.FILLED, filled_count=D(10))
    world.trades.record_fill(
        fill(
            market_ticker="MKT-A",
            action=Action.SELL,
            price="0.55",
            count="10",
            intent_id=leg_a.intent_id,
            at=NOW,
            mode=TradingMode.LIVE,
        )
    )
    settle(
        world.ledger, leg_b.to_record(now=NOW, execution_arn=None), IntentState.CANCELLED, filled_count=D(3)
    )
    world.trades.record_fill(
        fill(
            market_ticker="MKT-B",
            side=OutcomeSide.NO,
            action=Action.SELL,
            price="0.38",
            count="3",
            intent_id=leg_b.intent_id,
            at=NOW,
        )
    )
    second = enforce(world.deps, USER, NOW + timedelta(minutes=1))
    assert second.enforcement is not None and second.enforcement.closing == (world.position_id("MKT-B"),)
    assert len(world.batches.executions) == 2
    round_two = [leg for leg in world.batches.legs if leg.intent.leg == "kill-flatten-2-paper"]
    assert [(leg.intent.market_ticker, leg.intent.count) for leg in round_two] == [("MKT-B", D(5))]

    # Rounds 2 and 3 find no buyer at all.
    for attempt in (2, 3):
        if attempt == 3:
            enforce(world.deps, USER, NOW + timedelta(minutes=2))
        position_b = world.trades.position(USER, world.position_id("MKT-B"))
        assert position_b is not None
        leg_id = flatten_intent_id(event, position_b, attempt)
        request = next(leg for leg in world.batches.legs if leg.intent.intent_id == leg_id)
        record = request.intent.to_record(now=NOW, execution_arn=None)
        world.ledger.create(record)
        settle(world.ledger, record, IntentState.CANCELLED, filled_count=D(0))
    stuck = enforce(world.deps, USER, NOW + timedelta(minutes=3))
    assert stuck.enforcement is not None and stuck.enforcement.unflattened == (world.position_id("MKT-B"),)
    assert len(world.batches.executions) == 3
    stuck_alerts = [a for a in world.alerts.alerts if "by hand" in a.title]
    assert len(stuck_alerts) == 1 and stuck_alerts[0].severity is Severity.CRITICAL
    enforce(world.deps, USER, NOW + timedelta(minutes=4))
    assert len([a for a in world.alerts.alerts if "by hand" in a.title]) == 1


def test_a_paused_market_waits_without_spending_a_round() -> None:
    world = world_with_positions()
    world.venue.markets["MKT-A"] = market("MKT-A", status=MarketStatus.PAUSED)
    outcome = stop(world)
    assert outcome.enforcement is not None and outcome.enforcement.waiting == (
        world.position_id("MKT-A", mode=TradingMode.LIVE),
    )
    assert set(legs_by_market(world)) == {"MKT-B"}
    world.venue.markets["MKT-A"] = market("MKT-A", yes_bid="0.52")
    enforce(world.deps, USER, NOW + timedelta(minutes=1))
    later = [leg for leg in world.batches.legs if leg.intent.market_ticker == "MKT-A"]
    assert [(leg.intent.leg, leg.intent.price) for leg in later] == [("kill-flatten", D("0.42"))]


def test_more_positions_than_a_batch_holds_go_in_several_batches() -> None:
    world = World()
    tickers = [f"M{n:02d}" for n in range(45)]
    for ticker in tickers:
        world.hold(ticker, "2")
        world.venue.markets[ticker] = market(ticker)
    stop(world)
    assert sorted(len(request.legs) for request in world.batches.executions.values()) == [5, 40]
    assert sorted(leg.intent.market_ticker for leg in world.batches.legs) == tickers
    first = set(world.batches.executions)
    enforce(world.deps, USER, NOW + timedelta(seconds=1))
    assert set(world.batches.executions) == first


def test_a_failed_batch_start_is_retried_by_the_next_run() -> None:
    world = world_with_positions()
    world.batches.fail = BatchStartError("throttled")
    outcome = stop(world)
    assert outcome.enforcement is not None and outcome.enforcement.closing == ()
    assert any("throttled" in problem for problem in outcome.problems)
    world.batches.fail = None
    enforce(world.deps, USER, NOW + timedelta(minutes=1))
    assert len(world.batches.executions) == 1


@pytest.mark.parametrize(
    ("yes_bid", "yes_ask", "contracts", "cap", "expected"),
    [
        ("0.55", "0.57", "10", "0.10", "0.45"),
        ("0.60", "0.62", "-8", "0.10", "0.28"),
        ("0.05", "0.07", "10", "0.10", "0.01"),  # never below a cent
        (None, "0.40", "10", "0.10", "0.01"),  # nobody bids: take whatever appears
        ("0.55", "0.57", "10", "0", "0.55"),
        ("0.555", "0.57", "10", "0.02", "0.53"),  # down to the tick
    ],
)
def test_flatten_price_cap(
    yes_bid: str | None, yes_ask: str, contracts: str, cap: str, expected: str
) -> None:
    assert flatten_price(market("M", yes_bid=yes_bid, yes_ask=yes_ask), D(contracts), D(cap)) == D(expected)


def test_the_flatten_price_cap_is_a_user_setting() -> None:
    world = world_with_positions()
    world.controls.settings[USER] = {"kill_flatten_max_slippage": "0.03"}
    stop(world)
    assert legs_by_market(world)["MKT-A"].intent.price == D("0.52")


def test_emergency_stop_without_closing_then_with_closing() -> None:
    world = world_with_positions()
    kept = stop(world, close=False)
    assert kept.event is not None and not kept.event.close_positions
    assert world.venue.cancelled == ["o-ours"] and world.batches.executions == {}
    assert kept.reply().positions_closing == 0
    closing = stop(world, close=True, at=NOW + timedelta(minutes=1))
    assert closing.status is KillSwitchStatus.ALREADY_TRIPPED
    assert closing.event is not None and closing.event.close_positions
    assert closing.event.event_id == kept.event.event_id
    assert len(world.batches.executions) == 1
    assert f"kill-switch:{kept.event.event_id}:close_positions" in world.audit.records
    # Asking again not to close changes nothing: the request to close stands.
    stop(world, close=False, at=NOW + timedelta(minutes=2))
    stored = world.risk.kill_event(USER, kept.event.event_id)
    assert stored is not None and stored.close_positions


def test_reset_needs_a_reason_and_a_tripped_switch() -> None:
    world = world_with_positions()
    with pytest.raises(NotTripped):
        reset(world.deps, USER, reason="all good", by=USER, now=NOW)
    stop(world)
    for bad in ("", "   ", "x" * 501):
        with pytest.raises(InvalidReason):
            reset(world.deps, USER, reason=bad, by=USER, now=NOW)
    assert world.controls.kill_switch(USER).tripped


def test_reset_resolves_the_event_with_the_flattening_pnl() -> None:
    world = world_with_positions()
    tripped = stop(world)
    assert tripped.event is not None
    reserve(world)
    legs = legs_by_market(world)
    for ticker, side, price, count in (
        ("MKT-A", OutcomeSide.YES, "0.55", "10"),
        ("MKT-B", OutcomeSide.NO, "0.38", "8"),
    ):
        leg = legs[ticker].intent
        settle(
            world.ledger,
            leg.to_record(now=NOW, execution_arn=None),
            IntentState.FILLED,
            filled_count=D(count),
        )
        world.trades.record_fill(
            fill(
                market_ticker=ticker,
                side=side,
                action=Action.SELL,
                price=price,
                count=count,
                fee="0.02",
                intent_id=leg.intent_id,
                at=NOW + timedelta(seconds=1),
                mode=leg.mode,
            )
        )
    later = NOW + timedelta(minutes=10)
    outcome = reset(world.deps, USER, reason="  reviewed the losses, resuming  ", by=USER, now=later)
    assert outcome.status is KillSwitchStatus.RESET and not outcome.switch.tripped
    event = world.risk.kill_event(USER, tripped.event.event_id)
    assert event is not None and event == outcome.event
    assert (event.resolved_at, event.resolved_by, event.resolution_notes) == (
        later,
        USER,
        "reviewed the losses, resuming",
    )
    # MKT-A: 10 × (0.55 − 0.50) = 0.50; MKT-B: 8 NO bought at 0.30 sold at 0.38 = 0.64; fees 0.04.
    assert event.total_pnl == D("1.10")
    assert f"kill-switch:{event.event_id}:reset" in world.audit.records
    chain = list(world.audit.log.records(USER))
    assert [json.loads(r.payload)["action"] for r in chain] == ["trip", "reset"]
    assert {r.kind for r in chain} == {AuditKind.KILL_SWITCH} and world.audit.log.verify(USER).ok
    assert json.loads(chain[1].payload)["event"]["total_pnl"] == "1.1000"
    reset_alert = world.alerts.alerts[-1]
    assert "reset" in reset_alert.title.lower() and reset_alert.severity in (Severity.INFO, Severity.WARNING)
    with pytest.raises(NotTripped):
        reset(world.deps, USER, reason="again", by=USER, now=later)


def test_a_trip_whose_writer_died_is_recovered_and_announced() -> None:
    world = world_with_positions()
    event_id = kill_event_id("drawdown", NOW)
    world.controls.trip(
        USER,
        trigger="drawdown",
        reason="equity 20% below peak",
        values={"drawdown": "0.2"},
        by="system",
        event_id=event_id,
        at=NOW,
    )
    outcome = enforce(world.deps, USER, NOW + timedelta(seconds=30))
    event = world.risk.kill_event(USER, event_id)
    assert event is not None and event.trigger is KillTrigger.DRAWDOWN and event.close_positions
    assert event.tripped_at == NOW
    assert outcome.event is not None and outcome.event.event_id == event_id
    assert len(world.batches.executions) == 1
    assert [a.severity for a in world.alerts.alerts] == [Severity.CRITICAL]
    assert f"kill-switch:{event_id}:trip" in world.audit.records


def test_audit_and_alert_failures_do_not_stop_the_flattening() -> None:
    world = world_with_positions()
    world.audit.fail = RuntimeError("audit table throttled")
    outcome = stop(world)
    assert outcome.status is KillSwitchStatus.TRIPPED
    assert len(world.batches.executions) == 1 and world.venue.cancelled == ["o-ours"]
    assert any("audit" in problem for problem in outcome.problems)


def test_enforce_leaves_an_active_switch_alone() -> None:
    world = world_with_positions()
    outcome = enforce(world.deps, USER, NOW)
    assert outcome.status is KillSwitchStatus.NOT_TRIPPED
    assert world.venue.cancelled == [] and world.batches.executions == {}
