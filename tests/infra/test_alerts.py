"""Alerts: encrypted topic, the Discord notifier's subscription, DLQ and alarm, least-privilege
secret reads, and the optional email/SMS/PagerDuty subscriptions from CDK context."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

import infra.constructs.functions
from infra.constants import (
    ALERT_EMAIL_CONTEXT,
    ALERT_SMS_CONTEXT,
    ALERTS_DLQ_ALARM_LOGICAL_ID,
    ALERTS_DLQ_LOGICAL_ID,
    ALERTS_DLQ_OUTPUT,
    ALERTS_KEY_LOGICAL_ID,
    ALERTS_TOPIC_LOGICAL_ID,
    ALERTS_TOPIC_OUTPUT,
    DISCORD_WEBHOOK_SECRET_LOGICAL_ID,
    DISCORD_WEBHOOK_SECRET_OUTPUT,
    PAGERDUTY_URL_CONTEXT,
    function_logical_id,
)
from infra.constructs.alerts import AlertChannels, alert_channels
from infra.wiring import InfraConfigError, check_spec, function_environment
from inplay.config import (
    DISCORD_NOTIFIER,
    FUNCTIONS,
    AlertingSettings,
    DiscordNotifierSettings,
    Env,
    FunctionSpec,
    ObservabilitySettings,
)
from tests.infra.helpers import as_list, of_type, ref_target, role_statements

NOTIFIER = function_logical_id(DISCORD_NOTIFIER.name)


def _role(resources: dict[str, Any], function_id: str) -> str:
    role = ref_target(resources[function_id]["Properties"]["Role"])
    assert role is not None
    return role


def _statements_with(resources: dict[str, Any], prefix: str) -> dict[str, list[dict[str, Any]]]:
    """Function logical id → its role's statements that have an action starting with ``prefix``."""
    found: dict[str, list[dict[str, Any]]] = {}
    for function_id in of_type(resources, "AWS::Lambda::Function"):
        for statement in role_statements(resources, _role(resources, function_id)):
            if any(a.startswith(prefix) for a in as_list(statement["Action"])):
                found.setdefault(function_id, []).append(statement)
    return found


# --------------------------------------------------------------------------- the deployed template


@pytest.mark.slow
def test_topic_is_encrypted_with_a_rotating_key_and_refuses_plain_http(resources: dict[str, Any]) -> None:
    topic = resources[ALERTS_TOPIC_LOGICAL_ID]
    assert topic["Type"] == "AWS::SNS::Topic"
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [ALERTS_KEY_LOGICAL_ID, "Arn"]}
    key = resources[ALERTS_KEY_LOGICAL_ID]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    [policy] = [
        p["Properties"]
        for p in of_type(resources, "AWS::SNS::TopicPolicy").values()
        if {"Ref": ALERTS_TOPIC_LOGICAL_ID} in p["Properties"]["Topics"]
    ]
    statements = policy["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in statements
    )


