"""Publishing to SNS: one JSON-structured message (alert JSON, email text, SMS line) and attributes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from inplay.alerts.model import Alert
from inplay.alerts.publisher import (
    AlertPublisher,
    AlertPublishError,
    RecordingPublisher,
    SnsAlertPublisher,
    sns_request,
)

TOPIC = "arn:aws:sns:us-east-1:123456789012:AlertsTopic"


class FakeSns:
    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.error = error

    def publish(self, **request: Any) -> dict[str, Any]:
        self.calls.append(request)
        if self.error:
            raise self.error
        return {"MessageId": "m-1"}


def test_request_carries_every_channel_and_filterable_attributes(order_error) -> None:
    alert = order_error()
    request = sns_request(TOPIC, alert)
    assert request["TopicArn"] == TOPIC
    assert request["MessageStructure"] == "json"
    assert request["Subject"] == "[LIVE] critical: Order state unknown"
    assert request["MessageAttributes"] == {
        "severity": {"DataType": "String", "StringValue": "critical"},
        "mode": {"DataType": "String", "StringValue": "LIVE"},
        "kind": {"DataType": "String", "StringValue": "ORDER_ERROR"},
    }
    bodies = json.loads(request["Message"])
    assert set(bodies) == {"default", "email", "sms"}
    assert Alert.from_message(bodies["default"]) == alert  # Lambda, HTTPS and queues get the alert JSON
    assert bodies["email"].startswith("[LIVE] Order state unknown\nMode: LIVE (real money)")
    assert bodies["sms"].startswith("[LIVE] critical: Order state unknown")


def test_publish_returns_the_message_id(entry) -> None:
    sns = FakeSns()
    publisher: AlertPublisher = SnsAlertPublisher(TOPIC, client=sns)  # type: ignore[arg-type]
    assert publisher.publish(entry()) == "m-1"
    assert sns.calls[0]["TopicArn"] == TOPIC


def test_aws_errors_become_a_typed_error_naming_the_topic(entry) -> None:
    denied = ClientError({"Error": {"Code": "AuthorizationError", "Message": "not allowed"}}, "Publish")
    with pytest.raises(AlertPublishError, match=f"to {TOPIC}: .*AuthorizationError"):
        SnsAlertPublisher(TOPIC, client=FakeSns(denied)).publish(entry())  # type: ignore[arg-type]


def test_an_empty_topic_is_refused() -> None:
    with pytest.raises(ValueError, match="topic ARN is empty"):
        SnsAlertPublisher("")


def test_recording_publisher_keeps_alerts(entry) -> None:
    recorder = RecordingPublisher()
    alert = entry()
    assert recorder.publish(alert) == alert.alert_id
    assert recorder.alerts == [alert]
