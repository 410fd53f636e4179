"""Kalshi (Trade API v2, spec 3.34): signed REST client implementing :class:`inplay.venues.base.Venue`.

``KalshiClient`` targets production, demo or the local simulator by base URL;
``KalshiCredentials`` holds the API key id and private key (RSA or Ed25519) and never prints it.

Names are loaded on first use, so importing a submodule (``auth``, ``models``, ``errors``) does not
pay for httpx or the client.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inplay.venues.kalshi.auth import KalshiCredentials, KeyLoadError
    from inplay.venues.kalshi.client import (
        DEMO_BASE_URL,
        PRODUCTION_BASE_URL,
        KalshiClient,
        RecoveryPolicy,
        RetryPolicy,
        is_production_url,
        normalize_base_url,
    )
    from inplay.venues.kalshi.ratelimit import BASIC_LIMITS, BucketLimit, TierLimits

_EXPORTS = {
    "KalshiCredentials": "auth",
    "KeyLoadError": "auth",
    "DEMO_BASE_URL": "client",
    "PRODUCTION_BASE_URL": "client",
    "KalshiClient": "client",
    "RecoveryPolicy": "client",
    "RetryPolicy": "client",
    "is_production_url": "client",
    "normalize_base_url": "client",
    "BASIC_LIMITS": "ratelimit",
    "BucketLimit": "ratelimit",
    "TierLimits": "ratelimit",
}

__all__ = [
    "BASIC_LIMITS",
    "DEMO_BASE_URL",
    "PRODUCTION_BASE_URL",
    "BucketLimit",
    "KalshiClient",
    "KalshiCredentials",
    "KeyLoadError",
    "RecoveryPolicy",
    "RetryPolicy",
    "TierLimits",
    "is_production_url",
    "normalize_base_url",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
