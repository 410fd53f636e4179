"""The Alert model: mode is required, content matches the kind, money stays Decimal, UTC times."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import ValidationError

from inplay.alerts.model import (
    ALERT_SCHEMA,
    Alert,
    AlertKind,
    MalformedAlertError,
    Mode,
    Severity,
    TradeDetails,
)


def test_mode_has_no_default(entry) -> None:
    fields = entry().model_dump()
    del fields["mode"]
    with pytest.raises(ValidationError, match="mode"):
        Alert.model_validate(fields)
    with pytest.raises(ValidationError):
        Alert.model_validate({**entry().model_dump(), "mode": "live"})  # exactly PAPER or LIVE


def test_round_trip_keeps_decimals_and_utc(entry) -> None:
    alert = entry()
    message = alert.to_message()
    document = json.loads(message)
    assert document["schema"] == ALERT_SCHEMA
    assert document["mode"] == "LIVE"
    assert document["trade"]["price"] == "0.5600"  # a dollar string, never a float
    assert document["trade"]["size"] == "10.00"
    assert document["trade"]["confidence"] == "0.72"
    assert document["occurred_at"] == "2026-11-24T23:15:30Z"
    back = Alert.from_message(message)
    assert back == alert
    assert isinstance(back.trade.price, Decimal) and back.trade.price == Decimal("0.56")


def test_times_are_aware_and_normalized_to_utc(entry) -> None:
    eastern = timezone(timedelta(hours=-5))
    alert = entry(occurred_at=datetime(2026, 11, 24, 18, 15, 30, tzinfo=eastern))
    assert alert.occurred_at.utcoffset() == timedelta(0)
    assert alert.occurred_at.hour == 23
    with pytest.raises(ValidationError, match="timezone"):
        entry(occurred_at=datetime(2026, 11, 24, 18, 15, 30))


@pytest.mark.parametrize("field", ["price", "size", "confidence"])
def test_floats_are_refused_for_money_and_confidence(field: str) -> None:
    values = {"market": "M", "side": "yes", "price": "0.5", "size": "1", "confidence": "0.5"}
    values[field] = 0.5 if field != "size" else 1.5
    with pytest.raises(ValidationError):
        TradeDetails.model_validate(values)


def test_trade_values_are_checked() -> None:
    with pytest.raises(ValidationError, match="between 0 and 1"):
        TradeDetails(market="M", side="yes", price=Decimal("1.2"), size=Decimal(1))
    with pytest.raises(ValidationError, match="size must be positive"):
        TradeDetails(market="M", side="yes", price=Decimal("0.5"), size=Decimal(0))
    with pytest.raises(ValidationError, match="between 0 and 1"):
        TradeDetails(market="M", side="yes", price=Decimal("0.5"), size=Decimal(1), confidence=Decimal("1.5"))
    loss = TradeDetails(market="M", side="no", price=Decimal("0.4"), size=Decimal(1), pnl=Decimal("-0.25"))
    assert loss.pnl == Decimal("-0.25")  # P&L may be negative


def test_kind_specific_content_is_required(entry, exit_alert, order_error) -> None:
    with pytest.raises(ValidationError, match="TRADE_ENTRY alert needs trade"):
        entry(trade=None)
    without_pnl = exit_alert("1.20").trade.model_copy(update={"pnl": None})
    with pytest.raises(ValidationError, match="TRADE_EXIT alert needs trade details with pnl"):
        Alert.model_validate({**exit_alert("1.20").model_dump(), "trade": without_pnl.model_dump()})
    with pytest.raises(ValidationError, match="ORDER_ERROR alert needs error"):
        Alert.model_validate({**order_error().model_dump(), "error": None})
    info = Alert(
        kind=AlertKind.INFO,
        severity=Severity.INFO,
        mode=Mode.PAPER,
        title="hello",
        occurred_at=entry().occurred_at,
    )
    assert info.trade is None and info.alert_id  # an id is minted when none is given


def test_unknown_fields_are_refused(entry) -> None:
    with pytest.raises(ValidationError, match="extra"):
        Alert.model_validate({**entry().model_dump(), "moed": "LIVE"})


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("{}", "kind"),
        ('{"schema": "inplay.alert/1", "kind": "TRADE_ENTRY"}', "mode"),
        ("not json", "not a valid alert"),
    ],
)
def test_from_message_raises_a_typed_error_naming_problems(message: str, expected: str) -> None:
    with pytest.raises(MalformedAlertError, match=expected):
        Alert.from_message(message)
