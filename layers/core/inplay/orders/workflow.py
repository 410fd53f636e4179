"""The order workflow's contract: what a caller sends, what comes back, and the state between steps.

A caller (the strategy, ``POST /api/bot/order``) starts the Step Functions order workflow with an
:class:`OrderRequest` as input and the request's :attr:`~OrderRequest.intent_id` as the execution
name (AWS then refuses a duplicate start itself). The execution's output is an
:class:`OrderResult`. A batch (:class:`BatchRequest`) runs the same per-order states over its legs;
its execution name is :meth:`BatchRequest.batch_id` and its output a :class:`BatchResult`.

Between steps the workflow carries a :class:`WorkflowState`: the raw request, who is running it,
and the :class:`OrderProgress` each step returns (Step Functions stores it at ``$.order``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Annotated, Any, Final, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from inplay.audit.payloads import MarketSnapshot, RiskSnapshot
from inplay.money import Count, Dollars
from inplay.orders.intents import (
    IntentRecord,
    IntentState,
    TradingMode,
    intent_id_for,
    new_intent,
)
from inplay.risk.limits import PreTradeLimits
from inplay.sports.models import GameState
from inplay.venues.base import CLIENT_ORDER_ID_PATTERN, Action, OutcomeSide, TimeInForce, UtcDatetime

__all__ = [
    "DEFAULT_MAX_WAIT_SECONDS",
    "DEFAULT_PARTIAL_FILL_THRESHOLD",
    "DEFAULT_POLL_SECONDS",
    "MAX_BATCH_LEGS",
    "BatchRequest",
    "BatchResult",
    "BotConfig",
    "CancelReason",
    "ExecutionPolicy",
    "IntentSpec",
    "Next",
    "OrderError",
    "OrderProgress",
    "OrderRequest",
    "OrderResult",
    "PolicyOverrides",
    "Purpose",
    "ResultStatus",
    "StepError",
    "StepEvent",
    "StepName",
    "WorkflowState",
    "average_price",
    "is_below_threshold",
    "slippage_of",
    "status_of",
]

DEFAULT_MAX_WAIT_SECONDS: Final = 60
DEFAULT_POLL_SECONDS: Final = 1
DEFAULT_PARTIAL_FILL_THRESHOLD: Final = Decimal("0.8")
MAX_BATCH_LEGS: Final = 40
PRICE_PLACES: Final = Decimal("0.000001")
"""Averages and slippage are rounded (half-even) to 6 decimals, the finest Kalshi price."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ResultStatus(StrEnum):
    """The PRD's order outcomes (what the API and alerts show)."""

    FILLED = "FILLED"
    PARTIAL = "PARTIAL"
    """Some contracts filled, the rest was cancelled (by us at the deadline or threshold, or by
    the venue); ``below_threshold`` flags a fill smaller than the bot's partial-fill threshold."""
    CANCELLED = "CANCELLED"
    """Nothing filled; the venue cancelled it (an IOC/FOK with no liquidity, a post-only cross,
    a market pause)."""
    TIMEOUT = "TIMEOUT"
    """Nothing filled before the deadline; the order was cancelled and the cancel verified."""
    ERROR = "ERROR"
    """Refused before the venue (kill switch, limits, slippage), rejected by the venue, or UNKNOWN
    (the order may exist: ``intent_state`` says which; reconciliation settles UNKNOWN)."""


class Purpose(StrEnum):
    ENTRY = "entry"
    EXIT = "exit"


class StepName(StrEnum):
    RESERVE = "reserve"
    PLACE = "place"
    CHECK_FILL = "check_fill"
    CANCEL = "cancel"
    VERIFY_CANCEL = "verify_cancel"
    RECORD = "record"
    MARK_UNKNOWN = "mark_unknown"
    AUDIT = "audit"
    ALERT = "alert"


class Next(StrEnum):
    """Where the workflow goes after a step (its Choice states read ``$.order.next``)."""

    PLACE = "place"
    WAIT = "wait"
    CANCEL = "cancel"
    RECORD = "record"
    FINISH = "finish"
    """Nothing more to do with the venue: audit, alert, done."""


class CancelReason(StrEnum):
    TIMEOUT = "timeout"
    THRESHOLD = "threshold"
    """Filled at least the partial-fill threshold: the rest is not worth waiting for."""


class ExecutionPolicy(_Model):
    """How long to wait for a fill and when a partial fill is enough (per bot; defaults: 60 s, 1 s, 0.8)."""

    max_wait_seconds: Annotated[int, Field(ge=1, le=3600)] = DEFAULT_MAX_WAIT_SECONDS
    poll_seconds: Annotated[int, Field(ge=1, le=60)] = DEFAULT_POLL_SECONDS
    """Whole seconds: the Wait state's ``SecondsPath`` takes integers."""
    partial_fill_threshold: Annotated[Decimal, Field(gt=0, le=1)] = DEFAULT_PARTIAL_FILL_THRESHOLD

    @property
    def max_polls(self) -> int:
        """Fill checks before the deadline, counted so a fast clock (local tests) ends the loop too."""
        return max(1, math.ceil(self.max_wait_seconds / self.poll_seconds))

    def merged(self, overrides: PolicyOverrides | None) -> ExecutionPolicy:
        if overrides is None:
            return self
        return self.model_copy(update=overrides.model_dump(exclude_none=True))


