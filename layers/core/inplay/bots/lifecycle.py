"""A bot's persisted state machine.

::

    STOPPED ──start──▶ STARTING ──pre-flight ok──▶ RUNNING ◀──resume── PAUSED
       ▲                 │  │                        │ ──pause──────────▶ │
       │      refused ◀──┘  └──crash──▶ ERROR ◀──────┴────────────────────┘
       │                                  │
       └──────── STOPPING ◀──stop── (STARTING, RUNNING, PAUSED, ERROR, STOPPING)

A bot with no record is STOPPED. RUNNING bots enter and exit; PAUSED bots only manage their exits;
every other state trades nothing. Stopping reconciles and keeps the positions open. ERROR is left
by starting again (after the cause is fixed) or by stopping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final

from inplay.orders.intents import TradingMode

__all__ = [
    "ACTIVE_STATES",
    "BOT_ID_PATTERN",
    "DEFAULT_BOT_ID",
    "TRANSITIONS",
    "BotRecord",
    "BotState",
    "BotStateConflict",
    "sources_of",
]

DEFAULT_BOT_ID: Final = "default"
BOT_ID_PATTERN: Final = r"^[A-Za-z0-9_-]{1,64}$"


class BotState(StrEnum):
    STOPPED = "STOPPED"
    STARTING = "STARTING"
    """Pre-flight checks are running; nothing trades yet."""
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    """No new entries; open positions are still managed (exits)."""
    STOPPING = "STOPPING"
    """Reconciling before STOPPED; nothing trades."""
    ERROR = "ERROR"
    """Stopped by a failure (``reason`` says which); start again or stop."""


ACTIVE_STATES: Final = frozenset({BotState.RUNNING, BotState.PAUSED})
"""The states the strategy evaluates."""

_S = BotState
TRANSITIONS: Final[Mapping[BotState, frozenset[BotState]]] = {
    _S.STOPPED: frozenset({_S.STARTING}),
    _S.STARTING: frozenset({_S.RUNNING, _S.STOPPED, _S.STOPPING, _S.ERROR}),
    _S.RUNNING: frozenset({_S.PAUSED, _S.STOPPING, _S.ERROR}),
    _S.PAUSED: frozenset({_S.RUNNING, _S.STOPPING, _S.ERROR}),
    _S.STOPPING: frozenset({_S.STOPPED, _S.STOPPING}),
    _S.ERROR: frozenset({_S.STARTING, _S.STOPPING}),
}
"""Every allowed move (``STOPPING → STOPPING``: a stop interrupted half-way may be run again)."""


def sources_of(target: BotState) -> frozenset[BotState]:
    """The states from which ``target`` may be entered."""
    return frozenset(state for state, targets in TRANSITIONS.items() if target in targets)


@dataclass(frozen=True, slots=True)
class BotRecord:
    """One bot as stored (its ``BOT#<bot_id>`` item). Satisfies the strategy's ``RunningBot``."""

    user_id: str
    bot_id: str
    state: BotState = BotState.STOPPED
    settings: Mapping[str, str] = field(default_factory=dict)
    """Strategy and order settings, as strings (see ``inplay.strategy.model.StrategyParams`` and
    ``inplay.store.bots.config_from_settings``)."""
    reason: str | None = None
    """Why it is in this state (a refused start's failing checks, an error …)."""
    changed_at: datetime | None = None
    by: str | None = None
    """Who moved it last (a user id, ``strategy``, …)."""
    mode: TradingMode | None = None
    """The trading mode it was started in (None before its first start)."""
    stored: bool = True
    """False for a bot that has no record yet (it is STOPPED)."""

    @property
    def paused(self) -> bool:
        return self.state is BotState.PAUSED

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    def as_json(self) -> dict[str, object]:
        return {
            "bot_id": self.bot_id,
            "state": self.state.value,
            "reason": self.reason,
            "changed_at": self.changed_at.isoformat() if self.changed_at else None,
            "by": self.by,
            "mode": self.mode.value if self.mode else None,
            "settings": dict(self.settings),
        }


class BotStateConflict(Exception):
    """The bot is not in a state the change may start from; ``current`` is what is stored now."""

    def __init__(self, current: BotRecord, target: BotState, message: str | None = None) -> None:
        super().__init__(
            message
            or f"bot {current.bot_id} is {current.state.value}; it cannot become {target.value} from there"
        )
        self.current = current
        self.target = target
