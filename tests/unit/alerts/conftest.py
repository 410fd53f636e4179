"""Alert builders for the alerts unit tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from inplay.alerts.model import Alert, AlertKind, ErrorDetails, Mode, Severity, TradeDetails

WHEN = datetime(2026, 11, 24, 23, 15, 30, tzinfo=UTC)


def _entry(mode: Mode = Mode.LIVE, **changes: Any) -> Alert:
    fields: dict[str, Any] = {
        "kind": AlertKind.TRADE_ENTRY,
        "severity": Severity.INFO,
        "mode": mode,
        "title": "Bought BOS to win",
        "occurred_at": WHEN,
        "user_id": "u-1",
        "bot_id": "bot-7",
        "correlation_id": "intent-abc",
        "trade": TradeDetails(
            market="KXNBAGAME-26NOV24NYBOS-BOS",
            side="yes",
            price=Decimal("0.5600"),
            size=Decimal("10"),
            confidence=Decimal("0.72"),
            venue="kalshi",
            event="NY @ BOS",
        ),
    }
    fields.update(changes)
    return Alert(**fields)


def _exit(pnl: str, mode: Mode = Mode.PAPER) -> Alert:
    return Alert(
        kind=AlertKind.TRADE_EXIT,
        severity=Severity.INFO,
        mode=mode,
        title="Closed BOS",
        occurred_at=WHEN,
        trade=TradeDetails(
            market="KXNBAGAME-26NOV24NYBOS-BOS",
            side="yes",
            action="sell",
            price=Decimal("0.68"),
            entry_price=Decimal("0.56"),
            size=Decimal("10"),
            pnl=Decimal(pnl),
            fees=Decimal("0.14"),
            reason="take_profit",
        ),
    )


def _order_error(message: str = "venue timed out after 10 s", **context: str) -> Alert:
    return Alert(
        kind=AlertKind.ORDER_ERROR,
        severity=Severity.CRITICAL,
        mode=Mode.LIVE,
        title="Order state unknown",
        description="The place call timed out; the reconciler will settle it.",
        occurred_at=WHEN,
        error=ErrorDetails(
            error_type="AmbiguousOutcomeError",
            message=message,
            context=context or {"intent": "intent-abc", "step": "Place"},
        ),
    )


@pytest.fixture
def entry() -> Any:
    """``entry(mode=Mode.LIVE, **changes)``: a trade-entry alert."""
    return _entry


@pytest.fixture
def exit_alert() -> Any:
    """``exit_alert(pnl, mode=Mode.PAPER)``: a trade-exit alert with that P&L."""
    return _exit


@pytest.fixture
def order_error() -> Any:
    """``order_error(message=..., **context)``: a critical LIVE order error."""
    return _order_error
