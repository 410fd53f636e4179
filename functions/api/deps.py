"""The api function's outside systems, each built once per warm Lambda (cold start).

Routes call these through the module (``deps.bot_deps()``) so tests can replace one with
``monkeypatch.setattr(api.deps, "bot_deps", ...)``.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from inplay.api.bots import BotApiDeps, ReconcilerOnStop
from inplay.api.orders import OrderWorkflow, StepFunctionsOrderWorkflow
from inplay.api.safety import FunctionInvoker, LambdaInvoker
from inplay.config import ApiSettings, cached_settings
from inplay.observability import logger
from inplay.store.games import GamesRepository, GamesStore


def settings() -> ApiSettings:
    config: ApiSettings = cached_settings(ApiSettings)
    return config


@cache
def games_repository() -> GamesRepository:
    return GamesStore(settings().games_table)


@cache
def order_workflow() -> OrderWorkflow:
    return StepFunctionsOrderWorkflow(settings().order_state_machine_arn)


@cache
def invoker() -> FunctionInvoker:
    return LambdaInvoker()


@cache
def bot_deps() -> BotApiDeps:
    """The bot routes' stores, venues and functions."""
    from inplay.alerts.publisher import SnsAlertPublisher
    from inplay.audit.store import DynamoAuditLog
    from inplay.bots.preflight import PreflightDeps, ReconcilerFunction
    from inplay.store.bots import DynamoBotControls
    from inplay.store.risk import DynamoRiskStore
    from inplay.store.trades import DynamoTradeStore
    from inplay.venues.factory import trading_venues

    config = settings()
    controls = DynamoBotControls(config.bots_table)
    return BotApiDeps(
        store=controls,
        preflight=PreflightDeps(
            controls=controls,
            venues=trading_venues(config),
            feed=games_repository(),
            reconciler=ReconcilerFunction(
                invoker(), config.reconciler_function, DynamoRiskStore(config.risk_table)
            ),
            feed_max_age=timedelta(seconds=config.feed_max_age_seconds),
        ),
        stop_reconciler=ReconcilerOnStop(invoker(), config.reconciler_function),
        trades=DynamoTradeStore(config.fills_table, config.positions_table),
        audit=DynamoAuditLog(config.audit_table),
        alerts=SnsAlertPublisher(config.alerts_topic_arn),
        logger=logger,
    )
