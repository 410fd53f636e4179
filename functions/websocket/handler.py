"""The WebSocket API's routes (see :mod:`inplay.live.sessions`). The ID token arrives in the query
string of ``$connect``; it is never logged (nor is the event)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from inplay.auth import verifier_for
from inplay.config import WebSocketSettings, cached_settings
from inplay.live.connections import ConnectionStore, DynamoConnectionStore
from inplay.live.sessions import TokenCheck, handle_route
from inplay.observability import logger, tracer


@cache
def token_verifier() -> TokenCheck:
    return verifier_for(cached_settings(WebSocketSettings))


@cache
def connections() -> ConnectionStore:
    return DynamoConnectionStore(cached_settings(WebSocketSettings).connections_table)


@logger.inject_lambda_context(log_event=False)  # the event carries the ID token: never logged
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    answer = handle_route(event, verifier=token_verifier(), connections=connections(), now=datetime.now(UTC))
    request = event.get("requestContext") if isinstance(event, dict) else None
    request = request if isinstance(request, dict) else {}
    logger.info(
        "websocket route",
        extra={
            "route": str(request.get("routeKey"))[:64],
            "connection_id": str(request.get("connectionId"))[:128],
            "status": answer["statusCode"],
        },
    )
    return answer
