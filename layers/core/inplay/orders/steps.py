"""The order workflow's steps (one ``order_worker`` Lambda runs them; ``run_step`` dispatches).

Every step reads the :class:`~inplay.orders.workflow.WorkflowState`, does one thing, and returns
the next :class:`~inplay.orders.workflow.OrderProgress` (Audit and Alert return a receipt). Each
is safe to run again after a crash or a retry:

- **reserve** writes the intent (conditional create) or ADOPTS the existing one and continues
  from its state; refusals (kill switch, limits, slippage, bad config) move it PENDING → REJECTED.
- **place** moves PENDING → SUBMITTED *before* calling the venue (client order id = intent id),
  so a SUBMITTED intent is exactly one that may have reached the venue; a retry re-sends the same
  id and the venue answers with the existing order, never a second one.
- **check_fill / cancel / verify_cancel** read and cancel by venue order id (idempotent).
- **record** writes each venue fill once (and its position change, atomically), then the final
  transition; **mark_unknown** is the catch-all: PENDING (never sent) → REJECTED, anything
  the venue may hold → UNKNOWN, never "failed" without evidence.
- **audit** appends once per (intent, outcome); **alert** publishes with a deterministic id.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ValidationError
from pynamodb.exceptions import PynamoDBException

from inplay.alerts.publisher import AlertPublisher, AlertPublishError
from inplay.audit.payloads import MarketSnapshot, OrderAuditPayload
from inplay.audit.store import AuditContentionError
from inplay.orders.auditing import OrderAuditor
from inplay.orders.errors import (
    AlertPublishFailed,
    AmbiguousOutcome,
    AuditBusy,
    CancelNotConfirmed,
    FillsNotVisible,
    IntentConflict,
    InvalidStepInput,
    OrderStepError,
    RateLimited,
    StoreUnavailable,
    VenueFailure,
    VenueUnavailable,
)
from inplay.orders.fills import fill_record
from inplay.orders.intents import (
    TERMINAL_STATES,
    ErrorInfo,
    IntentLedger,
    IntentNotFound,
    IntentRecord,
    IntentState,
    TransitionRefused,
)
from inplay.orders.outcomes import alert_for, audit_key, audit_kind, error_info, result_of, unrecorded_result
from inplay.orders.workflow import (
    BotConfig,
    CancelReason,
    ExecutionPolicy,
    Next,
    OrderError,
    OrderProgress,
    OrderRequest,
    StepEvent,
    StepName,
    WorkflowState,
    average_price,
)
from inplay.risk.kill_switch import blocks_order
from inplay.risk.limits import check_limits, check_slippage
from inplay.store.bots import BotControls, InvalidBotSettings
from inplay.store.trades import TradeContentionError, TradeStore
from inplay.venues.base import (
    AmbiguousOutcomeError,
    AuthenticationError,
    ExchangeUnavailableError,
    InsufficientBalanceError,
    InvalidResponseError,
    MarketClosedError,
    MarketNotTradableError,
    NotFoundError,
    Order,
    OrderRejectedError,
    OrderStatus,
    RateLimitedError,
    TradingPausedError,
    Venue,
    VenueError,
)
from inplay.venues.factory import SecretUnavailableError, VenueConfigError, VenueProvider

__all__ = ["BOOK_DEPTH", "STEPS", "OrderDeps", "record_order", "run_step"]

BOOK_DEPTH: Final = 10
"""Levels of the book Reserve reads (and keeps for the audit record)."""
S = IntentState
_LIVE_AT_VENUE: Final = frozenset({S.SUBMITTED, S.RESTING, S.PARTIAL})


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class OrderDeps:
    """Everything the steps touch, behind protocols (tests and the local cloud inject their own)."""

    ledger: IntentLedger
    controls: BotControls
    trades: TradeStore
    audit: OrderAuditor
    alerts: AlertPublisher
    venues: VenueProvider
    now: Callable[[], datetime] = _utc_now


# ---------------------------------------------------------------------------------------------
# Helpers


def _request(state: WorkflowState) -> OrderRequest:
    try:
        return OrderRequest.model_validate(state.request)
    except ValidationError as exc:
        raise InvalidStepInput(f"invalid order request: {_summary(exc)}") from None


def _request_or_none(state: WorkflowState) -> OrderRequest | None:
    try:
        return OrderRequest.model_validate(state.request)
    except ValidationError:
        return None


def _summary(exc: ValidationError) -> str:
    problems = [f"{'.'.join(str(p) for p in e['loc']) or 'input'}: {e['msg']}" for e in exc.errors()[:5]]
    more = f" (+{exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
    return "; ".join(problems) + more


def _progress(state: WorkflowState) -> OrderProgress:
    if state.order is None or state.order.intent_id is None:
        raise InvalidStepInput("this step needs $.order with an intent id (set by Reserve)")
    return state.order


def _intent(deps: OrderDeps, intent_id: str) -> IntentRecord:
    intent = deps.ledger.get(intent_id, consistent=True)
    if intent is None:
        raise IntentConflict(f"intent {intent_id} is not in the ledger")
    return intent


def _purpose(state: WorkflowState) -> Any:
    request = _request_or_none(state)
    return request.purpose if request is not None else None


def _finish(
    progress: OrderProgress,
    intent: IntentRecord,
    state: WorkflowState,
    *,
    error: OrderError | None = None,
    realized_pnl: Decimal | None = None,
) -> OrderProgress:
    purpose = _purpose(state)
    kwargs: dict[str, Any] = {"realized_pnl": realized_pnl, "error": error}
    if purpose is not None:
        kwargs["purpose"] = purpose
    result = result_of(intent, progress.policy, **kwargs)
    return progress.model_copy(update={"next": Next.FINISH, "result": result})


def _refuse(
    deps: OrderDeps,
    progress: OrderProgress,
    intent: IntentRecord,
    state: WorkflowState,
    code: str,
    message: str,
) -> OrderProgress:
    """Before anything reached the venue: the intent becomes REJECTED with ``code``."""
    error = ErrorInfo(code=code, message=message[:2000])
    try:
        intent = deps.ledger.transition(
            intent.intent_id, intent.status, S.REJECTED, version=intent.version, now=deps.now(), error=error
        )
    except TransitionRefused:
        current = _intent(deps, intent.intent_id)
        if current.status is not S.REJECTED:
            raise IntentConflict(
                f"intent {intent.intent_id} moved to {current.status} while being refused"
            ) from None
        intent = current
    return _finish(progress, intent, state)


def _reached_threshold(filled: Decimal, count: Decimal, policy: ExecutionPolicy) -> bool:
    return filled > 0 and filled >= count * policy.partial_fill_threshold


def _venue(deps: OrderDeps, intent: IntentRecord) -> Venue:
    try:
        return deps.venues.venue_for(intent)
    except VenueConfigError as exc:
        raise VenueFailure(f"{exc.code}: {exc}") from None


_REJECTION_CODES: Final = (
    (InsufficientBalanceError, "insufficient_balance"),
    (MarketClosedError, "market_closed"),
    (TradingPausedError, "trading_paused"),
    (MarketNotTradableError, "market_not_tradable"),
    (NotFoundError, "not_found"),
    (AuthenticationError, "authentication"),
    (OrderRejectedError, "rejected"),
)


def _rejection_code(exc: VenueError) -> str:
    if exc.code:
        return exc.code
    for cls, code in _REJECTION_CODES:
        if isinstance(exc, cls):
            return code
    return "rejected"


# ---------------------------------------------------------------------------------------------
# Steps


def reserve(state: WorkflowState, deps: OrderDeps) -> OrderProgress:
    request = _request(state)
    spec = request.intent
    intent_id = spec.intent_id
    if not state.in_batch and state.execution_name != intent_id:
        raise InvalidStepInput(
            f"start the workflow with the intent id as execution name ({intent_id}), "
            f"not {state.execution_name!r}"
        )
    settings_problem: str | None = None
    try:
        config = deps.controls.bot_config(spec.user_id, spec.bot_id)
    except InvalidBotSettings as exc:
        config, settings_problem = None, str(exc)
    policy = (config.policy if config else ExecutionPolicy()).merged(request.policy)
    progress = OrderProgress(intent_id=intent_id, next=Next.FINISH, owner=state.owner, policy=policy)
    intent = spec.to_record(now=deps.now(), execution_arn=state.owner)
    if not deps.ledger.create(intent):
        intent = _intent(deps, intent_id)
        if not spec.same_terms(intent):
            error = OrderError(
                code="intent_mismatch",
                message=f"intent {intent_id} exists with other order terms; a new decision needs a new id",
            )
            return _finish(progress, intent, state, error=error)
        adopted = _adopt(progress, intent, state, deps)
        if adopted is not None:
            return adopted
    switch = deps.controls.kill_switch(spec.user_id)
    if blocks_order(switch, reduce_only=intent.reduce_only):
        return _refuse(
            deps,
            progress,
            intent,
            state,
            "kill_switch",
            f"kill switch tripped: {switch.reason or 'no reason given'}",
        )
    if not intent.reduce_only:
        block = deps.controls.market_block(spec.user_id, intent.market_ticker)
        if block is not None:
            return _refuse(
                deps,
                progress,
                intent,
                state,
                "market_blocked",
                f"new entries on {intent.market_ticker} are blocked: {block}",
            )
    if config is None and not intent.reduce_only:
        return _refuse(deps, progress, intent, state, "bot_settings_invalid", settings_problem or "")
    # Broken settings must not keep a position from being closed: reduce-only uses the defaults.
    config = config or BotConfig()
    # A reduce-only order can only shrink a holding (the venue caps it at the position), so the
    # per-order size and cost limits that guard new exposure do not stop a flatten.
    breach = (
        None
        if intent.reduce_only
        else check_limits(config.limits, action=intent.action, price=intent.price, count=intent.count)
    )
    if breach is not None:
        return _refuse(deps, progress, intent, state, breach.code, breach.message)
    try:
        venue = deps.venues.venue_for(intent)
    except VenueConfigError as exc:
        return _refuse(deps, progress, intent, state, exc.code, str(exc))
    try:
        book = venue.get_orderbook(intent.market_ticker, depth=BOOK_DEPTH)
    except NotFoundError as exc:
        return _refuse(deps, progress, intent, state, "market_not_found", str(exc))
    reference = (
        request.market.reference_price
        if request.market is not None and request.market.reference_price is not None
        else intent.price
    )
    executable, breach = check_slippage(
        config.limits, book, side=intent.side, action=intent.action, reference=reference
    )
    snapshot = MarketSnapshot(
        market_ticker=intent.market_ticker, observed_at=deps.now(), book=book, reference_price=executable
    )
    progress = progress.model_copy(update={"executable_price": executable, "book": snapshot})
    if breach is not None:
        return _refuse(deps, progress, intent, state, breach.code, breach.message)
    return progress.model_copy(update={"next": Next.PLACE})


def _adopt(
    progress: OrderProgress, intent: IntentRecord, state: WorkflowState, deps: OrderDeps
) -> OrderProgress | None:
    """Continue an intent that already exists (a retried Reserve, a re-run batch). None: check it."""
    if intent.status is S.PENDING:
        return None  # never sent: run the checks (PENDING → SUBMITTED in Place is the mutex)
    if intent.status in TERMINAL_STATES or intent.status is S.UNKNOWN:
        return _finish(progress, intent, state)
    if intent.execution_arn != progress.owner:
        error = OrderError(
            code="duplicate_intent",
            message=f"intent {intent.intent_id} is {intent.status} under another execution "
            f"({intent.execution_arn}); left to it and to reconciliation",
        )
        return _finish(progress, intent, state, error=error)
    if intent.status is S.SUBMITTED:
        return progress.model_copy(update={"next": Next.PLACE})
    deadline = deps.now() + timedelta(seconds=progress.policy.max_wait_seconds)
    return progress.model_copy(
        update={
            "next": Next.WAIT,
            "venue_order_id": intent.venue_order_id,
            "venue_filled": intent.filled_count,
            "deadline": deadline,
        }
    )


def place(state: WorkflowState, deps: OrderDeps) -> OrderProgress:
    progress = _progress(state)
    intent = _intent(deps, str(progress.intent_id))
    owner = progress.owner
    if intent.status is S.PENDING:
        switch = deps.controls.kill_switch(intent.user_id)
        if blocks_order(switch, reduce_only=intent.reduce_only):
            return _refuse(
                deps,
                progress,
                intent,
                state,
                "kill_switch",
                f"kill switch tripped: {switch.reason or 'no reason given'}",
            )
        try:
            venue = deps.venues.venue_for(intent)
        except VenueConfigError as exc:
            return _refuse(deps, progress, intent, state, exc.code, str(exc))
        try:
            intent = deps.ledger.transition(
                intent.intent_id,
                S.PENDING,
                S.SUBMITTED,
                version=intent.version,
                now=deps.now(),
                execution_arn=owner,
            )
        except TransitionRefused:
            intent = _intent(deps, intent.intent_id)
            if not (intent.status is S.SUBMITTED and intent.execution_arn == owner):
                return _adopt(progress, intent, state, deps) or _finish(progress, intent, state)
    elif intent.status is S.SUBMITTED and intent.execution_arn == owner:
        venue = _venue(deps, intent)  # a retried Place: the same client order id is sent again
    else:
        return _adopt(progress, intent, state, deps) or _finish(progress, intent, state)
    return _send(state, deps, progress, intent, venue)


def _send(
    state: WorkflowState, deps: OrderDeps, progress: OrderProgress, intent: IntentRecord, venue: Venue
) -> OrderProgress:
    try:
        ack = venue.place_order(intent.to_order_intent())
    except RateLimitedError as exc:
        raise RateLimited(str(exc)) from exc
    except ExchangeUnavailableError as exc:  # place_order raises it only when nothing was sent
        raise VenueUnavailable(str(exc)) from exc
    except AmbiguousOutcomeError as exc:
        raise AmbiguousOutcome(str(exc)) from exc
    except InvalidResponseError as exc:
        raise AmbiguousOutcome(f"unusable answer to the order: {exc}") from exc
    except (
        OrderRejectedError,
        InsufficientBalanceError,
        MarketNotTradableError,
        NotFoundError,
        AuthenticationError,
    ) as exc:
        return _refuse(deps, progress, intent, state, _rejection_code(exc), str(exc))
    except VenueError as exc:  # an error this code does not know: the order may exist
        raise AmbiguousOutcome(f"{type(exc).__name__}: {exc}") from exc
    policy = progress.policy
    deadline = deps.now() + timedelta(seconds=policy.max_wait_seconds)
    progress = progress.model_copy(
        update={"venue_order_id": ack.order_id, "venue_filled": ack.filled_count, "deadline": deadline}
    )
    if ack.status is not OrderStatus.RESTING:
        return progress.model_copy(update={"next": Next.RECORD})  # executed or cancelled: no Wait
    resting_state = S.PARTIAL if ack.filled_count > 0 else S.RESTING
    deps.ledger.transition(
        intent.intent_id,
        S.SUBMITTED,
        resting_state,
        version=intent.version,
        now=deps.now(),
        venue_order_id=ack.order_id,
        filled_count=ack.filled_count,
    )
    if _reached_threshold(ack.filled_count, intent.count, policy):
        return progress.model_copy(update={"next": Next.CANCEL, "cancel_reason": CancelReason.THRESHOLD})
    return progress.model_copy(update={"next": Next.WAIT})


def check_fill(state: WorkflowState, deps: OrderDeps) -> OrderProgress:
    progress = _progress(state)
    intent = _intent(deps, str(progress.intent_id))
    venue_order_id = progress.venue_order_id or intent.venue_order_id
    if venue_order_id is None:
        raise InvalidStepInput("check_fill needs the venue order id")
    venue = _venue(deps, intent)
    try:
        order = venue.get_order(venue_order_id)
    except NotFoundError as exc:
        raise VenueFailure(f"the venue does not know order {venue_order_id}: {exc}") from None
    polls = progress.polls + 1
    filled = order.filled_count
    if (
        order.status is OrderStatus.RESTING
        and filled > intent.filled_count
        and intent.status in (S.RESTING, S.PARTIAL)
    ):
        deps.ledger.transition(
            intent.intent_id,
            intent.status,
            S.PARTIAL,
            version=intent.version,
            now=deps.now(),
            filled_count=filled,
        )
    progress = progress.model_copy(
        update={"polls": polls, "venue_filled": filled, "venue_order_id": venue_order_id}
    )
    if order.status is not OrderStatus.RESTING:
        return progress.model_copy(update={"next": Next.RECORD})
    if _reached_threshold(filled, intent.count, progress.policy):
        return progress.model_copy(update={"next": Next.CANCEL, "cancel_reason": CancelReason.THRESHOLD})
    past_deadline = progress.deadline is not None and deps.now() >= progress.deadline
    if polls >= progress.policy.max_polls or past_deadline:
        return progress.model_copy(update={"next": Next.CANCEL, "cancel_reason": CancelReason.TIMEOUT})
    return progress.model_copy(update={"next": Next.WAIT})


def cancel(state: WorkflowState, deps: OrderDeps) -> OrderProgress:
    progress = _progress(state)
    intent = _intent(deps, str(progress.intent_id))
    if progress.venue_order_id is None:
        raise InvalidStepInput("cancel needs the venue order id")
    venue = _venue(deps, intent)
    # NotFound: no longer resting (filled or cancelled meanwhile); VerifyCancel reads which.
    with contextlib.suppress(NotFoundError):
        venue.cancel_order(progress.venue_order_id, market_ticker=intent.market_ticker)
    return progress.model_copy(update={"cancel_reason": progress.cancel_reason or CancelReason.TIMEOUT})


def verify_cancel(state: WorkflowState, deps: OrderDeps) -> OrderProgress:
    progress = _progress(state)
    intent = _intent(deps, str(progress.intent_id))
    if progress.venue_order_id is None:
        raise InvalidStepInput("verify_cancel needs the venue order id")
    venue = _venue(deps, intent)
    order = venue.get_order(progress.venue_order_id)
    if order.status is OrderStatus.RESTING:
        with contextlib.suppress(NotFoundError):
            venue.cancel_order(progress.venue_order_id, market_ticker=intent.market_ticker)
        raise CancelNotConfirmed(
            f"order {progress.venue_order_id} still rests after the cancel; cancelled again"
        )
    return progress.model_copy(update={"next": Next.RECORD, "venue_filled": order.filled_count})


def record(state: WorkflowState, deps: OrderDeps) -> OrderProgress:
    progress = _progress(state)
    intent = _intent(deps, str(progress.intent_id))
    venue = _venue(deps, intent)
    if progress.venue_order_id is not None:
        order = venue.get_order(progress.venue_order_id)
    else:
        found = venue.find_order_by_client_id(intent.intent_id, market_ticker=intent.market_ticker)
        if found is None:
            raise VenueFailure(f"no order carries client order id {intent.intent_id}")
        order = found
    if intent.status not in _LIVE_AT_VENUE | TERMINAL_STATES:  # PENDING/UNKNOWN: not ours to settle
        raise IntentConflict(f"intent {intent.intent_id} is {intent.status}; Record cannot settle it")
    intent, realized = record_order(deps, intent, venue, order, cancel_reason=progress.cancel_reason)
    return _finish(progress, intent, state, realized_pnl=realized)


def record_order(
    deps: OrderDeps,
    intent: IntentRecord,
    venue: Venue,
    order: Order,
    *,
    cancel_reason: CancelReason | None,
) -> tuple[IntentRecord, Decimal | None]:
    """Record a finished venue ``order`` of ``intent``: each fill once, then the final state.

    Returns the intent as stored and the P&L its fills realized (None: no fills). Used by the
    Record step and by reconciliation (:mod:`inplay.orders.settle`); an already terminal intent is
    left as it is (its fills are still made sure of).
    """
    if order.status is OrderStatus.RESTING:
        raise VenueFailure(f"order {order.order_id} still rests; only a finished order is recorded")
    fills = venue.get_fills(order_id=order.order_id, market_ticker=intent.market_ticker)
    fills = [fill for fill in fills if fill.order_id == order.order_id]
    shown = sum((fill.count for fill in fills), Decimal(0))
    if shown != order.filled_count:
        raise FillsNotVisible(
            f"order {order.order_id} reports {order.filled_count} filled, its fills show {shown}"
        )
    now = deps.now()
    records = [fill_record(fill, intent, recorded_at=now) for fill in fills]
    realized = sum((deps.trades.record_fill(one).fill.realized_pnl for one in records), Decimal(0))
    filled = order.filled_count
    if filled == intent.count:
        final = S.FILLED
    elif cancel_reason is CancelReason.TIMEOUT:
        final = S.TIMED_OUT
    else:
        final = S.CANCELLED
    if intent.status not in TERMINAL_STATES:
        intent = deps.ledger.transition(
            intent.intent_id,
            intent.status,
            final,
            version=intent.version,
            now=now,
            venue_order_id=order.order_id,
            filled_count=filled,
            average_fill_price=average_price([(one.count, one.price) for one in records]),
            fees=sum((one.fee for one in records), Decimal(0)),
        )
    return intent, (realized if records else None)


def mark_unknown(state: WorkflowState, deps: OrderDeps) -> OrderProgress:
    """Catch-all: what the venue may hold becomes UNKNOWN; what never left becomes REJECTED."""
    failure = state.error
    code = failure.Error[:200] if failure is not None else "Unknown"
    message = failure.message() if failure is not None else "a step failed without details"
    error = OrderError(code=code, message=message)
    request = _request_or_none(state)
    intent_id = state.order.intent_id if state.order is not None else (request.intent_id if request else None)
    progress = state.order or OrderProgress(intent_id=intent_id, next=Next.FINISH, owner=state.owner)
    intent = deps.ledger.get(intent_id, consistent=True) if intent_id else None
    if intent is None:
        result = unrecorded_result(error, request, intent_id)
        return progress.model_copy(update={"next": Next.FINISH, "result": result})
    info = ErrorInfo(code=code, message=message)
    target: IntentState | None = None
    if intent.status is S.PENDING:
        target = S.REJECTED  # PENDING means Place never marked it sent: nothing reached the venue
        info = ErrorInfo(code=f"not_sent:{code}"[:200], message=message)
    elif intent.status in _LIVE_AT_VENUE and intent.execution_arn == state.owner:
        target = S.UNKNOWN
    if target is not None:
        try:
            intent = deps.ledger.transition(
                intent.intent_id, intent.status, target, version=intent.version, now=deps.now(), error=info
            )
        except TransitionRefused:
            intent = _intent(deps, intent.intent_id)
    return _finish(progress, intent, state, error=OrderError(code=info.code, message=info.message))


def audit(state: WorkflowState, deps: OrderDeps) -> dict[str, Any]:
    progress = _progress_with_result(state)
    result = progress.result
    assert result is not None
    intent = deps.ledger.get(result.intent_id, consistent=True) if result.intent_id else None
    if intent is None:
        return {"skipped": "no intent was recorded, so there is no user chain to append to"}
    request = _request_or_none(state)
    payload = OrderAuditPayload(
        intent=intent,
        reason=(request.reason if request is not None else None)
        or (result.error.code if result.error else None),
        market=(request.market if request is not None and request.market is not None else progress.book),
        game=request.game if request is not None else None,
        confidence=dict(request.confidence) if request is not None else {},
        risk=request.risk if request is not None else None,
        error=error_info(result.error),
    )
    return deps.audit.append_once(
        key=audit_key(result), user_id=intent.user_id, kind=audit_kind(result), payload=payload
    )


def alert(state: WorkflowState, deps: OrderDeps) -> dict[str, Any]:
    progress = _progress_with_result(state)
    assert progress.result is not None
    message = alert_for(
        progress.result, _request_or_none(state), at=deps.now(), fallback_id=state.execution_name
    )
    try:
        message_id = deps.alerts.publish(message)
    except AlertPublishError as exc:
        raise AlertPublishFailed(str(exc)) from exc
    return {"alert_id": message.alert_id, "message_id": message_id}


def _progress_with_result(state: WorkflowState) -> OrderProgress:
    if state.order is None or state.order.result is None:
        raise InvalidStepInput("this step needs $.order.result")
    return state.order


Step = Callable[[WorkflowState, OrderDeps], OrderProgress | dict[str, Any]]

STEPS: Final[dict[StepName, Step]] = {
    StepName.RESERVE: reserve,
    StepName.PLACE: place,
    StepName.CHECK_FILL: check_fill,
    StepName.CANCEL: cancel,
    StepName.VERIFY_CANCEL: verify_cancel,
    StepName.RECORD: record,
    StepName.MARK_UNKNOWN: mark_unknown,
    StepName.AUDIT: audit,
    StepName.ALERT: alert,
}
"""The dispatch table (looked up on every call, so a test can wrap one step)."""


def run_step(event: Mapping[str, Any], deps: OrderDeps) -> dict[str, Any]:
    """Validate ``event``, run its step, and turn failures into the typed errors the ASL matches."""
    try:
        parsed = StepEvent.model_validate(event)
    except ValidationError as exc:
        raise InvalidStepInput(f"invalid step event: {_summary(exc)}") from None
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
    )

    try:
        output = STEPS[parsed.step](parsed.state, deps)
    except OrderStepError:
        raise
    except RateLimitedError as exc:
        raise RateLimited(str(exc)) from exc
    except ExchangeUnavailableError as exc:
        raise VenueUnavailable(str(exc)) from exc
    except AmbiguousOutcomeError as exc:
        raise AmbiguousOutcome(str(exc)) from exc
    except VenueError as exc:
        raise VenueFailure(f"{type(exc).__name__}: {exc}") from exc
    except (TransitionRefused, IntentNotFound) as exc:
        raise IntentConflict(str(exc)) from exc
    except (AuditContentionError, IdempotencyAlreadyInProgressError) as exc:
        raise AuditBusy(str(exc)) from exc
    except (
        PynamoDBException,
        BotoCoreError,
        ClientError,
        SecretUnavailableError,
        TradeContentionError,
        IdempotencyPersistenceLayerError,
    ) as exc:
        raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc
    return output.model_dump(mode="json") if isinstance(output, BaseModel) else dict(output)
