"""Results, audit kinds and alerts for every outcome (pure)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from inplay.alerts.model import AlertKind, Mode, Severity
from inplay.audit.chain import AuditKind
from inplay.orders.intents import ErrorInfo, IntentState, TradingMode, new_intent
from inplay.orders.outcomes import alert_for, audit_key, audit_kind, result_of, unrecorded_result
from inplay.orders.workflow import ExecutionPolicy, OrderError, OrderRequest, Purpose, ResultStatus
from inplay.venues.base import Action, OutcomeSide

D = Decimal
T = datetime(2026, 1, 15, 1, 30, tzinfo=UTC)


def intent(state: IntentState, filled: str = "0", mode: TradingMode = TradingMode.PAPER, **extra: Any) -> Any:
    record = new_intent(
        user_id="u",
        bot_id="b",
        market_ticker="M",
        signal_id="s",
        leg="entry",
        decision_bucket=T,
        venue="kalshi",
        side=OutcomeSide.YES,
        action=Action.BUY,
        price=D("0.50"),
        count=D(10),
        mode=mode,
        now=T,
    )
    update: dict[str, Any] = {"status": state, "filled_count": D(filled), **extra}
    if D(filled) > 0:
        update.setdefault("average_fill_price", D("0.49"))
    return record.model_copy(update=update)


def test_a_filled_entry() -> None:
    result = result_of(intent(IntentState.FILLED, "10", fees=D("0.18")), ExecutionPolicy())
    assert (result.status, result.slippage, result.below_threshold, result.error) == (
        ResultStatus.FILLED,
        D("-0.010000"),
        False,
        None,
    )
    assert audit_kind(result) is AuditKind.ENTRY
    alert = alert_for(result, None, at=T, fallback_id="x")
    assert (alert.kind, alert.severity, alert.mode) == (AlertKind.TRADE_ENTRY, Severity.INFO, Mode.PAPER)
    assert re.fullmatch(r"[A-Za-z0-9:_.-]{1,128}", alert.alert_id)
    assert alert.alert_id == alert_for(result, None, at=T, fallback_id="y").alert_id  # stable per outcome


def test_an_exit_carries_pnl_after_fees() -> None:
    result = result_of(
        intent(IntentState.FILLED, "10", mode=TradingMode.LIVE, fees=D("0.10")),
        ExecutionPolicy(),
        purpose=Purpose.EXIT,
        realized_pnl=D("0.50"),
    )
    assert audit_kind(result) is AuditKind.EXIT
    alert = alert_for(result, None, at=T, fallback_id="x")
    assert alert.kind is AlertKind.TRADE_EXIT and alert.mode is Mode.LIVE
    assert alert.trade is not None and alert.trade.pnl == D("0.40")


def test_a_small_partial_is_flagged_and_warned() -> None:
    result = result_of(intent(IntentState.TIMED_OUT, "3"), ExecutionPolicy())
    assert result.status is ResultStatus.PARTIAL and result.below_threshold
    alert = alert_for(result, None, at=T, fallback_id="x")
    assert alert.severity is Severity.WARNING and "threshold" in (alert.description or "")


@pytest.mark.parametrize(
    ("state", "status"), [(IntentState.TIMED_OUT, "TIMEOUT"), (IntentState.CANCELLED, "CANCELLED")]
)
def test_nothing_filled_is_a_cancel(state: IntentState, status: str) -> None:
    result = result_of(intent(state), ExecutionPolicy())
    assert result.status.value == status and audit_kind(result) is AuditKind.CANCEL
    assert alert_for(result, None, at=T, fallback_id="x").kind is AlertKind.INFO


def test_refusals_warn_and_unknowns_page() -> None:
    refused = result_of(
        intent(IntentState.REJECTED, error=ErrorInfo(code="kill_switch", message="tripped")),
        ExecutionPolicy(),
    )
    assert refused.error == OrderError(code="kill_switch", message="tripped")
    assert audit_kind(refused) is AuditKind.ERROR
    assert alert_for(refused, None, at=T, fallback_id="x").severity is Severity.WARNING
    unknown = result_of(intent(IntentState.UNKNOWN), ExecutionPolicy())
    assert unknown.status is ResultStatus.ERROR and unknown.error is not None
    alert = alert_for(unknown, None, at=T, fallback_id="x")
    assert alert.severity is Severity.CRITICAL and "UNKNOWN" in alert.title
    assert audit_key(refused) != audit_key(unknown)


def test_without_an_intent_the_mode_is_never_understated() -> None:
    result = unrecorded_result(OrderError(code="InvalidStepInput", message="bad"), None, None)
    alert = alert_for(result, None, at=T, fallback_id="exec name!")
    assert alert.mode is Mode.LIVE and alert.severity is Severity.CRITICAL
    assert alert.alert_id == "order:exec_name_:NONE:ERROR"
    request = OrderRequest.model_validate(
        {
            "intent": {
                "user_id": "u",
                "bot_id": "b",
                "market_ticker": "M",
                "signal_id": "s",
                "decision_bucket": T.isoformat(),
                "side": "no",
                "action": "buy",
                "price": "0.4",
                "count": "1",
                "mode": "paper",
            }
        }
    )
    known = unrecorded_result(OrderError(code="StoreUnavailable"), request, request.intent_id)
    assert known.mode is TradingMode.PAPER and known.side is OutcomeSide.NO
    assert alert_for(known, request, at=T, fallback_id="x").mode is Mode.PAPER
