"""The paper/live switch."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from inplay.alerts import AlertKind, Mode, RecordingPublisher, Severity
from inplay.audit import InMemoryAuditLog
from inplay.bots import BotRecord, BotState
from inplay.bots.mode import (
    LIVE_CONFIRMATION_MESSAGE,
    LiveConfirmationRequired,
    ModeSwitch,
    PaperTradingRequest,
    switch_trading_mode,
)
from inplay.orders.intents import TradingMode
from inplay.store.bots import ModeChangeConflict

NOW = datetime(2026, 1, 15, 1, 30, tzinfo=UTC)


@dataclass
class Store:
    mode: TradingMode = TradingMode.PAPER
    records: list[BotRecord] = field(default_factory=list)

    def trading_mode(self, user_id: str) -> TradingMode:
        return self.mode

    def bots(self, user_id: str) -> list[BotRecord]:
        return list(self.records)

    def set_trading_mode(
        self, user_id: str, mode: TradingMode, *, expected: TradingMode, bots: list[BotRecord]
    ) -> None:
        if expected is not self.mode or any(b.state not in (BotState.STOPPED, BotState.ERROR) for b in bots):
            raise ModeChangeConflict("busy", bots=self.records, mode=self.mode)
        self.mode = mode


class BrokenPublisher:
    def publish(self, alert: object) -> str:
        raise RuntimeError("sns down")


def switch(request: PaperTradingRequest, store: Store, **kwargs: Any) -> ModeSwitch:
    audit = kwargs.pop("audit", InMemoryAuditLog())
    alerts = kwargs.pop("alerts", RecordingPublisher())
    return switch_trading_mode(request, user_id="u1", store=store, audit=audit, alerts=alerts, now=NOW)


def test_live_needs_confirmation_with_the_exact_message() -> None:
    store = Store()
    with pytest.raises(LiveConfirmationRequired) as refused:
        switch(PaperTradingRequest(enabled=False), store)
    assert str(refused.value) == LIVE_CONFIRMATION_MESSAGE
    assert LIVE_CONFIRMATION_MESSAGE == (
        "Switching to live trading requires explicit confirmation. "
        "Set confirmed=true to acknowledge the risks."
    )
    assert store.mode is TradingMode.PAPER


def test_a_switch_is_logged_critical_audited_and_alerted(caplog: pytest.LogCaptureFixture) -> None:
    store, audit, alerts = Store(), InMemoryAuditLog(), RecordingPublisher()
    with caplog.at_level(logging.INFO):
        result = switch(PaperTradingRequest(enabled=False, confirmed=True), store, audit=audit, alerts=alerts)
    assert result.changed and store.mode is TradingMode.LIVE
    [record] = list(audit.records("u1"))
    assert record.kind == "MODE_CHANGE"
    assert json.loads(record.payload) | {"at": None} == {
        "from": "paper",
        "to": "live",
        "by": "u1",
        "confirmed": True,
        "at": None,
    }
    [alert] = alerts.alerts
    assert (alert.kind, alert.severity, alert.mode) == (AlertKind.MODE_CHANGE, Severity.CRITICAL, Mode.LIVE)
    assert [r.levelname for r in caplog.records if "trading mode switched" in r.getMessage()] == ["CRITICAL"]


def test_back_to_paper_needs_no_confirmation_and_the_same_mode_records_nothing() -> None:
    store, audit, alerts = Store(TradingMode.LIVE), InMemoryAuditLog(), RecordingPublisher()
    assert switch(PaperTradingRequest(enabled=True), store, audit=audit, alerts=alerts).changed
    assert alerts.alerts[0].mode is Mode.PAPER
    again = switch(PaperTradingRequest(enabled=True), store, audit=audit, alerts=alerts)
    assert not again.changed
    assert len(list(audit.records("u1"))) == 1 and len(alerts.alerts) == 1


def test_refused_while_a_bot_is_not_stopped() -> None:
    store = Store(records=[BotRecord("u1", "b1", BotState.PAUSED), BotRecord("u1", "b2", BotState.ERROR)])
    with pytest.raises(ModeChangeConflict):
        switch(PaperTradingRequest(enabled=False, confirmed=True), store)
    assert store.mode is TradingMode.PAPER


def test_a_lost_alert_is_reported_and_the_switch_stands() -> None:
    store = Store()
    result = switch(PaperTradingRequest(enabled=False, confirmed=True), store, alerts=BrokenPublisher())
    assert store.mode is TradingMode.LIVE
    assert result.problems == ("alert failed: RuntimeError: sns down",)


def test_the_body_is_strict() -> None:
    with pytest.raises(ValidationError):
        PaperTradingRequest.model_validate({"enabled": "false"})
    with pytest.raises(ValidationError):
        PaperTradingRequest.model_validate({"enabled": True, "extra": 1})
