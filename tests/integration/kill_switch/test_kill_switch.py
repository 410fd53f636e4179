"""Issue 5 kill-switch suite through the deployed stack: triggers trip from real trading on the
simulator, nothing reaches the venue after a trip, positions are flattened by the batch workflow,
the API's emergency stop and reset behave. (TRIPPED surviving a local-cloud restart is covered by
``tests/integration/local_cloud/test_restart.py``.)"""

from __future__ import annotations

from decimal import Decimal

import pytest

from inplay.alerts.model import AlertKind, Severity
from inplay.risk.records import KillTrigger
from tests.integration.kill_switch.support import KillSwitchHarness, wait_until
from tests.integration.order_workflow.support import BOT

pytestmark = [pytest.mark.timeout(120)]

D = Decimal


def kill_alerts(ks: KillSwitchHarness) -> list[tuple[Severity, str]]:
    return [(a.severity, a.title) for a in ks.h.alerts() if a.kind is AlertKind.KILL_SWITCH]


def test_a_daily_loss_trips_and_the_positions_are_flattened(ks: KillSwitchHarness) -> None:
    ks.set_limits(daily_loss_limit="2")
    entry = ks.h.run(ks.h.request(price="0.52", count="10", signal="entry"))
    assert entry["status"] == "FILLED"
    ks.settle()  # the Fills stream evaluated the entry: −$0.40 at the bid minus the fee, no trip
    assert not ks.switch().tripped

    ks.venue.sim.set_fair_value(ks.venue.home, "0.30")  # the market turns: the bid is now 0.28
    ks.scheduled_run()
    switch = ks.wait_tripped()

    assert switch.trigger == KillTrigger.DAILY_LOSS.value and switch.by == "system"
    assert D(switch.values["daily_pnl"]) <= D(-2)  # 10 × (0.28 − 0.52) − fee
    assert D(switch.values["limit"]) == D(-2)
    outputs = ks.settle()
    assert [r["purpose"] for out in outputs for r in out["results"]] == ["exit"]
    assert ks.venue_positions() == {} and ks.h.position_contracts() == 0
    events = ks.events()
    assert len(events) == 1 and events[0].trigger is KillTrigger.DAILY_LOSS
    assert events[0].event_id == switch.event_id and events[0].close_positions
    assert any(sev is Severity.CRITICAL for sev, _ in kill_alerts(ks))
    assert ks.switch().tripped  # flattening never clears it


def test_after_a_trip_no_order_reaches_the_venue(ks: KillSwitchHarness) -> None:
    status, body = ks.api("bot/emergency-stop", {"close_positions": False, "reason": "test"})
    assert status == 200 and body["status"] == "tripped", body
    creates_before = len(ks.venue.sim.traffic.records("create_order_v2"))

    entry = ks.h.request(price="0.52", count="5", signal="after-trip")
    out = ks.h.run(entry)

    assert out["intent_state"] == "REJECTED" and out["error"]["code"] == "kill_switch", out
    intent_id = ks.h.intent_id(entry)
    assert ks.venue.creates(intent_id) == 0 and ks.venue.orders(intent_id) == []
    status, body = ks.api(
        "bot/order", {"market_ticker": ks.venue.home, "side": "yes", "price": "0.52", "count": "5"}
    )
    assert status != 200 and body["result"]["error"]["code"] == "kill_switch", body
    assert len(ks.venue.sim.traffic.records("create_order_v2")) == creates_before  # the venue saw nothing
    assert ks.venue.orders(body["intent_id"]) == []


