"""Small readers over a synthesized CloudFormation template (plain dicts)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    """Resources of one CloudFormation type, by logical id."""
    return {name: res for name, res in resources.items() if res["Type"] == kind}


def ref_target(value: Any) -> str | None:
    """The logical id behind ``{"Ref": id}`` or ``{"Fn::GetAtt": [id, attr]}``; else None."""
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            return str(value["Fn::GetAtt"][0])
    return None


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def role_statements(resources: dict[str, Any], role_id: str) -> Iterator[dict[str, Any]]:
    """Every policy statement that applies to ``role_id`` (its inline and attached ``AWS::IAM::Policy``s)."""
    role = resources[role_id]["Properties"]
    for policy in role.get("Policies", []):
        yield from policy["PolicyDocument"]["Statement"]
    for policy in of_type(resources, "AWS::IAM::Policy").values():
        props = policy["Properties"]
        if any(ref_target(r) == role_id for r in props.get("Roles", [])):
            yield from props["PolicyDocument"]["Statement"]


def resource_table(resource: Any) -> tuple[str, str | None] | None:
    """``(table logical id, index name or None)`` for a DynamoDB table/index ARN expression."""
    target = ref_target(resource)
    if target is not None:
        return target, None
    if isinstance(resource, dict) and "Fn::Join" in resource:
        separator, parts = resource["Fn::Join"]
        if (
            separator == ""
            and len(parts) == 2
            and isinstance(parts[1], str)
            and parts[1].startswith("/index/")
        ):
            table = ref_target(parts[0])
            if table is not None:
                return table, parts[1].removeprefix("/index/")
    return None
