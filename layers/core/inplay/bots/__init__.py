"""Bots: the lifecycle state machine (``lifecycle``), the start pre-flight (``preflight``) and the
paper/live trading-mode switch (``mode``). Storage is ``inplay.store.bots``; the HTTP side is
``inplay.api.bots``."""

from inplay.bots.lifecycle import (
    ACTIVE_STATES,
    BOT_ID_PATTERN,
    DEFAULT_BOT_ID,
    TRANSITIONS,
    BotRecord,
    BotState,
    BotStateConflict,
    sources_of,
)

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