class PolicyOverrides(_Model):
    """Per-request changes to the bot's :class:`ExecutionPolicy` (risk limits cannot be overridden)."""

    max_wait_seconds: Annotated[int, Field(ge=1, le=3600)] | None = None
    poll_seconds: Annotated[int, Field(ge=1, le=60)] | None = None
    partial_fill_threshold: Annotated[Decimal, Field(gt=0, le=1)] | None = None


class BotConfig(_Model):
    """A bot's order settings: risk limits plus its execution policy."""

    limits: PreTradeLimits = Field(default_factory=PreTradeLimits)
    policy: ExecutionPolicy = Field(default_factory=ExecutionPolicy)


class IntentSpec(_Model):
    """What the strategy decided; the intent id is derived from it (see ``intent_id_for``)."""

    user_id: Annotated[str, Field(min_length=1, max_length=128)]
    bot_id: Annotated[str, Field(min_length=1, max_length=128)]
    market_ticker: Annotated[str, Field(min_length=1, max_length=200)]
    signal_id: Annotated[str, Field(min_length=1, max_length=200)]
    leg: Annotated[str, Field(min_length=1, max_length=64)] = "entry"
    decision_bucket: UtcDatetime
    venue: Annotated[str, Field(min_length=1, max_length=32)] = "kalshi"
    side: OutcomeSide
    action: Action
    price: Dollars
    count: Count
    mode: TradingMode
    time_in_force: TimeInForce = TimeInForce.GTC
    post_only: bool = False
    reduce_only: bool = False
    signal_meta: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if not Decimal(0) < self.price < Decimal(1):
            raise ValueError(f"price must be strictly between 0 and 1 dollars, got {self.price}")
        if self.count <= 0:
            raise ValueError(f"count must be positive, got {self.count}")
        return self

    @property
    def intent_id(self) -> str:
        return intent_id_for(
            user_id=self.user_id,
            bot_id=self.bot_id,
            market_ticker=self.market_ticker,
            signal_id=self.signal_id,
            leg=self.leg,
            decision_bucket=self.decision_bucket,
        )

    def to_record(self, *, now: datetime, execution_arn: str | None) -> IntentRecord:
        return new_intent(
            user_id=self.user_id,
            bot_id=self.bot_id,
            market_ticker=self.market_ticker,
            signal_id=self.signal_id,
            leg=self.leg,
            decision_bucket=self.decision_bucket,
            venue=self.venue,
            side=self.side,
            action=self.action,
            price=self.price,
            count=self.count,
            mode=self.mode,
            now=now,
            time_in_force=self.time_in_force,
            post_only=self.post_only,
            reduce_only=self.reduce_only,
            signal_meta=self.signal_meta,
            execution_arn=execution_arn,
        )

    def same_terms(self, record: IntentRecord) -> bool:
        """Does a stored intent with this id carry these order terms (a retry, not a new decision)?"""
        return (
            record.market_ticker,
            record.venue,
            record.side,
            record.action,
            record.price,
            record.count,
            record.mode,
            record.time_in_force,
            record.post_only,
            record.reduce_only,
        ) == (
            self.market_ticker,
            self.venue,
            self.side,
            self.action,
            self.price,
            self.count,
            self.mode,
            self.time_in_force,
            self.post_only,
            self.reduce_only,
        )


class OrderRequest(_Model):
    """The workflow's input: the intent plus the context the audit record keeps."""

    intent: IntentSpec
    purpose: Purpose = Purpose.ENTRY
    reason: Annotated[str, Field(max_length=200)] | None = None
    """Why: the entry signal, or the exit rule (``take_profit``, ``kill_switch`` …)."""
    market: MarketSnapshot | None = None
    """The market as the strategy saw it; ``reference_price`` is the slippage check's anchor."""
    game: GameState | None = None
    confidence: dict[str, Decimal] = Field(default_factory=dict)
    risk: RiskSnapshot | None = None
    policy: PolicyOverrides | None = None

    @property
    def intent_id(self) -> str:
        """The execution name to start the workflow with."""
        return self.intent.intent_id


class BatchRequest(_Model):
    """Several orders at once (enter several markets, close many positions): one intent per leg."""

    legs: Annotated[tuple[OrderRequest, ...], Field(min_length=1, max_length=MAX_BATCH_LEGS)]

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        ids = [leg.intent_id for leg in self.legs]
        if len(set(ids)) != len(ids):
            raise ValueError("every leg of a batch needs its own intent (two legs share an intent id)")
        return self

    def batch_id(self) -> str:
        """The execution name: ``ib-`` + base32(SHA-256 of the sorted leg intent ids)[:20 bytes]."""
        material = json.dumps(["inplay-batch-v1", *sorted(leg.intent_id for leg in self.legs)])
        digest = hashlib.sha256(material.encode()).digest()[:20]
        return "ib-" + base64.b32encode(digest).decode().lower()


