"""Scheduled entry point: poll ESPN into the games table (see ``inplay.sports.poller``)."""

from __future__ import annotations

from dataclasses import asdict
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from inplay.config import GamePollerSettings, cached_settings
from inplay.observability import logger, metrics, tracer
from inplay.risk.heartbeats import HeartbeatSink, record_heartbeat
from inplay.sports.espn import EspnClient
from inplay.sports.poller import GamePoller
from inplay.store.games import GamesStore
from inplay.store.risk import DynamoRiskStore

SAFETY_MARGIN_SECONDS = 10.0
"""Stop polling this long before the Lambda timeout, so the last write always completes."""


@cache
def poller() -> GamePoller:
    settings = cached_settings(GamePollerSettings)
    return GamePoller(
        EspnClient(base_url=settings.espn_base_url, user_agent=settings.user_agent),
        GamesStore(settings.games_table, ttl_days=settings.game_ttl_days),
        leagues=settings.leagues,
        interval_seconds=settings.poll_interval_seconds,
        window_seconds=settings.poll_window_seconds,
        metrics=metrics,
    )


@cache
def heartbeats() -> HeartbeatSink:
    return DynamoRiskStore(cached_settings(GamePollerSettings).risk_table)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    remaining = context.get_remaining_time_in_millis() / 1000 - SAFETY_MARGIN_SECONDS
    report = poller().run(window_seconds=max(0.0, remaining))
    logger.info("poll finished", extra=asdict(report))
    record_heartbeat(
        heartbeats(),
        "game_poller",
        ok=not report.errors,
        details={"passes": report.passes, "live_games": report.live_games, "errors": len(report.errors)},
    )
    return asdict(report)
