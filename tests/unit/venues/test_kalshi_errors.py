"""Kalshi error bodies (nested, flat, plain 429, non-JSON) → typed errors."""

from __future__ import annotations

import json

import pytest

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
from inplay.venues.kalshi.errors import RequestKind, error_from_response, parse_error_body

NESTED_AUTH = json.dumps(
    {
        "error": {
            "code": "authentication_error",
            "message": "authentication_error",
            "details": "rpc error: code = Unauthenticated desc = INCORRECT_API_KEY_SIGNATURE",
        }
    }
)


def test_parse_nested_flat_plain_and_text_bodies():
    nested = parse_error_body(NESTED_AUTH)
    assert nested.code == "authentication_error"
    assert nested.details and "INCORRECT_API_KEY_SIGNATURE" in nested.details
    flat = parse_error_body(b'{"code": "Invalid_Price", "message": "invalid price", "details": "tick"}')
    assert (flat.code, flat.message, flat.details) == ("invalid_price", "invalid price", "tick")
    plain = parse_error_body(b'{"error": "too many requests"}')
    assert plain.code is None and plain.message == "too many requests"
    html = parse_error_body(b"<html>502 Bad Gateway</html>")
    assert html.code is None and html.message == "<html>502 Bad Gateway</html>"
    empty = parse_error_body(b"")
    assert empty.message is None
    odd = parse_error_body(b'["x"]')
    assert odd.code is None


@pytest.mark.parametrize(
    ("status", "body", "kind", "expected"),
    [
        (401, NESTED_AUTH, RequestKind.READ, AuthenticationError),
        (
            403,
            '{"error": {"code": "forbidden", "message": "key lacks write scope"}}',
            RequestKind.ORDER_WRITE,
            PermissionDeniedError,
        ),
        (429, '{"error": "too many requests"}', RequestKind.READ, RateLimitedError),
        (
            409,
            '{"error": {"code": "order_already_exists", "message": "order already exists"}}',
            RequestKind.ORDER_WRITE,
            DuplicateClientOrderIdError,
        ),
        (
            409,
            '{"error": {"code": "trading_is_paused", "message": "paused"}}',
            RequestKind.ORDER_WRITE,
            TradingPausedError,
        ),
        (
            409,
            '{"error": {"code": "market_closed", "message": "closed"}}',
            RequestKind.ORDER_WRITE,
            MarketClosedError,
        ),
        (
            400,
            '{"error": {"code": "market_closed", "message": "closed"}}',
            RequestKind.ORDER_WRITE,
            MarketClosedError,
        ),
        (
            400,
            '{"error": {"code": "insufficient_balance", "message": "not enough"}}',
            RequestKind.ORDER_WRITE,
            InsufficientBalanceError,
        ),
        (
            400,
            '{"error": {"code": "invalid_order", "message": "Insufficient funds for order"}}',
            RequestKind.ORDER_WRITE,
            InsufficientBalanceError,
        ),
        (
            400,
            '{"error": {"code": "invalid_price", "message": "invalid price", "service": "exchange"}}',
            RequestKind.ORDER_WRITE,
            OrderRejectedError,
        ),
        (
            404,
            '{"error": {"code": "market_not_found", "message": "no market"}}',
            RequestKind.READ,
            NotFoundError,
        ),
        (404, "", RequestKind.ORDER_WRITE, NotFoundError),
        (
            500,
            '{"error": {"code": "internal", "message": "boom"}}',
            RequestKind.READ,
            ExchangeUnavailableError,
        ),
        (503, "<html>maintenance</html>", RequestKind.ORDER_WRITE, ExchangeUnavailableError),
        (400, '{"error": {"code": "bad_request", "message": "bad limit"}}', RequestKind.READ, VenueError),
    ],
)
def test_classification(status, body, kind, expected):
    error = error_from_response(status, body, kind=kind, what="GET /x")
    assert type(error) is expected
    assert error.status == status and error.venue == "kalshi"
    assert str(error).startswith("kalshi: GET /x")


def test_rejection_keeps_kalshis_code_and_details():
    error = error_from_response(
        400,
        '{"error": {"code": "invalid_order", "message": "invalid order",'
        ' "details": "exactly one of yes_price..."}}',
        kind=RequestKind.ORDER_WRITE,
    )
    assert isinstance(error, OrderRejectedError)
    assert error.code == "invalid_order" and error.details == "exactly one of yes_price..."
    assert "invalid_order" in str(error)


def test_rate_limit_retry_after_header_is_honoured_when_sane():
    error = error_from_response(
        429, '{"error": "too many requests"}', kind=RequestKind.READ, headers={"Retry-After": "2"}
    )
    assert isinstance(error, RateLimitedError) and error.retry_after == 2.0
    silly = error_from_response(
        429, "", kind=RequestKind.READ, headers={"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}
    )
    assert isinstance(silly, RateLimitedError) and silly.retry_after is None
