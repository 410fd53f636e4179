"""Test-controlled fault injection for the Kalshi API surface (never the admin API).

Faults are counted and targeted, so a test says exactly what breaks:

- ``latency``: every matching request waits ``ms`` before it is handled;
- ``delay``: the next ``count`` matching requests wait ``ms`` before they are handled (a request
  that outlives the client's timeout is still performed, later);
- ``error``: the next ``count`` matching requests answer ``status`` (e.g. 503, 500, 429) —
  ``when="before"`` (default) refuses the request untouched, ``when="after"`` performs it first
  (the order *is* placed, the client sees an error);
- ``drop``: the next ``count`` matching requests are performed and their response is lost (the
  connection is closed without a status line, optionally after ``hold_ms``);
- ``stale_ms``: portfolio reads (balance, positions, orders, fills, settlements) show the state
  as it was that many milliseconds ago.

Matching is by operation name (the official SDK's method name, e.g. ``create_order_v2``,
``get_balance``; ``None``/``"*"`` = any operation).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any, Final, Literal

__all__ = ["DropFault", "ErrorFault", "FaultInjector"]

_DEFAULT_CODES: Final = {
    500: ("internal_server_error", "internal server error"),
    502: ("bad_gateway", "bad gateway"),
    503: ("service_unavailable", "service unavailable"),
    504: ("gateway_timeout", "gateway timeout"),
}


def _matches(target: str | None, operation: str) -> bool:
    return target in (None, "*", operation)


@dataclass(slots=True)
class ErrorFault:
    status: int
    remaining: int
    operation: str | None = None
    when: Literal["before", "after"] = "before"
    code: str | None = None
    message: str | None = None

    def body(self) -> dict[str, Any]:
        if self.status == 429:
            return {"error": "too many requests"}
        code, message = _DEFAULT_CODES.get(self.status, ("error", "injected error"))
        return {"error": {"code": self.code or code, "message": self.message or message}}


@dataclass(slots=True)
class DropFault:
    remaining: int
    operation: str | None = None
    hold_ms: int = 0


@dataclass(slots=True)
class Latency:
    ms: int
    operation: str | None = None


@dataclass(slots=True)
class Delay:
    ms: int
    remaining: int
    operation: str | None = None


class FaultInjector:
    """Thread-safe registry of pending faults."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._errors: list[ErrorFault] = []
        self._drops: list[DropFault] = []
        self._latency: list[Latency] = []
        self._delays: list[Delay] = []
        self.stale_ms = 0
        self.injected = 0

    def add_error(
        self,
        status: int,
        count: int = 1,
        operation: str | None = None,
        when: Literal["before", "after"] = "before",
        code: str | None = None,
        message: str | None = None,
    ) -> None:
        if not 400 <= status <= 599:
            raise ValueError("injected status must be 4xx or 5xx")
        if count < 1:
            raise ValueError("count must be at least 1")
        if when not in ("before", "after"):
            raise ValueError("when must be 'before' or 'after'")
        with self._lock:
            self._errors.append(ErrorFault(status, count, operation, when, code, message))

    def add_drop(self, count: int = 1, operation: str | None = "create_order_v2", hold_ms: int = 0) -> None:
        if count < 1 or hold_ms < 0:
            raise ValueError("count must be >= 1 and hold_ms >= 0")
        with self._lock:
            self._drops.append(DropFault(count, operation, hold_ms))

    def set_latency(self, ms: int, operation: str | None = None) -> None:
        if ms < 0:
            raise ValueError("latency must not be negative")
        with self._lock:
            self._latency = [lat for lat in self._latency if lat.operation != operation]
            if ms:
                self._latency.append(Latency(ms, operation))

    def add_delay(self, ms: int, count: int = 1, operation: str | None = None) -> None:
        if ms < 0 or count < 1:
            raise ValueError("delay must not be negative and count must be at least 1")
        with self._lock:
            self._delays.append(Delay(ms, count, operation))

    def set_stale(self, ms: int) -> None:
        if ms < 0:
            raise ValueError("stale_ms must not be negative")
        self.stale_ms = ms

    def latency_for(self, operation: str) -> int:
        """Milliseconds to hold this request: standing latency plus the first matching delay."""
        with self._lock:
            total = sum(lat.ms for lat in self._latency if _matches(lat.operation, operation))
            for delay in self._delays:
                if _matches(delay.operation, operation):
                    delay.remaining -= 1
                    if delay.remaining == 0:
                        self._delays.remove(delay)
                    self.injected += 1
                    total += delay.ms
                    break
            return total

    def take_error(self, operation: str, when: Literal["before", "after"]) -> ErrorFault | None:
        with self._lock:
            for fault in self._errors:
                if fault.when == when and _matches(fault.operation, operation):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._errors.remove(fault)
                    self.injected += 1
                    return fault
        return None

    def take_drop(self, operation: str) -> DropFault | None:
        with self._lock:
            for fault in self._drops:
                if _matches(fault.operation, operation):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._drops.remove(fault)
                    self.injected += 1
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._errors.clear()
            self._drops.clear()
            self._latency.clear()
            self._delays.clear()
            self.stale_ms = 0

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {
                "latency": [asdict(lat) for lat in self._latency],
                "delays": [asdict(delay) for delay in self._delays],
                "errors": [asdict(err) for err in self._errors],
                "drops": [asdict(drop) for drop in self._drops],
                "stale_ms": self.stale_ms,
                "injected": self.injected,
            }
