"""The workflow's input/output contract and its outcome arithmetic (pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from inplay.orders.intents import IntentState, TradingMode, intent_id_for, new_intent
from inplay.orders.workflow import (
    BatchRequest,
    ExecutionPolicy,
    OrderRequest,
    PolicyOverrides,
    ResultStatus,
    StepError,
    StepEvent,
    StepName,
    average_price,
    is_below_threshold,
    slippage_of,
    status_of,
)
from inplay.venues.base import Action, OutcomeSide

D = Decimal
T = datetime(2026, 1, 15, 1, 30, tzinfo=UTC)
EVENTS = Path(__file__).resolve().parents[3] / "events" / "sfn"


def request(**intent: Any) -> dict[str, Any]:
    values = {
        "user_id": "u",
        "bot_id": "b",
        "market_ticker": "M",
        "signal_id": "s",
        "decision_bucket": T.isoformat(),
        "side": "yes",
        "action": "buy",
        "price": "0.55",
        "count": "3",
        "mode": "paper",
    }
    values.update(intent)
    return {"intent": values}


def test_the_execution_name_is_the_deterministic_intent_id() -> None:
    parsed = OrderRequest.model_validate(request())
    assert parsed.intent_id == intent_id_for(
        user_id="u", bot_id="b", market_ticker="M", signal_id="s", leg="entry", decision_bucket=T
    )
    assert OrderRequest.model_validate(request(price="0.56")).intent_id == parsed.intent_id  # same decision
    assert OrderRequest.model_validate(request(signal_id="s2")).intent_id != parsed.intent_id


@pytest.mark.parametrize(
    "bad",
    [
        {"price": "1.00"},
        {"price": 0.5},
        {"count": "0"},
        {"mode": "real"},
        {"decision_bucket": "2026-01-15T01:30:00"},
    ],
)
def test_bad_requests_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        OrderRequest.model_validate(request(**bad))


def test_a_batch_needs_distinct_legs_and_its_id_ignores_their_order() -> None:
    one, two = request(signal_id="a"), request(signal_id="b")
    batch_id = BatchRequest.model_validate({"legs": [one, two]}).batch_id()
    assert batch_id == BatchRequest.model_validate({"legs": [two, one]}).batch_id()
    assert batch_id.startswith("ib-") and len(batch_id) == 35
    with pytest.raises(ValidationError, match="own intent"):
        BatchRequest.model_validate({"legs": [one, one]})
    with pytest.raises(ValidationError):
        BatchRequest.model_validate({"legs": []})


def test_policy_defaults_overrides_and_poll_count() -> None:
    policy = ExecutionPolicy()
    assert (policy.max_wait_seconds, policy.poll_seconds, policy.partial_fill_threshold) == (60, 1, D("0.8"))
    assert policy.max_polls == 60
    merged = policy.merged(PolicyOverrides(max_wait_seconds=5, poll_seconds=2))
    assert (merged.max_polls, merged.partial_fill_threshold) == (3, D("0.8"))
    with pytest.raises(ValidationError):
        PolicyOverrides(partial_fill_threshold=D("1.5"))


def test_outcome_arithmetic() -> None:
    assert average_price([(D(2), D("0.50")), (D(1), D("0.53"))]) == D("0.510000")
    assert average_price([(D(3), D("1")), (D(0), D("0"))]) == D("1.000000")
    assert average_price([]) is None
    assert slippage_of(Action.BUY, D("0.52"), D("0.53")) == D("0.010000")  # paid more: worse
    assert slippage_of(Action.SELL, D("0.52"), D("0.53")) == D("-0.010000")  # received more: better
    assert slippage_of(Action.BUY, D("0.52"), None) is None
    assert is_below_threshold(D(3), D(10), D("0.8")) and not is_below_threshold(D(8), D(10), D("0.8"))
    assert not is_below_threshold(D(0), D(10), D("0.8")) and not is_below_threshold(D(10), D(10), D("0.8"))


@pytest.mark.parametrize(
    ("state", "filled", "status"),
    [
        (IntentState.FILLED, "10", ResultStatus.FILLED),
        (IntentState.CANCELLED, "4", ResultStatus.PARTIAL),
        (IntentState.TIMED_OUT, "4", ResultStatus.PARTIAL),
        (IntentState.TIMED_OUT, "0", ResultStatus.TIMEOUT),
        (IntentState.CANCELLED, "0", ResultStatus.CANCELLED),
        (IntentState.REJECTED, "0", ResultStatus.ERROR),
        (IntentState.UNKNOWN, "0", ResultStatus.ERROR),
        (IntentState.RESTING, "0", ResultStatus.ERROR),
    ],
)
def test_status_of_every_ledger_state(state: IntentState, filled: str, status: ResultStatus) -> None:
    intent = new_intent(
        user_id="u",
        bot_id="b",
        market_ticker="M",
        signal_id="s",
        leg="entry",
        decision_bucket=T,
        venue="kalshi",
        side=OutcomeSide.YES,
        action=Action.BUY,
        price=D("0.5"),
        count=D(10),
        mode=TradingMode.PAPER,
        now=T,
    )
    assert status_of(intent.model_copy(update={"status": state, "filled_count": D(filled)})) is status


def test_a_catch_error_message_comes_from_the_lambda_cause() -> None:
    cause = json.dumps({"errorMessage": "lost", "errorType": "AmbiguousOutcome"})
    assert StepError(Error="AmbiguousOutcome", Cause=cause).message() == "lost"
    assert StepError(Error="States.Timeout", Cause="plain text").message() == "plain text"


@pytest.mark.parametrize("path", sorted(EVENTS.glob("*.json")), ids=lambda p: p.name)
def test_the_sample_events_are_valid(path: Path) -> None:
    data = json.loads(path.read_text())
    if path.stem == "order_request":
        OrderRequest.model_validate(data)
    elif path.stem == "batch_request":
        BatchRequest.model_validate(data)
    else:
        event = StepEvent.model_validate(data)
        assert event.step is StepName(path.stem)
        parsed = OrderRequest.model_validate(event.state.request)
        assert event.state.execution_name == parsed.intent_id
        if event.step in (StepName.AUDIT, StepName.ALERT):
            assert event.state.order is not None and event.state.order.result is not None
        if event.step is StepName.MARK_UNKNOWN:
            assert event.state.error is not None


def test_there_is_a_sample_event_for_every_step() -> None:
    assert {p.stem for p in EVENTS.glob("*.json")} >= {step.value for step in StepName}