@pytest.mark.slow
def test_cloudwatch_alarms_can_publish_to_the_encrypted_topic(resources: dict[str, Any]) -> None:
    key_statements = resources[ALERTS_KEY_LOGICAL_ID]["Properties"]["KeyPolicy"]["Statement"]
    [for_cloudwatch] = [
        s for s in key_statements if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert set(for_cloudwatch["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    [policy] = [
        p["Properties"]["PolicyDocument"]
        for p in of_type(resources, "AWS::SNS::TopicPolicy").values()
        if {"Ref": ALERTS_TOPIC_LOGICAL_ID} in p["Properties"]["Topics"]
    ]
    [allow] = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert allow["Action"] == "sns:Publish"
    assert set(allow["Condition"]) == {"ArnLike", "StringEquals"}  # only this account's alarms


@pytest.mark.slow
def test_the_notifier_is_subscribed_to_the_topic(resources: dict[str, Any]) -> None:
    subscriptions = [s["Properties"] for s in of_type(resources, "AWS::SNS::Subscription").values()]
    assert subscriptions == [
        {
            "Endpoint": {"Fn::GetAtt": [NOTIFIER, "Arn"]},
            "Protocol": "lambda",
            "TopicArn": {"Ref": ALERTS_TOPIC_LOGICAL_ID},
        }
    ]  # and nothing else: email/SMS/PagerDuty appear only with context
    permissions = [
        p["Properties"]
        for p in of_type(resources, "AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "sns.amazonaws.com"
    ]
    assert permissions == [
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Fn::GetAtt": [NOTIFIER, "Arn"]},
            "Principal": "sns.amazonaws.com",
            "SourceArn": {"Ref": ALERTS_TOPIC_LOGICAL_ID},
        }
    ]


@pytest.mark.slow
def test_failed_deliveries_are_retried_then_sent_to_an_encrypted_dlq(resources: dict[str, Any]) -> None:
    [config] = [
        c["Properties"]
        for c in of_type(resources, "AWS::Lambda::EventInvokeConfig").values()
        if ref_target(c["Properties"]["FunctionName"]) == NOTIFIER
    ]
    assert config["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": [ALERTS_DLQ_LOGICAL_ID, "Arn"]}}
    }
    assert config["MaximumRetryAttempts"] == 2
    assert config["MaximumEventAgeInSeconds"] == 6 * 3600
    queue = resources[ALERTS_DLQ_LOGICAL_ID]["Properties"]
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["MessageRetentionPeriod"] == 14 * 24 * 3600
    [queue_policy] = [
        p["Properties"]["PolicyDocument"]
        for p in of_type(resources, "AWS::SQS::QueuePolicy").values()
        if {"Ref": ALERTS_DLQ_LOGICAL_ID} in p["Properties"]["Queues"]
    ]
    [deny] = queue_policy["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # Only the notifier may send to its DLQ (what the destination needs), and to nothing else in SQS.
    sqs = _statements_with(resources, "sqs:")
    dlq = {"Fn::GetAtt": [ALERTS_DLQ_LOGICAL_ID, "Arn"]}
    assert [fn for fn, statements in sqs.items() if any(s["Resource"] == dlq for s in statements)] == [
        NOTIFIER
    ]
    assert [s["Resource"] for s in sqs[NOTIFIER]] == [dlq]


@pytest.mark.slow
def test_a_message_in_the_dlq_raises_an_alarm_on_the_topic(resources: dict[str, Any]) -> None:
    alarm = resources[ALERTS_DLQ_ALARM_LOGICAL_ID]["Properties"]
    assert alarm["Namespace"] == "AWS/SQS"
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": [ALERTS_DLQ_LOGICAL_ID, "QueueName"]}}
    ]
    assert alarm["Threshold"] == 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmActions"] == [{"Ref": ALERTS_TOPIC_LOGICAL_ID}]
    assert alarm["OKActions"] == [{"Ref": ALERTS_TOPIC_LOGICAL_ID}]


@pytest.mark.slow
def test_only_the_notifier_reads_the_webhook_secret_and_only_that_secret(resources: dict[str, Any]) -> None:
    reads = _statements_with(resources, "secretsmanager:")
    webhook = {"Ref": DISCORD_WEBHOOK_SECRET_LOGICAL_ID}
    assert [fn for fn, statements in reads.items() if any(s["Resource"] == webhook for s in statements)] == [
        NOTIFIER
    ]  # (the order worker reads its users' Kalshi credential secrets: tests/infra/test_order_workflow.py)
    assert reads[NOTIFIER] == [
        {
            "Action": "secretsmanager:GetSecretValue",
            "Effect": "Allow",
            "Resource": {"Ref": DISCORD_WEBHOOK_SECRET_LOGICAL_ID},
        }
    ]
    env = resources[NOTIFIER]["Properties"]["Environment"]["Variables"]
    assert env[Env.DISCORD_WEBHOOK_SECRET.value] == {"Ref": DISCORD_WEBHOOK_SECRET_LOGICAL_ID}
    # The notifier publishes nothing and touches no table.
    assert NOTIFIER not in _statements_with(resources, "sns:")
    assert NOTIFIER not in _statements_with(resources, "dynamodb:")
    assert NOTIFIER not in _statements_with(resources, "kms:")


