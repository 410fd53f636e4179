"""The kill switch's persisted state (one item per user in the bots table, ``sk = "KILL_SWITCH"``).

An absent item means the switch was never tripped (ACTIVE). A TRIPPED switch blocks every new
order except the ones that only reduce exposure (``reduce_only``: the flattening orders a trip
itself sends); it never clears itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

__all__ = ["KILL_SWITCH_SK", "KillSwitch", "KillSwitchState", "blocks_order"]

KILL_SWITCH_SK: Final = "KILL_SWITCH"


class KillSwitchState(StrEnum):
    ACTIVE = "ACTIVE"
    """Trading allowed."""
    TRIPPED = "TRIPPED"
    """No new exposure until a person resets it (with a reason)."""


@dataclass(frozen=True, slots=True)
class KillSwitch:
    state: KillSwitchState = KillSwitchState.ACTIVE
    reason: str | None = None
    changed_at: datetime | None = None

    @property
    def tripped(self) -> bool:
        return self.state is KillSwitchState.TRIPPED


def blocks_order(switch: KillSwitch, *, reduce_only: bool) -> bool:
    """True when the switch refuses this order: tripped, and the order could add exposure."""
    return switch.tripped and not reduce_only
