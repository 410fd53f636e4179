"""Step Functions task entry point: run one step of the order workflow (see ``inplay.orders.steps``).

The event is ``{"step": "<name>", "state": <the workflow state>}``; the return value is the step's
output. Failures are raised as the typed errors the state machine's Retry/Catch match by name.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from inplay.alerts.publisher import SnsAlertPublisher
from inplay.audit.store import DynamoAuditLog
from inplay.config import OrderWorkerSettings, cached_settings
from inplay.observability import logger, metrics, tracer
from inplay.orders.auditing import IdempotentOrderAudit
from inplay.orders.steps import OrderDeps, run_step
from inplay.store.bots import DynamoBotControls
from inplay.store.intents import DynamoIntentLedger
from inplay.store.risk import DynamoRiskStore
from inplay.store.trades import DynamoTradeStore
from inplay.venues.counting import CountingVenues
from inplay.venues.factory import trading_venues


@cache
def dependencies() -> OrderDeps:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    settings = cached_settings(OrderWorkerSettings)
    risk = DynamoRiskStore(settings.risk_table)
    venues = CountingVenues(trading_venues(settings), risk)
    return OrderDeps(
        ledger=DynamoIntentLedger(settings.intents_table),
        controls=DynamoBotControls(settings.bots_table),
        trades=DynamoTradeStore(settings.fills_table, settings.positions_table),
        audit=IdempotentOrderAudit(
            DynamoAuditLog(settings.audit_table),
            DynamoDBPersistenceLayer(table_name=settings.idempotency_table),
        ),
        alerts=SnsAlertPublisher(settings.alerts_topic_arn),
        venues=venues,
    )


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps = dependencies()
    deps.audit.register_context(context)
    step = event.get("step") if isinstance(event, dict) else None
    order = (event.get("state") or {}).get("order") if isinstance(event, dict) else None
    intent_id = order.get("intent_id") if isinstance(order, dict) else None
    logger.append_keys(step=step, intent_id=intent_id)
    try:
        output = run_step(event, deps)
        result = output.get("result")
        if output.get("next") == "finish" and isinstance(result, dict):
            status = str(result.get("status", "ERROR")).title()
            metrics.add_metric(name=f"Order{status}", unit=MetricUnit.Count, value=1)
        logger.info("order step done", extra={"next": output.get("next"), "result": result})
    finally:
        logger.remove_keys(["step", "intent_id"])  # a warm container serves other executions next
        venues = deps.venues
        if isinstance(venues, CountingVenues):
            venues.flush()  # the kill switch's API error rate reads these counts
    return output
