"""Typed simulator errors that map one-to-one onto Kalshi's HTTP error responses.

Wire shape (observed on Kalshi, see reference): ``{"error": {"code", "message", "details"?}}``.
Codes marked UNCONFIRMED in the reference are our best match and are listed in the report.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SimError"]


class SimError(Exception):
    """An API error: HTTP ``status``, Kalshi ``code``, human ``message`` and optional ``details``."""

    def __init__(self, status: int, code: str, message: str, details: str | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}

    # Constructors for the codes the simulator emits -------------------------------------------

    @classmethod
    def bad_request(cls, message: str, details: str | None = None) -> SimError:
        return cls(400, "bad_request", message, details)

    @classmethod
    def invalid_order(cls, message: str) -> SimError:
        return cls(400, "invalid_order", "invalid order", message)

    @classmethod
    def invalid_price(cls, message: str) -> SimError:
        return cls(400, "invalid_price", "invalid price", message)

    @classmethod
    def insufficient_balance(cls, message: str) -> SimError:
        return cls(400, "insufficient_balance", "insufficient balance", message)

    @classmethod
    def unauthorized(cls, details: str) -> SimError:
        return cls(401, "authentication_error", "authentication_error", details)

    @classmethod
    def not_found(cls, message: str = "not found") -> SimError:
        return cls(404, "not_found", message)

    @classmethod
    def market_not_found(cls, ticker: str) -> SimError:
        return cls(404, "market_not_found", "market not found", ticker)

    @classmethod
    def order_already_exists(cls, client_order_id: str) -> SimError:
        return cls(409, "order_already_exists", "order already exists", f"client_order_id {client_order_id}")

    @classmethod
    def trading_paused(cls, details: str) -> SimError:
        return cls(409, "trading_is_paused", "trading is paused", details)

    @classmethod
    def market_closed(cls, ticker: str) -> SimError:
        return cls(409, "market_closed", "market is closed", ticker)

    @classmethod
    def exchange_unavailable(cls) -> SimError:
        return cls(503, "exchange_unavailable", "exchange is not active", "the exchange is paused")
