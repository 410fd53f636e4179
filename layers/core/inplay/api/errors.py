"""Typed API errors. Domain code raises these; ``api.handler`` maps every one to its HTTP answer
in one place: ``{"message": ..., "errors": [...]}`` (``errors`` names the fields at fault)."""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any, ClassVar

__all__ = [
    "ApiError",
    "BadRequest",
    "Conflict",
    "NotFound",
    "PayloadTooLarge",
    "ServiceUnavailable",
    "Unauthorized",
    "UpstreamFailed",
]


class ApiError(Exception):
    status: ClassVar[HTTPStatus] = HTTPStatus.BAD_REQUEST

    def __init__(self, message: str, *, errors: Sequence[str] = (), **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.errors = tuple(errors)
        self.extra = extra

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, **self.extra}
        if self.errors:
            body["errors"] = list(self.errors)
        return body


class BadRequest(ApiError):
    status = HTTPStatus.BAD_REQUEST


class Unauthorized(ApiError):
    status = HTTPStatus.UNAUTHORIZED


class NotFound(ApiError):
    """Also the answer for another user's record: its existence is not revealed."""

    status = HTTPStatus.NOT_FOUND


class Conflict(ApiError):
    status = HTTPStatus.CONFLICT


class PayloadTooLarge(ApiError):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE


class UpstreamFailed(ApiError):
    """A venue or another function failed; nothing about the request was wrong."""

    status = HTTPStatus.BAD_GATEWAY


class ServiceUnavailable(ApiError):
    status = HTTPStatus.SERVICE_UNAVAILABLE
