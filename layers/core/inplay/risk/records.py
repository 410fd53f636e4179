"""What the safety core records: kill-switch events, orphans, reconcile reports and heartbeats.

They live in the risk table (partition ``user_id``, sort ``sk``; see :mod:`inplay.store.risk`)
except heartbeats, which are system-wide (partition :data:`SYSTEM_USER`). Money is ``Decimal``,
times are aware UTC; every model is frozen and refuses unknown fields.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field

from inplay.money import Count, Dollars
from inplay.orders.intents import TradingMode
from inplay.venues.base import Action, OutcomeSide, UtcDatetime

__all__ = [
    "SYSTEM_USER",
    "USER_ID_PATTERN",
    "Finding",
    "FindingKind",
    "Heartbeat",
    "KillSwitchEvent",
    "KillTrigger",
    "OrphanKind",
    "OrphanRecord",
    "OrphanResolution",
    "ReconcileReport",
    "ReconcileTrigger",
    "orphan_id_for",
]

SYSTEM_USER: Final = "__system__"
"""The risk-table partition of system-wide items (heartbeats); never a real user id."""
USER_ID_PATTERN: Final = r"^[A-Za-z0-9_-]{1,128}$"
"""A user id: what the API accepts, what the functions take in commands, what a secret name may end in."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class KillTrigger(StrEnum):
    """Why a kill switch tripped."""

    DAILY_LOSS = "daily_loss"
    CONSECUTIVE_LOSSES = "consecutive_losses"
    DRAWDOWN = "drawdown"
    API_ERROR_RATE = "api_error_rate"
    SLIPPAGE_SPIKE = "slippage_spike"
    BALANCE_DROP = "balance_drop"
    STALE_GAME_FEED = "stale_game_feed"
    MARKET_PAUSED = "market_paused"
    MANUAL = "manual"


class KillSwitchEvent(_Model):
    """One trip, from the moment it happened until a person resets the switch.

    ``event_id`` is the trip's id (``ks-`` + the trip time in microseconds and the trigger), so
    the actions that follow a trip (cancel, flatten) are named after it and never run twice.
    """

    user_id: Annotated[str, Field(min_length=1)]
    event_id: Annotated[str, Field(min_length=1, max_length=128)]
    trigger: KillTrigger
    values: dict[str, str] = Field(default_factory=dict)
    """The readings that tripped it (``daily_loss``: ``"-52.10"``, ``limit``: ``"-50"`` …)."""
    reason: Annotated[str, Field(max_length=500)] = ""
    by: Annotated[str, Field(min_length=1, max_length=128)]
    """``system`` for an automatic trigger, else the user who pressed the button."""
    tripped_at: UtcDatetime
    close_positions: bool = True
    cancelled_orders: tuple[str, ...] = ()
    """Venue order ids cancelled because of this trip."""
    positions_closed: tuple[str, ...] = ()
    """Position ids a flattening order was sent for."""
    flatten_batch_id: str | None = None
    """The batch order workflow execution that closes the positions."""
    total_pnl: Dollars | None = None
    """Realized P&L (net of fees) of the flattening orders, once they finished."""
    resolved_at: UtcDatetime | None = None
    resolved_by: str | None = None
    resolution_notes: Annotated[str, Field(max_length=2000)] | None = None

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None


class OrphanKind(StrEnum):
    ORDER = "order"
    """A resting order on the venue that no intent owns."""
    POSITION = "position"
    """Venue contracts the store does not account for."""


class OrphanResolution(StrEnum):
    MANUAL_CLOSE = "MANUAL_CLOSE"
    """A person closed or cancelled it on the venue."""
    AUTO_CLOSE = "AUTO_CLOSE"
    """inplay closed or cancelled it."""
    FALSE_POSITIVE = "FALSE_POSITIVE"
    """It was ours after all (adopted later) or the venue's read was stale."""


