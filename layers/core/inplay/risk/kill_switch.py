"""The kill switch's persisted state (one item per user in the bots table, ``sk = "KILL_SWITCH"``).

An absent item means the switch was never tripped (ACTIVE). A TRIPPED switch blocks every new
order except the ones that only reduce exposure (``reduce_only``: the flattening orders a trip
itself sends); it never clears itself. Writes are conditional (see
:class:`KillSwitchControl`): only one trip wins, and a reset needs the switch to be TRIPPED.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final, Protocol

__all__ = [
    "KILL_SWITCH_SK",
    "KillSwitch",
    "KillSwitchControl",
    "KillSwitchState",
    "blocks_order",
    "kill_event_id",
]

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
    trigger: str | None = None
    """A :class:`~inplay.risk.records.KillTrigger` value while TRIPPED."""
    values: Mapping[str, str] = field(default_factory=dict)
    """The readings that tripped it."""
    by: str | None = None
    """Who tripped (``system`` or a user id) or, when ACTIVE after a reset, who reset it."""
    event_id: str | None = None
    """The :class:`~inplay.risk.records.KillSwitchEvent` of the current (or last) trip."""

    @property
    def tripped(self) -> bool:
        return self.state is KillSwitchState.TRIPPED


def blocks_order(switch: KillSwitch, *, reduce_only: bool) -> bool:
    """True when the switch refuses this order: tripped, and the order could add exposure."""
    return switch.tripped and not reduce_only


def kill_event_id(trigger: str, at: datetime) -> str:
    """The id of a trip: its time (µs since the epoch) and trigger; sortable, unique per user."""
    return f"ks-{int(at.timestamp() * 1_000_000):017d}-{trigger}"


class KillSwitchControl(Protocol):
    """The switch's writes (the ``kill_switch`` function and the API)."""

    def kill_switch(self, user_id: str) -> KillSwitch:
        """The switch, read consistently."""
        ...

    def trip(
        self,
        user_id: str,
        *,
        trigger: str,
        reason: str,
        values: Mapping[str, str],
        by: str,
        event_id: str,
        at: datetime,
    ) -> KillSwitch | None:
        """ACTIVE (or absent) → TRIPPED by one conditional write. Returns the new state, or
        ``None`` when the switch was already TRIPPED (the earlier trip stands; nothing written)."""
        ...

    def reset(self, user_id: str, *, reason: str, by: str, at: datetime) -> KillSwitch | None:
        """TRIPPED → ACTIVE by one conditional write; ``None`` when it was not TRIPPED."""
        ...
