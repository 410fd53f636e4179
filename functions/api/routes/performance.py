"""GET /api/performance: the equity curve and per-league statistics of closed positions."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from api import deps
from api.routes.common import new_router
from api.security import user_id
from inplay.api.performance import DEFAULT_DAYS, MAX_DAYS, Performance, PerformanceDeps, performance
from inplay.orders.intents import TradingMode

router = new_router()


@cache
def performance_deps() -> PerformanceDeps:
    """The positions and bots tables the route reads (built once per warm Lambda)."""
    from inplay.store.bots import DynamoBotControls
    from inplay.store.trades import DynamoTradeStore

    config = deps.settings()
    return PerformanceDeps(
        positions=DynamoTradeStore(config.fills_table, config.positions_table),
        modes=DynamoBotControls(config.bots_table),
    )


@router.get("/api/performance")
def performance_route(
    mode: Annotated[
        TradingMode | None, Query(description="paper or live (default: the current trading mode)")
    ] = None,
    days: Annotated[
        int, Query(ge=1, le=MAX_DAYS, description=f"positions closed in the last 1 to {MAX_DAYS} days")
    ] = DEFAULT_DAYS,
) -> Performance:
    """The caller's closed positions in the window: equity curve (oldest first), per-league
    statistics and totals; net = realized P&L − fees per position."""
    return performance(
        performance_deps(), user_id=user_id(router), now=datetime.now(UTC), mode=mode, days=days
    )
