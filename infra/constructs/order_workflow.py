"""The order workflow: two Standard state machines from ``infra/workflows/order.asl.json``.

- ``OrderStateMachine``: the file itself (``DefinitionBody.from_file``), execution name = intent id.
- ``OrderBatchStateMachine``: the same per-order states inside a Map over ``$.legs``
  (:func:`infra.workflows.batch_definition`), execution name = batch id.

``${OrderWorkerArn}`` is a definition substitution in both. Each machine has its own role (invoke
the worker, and what logging and tracing need), logs ALL events with execution data to its own
``/aws/vendedlogs/states/...`` log group, and traces with X-Ray. :meth:`OrderWorkflow.connect_starters`
lets each function whose settings name a machine start (and describe) executions on that machine.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Final, cast

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.nag import acknowledge
from infra.wiring import (
    EXECUTION_DESCRIBE_ACTIONS,
    EXECUTION_START_ACTIONS,
    FUNCTION_INVOKE_ACTIONS,
    InfraConfigError,
    state_machine_envs,
)
from infra.workflows import ORDER_ASL, WORKER_ARN_SUBSTITUTION, batch_definition
from inplay.config import Env, FunctionSpec

__all__ = [
    "ORDER_BATCH_STATE_MACHINE_LOGICAL_ID",
    "ORDER_STATE_MACHINE_LOGICAL_ID",
    "STATE_MACHINE_LOG_RETENTION",
    "OrderWorkflow",
]

ORDER_STATE_MACHINE_LOGICAL_ID: Final = "OrderStateMachine"
ORDER_BATCH_STATE_MACHINE_LOGICAL_ID: Final = "OrderBatchStateMachine"
STATE_MACHINE_LOG_RETENTION: Final = logs.RetentionDays.ONE_MONTH


class OrderWorkflow(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        worker: lambda_.Function,
    ) -> None:
        super().__init__(scope, construct_id)
        self._worker = worker
        substitutions = {WORKER_ARN_SUBSTITUTION: worker.function_arn}
        self.state_machine = self._machine(
            "Order",
            ORDER_STATE_MACHINE_LOGICAL_ID,
            sfn.DefinitionBody.from_file(str(ORDER_ASL)),
            substitutions,
            "order-workflow",
        )
        self.batch_state_machine = self._machine(
            "OrderBatch",
            ORDER_BATCH_STATE_MACHINE_LOGICAL_ID,
            sfn.DefinitionBody.from_string(json.dumps(batch_definition(), indent=1)),
            substitutions,
            "order-batch-workflow",
        )

    def _machine(
        self,
        name: str,
        logical_id: str,
        body: sfn.DefinitionBody,
        substitutions: dict[str, str],
        log_name: str,
    ) -> sfn.StateMachine:
        stack = Stack.of(self)
        log_group = logs.LogGroup(
            self,
            f"{name}Logs",
            log_group_name=f"/aws/vendedlogs/states/{stack.stack_name}-{log_name}",
            retention=STATE_MACHINE_LOG_RETENTION,
        )
        role = iam.Role(
            self,
            f"{name}Role",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description=f"Execution role of the {log_name} state machine: invoke the worker, log, trace",
        )
        role.add_to_policy(
            iam.PolicyStatement(actions=list(FUNCTION_INVOKE_ACTIONS), resources=[self._worker.function_arn])
        )
        machine = sfn.StateMachine(
            self,
            f"{name}StateMachine",
            definition_body=body,
            definition_substitutions=substitutions,
            state_machine_type=sfn.StateMachineType.STANDARD,
            role=role,
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
            comment=f"inplay {log_name} (definition: infra/workflows/order.asl.json)",
        )
        cast(sfn.CfnStateMachine, machine.node.default_child).override_logical_id(logical_id)
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "Step Functions log delivery (logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, "
            "DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, "
            "DescribeLogGroups) and X-Ray tracing (PutTraceSegments, PutTelemetryRecords, GetSamplingRules, "
            "GetSamplingTargets) support no resource-level permissions; CDK adds exactly these.",
        )
        return machine

    def connect_starters(
        self, specs: Sequence[FunctionSpec], functions: Mapping[str, lambda_.Function]
    ) -> None:
        """Every function whose settings name a state machine (``STATE_MACHINE_ENVS``) may start
        executions there and read their results: the machine's ARN in its environment,
        StartExecution on that machine only, DescribeExecution on that machine's executions only."""
        machines = {
            Env.ORDER_STATE_MACHINE_ARN: (self.state_machine, ORDER_STATE_MACHINE_LOGICAL_ID),
            Env.ORDER_BATCH_STATE_MACHINE_ARN: (
                self.batch_state_machine,
                ORDER_BATCH_STATE_MACHINE_LOGICAL_ID,
            ),
        }
        for spec in specs:
            for env in sorted(state_machine_envs(spec)):
                if env not in machines:
                    raise InfraConfigError(
                        f"function {spec.name!r} reads {env.value}, which no state machine provides"
                    )
                machine, logical_id = machines[env]
                self._connect(functions[spec.name], env, machine, logical_id)

    def _connect(
        self, function: lambda_.Function, env: Env, machine: sfn.StateMachine, logical_id: str
    ) -> None:
        function.add_environment(env.value, machine.state_machine_arn)
        function.add_to_role_policy(
            iam.PolicyStatement(actions=list(EXECUTION_START_ACTIONS), resources=[machine.state_machine_arn])
        )
        executions = Stack.of(self).format_arn(
            service="states",
            resource="execution",
            resource_name=f"{machine.state_machine_name}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        function.add_to_role_policy(
            iam.PolicyStatement(actions=list(EXECUTION_DESCRIBE_ACTIONS), resources=[executions])
        )
        role = function.role
        assert role is not None
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:"
            f"<{logical_id}.Name>:*]",
            "Execution ARNs are named by order intent or batch ids created at run time; the grant is "
            "DescribeExecution only, limited to this state machine's own executions.",
        )

    @property
    def by_logical_id(self) -> dict[str, sfn.StateMachine]:
        """Both machines by their CloudFormation logical id (alarms are named after it)."""
        return {
            ORDER_STATE_MACHINE_LOGICAL_ID: self.state_machine,
            ORDER_BATCH_STATE_MACHINE_LOGICAL_ID: self.batch_state_machine,
        }

    @property
    def state_machines(self) -> tuple[sfn.StateMachine, sfn.StateMachine]:
        return self.state_machine, self.batch_state_machine
