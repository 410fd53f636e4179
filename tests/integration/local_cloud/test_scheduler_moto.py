"""Schedule targets delivered through moto's APIs (so the Lambda patch runs the handlers)."""

import importlib
import json

import boto3
import pytest

from local.cloud.moto_runtime import local_mock_aws
from local.cloud.provisioner import ScheduleTarget, provision
from local.cloud.scheduler import Scheduler, TargetFailedError, boto3_target_invoker
from local.cloud.testing import instant_waits, wait_for_execution
from tests.fixtures.local_cloud_handlers.lc_template import build_template

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def stack(monkeypatch):
    with local_mock_aws(), instant_waits():
        provisioned = provision(build_template())
        for name, value in provisioned.environment.items():
            monkeypatch.setenv(name, value)
        yield provisioned


def test_a_scheduled_rule_runs_a_handler_that_writes_to_dynamodb(stack):
    invoker = boto3_target_invoker(boto3.client("lambda"), boto3.client("stepfunctions"))
    scheduler = Scheduler(stack.schedules, invoker)
    scheduler.tick()  # the immediate first fire
    assert scheduler.wait_idle(10)
    items = boto3.client("dynamodb").scan(TableName="EventsTable")["Items"]
    (item,) = [i for i in items if i["pk"]["S"] == "aws.events"]
    assert item["function"]["S"] == "RecorderFn"
    assert json.loads(item["event"]["S"])["resources"] == [
        "arn:aws:events:us-east-1:123456789012:rule/RecorderSchedule"
    ]
    assert scheduler.stats()["RecorderSchedule3C4D5E6F"].failed == 0


def test_a_failing_function_raises_target_failed_with_its_error_type(stack):
    invoker = boto3_target_invoker(boto3.client("lambda"), boto3.client("stepfunctions"))
    fail = stack.function("FailFn")
    target = ScheduleTarget("T", "lambda", fail.arn, fail.name, fail.logical_id)
    with pytest.raises(TargetFailedError, match="VenueUnavailableError: venue down for nightly"):
        invoker(target, '{"market": "nightly"}')


def test_a_state_machine_target_starts_an_execution(stack):
    sfn = boto3.client("stepfunctions")
    arn = stack.state_machines["OrderFlow0A1B2C3D"]
    invoker = boto3_target_invoker(boto3.client("lambda"), sfn)
    invoker(ScheduleTarget("T", "states", arn, arn, "OrderFlow0A1B2C3D"), '{"market": "S"}')
    (execution,) = sfn.list_executions(stateMachineArn=arn)["executions"]
    result = wait_for_execution(sfn, execution["executionArn"], timeout=20)
    assert result["status"] == "SUCCEEDED"
    failing = importlib.import_module("lc_handlers.failing")
    assert failing.CALLS[-1] == {"market": "S"}
