"""The order state machines in the template: built from ``infra/workflows/order.asl.json`` with its
substitutions pointing at the order worker, logging ALL, tracing, and least-privilege roles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.constants import function_logical_id
from infra.constructs.order_workflow import (
    ORDER_BATCH_STATE_MACHINE_LOGICAL_ID,
    ORDER_STATE_MACHINE_LOGICAL_ID,
)
from infra.workflows import ORDER_ASL, WORKER_ARN_SUBSTITUTION, batch_definition, substitutions_in
from inplay.config import KALSHI_SECRET_PREFIX, ORDER_WORKER
from tests.infra.helpers import as_list, of_type, ref_target, role_statements

pytestmark = pytest.mark.slow

MACHINES = (ORDER_STATE_MACHINE_LOGICAL_ID, ORDER_BATCH_STATE_MACHINE_LOGICAL_ID)
WORKER = function_logical_id(ORDER_WORKER.name)
LOG_DELIVERY_AND_TRACING = {
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:PutTelemetryRecords",
    "xray:PutTraceSegments",
}


def _definition(cloud_assembly: Path, props: dict[str, Any]) -> str:
    if "DefinitionString" in props:
        value = props["DefinitionString"]
        assert isinstance(value, str), "the definition must be plain text with ${...} substitutions"
        return value
    key = props["DefinitionS3Location"]["Key"]
    manifest = json.loads((cloud_assembly / "Inplay.assets.json").read_text())
    [source] = [
        asset["source"]["path"]
        for asset in manifest["files"].values()
        if any(dest["objectKey"] == key for dest in asset["destinations"].values())
    ]
    return str((cloud_assembly / source).read_text())


def test_two_standard_state_machines(resources: dict[str, Any]) -> None:
    machines = of_type(resources, "AWS::StepFunctions::StateMachine")
    assert set(machines) == set(MACHINES)
    for machine in machines.values():
        assert machine["Properties"]["StateMachineType"] == "STANDARD"


def test_the_single_order_definition_is_the_file_itself(
    resources: dict[str, Any], cloud_assembly: Path
) -> None:
    props = resources[ORDER_STATE_MACHINE_LOGICAL_ID]["Properties"]
    assert "DefinitionS3Location" in props  # DefinitionBody.from_file: the file is the asset
    assert _definition(cloud_assembly, props) == ORDER_ASL.read_text()


def test_the_batch_definition_is_generated_from_the_same_file(
    resources: dict[str, Any], cloud_assembly: Path
) -> None:
    props = resources[ORDER_BATCH_STATE_MACHINE_LOGICAL_ID]["Properties"]
    batch = json.loads(_definition(cloud_assembly, props))
    assert batch == batch_definition()
    order = json.loads(ORDER_ASL.read_text())
    processor = batch["States"]["Legs"]["ItemProcessor"]["States"]
    assert processor == {name: state for name, state in order["States"].items() if name != "Begin"}


@pytest.mark.parametrize("logical_id", MACHINES)
def test_substitutions_point_at_the_order_worker(
    resources: dict[str, Any], cloud_assembly: Path, logical_id: str
) -> None:
    props = resources[logical_id]["Properties"]
    assert props["DefinitionSubstitutions"] == {WORKER_ARN_SUBSTITUTION: {"Fn::GetAtt": [WORKER, "Arn"]}}
    text = _definition(cloud_assembly, props)
    assert substitutions_in(text) == {WORKER_ARN_SUBSTITUTION}
    assert resources[WORKER]["Properties"]["Handler"] == ORDER_WORKER.handler


@pytest.mark.parametrize("logical_id", MACHINES)
def test_logging_all_with_execution_data_and_tracing(resources: dict[str, Any], logical_id: str) -> None:
    props = resources[logical_id]["Properties"]
    logging = props["LoggingConfiguration"]
    assert logging["Level"] == "ALL" and logging["IncludeExecutionData"] is True
    [destination] = logging["Destinations"]
    group = resources[ref_target(destination["CloudWatchLogsLogGroup"]["LogGroupArn"]) or ""]["Properties"]
    assert group["LogGroupName"].startswith("/aws/vendedlogs/states/")
    assert group["RetentionInDays"] == 30
    assert props["TracingConfiguration"] == {"Enabled": True}


@pytest.mark.parametrize("logical_id", MACHINES)
def test_the_role_may_only_invoke_the_worker_and_log_and_trace(
    resources: dict[str, Any], logical_id: str
) -> None:
    role_id = ref_target(resources[logical_id]["Properties"]["RoleArn"])
    assert role_id is not None
    role = resources[role_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "states.amazonaws.com"
    }
    assert "ManagedPolicyArns" not in role
    statements = list(role_statements(resources, role_id))
    invoke = [s for s in statements if as_list(s["Action"]) == ["lambda:InvokeFunction"]]
    assert [s["Resource"] for s in invoke] == [{"Fn::GetAtt": [WORKER, "Arn"]}]
    for statement in statements:
        if statement in invoke:
            continue
        assert statement["Resource"] == "*"
        assert set(as_list(statement["Action"])) <= LOG_DELIVERY_AND_TRACING


def test_the_worker_reads_only_kalshi_credential_secrets(resources: dict[str, Any]) -> None:
    role_id = ref_target(resources[WORKER]["Properties"]["Role"])
    assert role_id is not None
    secret_statements = [
        s
        for s in role_statements(resources, role_id)
        if any(a.startswith("secretsmanager:") for a in as_list(s["Action"]))
    ]
    [statement] = secret_statements
    assert as_list(statement["Action"]) == ["secretsmanager:GetSecretValue"]
    parts = statement["Resource"]["Fn::Join"][1]
    assert parts[-1].endswith(f":secret:{KALSHI_SECRET_PREFIX}*")


def test_the_state_machine_arns_are_outputs(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert ref_target(outputs["OrderStateMachineArn"]["Value"]) == ORDER_STATE_MACHINE_LOGICAL_ID
    assert ref_target(outputs["OrderBatchStateMachineArn"]["Value"]) == ORDER_BATCH_STATE_MACHINE_LOGICAL_ID
