"""Alerts: an encrypted SNS topic, the Discord notifier's wiring, its DLQ and optional channels.

- The topic is encrypted with its own KMS key (rotated yearly) so that CloudWatch alarms can
  publish to it (an AWS-managed SNS key does not let them), and it refuses non-TLS requests.
- The Discord webhook URL lives in a Secrets Manager secret created with a random placeholder;
  the user puts the real URL in after deploy (README). Only the notifier may read it.
- ``discord_notifier`` (built by ``Functions`` from its spec) is subscribed to the topic; a failed
  delivery is retried twice by Lambda, then lands in an encrypted SQS dead-letter queue (its depth
  alarm is built with the others in ``infra/constructs/alarms.py``).
- Email, SMS and HTTPS (PagerDuty) subscriptions come from CDK context (:func:`alert_channels`).
  SMS and PagerDuty receive critical alerts only (a ``severity`` message attribute); email
  receives everything, CloudWatch alarm notifications included (they carry no attributes).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, cast

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constants import (
    ALERT_EMAIL_CONTEXT,
    ALERT_SMS_CONTEXT,
    ALERTS_DLQ_ALARM_LOGICAL_ID,
    ALERTS_DLQ_LOGICAL_ID,
    ALERTS_DLQ_RETENTION_DAYS,
    ALERTS_KEY_LOGICAL_ID,
    ALERTS_TOPIC_LOGICAL_ID,
    DISCORD_WEBHOOK_SECRET_LOGICAL_ID,
    NOTIFIER_ASYNC_RETRIES,
    NOTIFIER_MAX_EVENT_AGE_SECONDS,
    PAGERDUTY_URL_CONTEXT,
)
from infra.constructs.alarms import DeadLetterQueueWatch
from infra.nag import acknowledge
from inplay.config import Env

__all__ = ["CRITICAL_ONLY", "AlertChannels", "Alerts", "alert_channels"]

_EMAIL: Final = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
_E164: Final = re.compile(r"^\+[1-9][0-9]{6,14}$")
_HTTPS_URL: Final = re.compile(r"^https://[^\s/]+(/\S*)?$")
CRITICAL_ONLY: Final = {"severity": sns.SubscriptionFilter.string_filter(allowlist=["critical"])}
"""SMS and paging are for alerts that need a person now (kill switch, watchdog, unknown state)."""


@dataclass(frozen=True, slots=True)
class AlertChannels:
    """Optional SNS subscriptions beside Discord, from CDK context."""

    emails: tuple[str, ...] = ()
    sms_numbers: tuple[str, ...] = ()
    https_urls: tuple[str, ...] = ()


def _values(get: Callable[[str], Any], key: str) -> tuple[str, ...]:
    value = get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        items = [part.strip() for part in value.split(",")]
    elif isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        items = [item.strip() for item in value]
    else:
        raise ValueError(f"context {key} must be a string or a list of strings, got {value!r}")
    return tuple(item for item in items if item)


def alert_channels(get: Callable[[str], Any]) -> AlertChannels:
    """Read and validate the optional alert channels (``get`` = ``node.try_get_context``).

    Raises ``ValueError`` naming the context key and the bad value (synth turns it into a one-line
    error).
    """
    emails = _values(get, ALERT_EMAIL_CONTEXT)
    numbers = _values(get, ALERT_SMS_CONTEXT)
    urls = _values(get, PAGERDUTY_URL_CONTEXT)
    for email in emails:
        if not _EMAIL.match(email):
            raise ValueError(f"context {ALERT_EMAIL_CONTEXT}: {email!r} is not an email address")
    for number in numbers:
        if not _E164.match(number):
            raise ValueError(
                f"context {ALERT_SMS_CONTEXT}: {number!r} is not an E.164 phone number (e.g. +14155550100)"
            )
    for url in urls:
        if not _HTTPS_URL.match(url):
            raise ValueError(f"context {PAGERDUTY_URL_CONTEXT}: {url!r} is not an https:// URL")
    return AlertChannels(emails=emails, sms_numbers=numbers, https_urls=urls)


class Alerts(Construct):
    """The alerts topic and everything around it; call :meth:`connect_notifier` once the
    ``discord_notifier`` function exists (it needs the secret first, for its environment)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, channels: AlertChannels = AlertChannels()
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.key = kms.Key(
            self,
            "TopicKey",
            description="Encrypts the inplay alerts topic (CloudWatch alarms may publish to it)",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
            pending_window=Duration.days(7),
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublishToAlertsTopic",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" is this key
            )
        )
        self.topic = sns.Topic(
            self,
            "Topic",
            display_name="inplay alerts",
            master_key=self.key,
            enforce_ssl=True,
        )
        alarms_arn = f"arn:{stack.partition}:cloudwatch:{stack.region}:{stack.account}:alarm:*"
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "ArnLike": {"aws:SourceArn": alarms_arn},
                    "StringEquals": {"aws:SourceAccount": stack.account},
                },
            )
        )
        self.webhook_secret = secretsmanager.Secret(
            self,
            "DiscordWebhook",
            description=(
                "Discord webhook URL for inplay alerts. Deployed with a random placeholder: replace the "
                "value with the webhook URL (or the word 'disabled')."
            ),
            generate_secret_string=secretsmanager.SecretStringGenerator(
                exclude_punctuation=True, password_length=32
            ),
        )
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(ALERTS_DLQ_RETENTION_DAYS),
        )
        self._subscribe_channels(channels)
        self._stable_ids()
        self._acknowledge()

    @property
    def dead_letter_watch(self) -> DeadLetterQueueWatch:
        """The notifier's DLQ for :class:`~infra.constructs.alarms.Alarms` (alarm on any message)."""
        return DeadLetterQueueWatch(
            alarm_logical_id=ALERTS_DLQ_ALARM_LOGICAL_ID,
            queue=self.dead_letter_queue,
            description=(
                "Alerts that never reached Discord are waiting in the discord_notifier dead-letter queue; "
                "check the webhook secret and the notifier's logs, then redrive (docs/runbook.md)."
            ),
        )

    @property
    def secrets(self) -> dict[Env, secretsmanager.ISecret]:
        """Env var → secret, for ``Functions`` (environment and least-privilege reads)."""
        return {Env.DISCORD_WEBHOOK_SECRET: self.webhook_secret}

    @property
    def topics(self) -> dict[Env, sns.ITopic]:
        """Env var → topic, for ``Functions`` (publishers)."""
        return {Env.ALERTS_TOPIC_ARN: self.topic}

    def connect_notifier(self, notifier: lambda_.Function) -> None:
        """Subscribe ``notifier`` to the topic; its failed async invocations go to the DLQ."""
        self.topic.add_subscription(subscriptions.LambdaSubscription(notifier))
        notifier.configure_async_invoke(
            on_failure=destinations.SqsDestination(self.dead_letter_queue),
            retry_attempts=NOTIFIER_ASYNC_RETRIES,
            max_event_age=Duration.seconds(NOTIFIER_MAX_EVENT_AGE_SECONDS),
        )

    def _subscribe_channels(self, channels: AlertChannels) -> None:
        for email in channels.emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
        for number in channels.sms_numbers:
            self.topic.add_subscription(subscriptions.SmsSubscription(number, filter_policy=CRITICAL_ONLY))
        for url in channels.https_urls:
            self.topic.add_subscription(
                subscriptions.UrlSubscription(
                    url, protocol=sns.SubscriptionProtocol.HTTPS, filter_policy=CRITICAL_ONLY
                )
            )

    def _stable_ids(self) -> None:
        for construct, logical_id in (
            (self.key, ALERTS_KEY_LOGICAL_ID),
            (self.topic, ALERTS_TOPIC_LOGICAL_ID),
            (self.webhook_secret, DISCORD_WEBHOOK_SECRET_LOGICAL_ID),
            (self.dead_letter_queue, ALERTS_DLQ_LOGICAL_ID),
        ):
            cast(Any, construct.node.default_child).override_logical_id(logical_id)

    def _acknowledge(self) -> None:
        acknowledge(
            cast(Construct, self.webhook_secret.node.default_child),
            "AwsSolutions-SMG4",
            "The secret holds a Discord webhook URL that Discord issues and only the user can replace (in "
            "Discord, then in this secret); no rotation Lambda could mint a new one, so rotation is manual.",
        )
        acknowledge(
            cast(Construct, self.dead_letter_queue.node.default_child),
            "AwsSolutions-SQS3",
            "This queue is itself the dead-letter queue: the discord_notifier's on-failure destination; a "
            "DLQ of a DLQ would only move the same undelivered alerts again.",
        )
