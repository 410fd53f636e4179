"""What an order's outcome becomes: its :class:`OrderResult`, its audit kind and its alert (pure)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from inplay.alerts.model import (
    Alert,
    AlertField,
    AlertKind,
    ErrorDetails,
    Mode,
    Severity,
    TradeAction,
    TradeDetails,
    TradeSide,
)
from inplay.audit.chain import AuditKind
from inplay.orders.intents import ErrorInfo, IntentRecord, IntentState, TradingMode
from inplay.orders.workflow import (
    ExecutionPolicy,
    OrderError,
    OrderRequest,
    OrderResult,
    Purpose,
    ResultStatus,
    is_below_threshold,
    slippage_of,
    status_of,
)

__all__ = ["alert_for", "audit_key", "audit_kind", "result_of", "unrecorded_result"]

_ALERT_ID_UNSAFE: Final = re.compile(r"[^A-Za-z0-9:_.-]")


def result_of(
    intent: IntentRecord,
    policy: ExecutionPolicy,
    *,
    purpose: Purpose = Purpose.ENTRY,
    realized_pnl: Decimal | None = None,
    error: OrderError | None = None,
) -> OrderResult:
    """The result an intent's ledger state shows. ``error`` explains an ERROR (else the intent's)."""
    status = status_of(intent)
    if status is ResultStatus.ERROR and error is None:
        error = (
            OrderError(code=intent.error.code, message=intent.error.message)
            if intent.error is not None
            else OrderError(code=intent.status.value.lower(), message=f"the intent is {intent.status.value}")
        )
    return OrderResult(
        status=status,
        intent_id=intent.intent_id,
        intent_state=intent.status,
        user_id=intent.user_id,
        bot_id=intent.bot_id,
        market_ticker=intent.market_ticker,
        venue=intent.venue,
        mode=intent.mode,
        purpose=purpose,
        side=intent.side,
        action=intent.action,
        price=intent.price,
        count=intent.count,
        filled_count=intent.filled_count,
        average_fill_price=intent.average_fill_price,
        fees=intent.fees,
        slippage=slippage_of(intent.action, intent.price, intent.average_fill_price),
        realized_pnl=realized_pnl,
        below_threshold=is_below_threshold(intent.filled_count, intent.count, policy.partial_fill_threshold),
        venue_order_id=intent.venue_order_id,
        error=error if status is ResultStatus.ERROR else None,
    )


def unrecorded_result(error: OrderError, request: OrderRequest | None, intent_id: str | None) -> OrderResult:
    """The result when no intent exists (an invalid request, or a failure before it was written)."""
    spec = request.intent if request is not None else None
    return OrderResult(
        status=ResultStatus.ERROR,
        intent_id=intent_id,
        intent_state=None,
        user_id=spec.user_id if spec else None,
        bot_id=spec.bot_id if spec else None,
        market_ticker=spec.market_ticker if spec else None,
        venue=spec.venue if spec else None,
        mode=spec.mode if spec else None,
        purpose=request.purpose if request is not None else Purpose.ENTRY,
        side=spec.side if spec else None,
        action=spec.action if spec else None,
        price=spec.price if spec else None,
        count=spec.count if spec else None,
        error=error,
    )


def audit_kind(result: OrderResult) -> AuditKind:
    """ENTRY/EXIT for fills, CANCEL when nothing filled, ERROR for refusals, rejections and unknowns."""
    if result.status in (ResultStatus.FILLED, ResultStatus.PARTIAL):
        return AuditKind.EXIT if result.purpose is Purpose.EXIT else AuditKind.ENTRY
    if result.status in (ResultStatus.CANCELLED, ResultStatus.TIMEOUT):
        return AuditKind.CANCEL
    return AuditKind.ERROR


def audit_key(result: OrderResult) -> str:
    """One audit record per (intent, outcome): a retried Audit task finds this key already used."""
    state = result.intent_state.value if result.intent_state else "NONE"
    code = result.error.code if result.error else ""
    return f"{result.intent_id}:{state}:{result.status.value}:{code}"


def error_info(error: OrderError | None) -> ErrorInfo | None:
    return ErrorInfo(code=error.code, message=error.message) if error is not None else None


def _mode(mode: TradingMode | None) -> Mode:
    # Unknown mode (an invalid request) is shown as LIVE: an alert must never understate the stakes.
    return Mode.PAPER if mode is TradingMode.PAPER else Mode.LIVE


def _alert_id(result: OrderResult, fallback: str) -> str:
    state = result.intent_state.value if result.intent_state else "NONE"
    raw = f"order:{result.intent_id or fallback}:{state}:{result.status.value}"
    return _ALERT_ID_UNSAFE.sub("_", raw)[:128]


def _confidence(request: OrderRequest | None) -> Decimal | None:
    if request is None:
        return None
    total = request.confidence.get("total")
    return total if total is not None and Decimal(0) <= total <= Decimal(1) else None


def alert_for(result: OrderResult, request: OrderRequest | None, *, at: datetime, fallback_id: str) -> Alert:
    """The alert for an order's outcome (``fallback_id`` names it when there is no intent id)."""
    mode = _mode(result.mode)
    market = result.market_ticker or "unknown market"
    fields: list[AlertField] = []
    if result.intent_id:
        fields.append(AlertField(name="Intent", value=result.intent_id, inline=False))
    if result.intent_state:
        fields.append(AlertField(name="Intent state", value=result.intent_state.value))
    common: dict[str, Any] = {
        "mode": mode,
        "user_id": result.user_id,
        "bot_id": result.bot_id,
        "occurred_at": at,
        "alert_id": _alert_id(result, fallback_id),
        "correlation_id": result.intent_id or fallback_id,
        "fields": tuple(fields),
    }
    filled = result.filled_count
    if result.status in (ResultStatus.FILLED, ResultStatus.PARTIAL) and result.side and result.action:
        price = result.average_fill_price or result.price or Decimal(0)
        exit_ = result.purpose is Purpose.EXIT
        trade = TradeDetails(
            market=market,
            side=TradeSide(result.side.value),
            action=TradeAction(result.action.value),
            price=price,
            size=filled,
            confidence=_confidence(request),
            pnl=((result.realized_pnl or Decimal(0)) - result.fees) if exit_ else None,
            fees=result.fees,
            venue=result.venue,
            reason=request.reason if request is not None else None,
        )
        partial = result.status is ResultStatus.PARTIAL
        title = (
            f"{'Exit' if exit_ else 'Entry'} {'partly ' if partial else ''}filled: "
            f"{result.action.value} {filled}/{result.count} {result.side.value.upper()} {market} @ {price}"
        )
        description = (
            f"Partial fill below the bot's threshold: recorded at its true size ({filled} of {result.count})."
            if result.below_threshold
            else None
        )
        return Alert(
            kind=AlertKind.TRADE_EXIT if exit_ else AlertKind.TRADE_ENTRY,
            severity=Severity.WARNING if result.below_threshold else Severity.INFO,
            title=title[:256],
            description=description,
            trade=trade,
            **common,
        )
    if result.status in (ResultStatus.CANCELLED, ResultStatus.TIMEOUT):
        verb = "timed out" if result.status is ResultStatus.TIMEOUT else "was cancelled by the venue"
        return Alert(
            kind=AlertKind.INFO,
            severity=Severity.INFO,
            title=f"Order {verb}, nothing filled: {market}"[:256],
            **common,
        )
    error = result.error or OrderError(code="error", message="the order ended in error")
    unknown = result.intent_state in (None, IntentState.UNKNOWN)
    context = {"market": market}
    if result.intent_id:
        context["intent_id"] = result.intent_id
    return Alert(
        kind=AlertKind.ORDER_ERROR,
        severity=Severity.CRITICAL if unknown else Severity.WARNING,
        title=(
            f"Order outcome UNKNOWN, reconciliation will settle it: {market}"
            if result.intent_state is IntentState.UNKNOWN
            else f"Order not placed ({error.code}): {market}"
        )[:256],
        error=ErrorDetails(
            error_type=error.code[:200], message=(error.message or error.code)[:4096], context=context
        ),
        **common,
    )
