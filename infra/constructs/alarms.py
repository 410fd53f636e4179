"""CloudWatch alarms: the stack's safety net that runs outside every inplay function.

- every function: ``Errors`` and ``Throttles`` (the watchdog's own included: its errors are the one
  thing it cannot page about itself);
- every stream consumer: ``IteratorAge`` (a kill switch that sees fills late is no faster than its
  schedule);
- every dead-letter queue: depth (something was dropped and waits for a person);
- every state machine: ``ExecutionsFailed``, ``ExecutionsTimedOut``, ``ExecutionsAborted``.

Each alarm notifies the alerts topic on ALARM and again on OK, and treats missing data as not
breaching (no invocations is not an outage; the watchdog's heartbeats cover "nothing runs").
Names and thresholds live in :mod:`infra.constants`; logical ids are stable (derived from the
function name, the machine's logical id or given per queue).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import cast

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.constants import (
    ALARM_PERIOD_MINUTES,
    DLQ_DEPTH_THRESHOLD,
    DLQ_PERIOD_MINUTES,
    EXECUTIONS_FAILED_THRESHOLD,
    FUNCTION_ERRORS_THRESHOLD,
    FUNCTION_THROTTLES_THRESHOLD,
    STATE_MACHINE_ALARM_METRICS,
    STREAM_ITERATOR_AGE_THRESHOLD_SECONDS,
    function_alarm_logical_id,
    state_machine_alarm_logical_id,
)

__all__ = ["Alarms", "DeadLetterQueueWatch"]

_AT_LEAST = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
_MACHINE_WORDS = {
    "ExecutionsFailed": "failed",
    "ExecutionsTimedOut": "timed out",
    "ExecutionsAborted": "was aborted",
}


@dataclass(frozen=True, slots=True)
class DeadLetterQueueWatch:
    """A dead-letter queue to alarm on: the alarm's stable logical id and what a person should do."""

    alarm_logical_id: str
    queue: sqs.IQueue
    description: str


class Alarms(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        topic: sns.ITopic,
        functions: Mapping[str, lambda_.IFunction],
        state_machines: Mapping[str, sfn.IStateMachine],
        dead_letter_queues: Iterable[DeadLetterQueueWatch] = (),
        stream_consumers: Iterable[str] = (),
    ) -> None:
        """``functions``: by ``FunctionSpec.name``; ``state_machines``: by CloudFormation logical id;
        ``stream_consumers``: names of functions invoked by a DynamoDB stream."""
        super().__init__(scope, construct_id)
        self._action = cw_actions.SnsAction(topic)
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        period = Duration.minutes(ALARM_PERIOD_MINUTES)
        for name, function in functions.items():
            self._alarm(
                function_alarm_logical_id(name, "Errors"),
                function.metric_errors(period=period, statistic="Sum"),
                FUNCTION_ERRORS_THRESHOLD,
                f"The {name} function failed at least {FUNCTION_ERRORS_THRESHOLD} time(s) in "
                f"{ALARM_PERIOD_MINUTES} minutes: read its log group, then docs/runbook.md.",
            )
            self._alarm(
                function_alarm_logical_id(name, "Throttles"),
                function.metric_throttles(period=period, statistic="Sum"),
                FUNCTION_THROTTLES_THRESHOLD,
                f"The {name} function was throttled: some of its runs did not happen (account or "
                "reserved concurrency limit).",
            )
        for name in stream_consumers:
            self._alarm(
                function_alarm_logical_id(name, "IteratorAge"),
                functions[name].metric("IteratorAge", period=Duration.minutes(1), statistic="Maximum"),
                STREAM_ITERATOR_AGE_THRESHOLD_SECONDS * 1000,
                f"The {name} function is at least {STREAM_ITERATOR_AGE_THRESHOLD_SECONDS} s behind its "
                "DynamoDB stream: it reacts to new records late.",
            )
        for logical_id, machine in state_machines.items():
            for metric in STATE_MACHINE_ALARM_METRICS:
                self._alarm(
                    state_machine_alarm_logical_id(logical_id, metric),
                    machine.metric(metric, period=period, statistic="Sum"),
                    EXECUTIONS_FAILED_THRESHOLD,
                    f"An execution of {logical_id} {_MACHINE_WORDS[metric]}: its order intent may be "
                    "UNKNOWN until the reconciler settles it from the venue.",
                )
        for watch in dead_letter_queues:
            self._alarm(
                watch.alarm_logical_id,
                watch.queue.metric_approximate_number_of_messages_visible(
                    period=Duration.minutes(DLQ_PERIOD_MINUTES), statistic="Maximum"
                ),
                DLQ_DEPTH_THRESHOLD,
                watch.description,
            )

    def _alarm(self, logical_id: str, metric: cloudwatch.IMetric, threshold: float, description: str) -> None:
        if logical_id in self.alarms:
            raise ValueError(f"two alarms share the logical id {logical_id}")
        alarm = cloudwatch.Alarm(
            self,
            logical_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=_AT_LEAST,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        cast(cloudwatch.CfnAlarm, alarm.node.default_child).override_logical_id(logical_id)
        self.alarms[logical_id] = alarm
