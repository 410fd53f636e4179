"""GET /api/health/trading: venue, tables, feed, bot, reconcile, kill switch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

from api import deps
from api.routes.common import new_router
from api.security import user_id
from inplay.api.health import HealthDeps, TradingHealth, not_checked, table_probes, trading_health
from inplay.observability import logger

router = new_router()


@cache
def health_deps() -> HealthDeps:
    """What the trading health check reads: the bot routes' store and venues, the games table's
    feed heartbeats, the risk table's reconcile reports and every table the API reads."""
    import boto3

    from inplay.config import API
    from inplay.store.risk import DynamoRiskStore

    config = deps.settings()
    bots = deps.bot_deps()
    return HealthDeps(
        controls=bots.store,
        venues=bots.venues,
        feed=deps.games_repository(),
        reports=DynamoRiskStore(config.risk_table),
        tables=table_probes(config, API.tables, boto3.client("dynamodb")),
        feed_max_age=timedelta(seconds=config.feed_max_age_seconds),
    )


@router.get("/api/health/trading")
def health_trading() -> TradingHealth:
    """Whether the caller's trading is healthy, degraded or unhealthy, component by component.
    Always 200: the report is the answer (a check that fails is a component ``down``)."""
    caller = user_id(router)
    now = datetime.now(UTC)
    try:
        checks = health_deps()
    except Exception as exc:  # a broken dependency is the report, not a 5xx
        logger.exception("the trading health check could not start")
        return not_checked(exc, now=now)
    return trading_health(checks, user_id=caller, now=now)
