"""Injectable clocks and the US-Eastern arithmetic Kalshi's tickers and maintenance window need.

The engine never reads the wall clock itself: it asks a :class:`Clock`. Tests pass a
:class:`ManualClock` and move time explicitly, which makes expirations, token buckets, the weekly
maintenance pause and the market makers fully deterministic.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from typing import Final, Protocol

__all__ = [
    "Clock",
    "ManualClock",
    "SystemClock",
    "eastern_wall_time",
    "iso_ms",
    "maintenance_windows",
    "ms_to_datetime",
]

_EST: Final = timedelta(hours=-5)
_EDT: Final = timedelta(hours=-4)
MAINTENANCE_WEEKDAY: Final = 3  # Thursday
MAINTENANCE_START_HOUR: Final = 3
MAINTENANCE_END_HOUR: Final = 5


class Clock(Protocol):
    """Anything that tells the time in Unix milliseconds."""

    def now_ms(self) -> int: ...


class SystemClock:
    """The real clock."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class ManualClock:
    """A clock that only moves when told to (thread-safe)."""

    def __init__(self, start_ms: int | datetime = 1_795_000_000_000) -> None:
        if isinstance(start_ms, datetime):
            if start_ms.tzinfo is None:
                raise ValueError("ManualClock needs a timezone-aware datetime")
            start_ms = int(start_ms.timestamp() * 1000)
        self._now = int(start_ms)
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        with self._lock:
            return self._now

    def advance(self, ms: int) -> int:
        """Move forward by ``ms`` milliseconds (never backwards); returns the new time."""
        if ms < 0:
            raise ValueError("a clock does not go backwards")
        with self._lock:
            self._now += int(ms)
            return self._now

    def set(self, now_ms: int) -> None:
        with self._lock:
            if now_ms < self._now:
                raise ValueError("a clock does not go backwards")
            self._now = int(now_ms)


def ms_to_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def iso_ms(ms: int) -> str:
    """RFC 3339 UTC with milliseconds, as Kalshi writes timestamps (``2026-11-24T05:48:00.123Z``)."""
    return ms_to_datetime(ms).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _nth_sunday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))


def _eastern_offset(moment: datetime) -> timedelta:
    """US rules since 2007: EDT from the 2nd Sunday of March 07:00Z to the 1st Sunday of Nov 06:00Z."""
    year = moment.year
    start = datetime.combine(_nth_sunday(year, 3, 2), datetime.min.time(), UTC) + timedelta(hours=7)
    end = datetime.combine(_nth_sunday(year, 11, 1), datetime.min.time(), UTC) + timedelta(hours=6)
    return _EDT if start <= moment < end else _EST


def eastern_wall_time(ms: int) -> datetime:
    """Naive US-Eastern wall time of a Unix-ms instant (no tz database needed)."""
    moment = ms_to_datetime(ms)
    return (moment + _eastern_offset(moment)).replace(tzinfo=None)


def _eastern_to_utc(local: datetime) -> datetime:
    guess = local.replace(tzinfo=UTC) - _EST
    offset = _eastern_offset(guess)
    return local.replace(tzinfo=UTC) - offset


def maintenance_windows(now_ms: int, count: int = 4) -> list[tuple[datetime, datetime]]:
    """The current (if any) and next weekly windows: Thursday 03:00–05:00 US-Eastern, in UTC."""
    local = eastern_wall_time(now_ms)
    days_back = (local.weekday() - MAINTENANCE_WEEKDAY) % 7
    day = (local - timedelta(days=days_back)).date()
    windows: list[tuple[datetime, datetime]] = []
    now = ms_to_datetime(now_ms)
    while len(windows) < count:
        start = _eastern_to_utc(
            datetime.combine(day, datetime.min.time()).replace(hour=MAINTENANCE_START_HOUR)
        )
        end = _eastern_to_utc(datetime.combine(day, datetime.min.time()).replace(hour=MAINTENANCE_END_HOUR))
        if end > now:
            windows.append((start, end))
        day += timedelta(days=7)
    return windows


def in_maintenance(now_ms: int) -> bool:
    """True inside the weekly Thursday 03:00–05:00 ET trading pause."""
    local = eastern_wall_time(now_ms)
    return (
        local.weekday() == MAINTENANCE_WEEKDAY and MAINTENANCE_START_HOUR <= local.hour < MAINTENANCE_END_HOUR
    )
