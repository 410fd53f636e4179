"""The notifier: SNS records → Discord; failures raise (and count), malformed messages are dropped."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from inplay.alerts.discord import WebhookDelivery, WebhookRejectedError, WebhookUnavailableError
from inplay.alerts.notifier import (
    AlertDeliveryError,
    AlertNotifier,
    WebhookNotConfiguredError,
    check_webhook_url,
    parse_notification,
)

URL = "https://discord.com/api/webhooks/1/token"
ALARM = {
    "AlarmName": "Inplay-AlertsDeadLetterAlarm",
    "AlarmDescription": "Alerts that never reached Discord are waiting in the DLQ",
    "NewStateValue": "ALARM",
    "OldStateValue": "OK",
    "NewStateReason": "Threshold Crossed: 1 datapoint [1.0] was >= 1.0",
    "StateChangeTime": "2026-11-24T23:20:00.000+0000",
    "Region": "US East (N. Virginia)",
    "Trigger": {"MetricName": "ApproximateNumberOfMessagesVisible"},
}


def sns_event(*messages: str) -> dict[str, Any]:
    return {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": m}} for m in messages]}


class Sender:
    def __init__(self, *failures: Exception | None) -> None:
        self.failures = list(failures)
        self.posts: list[tuple[str, dict[str, Any]]] = []

    def post(self, url: str, payload: Mapping[str, Any]) -> WebhookDelivery:
        self.posts.append((url, dict(payload)))
        failure = self.failures.pop(0) if self.failures else None
        if failure is not None:
            raise failure
        return WebhookDelivery(status=204, attempts=1, waited_seconds=0.0, rate_limited=0)


class Metrics:
    def __init__(self) -> None:
        self.values: dict[str, float] = {}

    def add_metric(self, name: str, unit: str, value: float) -> None:
        assert unit == "Count"
        self.values[name] = self.values.get(name, 0) + value


class Urls:
    """A webhook URL source whose value can change (like a secret the user just edited)."""

    def __init__(self, *values: str | None) -> None:
        self.values = list(values)
        self.refreshes = 0

    def __call__(self, *, refresh: bool = False) -> str | None:
        if refresh:
            self.refreshes += 1
            self.values.pop(0)
        return self.values[0]


def test_each_alert_is_posted_as_an_embed_and_counted(entry, exit_alert) -> None:
    sender, metrics = Sender(), Metrics()
    report = AlertNotifier(Urls(URL), sender, metrics=metrics).notify_sns(
        sns_event(entry().to_message(), exit_alert("1.20").to_message())
    )
    assert (report.received, report.delivered, report.failed) == (2, 2, 0)
    assert [url for url, _ in sender.posts] == [URL, URL]
    titles = [payload["embeds"][0]["title"] for _, payload in sender.posts]
    assert titles == ["🔴 LIVE · Bought BOS to win", "🟡 PAPER · Closed BOS"]
    assert metrics.values["AlertsDelivered"] == 2 and metrics.values["AlertDeliveryFailures"] == 0


def test_a_failed_delivery_raises_after_trying_every_record_and_counts_it(entry) -> None:
    sender, metrics = Sender(WebhookUnavailableError("Discord answered 503"), None), Metrics()
    notifier = AlertNotifier(Urls(URL), sender, metrics=metrics)
    with pytest.raises(AlertDeliveryError, match=r"1 of 2 alert\(s\) not delivered.*WebhookUnavailableError"):
        notifier.notify_sns(sns_event(entry().to_message(), entry().to_message()))
    assert len(sender.posts) == 2  # the second alert was still tried
    assert metrics.values["AlertDeliveryFailures"] == 1
    assert metrics.values["AlertsDelivered"] == 1


@pytest.mark.parametrize(
    "message",
    [
        "not json",
        "[1, 2]",
        json.dumps({"hello": "world"}),
        json.dumps({"schema": "inplay.alert/1", "kind": "NOPE"}),
    ],
)
def test_malformed_messages_are_counted_and_not_retried(message: str) -> None:
    sender, metrics = Sender(), Metrics()
    report = AlertNotifier(Urls(URL), sender, metrics=metrics).notify_sns(sns_event(message))
    assert (report.malformed, report.failed) == (1, 0)
    assert sender.posts == []
    assert metrics.values["AlertsMalformed"] == 1


def test_an_event_without_records_is_malformed_not_fatal() -> None:
    metrics = Metrics()
    report = AlertNotifier(Urls(URL), Sender(), metrics=metrics).notify_sns(
        {"detail-type": "Scheduled Event"}
    )
    assert report.malformed == 1 and metrics.values["AlertsMalformed"] == 1


def test_disabled_discord_skips_without_failing(entry) -> None:
    sender, metrics = Sender(), Metrics()
    report = AlertNotifier(Urls(None), sender, metrics=metrics).notify_sns(sns_event(entry().to_message()))
    assert (report.skipped, report.delivered, report.failed) == (1, 0, 0)
    assert sender.posts == [] and metrics.values["AlertsSkipped"] == 1


def test_an_unconfigured_secret_fails_the_invocation(entry) -> None:
    def placeholder(*, refresh: bool = False) -> str | None:
        return check_webhook_url("Xq3v9R2placeholder", secret_id="arn:aws:secretsmanager:secret:webhook")

    with pytest.raises(
        AlertDeliveryError, match=r"WebhookNotConfiguredError.*arn:aws:secretsmanager:secret:webhook"
    ):
        AlertNotifier(placeholder, Sender()).notify_sns(sns_event(entry().to_message()))


def test_a_replaced_webhook_is_picked_up_at_once(entry) -> None:
    new_url = "https://discord.com/api/webhooks/2/new"
    urls = Urls(URL, new_url)
    sender = Sender(WebhookRejectedError("Unknown Webhook", status=404), None)
    report = AlertNotifier(urls, sender).notify_sns(sns_event(entry().to_message()))
    assert report.delivered == 1 and urls.refreshes == 1
    assert [url for url, _ in sender.posts] == [URL, new_url]


def test_a_rejection_with_the_same_url_is_not_retried(entry) -> None:
    sender = Sender(WebhookRejectedError("bad embed", status=400))
    with pytest.raises(AlertDeliveryError, match="WebhookRejectedError"):
        AlertNotifier(Urls(URL), sender).notify_sns(sns_event(entry().to_message()))
    assert len(sender.posts) == 1


def test_cloudwatch_alarms_are_posted_as_system_alarms_naming_both_modes() -> None:
    sender = Sender()
    report = AlertNotifier(Urls(URL), sender).notify_sns(sns_event(json.dumps(ALARM)))
    assert report.delivered == 1
    payload = sender.posts[0][1]
    embed = payload["embeds"][0]
    assert embed["title"] == "⚙️ SYSTEM · ALARM: Inplay-AlertsDeadLetterAlarm"
    assert "LIVE" in embed["fields"][0]["value"] and "PAPER" in embed["fields"][0]["value"]
    assert "Threshold Crossed" in embed["description"]
    assert payload["content"].startswith("🚨")


def test_parse_notification_tells_alerts_from_alarms(entry) -> None:
    alert = entry()
    assert parse_notification(alert.to_message()) == alert
    assert parse_notification(json.dumps(ALARM)).alarm_name == ALARM["AlarmName"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("value", "url"),
    [
        (URL, URL),
        (f"  {URL}\n", URL),
        (json.dumps({"url": URL}), URL),
        (json.dumps({"webhook_url": URL}), URL),
        (
            "http://127.0.0.1:8123/api/webhooks/local/alerts",
            "http://127.0.0.1:8123/api/webhooks/local/alerts",
        ),
        ("DISABLED", None),
    ],
)
def test_webhook_secret_values(value: str, url: str | None) -> None:
    assert check_webhook_url(value, secret_id="s") == url


@pytest.mark.parametrize(
    "value", ["", "Xq3v9R2placeholder", "http://discord.com/api/webhooks/1/t", "ftp://x", '{"url": ""}']
)
def test_bad_webhook_secret_values_never_echo_the_value(value: str) -> None:
    with pytest.raises(WebhookNotConfiguredError, match="secret my-secret holds no webhook URL") as caught:
        check_webhook_url(value, secret_id="my-secret")
    if value:
        assert value not in str(caught.value)
