"""Least privilege: each role gets exactly the DynamoDB actions its spec implies, nothing more
(table and index actions from ``spec.tables``, stream actions from ``spec.streams``)."""

from __future__ import annotations

from typing import Any

import pytest

from infra.constants import USER_ENUMERATING_FUNCTIONS, function_logical_id
from infra.wiring import INDEX_READ_ACTIONS, STREAM_READ_ACTIONS, dynamodb_actions
from inplay.config import FUNCTIONS, Access, FunctionSpec
from inplay.store.schema import AUDIT, table_spec
from tests.infra.helpers import as_list, of_type, ref_target, resource_table, role_statements

pytestmark = pytest.mark.slow

Grant = tuple[str, str, str | None]  # (action, table logical id, index name or "stream")
STREAM = "stream"


def _stream_table(resource: Any) -> str | None:
    """The table logical id behind ``{"Fn::GetAtt": [table, "StreamArn"]}``."""
    if isinstance(resource, dict) and "Fn::GetAtt" in resource and resource["Fn::GetAtt"][1] == "StreamArn":
        return str(resource["Fn::GetAtt"][0])
    return None


def _granted(resources: dict[str, Any], role_id: str) -> set[Grant]:
    grants: set[Grant] = set()
    for statement in role_statements(resources, role_id):
        actions = [a for a in as_list(statement["Action"]) if a.startswith("dynamodb:")]
        if not actions:
            continue
        assert statement["Effect"] == "Allow"
        for resource in as_list(statement["Resource"]):
            stream = _stream_table(resource)
            if stream is not None:
                grants.update((action, stream, STREAM) for action in actions)
                continue
            target = resource_table(resource)
            assert target is not None, f"DynamoDB statement on a non-table resource: {resource}"
            grants.update((action, *target) for action in actions)
    return grants


def _expected(spec: FunctionSpec) -> set[Grant]:
    grants: set[Grant] = set()
    for env, access in spec.tables.items():
        table = table_spec(env)
        grants.update(
            (a, table.logical_id, None) for a in dynamodb_actions(access, append_only=table.append_only)
        )
        for gsi in table.gsis:
            grants.update((a, table.logical_id, gsi.name) for a in INDEX_READ_ACTIONS)
    for env in spec.streams:
        grants.update((a, table_spec(env).logical_id, STREAM) for a in STREAM_READ_ACTIONS)
    return grants


def _role_of(resources: dict[str, Any], spec: FunctionSpec) -> str:
    role = ref_target(resources[function_logical_id(spec.name)]["Properties"]["Role"])
    assert role is not None
    return role


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.name)
def test_role_has_exactly_the_spec_grants(resources: dict[str, Any], spec: FunctionSpec) -> None:
    assert _granted(resources, _role_of(resources, spec)) == _expected(spec)


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.name)
def test_role_has_no_managed_policies_and_wildcards_only_where_no_resource_exists(
    resources: dict[str, Any], spec: FunctionSpec
) -> None:
    """``*`` only for actions with no resource-level permission: X-Ray, and ListSecrets for the
    functions that enumerate users by credential secret name."""
    unscoped = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
    if spec.name in USER_ENUMERATING_FUNCTIONS:
        unscoped.add("secretsmanager:ListSecrets")
    role_id = _role_of(resources, spec)
    role = resources[role_id]["Properties"]
    assert "ManagedPolicyArns" not in role
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "lambda.amazonaws.com"
    }
    for statement in role_statements(resources, role_id):
        actions = as_list(statement["Action"])
        assert all(not a.endswith("*") for a in actions), actions
        if "*" in as_list(statement["Resource"]):
            assert set(actions) <= unscoped, actions


def test_no_dynamodb_wildcard_and_no_audit_mutation_anywhere(resources: dict[str, Any]) -> None:
    for policy in of_type(resources, "AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = as_list(statement["Action"])
            assert "dynamodb:*" not in actions
            touches_audit = any(
                (resource_table(r) or ("", None))[0] == AUDIT.logical_id
                for r in as_list(statement["Resource"])
            )
            if touches_audit:
                assert not {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"} & set(
                    actions
                )


def test_access_levels() -> None:
    read = set(dynamodb_actions(Access.READ))
    write = set(dynamodb_actions(Access.READ_WRITE))
    append = set(dynamodb_actions(Access.READ_WRITE, append_only=True))
    assert read == {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan"}
    assert write - read == {
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
    }
    # BatchWriteItem carries DeleteRequest, so an append-only table never gets it either.
    assert append == read | {"dynamodb:PutItem", "dynamodb:ConditionCheckItem"}
    assert set(dynamodb_actions(Access.READ, append_only=True)) == read
