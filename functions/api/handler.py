"""REST API entry point: routing and validation only; the queries live in ``inplay.api``."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from inplay.api.games import list_games
from inplay.config import ApiSettings, cached_settings
from inplay.observability import logger, tracer
from inplay.sports.models import League, Phase
from inplay.store.games import GamesRepository, GamesStore

app = APIGatewayRestResolver(enable_validation=True)


@cache
def games_repository() -> GamesRepository:
    settings = cached_settings(ApiSettings)
    return GamesStore(settings.games_table)


@app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
def _bad_request(error: RequestValidationError) -> Response[Any]:
    problems = []
    for detail in error.errors():
        where = ".".join(str(part) for part in detail.get("loc", ()) if part not in ("query", "body"))
        problems.append(f"{where}: {detail.get('msg', 'invalid')}" if where else detail.get("msg", "invalid"))
    return Response(
        status_code=HTTPStatus.BAD_REQUEST,
        content_type="application/json",
        body={"message": "invalid request", "errors": problems},
    )


@app.get("/api/health")
def health() -> dict[str, str]:
    return {"status": "ok", "time": datetime.now(UTC).isoformat()}


@app.get("/api/games")
def games(
    league: Annotated[League | None, Query(description="ESPN league slug, e.g. nba")] = None,
    state: Annotated[Phase | None, Query(description="pre, in or post")] = None,
) -> dict[str, Any]:
    response = list_games(games_repository(), league=league, state=state, now=datetime.now(UTC))
    return response.model_dump(mode="json")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
