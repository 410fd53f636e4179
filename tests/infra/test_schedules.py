"""An EventBridge rule per scheduled function, with the spec's expression, targeting that function."""

from __future__ import annotations

from typing import Any

import pytest

from infra.constants import function_logical_id
from inplay.config import FUNCTIONS, FunctionSpec
from tests.infra.helpers import of_type, ref_target

pytestmark = pytest.mark.slow

SCHEDULED = [spec for spec in FUNCTIONS if spec.schedule]


def test_one_rule_per_scheduled_function(resources: dict[str, Any]) -> None:
    rules = of_type(resources, "AWS::Events::Rule").values()
    targets = sorted(ref_target(t["Arn"]) or "" for r in rules for t in r["Properties"]["Targets"])
    assert targets == sorted(function_logical_id(s.name) for s in SCHEDULED)
    assert SCHEDULED, "game_poller is scheduled today; this suite must check at least one rule"


@pytest.mark.parametrize("spec", SCHEDULED, ids=lambda s: s.name)
def test_rule_expression_target_and_permission(resources: dict[str, Any], spec: FunctionSpec) -> None:
    function_id = function_logical_id(spec.name)
    [(rule_id, rule)] = [
        (name, r)
        for name, r in of_type(resources, "AWS::Events::Rule").items()
        if any(ref_target(t["Arn"]) == function_id for t in r["Properties"]["Targets"])
    ]
    props = rule["Properties"]
    assert props["ScheduleExpression"] == spec.schedule
    assert props["State"] == "ENABLED"
    [target] = props["Targets"]
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 60, "MaximumRetryAttempts": 2}
    permissions = [
        p["Properties"]
        for p in of_type(resources, "AWS::Lambda::Permission").values()
        if ref_target(p["Properties"]["FunctionName"]) == function_id
        and p["Properties"]["Principal"] == "events.amazonaws.com"
    ]
    assert [ref_target(p["SourceArn"]) for p in permissions] == [rule_id]
