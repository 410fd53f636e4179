"""What reached the simulator's Kalshi API: per-request records, counts and in-flight requests.

Tests use it to count what a client really sent (e.g. how many create-order requests arrived
and how each was answered) and to wait until every request the server accepted has finished —
a request held by injected latency may finish after the client has given up on it.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["RequestRecord", "Traffic"]

MAX_RECORDS: Final = 10_000


@dataclass(slots=True)
class RequestRecord:
    """One request to a Kalshi endpoint; ``status`` is what the handler answered (or would have,
    when ``dropped``), ``None`` until it finishes."""

    seq: int
    operation: str
    method: str
    received_ms: int
    user_id: str | None = None
    client_order_ids: tuple[str, ...] = ()
    status: int | None = None
    dropped: bool = False
    done: bool = False


class Traffic:
    """Thread-safe request log: the last ``max_records`` records, all-time counts, in-flight count."""

    def __init__(self, max_records: int = MAX_RECORDS) -> None:
        self._changed = threading.Condition()
        self._records: deque[RequestRecord] = deque(maxlen=max_records)
        self._counts: Counter[tuple[str, int | None, bool]] = Counter()
        self._seq = 0
        self._inflight = 0

    def begin(self, operation: str, method: str, now_ms: int) -> RequestRecord:
        with self._changed:
            self._seq += 1
            record = RequestRecord(self._seq, operation, method, now_ms)
            self._records.append(record)
            self._inflight += 1
            return record

    def finish(self, record: RequestRecord, status: int | None, *, dropped: bool = False) -> None:
        with self._changed:
            if record.done:
                return
            record.status, record.dropped, record.done = status, dropped, True
            self._counts[(record.operation, status, dropped)] += 1
            self._inflight -= 1
            self._changed.notify_all()

    @property
    def inflight(self) -> int:
        with self._changed:
            return self._inflight

    def wait_idle(self, timeout: float) -> bool:
        """Block until no request is being handled (or ``timeout`` seconds pass); True if idle."""
        with self._changed:
            return self._changed.wait_for(lambda: self._inflight == 0, timeout)

    def records(self, operation: str | None = None) -> list[RequestRecord]:
        with self._changed:
            return [r for r in self._records if operation is None or r.operation == operation]

    def count(self, operation: str | None = None, status: int | None = None) -> int:
        """Finished requests (all time) matching ``operation`` and/or answer ``status``."""
        with self._changed:
            return sum(
                n
                for (op, answered, _), n in self._counts.items()
                if (operation is None or op == operation) and (status is None or answered == status)
            )

    def clear(self) -> None:
        with self._changed:
            self._records.clear()
            self._counts.clear()

    def describe(self) -> dict[str, Any]:
        """``{total, inflight, operations: {op: {"201": n, "dropped 201": n, …}}}``."""
        with self._changed:
            operations: dict[str, dict[str, int]] = {}
            for (op, status, dropped), n in sorted(
                self._counts.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))
            ):
                key = ("dropped " if dropped else "") + ("error" if status is None else str(status))
                operations.setdefault(op, {})[key] = n
            return {
                "total": sum(self._counts.values()),
                "inflight": self._inflight,
                "operations": operations,
            }
