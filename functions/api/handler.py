"""REST API entry point: the resolver, its middlewares, the one place errors become HTTP answers,
the routers (``api.routes``) and CORS for the dashboard's origins (every answer the function
gives, refusals included). The queries and commands live in ``inplay.api``."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, Final

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from api.routes import (
    auth,
    bots,
    credentials,
    games,
    health,
    orders,
    performance,
    records,
    safety,
    settings,
)
from api.security import USER_CONTEXT_KEY, authenticate
from inplay.api.errors import ApiError, PayloadTooLarge, Unauthorized
from inplay.auth import AuthError
from inplay.config import CorsSettings, cached_settings
from inplay.observability import logger, tracer

MAX_BODY_BYTES: Final = 64 * 1024
"""Largest request body any route accepts (a Kalshi key PEM is ~1.7 KB); larger is 413."""

app = APIGatewayRestResolver(enable_validation=True)
_ONE_REQUEST_AT_A_TIME: Final = threading.Lock()


def _json(status: int, body: dict[str, Any]) -> Response[Any]:
    return Response(status_code=status, content_type="application/json", body=body)


@app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
def _invalid_request(error: RequestValidationError) -> Response[Any]:
    problems = []
    for detail in error.errors():
        where = ".".join(str(part) for part in detail.get("loc", ()) if part not in ("query", "body"))
        problems.append(f"{where}: {detail.get('msg', 'invalid')}" if where else detail.get("msg", "invalid"))
    return _json(HTTPStatus.BAD_REQUEST, {"message": "invalid request", "errors": problems})


@app.exception_handler(ApiError)  # type: ignore[untyped-decorator]
def _api_error(error: ApiError) -> Response[Any]:
    return _json(error.status, error.body())


@app.exception_handler(ServiceError)  # type: ignore[untyped-decorator]
def _service_error(error: ServiceError) -> Response[Any]:
    return _json(error.status_code, {"message": error.msg})


@app.not_found
def _not_found(_: Exception) -> Response[Any]:
    return _json(HTTPStatus.NOT_FOUND, {"message": "no such route"})


@app.exception_handler(UnicodeDecodeError)  # type: ignore[untyped-decorator]
def _not_utf8(_: UnicodeDecodeError) -> Response[Any]:
    return _json(HTTPStatus.BAD_REQUEST, {"message": "the request body must be UTF-8 JSON"})


def _answer(error: ApiError) -> dict[str, Any]:
    return {
        "statusCode": int(error.status),
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(error.body()),
        "isBase64Encoded": False,
    }


def _refused(event: dict[str, Any]) -> dict[str, Any] | None:
    """What API Gateway would answer before the function: 413 for a body over
    :data:`MAX_BODY_BYTES`, 401 without a valid token; ``None`` to go on (the caller is then in
    the resolver's context)."""
    body = event.get("body")
    if isinstance(body, str) and len(body) > MAX_BODY_BYTES:
        return _answer(PayloadTooLarge(f"the request body is larger than {MAX_BODY_BYTES} bytes"))
    try:
        principal = authenticate(event)
    except AuthError as exc:
        return _answer(Unauthorized(str(exc)))
    if principal is not None:
        app.context[USER_CONTEXT_KEY] = principal.user_id
    return None


def _request_origin(event: Mapping[str, Any]) -> str | None:
    headers = event.get("headers")
    if not isinstance(headers, Mapping):
        return None
    for name, value in headers.items():
        if str(name).lower() == "origin" and isinstance(value, str) and value:
            return value
    return None


def _with_cors(event: Mapping[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """``answer`` with ``Access-Control-Allow-Origin: <origin>`` when the request comes from one of
    the dashboard's origins (``INPLAY_DASHBOARD_ORIGINS``), and ``Vary: Origin`` whenever origins
    are configured; unchanged for any other origin (the browser then withholds the answer)."""
    origin = _request_origin(event)
    if origin is None:
        return answer
    allowed = cached_settings(CorsSettings).dashboard_origins
    if not allowed:
        return answer
    added = {"Vary": "Origin"}
    if origin.lower() in allowed:
        added["Access-Control-Allow-Origin"] = origin
    multi = answer.get("multiValueHeaders")
    if isinstance(multi, dict):
        for name, value in added.items():
            multi[name] = [*multi.get(name, []), value] if name == "Vary" else [value]
    else:
        headers = answer.setdefault("headers", {})
        for name, value in added.items():
            existing = headers.get(name) if name == "Vary" else None
            headers[name] = f"{existing}, {value}" if existing else value
    return answer


for _module in (auth, bots, credentials, games, health, orders, performance, records, safety, settings):
    app.include_router(_module.router)


@app.get("/api/health")
def health_route() -> dict[str, str]:
    """Liveness (public): the function answers. ``GET /api/health/trading`` is the real check."""
    return {"status": "ok", "time": datetime.now(UTC).isoformat()}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Powertools keeps the current request on the resolver (class attributes); Lambda runs one
    # request per instance, the local cloud runs invocations on threads: one at a time here.
    with _ONE_REQUEST_AT_A_TIME:
        answer = _refused(event) or app.resolve(event, context)  # resolve() clears the context
        return _with_cors(event, answer)
