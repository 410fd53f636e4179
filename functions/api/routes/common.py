"""Small helpers every route module shares."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from inplay.api.safety import ApiReply

__all__ = ["new_router", "reply"]


def new_router() -> Router:
    """A route module's router (``api.handler`` includes it)."""
    return Router()  # type: ignore[no-untyped-call]


def reply(answer: ApiReply) -> Response[dict[str, Any]]:
    """An :class:`ApiReply` as the route's JSON response."""
    return Response(status_code=answer.status, content_type="application/json", body=answer.body)
