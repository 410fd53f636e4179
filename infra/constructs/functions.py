"""One Lambda function per ``inplay.config.FUNCTIONS`` entry, all sharing the ``inplay`` layer."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import cast

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.constants import (
    EXTRA_ENVIRONMENT,
    FUNCTION_CODE_EXCLUDES,
    FUNCTION_LOG_RETENTION,
    FUNCTION_LOG_RETENTION_OVERRIDES,
    FUNCTION_METADATA_KEY,
    LAYER_ID,
    SCHEDULED_ASYNC_RETRIES,
    SCHEDULED_MAX_EVENT_AGE_SECONDS,
    USER_ENUMERATING_FUNCTIONS,
    function_logical_id,
    pascal,
)
from infra.constructs.tables import Tables
from infra.nag import acknowledge
from infra.paths import FUNCTIONS_DIR
from infra.wiring import (
    FUNCTION_INVOKE_ACTIONS,
    INDEX_READ_ACTIONS,
    SECRET_LIST_ACTIONS,
    SECRET_MANAGE_ACTIONS,
    SECRET_READ_ACTIONS,
    TOPIC_KEY_ACTIONS,
    TOPIC_PUBLISH_ACTIONS,
    InfraConfigError,
    dynamodb_actions,
    function_environment,
    invoked_function,
    kalshi_secret_prefix,
    manages_kalshi_credentials,
    reads_kalshi_credentials,
)
from inplay.config import FUNCTIONS, Env, FunctionSpec
from inplay.store.schema import table_spec

__all__ = ["Functions"]

RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.X86_64


class Functions(Construct):
    """Functions on the shared ``functions/`` code asset, each with its own role and log group.

    Roles are built here, not by CDK defaults: logs only to the function's own log group, X-Ray,
    exactly the DynamoDB actions its ``spec.tables`` implies, ``GetSecretValue`` on the secrets of
    ``spec.secrets`` and ``Publish`` (with the topic key) on the topics of ``spec.topics`` (no
    managed policies). ``secrets``/``topics`` map the env var that carries each ARN to its resource.
    A function whose settings include ``KalshiSettings`` may read the per-user credential secrets
    (``GetSecretValue`` under the name prefix); those in ``USER_ENUMERATING_FUNCTIONS`` may also list
    secret names. ``spec.invokes``: the target's name in the environment and ``InvokeFunction`` on
    that function alone (wired once every function exists). State machines and streams are wired
    by their own constructs.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tables: Tables,
        layer_asset: Path,
        secrets: Mapping[Env, secretsmanager.ISecret] | None = None,
        topics: Mapping[Env, sns.ITopic] | None = None,
        auth: Mapping[Env, str] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._tables = tables
        self._secrets = dict(secrets or {})
        self._topics = dict(topics or {})
        self._references: dict[Env, str] = {
            **{env: secret.secret_arn for env, secret in self._secrets.items()},
            **{env: topic.topic_arn for env, topic in self._topics.items()},
            **dict(auth or {}),  # the user pool and app client ids (``Auth.references``)
        }
        self.layer = lambda_.LayerVersion(
            self,
            LAYER_ID,
            code=lambda_.Code.from_asset(str(layer_asset)),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="inplay domain package and its dependencies (boto3 comes from the runtime)",
        )
        code = lambda_.Code.from_asset(str(FUNCTIONS_DIR), exclude=list(FUNCTION_CODE_EXCLUDES))
        self._specs = tuple(FUNCTIONS)
        self._functions = {spec.name: self._build_function(spec, code) for spec in self._specs}
        for spec in self._specs:
            self._wire_invokes(spec)

    @property
    def by_name(self) -> Mapping[str, lambda_.Function]:
        return MappingProxyType(self._functions)

    @property
    def specs(self) -> tuple[FunctionSpec, ...]:
        """The specs the functions were built from, in build order."""
        return self._specs

    def function(self, spec: FunctionSpec) -> lambda_.Function:
        return self._functions[spec.name]

    def _build_function(self, spec: FunctionSpec, code: lambda_.Code) -> lambda_.Function:
        construct_id = pascal(spec.name)
        retention = FUNCTION_LOG_RETENTION_OVERRIDES.get(spec.name, FUNCTION_LOG_RETENTION)
        log_group = logs.LogGroup(self, f"{construct_id}Logs", retention=logs.RetentionDays[retention])
        role = iam.Role(
            self,
            f"{construct_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Execution role of the {spec.name} function (least privilege, built from its spec)",
        )
        log_group.grant_write(role)
        self._grant_tables(spec, role)
        self._grant_secrets_and_topics(spec, role)
        self._grant_credentials(spec, role)
        scheduled = spec.schedule is not None
        function = lambda_.Function(
            self,
            construct_id,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            code=code,
            handler=spec.handler,
            layers=[self.layer],
            description=spec.description,
            timeout=Duration.seconds(spec.timeout_seconds),
            memory_size=spec.memory_mb,
            environment={
                **function_environment(spec, self._tables.names, self._references),
                **EXTRA_ENVIRONMENT,
            },
            role=role,
            log_group=log_group,
            tracing=lambda_.Tracing.ACTIVE,
            retry_attempts=SCHEDULED_ASYNC_RETRIES if scheduled else None,
            max_event_age=Duration.seconds(SCHEDULED_MAX_EVENT_AGE_SECONDS) if scheduled else None,
        )
        cfn = cast(lambda_.CfnFunction, function.node.default_child)
        cfn.override_logical_id(function_logical_id(spec.name))
        cfn.add_metadata(FUNCTION_METADATA_KEY, spec.name)
        acknowledge(role, "AwsSolutions-IAM5[Resource::*]", _unscoped_reason(spec))
        acknowledge(
            cfn,
            "AwsSolutions-L1",
            "Python 3.13 is the project's pinned interpreter (requires-python, uv.lock, and the layer's "
            "cp313 wheels); the runtime moves together with the project, not ahead of it.",
        )
        return function

    def _grant_tables(self, spec: FunctionSpec, role: iam.Role) -> None:
        for env, access in spec.tables.items():
            schema = table_spec(env)
            table = self._tables.table(env)
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=list(dynamodb_actions(access, append_only=schema.append_only)),
                    resources=[table.table_arn],
                )
            )
            if schema.gsis:
                index_arns = [f"{table.table_arn}/index/{gsi.name}" for gsi in schema.gsis]
                role.add_to_policy(
                    iam.PolicyStatement(actions=list(INDEX_READ_ACTIONS), resources=index_arns)
                )

    def _grant_credentials(self, spec: FunctionSpec, role: iam.Role) -> None:
        enumerates = spec.name in USER_ENUMERATING_FUNCTIONS
        if not reads_kalshi_credentials(spec):
            if enumerates:
                raise InfraConfigError(
                    f"function {spec.name!r} lists credential secrets but its settings have no KalshiSettings"
                )
            return
        prefix = kalshi_secret_prefix(spec)
        secrets_arn = Stack.of(self).format_arn(
            service="secretsmanager",
            resource="secret",
            resource_name=f"{prefix}*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        role.add_to_policy(iam.PolicyStatement(actions=list(SECRET_READ_ACTIONS), resources=[secrets_arn]))
        grant = "read-only (GetSecretValue)"
        if manages_kalshi_credentials(spec):  # onboarding: save, replace, delete a user's key
            role.add_to_policy(
                iam.PolicyStatement(actions=list(SECRET_MANAGE_ACTIONS), resources=[secrets_arn])
            )
            grant = "read plus create/put/tag/restore/schedule-deletion of those secrets (no list)"
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>"
            f":secret:{prefix}*]",
            f"Per-user Kalshi credentials are created when a user connects an account, one secret named "
            f"{prefix}<user_id> each, so their ARNs are unknown at deploy time; the grant is {grant} "
            "and limited to that name prefix (the random ARN suffix needs the wildcard).",
        )
        if enumerates:
            role.add_to_policy(iam.PolicyStatement(actions=list(SECRET_LIST_ACTIONS), resources=["*"]))

    def _wire_invokes(self, spec: FunctionSpec) -> None:
        function = self._functions[spec.name]
        for env in sorted(spec.invokes):
            target_name = invoked_function(env)
            target = self._functions.get(target_name)
            if target is None:
                raise InfraConfigError(
                    f"function {spec.name!r} invokes {target_name!r} ({env.value}), which is not built"
                )
            function.add_environment(env.value, target.function_name)
            function.add_to_role_policy(
                iam.PolicyStatement(actions=list(FUNCTION_INVOKE_ACTIONS), resources=[target.function_arn])
            )

    def _grant_secrets_and_topics(self, spec: FunctionSpec, role: iam.Role) -> None:
        for env in sorted(spec.secrets):
            secret = self._secrets.get(env)
            if secret is None:
                raise InfraConfigError(
                    f"function {spec.name!r} reads secret {env.value}, which no construct provides"
                )
            role.add_to_policy(
                iam.PolicyStatement(actions=list(SECRET_READ_ACTIONS), resources=[secret.secret_arn])
            )
        for env in sorted(spec.topics):
            topic = self._topics.get(env)
            if topic is None:
                raise InfraConfigError(
                    f"function {spec.name!r} publishes to {env.value}, which no construct provides"
                )
            role.add_to_policy(
                iam.PolicyStatement(actions=list(TOPIC_PUBLISH_ACTIONS), resources=[topic.topic_arn])
            )
            if topic.master_key is not None:
                role.add_to_policy(
                    iam.PolicyStatement(actions=list(TOPIC_KEY_ACTIONS), resources=[topic.master_key.key_arn])
                )


def _unscoped_reason(spec: FunctionSpec) -> str:
    """Why this role has statements on ``*``: each action that supports no resource-level permission."""
    parts = [
        "Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no "
        "resource-level permissions (AWS X-Ray IAM reference)"
    ]
    if spec.name in USER_ENUMERATING_FUNCTIONS:
        parts.append(
            f"{spec.name} finds the users to evaluate by listing the names of the per-user Kalshi credential "
            "secrets; secretsmanager:ListSecrets supports no resource-level permissions and returns names "
            "and metadata, never secret values (those stay limited to the credential prefix)"
        )
    return "; ".join(parts) + ". Every other statement names its resources."
