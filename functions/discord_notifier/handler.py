"""SNS alerts topic → Discord (see ``inplay.alerts.notifier``).

A delivery failure raises, so Lambda retries the asynchronous invocation and then sends it to the
function's on-failure destination (the dead-letter queue). Malformed messages are counted, not retried.
"""

from __future__ import annotations

from dataclasses import asdict
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from inplay.alerts.discord import DiscordWebhook
from inplay.alerts.notifier import AlertNotifier, SecretWebhookUrl
from inplay.config import DiscordNotifierSettings, cached_settings
from inplay.observability import logger, metrics, tracer


@cache
def notifier() -> AlertNotifier:
    settings = cached_settings(DiscordNotifierSettings)
    return AlertNotifier(
        SecretWebhookUrl(settings.webhook_secret, max_age_seconds=settings.secret_max_age_seconds),
        DiscordWebhook(
            timeout_seconds=settings.timeout_seconds,
            max_attempts=settings.max_attempts,
            max_wait_seconds=settings.max_retry_wait_seconds,
        ),
        metrics=metrics,
    )


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return asdict(notifier().notify_sns(event))
