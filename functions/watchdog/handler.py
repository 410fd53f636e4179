"""Scheduled entry point: page when a component stops beating (see ``inplay.risk.watchdog``).

It is its own function with its own schedule, so the component that died cannot swallow its own
alarm. An alert that cannot be published fails the invocation (its Errors alarm then fires).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from inplay.alerts.model import Mode
from inplay.alerts.publisher import AlertPublisher, SnsAlertPublisher
from inplay.config import FUNCTIONS, WatchdogSettings, cached_settings
from inplay.observability import logger, metrics, tracer
from inplay.risk.store import RiskStore
from inplay.risk.watchdog import expected_heartbeats, run_watchdog
from inplay.store.risk import DynamoRiskStore


@cache
def dependencies() -> tuple[RiskStore, AlertPublisher]:
    settings = cached_settings(WatchdogSettings)
    return DynamoRiskStore(settings.risk_table), SnsAlertPublisher(settings.alerts_topic_arn)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    store, alerts = dependencies()
    run = run_watchdog(
        store,
        alerts,
        expected=expected_heartbeats(FUNCTIONS),
        now=datetime.now(UTC),
        repage_seconds=cached_settings(WatchdogSettings).repage_seconds,
        # A stale safety component matters most when real money may be at stake: say LIVE.
        mode=Mode.LIVE,
    )
    summary = {
        "stale": [item.component for item in run.stale],
        "paged": list(run.paged),
        "recovered": list(run.recovered),
    }
    logger.info("watchdog run", extra=summary)
    return summary
