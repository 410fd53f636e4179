"""Kalshi-style token buckets: Read and Write budgets per user tier, plus the balance bucket.

Each request costs tokens (default 10; some endpoints 2; batch create 10 per item, batch cancel 2
per item). Buckets refill at ``refill_rate`` tokens/s up to ``bucket_capacity``; a request that
the bucket cannot cover is refused with HTTP 429 (nothing is charged). ``GET /portfolio/balance``
has its own bucket: 1 call/s on Basic and Advanced, 5/s above, no burst. Time comes from the
simulator clock, so tests control refills exactly. Arithmetic is in milli-tokens (integers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "DEFAULT_COST",
    "ENDPOINT_COSTS",
    "TIERS",
    "BucketLimit",
    "RateLimiter",
    "TierLimits",
    "TokenBucket",
    "tier_limits",
]

Budget = Literal["read", "write", "balance"]
DEFAULT_COST: Final = 10
ENDPOINT_COSTS: Final = (
    ("GET", "/trade-api/v2/portfolio/orders/{order_id}", 2),
    ("DELETE", "/trade-api/v2/portfolio/events/orders/{order_id}", 2),
    ("DELETE", "/trade-api/v2/portfolio/events/orders", 2),
    ("DELETE", "/trade-api/v2/portfolio/events/orders/batched", 2),
)
"""Non-default costs (``GET /account/endpoint_costs``); batch cancel is 2 per item."""

TIERS: Final = {
    "basic": (200, 100),
    "advanced": (300, 300),
    "expert": (600, 600),
    "premier": (1_000, 1_000),
    "paragon": (2_000, 2_000),
    "prime": (4_000, 4_000),
    "prestige": (12_000, 9_600),
}
"""Tokens per second (read, write). Expert and Prestige are [TP]/estimated values."""


@dataclass(frozen=True, slots=True)
class BucketLimit:
    refill_rate: int
    bucket_capacity: int

    def __post_init__(self) -> None:
        if self.refill_rate < 0 or self.bucket_capacity <= 0:
            raise ValueError("refill_rate must be >= 0 and bucket_capacity > 0")


@dataclass(frozen=True, slots=True)
class TierLimits:
    tier: str
    read: BucketLimit
    write: BucketLimit
    balance: BucketLimit


def tier_limits(tier: str) -> TierLimits:
    """Kalshi's documented budgets: Basic write holds 1 s of budget, higher tiers' write 2 s."""
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r}; one of {sorted(TIERS)}")
    read, write = TIERS[tier]
    write_capacity = write if tier == "basic" else 2 * write
    balance = 1 if tier in ("basic", "advanced") else 5
    return TierLimits(
        tier, BucketLimit(read, read), BucketLimit(write, write_capacity), BucketLimit(balance, balance)
    )


class TokenBucket:
    __slots__ = ("limit", "milli", "updated_ms")

    def __init__(self, limit: BucketLimit, now_ms: int) -> None:
        self.limit = limit
        self.milli = limit.bucket_capacity * 1000
        self.updated_ms = now_ms

    def _refill(self, now_ms: int) -> None:
        elapsed = now_ms - self.updated_ms
        if elapsed > 0:
            self.milli = min(self.limit.bucket_capacity * 1000, self.milli + elapsed * self.limit.refill_rate)
            self.updated_ms = now_ms

    def take(self, cost: int, now_ms: int) -> bool:
        self._refill(now_ms)
        if cost * 1000 > self.milli:
            return False
        self.milli -= cost * 1000
        return True

    def tokens(self, now_ms: int) -> float:
        self._refill(now_ms)
        return self.milli / 1000


class RateLimiter:
    """Buckets per (identity, budget). Identity is the user id, or ``ip:<addr>`` when anonymous."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._buckets: dict[tuple[str, Budget], TokenBucket] = {}
        self._overrides: dict[str, TierLimits] = {}

    def set_limits(self, identity: str, limits: TierLimits) -> None:
        self._overrides[identity] = limits
        for budget in ("read", "write", "balance"):
            self._buckets.pop((identity, budget), None)

    def limits(self, identity: str, tier: str) -> TierLimits:
        return self._overrides.get(identity) or tier_limits(tier)

    def allow(self, identity: str, tier: str, budget: Budget, cost: int, now_ms: int) -> bool:
        if not self.enabled:
            return True
        bucket = self._buckets.get((identity, budget))
        if bucket is None:
            limits = self.limits(identity, tier)
            limit = limits.read if budget == "read" else limits.write if budget == "write" else limits.balance
            bucket = self._buckets[(identity, budget)] = TokenBucket(limit, now_ms)
        return bucket.take(cost, now_ms)

    def reset(self) -> None:
        self._buckets.clear()
