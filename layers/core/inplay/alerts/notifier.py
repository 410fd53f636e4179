"""The Discord notifier's logic: SNS records → alerts → Discord, with metrics and a loud failure.

Contract (what the ``discord_notifier`` function relies on):

- Every record's message is parsed into an :class:`~inplay.alerts.model.Alert` (or a CloudWatch
  alarm notification, e.g. the notifier's own dead-letter-queue alarm). A message that is neither
  is logged and counted (``AlertsMalformed``) and *not* retried: retrying cannot fix it.
- A delivery failure is counted (``AlertDeliveryFailures``) and raised as
  :class:`AlertDeliveryError` after every record was tried, so Lambda retries the asynchronous
  invocation and finally sends it to the function's on-failure destination (the DLQ).
- The webhook URL comes from a :class:`WebhookUrlSource` (Secrets Manager in production). The secret
  holds the URL (or JSON ``{"url": ...}``), or the word ``disabled`` to switch Discord off on purpose.
  Anything else is a configuration error, reported without ever echoing the secret's value.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Protocol

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from inplay.alerts.discord import (
    SEVERITY_COLOURS,
    WebhookDeliveryError,
    WebhookRejectedError,
    build_payload,
    fit_embed,
    truncate,
)
from inplay.alerts.model import ALERT_SCHEMA, Alert, MalformedAlertError, Severity

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    from inplay.alerts.discord import WebhookDelivery

__all__ = [
    "DISABLED",
    "AlarmNotice",
    "AlertDeliveryError",
    "AlertNotifier",
    "MetricsSink",
    "NotifyReport",
    "SecretWebhookUrl",
    "WebhookNotConfiguredError",
    "WebhookSender",
    "WebhookUrlSource",
    "alarm_payload",
    "check_webhook_url",
    "parse_notification",
]

log = logging.getLogger(__name__)

DISABLED: Final = "disabled"
"""The secret value that switches Discord delivery off on purpose (alerts are counted as skipped)."""
LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})
ALARM_COLOURS: Final = {"ALARM": SEVERITY_COLOURS[Severity.CRITICAL], "OK": 0x2ECC71}
REFRESH_ON_STATUS: Final = frozenset({401, 403, 404})
"""A webhook answering these may have been replaced: re-read the secret once and retry."""

# Metric names (namespace ``Inplay``, dimension ``service``).
DELIVERED: Final = "AlertsDelivered"
FAILED: Final = "AlertDeliveryFailures"
MALFORMED: Final = "AlertsMalformed"
SKIPPED: Final = "AlertsSkipped"
RATE_LIMITED: Final = "DiscordRateLimited"


class MetricsSink(Protocol):
    """The slice of powertools ``Metrics`` used here (always called with keywords)."""

    def add_metric(self, name: str, unit: str, value: float) -> None: ...


class _NoMetrics:
    def add_metric(self, name: str, unit: str, value: float) -> None:
        return None


class WebhookSender(Protocol):
    def post(self, url: str, payload: Mapping[str, Any]) -> WebhookDelivery: ...


class WebhookUrlSource(Protocol):
    """Returns the webhook URL, ``None`` when Discord is disabled; raises
    :class:`WebhookNotConfiguredError` when the secret holds no usable URL."""

    def __call__(self, *, refresh: bool = False) -> str | None: ...


class WebhookNotConfiguredError(WebhookDeliveryError):
    """The webhook secret is unreadable or holds no webhook URL (e.g. still the deploy placeholder)."""


class AlertDeliveryError(RuntimeError):
    """At least one alert of the invocation was not delivered (raised so Lambda retries, then DLQs)."""


def check_webhook_url(value: str, *, secret_id: str) -> str | None:
    """The URL in a secret value (plain text, or JSON with ``url``/``webhook_url``); ``None`` for
    ``disabled``. Accepts ``https`` URLs, and ``http`` only on a loopback host (the local sink)."""
    text = value.strip()
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        if isinstance(document, dict):
            text = str(document.get("url") or document.get("webhook_url") or "").strip()
    if text.lower() == DISABLED:
        return None
    hint = (
        f"the Discord webhook secret {secret_id} holds no webhook URL (is it still the placeholder set "
        "at deploy?); put the webhook URL from Discord (channel settings → Integrations → Webhooks) "
        f"into it, or the word {DISABLED!r} to turn Discord alerts off"
    )
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise WebhookNotConfiguredError(hint) from None
    if url.scheme == "https" and url.host:
        return text
    if url.scheme == "http" and url.host in LOOPBACK_HOSTS:
        return text
    raise WebhookNotConfiguredError(hint)


class SecretWebhookUrl:
    """The webhook URL from Secrets Manager through powertools Parameters, cached ``max_age_seconds``.

    Each instance owns its provider (and boto3 client), created on first use, so its cache lives
    exactly as long as the function's cold start.
    """

    def __init__(self, secret_id: str, *, max_age_seconds: int = 60) -> None:
        self.secret_id = secret_id
        self._max_age = max_age_seconds
        self._provider: SecretsProvider | None = None

    def __call__(self, *, refresh: bool = False) -> str | None:
        from aws_lambda_powertools.utilities.parameters import SecretsProvider
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

        if self._provider is None:
            self._provider = SecretsProvider()
        try:
            value = self._provider.get(self.secret_id, max_age=self._max_age, force_fetch=refresh)
        except GetParameterError as exc:
            raise WebhookNotConfiguredError(
                f"cannot read the Discord webhook secret {self.secret_id}: {exc}"
            ) from exc
        if not isinstance(value, str):
            raise WebhookNotConfiguredError(f"the Discord webhook secret {self.secret_id} is not a string")
        return check_webhook_url(value, secret_id=self.secret_id)


class AlarmNotice(BaseModel):
    """A CloudWatch alarm state change as SNS delivers it (e.g. the notifier's DLQ-depth alarm)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    alarm_name: str = Field(alias="AlarmName", min_length=1)
    new_state: str = Field(alias="NewStateValue", min_length=1)
    old_state: str | None = Field(default=None, alias="OldStateValue")
    reason: str = Field(default="", alias="NewStateReason")
    description: str | None = Field(default=None, alias="AlarmDescription")
    changed_at: str | None = Field(default=None, alias="StateChangeTime")
    region: str | None = Field(default=None, alias="Region")


def parse_notification(message: str) -> Alert | AlarmNotice:
    """An alert, or a CloudWatch alarm notification; :class:`MalformedAlertError` otherwise."""
    try:
        document = json.loads(message)
    except ValueError as exc:
        raise MalformedAlertError(f"message is not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise MalformedAlertError("message is not a JSON object")
    if "AlarmName" in document and "NewStateValue" in document:
        try:
            return AlarmNotice.model_validate(document)
        except ValidationError as exc:
            raise MalformedAlertError(f"not a valid CloudWatch alarm notification: {exc}") from exc
    if document.get("schema") != ALERT_SCHEMA:
        raise MalformedAlertError(f"message has no {ALERT_SCHEMA!r} schema marker")
    return Alert.from_message(message)


def alarm_payload(notice: AlarmNotice) -> dict[str, Any]:
    """A Discord payload for an infrastructure alarm. It is not one bot's alert, so it names both modes."""
    state = notice.new_state.upper()
    fields = [
        {"name": "Mode", "value": "🔴 LIVE and 🟡 PAPER — infrastructure alarm, affects every bot"},
        {"name": "State", "value": f"{notice.old_state or '?'} → {state}"},
    ]
    if notice.changed_at:
        fields.append({"name": "Changed", "value": notice.changed_at})
    if notice.region:
        fields.append({"name": "Region", "value": notice.region})
    description = "\n\n".join(part for part in (notice.description, notice.reason) if part)
    embed: dict[str, Any] = {
        "title": f"⚙️ SYSTEM · {state}: {notice.alarm_name}",
        "color": ALARM_COLOURS.get(state, SEVERITY_COLOURS[Severity.WARNING]),
        "fields": fields,
        "footer": {"text": "inplay · CloudWatch alarm"},
    }
    if description:
        embed["description"] = description
    payload: dict[str, Any] = {
        "username": "inplay",
        "embeds": [fit_embed(embed)],
        "allowed_mentions": {"parse": []},
    }
    if state == "ALARM":
        payload["content"] = truncate(f"🚨 **SYSTEM ALARM** · {notice.alarm_name}", 2000)
    return payload


@dataclass(slots=True)
class NotifyReport:
    """What one invocation did (the handler returns it)."""

    received: int = 0
    delivered: int = 0
    malformed: int = 0
    skipped: int = 0
    failed: int = 0
    rate_limited: int = 0
    errors: list[str] = field(default_factory=list)


def _records(event: Mapping[str, Any]) -> list[Any]:
    records = event.get("Records") if isinstance(event, Mapping) else None
    return records if isinstance(records, list) else []


def _message(record: Any) -> str:
    sns = record.get("Sns") if isinstance(record, Mapping) else None
    message = sns.get("Message") if isinstance(sns, Mapping) else None
    if not isinstance(message, str):
        raise MalformedAlertError("record has no Sns.Message string")
    return message


class AlertNotifier:
    """Delivers the alerts of SNS events to one Discord webhook."""

    def __init__(
        self,
        webhook_url: WebhookUrlSource | Callable[..., str | None],
        sender: WebhookSender,
        *,
        metrics: MetricsSink | None = None,
    ) -> None:
        self._webhook_url = webhook_url
        self._sender = sender
        self._metrics = metrics or _NoMetrics()

    def notify_sns(self, event: Mapping[str, Any]) -> NotifyReport:
        """Deliver every record; raise :class:`AlertDeliveryError` if any delivery failed."""
        report = NotifyReport()
        records = _records(event)
        if not records:
            report.malformed += 1
            keys = sorted(map(str, event))[:10] if isinstance(event, Mapping) else type(event).__name__
            log.warning("event without SNS records ignored", extra={"event_keys": keys})
        for record in records:
            report.received += 1
            self._one(record, report)
        self._count(report)
        if report.failed:
            raise AlertDeliveryError(
                f"{report.failed} of {report.received} alert(s) not delivered to Discord: {report.errors[0]}"
            )
        return report

    def _one(self, record: Any, report: NotifyReport) -> None:
        try:
            message = _message(record)
            notification = parse_notification(message)
        except MalformedAlertError as exc:
            report.malformed += 1
            sample = record.get("Sns", {}).get("Message") if isinstance(record, Mapping) else None
            log.warning(
                "malformed alert message dropped",
                extra={"reason": str(exc)[:500], "sample": str(sample)[:300]},
            )
            return
        if isinstance(notification, Alert):
            payload = build_payload(notification)
            described = {
                "alert_id": notification.alert_id,
                "kind": notification.kind.value,
                "mode": notification.mode.value,
                "severity": notification.severity.value,
            }
        else:
            payload = alarm_payload(notification)
            described = {"alarm": notification.alarm_name, "state": notification.new_state}
        try:
            delivery = self._deliver(payload)
        except WebhookDeliveryError as exc:
            report.failed += 1
            report.errors.append(f"{type(exc).__name__}: {exc}")
            log.error(
                "alert not delivered to Discord",
                extra={**described, "error_type": type(exc).__name__, "error": str(exc)},
            )
            return
        if delivery is None:
            report.skipped += 1
            log.info("Discord alerts are disabled; alert skipped", extra=described)
            return
        report.delivered += 1
        report.rate_limited += delivery.rate_limited
        log.info(
            "alert delivered to Discord",
            extra={**described, "attempts": delivery.attempts, "waited_seconds": delivery.waited_seconds},
        )

    def _deliver(self, payload: Mapping[str, Any]) -> WebhookDelivery | None:
        url = self._webhook_url()
        if url is None:
            return None
        try:
            return self._sender.post(url, payload)
        except WebhookRejectedError as exc:
            if exc.status not in REFRESH_ON_STATUS:
                raise
            fresh = self._webhook_url(refresh=True)  # the user may have just replaced the webhook
            if fresh is None or fresh == url:
                raise
            return self._sender.post(fresh, payload)

    def _count(self, report: NotifyReport) -> None:
        for name, value in (
            (DELIVERED, report.delivered),
            (FAILED, report.failed),
            (MALFORMED, report.malformed),
            (SKIPPED, report.skipped),
            (RATE_LIMITED, report.rate_limited),
        ):
            self._metrics.add_metric(name=name, unit="Count", value=value)