class OrderError(_Model):
    code: Annotated[str, Field(min_length=1, max_length=200)]
    message: Annotated[str, Field(max_length=2000)] = ""


class OrderResult(_Model):
    """The workflow's output (one per leg in a batch)."""

    status: ResultStatus
    intent_id: str | None
    intent_state: IntentState | None
    """The ledger's state: REJECTED/UNKNOWN tell the two kinds of ERROR apart (None: no intent)."""
    user_id: str | None = None
    bot_id: str | None = None
    market_ticker: str | None = None
    venue: str | None = None
    mode: TradingMode | None = None
    purpose: Purpose = Purpose.ENTRY
    side: OutcomeSide | None = None
    action: Action | None = None
    price: Dollars | None = None
    count: Count | None = None
    filled_count: Count = Decimal(0)
    average_fill_price: Dollars | None = None
    fees: Dollars = Decimal(0)
    slippage: Dollars | None = None
    """Average fill price minus the intent's price, signed so that positive is worse (per contract)."""
    realized_pnl: Dollars | None = None
    """P&L realized by this order's fills (exits), before fees."""
    below_threshold: bool = False
    """Filled, but less than the partial-fill threshold: recorded at its true size and flagged."""
    venue_order_id: str | None = None
    error: OrderError | None = None


class BatchResult(_Model):
    batch_id: str
    results: tuple[OrderResult, ...]


class StepError(BaseModel):
    """What a Catch stores at ``$.error``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    Error: str
    Cause: str = ""

    def message(self) -> str:
        """The Lambda error's message when ``Cause`` is the runtime's JSON, else the raw cause."""
        try:
            parsed = json.loads(self.Cause)
        except ValueError:
            return self.Cause[:2000]
        if isinstance(parsed, dict) and isinstance(parsed.get("errorMessage"), str):
            return str(parsed["errorMessage"])[:2000]
        return self.Cause[:2000]


class OrderProgress(_Model):
    """What the steps know about one order, carried at ``$.order``."""

    intent_id: Annotated[str, Field(pattern=CLIENT_ORDER_ID_PATTERN)] | None
    next: Next
    owner: str
    """The execution (batch: execution + leg) that may move this intent."""
    policy: ExecutionPolicy = Field(default_factory=ExecutionPolicy)
    venue_order_id: str | None = None
    polls: Annotated[int, Field(ge=0)] = 0
    deadline: UtcDatetime | None = None
    venue_filled: Count = Decimal(0)
    cancel_reason: CancelReason | None = None
    executable_price: Dollars | None = None
    """The book's executable price Reserve saw (the slippage check's reading)."""
    book: MarketSnapshot | None = None
    """The market at Reserve (kept for the audit record when the request carried none)."""
    result: OrderResult | None = None


class WorkflowState(BaseModel):
    """The state object between steps. ``request`` stays raw so an invalid one can still be reported."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    request: Any
    execution_name: str
    execution_id: str
    leg_index: int | None = None
    """Set in a batch (the Map's item index)."""
    order: OrderProgress | None = None
    error: StepError | None = None

    @property
    def owner(self) -> str:
        return self.execution_id if self.leg_index is None else f"{self.execution_id}#leg-{self.leg_index}"

    @property
    def in_batch(self) -> bool:
        return self.leg_index is not None


class StepEvent(BaseModel):
    """What the ``order_worker`` Lambda receives from every Task state."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    step: StepName
    state: WorkflowState


# ---------------------------------------------------------------------------------------------
# Outcome arithmetic (pure)


def _round(value: Decimal) -> Decimal:
    return value.quantize(PRICE_PLACES, rounding=ROUND_HALF_EVEN)


def average_price(pairs: list[tuple[Decimal, Decimal]]) -> Decimal | None:
    """Count-weighted average of ``(count, price)`` pairs, rounded to 6 decimals; None when empty."""
    total = sum((count for count, _ in pairs), Decimal(0))
    if total == 0:
        return None
    return _round(sum((count * price for count, price in pairs), Decimal(0)) / total)


def slippage_of(action: Action, intended: Decimal, average: Decimal | None) -> Decimal | None:
    """Per-contract slippage, positive = worse than intended (paid more, or received less)."""
    if average is None:
        return None
    return _round(average - intended if action is Action.BUY else intended - average)


def is_below_threshold(filled: Decimal, count: Decimal, threshold: Decimal) -> bool:
    return Decimal(0) < filled < count and filled < count * threshold


def status_of(intent: IntentRecord) -> ResultStatus:
    """The PRD status an intent's ledger state amounts to."""
    state = intent.status
    if state is IntentState.FILLED:
        return ResultStatus.FILLED
    if state in (IntentState.CANCELLED, IntentState.TIMED_OUT):
        if intent.filled_count > 0:
            return ResultStatus.PARTIAL
        return ResultStatus.TIMEOUT if state is IntentState.TIMED_OUT else ResultStatus.CANCELLED
    return ResultStatus.ERROR