@pytest.mark.slow
def test_the_secret_starts_as_a_generated_placeholder(resources: dict[str, Any]) -> None:
    secret = resources[DISCORD_WEBHOOK_SECRET_LOGICAL_ID]
    props = secret["Properties"]
    assert "SecretString" not in props  # never a URL (or any value) in the template
    assert props["GenerateSecretString"]["PasswordLength"] >= 32
    [ack] = secret["Metadata"]["cdk_nag"]["rules_to_suppress"]
    assert ack["id"] == "AwsSolutions-SMG4"
    assert "rotation" in ack["reason"]


@pytest.mark.slow
def test_outputs_tell_the_user_where_things_are(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert outputs[ALERTS_TOPIC_OUTPUT]["Value"] == {"Ref": ALERTS_TOPIC_LOGICAL_ID}
    assert outputs[DISCORD_WEBHOOK_SECRET_OUTPUT]["Value"] == {"Ref": DISCORD_WEBHOOK_SECRET_LOGICAL_ID}
    assert outputs[ALERTS_DLQ_OUTPUT]["Value"] == {"Ref": ALERTS_DLQ_LOGICAL_ID}


# --------------------------------------------------------------------------- with context (scratch synth)


class ProbeSettings(ObservabilitySettings, AlertingSettings):
    """A stand-in alert publisher (no such function exists yet) to check publish grants."""


PROBE = FunctionSpec(
    name="alert_probe",
    settings=ProbeSettings,
    tables={},
    topics=frozenset({Env.ALERTS_TOPIC_ARN}),
    handler="alert_probe.handler.handler",
    description="test-only alert publisher",
    timeout_seconds=10,
    memory_mb=128,
)


@pytest.fixture(scope="module")
def with_channels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from infra.stack import InplayStack

    context = {
        ALERT_EMAIL_CONTEXT: "ops@example.com, trader@example.com",
        ALERT_SMS_CONTEXT: ["+14155550100"],
        PAGERDUTY_URL_CONTEXT: "https://events.pagerduty.com/integration/0123abcd/enqueue",
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(infra.constructs.functions, "FUNCTIONS", (*FUNCTIONS, PROBE))
        stack = InplayStack(App(context=context), layer_asset=tmp_path_factory.mktemp("layer"))
        template: dict[str, Any] = Template.from_stack(stack).to_json()
    return template["Resources"]  # type: ignore[no-any-return]


@pytest.mark.slow
def test_optional_channels_from_context(with_channels: dict[str, Any]) -> None:
    subscriptions = [s["Properties"] for s in of_type(with_channels, "AWS::SNS::Subscription").values()]
    assert all(s["TopicArn"] == {"Ref": ALERTS_TOPIC_LOGICAL_ID} for s in subscriptions)
    by_protocol = {(s["Protocol"], json.dumps(s["Endpoint"])): s for s in subscriptions}
    assert set(by_protocol) == {
        ("lambda", json.dumps({"Fn::GetAtt": [NOTIFIER, "Arn"]})),
        ("email", '"ops@example.com"'),
        ("email", '"trader@example.com"'),
        ("sms", '"+14155550100"'),
        ("https", '"https://events.pagerduty.com/integration/0123abcd/enqueue"'),
    }
    for (protocol, _), sub in by_protocol.items():
        if protocol in ("sms", "https"):  # paging and texts for critical alerts only
            assert sub["FilterPolicy"] == {"severity": ["critical"]}
        else:
            assert "FilterPolicy" not in sub


@pytest.mark.slow
def test_a_publisher_gets_publish_and_the_topic_key_nothing_more(with_channels: dict[str, Any]) -> None:
    probe = function_logical_id(PROBE.name)
    env = with_channels[probe]["Properties"]["Environment"]["Variables"]
    assert env[Env.ALERTS_TOPIC_ARN.value] == {"Ref": ALERTS_TOPIC_LOGICAL_ID}
    statements = [
        s
        for s in role_statements(with_channels, _role(with_channels, probe))
        if not any(a.startswith(("logs:", "xray:")) for a in as_list(s["Action"]))
    ]
    assert sorted((sorted(as_list(s["Action"])), json.dumps(s["Resource"])) for s in statements) == [
        (["kms:Decrypt", "kms:GenerateDataKey"], json.dumps({"Fn::GetAtt": [ALERTS_KEY_LOGICAL_ID, "Arn"]})),
        (["sns:Publish"], json.dumps({"Ref": ALERTS_TOPIC_LOGICAL_ID})),
    ]


# --------------------------------------------------------------------------- pure rules


def _context(values: dict[str, Any]) -> Any:
    return values.get


def test_no_context_no_channels() -> None:
    assert alert_channels(_context({})) == AlertChannels()


def test_channels_accept_strings_and_lists() -> None:
    channels = alert_channels(
        _context({ALERT_EMAIL_CONTEXT: " a@b.co ,c@d.io", ALERT_SMS_CONTEXT: ["+447700900123"]})
    )
    assert channels == AlertChannels(emails=("a@b.co", "c@d.io"), sms_numbers=("+447700900123",))


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (ALERT_EMAIL_CONTEXT, "not-an-email", "not an email address"),
        (ALERT_SMS_CONTEXT, "4155550100", "E.164"),
        (PAGERDUTY_URL_CONTEXT, "http://events.pagerduty.com/x", "https://"),
        (ALERT_EMAIL_CONTEXT, 42, "string or a list"),
    ],
)
def test_bad_channel_values_are_refused_by_name(key: str, value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        alert_channels(_context({key: value}))
    assert key in str(caught.value)


class WrongSecretSettings(ObservabilitySettings):
    pass


def _spec(settings: type[Any], **grants: Any) -> FunctionSpec:
    return FunctionSpec(
        name="probe",
        settings=settings,
        tables={},
        handler="probe.handler.handler",
        description="probe",
        timeout_seconds=3,
        memory_mb=128,
        **grants,
    )


def test_specs_must_grant_exactly_the_secrets_and_topics_their_settings_read() -> None:
    check_spec(DISCORD_NOTIFIER)
    with pytest.raises(InfraConfigError, match="does not grant"):
        check_spec(_spec(DiscordNotifierSettings))  # reads the secret, grants nothing
    with pytest.raises(InfraConfigError, match="does not declare"):
        check_spec(_spec(WrongSecretSettings, secrets=frozenset({Env.DISCORD_WEBHOOK_SECRET})))
    with pytest.raises(InfraConfigError, match="name no secret"):
        check_spec(_spec(WrongSecretSettings, secrets=frozenset({Env.GAMES_TABLE})))
    with pytest.raises(InfraConfigError, match="does not grant"):
        check_spec(_spec(ProbeSettings))  # reads the topic, grants nothing


def test_environment_needs_the_referenced_resource() -> None:
    with pytest.raises(InfraConfigError, match="no resource"):
        function_environment(DISCORD_NOTIFIER, {})
    env = function_environment(DISCORD_NOTIFIER, {}, {Env.DISCORD_WEBHOOK_SECRET: "arn:secret"})
    assert env[Env.DISCORD_WEBHOOK_SECRET.value] == "arn:secret"


def test_the_notifier_can_retry_within_its_timeout() -> None:
    defaults = DiscordNotifierSettings.model_validate({Env.DISCORD_WEBHOOK_SECRET.value: "s"})
    worst = defaults.max_attempts * defaults.timeout_seconds + defaults.max_retry_wait_seconds
    assert worst < DISCORD_NOTIFIER.timeout_seconds - 5
