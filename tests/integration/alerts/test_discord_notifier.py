"""Alerts end to end under moto: the synthesized template provisioned, an alert published to the SNS
topic, the real ``discord_notifier`` run by the Lambda patch, and a local webhook sink on 127.0.0.1
playing Discord (accepting, rate limiting, failing)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
import pytest

from infra.constants import ALERTS_DLQ_ALARM_LOGICAL_ID, ALERTS_DLQ_LOGICAL_ID, ALERTS_KEY_LOGICAL_ID
from inplay.alerts import Alert, AlertKind, Mode, Severity, SnsAlertPublisher, TradeDetails
from inplay.config import DISCORD_NOTIFIER, Env
from local.cloud.provisioner import ProvisionedStack

pytestmark = [pytest.mark.timeout(120)]


def trade_entry(mode: Mode) -> Alert:
    return Alert(
        kind=AlertKind.TRADE_ENTRY,
        severity=Severity.INFO,
        mode=mode,
        title="Bought BOS to win",
        occurred_at=datetime.now(UTC),
        trade=TradeDetails(
            market="KXNBAGAME-26NOV24NYBOS-BOS",
            side="yes",
            price=Decimal("0.56"),
            size=Decimal("10"),
            confidence=Decimal("0.7"),
        ),
    )


def notifier_name(stack: ProvisionedStack) -> str:
    (function,) = [fn for fn in stack.functions.values() if fn.handler == DISCORD_NOTIFIER.handler]
    return function.name


def invoke_with(stack: ProvisionedStack, alert: Alert) -> tuple[dict[str, Any], dict[str, Any]]:
    """Invoke the notifier synchronously with the SNS event SNS would send; (response, payload)."""
    event = {
        "Records": [
            {"EventSource": "aws:sns", "Sns": {"Type": "Notification", "Message": alert.to_message()}}
        ]
    }
    response = boto3.client("lambda").invoke(
        FunctionName=notifier_name(stack), Payload=json.dumps(event).encode()
    )
    return dict(response), json.loads(response["Payload"].read())


def emitted_metrics(text: str) -> dict[str, float]:
    """Values of every EMF metric printed by powertools (one JSON document per line)."""
    values: dict[str, float] = {}
    for line in text.splitlines():
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        document = json.loads(line)
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                value = document[metric["Name"]]
                values[metric["Name"]] = values.get(metric["Name"], 0) + (
                    sum(value) if isinstance(value, list) else value
                )
    return values


@pytest.mark.parametrize(("mode", "badge"), [(Mode.LIVE, "🔴 LIVE"), (Mode.PAPER, "🟡 PAPER")])
def test_a_published_alert_reaches_the_webhook_with_its_mode(stack, topic_arn, sink, mode, badge) -> None:
    SnsAlertPublisher(topic_arn).publish(trade_entry(mode))
    # moto delivers SNS → Lambda synchronously: the notifier has run by now.
    (payload,) = sink.received
    embed = payload["embeds"][0]
    assert embed["title"] == f"{badge} · Bought BOS to win"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert badge in fields["Mode"]
    assert (fields["Price"], fields["Size"], fields["Confidence"]) == ("$0.56", "10 contracts", "70%")
    assert payload["allowed_mentions"] == {"parse": []}


def test_a_rate_limited_alert_is_delivered_once_after_waiting(stack, topic_arn, sink, sleeps) -> None:
    sink.rate_limit(0.4)
    SnsAlertPublisher(topic_arn).publish(trade_entry(Mode.LIVE))
    assert sink.attempts == 2
    assert len(sink.received) == 1
    assert sleeps == [0.4]  # Discord's retry_after, honoured (and not slept for real here)


def test_a_failing_webhook_fails_the_invocation_and_emits_the_failure_metric(
    stack, sink, sleeps, capsys
) -> None:
    sink.respond_with(503, body={"message": "upstream unavailable"}, times=10)
    response, payload = invoke_with(stack, trade_entry(Mode.LIVE))
    assert response.get("FunctionError"), payload  # Lambda retries it, then sends it to the DLQ
    assert payload["errorType"] == "AlertDeliveryError"
    assert "WebhookUnavailableError" in payload["errorMessage"]
    assert sink.received == [] and sink.attempts == 4  # the settings' max_attempts, then it gave up
    assert sleeps == [0.5, 1.0, 2.0]
    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics["AlertDeliveryFailures"] == 1
    assert metrics["AlertsDelivered"] == 0


def test_the_deploy_placeholder_fails_loudly_without_revealing_it(stack) -> None:
    secret_arn = stack.environment[Env.DISCORD_WEBHOOK_SECRET.value]
    placeholder = boto3.client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"]
    response, payload = invoke_with(stack, trade_entry(Mode.PAPER))
    assert response.get("FunctionError")
    assert payload["errorType"] == "AlertDeliveryError"
    assert secret_arn in payload["errorMessage"] and "WebhookNotConfiguredError" in payload["errorMessage"]
    assert placeholder not in json.dumps(payload)


def test_disabled_discord_delivers_nothing_and_does_not_fail(stack, sink) -> None:
    boto3.client("secretsmanager").put_secret_value(
        SecretId=stack.environment[Env.DISCORD_WEBHOOK_SECRET.value], SecretString="disabled"
    )
    response, payload = invoke_with(stack, trade_entry(Mode.LIVE))
    assert "FunctionError" not in response, payload
    assert (payload["skipped"], payload["delivered"]) == (1, 0)
    assert sink.attempts == 0


def test_the_dlq_alarm_message_is_posted_as_a_system_alarm(stack, topic_arn, sink) -> None:
    alarm = {
        "AlarmName": "Inplay-AlertsDeadLetterAlarm",
        "NewStateValue": "ALARM",
        "OldStateValue": "OK",
        "NewStateReason": "Threshold Crossed: 1 datapoint [1.0] was >= the threshold (1.0).",
    }
    boto3.client("sns").publish(TopicArn=topic_arn, Message=json.dumps(alarm))  # as CloudWatch sends it
    (payload,) = sink.received
    assert payload["embeds"][0]["title"] == "⚙️ SYSTEM · ALARM: Inplay-AlertsDeadLetterAlarm"


def test_the_local_cloud_creates_the_dlq_and_names_what_it_does_not_emulate(stack) -> None:
    assert ALERTS_DLQ_LOGICAL_ID in stack.queues
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=stack.queues[ALERTS_DLQ_LOGICAL_ID], AttributeNames=["MessageRetentionPeriod"]
    )["Attributes"]
    assert attributes["MessageRetentionPeriod"] == str(14 * 24 * 3600)
    skipped = {entry.logical_id: entry for entry in stack.skipped}
    assert "KMS" in skipped[ALERTS_KEY_LOGICAL_ID].reason
    assert "alarms" in skipped[ALERTS_DLQ_ALARM_LOGICAL_ID].reason
    invoke_configs = [e for e in stack.skipped if e.type == "AWS::Lambda::EventInvokeConfig"]
    assert invoke_configs and all("on-failure destination" in e.reason for e in invoke_configs)