def test_an_emergency_stop_cancels_ours_and_flattens_every_position(ks: KillSwitchHarness) -> None:
    away = ks.venue.game.away_ticker
    ks.h.run(ks.h.request(price="0.52", count="10", signal="home-yes"))
    ks.h.run(ks.h.request(price="0.52", count="6", side="no", signal="away-no", market=away))
    ours = ks.rest_order(ks.orphan_intent_id("left-resting"))
    theirs = ks.rest_order(ks.foreign_id(), price="0.35")
    ks.settle()
    assert ks.venue_positions() == {ks.venue.home: D(10), away: D(-6)}
    assert not ks.switch().tripped

    status, body = ks.api("bot/emergency-stop", {"close_positions": True, "reason": "going dark"})

    assert status == 200 and body["status"] == "tripped" and body["trigger"] == "manual", body
    assert body["cancelled_orders"] == 1 and body["positions_closing"] == 2, body
    assert [o.order_id for o in ks.resting()] == [theirs]  # a person's order is left alone
    assert ours not in {o.order_id for o in ks.resting()}
    outputs = ks.settle()
    results = [r for out in outputs for r in out["results"]]
    assert sorted(r["status"] for r in results) == ["FILLED", "FILLED"], results
    assert ks.venue_positions() == {} and ks.h.position_contracts() == 0
    event = ks.events()[0]
    assert event.trigger is KillTrigger.MANUAL and event.reason == "going dark" and event.by == "user-1"
    assert sorted(ks.h.audit_kinds()) == ["ENTRY", "ENTRY", "EXIT", "EXIT", "KILL_SWITCH"]


def test_an_emergency_stop_without_closing_keeps_the_positions(ks: KillSwitchHarness) -> None:
    ks.h.run(ks.h.request(price="0.52", count="10", signal="keep"))
    ours = ks.rest_order(ks.orphan_intent_id("resting"))
    ks.settle()

    status, body = ks.api("bot/emergency-stop", {"close_positions": False})

    assert status == 200 and body["cancelled_orders"] == 1 and body["positions_closing"] == 0, body
    assert ours not in {o.order_id for o in ks.resting()}
    ks.scheduled_run()  # later runs enforce the same trip: still no flattening
    assert ks.settle() == [] and ks.batch_executions() == []
    assert ks.venue_positions() == {ks.venue.home: D(10)} and ks.h.position_contracts() == 10
    assert ks.switch().tripped


def test_a_reset_needs_a_reason_and_a_tripped_switch(ks: KillSwitchHarness) -> None:
    status, body = ks.api("bot/kill-switch/reset", {})
    assert status == 400 and any("reason" in e for e in body["errors"]), body
    status, body = ks.api("bot/kill-switch/reset", {"reason": "   "})
    assert status == 400, body
    status, body = ks.api("bot/kill-switch/reset", {"reason": "all good"})
    assert status == 409 and body["state"] == "ACTIVE", body

    ks.api("bot/emergency-stop", {"close_positions": False})
    blocked = ks.h.run(ks.h.request(price="0.52", count="5", signal="blocked"))
    assert blocked["intent_state"] == "REJECTED"
    status, body = ks.api("bot/kill-switch/reset", {"reason": "checked the venue, all good"})

    assert status == 200 and body["status"] == "reset" and body["state"] == "ACTIVE", body
    assert not ks.switch().tripped
    event = ks.events()[0]
    assert event.resolved and event.resolution_notes == "checked the venue, all good"
    again = ks.h.run(ks.h.request(price="0.52", count="5", signal="after-reset"))
    assert again["status"] == "FILLED"
    ks.settle()
    assert not ks.switch().tripped  # the fill's evaluation does not re-trip on reviewed history


def test_a_paused_market_with_a_position_trips(ks: KillSwitchHarness) -> None:
    ks.h.run(ks.h.request(price="0.52", count="10", signal="held"))
    ks.settle()
    assert not ks.switch().tripped

    ks.venue.sim.pause_trading(ks.venue.home)
    ks.scheduled_run()
    switch = ks.wait_tripped()

    assert switch.trigger == KillTrigger.MARKET_PAUSED.value
    assert switch.values["markets"] == ks.venue.home
    assert ks.settle() == []  # no flattening order into a paused market
    assert ks.venue_positions() == {ks.venue.home: D(10)}

    ks.venue.sim.resume_trading(ks.venue.home)
    ks.scheduled_run()  # the next minute flattens it
    outputs = wait_until(ks.settle, timeout=30, what="the flattening batch")
    assert [r["status"] for out in outputs for r in out["results"]] == ["FILLED"]
    assert ks.venue_positions() == {} and ks.h.position_contracts() == 0
    assert BOT  # positions are per bot; one bot here
