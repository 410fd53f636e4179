"""Kalshi error bodies → the typed errors of :mod:`inplay.venues.base`.

Wire shapes seen for non-2xx answers:

- nested (what Kalshi actually sends): ``{"error": {"code", "message", "details", "service"?}}``;
- flat (what the OpenAPI ``ErrorResponse`` schema says): ``{"code", "message", "details"}``;
- rate limit: ``{"error": "too many requests"}`` (a string), no ``Retry-After`` header;
- anything else (HTML from a proxy, empty body): kept as text, classified by status alone.

Classification looks at Kalshi's ``code`` first, then the HTTP status, so that e.g. a 409
``trading_is_paused`` is a pause and a 409 ``order_already_exists`` is a duplicate id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

from inplay.venues.base import (
    AuthenticationError,
    DuplicateClientOrderIdError,
    ExchangeUnavailableError,
    InsufficientBalanceError,
    MarketClosedError,
    NotFoundError,
    OrderRejectedError,
    PermissionDeniedError,
    RateLimitedError,
    TradingPausedError,
    VenueError,
)

__all__ = ["ErrorBody", "RequestKind", "error_from_response", "parse_error_body"]

VENUE: Final = "kalshi"
MAX_BODY_CHARS: Final = 2000

DUPLICATE_CODES: Final = frozenset(
    {"order_already_exists", "duplicate_client_order_id", "client_order_id_already_exists"}
)
PAUSED_CODES: Final = frozenset(
    {"trading_is_paused", "trading_paused", "exchange_paused", "market_paused", "exchange_inactive"}
)
CLOSED_CODES: Final = frozenset(
    {
        "market_closed",
        "market_not_open",
        "market_not_active",
        "market_settled",
        "market_inactive",
        "market_determined",
    }
)
BALANCE_CODES: Final = frozenset({"insufficient_balance", "insufficient_funds", "insufficient_buying_power"})
NOT_FOUND_CODES: Final = frozenset(
    {"not_found", "market_not_found", "order_not_found", "event_not_found", "series_not_found"}
)
AUTH_CODES: Final = frozenset(
    {"authentication_error", "unauthorized", "invalid_signature", "invalid_api_key"}
)
BALANCE_WORDS: Final = (
    "insufficient balance",
    "insufficient_balance",
    "insufficient funds",
    "insufficient_funds",
)
RATE_CODES: Final = frozenset({"too_many_requests", "rate_limited", "rate_limit_exceeded"})


class RequestKind(Enum):
    """What kind of call failed: an order mutation turns a generic 4xx into ``OrderRejectedError``."""

    READ = "read"
    ORDER_WRITE = "order_write"
    OTHER_WRITE = "other_write"


@dataclass(frozen=True, slots=True)
class ErrorBody:
    code: str | None
    message: str | None
    details: str | None
    text: str


def _str_or_none(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)


def parse_error_body(raw: bytes | str) -> ErrorBody:
    """Extract ``code``/``message``/``details`` from any of Kalshi's error shapes."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    text = text[:MAX_BODY_CHARS]
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return ErrorBody(code=None, message=text.strip() or None, details=None, text=text)
    if not isinstance(data, dict):
        return ErrorBody(code=None, message=_str_or_none(data), details=None, text=text)
    inner = data.get("error", data)
    if isinstance(inner, str):  # {"error": "too many requests"}
        return ErrorBody(code=None, message=inner, details=None, text=text)
    if not isinstance(inner, dict):
        return ErrorBody(code=None, message=_str_or_none(inner), details=None, text=text)
    code = _str_or_none(inner.get("code"))
    return ErrorBody(
        code=code.strip().lower() if code else None,
        message=_str_or_none(inner.get("message")),
        details=_str_or_none(inner.get("details")),
        text=text,
    )


def _retry_after(headers: dict[str, str]) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 <= seconds <= 3600 else None


def error_from_response(
    status: int,
    body: bytes | str,
    *,
    kind: RequestKind,
    headers: dict[str, str] | None = None,
    what: str = "",
) -> VenueError:
    """Build the typed error for a non-2xx answer. ``what`` names the call (``POST /portfolio/…``)."""
    parsed = parse_error_body(body)
    code = parsed.code
    detail_text = " ".join(filter(None, (code, parsed.message, parsed.details))).lower()
    message = parsed.message or f"HTTP {status}"
    if what:
        message = f"{what}: {message}"
    common: dict[str, Any] = {
        "venue": VENUE,
        "status": status,
        "code": code,
        "details": parsed.details,
        "body": parsed.text,
    }

    if status == 429 or code in RATE_CODES:
        return RateLimitedError(
            message, retry_after=_retry_after({k.lower(): v for k, v in (headers or {}).items()}), **common
        )
    if code in DUPLICATE_CODES:
        return DuplicateClientOrderIdError(message, **common)
    if code in PAUSED_CODES:
        return TradingPausedError(message, **common)
    if code in CLOSED_CODES:
        return MarketClosedError(message, **common)
    if code in BALANCE_CODES or any(word in detail_text for word in BALANCE_WORDS):
        return InsufficientBalanceError(message, **common)
    if status == 401 or code in AUTH_CODES:
        return AuthenticationError(message, **common)
    if status == 403:
        return PermissionDeniedError(message, **common)
    if status == 404 or code in NOT_FOUND_CODES:
        return NotFoundError(message, **common)
    if status >= 500:
        return ExchangeUnavailableError(message, **common)
    if kind is RequestKind.ORDER_WRITE:
        return OrderRejectedError(message, **common)
    return VenueError(message, **common)
