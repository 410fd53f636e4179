"""Every branch of the order workflow, executed by moto's Step Functions against the Kalshi simulator.

For each: the execution's output, the intent's final state, fills and position rows, the audit
chain (verified) with its record kinds, the alerts published, and — the venue as witness — how
many orders carry the intent id on the simulator (exactly 1, or 0 when refused).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from inplay.alerts.model import AlertKind, Mode, Severity
from inplay.orders.errors import VenueUnavailable
from inplay.orders.settle import SettleOutcome, settle_intent
from inplay.orders.workflow import StepName
from tests.integration.order_workflow.support import CREATE, Harness, put_credentials

pytestmark = [pytest.mark.timeout(120)]

D = Decimal
SAMPLES = Path(__file__).resolve().parents[3] / "events" / "sfn"


def _fills_total(harness: Harness, intent_id: str) -> Decimal:
    return sum((D(item["count"]["N"]) for item in harness.fills(intent_id)), D(0))


def _one_order(harness: Harness, intent_id: str) -> object:
    orders = harness.venue.orders(intent_id)
    assert len(orders) == 1, orders
    return orders[0]


def test_an_immediate_fill_goes_straight_to_record(harness: Harness) -> None:
    request = harness.request(price="0.52")
    arn = harness.start(request)
    out = harness.finish(arn)
    intent_id = harness.intent_id(request)

    assert out["status"] == "FILLED" and out["intent_state"] == "FILLED"
    assert D(out["filled_count"]) == 10 and D(out["average_fill_price"]) == D("0.52")
    assert D(out["slippage"]) == 0 and D(out["fees"]) > 0
    entered = harness.entered(arn)
    assert "WaitForFill" not in entered and "CheckFill" not in entered
    assert entered == ["Begin", "Reserve", "Route", "Place", "Route", "Record", "Audit", "Alert", "Done"]
    intent = harness.intent(intent_id)
    assert intent.filled_count == 10 and intent.venue_order_id == out["venue_order_id"]
    assert _fills_total(harness, intent_id) == 10
    assert harness.position_contracts() == 10
    assert _one_order(harness, intent_id).status == "executed"  # type: ignore[attr-defined]
    assert harness.audit_kinds() == ["ENTRY"]
    [alert] = harness.alerts()
    assert (alert.kind, alert.mode, alert.severity) == (AlertKind.TRADE_ENTRY, Mode.PAPER, Severity.INFO)
    assert alert.correlation_id == intent_id and alert.trade is not None and alert.trade.size == 10


def test_a_resting_order_that_fills_later(harness: Harness) -> None:
    request = harness.request(price="0.50", reference="0.52")  # rests as the best bid
    with harness.around(StepName.CHECK_FILL, before=lambda n: harness.venue.cross("10") if n == 2 else None):
        arn = harness.start(request)
        out = harness.finish(arn)

    assert out["status"] == "FILLED" and D(out["average_fill_price"]) == D("0.50")
    assert D(out["slippage"]) == 0
    entered = harness.entered(arn)
    assert entered.count("CheckFill") == 2 and entered.count("WaitForFill") == 2
    assert "Cancel" not in entered
    intent_id = harness.intent_id(request)
    assert harness.intent(intent_id).status == "FILLED"
    assert _fills_total(harness, intent_id) == 10 and harness.position_contracts() == 10
    assert len(harness.venue.orders(intent_id)) == 1
    assert harness.audit_kinds() == ["ENTRY"]


def test_a_partial_fill_at_the_threshold_stops_waiting(harness: Harness) -> None:
    request = harness.request(price="0.50", reference="0.52")
    with harness.around(
        StepName.CHECK_FILL, before=lambda n: harness.venue.cross("8") if n == 1 else None
    ) as checks:
        arn = harness.start(request)
        out = harness.finish(arn)

    assert checks == [1]  # 8 of 10 = the 0.8 threshold: cancel the rest at once
    assert out["status"] == "PARTIAL" and out["intent_state"] == "CANCELLED"
    assert D(out["filled_count"]) == 8 and out["below_threshold"] is False
    intent_id = harness.intent_id(request)
    order = _one_order(harness, intent_id)
    assert order.status == "canceled"  # type: ignore[attr-defined]
    assert _fills_total(harness, intent_id) == 8 and harness.position_contracts() == 8
    assert harness.audit_kinds() == ["ENTRY"]
    [alert] = harness.alerts()
    assert alert.severity is Severity.INFO and alert.trade is not None and alert.trade.size == 8


def test_a_partial_fill_below_the_threshold_is_recorded_at_its_size_and_flagged(harness: Harness) -> None:
    request = harness.request(price="0.50", reference="0.52")
    with harness.around(StepName.CHECK_FILL, before=lambda n: harness.venue.cross("3") if n == 1 else None):
        arn = harness.start(request)
        out = harness.finish(arn)

    assert harness.entered(arn).count("CheckFill") == 3  # waited out the deadline (3 polls)
    assert out["status"] == "PARTIAL" and out["intent_state"] == "TIMED_OUT"
    assert D(out["filled_count"]) == 3 and out["below_threshold"] is True
    intent_id = harness.intent_id(request)
    assert _fills_total(harness, intent_id) == 3 and harness.position_contracts() == 3
    assert _one_order(harness, intent_id).status == "canceled"  # type: ignore[attr-defined]
    [alert] = harness.alerts()
    assert alert.severity is Severity.WARNING and "threshold" in (alert.description or "")


def test_nothing_filled_before_the_deadline_times_out_and_cancels(harness: Harness) -> None:
    request = harness.request(price="0.50", reference="0.52")
    arn = harness.start(request)
    out = harness.finish(arn)

    assert out["status"] == "TIMEOUT" and out["intent_state"] == "TIMED_OUT"
    assert D(out["filled_count"]) == 0 and out["average_fill_price"] is None
    entered = harness.entered(arn)
    assert entered.count("CheckFill") == 3 and entered.index("Cancel") < entered.index("VerifyCancel")
    intent_id = harness.intent_id(request)
    assert _one_order(harness, intent_id).status == "canceled"  # type: ignore[attr-defined]
    assert harness.fills(intent_id) == [] and harness.positions() == []
    assert harness.audit_kinds() == ["CANCEL"]
    [alert] = harness.alerts()
    assert alert.kind is AlertKind.INFO and "timed out" in alert.title


def test_an_order_that_fills_while_being_cancelled_is_recorded_as_filled(harness: Harness) -> None:
    request = harness.request(price="0.50", reference="0.52")
    with harness.around(StepName.CANCEL, before=lambda n: harness.venue.cross("10")):
        arn = harness.start(request)
        out = harness.finish(arn)

    assert "VerifyCancel" in harness.entered(arn)
    assert out["status"] == "FILLED" and out["intent_state"] == "FILLED" and D(out["filled_count"]) == 10
    intent_id = harness.intent_id(request)
    assert _one_order(harness, intent_id).status == "executed"  # type: ignore[attr-defined]
    assert _fills_total(harness, intent_id) == 10 and harness.position_contracts() == 10
    assert harness.audit_kinds() == ["ENTRY"]


def test_a_venue_rejection_is_recorded_with_its_code(harness: Harness) -> None:
    poor = harness.venue.sim.create_user_with_key(balance_cents=100)
    put_credentials("user-poor", poor)
    request = harness.request(price="0.52", user_id="user-poor")
    out = harness.run(request)

    assert out["status"] == "ERROR" and out["intent_state"] == "REJECTED"
    assert out["error"]["code"] == "insufficient_balance"
    intent_id = harness.intent_id(request)
    assert harness.venue.orders(intent_id) == [] and harness.venue.creates(intent_id) == 1
    assert harness.fills(intent_id) == [] and harness.positions() == []
    assert harness.audit_kinds("user-poor") == ["ERROR"]
    [alert] = harness.alerts()
    assert alert.kind is AlertKind.ORDER_ERROR and alert.severity is Severity.WARNING


def test_a_5xx_on_placement_is_recovered_with_one_order(harness: Harness) -> None:
    harness.venue.sim.fail_next(503, operation=CREATE, when="before")
    request = harness.request(price="0.52")
    out = harness.run(request)

    intent_id = harness.intent_id(request)
    assert out["status"] == "FILLED"
    assert harness.venue.creates(intent_id) == 2  # the 503, then the same client order id again
    _one_order(harness, intent_id)


def test_a_5xx_on_a_fill_check_is_retried_by_the_workflow(harness: Harness) -> None:
    def before(n: int) -> None:
        if n == 1:  # more 503s than the client's own attempts (2): the step fails, the workflow retries
            harness.venue.sim.fail_next(503, count=2, operation="get_order")
        if n == 2:
            harness.venue.cross("10")

    request = harness.request(price="0.50", reference="0.52")
    with harness.around(StepName.CHECK_FILL, before=before):
        arn = harness.start(request)
        out = harness.finish(arn)

    assert "VenueUnavailable" in harness.failures(arn)
    assert out["status"] == "FILLED"
    _one_order(harness, harness.intent_id(request))


def test_an_accepted_order_whose_response_was_lost_is_found_not_resent(harness: Harness) -> None:
    harness.venue.sim.drop_next_response(CREATE)
    request = harness.request(price="0.52")
    out = harness.run(request)

    intent_id = harness.intent_id(request)
    assert out["status"] == "FILLED"
    assert harness.venue.creates(intent_id) == 1
    _one_order(harness, intent_id)
    assert harness.position_contracts() == 10


def test_an_unconfirmable_placement_is_unknown_then_settled_by_reconciliation(harness: Harness) -> None:
    sim = harness.venue.sim
    sim.drop_next_response(CREATE)
    sim.set_stale_reads(600_000)  # the order list lags: the client cannot find what it placed
    request = harness.request(price="0.52")
    out = harness.run(request)

    intent_id = harness.intent_id(request)
    assert out["status"] == "ERROR" and out["intent_state"] == "UNKNOWN"
    assert out["error"]["code"] == "AmbiguousOutcome"
    assert harness.intent(intent_id).status == "UNKNOWN"  # never "failed" without evidence
    _one_order(harness, intent_id)
    assert harness.fills(intent_id) == []
    assert harness.audit_kinds() == ["ERROR"]
    [alert] = harness.alerts()
    assert alert.kind is AlertKind.ORDER_ERROR and alert.severity is Severity.CRITICAL

    sim.set_stale_reads(0)
    import order_worker.handler

    settled = settle_intent(order_worker.handler.dependencies(), intent_id)
    assert settled.outcome is SettleOutcome.RECORDED
    assert settled.intent is not None and settled.intent.status == "FILLED"
    assert _fills_total(harness, intent_id) == 10 and harness.position_contracts() == 10


def test_a_tripped_kill_switch_refuses_before_any_venue_call(harness: Harness) -> None:
    harness.trip_kill_switch()
    request = harness.request(price="0.52")
    out = harness.run(request)

    intent_id = harness.intent_id(request)
    assert out["status"] == "ERROR" and out["intent_state"] == "REJECTED"
    assert out["error"]["code"] == "kill_switch" and "daily loss" in out["error"]["message"]
    assert harness.venue.creates(intent_id) == 0 and harness.venue.orders(intent_id) == []
    assert harness.audit_kinds() == ["ERROR"]
    assert json.loads(harness.audit()[0].payload)["reason"] == "test entry"


def test_a_kill_switch_tripped_after_reserve_stops_the_place(harness: Harness) -> None:
    request = harness.request(price="0.52")
    with harness.around(StepName.RESERVE, after=lambda n, out: harness.trip_kill_switch("manual")):
        out = harness.run(request)

    intent_id = harness.intent_id(request)
    assert out["status"] == "ERROR" and out["error"]["code"] == "kill_switch"
    assert harness.intent(intent_id).status == "REJECTED"
    assert harness.venue.creates(intent_id) == 0


def test_a_tripped_kill_switch_lets_a_reduce_only_exit_through(harness: Harness) -> None:
    harness.run(harness.request(price="0.52"))
    harness.trip_kill_switch()
    exit_request = harness.request(
        price="0.48", action="sell", tif="ioc", reduce_only=True, purpose="exit", signal="flatten"
    )
    out = harness.run(exit_request)

    assert out["status"] == "FILLED" and out["purpose"] == "exit"
    assert harness.position_contracts() == 0
    assert D(out["realized_pnl"]) == D("-0.40")  # bought 10 at 0.52, sold at 0.48
    # The kill-switch function (woken by the fills' stream) may also announce the directly written
    # trip; the orders' own alerts are exactly the entry and the exit.
    kinds = [alert.kind for alert in harness.alerts() if alert.kind is not AlertKind.KILL_SWITCH]
    assert kinds == [AlertKind.TRADE_ENTRY, AlertKind.TRADE_EXIT]
    assert [k for k in harness.audit_kinds() if k != "KILL_SWITCH"] == ["ENTRY", "EXIT"]


def test_a_duplicate_start_of_the_same_intent_is_refused(harness: Harness) -> None:
    request = harness.request(price="0.52")
    harness.run(request)
    for again in (request, {**request, "reason": "a retried decision"}):
        with pytest.raises(ClientError) as refused:
            harness.start(again)
        assert refused.value.response["Error"]["Code"] == "ExecutionAlreadyExists"
    intent_id = harness.intent_id(request)
    assert harness.venue.creates(intent_id) == 1
    _one_order(harness, intent_id)


def test_a_retried_place_never_creates_a_second_order(harness: Harness) -> None:
    def crash_after_sending(n: int, out: dict[str, object]) -> None:
        if n == 1:
            raise VenueUnavailable("the Lambda lost its answer after the order was sent")

    request = harness.request(price="0.52")
    with harness.around(StepName.PLACE, after=crash_after_sending) as places:
        arn = harness.start(request)
        out = harness.finish(arn)

    intent_id = harness.intent_id(request)
    assert places == [1, 2] and "VenueUnavailable" in harness.failures(arn)
    assert out["status"] == "FILLED"
    assert harness.venue.creates(intent_id) == 2  # the retry re-sent the same client order id …
    _one_order(harness, intent_id)  # … and the venue answered with the existing order
    assert harness.position_contracts() == 10 and _fills_total(harness, intent_id) == 10


def test_a_retried_place_of_a_resting_order_resumes_waiting(harness: Harness) -> None:
    def crash_after_sending(n: int, out: dict[str, object]) -> None:
        if n == 1:
            raise VenueUnavailable("lost after the send")

    request = harness.request(price="0.50", reference="0.52")
    with harness.around(StepName.PLACE, after=crash_after_sending):
        out = harness.run(request)

    intent_id = harness.intent_id(request)
    assert out["status"] == "TIMEOUT"
    assert harness.venue.creates(intent_id) == 1  # RESTING already: nothing was sent again
    _one_order(harness, intent_id)


def test_slippage_beyond_the_tolerance_refuses(harness: Harness) -> None:
    request = harness.request(price="0.52", reference="0.45")  # the ask moved 0.07 against us
    out = harness.run(request)

    assert out["status"] == "ERROR" and out["error"]["code"] == "slippage"
    intent_id = harness.intent_id(request)
    assert harness.intent(intent_id).status == "REJECTED" and harness.venue.creates(intent_id) == 0


def test_pre_trade_limits_come_from_the_bot_settings(harness: Harness) -> None:
    harness.controls().put_bot_settings("user-1", "bot-1", {"max_contracts_per_order": "5"})
    request = harness.request(price="0.52", count="10")
    out = harness.run(request)

    assert out["status"] == "ERROR" and out["error"]["code"] == "limit_max_contracts"
    assert harness.venue.creates(harness.intent_id(request)) == 0
    harness.controls().put_bot_settings("user-1", "bot-1", {"max_contracts_per_order": "500"})
    over_cost = harness.request(price="0.52", count="200", signal="sig-2")  # $104 > the $100 default
    assert harness.run(over_cost)["error"]["code"] == "limit_max_cost"


def test_an_invalid_request_is_an_error_without_an_intent(harness: Harness) -> None:
    arn = harness.start({"intent": {"user_id": "user-1"}}, name="not-an-intent")
    out = harness.finish(arn)

    assert out["status"] == "ERROR" and out["intent_state"] is None
    assert out["error"]["code"] == "InvalidStepInput"
    assert harness.audit("user-1") == []
    [alert] = harness.alerts()
    assert alert.severity is Severity.CRITICAL and alert.mode is Mode.LIVE  # unknown mode: never understated


def test_the_execution_name_must_be_the_intent_id(harness: Harness) -> None:
    request = harness.request(price="0.52")
    out = harness.finish(harness.start(request, name="some-other-name"))

    assert out["status"] == "ERROR" and out["error"]["code"] == "InvalidStepInput"
    assert harness.ledger().get(harness.intent_id(request)) is None
    assert harness.venue.creates(harness.intent_id(request)) == 0


def test_the_sample_workflow_input_runs_and_live_mode_is_shown(harness: Harness) -> None:
    sample = json.loads(
        (Path(__file__).resolve().parents[3] / "events" / "sfn" / "order_request.json").read_text()
    )
    ticker = harness.venue.home  # the simulator's market instead of the sample's
    sample["intent"].update(market_ticker=ticker, mode="live")
    sample["market"]["market_ticker"] = ticker
    sample["policy"] = {"max_wait_seconds": 30, "poll_seconds": 10}
    out = harness.run(sample)

    assert out["status"] == "FILLED" and out["mode"] == "live"
    [alert] = harness.alerts()
    assert alert.mode is Mode.LIVE
    payload = json.loads(harness.audit()[0].payload)
    assert payload["market"]["fair_value"] == "0.5800" and payload["risk"]["open_positions"] == 2
    assert payload["confidence"]["total"] == "0.71" and payload["intent"]["status"] == "FILLED"
