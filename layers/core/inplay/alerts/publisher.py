"""Publishing alerts: the :class:`AlertPublisher` protocol and its SNS implementation.

One publish reaches every channel subscribed to the alerts topic. The message is SNS "json"
structured: Lambda subscribers (the Discord notifier), HTTPS endpoints and queues get the alert
JSON (``default``), email gets readable text and SMS one short line. Message attributes
``severity``, ``mode`` and ``kind`` allow subscription filter policies (e.g. SMS only for critical
LIVE alerts).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Protocol

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from inplay.alerts.model import Alert
from inplay.alerts.text import plain_text, short_text, sns_subject

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sns.type_defs import MessageAttributeValueTypeDef

__all__ = ["AlertPublishError", "AlertPublisher", "RecordingPublisher", "SnsAlertPublisher", "sns_request"]


class AlertPublishError(RuntimeError):
    """The alert could not be handed to SNS; the message names the topic and the AWS error."""


class AlertPublisher(Protocol):
    """Anything that can send an alert on its way; returns an id for the published message."""

    def publish(self, alert: Alert) -> str: ...


def sns_request(topic_arn: str, alert: Alert) -> dict[str, Any]:
    """The ``sns.publish`` arguments for ``alert`` (pure; tested without AWS)."""
    body = alert.to_message()
    attributes: dict[str, MessageAttributeValueTypeDef] = {
        "severity": {"DataType": "String", "StringValue": alert.severity.value},
        "mode": {"DataType": "String", "StringValue": alert.mode.value},
        "kind": {"DataType": "String", "StringValue": alert.kind.value},
    }
    return {
        "TopicArn": topic_arn,
        "Subject": sns_subject(alert),
        "MessageStructure": "json",
        "Message": json.dumps({"default": body, "email": plain_text(alert), "sms": short_text(alert)}),
        "MessageAttributes": attributes,
    }


class SnsAlertPublisher:
    """Publishes to the alerts topic (``INPLAY_ALERTS_TOPIC_ARN``) with boto3."""

    def __init__(self, topic_arn: str, client: SNSClient | None = None) -> None:
        if not topic_arn:
            raise ValueError("the alerts topic ARN is empty")
        self._topic_arn = topic_arn
        self._client = client

    def _sns(self) -> SNSClient:
        if self._client is None:
            self._client = boto3.client("sns")
        return self._client

    def publish(self, alert: Alert) -> str:
        try:
            response = self._sns().publish(**sns_request(self._topic_arn, alert))
        except (ClientError, BotoCoreError) as exc:
            raise AlertPublishError(
                f"cannot publish alert {alert.alert_id} to {self._topic_arn}: {exc}"
            ) from exc
        return str(response["MessageId"])


class RecordingPublisher:
    """An in-memory publisher for tests and local tools: keeps every alert it is given."""

    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def publish(self, alert: Alert) -> str:
        self.alerts.append(alert)
        return alert.alert_id
