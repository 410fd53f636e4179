"""``POST /api/bot/order``: a manual order through the same order workflow the strategy uses.

The request is validated here (every field named on error); the order itself is placed, confirmed,
recorded, audited and alerted by the Step Functions order workflow, started with the intent id as
the execution name. A repeated request with the same ``client_ref`` maps to the same intent id, so
it joins the execution already running (or finished) instead of placing a second order.

API Gateway cuts a REST integration at 29 s, so the route waits for the workflow at most
:data:`MAX_API_WAIT_SECONDS`; an order still working then is answered ``202`` with its intent id.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Final, Protocol, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from inplay.money import Count, Dollars
from inplay.orders.intents import TradingMode
from inplay.orders.workflow import (
    IntentSpec,
    OrderRequest,
    OrderResult,
    PolicyOverrides,
    Purpose,
    ResultStatus,
)
from inplay.venues.base import Action, OutcomeSide, TimeInForce

__all__ = [
    "MAX_API_WAIT_SECONDS",
    "ExecutionStatus",
    "ManualOrder",
    "ManualOrderOutcome",
    "OrderWorkflow",
    "StepFunctionsOrderWorkflow",
    "build_request",
    "place_manual_order",
]

MAX_API_WAIT_SECONDS: Final = 25
MIN_PRICE: Final = Decimal("0.01")
MAX_PRICE: Final = Decimal("0.99")
_REF_PATTERN: Final = r"^[A-Za-z0-9_-]{1,64}$"
UNKNOWN_MARKET_CODE: Final = "market_not_found"
"""The workflow's Reserve refuses a market the venue does not know with this code: a bad request."""


class ManualOrder(BaseModel):
    """The body of ``POST /api/bot/order``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    market_ticker: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Z0-9][A-Z0-9._-]*$")]
    side: OutcomeSide
    action: Action = Action.BUY
    price: Dollars
    """Price of the side traded, 0.01–0.99 dollars."""
    count: Count
    bot_id: Annotated[str, Field(min_length=1, max_length=128, pattern=_REF_PATTERN)] = "manual"
    mode: TradingMode = TradingMode.PAPER
    confirm_live: bool = False
    """A LIVE order needs this set: live money is never the result of a default."""
    time_in_force: TimeInForce = TimeInForce.GTC
    client_ref: Annotated[str, Field(pattern=_REF_PATTERN)] | None = None
    """Your idempotency key: the same ref (same user, bot, market, day) is the same order."""
    max_wait_seconds: Annotated[int, Field(ge=1, le=3600)] | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not MIN_PRICE <= self.price <= MAX_PRICE:
            raise ValueError(f"price must be between {MIN_PRICE} and {MAX_PRICE} dollars")
        if self.count <= 0:
            raise ValueError("count must be greater than 0")
        if self.mode is TradingMode.LIVE and not self.confirm_live:
            raise ValueError("a LIVE order needs confirm_live: true")
        return self


class ExecutionStatus(StrEnum):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    ABORTED = "ABORTED"


class OrderWorkflow(Protocol):
    """Starting and reading order executions (Step Functions, or a fake in tests)."""

    def start(self, name: str, request: OrderRequest) -> str:
        """Start an execution; return its ARN. An existing execution of that name is returned as is."""
        ...

    def describe(self, execution_arn: str) -> tuple[ExecutionStatus, dict[str, Any] | None]:
        """The execution's status and, when it succeeded, its output."""
        ...


class ManualOrderOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    http_status: int
    intent_id: str
    execution_arn: str
    result: OrderResult | None = None
    status: str
    """The result's status (FILLED, PARTIAL, …) or PENDING / ERROR when there is no result."""


def build_request(order: ManualOrder, *, user_id: str, now: datetime) -> OrderRequest:
    ref = order.client_ref or uuid.uuid4().hex
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    policy = PolicyOverrides(max_wait_seconds=order.max_wait_seconds) if order.max_wait_seconds else None
    return OrderRequest(
        intent=IntentSpec(
            user_id=user_id,
            bot_id=order.bot_id,
            market_ticker=order.market_ticker,
            signal_id=f"manual-{ref}",
            leg="manual",
            decision_bucket=day,
            side=order.side,
            action=order.action,
            price=order.price,
            count=order.count,
            mode=order.mode,
            time_in_force=order.time_in_force,
        ),
        purpose=Purpose.EXIT if order.action is Action.SELL else Purpose.ENTRY,
        reason="manual order",
        policy=policy,
    )


def place_manual_order(
    order: ManualOrder,
    *,
    user_id: str,
    workflow: OrderWorkflow,
    now: datetime,
    max_wait_seconds: float = MAX_API_WAIT_SECONDS,
    poll_seconds: float = 0.25,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> ManualOrderOutcome:
    request = build_request(order, user_id=user_id, now=now)
    arn = workflow.start(request.intent_id, request)
    deadline = monotonic() + max_wait_seconds
    while True:
        status, output = workflow.describe(arn)
        if status is not ExecutionStatus.RUNNING or monotonic() >= deadline:
            break
        sleep(poll_seconds)
    if status is ExecutionStatus.RUNNING:
        return ManualOrderOutcome(
            http_status=202, intent_id=request.intent_id, execution_arn=arn, status="PENDING"
        )
    if status is not ExecutionStatus.SUCCEEDED or output is None:
        # The workflow itself failed: the intent is UNKNOWN until reconciliation proves otherwise.
        return ManualOrderOutcome(
            http_status=502, intent_id=request.intent_id, execution_arn=arn, status="ERROR"
        )
    try:
        result = OrderResult.model_validate(output)
    except ValidationError:
        return ManualOrderOutcome(
            http_status=502, intent_id=request.intent_id, execution_arn=arn, status="ERROR"
        )
    http_status = 200
    if result.status is ResultStatus.ERROR:
        unknown_market = result.error is not None and result.error.code == UNKNOWN_MARKET_CODE
        http_status = 400 if unknown_market else 422
    return ManualOrderOutcome(
        http_status=http_status,
        intent_id=request.intent_id,
        execution_arn=arn,
        result=result,
        status=result.status,
    )


class StepFunctionsOrderWorkflow:
    """:class:`OrderWorkflow` on AWS Step Functions (or the local cloud's moto)."""

    def __init__(self, state_machine_arn: str, client: Any = None) -> None:
        self._arn = state_machine_arn
        self._client = client

    def _sfn(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.client("stepfunctions")
        return self._client

    def start(self, name: str, request: OrderRequest) -> str:
        sfn = self._sfn()
        try:
            response = sfn.start_execution(
                stateMachineArn=self._arn, name=name, input=request.model_dump_json(exclude_none=True)
            )
        except sfn.exceptions.ExecutionAlreadyExists:
            # The same intent was started before (a retried POST): join that execution.
            return self._execution_arn(name)
        return str(response["executionArn"])

    def describe(self, execution_arn: str) -> tuple[ExecutionStatus, dict[str, Any] | None]:
        import json

        response = self._sfn().describe_execution(executionArn=execution_arn)
        status = ExecutionStatus(response["status"])
        output = response.get("output")
        return status, (json.loads(output) if status is ExecutionStatus.SUCCEEDED and output else None)

    def _execution_arn(self, name: str) -> str:
        # arn:aws:states:<region>:<account>:stateMachine:<machine> → …:execution:<machine>:<name>
        prefix, machine = self._arn.split(":stateMachine:", 1)
        return f"{prefix}:execution:{machine}:{name}"
