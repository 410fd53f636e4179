"""What the API (and operators) send to the ``kill_switch`` and ``reconciler`` functions, and
what comes back. The functions do the work; the API only validates, invokes and maps the reply.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from inplay.risk.records import USER_ID_PATTERN, ReconcileTrigger

__all__ = [
    "EmergencyStopRequest",
    "KillSwitchCommand",
    "KillSwitchReply",
    "KillSwitchStatus",
    "ReconcileCommand",
    "ReconcileReply",
    "ResetRequest",
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


def _reason(value: str) -> str:
    if not value.strip():
        raise ValueError("a reason is required")
    return value


class ResetRequest(_Model):
    """Body of ``POST /api/bot/kill-switch/reset``."""

    reason: Annotated[str, Field(min_length=1, max_length=500)]
    """Why it is safe to trade again (kept on the kill-switch event and in the audit trail)."""

    _check = field_validator("reason")(_reason)


class EmergencyStopRequest(_Model):
    """Body of ``POST /api/bot/emergency-stop``."""

    close_positions: bool = True
    """Also close every open position (reduce-only IOC orders with a price cap); false only
    cancels resting orders and blocks new ones."""
    reason: Annotated[str, Field(max_length=500)] = "emergency stop"


class KillSwitchStatus(StrEnum):
    TRIPPED = "tripped"
    """This command tripped the switch."""
    ALREADY_TRIPPED = "already_tripped"
    """It was tripped before; the earlier trip stands (its actions were re-enforced)."""
    RESET = "reset"
    NOT_TRIPPED = "not_tripped"
    """A reset of a switch that is not tripped (nothing changed)."""
    EVALUATED = "evaluated"


class KillSwitchCommand(_Model):
    """The ``kill_switch`` function's direct-invocation event (the schedule and the Fills stream
    send their own AWS events)."""

    command: Literal["emergency_stop", "reset", "evaluate"]
    user_id: Annotated[str, Field(pattern=USER_ID_PATTERN)]
    by: Annotated[str, Field(min_length=1, max_length=128)]
    reason: Annotated[str, Field(max_length=500)] = ""
    close_positions: bool = True


class KillSwitchReply(_Model):
    status: KillSwitchStatus
    state: Literal["ACTIVE", "TRIPPED"]
    event_id: str | None = None
    trigger: str | None = None
    reason: str | None = None
    cancelled_orders: int = 0
    positions_closing: int = 0
    breaches: tuple[str, ...] = ()


class ReconcileCommand(_Model):
    command: Literal["reconcile"] = "reconcile"
    user_id: Annotated[str, Field(pattern=USER_ID_PATTERN)]
    trigger: ReconcileTrigger = ReconcileTrigger.API


class ReconcileReply(_Model):
    reports: tuple[dict[str, Any], ...]
    """One :class:`~inplay.risk.records.ReconcileReport` (JSON) per venue account reconciled."""
