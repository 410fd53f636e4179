"""Record that a component ran: the watchdog pages when these stop (see :mod:`inplay.risk.watchdog`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Protocol

from inplay.risk.records import Heartbeat

__all__ = ["HeartbeatSink", "record_heartbeat"]

log = logging.getLogger(__name__)


class HeartbeatSink(Protocol):
    def beat(self, heartbeat: Heartbeat) -> None: ...


def record_heartbeat(
    sink: HeartbeatSink,
    component: str,
    *,
    ok: bool = True,
    details: Mapping[str, object] | None = None,
    now: datetime | None = None,
) -> bool:
    """Write the heartbeat; never raise (a component that cannot beat is what the watchdog is for:
    it pages when the beats stop). Returns whether it was written."""
    beat = Heartbeat(
        component=component,
        at=(now or datetime.now(UTC)),
        ok=ok,
        details={key: str(value)[:200] for key, value in (details or {}).items()},
    )
    try:
        sink.beat(beat)
    except Exception as exc:  # a heartbeat must never fail the work it reports on
        log.warning("heartbeat of %s not recorded: %s", component, exc)
        return False
    return True
