"""POST /api/bot/order's domain part: validation, idempotent intent ids, waiting for the workflow."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from inplay.api.orders import (
    ExecutionStatus,
    ManualOrder,
    OrderWorkflow,
    build_request,
    place_manual_order,
)
from inplay.orders.workflow import OrderRequest

NOW = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
BODY = {"market_ticker": "KXNBAGAME-26NOV24NYBOS-BOS", "side": "yes", "price": "0.56", "count": "10"}


class FakeWorkflow:
    def __init__(self, statuses: list[ExecutionStatus], output: dict[str, Any] | None = None) -> None:
        self.statuses = statuses
        self.output = output
        self.started: dict[str, OrderRequest] = {}

    def start(self, name: str, request: OrderRequest) -> str:
        self.started.setdefault(name, request)
        return f"arn:aws:states:us-east-1:123456789012:execution:Order:{name}"

    def describe(self, execution_arn: str) -> tuple[ExecutionStatus, dict[str, Any] | None]:
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return status, self.output if status is ExecutionStatus.SUCCEEDED else None


def _check(workflow: FakeWorkflow) -> OrderWorkflow:
    return workflow


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


def result(status: str = "FILLED", **extra: Any) -> dict[str, Any]:
    return {"status": status, "intent_id": "ip-x", "intent_state": "FILLED", "filled_count": "10.00", **extra}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price": "0.00"}, "price"),
        ({"price": "1.00"}, "price"),
        ({"price": 0.56}, "price"),
        ({"count": "0"}, "count"),
        ({"count": "-3"}, "count"),
        ({"side": "maybe"}, "side"),
        ({"market_ticker": ""}, "market_ticker"),
        ({"mode": "live"}, "confirm_live"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_orders_are_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ManualOrder.model_validate({**BODY, **change})
    assert field in str(caught.value)


@pytest.mark.parametrize("missing", ["market_ticker", "side", "price", "count"])
def test_missing_fields_are_named(missing: str) -> None:
    body = {key: value for key, value in BODY.items() if key != missing}
    with pytest.raises(ValidationError) as caught:
        ManualOrder.model_validate(body)
    assert missing in str(caught.value)


def test_live_needs_explicit_confirmation() -> None:
    order = ManualOrder.model_validate({**BODY, "mode": "live", "confirm_live": True})
    assert order.mode == "live"
    assert ManualOrder.model_validate(BODY).mode == "paper"  # paper is the default


def test_the_same_client_ref_is_the_same_intent() -> None:
    order = ManualOrder.model_validate({**BODY, "client_ref": "abc-1"})
    first = build_request(order, user_id="u1", now=NOW)
    again = build_request(order, user_id="u1", now=NOW.replace(hour=23))
    other_user = build_request(order, user_id="u2", now=NOW)
    assert first.intent_id == again.intent_id
    assert first.intent_id != other_user.intent_id
    no_ref = ManualOrder.model_validate(BODY)
    assert (
        build_request(no_ref, user_id="u1", now=NOW).intent_id
        != build_request(no_ref, user_id="u1", now=NOW).intent_id
    )


def test_a_finished_order_returns_its_result() -> None:
    clock = Clock()
    workflow = FakeWorkflow(
        [ExecutionStatus.RUNNING, ExecutionStatus.SUCCEEDED], result(average_fill_price="0.5600")
    )
    order = ManualOrder.model_validate({**BODY, "client_ref": "r1"})
    outcome = place_manual_order(
        order, user_id="u1", workflow=workflow, now=NOW, monotonic=clock.monotonic, sleep=clock.sleep
    )
    assert outcome.http_status == 200
    assert outcome.result is not None and outcome.result.average_fill_price == Decimal("0.56")
    (request,) = workflow.started.values()
    assert request.intent.price == Decimal("0.56") and request.intent.mode == "paper"


def test_an_order_still_working_after_the_wait_is_202() -> None:
    clock = Clock()
    workflow = FakeWorkflow([ExecutionStatus.RUNNING])
    outcome = place_manual_order(
        ManualOrder.model_validate(BODY),
        user_id="u1",
        workflow=workflow,
        now=NOW,
        max_wait_seconds=5,
        monotonic=clock.monotonic,
        sleep=clock.sleep,
    )
    assert outcome.http_status == 202 and outcome.status == "PENDING"
    assert clock.t >= 5


def test_a_refused_or_rejected_order_is_422_with_its_result() -> None:
    workflow = FakeWorkflow(
        [ExecutionStatus.SUCCEEDED],
        result("ERROR", intent_state="REJECTED", error={"code": "kill_switch", "message": "tripped"}),
    )
    outcome = place_manual_order(ManualOrder.model_validate(BODY), user_id="u1", workflow=workflow, now=NOW)
    assert outcome.http_status == 422
    assert outcome.result is not None and outcome.result.error is not None
    assert outcome.result.error.code == "kill_switch"


def test_a_failed_execution_is_502_never_a_made_up_result() -> None:
    workflow = FakeWorkflow([ExecutionStatus.FAILED])
    outcome = place_manual_order(ManualOrder.model_validate(BODY), user_id="u1", workflow=workflow, now=NOW)
    assert outcome.http_status == 502 and outcome.result is None and outcome.status == "ERROR"
