"""The reconciler, kill switch and watchdog in the template: the Fills stream → kill_switch mapping
and its dead-letter queue, invoke and state-machine wiring, credential grants, least privilege;
and the wiring rules that keep specs and infrastructure consistent."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.constants import (
    STREAM_BATCH_SIZE,
    STREAM_RETRY_ATTEMPTS,
    USER_ENUMERATING_FUNCTIONS,
    function_logical_id,
    stream_dlq_logical_id,
)
from infra.constructs.order_workflow import (
    ORDER_BATCH_STATE_MACHINE_LOGICAL_ID,
    ORDER_STATE_MACHINE_LOGICAL_ID,
)
from infra.wiring import (
    STREAM_READ_ACTIONS,
    InfraConfigError,
    check_spec,
    function_environment,
    kalshi_secret_prefix,
    reads_kalshi_credentials,
)
from inplay.config import (
    API,
    FUNCTIONS,
    KALSHI_SECRET_PREFIX,
    KILL_SWITCH,
    ORDER_WORKER,
    RECONCILER,
    STRATEGY,
    WATCHDOG,
    AlertingSettings,
    ApiSettings,
    Env,
    FunctionSpec,
    ObservabilitySettings,
)
from inplay.store.schema import FILLS, GAMES, INTENTS, TABLES
from tests.infra.helpers import as_list, of_type, ref_target, resource_table, role_statements

KILL = function_logical_id(KILL_SWITCH.name)
STREAM_DLQ = stream_dlq_logical_id(KILL_SWITCH.name, Env.FILLS_TABLE)


def _role(resources: dict[str, Any], spec: FunctionSpec) -> str:
    role = ref_target(resources[function_logical_id(spec.name)]["Properties"]["Role"])
    assert role is not None
    return role


def _statements(resources: dict[str, Any], spec: FunctionSpec, prefix: str) -> list[dict[str, Any]]:
    return [
        s
        for s in role_statements(resources, _role(resources, spec))
        if any(a.startswith(prefix) for a in as_list(s["Action"]))
    ]


def _env(resources: dict[str, Any], spec: FunctionSpec) -> dict[str, Any]:
    env: dict[str, Any] = resources[function_logical_id(spec.name)]["Properties"]["Environment"]["Variables"]
    return env


# --------------------------------------------------------------------------- the stream mapping


@pytest.mark.slow
def test_fills_stream_invokes_the_kill_switch_fast_with_bounded_retries(resources: dict[str, Any]) -> None:
    mappings = [m["Properties"] for m in of_type(resources, "AWS::Lambda::EventSourceMapping").values()]
    assert len(mappings) == sum(len(spec.streams) for spec in FUNCTIONS)
    [mapping] = [m for m in mappings if m["FunctionName"] == {"Ref": KILL}]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [FILLS.logical_id, "StreamArn"]}
    assert mapping["FunctionName"] == {"Ref": KILL}
    assert mapping["StartingPosition"] == "LATEST"
    assert mapping["BatchSize"] == STREAM_BATCH_SIZE <= 10
    assert mapping["MaximumBatchingWindowInSeconds"] == 0
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["MaximumRetryAttempts"] == STREAM_RETRY_ATTEMPTS <= 5
    assert 0 < mapping["MaximumRecordAgeInSeconds"] <= 3600
    assert mapping["DestinationConfig"] == {"OnFailure": {"Destination": {"Fn::GetAtt": [STREAM_DLQ, "Arn"]}}}
    assert "Enabled" not in mapping or mapping["Enabled"] is True


@pytest.mark.slow
def test_the_fills_table_streams_new_images(resources: dict[str, Any]) -> None:
    spec = resources[FILLS.logical_id]["Properties"]["StreamSpecification"]
    assert spec["StreamViewType"] in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES")


@pytest.mark.slow
def test_the_stream_dead_letter_queue_is_encrypted_and_tls_only(resources: dict[str, Any]) -> None:
    queue = resources[STREAM_DLQ]
    assert queue["Type"] == "AWS::SQS::Queue"
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    [policy] = [
        p["Properties"]["PolicyDocument"]
        for p in of_type(resources, "AWS::SQS::QueuePolicy").values()
        if {"Ref": STREAM_DLQ} in p["Properties"]["Queues"]
    ]
    [deny] = policy["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    [ack] = queue["Metadata"]["cdk_nag"]["rules_to_suppress"]
    assert ack["id"] == "AwsSolutions-SQS3" and "dead-letter queue" in ack["reason"]


@pytest.mark.slow
def test_the_kill_switch_reads_only_the_fills_stream_and_sends_only_to_its_dlq(
    resources: dict[str, Any],
) -> None:
    stream_statements = [
        s
        for s in _statements(resources, KILL_SWITCH, "dynamodb:")
        if set(as_list(s["Action"])) & {"dynamodb:GetRecords", "dynamodb:GetShardIterator"}
    ]
    assert stream_statements == [
        {
            "Action": list(STREAM_READ_ACTIONS),
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [FILLS.logical_id, "StreamArn"]},
        }
    ]
    assert stream_statements[0] in _statements(resources, KILL_SWITCH, "dynamodb:")
    [send] = _statements(resources, KILL_SWITCH, "sqs:")
    assert send["Resource"] == {"Fn::GetAtt": [STREAM_DLQ, "Arn"]}
    assert set(as_list(send["Action"])) <= {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}


@pytest.mark.slow
def test_the_mapping_is_created_after_the_role_can_read_the_stream(resources: dict[str, Any]) -> None:
    """CloudFormation validates the role when it creates the mapping: the function (which the
    mapping refers to) must depend on the policy that grants the stream read."""
    depends = as_list(resources[KILL].get("DependsOn", []))
    policies = [
        name
        for name, policy in of_type(resources, "AWS::IAM::Policy").items()
        if any(ref_target(r) == _role(resources, KILL_SWITCH) for r in policy["Properties"]["Roles"])
        and "StreamArn" in json.dumps(policy["Properties"]["PolicyDocument"])
    ]
    assert policies and set(policies) <= set(depends)


# --------------------------------------------------------------------------- invoke and state machines


@pytest.mark.slow
def test_the_api_may_invoke_exactly_the_reconciler_and_the_kill_switch(resources: dict[str, Any]) -> None:
    invokes = {
        ref_target(r)
        for spec in FUNCTIONS
        for s in _statements(resources, spec, "lambda:")
        for r in as_list(s["Resource"])
        if spec is API
    }
    assert invokes == {function_logical_id(RECONCILER.name), KILL}
    for spec in FUNCTIONS:
        if spec is not API:
            assert _statements(resources, spec, "lambda:") == [], spec.name
    env = _env(resources, API)
    assert env[Env.RECONCILER_FUNCTION.value] == {"Ref": function_logical_id(RECONCILER.name)}
    assert env[Env.KILL_SWITCH_FUNCTION.value] == {"Ref": KILL}


@pytest.mark.slow
def test_the_kill_switch_may_start_only_the_batch_machine(resources: dict[str, Any]) -> None:
    [start] = [
        s for s in _statements(resources, KILL_SWITCH, "states:") if s["Action"] == "states:StartExecution"
    ]
    assert start["Resource"] == {"Ref": ORDER_BATCH_STATE_MACHINE_LOGICAL_ID}
    [describe] = [
        s for s in _statements(resources, KILL_SWITCH, "states:") if s["Action"] == "states:DescribeExecution"
    ]
    assert {"Fn::GetAtt": [ORDER_BATCH_STATE_MACHINE_LOGICAL_ID, "Name"]} in describe["Resource"]["Fn::Join"][
        1
    ]
    assert len(_statements(resources, KILL_SWITCH, "states:")) == 2
    assert _env(resources, KILL_SWITCH)[Env.ORDER_BATCH_STATE_MACHINE_ARN.value] == {
        "Ref": ORDER_BATCH_STATE_MACHINE_LOGICAL_ID
    }


@pytest.mark.slow
def test_only_the_api_strategy_and_kill_switch_start_executions(resources: dict[str, Any]) -> None:
    starters = {
        spec.name: ref_target(s["Resource"])
        for spec in FUNCTIONS
        for s in _statements(resources, spec, "states:")
        if s["Action"] == "states:StartExecution"
    }
    assert starters == {
        API.name: ORDER_STATE_MACHINE_LOGICAL_ID,
        STRATEGY.name: ORDER_STATE_MACHINE_LOGICAL_ID,
        KILL_SWITCH.name: ORDER_BATCH_STATE_MACHINE_LOGICAL_ID,
    }


# --------------------------------------------------------------------------- credentials


@pytest.mark.slow
@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.name)
def test_kalshi_credentials_only_for_functions_that_talk_to_kalshi(
    resources: dict[str, Any], spec: FunctionSpec
) -> None:
    reads = _statements(resources, spec, "secretsmanager:GetSecretValue")
    prefixed = [s for s in reads if "Fn::Join" in json.dumps(s["Resource"])]
    if reads_kalshi_credentials(spec):
        [statement] = prefixed
        assert statement["Resource"]["Fn::Join"][1][-1].endswith(f":secret:{KALSHI_SECRET_PREFIX}*")
    else:
        assert prefixed == []
    lists = [
        s
        for s in role_statements(resources, _role(resources, spec))
        if "secretsmanager:ListSecrets" in as_list(s["Action"])
    ]
    if spec.name in USER_ENUMERATING_FUNCTIONS:
        [statement] = lists
        assert statement["Resource"] == "*"
    else:
        assert lists == []


def test_the_functions_that_enumerate_users_read_kalshi_credentials() -> None:
    assert {RECONCILER.name, KILL_SWITCH.name} == USER_ENUMERATING_FUNCTIONS
    for spec in FUNCTIONS:
        if spec.name in USER_ENUMERATING_FUNCTIONS:
            assert reads_kalshi_credentials(spec)
    assert {s.name for s in FUNCTIONS if reads_kalshi_credentials(s)} == {
        API.name,  # bot start pre-flight: credentials valid, venue reachable, balance
        ORDER_WORKER.name,
        RECONCILER.name,
        KILL_SWITCH.name,
        STRATEGY.name,  # a live bot's balance for sizing
    }
    assert kalshi_secret_prefix(RECONCILER) == KALSHI_SECRET_PREFIX
    with pytest.raises(InfraConfigError, match="no Kalshi"):
        kalshi_secret_prefix(WATCHDOG)


# --------------------------------------------------------------------------- least privilege


@pytest.mark.slow
def test_the_watchdog_touches_only_the_risk_table_and_the_topic(resources: dict[str, Any]) -> None:
    statements = list(role_statements(resources, _role(resources, WATCHDOG)))
    actions = {a for s in statements for a in as_list(s["Action"])}
    assert {a.split(":")[0] for a in actions} == {"logs", "xray", "dynamodb", "sns", "kms"}
    tables = {
        (resource_table(r) or ("?", None))[0]
        for s in statements
        if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))
        for r in as_list(s["Resource"])
    }
    assert tables == {t.logical_id for t in TABLES if t.env is Env.RISK_TABLE}
    assert INTENTS.logical_id not in tables


@pytest.mark.slow
def test_the_kill_switch_only_reads_games(resources: dict[str, Any]) -> None:
    on_games = {
        a
        for s in _statements(resources, KILL_SWITCH, "dynamodb:")
        for r in as_list(s["Resource"])
        if (resource_table(r) or ("", None))[0] == GAMES.logical_id
        for a in as_list(s["Action"])
    }
    assert on_games and not on_games & {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}


@pytest.mark.slow
@pytest.mark.parametrize("spec", [RECONCILER, KILL_SWITCH, WATCHDOG], ids=lambda s: s.name)
def test_new_functions_are_scheduled(resources: dict[str, Any], spec: FunctionSpec) -> None:
    targets = [
        rule["Properties"]["ScheduleExpression"]
        for rule in of_type(resources, "AWS::Events::Rule").values()
        if any(ref_target(t["Arn"]) == function_logical_id(spec.name) for t in rule["Properties"]["Targets"])
    ]
    assert targets == [spec.schedule]


# --------------------------------------------------------------------------- pure wiring rules


class _InvokerSettings(ObservabilitySettings, AlertingSettings):
    pass


def _spec(settings: type[Any], **fields: Any) -> FunctionSpec:
    defaults: dict[str, Any] = {
        "tables": {},
        "handler": "probe.handler.handler",
        "description": "probe",
        "timeout_seconds": 3,
        "memory_mb": 128,
    }
    return FunctionSpec(name="probe", settings=settings, **{**defaults, **fields})


def test_invokes_must_match_the_settings() -> None:
    for spec in FUNCTIONS:
        check_spec(spec)
    with pytest.raises(InfraConfigError, match="does not grant"):
        # The api's settings name both functions; a spec that invokes nothing is refused.
        check_spec(_spec(ApiSettings, tables=API.tables, topics=API.topics))
    with pytest.raises(InfraConfigError, match="does not declare"):
        check_spec(_spec(_InvokerSettings, topics=API.topics, invokes=frozenset({Env.RECONCILER_FUNCTION})))
    with pytest.raises(InfraConfigError, match="name no function"):
        check_spec(_spec(_InvokerSettings, topics=API.topics, invokes=frozenset({Env.GAMES_TABLE})))


def test_streams_must_name_a_table_with_a_stream() -> None:
    topics = frozenset({Env.ALERTS_TOPIC_ARN})
    check_spec(_spec(_InvokerSettings, topics=topics, streams=frozenset({Env.FILLS_TABLE})))
    with pytest.raises(InfraConfigError, match="has no stream"):
        check_spec(_spec(_InvokerSettings, topics=topics, streams=frozenset({Env.AUDIT_TABLE})))
    with pytest.raises(InfraConfigError, match="names no table"):
        check_spec(_spec(_InvokerSettings, topics=topics, streams=frozenset({Env.ALERTS_TOPIC_ARN})))


def test_late_bound_variables_are_left_to_their_constructs() -> None:
    tables = {t.env: f"name-{t.env.value}" for t in TABLES}
    references = {
        Env.ALERTS_TOPIC_ARN: "arn:topic",
        Env.COGNITO_USER_POOL_ID: "us-east-1_Pool",
        Env.COGNITO_CLIENT_ID: "client",
    }
    api = function_environment(API, tables, references)
    kill = function_environment(KILL_SWITCH, tables, references)
    assert Env.RECONCILER_FUNCTION.value not in api and Env.KILL_SWITCH_FUNCTION.value not in api
    assert Env.ORDER_STATE_MACHINE_ARN.value not in api
    assert Env.ORDER_BATCH_STATE_MACHINE_ARN.value not in kill
    assert kill[Env.FILLS_TABLE.value] == f"name-{Env.FILLS_TABLE.value}"
