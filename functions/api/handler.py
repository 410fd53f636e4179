"""REST API entry point: routing and validation only; the queries live in ``inplay.api``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import cache
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import UnauthorizedError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from inplay.api.bots import (
    MAX_CLOSED_POSITIONS,
    BotApiDeps,
    BotRequest,
    PositionStatus,
    ReconcilerOnStop,
    StartRequest,
    bot_status,
    list_positions,
    pause_bot,
    resume_bot,
    set_paper_trading,
    start_bot,
    stop_bot,
)
from inplay.api.games import list_games
from inplay.api.orders import (
    LOCAL_USER_HEADER,
    ManualOrder,
    OrderWorkflow,
    StepFunctionsOrderWorkflow,
    place_manual_order,
)
from inplay.api.safety import (
    ApiReply,
    FunctionInvoker,
    LambdaInvoker,
    emergency_stop,
    reconcile,
    reset_kill_switch,
)
from inplay.bots.mode import PaperTradingRequest
from inplay.config import ApiSettings, cached_settings
from inplay.observability import logger, tracer
from inplay.orders.intents import TradingMode
from inplay.risk.commands import EmergencyStopRequest, ResetRequest
from inplay.risk.records import USER_ID_PATTERN
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


@cache
def order_workflow() -> OrderWorkflow:
    return StepFunctionsOrderWorkflow(cached_settings(ApiSettings).order_state_machine_arn)


def local_user() -> str:
    """The user of a request, until sign-in exists: a local-only header the deployed stack refuses."""
    user = app.current_event.headers.get(LOCAL_USER_HEADER) or app.current_event.headers.get(
        LOCAL_USER_HEADER.lower()
    )
    if not cached_settings(ApiSettings).local_auth:
        raise UnauthorizedError(
            f"sign-in is not available yet; {LOCAL_USER_HEADER} is accepted only by the local cloud"
        )
    if not user or not re.fullmatch(USER_ID_PATTERN, user):
        raise UnauthorizedError(f"{LOCAL_USER_HEADER} header required (letters, digits, _ and -)")
    return user


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


@app.post("/api/bot/order")
def bot_order(order: ManualOrder) -> Response[dict[str, Any]]:
    outcome = place_manual_order(
        order, user_id=local_user(), workflow=order_workflow(), now=datetime.now(UTC)
    )
    body: dict[str, Any] = {
        "status": outcome.status,
        "intent_id": outcome.intent_id,
        "execution_arn": outcome.execution_arn,
        "result": outcome.result.model_dump(mode="json") if outcome.result else None,
    }
    if outcome.http_status == HTTPStatus.BAD_REQUEST and outcome.result and outcome.result.error:
        body["message"] = "invalid request"
        body["errors"] = [f"market_ticker: unknown market ({outcome.result.error.message})"]
    return Response(status_code=outcome.http_status, content_type="application/json", body=body)


@cache
def invoker() -> FunctionInvoker:
    return LambdaInvoker()


def _reply(reply: ApiReply) -> Response[dict[str, Any]]:
    return Response(status_code=reply.status, content_type="application/json", body=reply.body)


@app.post("/api/bot/emergency-stop")
def bot_emergency_stop(request: EmergencyStopRequest) -> Response[dict[str, Any]]:
    settings = cached_settings(ApiSettings)
    return _reply(
        emergency_stop(
            request, user_id=local_user(), invoker=invoker(), function_name=settings.kill_switch_function
        )
    )


@app.post("/api/bot/kill-switch/reset")
def bot_kill_switch_reset(request: ResetRequest) -> Response[dict[str, Any]]:
    settings = cached_settings(ApiSettings)
    return _reply(
        reset_kill_switch(
            request, user_id=local_user(), invoker=invoker(), function_name=settings.kill_switch_function
        )
    )


@app.post("/api/bot/reconcile")
def bot_reconcile() -> Response[dict[str, Any]]:
    settings = cached_settings(ApiSettings)
    return _reply(
        reconcile(user_id=local_user(), invoker=invoker(), function_name=settings.reconciler_function)
    )


@cache
def bot_deps() -> BotApiDeps:
    """The bot routes' stores, venues and functions (built once per warm Lambda)."""
    from inplay.alerts.publisher import SnsAlertPublisher
    from inplay.audit.store import DynamoAuditLog
    from inplay.bots.preflight import PreflightDeps, ReconcilerFunction
    from inplay.store.bots import DynamoBotControls
    from inplay.store.risk import DynamoRiskStore
    from inplay.store.trades import DynamoTradeStore
    from inplay.venues.factory import trading_venues

    settings = cached_settings(ApiSettings)
    controls = DynamoBotControls(settings.bots_table)
    return BotApiDeps(
        store=controls,
        preflight=PreflightDeps(
            controls=controls,
            venues=trading_venues(settings),
            feed=games_repository(),
            reconciler=ReconcilerFunction(
                invoker(), settings.reconciler_function, DynamoRiskStore(settings.risk_table)
            ),
            feed_max_age=timedelta(seconds=settings.feed_max_age_seconds),
        ),
        stop_reconciler=ReconcilerOnStop(invoker(), settings.reconciler_function),
        trades=DynamoTradeStore(settings.fills_table, settings.positions_table),
        audit=DynamoAuditLog(settings.audit_table),
        alerts=SnsAlertPublisher(settings.alerts_topic_arn),
        logger=logger,
    )


@app.post("/api/bot/start")
def bot_start(request: Annotated[StartRequest | None, Body()] = None) -> Response[dict[str, Any]]:
    user_id = local_user()
    return _reply(start_bot(bot_deps(), request or StartRequest(), user_id=user_id, now=datetime.now(UTC)))


@app.post("/api/bot/stop")
def bot_stop(request: Annotated[BotRequest | None, Body()] = None) -> Response[dict[str, Any]]:
    user_id = local_user()
    return _reply(stop_bot(bot_deps(), request or BotRequest(), user_id=user_id, now=datetime.now(UTC)))


@app.post("/api/bot/pause")
def bot_pause(request: Annotated[BotRequest | None, Body()] = None) -> Response[dict[str, Any]]:
    user_id = local_user()
    return _reply(pause_bot(bot_deps(), request or BotRequest(), user_id=user_id, now=datetime.now(UTC)))


@app.post("/api/bot/resume")
def bot_resume(request: Annotated[BotRequest | None, Body()] = None) -> Response[dict[str, Any]]:
    user_id = local_user()
    return _reply(resume_bot(bot_deps(), request or BotRequest(), user_id=user_id, now=datetime.now(UTC)))


@app.post("/api/bot/paper-trading")
def bot_paper_trading(request: PaperTradingRequest) -> Response[dict[str, Any]]:
    user_id = local_user()
    return _reply(set_paper_trading(bot_deps(), request, user_id=user_id, now=datetime.now(UTC)))


@app.get("/api/bot/status")
def bot_status_route() -> Response[dict[str, Any]]:
    user_id = local_user()
    return _reply(bot_status(bot_deps(), user_id=user_id, now=datetime.now(UTC)))


@app.get("/api/positions")
def positions(
    status: Annotated[PositionStatus, Query(description="open or closed")] = PositionStatus.OPEN,
    mode: Annotated[TradingMode | None, Query(description="paper or live (both when absent)")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_CLOSED_POSITIONS)] = 100,
) -> Response[dict[str, Any]]:
    user_id = local_user()
    return _reply(list_positions(bot_deps(), user_id=user_id, status=status, mode=mode, limit=limit))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
