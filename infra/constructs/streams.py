"""DynamoDB stream → Lambda for every ``FunctionSpec.streams`` entry (today: Fills → kill_switch).

Each mapping reads new records only (``LATEST``) in small batches with no batching window, so a
fill reaches its consumer within about a second. A failing batch is bisected to isolate the bad
record and retried a bounded number of times, then the failed records' stream coordinates go to an
encrypted, TLS-only SQS dead-letter queue (one per mapping), whose depth raises an alarm
(``infra/constructs/alarms.py``). Unbounded retries would block every later fill on the shard
behind one poison record; dropping after retries is safe because the consumer also runs on its
schedule and re-evaluates from the tables, not from the stream.

The consumer's role gets exactly what the event source mapping needs on that table's stream (its
ARN, no wildcard) and ``SendMessage`` on its dead-letter queue; nothing on the table itself comes
from here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constants import (
    STREAM_BATCH_SIZE,
    STREAM_DLQ_RETENTION_DAYS,
    STREAM_MAX_BATCHING_WINDOW_SECONDS,
    STREAM_MAX_RECORD_AGE_SECONDS,
    STREAM_RETRY_ATTEMPTS,
    STREAM_STARTING_POSITION,
    stream_dlq_logical_id,
    stream_mapping_logical_id,
)
from infra.constructs.alarms import DeadLetterQueueWatch
from infra.constructs.tables import Tables
from infra.nag import acknowledge
from infra.wiring import STREAM_READ_ACTIONS, InfraConfigError
from inplay.config import Env, FunctionSpec

__all__ = ["StreamTrigger", "StreamTriggers"]


@dataclass(frozen=True, slots=True)
class StreamTrigger:
    """One stream → function mapping and the queue its dropped records go to."""

    function_name: str
    table_env: Env
    mapping: lambda_.EventSourceMapping
    dead_letter_queue: sqs.Queue


class StreamTriggers(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        specs: Sequence[FunctionSpec],
        functions: Mapping[str, lambda_.Function],
        tables: Tables,
    ) -> None:
        super().__init__(scope, construct_id)
        self._tables = tables
        self.triggers: tuple[StreamTrigger, ...] = tuple(
            self._connect(spec, functions[spec.name], env) for spec in specs for env in sorted(spec.streams)
        )

    @property
    def consumers(self) -> tuple[str, ...]:
        """Names of the functions a stream invokes (sorted, each once)."""
        return tuple(sorted({trigger.function_name for trigger in self.triggers}))

    @property
    def dead_letter_watches(self) -> tuple[DeadLetterQueueWatch, ...]:
        """Each mapping's dead-letter queue, for :class:`~infra.constructs.alarms.Alarms`."""
        return tuple(
            DeadLetterQueueWatch(
                alarm_logical_id=f"{trigger.dead_letter_queue.node.id}Alarm",
                queue=trigger.dead_letter_queue,
                description=(
                    f"{trigger.table_env.value} stream records that {trigger.function_name} still failed "
                    "on after its retries wait in this dead-letter queue (stream coordinates only). Its "
                    "scheduled run re-evaluates from the tables; find out why it failed (its log group, "
                    "docs/runbook.md)."
                ),
            )
            for trigger in self.triggers
        )

    def _connect(self, spec: FunctionSpec, function: lambda_.Function, env: Env) -> StreamTrigger:
        table = self._tables.table(env)
        stream_arn = table.table_stream_arn
        if stream_arn is None:
            raise InfraConfigError(f"function {spec.name!r} consumes {env.value}, whose table has no stream")
        queue_id = stream_dlq_logical_id(spec.name, env)
        queue = sqs.Queue(
            self,
            queue_id,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(STREAM_DLQ_RETENTION_DAYS),
        )
        cast(sqs.CfnQueue, queue.node.default_child).override_logical_id(queue_id)
        function.add_to_role_policy(
            iam.PolicyStatement(actions=list(STREAM_READ_ACTIONS), resources=[stream_arn])
        )
        mapping_id = stream_mapping_logical_id(spec.name, env)
        mapping = lambda_.EventSourceMapping(
            self,
            mapping_id,
            target=function,
            event_source_arn=stream_arn,
            starting_position=lambda_.StartingPosition[STREAM_STARTING_POSITION],
            batch_size=STREAM_BATCH_SIZE,
            max_batching_window=Duration.seconds(STREAM_MAX_BATCHING_WINDOW_SECONDS),
            bisect_batch_on_error=True,
            retry_attempts=STREAM_RETRY_ATTEMPTS,
            max_record_age=Duration.seconds(STREAM_MAX_RECORD_AGE_SECONDS),
            on_failure=sources.SqsDlq(queue),
        )
        cast(Any, mapping.node.default_child).override_logical_id(mapping_id)
        acknowledge(
            cast(Construct, queue.node.default_child),
            "AwsSolutions-SQS3",
            f"This queue is itself the dead-letter queue: the on-failure destination of the {env.value} "
            f"stream to {spec.name} mapping; a DLQ of a DLQ would only move the same dropped records again.",
        )
        return StreamTrigger(spec.name, env, mapping, queue)
