"""Positions and bots table streams → live messages → the owner's WebSocket connections (see
:mod:`inplay.live.messages` and :mod:`inplay.live.broadcast`). Unreadable records and failed sends
are logged, not retried; a failed read of the connections table fails the batch (retried)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from inplay.config import BroadcasterSettings, cached_settings
from inplay.live.broadcast import broadcast
from inplay.live.connections import ConnectionStore, DynamoConnectionStore
from inplay.live.gateway import ApiGatewayConnections, ConnectionGateway
from inplay.live.messages import decode_records
from inplay.observability import logger, metrics, tracer


@cache
def dependencies() -> tuple[ConnectionStore, ConnectionGateway]:
    settings = cached_settings(BroadcasterSettings)
    return DynamoConnectionStore(settings.connections_table), ApiGatewayConnections(settings.ws_endpoint)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    connections, gateway = dependencies()
    now = datetime.now(UTC)
    records = event.get("Records") if isinstance(event, dict) else None
    decoded = decode_records(records if isinstance(records, list) else [], now=now)
    for problem in decoded.problems:
        logger.warning("unreadable stream record skipped", extra={"problem": problem})
    report = broadcast(decoded.messages, connections=connections, gateway=gateway, now=now)
    for connection_id, reason in report.failed.items():
        logger.warning("live update not delivered", extra={"connection_id": connection_id, "reason": reason})
    metrics.add_metric(name="LiveMessagesDelivered", unit=MetricUnit.Count, value=report.delivered)
    summary = {
        "messages": report.messages,
        "delivered": report.delivered,
        "gone": len(report.gone),
        "failed": len(report.failed),
        "skipped": len(decoded.problems),
    }
    logger.info("live updates", extra=summary)
    return summary