def orphan_id_for(kind: OrphanKind, *, market_ticker: str, order_id: str | None = None) -> str:
    """One record per orphaned order (by venue order id) or per market for an orphaned position.

    A market whose orphan position was resolved and then shows a new one gets a second record,
    ``position:<ticker>:<detected at>`` (the reconciler adds the suffix): at most one unresolved
    position record per market at a time."""
    if kind is OrphanKind.ORDER:
        if not order_id:
            raise ValueError("an orphaned order needs its venue order id")
        return f"order:{order_id}"
    return f"position:{market_ticker}"


class OrphanRecord(_Model):
    user_id: Annotated[str, Field(min_length=1)]
    orphan_id: Annotated[str, Field(min_length=1, max_length=300)]
    kind: OrphanKind
    venue: Annotated[str, Field(min_length=1)]
    mode: TradingMode
    market_ticker: Annotated[str, Field(min_length=1)]
    order_id: str | None = None
    side: OutcomeSide
    action: Action | None = None
    size: Count
    """Contracts (remaining on the order, or the unaccounted holding)."""
    price: Dollars | None = None
    detected_at: UtcDatetime
    detected_by: Annotated[str, Field(max_length=128)] = ""
    """The reconcile report that found it."""
    resolved: bool = False
    resolved_at: UtcDatetime | None = None
    resolution: OrphanResolution | None = None
    notes: Annotated[str, Field(max_length=2000)] = ""


class ReconcileTrigger(StrEnum):
    SCHEDULE = "schedule"
    API = "api"
    BOT_START = "bot_start"
    BOT_STOP = "bot_stop"
    TEST = "test"


class FindingKind(StrEnum):
    ORPHAN_ORDER = "orphan_order"
    ORPHAN_POSITION = "orphan_position"
    ADOPTED_ORDER = "adopted_order"
    """A venue order carrying one of our intent ids that the store had not settled: now recorded."""
    GHOST_POSITION = "ghost_position"
    """The store holds a position the venue does not (closed only with venue evidence)."""
    QUANTITY_MISMATCH = "quantity_mismatch"
    PRICE_MISMATCH = "price_mismatch"
    INTENT_SETTLED = "intent_settled"
    """An UNKNOWN or stale intent settled from venue evidence."""
    REAUDITED = "reaudited"
    """A settled intent that had no audit record (a crash between Record and Audit) got one."""
    ORPHAN_RESOLVED = "orphan_resolved"


class Finding(_Model):
    kind: FindingKind
    market_ticker: str | None = None
    intent_id: str | None = None
    order_id: str | None = None
    position_id: str | None = None
    store: str | None = None
    """What the store says (a quantity, a price, a state) as text."""
    venue: str | None = None
    """What the venue says, as text."""
    action: Annotated[str, Field(max_length=200)] = ""
    """What this run did about it (``recorded``, ``alerted``, ``closed with venue fills`` …)."""
    critical: bool = False


class ReconcileReport(_Model):
    """One reconcile run for one user (and venue account). ``ok`` is False when the run aborted."""

    user_id: Annotated[str, Field(min_length=1)]
    report_id: Annotated[str, Field(min_length=1, max_length=128)]
    trigger: ReconcileTrigger
    venue: str
    mode: TradingMode
    started_at: UtcDatetime
    finished_at: UtcDatetime
    ok: bool
    aborted_reason: str | None = None
    venue_as_of: UtcDatetime | None = None
    """When the venue last validated the portfolio data this run read (Kalshi's user data time)."""
    venue_orders: Annotated[int, Field(ge=0)] = 0
    venue_positions: Annotated[int, Field(ge=0)] = 0
    store_positions: Annotated[int, Field(ge=0)] = 0
    intents_checked: Annotated[int, Field(ge=0)] = 0
    findings: tuple[Finding, ...] = ()

    @property
    def critical(self) -> bool:
        return not self.ok or any(finding.critical for finding in self.findings)


class Heartbeat(_Model):
    """A component saying it ran (and whether it ran cleanly)."""

    component: Annotated[str, Field(min_length=1, max_length=64)]
    at: UtcDatetime
    ok: bool = True
    details: dict[str, str] = Field(default_factory=dict)
