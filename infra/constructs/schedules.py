"""An EventBridge rule for every function whose spec has a ``schedule``."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constants import SCHEDULE_DELIVERY_RETRIES, SCHEDULED_MAX_EVENT_AGE_SECONDS, pascal
from inplay.config import FUNCTIONS

__all__ = ["Schedules"]


class Schedules(Construct):
    """``rate()``/``cron()`` rules → Lambda targets; the expression is the spec's, verbatim."""

    def __init__(
        self, scope: Construct, construct_id: str, *, functions: Mapping[str, lambda_.IFunction]
    ) -> None:
        super().__init__(scope, construct_id)
        self.rules: dict[str, events.Rule] = {}
        for spec in FUNCTIONS:
            if spec.schedule is None:
                continue
            self.rules[spec.name] = events.Rule(
                self,
                f"{pascal(spec.name)}Schedule",
                description=f"Runs {spec.name} on {spec.schedule}",
                schedule=events.Schedule.expression(spec.schedule),
                targets=[
                    targets.LambdaFunction(
                        functions[spec.name],
                        retry_attempts=SCHEDULE_DELIVERY_RETRIES,
                        max_event_age=Duration.seconds(SCHEDULED_MAX_EVENT_AGE_SECONDS),
                    )
                ],
            )
