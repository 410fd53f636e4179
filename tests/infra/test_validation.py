"""cdk-nag ran with no open findings, every acknowledgment says why, and cfn-lint is clean."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam

import infra.app
from infra.nag import MIN_REASON_LENGTH, acknowledge
from infra.synth import SynthError, synthesize

pytestmark = pytest.mark.slow

IGNORED_LINT_RULES = {
    # CDK adds an explicit DependsOn on a function's role next to the GetAtt that already implies it.
    "W3005",
}


def test_no_open_nag_findings(cloud_assembly: Path) -> None:
    report = json.loads((cloud_assembly / "validation-report.json").read_text())
    assert report["pluginReports"] == []


def test_every_acknowledgment_has_a_specific_reason(resources: dict[str, Any]) -> None:
    acknowledged = [
        (name, rule)
        for name, res in resources.items()
        for rule in res.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]
    assert acknowledged, "the stack has known, accepted findings (X-Ray wildcard, runtime, auth)"
    for name, rule in acknowledged:
        assert rule["id"].startswith("AwsSolutions-"), (name, rule)
        assert len(rule["reason"]) >= MIN_REASON_LENGTH, (name, rule)


def test_a_short_reason_is_refused() -> None:
    stack = Stack(App(), "Scratch")
    with pytest.raises(ValueError, match="specific reason"):
        acknowledge(stack, "AwsSolutions-IAM5[Resource::*]", "needed")


def test_an_unacknowledged_finding_fails_synth(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """cdk-nag is wired into every synth: a wildcard grant nobody acknowledged stops it."""

    class LeakyStack(Stack):
        def __init__(self, scope: App, construct_id: str, **_: Any) -> None:
            super().__init__(scope, construct_id)
            role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
            role.add_to_policy(iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=["*"]))

    monkeypatch.setattr(infra.app, "InplayStack", LeakyStack)
    monkeypatch.setattr(infra.app, "assemble_layer", lambda: tmp_path)
    with pytest.raises(SynthError, match=r"AwsSolutions-IAM5"):
        synthesize(tmp_path / "out")


def test_cfn_lint_is_clean(template_path: Path) -> None:
    from cfnlint.api import ManualArgs, lint_file

    matches = lint_file(template_path, ManualArgs(regions=["us-east-1"]))
    problems = [f"{m.rule.id} {m.message}" for m in matches if m.rule.id not in IGNORED_LINT_RULES]
    assert problems == []
