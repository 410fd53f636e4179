"""Credentials onboarding in IAM: the api alone may write users' Kalshi credential secrets, and
only under the credential name prefix."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from infra.constants import function_logical_id
from infra.wiring import (
    CREDENTIAL_MANAGING_FUNCTIONS,
    SECRET_MANAGE_ACTIONS,
    SECRET_READ_ACTIONS,
    InfraConfigError,
    manages_kalshi_credentials,
)
from inplay.config import API, FUNCTIONS, KALSHI_SECRET_PREFIX, WATCHDOG, FunctionSpec
from tests.infra.helpers import as_list, ref_target, role_statements

WRITES: frozenset[str] = frozenset(SECRET_MANAGE_ACTIONS)


def _on_credential_prefix(resource: Any) -> bool:
    """``arn:<partition>:secretsmanager:<region>:<account>:secret:<prefix>*`` (an ``Fn::Join``)."""
    if not isinstance(resource, dict) or "Fn::Join" not in resource:
        return False
    parts = resource["Fn::Join"][1]
    return (
        isinstance(parts[-1], str)
        and parts[-1].endswith(f":secret:{KALSHI_SECRET_PREFIX}*")
        and "secretsmanager" in json.dumps(parts)
    )


def _secret_grants(resources: dict[str, Any], spec: FunctionSpec) -> list[tuple[str, Any]]:
    role = ref_target(resources[function_logical_id(spec.name)]["Properties"]["Role"])
    assert role is not None
    return [
        (action, resource)
        for statement in role_statements(resources, role)
        if statement["Effect"] == "Allow"
        for action in as_list(statement["Action"])
        if action.startswith("secretsmanager:")
        for resource in as_list(statement["Resource"])
    ]


def test_only_the_api_manages_credential_secrets() -> None:
    assert {API.name} == CREDENTIAL_MANAGING_FUNCTIONS
    assert {spec.name for spec in FUNCTIONS if manages_kalshi_credentials(spec)} == {API.name}
    assert {
        "secretsmanager:CreateSecret",
        "secretsmanager:DeleteSecret",
        "secretsmanager:DescribeSecret",
        "secretsmanager:PutSecretValue",
        "secretsmanager:RestoreSecret",
        "secretsmanager:TagResource",
    } == WRITES
    with pytest.raises(InfraConfigError, match="no KalshiSettings"):
        manages_kalshi_credentials(dataclasses.replace(WATCHDOG, name=API.name))


@pytest.mark.slow
def test_the_api_may_write_credential_secrets_under_the_prefix_only(resources: dict[str, Any]) -> None:
    grants = _secret_grants(resources, API)
    on_prefix = {action for action, resource in grants if _on_credential_prefix(resource)}
    assert on_prefix == WRITES | set(SECRET_READ_ACTIONS)
    elsewhere = {action for action, resource in grants if not _on_credential_prefix(resource)}
    assert not elsewhere & WRITES, elsewhere
    assert "secretsmanager:ListSecrets" not in {action for action, _ in grants}


@pytest.mark.slow
@pytest.mark.parametrize("spec", [s for s in FUNCTIONS if s.name != API.name], ids=lambda s: s.name)
def test_no_other_function_may_write_secrets(resources: dict[str, Any], spec: FunctionSpec) -> None:
    written = {action for action, _ in _secret_grants(resources, spec)} & WRITES
    assert written == set()
