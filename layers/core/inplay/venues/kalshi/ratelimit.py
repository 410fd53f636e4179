"""Client-side token buckets mirroring Kalshi's (read, write, and the balance endpoint's own).

Kalshi bills every request in tokens (default 10; a few endpoints cost less, batches cost per
item) against two budgets refilled continuously: Read and Write. ``GET /portfolio/balance`` has a
separate one (1 call/s at Basic and Advanced, 5/s above, no burst). Capacities come from
``GET /account/limits``; until that answers we assume the Basic tier.

The buckets pace one process. Several Lambdas share the server's budget, so a 429 can still
come back; the client then drains its bucket and retries with backoff. Waiting is by debt: a
request takes its tokens at once (the balance may go negative) and sleeps until the debt is
repaid, so concurrent callers queue fairly.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from inplay.venues.base import Clock

__all__ = [
    "BASIC_LIMITS",
    "DEFAULT_COST",
    "Bucket",
    "BucketLimit",
    "RateLimiter",
    "TierLimits",
    "TokenBucket",
    "balance_limit_for_tier",
]

DEFAULT_COST: Final = 10
"""Tokens per request unless Kalshi lists the endpoint as cheaper (OAS ``default_cost``)."""


class Bucket(StrEnum):
    READ = "read"
    WRITE = "write"
    BALANCE = "balance"


@dataclass(frozen=True, slots=True)
class BucketLimit:
    refill_rate: float
    """Tokens added per second."""
    capacity: float
    """Most tokens the bucket holds (burst)."""

    def __post_init__(self) -> None:
        if self.refill_rate <= 0 or self.capacity <= 0:
            raise ValueError(f"bucket limits must be positive: {self}")


@dataclass(frozen=True, slots=True)
class TierLimits:
    tier: str
    read: BucketLimit
    write: BucketLimit
    balance: BucketLimit
    from_venue: bool = False
    """False when these are the documented defaults because ``GET /account/limits`` was unavailable."""


def balance_limit_for_tier(tier: str) -> BucketLimit:
    """1 call/s at Basic and Advanced, 5/s at every higher tier; one second of budget, no burst."""
    per_second = 1 if tier.strip().lower() in {"basic", "advanced", ""} else 5
    return BucketLimit(refill_rate=per_second, capacity=per_second)


BASIC_LIMITS: Final = TierLimits(
    tier="basic",
    read=BucketLimit(refill_rate=200, capacity=200),
    write=BucketLimit(refill_rate=100, capacity=100),
    balance=balance_limit_for_tier("basic"),
)
"""Kalshi's documented Basic budgets (tokens/s): 200 read, 100 write — 20 reads and 10 orders a second."""


class TokenBucket:
    """One token bucket paced on an injectable monotonic clock."""

    def __init__(self, limit: BucketLimit, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._limit = limit
        self._tokens = limit.capacity
        self._last = clock.monotonic()

    @property
    def limit(self) -> BucketLimit:
        return self._limit

    def _refill(self) -> None:
        now = self._clock.monotonic()
        elapsed = max(0.0, now - self._last)
        self._last = now
        self._tokens = min(self._limit.capacity, self._tokens + elapsed * self._limit.refill_rate)

    def tokens(self) -> float:
        with self._lock:
            self._refill()
            return self._tokens

    def reserve(self, cost: float) -> float:
        """Take ``cost`` tokens now; return the seconds to wait before sending (0 if none).

        A cost above the capacity is capped at the capacity (it could never be satisfied).
        """
        if cost <= 0:
            return 0.0
        with self._lock:
            self._refill()
            self._tokens -= min(cost, self._limit.capacity)
            return 0.0 if self._tokens >= 0 else -self._tokens / self._limit.refill_rate

    def drain(self) -> None:
        """The venue said 429: it sees less budget than we do, so start again from empty."""
        with self._lock:
            self._refill()
            self._tokens = min(self._tokens, 0.0)

    def reconfigure(self, limit: BucketLimit) -> None:
        with self._lock:
            self._refill()
            self._limit = limit
            self._tokens = min(self._tokens, limit.capacity)


class RateLimiter:
    """The three buckets of one Kalshi account, for one process."""

    def __init__(self, limits: TierLimits, clock: Clock) -> None:
        self._clock = clock
        self.limits = limits
        self._buckets = {
            Bucket.READ: TokenBucket(limits.read, clock),
            Bucket.WRITE: TokenBucket(limits.write, clock),
            Bucket.BALANCE: TokenBucket(limits.balance, clock),
        }

    def configure(self, limits: TierLimits) -> None:
        self.limits = limits
        self._buckets[Bucket.READ].reconfigure(limits.read)
        self._buckets[Bucket.WRITE].reconfigure(limits.write)
        self._buckets[Bucket.BALANCE].reconfigure(limits.balance)

    def bucket(self, bucket: Bucket) -> TokenBucket:
        return self._buckets[bucket]

    def acquire(self, bucket: Bucket, cost: float) -> float:
        """Reserve ``cost`` tokens and sleep until they are ours; returns the seconds slept."""
        wait = self._buckets[bucket].reserve(cost)
        if wait > 0:
            self._clock.sleep(wait)
        return wait

    def drain(self, bucket: Bucket) -> None:
        self._buckets[bucket].drain()

    def max_items(self, bucket: Bucket, cost_per_item: float) -> int:
        """How many items of a batch fit in one burst of ``bucket`` (at least 1)."""
        return max(1, int(self._buckets[bucket].limit.capacity // cost_per_item))
