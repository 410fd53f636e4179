"""REST API entry point: the resolver, its middlewares, the one place errors become HTTP answers,
and the routers (``api.routes``). The queries and commands live in ``inplay.api``."""

from __future__ import annotations

from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, Final

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from api.routes import auth, bots, credentials, games, health, orders, records, safety, settings
from api.security import authenticate
from inplay.api.errors import ApiError, PayloadTooLarge
from inplay.observability import logger, tracer

MAX_BODY_BYTES: Final = 64 * 1024
"""Largest request body any route accepts (a Kalshi key PEM is ~1.7 KB); larger is 413."""

app = APIGatewayRestResolver(enable_validation=True)


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


def _limit_body(resolver: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    body = resolver.current_event.body
    if body is not None and len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the request body is larger than {MAX_BODY_BYTES} bytes")
    return next_middleware(resolver)


app.use(middlewares=[_limit_body, authenticate])
for _module in (auth, bots, credentials, games, health, orders, records, safety, settings):
    app.include_router(_module.router)


@app.get("/api/health")
def health_route() -> dict[str, str]:
    """Liveness (public): the function answers. ``GET /api/health/trading`` is the real check."""
    return {"status": "ok", "time": datetime.now(UTC).isoformat()}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
