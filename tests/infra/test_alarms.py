"""CloudWatch alarms: every function, both state machines and every dead-letter queue is watched,
and every alarm notifies the alerts topic on ALARM and on OK."""

from __future__ import annotations

from typing import Any

import pytest

from infra.constants import (
    ALARM_PERIOD_MINUTES,
    ALERTS_DLQ_ALARM_LOGICAL_ID,
    ALERTS_DLQ_LOGICAL_ID,
    ALERTS_TOPIC_LOGICAL_ID,
    STATE_MACHINE_ALARM_METRICS,
    STREAM_ITERATOR_AGE_THRESHOLD_SECONDS,
    function_alarm_logical_id,
    function_logical_id,
    state_machine_alarm_logical_id,
)
from infra.constructs.order_workflow import (
    ORDER_BATCH_STATE_MACHINE_LOGICAL_ID,
    ORDER_STATE_MACHINE_LOGICAL_ID,
)
from inplay.config import FUNCTIONS, WATCHDOG, FunctionSpec
from tests.infra.helpers import of_type, ref_target

pytestmark = pytest.mark.slow

TOPIC = [{"Ref": ALERTS_TOPIC_LOGICAL_ID}]
MACHINES = (ORDER_STATE_MACHINE_LOGICAL_ID, ORDER_BATCH_STATE_MACHINE_LOGICAL_ID)


def _alarms(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: res["Properties"] for name, res in of_type(resources, "AWS::CloudWatch::Alarm").items()}


def _dimension(alarm: dict[str, Any], name: str) -> str | None:
    [dimension] = [d for d in alarm["Dimensions"] if d["Name"] == name]
    return ref_target(dimension["Value"])


def test_every_alarm_notifies_the_topic_on_alarm_and_ok(resources: dict[str, Any]) -> None:
    alarms = _alarms(resources)
    assert alarms
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"] == TOPIC, name
        assert alarm["OKActions"] == TOPIC, name
        assert alarm["TreatMissingData"] == "notBreaching", name
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold", name
        assert alarm["EvaluationPeriods"] == 1, name
        assert len(alarm["AlarmDescription"]) >= 40, name


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.name)
@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_has_errors_and_throttles_alarms(
    resources: dict[str, Any], spec: FunctionSpec, metric: str
) -> None:
    alarm = _alarms(resources)[function_alarm_logical_id(spec.name, metric)]
    assert alarm["Namespace"] == "AWS/Lambda"
    assert alarm["MetricName"] == metric
    assert alarm["Statistic"] == "Sum"
    assert alarm["Period"] == ALARM_PERIOD_MINUTES * 60
    assert alarm["Threshold"] == 1
    assert _dimension(alarm, "FunctionName") == function_logical_id(spec.name)


def test_the_watchdog_is_watched_from_outside(resources: dict[str, Any]) -> None:
    """The watchdog cannot page about its own failures: a CloudWatch alarm does."""
    alarm = _alarms(resources)[function_alarm_logical_id(WATCHDOG.name, "Errors")]
    assert _dimension(alarm, "FunctionName") == function_logical_id(WATCHDOG.name)


@pytest.mark.parametrize("machine", MACHINES)
@pytest.mark.parametrize("metric", STATE_MACHINE_ALARM_METRICS)
def test_every_state_machine_has_failed_timed_out_and_aborted_alarms(
    resources: dict[str, Any], machine: str, metric: str
) -> None:
    alarm = _alarms(resources)[state_machine_alarm_logical_id(machine, metric)]
    assert alarm["Namespace"] == "AWS/States"
    assert alarm["MetricName"] == metric
    assert alarm["Statistic"] == "Sum"
    assert alarm["Threshold"] == 1
    assert _dimension(alarm, "StateMachineArn") == machine


def test_every_queue_has_a_depth_alarm(resources: dict[str, Any]) -> None:
    """Every SQS queue in the stack is a dead-letter queue; a message in any of them raises an alarm."""
    queues = set(of_type(resources, "AWS::SQS::Queue"))
    assert ALERTS_DLQ_LOGICAL_ID in queues and len(queues) >= 2  # the notifier's and the stream's
    watched = {
        _dimension(alarm, "QueueName"): name
        for name, alarm in _alarms(resources).items()
        if alarm["Namespace"] == "AWS/SQS"
    }
    assert set(watched) == queues
    assert watched[ALERTS_DLQ_LOGICAL_ID] == ALERTS_DLQ_ALARM_LOGICAL_ID  # stable logical id
    for name in watched.values():
        alarm = _alarms(resources)[name]
        assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
        assert alarm["Statistic"] == "Maximum"
        assert alarm["Threshold"] == 1


def test_stream_consumers_alarm_when_they_fall_behind(resources: dict[str, Any]) -> None:
    consumers = [spec for spec in FUNCTIONS if spec.streams]
    assert consumers
    for spec in consumers:
        alarm = _alarms(resources)[function_alarm_logical_id(spec.name, "IteratorAge")]
        assert alarm["MetricName"] == "IteratorAge"
        assert alarm["Statistic"] == "Maximum"
        assert alarm["Threshold"] == STREAM_ITERATOR_AGE_THRESHOLD_SECONDS * 1000  # milliseconds
        assert _dimension(alarm, "FunctionName") == function_logical_id(spec.name)


def test_nothing_else_is_alarmed(resources: dict[str, Any]) -> None:
    expected = (
        {function_alarm_logical_id(s.name, m) for s in FUNCTIONS for m in ("Errors", "Throttles")}
        | {function_alarm_logical_id(s.name, "IteratorAge") for s in FUNCTIONS if s.streams}
        | {
            state_machine_alarm_logical_id(m, metric)
            for m in MACHINES
            for metric in STATE_MACHINE_ALARM_METRICS
        }
        | {
            f"{queue}Alarm"
            for queue in of_type(resources, "AWS::SQS::Queue")
            if queue != ALERTS_DLQ_LOGICAL_ID
        }
        | {ALERTS_DLQ_ALARM_LOGICAL_ID}
    )
    assert set(_alarms(resources)) == expected


def test_cloudwatch_may_use_the_topic_key(resources: dict[str, Any]) -> None:
    """Alarms publish to an SSE-KMS topic: the key policy must let CloudWatch encrypt with it."""
    key = ref_target(resources[ALERTS_TOPIC_LOGICAL_ID]["Properties"]["KmsMasterKeyId"])
    assert key is not None
    statements = resources[key]["Properties"]["KeyPolicy"]["Statement"]
    [statement] = [s for s in statements if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert statement["Effect"] == "Allow"
    assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(statement["Action"])
