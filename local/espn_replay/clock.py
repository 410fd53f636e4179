"""Replay time: each game's time runs ``speed`` times faster than the wall clock from its start."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from local.espn_replay._time import ensure_utc

__all__ = ["Clock", "ReplayClock", "ReplayError", "system_clock"]

Clock = Callable[[], datetime]
"""Returns the current wall time, timezone-aware (tests inject a fake)."""


class ReplayError(ValueError):
    """A bad scenario, speed or request parameter for the replay."""


def system_clock() -> datetime:
    return datetime.now(UTC)


class ReplayClock:
    """``game seconds = (wall time − scheduled start) × speed`` (negative before the start)."""

    def __init__(self, speed: float, clock: Clock | None = None) -> None:
        if isinstance(speed, bool) or not isinstance(speed, int | float):
            raise ReplayError(f"speed must be a number, got {speed!r}")
        if not math.isfinite(speed) or speed <= 0:
            raise ReplayError(f"speed must be a finite number > 0, got {speed!r}")
        self.speed = float(speed)
        self._clock = clock or system_clock
        self.started_at = self.now()

    def now(self) -> datetime:
        try:
            return ensure_utc(self._clock())
        except (ValueError, AttributeError) as exc:
            raise ReplayError(f"the clock must return an aware datetime: {exc}") from exc

    def game_seconds(self, scheduled_start: datetime, now: datetime | None = None) -> float:
        moment = self.now() if now is None else ensure_utc(now)
        return (moment - scheduled_start).total_seconds() * self.speed

    def wall_time(self, scheduled_start: datetime, game_seconds: float) -> datetime:
        """When (wall clock) a game reaches ``game_seconds``."""
        return scheduled_start + timedelta(seconds=game_seconds / self.speed)

    def wall_elapsed(self, now: datetime | None = None) -> float:
        moment = self.now() if now is None else ensure_utc(now)
        return (moment - self.started_at).total_seconds()
