"""The bot routes: lifecycle (start with pre-flight, stop, pause, resume), the paper/live switch,
status and positions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from api import deps
from api.routes.common import new_router, reply
from api.security import user_id
from inplay.api.bots import (
    MAX_CLOSED_POSITIONS,
    BotRequest,
    PositionStatus,
    StartRequest,
    bot_status,
    list_positions,
    pause_bot,
    resume_bot,
    set_paper_trading,
    start_bot,
    stop_bot,
)
from inplay.bots.mode import PaperTradingRequest
from inplay.orders.intents import TradingMode

router = new_router()


@router.post("/api/bot/start")
def bot_start(request: Annotated[StartRequest | None, Body()] = None) -> Response[dict[str, Any]]:
    user = user_id(router)
    return reply(start_bot(deps.bot_deps(), request or StartRequest(), user_id=user, now=datetime.now(UTC)))


@router.post("/api/bot/stop")
def bot_stop(request: Annotated[BotRequest | None, Body()] = None) -> Response[dict[str, Any]]:
    user = user_id(router)
    return reply(stop_bot(deps.bot_deps(), request or BotRequest(), user_id=user, now=datetime.now(UTC)))


@router.post("/api/bot/pause")
def bot_pause(request: Annotated[BotRequest | None, Body()] = None) -> Response[dict[str, Any]]:
    user = user_id(router)
    return reply(pause_bot(deps.bot_deps(), request or BotRequest(), user_id=user, now=datetime.now(UTC)))


@router.post("/api/bot/resume")
def bot_resume(request: Annotated[BotRequest | None, Body()] = None) -> Response[dict[str, Any]]:
    user = user_id(router)
    return reply(resume_bot(deps.bot_deps(), request or BotRequest(), user_id=user, now=datetime.now(UTC)))


@router.post("/api/bot/paper-trading")
def bot_paper_trading(request: PaperTradingRequest) -> Response[dict[str, Any]]:
    user = user_id(router)
    return reply(set_paper_trading(deps.bot_deps(), request, user_id=user, now=datetime.now(UTC)))


@router.get("/api/bot/status")
def bot_status_route() -> Response[dict[str, Any]]:
    user = user_id(router)
    return reply(bot_status(deps.bot_deps(), user_id=user, now=datetime.now(UTC)))


@router.get("/api/positions")
def positions(
    status: Annotated[PositionStatus, Query(description="open or closed")] = PositionStatus.OPEN,
    mode: Annotated[TradingMode | None, Query(description="paper or live (both when absent)")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_CLOSED_POSITIONS)] = 100,
) -> Response[dict[str, Any]]:
    user = user_id(router)
    return reply(list_positions(deps.bot_deps(), user_id=user, status=status, mode=mode, limit=limit))
