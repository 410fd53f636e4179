"""The paper/live switch (``POST /api/bot/paper-trading``).

Paper is the default. Going live needs ``confirmed=true``; the mode changes only while every bot
of the user is STOPPED or ERROR (one DynamoDB transaction with the bots' states, so no bot starts
in between). A change is logged at CRITICAL, audited (``MODE_CHANGE``) and alerted (critical).
Asking for the mode already set changes nothing and records nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Protocol

from pydantic import BaseModel, ConfigDict, StrictBool

from inplay.alerts import Alert, AlertField, AlertKind, AlertPublisher, Mode, Severity
from inplay.audit import AuditKind, AuditLog
from inplay.bots.lifecycle import BotRecord
from inplay.orders.intents import TradingMode

__all__ = [
    "LIVE_CONFIRMATION_MESSAGE",
    "CriticalLogger",
    "LiveConfirmationRequired",
    "ModeStore",
    "ModeSwitch",
    "PaperTradingRequest",
    "alert_mode",
    "switch_trading_mode",
]

LIVE_CONFIRMATION_MESSAGE: Final = (
    "Switching to live trading requires explicit confirmation. Set confirmed=true to acknowledge the risks."
)

log = logging.getLogger(__name__)


class PaperTradingRequest(BaseModel):
    """Body of ``POST /api/bot/paper-trading``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: StrictBool
    """True: paper trading (simulated fills). False: live trading with real money."""
    confirmed: StrictBool = False
    """Required (true) to switch to live."""

    @property
    def target(self) -> TradingMode:
        return TradingMode.PAPER if self.enabled else TradingMode.LIVE


class LiveConfirmationRequired(ValueError):
    def __init__(self) -> None:
        super().__init__(LIVE_CONFIRMATION_MESSAGE)


class CriticalLogger(Protocol):
    def critical(self, msg: str, *args: Any, **kwargs: Any) -> None: ...


class ModeStore(Protocol):
    def trading_mode(self, user_id: str) -> TradingMode: ...

    def bots(self, user_id: str) -> list[BotRecord]: ...

    def set_trading_mode(
        self, user_id: str, mode: TradingMode, *, expected: TradingMode, bots: list[BotRecord]
    ) -> None:
        """Raises ``inplay.store.bots.ModeChangeConflict`` when a bot is not idle."""
        ...


@dataclass(frozen=True, slots=True)
class ModeSwitch:
    previous: TradingMode
    current: TradingMode
    changed: bool
    problems: tuple[str, ...] = field(default=())
    """Audit or alert failures after the switch (the switch itself stands)."""


def alert_mode(mode: TradingMode) -> Mode:
    return Mode.LIVE if mode is TradingMode.LIVE else Mode.PAPER


def _alert(user_id: str, previous: TradingMode, current: TradingMode, at: datetime) -> Alert:
    live = current is TradingMode.LIVE
    return Alert(
        kind=AlertKind.MODE_CHANGE,
        severity=Severity.CRITICAL,
        mode=alert_mode(current),
        title="Switched to LIVE trading (real money)" if live else "Switched to PAPER trading",
        description=(
            "Bots started from now on place real orders with real money on the venue."
            if live
            else "Bots started from now on trade the paper account (simulated fills); "
            "live positions stay open on the venue."
        ),
        fields=(
            AlertField(name="From", value=previous.value.upper()),
            AlertField(name="To", value=current.value.upper()),
            AlertField(name="By", value=user_id),
        ),
        user_id=user_id,
        occurred_at=at,
        alert_id=f"mode:{user_id}:{int(at.timestamp() * 1_000_000)}",
    )


def switch_trading_mode(
    request: PaperTradingRequest,
    *,
    user_id: str,
    store: ModeStore,
    audit: AuditLog,
    alerts: AlertPublisher,
    now: datetime,
    logger: CriticalLogger | None = None,
) -> ModeSwitch:
    """Apply ``request``. Raises :class:`LiveConfirmationRequired` (live without confirmation)
    and ``ModeChangeConflict`` (a bot is not STOPPED/ERROR)."""
    target = request.target
    if target is TradingMode.LIVE and not request.confirmed:
        raise LiveConfirmationRequired
    previous = store.trading_mode(user_id)
    if previous is target:
        return ModeSwitch(previous, target, changed=False)
    store.set_trading_mode(user_id, target, expected=previous, bots=store.bots(user_id))
    (logger or log).critical(
        "trading mode switched from %s to %s by %s",
        previous.value,
        target.value,
        user_id,
        extra={"user_id": user_id, "from_mode": previous.value, "to_mode": target.value},
    )
    problems: list[str] = []
    try:
        audit.append(
            user_id,
            AuditKind.MODE_CHANGE,
            {
                "from": previous.value,
                "to": target.value,
                "by": user_id,
                "confirmed": request.confirmed,
                "at": now,
            },
            at=now,
        )
    except Exception as exc:  # the switch happened; a lost record is reported, never hidden
        log.exception("mode change audit failed for %s", user_id)
        problems.append(f"audit failed: {type(exc).__name__}: {exc}")
    try:
        alerts.publish(_alert(user_id, previous, target, now))
    except Exception as exc:
        log.exception("mode change alert failed for %s", user_id)
        problems.append(f"alert failed: {type(exc).__name__}: {exc}")
    return ModeSwitch(previous, target, changed=True, problems=tuple(problems))
