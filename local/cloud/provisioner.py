"""Create the stack's resources in moto from the synthesized CloudFormation template, and nothing else.

The template is the only source: tables, functions, topics, subscriptions, stream mappings,
state machines, secrets, queues, buckets and Cognito user pools (with their app clients) are created
from their ``Properties``; schedules and REST API
routes are read from it for the scheduler and the HTTP adapter. Physical names are local names
derived from logical ids (the CDK hash suffix removed: ``GamesTable6C3A5F7E`` → ``GamesTable``)
unless the template names the resource itself.

Resources the local cloud does not create (IAM, log groups, permissions, layers, API Gateway,
EventBridge rules, CloudFront, custom resources and CDK's own functions that serve them, CDK
metadata, anything unknown) are listed in :attr:`ProvisionedStack.skipped`. A CloudFront
distribution's ``DomainName`` resolves to a placeholder under :data:`LOCAL_DISTRIBUTION_SUFFIX`
(the local cloud serves the dashboard itself, see :func:`local_dashboard_origins`).
EventBridge rules are never registered in moto: a schedule rule with a Lambda target on the
default bus makes every ``put_events`` call fail there. State machines are created with
``stepfunctions.create_state_machine`` (not CloudFormation) so moto's executing backend runs them.
"""

from __future__ import annotations

import io
import json
import re
import secrets
import string
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from local.cloud.cognito import JWKS_URL_VARIABLE, jwks_url
from local.cloud.errors import LocalCloudError, ProvisioningError, UnsupportedIntrinsicError
from local.cloud.intrinsics import Resolver, is_intrinsic
from local.cloud.lambda_patch import merge_function_environments
from local.cloud.moto_runtime import ACCOUNT_ID, REGION
from local.cloud.schedules import parse_schedule_expression

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_stepfunctions import SFNClient

__all__ = [
    "LOCAL_DISTRIBUTION_SUFFIX",
    "ApiRoute",
    "ProvisionedFunction",
    "ProvisionedStack",
    "ProvisionedTable",
    "ScheduleTarget",
    "ScheduledRule",
    "SkippedResource",
    "load_template",
    "local_dashboard_origins",
    "local_name",
    "provision",
]

LOCAL_ROLE_NAME: Final = "inplay-local-execution-role"
LOCAL_DISTRIBUTION_SUFFIX: Final = ".cloudfront.invalid"
"""``Fn::GetAtt <Distribution>.DomainName`` locally: ``<local name, lowercase>`` + this (a reserved
TLD: it never resolves)."""
DEFAULT_STAGE: Final = "prod"
_CDK_HASH: Final = re.compile(r"^(?P<base>[A-Za-z0-9]+?)[0-9A-F]{8}$")
_FUNCTION_ARN_IN_URI: Final = re.compile(r"functions/(arn:[^/]+)/invocations")
_TRUST_POLICY: Final = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)

_TABLE_PROPERTIES: Final = (
    "KeySchema",
    "AttributeDefinitions",
    "BillingMode",
    "ProvisionedThroughput",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "StreamSpecification",
    "TimeToLiveSpecification",
    "PointInTimeRecoverySpecification",
)
_QUEUE_ATTRIBUTES: Final = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "FifoQueue",
    "ContentBasedDeduplication",
)
_MAPPING_NUMBERS: Final = (
    "MaximumBatchingWindowInSeconds",
    "MaximumRecordAgeInSeconds",
    "MaximumRetryAttempts",
    "ParallelizationFactor",
)
_MAPPING_FLAGS: Final = ("BisectBatchOnFunctionError",)
_USER_POOL_PROPERTIES: Final = (
    "Policies",
    "AdminCreateUserConfig",
    "AutoVerifiedAttributes",
    "AliasAttributes",
    "UsernameAttributes",
    "UsernameConfiguration",
    "AccountRecoverySetting",
    "MfaConfiguration",
    "Schema",
    "UserPoolTags",
)
"""Created as the template says; the rest (messages, deletion protection, feature plan, triggers)
means nothing to moto's in-memory pool."""
_USER_POOL_CLIENT_PROPERTIES: Final = (
    "GenerateSecret",
    "RefreshTokenValidity",
    "AccessTokenValidity",
    "IdTokenValidity",
    "TokenValidityUnits",
    "ExplicitAuthFlows",
    "SupportedIdentityProviders",
    "CallbackURLs",
    "LogoutURLs",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "AllowedOAuthFlowsUserPoolClient",
    "PreventUserExistenceErrors",
    "EnableTokenRevocation",
    "ReadAttributes",
    "WriteAttributes",
)
TABLE_TYPES: Final = frozenset({"AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"})
_SKIP_REASONS: Final = {
    "AWS::IAM::Role": "IAM is not enforced locally (one local execution role is used)",
    "AWS::IAM::Policy": "IAM is not enforced locally",
    "AWS::IAM::ManagedPolicy": "IAM is not enforced locally",
    "AWS::Logs::LogGroup": "logs go to the console locally",
    "AWS::Lambda::Permission": "moto does not enforce resource policies",
    "AWS::Lambda::LayerVersion": "layer code is already importable in the local process",
    "AWS::CDK::Metadata": "CDK metadata",
    "AWS::Events::Rule": "driven by the local scheduler, never registered in moto",
    "AWS::Scheduler::Schedule": "driven by the local scheduler",
    "AWS::KMS::Key": "no KMS locally: moto keeps topics, queues and secrets unencrypted",
    "AWS::KMS::Alias": "no KMS locally",
    "AWS::SNS::TopicPolicy": "resource policies are not enforced locally",
    "AWS::SQS::QueuePolicy": "resource policies are not enforced locally",
    "AWS::CloudWatch::Alarm": "no CloudWatch metrics or alarms locally",
    "AWS::S3::BucketPolicy": "bucket policies are not enforced locally",
    "Custom::CDKBucketDeployment": (
        "nothing is copied into the bucket: the local HTTP adapter serves frontend/dist and a generated "
        "config.json itself"
    ),
    "Custom::S3AutoDeleteObjects": "local buckets live in moto and go with it: nothing to empty",
    "AWS::Lambda::EventInvokeConfig": (
        "moto ignores async retries and destinations: a failed asynchronous invocation is logged by "
        "the Lambda patch, not retried nor sent to its on-failure destination"
    ),
}
_SKIPPED_PREFIXES: Final = {
    "AWS::ApiGateway::": "served by the local HTTP adapter",
    "AWS::ApiGatewayV2::": "WebSocket APIs are served by the local HTTP adapter; HTTP APIs are not",
    "AWS::CloudFront::": "the local HTTP adapter serves the dashboard (frontend/dist) in CloudFront's place",
    "Custom::": "custom resources do not run locally",
    "AWS::CloudFormation::CustomResource": "custom resources do not run locally",
}


# --------------------------------------------------------------------------- result types


@dataclass(frozen=True, slots=True)
class ProvisionedTable:
    logical_id: str
    name: str
    arn: str
    stream_arn: str | None
    partition_key: str
    sort_key: str | None
    gsis: tuple[str, ...]
    ttl_attribute: str | None
    point_in_time_recovery: bool


@dataclass(frozen=True, slots=True)
class ProvisionedFunction:
    logical_id: str
    name: str
    arn: str
    handler: str
    runtime: str
    timeout_seconds: int
    memory_mb: int
    environment: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ScheduleTarget:
    """One target of a schedule: a provisioned function or state machine."""

    target_id: str
    kind: Literal["lambda", "states"]
    arn: str
    name: str
    """The function name (``lambda``) or the state machine ARN (``states``)."""
    logical_id: str
    input: str | None = None
    """The target's constant ``Input`` (JSON text); ``None`` means "send the scheduled event"."""


@dataclass(frozen=True, slots=True)
class ScheduledRule:
    logical_id: str
    name: str
    arn: str
    expression: str
    enabled: bool
    targets: tuple[ScheduleTarget, ...]


@dataclass(frozen=True, slots=True)
class ApiRoute:
    """A REST API method with a Lambda proxy integration: ``method`` ``ANY`` matches every verb."""

    api_logical_id: str
    api_id: str
    stage: str
    method: str
    path: str
    function_logical_id: str
    function_name: str
    binary_media_types: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SkippedResource:
    logical_id: str
    type: str
    reason: str


@dataclass(frozen=True, slots=True)
class ProvisionedStack:
    """What :func:`provision` created (keyed by logical id) and what the other pieces need."""

    tables: Mapping[str, ProvisionedTable]
    functions: Mapping[str, ProvisionedFunction]
    schedules: tuple[ScheduledRule, ...]
    routes: tuple[ApiRoute, ...]
    state_machines: Mapping[str, str]
    """Logical id → ARN."""
    topics: Mapping[str, str]
    """Logical id → ARN."""
    secrets: Mapping[str, str]
    """Logical id → ARN."""
    buckets: Mapping[str, str]
    """Logical id → bucket name."""
    skipped: tuple[SkippedResource, ...]
    environment: Mapping[str, str]
    """The union of the functions' environment variables plus overrides (see ``lambda_patch``)."""
    role_arn: str = ""
    event_source_mappings: tuple[str, ...] = field(default=())
    """UUIDs of the stream → Lambda mappings created."""
    queues: Mapping[str, str] = field(default_factory=dict)
    """Logical id → queue URL (SQS)."""
    user_pools: Mapping[str, str] = field(default_factory=dict)
    """Logical id → Cognito user pool id (``us-east-1_…``)."""
    user_pool_clients: Mapping[str, str] = field(default_factory=dict)
    """Logical id → app client id."""

    def table(self, key: str) -> ProvisionedTable:
        """A table by logical id, logical id without the CDK hash, or local name."""
        return _lookup(self.tables, key, "table")

    def function(self, key: str) -> ProvisionedFunction:
        """A function by logical id, logical id without the CDK hash, or local name."""
        return _lookup(self.functions, key, "function")

    def function_by_arn(self, arn: str) -> ProvisionedFunction | None:
        return next((fn for fn in self.functions.values() if fn.arn == arn), None)


def _lookup[T: (ProvisionedTable, ProvisionedFunction)](items: Mapping[str, T], key: str, kind: str) -> T:
    if key in items:
        return items[key]
    for logical_id, item in items.items():
        if key in (item.name, local_name(logical_id)):
            return item
    raise KeyError(f"no {kind} {key!r}; known: {sorted(items)}")


# --------------------------------------------------------------------------- helpers


def local_name(logical_id: str) -> str:
    """``GamesTable6C3A5F7E`` → ``GamesTable``: the logical id without CDK's 8-hex-digit hash."""
    match = _CDK_HASH.match(logical_id)
    return match.group("base") if match else logical_id


def local_dashboard_origins(value: str, local_origin: str) -> str:
    """``value`` (comma-separated origins) with every placeholder distribution origin replaced by
    ``local_origin`` (the local HTTP adapter's ``http://host:port``); others are kept."""
    origins: list[str] = []
    for origin in (part.strip() for part in value.split(",")):
        if origin.rstrip("/").endswith(LOCAL_DISTRIBUTION_SUFFIX):
            origin = local_origin
        if origin and origin not in origins:
            origins.append(origin)
    return ",".join(origins)


def load_template(path: Path) -> dict[str, Any]:
    """Read a CloudFormation JSON template, with a clear error when it is missing or malformed."""
    try:
        template = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProvisioningError(f"template {path} not found (synthesize the CDK app first)") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise ProvisioningError(f"template {path} is not readable JSON: {exc}") from exc
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise ProvisioningError(f"template {path} has no Resources section")
    return template


def _schema_attribute(attribute: Mapping[str, Any]) -> dict[str, Any]:
    """A ``Schema`` entry as boto3 wants it (booleans as booleans, constraints as strings)."""
    result: dict[str, Any] = dict(attribute)
    for flag in ("Mutable", "Required", "DeveloperOnlyAttribute"):
        if flag in result:
            result[flag] = result[flag] in (True, "true")
    for constraints in ("StringAttributeConstraints", "NumberAttributeConstraints"):
        if constraints in result:
            result[constraints] = {key: str(value) for key, value in result[constraints].items()}
    return result


def _tiny_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "Code runs in-process through the local cloud's Lambda patch.\n")
    return buffer.getvalue()


def _generate_secret(spec: Mapping[str, Any]) -> str:
    length = int(spec.get("PasswordLength", 32))
    alphabet = string.ascii_letters + string.digits
    if not spec.get("ExcludePunctuation", False):
        alphabet += "!#$%&()*+,-.:;<=>?[]^_{|}~"
    excluded = set(str(spec.get("ExcludeCharacters", "")))
    alphabet = "".join(char for char in alphabet if char not in excluded) or string.ascii_letters
    password = "".join(secrets.choice(alphabet) for _ in range(length))
    template = spec.get("SecretStringTemplate")
    key = spec.get("GenerateStringKey")
    if template is not None and key:
        document = json.loads(template)
        document[key] = password
        return json.dumps(document)
    return password


@dataclass
class _Clients:
    dynamodb: DynamoDBClient
    lambda_: LambdaClient
    sns: SNSClient
    sfn: SFNClient
    secretsmanager: SecretsManagerClient
    s3: S3Client
    iam: Any  # no IAM stubs installed
    sqs: Any = None  # no SQS stubs installed
    cognito: Any = None  # no Cognito stubs installed


def _clients(session: boto3.Session | None, endpoint_url: str | None, region: str) -> _Clients:
    session = session or boto3.Session(region_name=region)
    kwargs: dict[str, Any] = {"region_name": region}
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    return _Clients(
        dynamodb=session.client("dynamodb", **kwargs),
        lambda_=session.client("lambda", **kwargs),
        sns=session.client("sns", **kwargs),
        sfn=session.client("stepfunctions", **kwargs),
        secretsmanager=session.client("secretsmanager", **kwargs),
        s3=session.client("s3", **kwargs),
        iam=session.client("iam", **kwargs),
        sqs=session.client("sqs", **kwargs),
        cognito=session.client("cognito-idp", **kwargs),
    )


# --------------------------------------------------------------------------- the provisioner


class _Provisioner:
    def __init__(
        self,
        template: Mapping[str, Any],
        clients: _Clients,
        *,
        region: str,
        account_id: str,
        stack_name: str,
        asset_dir: Path | None,
        endpoint_url: str | None = None,
    ) -> None:
        resources = template.get("Resources")
        if not isinstance(resources, dict) or not resources:
            raise ProvisioningError("the template has no Resources")
        self.resources: dict[str, dict[str, Any]] = resources
        self.clients = clients
        self.region = region
        self.account_id = account_id
        self.asset_dir = asset_dir
        self.endpoint_url = endpoint_url
        self.resolver = Resolver(
            self,
            pseudo={
                "AWS::Region": region,
                "AWS::AccountId": account_id,
                "AWS::Partition": "aws",
                "AWS::URLSuffix": "amazonaws.com",
                "AWS::StackName": stack_name,
                "AWS::StackId": f"arn:aws:cloudformation:{region}:{account_id}:stack/{stack_name}/local",
            },
            parameters=template.get("Parameters") or {},
            mappings=template.get("Mappings") or {},
        )
        self._names: dict[str, str] = {}
        self._naming: set[str] = set()
        self._default_names = self._default_local_names()
        self.tables: dict[str, ProvisionedTable] = {}
        self.functions: dict[str, ProvisionedFunction] = {}
        self.state_machines: dict[str, str] = {}
        self.topics: dict[str, str] = {}
        self.secrets: dict[str, str] = {}
        self.buckets: dict[str, str] = {}
        self.queues: dict[str, str] = {}
        self.user_pools: dict[str, str] = {}
        self.user_pool_clients: dict[str, str] = {}
        self.skipped: list[SkippedResource] = []
        self.mappings: list[str] = []
        self.role_arn = ""

    # ---- naming

    def _default_local_names(self) -> dict[str, str]:
        bases: dict[str, list[str]] = {}
        for logical_id in self.resources:
            bases.setdefault(local_name(logical_id), []).append(logical_id)
        return {
            logical_id: (base if len(ids) == 1 else logical_id)
            for base, ids in bases.items()
            for logical_id in ids
        }

    def _of_type(self, *types: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for logical_id, resource in self.resources.items():
            if resource.get("Type") in types:
                yield logical_id, resource

    def _props(self, logical_id: str) -> dict[str, Any]:
        props = self.resources[logical_id].get("Properties") or {}
        if not isinstance(props, dict):
            raise ProvisioningError(f"{logical_id}: Properties must be an object")
        return props

    def _resolved(self, logical_id: str, keys: tuple[str, ...]) -> dict[str, Any]:
        """The listed properties, resolved (others are left alone: they may use unsupported intrinsics)."""
        props = self._props(logical_id)
        return {
            key: self.resolver.resolve(props[key], self._where(logical_id, key))
            for key in keys
            if key in props
        }

    def _where(self, logical_id: str, prop: str) -> str:
        return f"Resources.{logical_id}.Properties.{prop}"

    def name_of(self, logical_id: str) -> str:
        """The physical name: the template's explicit name property, else the local name."""
        if logical_id in self._names:
            return self._names[logical_id]
        resource_type = self.resources[logical_id].get("Type", "")
        name_property = {
            "AWS::DynamoDB::Table": "TableName",
            "AWS::DynamoDB::GlobalTable": "TableName",
            "AWS::Lambda::Function": "FunctionName",
            "AWS::SNS::Topic": "TopicName",
            "AWS::StepFunctions::StateMachine": "StateMachineName",
            "AWS::SecretsManager::Secret": "Name",
            "AWS::S3::Bucket": "BucketName",
            "AWS::Events::Rule": "Name",
            "AWS::Scheduler::Schedule": "Name",
            "AWS::IAM::Role": "RoleName",
            "AWS::Logs::LogGroup": "LogGroupName",
            "AWS::Lambda::LayerVersion": "LayerName",
            "AWS::SQS::Queue": "QueueName",
            "AWS::Cognito::UserPool": "UserPoolName",
            "AWS::Cognito::UserPoolClient": "ClientName",
        }.get(resource_type)
        explicit = self._props(logical_id).get(name_property) if name_property else None
        if explicit is not None:
            if logical_id in self._naming:
                raise ProvisioningError(f"{logical_id}: its {name_property} refers to itself")
            self._naming.add(logical_id)
            try:
                name = self.resolver.resolve_str(explicit, self._where(logical_id, str(name_property)))
            finally:
                self._naming.discard(logical_id)
        else:
            name = self._default_names[logical_id]
            if resource_type == "AWS::S3::Bucket":
                name = re.sub(r"[^a-z0-9.-]", "-", name.lower()).strip("-.")[:63]
            elif resource_type == "AWS::Lambda::Function":
                name = name[:64]
            elif resource_type == "AWS::SNS::Topic" and self._props(logical_id).get("FifoTopic") in (
                True,
                "true",
            ):
                name = f"{name[:251]}.fifo"
            elif resource_type == "AWS::SQS::Queue" and self._props(logical_id).get("FifoQueue") in (
                True,
                "true",
            ):
                name = f"{name[:75]}.fifo"
        self._names[logical_id] = name
        return name

    def _arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account_id}:{resource}"

    def _queue_url(self, name: str) -> str:
        return f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{name}"

    def function_arn(self, logical_id: str) -> str:
        return self._arn("lambda", f"function:{self.name_of(logical_id)}")

    def state_machine_arn(self, logical_id: str) -> str:
        return self._arn("states", f"stateMachine:{self.name_of(logical_id)}")

    # ---- ResourceNames protocol (used by the resolver)

    def _resource_type(self, logical_id: str, where: str) -> str:
        resource = self.resources.get(logical_id)
        if resource is None:
            raise UnsupportedIntrinsicError(
                f"{where}: refers to {logical_id!r}, which is not in the template"
            )
        return str(resource.get("Type", ""))

    def ref(self, logical_id: str, where: str) -> Any:
        resource_type = self._resource_type(logical_id, where)
        match resource_type:
            case "AWS::SNS::Topic":
                return self._arn("sns", self.name_of(logical_id))
            case "AWS::StepFunctions::StateMachine":
                return self.state_machine_arn(logical_id)
            case "AWS::SecretsManager::Secret":
                return self._created(self.secrets, logical_id, where)
            case "AWS::SQS::Queue":
                return self.queues.get(logical_id) or self._queue_url(self.name_of(logical_id))
            case "AWS::Lambda::LayerVersion":
                return self._arn("lambda", f"layer:{self.name_of(logical_id)}:1")
            case "AWS::Cognito::UserPool":
                return self._created(self.user_pools, logical_id, where)
            case "AWS::Cognito::UserPoolClient":
                return self._created(self.user_pool_clients, logical_id, where)
            case "AWS::Lambda::EventSourceMapping" | "AWS::SNS::Subscription":
                raise UnsupportedIntrinsicError(
                    f"{where}: Ref to {resource_type} {logical_id} is not supported"
                )
            case _:
                return self.name_of(logical_id)

    def get_att(self, logical_id: str, attribute: str, where: str) -> Any:
        resource_type = self._resource_type(logical_id, where)
        if resource_type in TABLE_TYPES and attribute == "StreamArn":
            table = self.tables.get(logical_id)
            if table is None or table.stream_arn is None:
                raise UnsupportedIntrinsicError(
                    f"{where}: {logical_id}.StreamArn is unavailable (no stream, or table not created yet)"
                )
            return table.stream_arn
        if resource_type == "AWS::SecretsManager::Secret" and attribute == "Id":
            return self._created(self.secrets, logical_id, where)
        if resource_type == "AWS::Cognito::UserPool":
            return self._user_pool_attribute(logical_id, attribute, where)
        if resource_type == "AWS::Cognito::UserPoolClient" and attribute in ("ClientId", "Name"):
            if attribute == "Name":
                return self.name_of(logical_id)
            return self._created(self.user_pool_clients, logical_id, where)
        name = self.name_of(logical_id)
        region = self.region
        attributes: dict[tuple[str, str], str] = {
            ("AWS::DynamoDB::Table", "Arn"): self._arn("dynamodb", f"table/{name}"),
            ("AWS::DynamoDB::GlobalTable", "Arn"): self._arn("dynamodb", f"table/{name}"),
            ("AWS::Lambda::Function", "Arn"): self._arn("lambda", f"function:{name}"),
            ("AWS::SNS::Topic", "TopicArn"): self._arn("sns", name),
            ("AWS::SNS::Topic", "TopicName"): name,
            ("AWS::SQS::Queue", "Arn"): self._arn("sqs", name),
            ("AWS::SQS::Queue", "QueueName"): name,
            ("AWS::SQS::Queue", "QueueUrl"): self.queues.get(logical_id) or self._queue_url(name),
            ("AWS::StepFunctions::StateMachine", "Arn"): self._arn("states", f"stateMachine:{name}"),
            ("AWS::StepFunctions::StateMachine", "Name"): name,
            ("AWS::S3::Bucket", "Arn"): f"arn:aws:s3:::{name}",
            ("AWS::S3::Bucket", "DomainName"): f"{name}.s3.amazonaws.com",
            ("AWS::S3::Bucket", "RegionalDomainName"): f"{name}.s3.{region}.amazonaws.com",
            ("AWS::S3::Bucket", "WebsiteURL"): f"http://{name}.s3-website-{region}.amazonaws.com",
            ("AWS::IAM::Role", "Arn"): f"arn:aws:iam::{self.account_id}:role/{name}",
            ("AWS::Events::Rule", "Arn"): self._arn("events", f"rule/{name}"),
            ("AWS::Logs::LogGroup", "Arn"): self._arn("logs", f"log-group:{name}:*"),
            ("AWS::ApiGateway::RestApi", "RootResourceId"): f"{name}-root",
            ("AWS::CloudFront::Distribution", "DomainName"): f"{name.lower()}{LOCAL_DISTRIBUTION_SUFFIX}",
        }
        value = attributes.get((resource_type, attribute))
        if value is None:
            raise UnsupportedIntrinsicError(
                f"{where}: Fn::GetAtt {logical_id}.{attribute} ({resource_type}) is not supported locally"
            )
        return value

    def _user_pool_attribute(self, logical_id: str, attribute: str, where: str) -> str:
        pool_id = self._created(self.user_pools, logical_id, where)
        host = f"cognito-idp.{self.region}.amazonaws.com/{pool_id}"
        values = {
            "Arn": self._arn("cognito-idp", f"userpool/{pool_id}"),
            "UserPoolId": pool_id,
            "ProviderName": host,
            "ProviderURL": f"https://{host}",
        }
        if attribute not in values:
            raise UnsupportedIntrinsicError(
                f"{where}: Fn::GetAtt {logical_id}.{attribute} (a user pool) is not supported locally"
            )
        return values[attribute]

    def _created(self, registry: Mapping[str, str], logical_id: str, where: str) -> str:
        if logical_id not in registry:
            raise UnsupportedIntrinsicError(f"{where}: {logical_id} is referenced before it was created")
        return registry[logical_id]

    # ---- creation

    @contextmanager
    def _creating(self, logical_id: str) -> Iterator[None]:
        resource_type = self.resources[logical_id].get("Type")
        if "Condition" in self.resources[logical_id]:
            raise ProvisioningError(
                f"{logical_id} ({resource_type}): resource Conditions are not supported locally"
            )
        try:
            yield
        except LocalCloudError:
            raise
        except (ClientError, BotoCoreError, KeyError, TypeError, ValueError) as exc:
            raise ProvisioningError(f"cannot create {logical_id} ({resource_type}) locally: {exc}") from exc

    def run(self, env_overrides: Mapping[str, str] | None) -> ProvisionedStack:
        self._check_types()
        self._create_role()
        for logical_id, _ in self._of_type(*TABLE_TYPES):
            with self._creating(logical_id):
                self._create_table(logical_id)
        for logical_id, _ in self._of_type("AWS::S3::Bucket"):
            with self._creating(logical_id):
                self.buckets[logical_id] = self.name_of(logical_id)
                self.clients.s3.create_bucket(Bucket=self.buckets[logical_id])
        for logical_id, _ in self._of_type("AWS::SecretsManager::Secret"):
            with self._creating(logical_id):
                self._create_secret(logical_id)
        for logical_id, _ in self._of_type("AWS::SQS::Queue"):
            with self._creating(logical_id):
                self._create_queue(logical_id)
        for logical_id, _ in self._of_type("AWS::SQS::Queue"):
            with self._creating(logical_id):
                self._set_redrive_policy(logical_id)
        for logical_id, _ in self._of_type("AWS::SNS::Topic"):
            with self._creating(logical_id):
                self._create_topic(logical_id)
        for logical_id, _ in self._of_type("AWS::Cognito::UserPool"):
            with self._creating(logical_id):
                self._create_user_pool(logical_id)
        for logical_id, _ in self._of_type("AWS::Cognito::UserPoolClient"):
            with self._creating(logical_id):
                self._create_user_pool_client(logical_id)
        providers = self._custom_resource_providers()
        for logical_id, _ in self._of_type("AWS::Lambda::Function"):
            if logical_id in providers:
                self.skipped.append(
                    SkippedResource(
                        logical_id,
                        "AWS::Lambda::Function",
                        f"serves {', '.join(sorted(providers[logical_id]))} custom resources (CDK's own "
                        "function), which do not run locally",
                    )
                )
                continue
            with self._creating(logical_id):
                self._create_function(logical_id)
        environment = merge_function_environments(
            {fn.name: fn.environment for fn in self.functions.values()}, env_overrides
        )
        for logical_id, _ in self._of_type("AWS::StepFunctions::StateMachine"):
            with self._creating(logical_id):
                self._create_state_machine(logical_id)
        for logical_id, _ in self._of_type("AWS::SNS::Subscription"):
            with self._creating(logical_id):
                self._create_subscription(logical_id)
        for logical_id, _ in self._of_type("AWS::Lambda::EventSourceMapping"):
            with self._creating(logical_id):
                self._create_event_source_mapping(logical_id)
        schedules = tuple(self._schedules())
        routes = tuple(self._routes())
        return ProvisionedStack(
            tables=dict(self.tables),
            functions=dict(self.functions),
            schedules=schedules,
            routes=routes,
            state_machines=dict(self.state_machines),
            topics=dict(self.topics),
            secrets=dict(self.secrets),
            buckets=dict(self.buckets),
            skipped=tuple(self.skipped),
            environment=environment,
            role_arn=self.role_arn,
            event_source_mappings=tuple(self.mappings),
            queues=dict(self.queues),
            user_pools=dict(self.user_pools),
            user_pool_clients=dict(self.user_pool_clients),
        )

    def _custom_resource_providers(self) -> dict[str, set[str]]:
        """Functions that are the ``ServiceToken`` of a custom resource (by logical id → the custom
        resource types they serve): CDK's deployment and auto-delete handlers, never the app's."""
        providers: dict[str, set[str]] = {}
        for resource in self.resources.values():
            resource_type = str(resource.get("Type", ""))
            if (
                not resource_type.startswith("Custom::")
                and resource_type != "AWS::CloudFormation::CustomResource"
            ):
                continue
            token = (resource.get("Properties") or {}).get("ServiceToken")
            target = token.get("Fn::GetAtt") if isinstance(token, dict) else None
            function = target[0] if isinstance(target, list) and target else None
            if (
                isinstance(function, str)
                and self.resources.get(function, {}).get("Type") == "AWS::Lambda::Function"
            ):
                providers.setdefault(function, set()).add(resource_type)
        return providers

    def _check_types(self) -> None:
        created = TABLE_TYPES | {
            "AWS::S3::Bucket",
            "AWS::SecretsManager::Secret",
            "AWS::SNS::Topic",
            "AWS::SQS::Queue",
            "AWS::Lambda::Function",
            "AWS::StepFunctions::StateMachine",
            "AWS::SNS::Subscription",
            "AWS::Lambda::EventSourceMapping",
            "AWS::Cognito::UserPool",
            "AWS::Cognito::UserPoolClient",
        }
        for logical_id, resource in self.resources.items():
            if not isinstance(resource, dict) or "Type" not in resource:
                raise ProvisioningError(f"{logical_id}: a resource needs a Type")
            resource_type = str(resource["Type"])
            if resource_type in created:
                continue
            reason = _SKIP_REASONS.get(resource_type) or next(
                (text for prefix, text in _SKIPPED_PREFIXES.items() if resource_type.startswith(prefix)),
                "resource type not provisioned locally",
            )
            self.skipped.append(SkippedResource(logical_id, resource_type, reason))

    def _create_role(self) -> None:
        iam = self.clients.iam
        try:
            role = iam.create_role(RoleName=LOCAL_ROLE_NAME, AssumeRolePolicyDocument=_TRUST_POLICY)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "EntityAlreadyExists":
                raise ProvisioningError(f"cannot create the local execution role: {exc}") from exc
            role = iam.get_role(RoleName=LOCAL_ROLE_NAME)
        self.role_arn = str(role["Role"]["Arn"])

    def _create_table(self, logical_id: str) -> None:
        props = self._resolved(logical_id, _TABLE_PROPERTIES)
        is_global = self.resources[logical_id]["Type"] == "AWS::DynamoDB::GlobalTable"
        name = self.name_of(logical_id)
        on_demand = is_global or props.get("BillingMode") == "PAY_PER_REQUEST"
        default_throughput = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        request: dict[str, Any] = {
            "TableName": name,
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": "PAY_PER_REQUEST" if on_demand else "PROVISIONED",
        }
        if not on_demand:
            request["ProvisionedThroughput"] = props.get("ProvisionedThroughput", default_throughput)
        gsis = []
        for index in props.get("GlobalSecondaryIndexes", []):
            gsi = {key: index[key] for key in ("IndexName", "KeySchema", "Projection") if key in index}
            gsi.setdefault("Projection", {"ProjectionType": "ALL"})
            if not on_demand:
                gsi["ProvisionedThroughput"] = index.get("ProvisionedThroughput", default_throughput)
            gsis.append(gsi)
        if gsis:
            request["GlobalSecondaryIndexes"] = gsis
        if props.get("LocalSecondaryIndexes"):
            request["LocalSecondaryIndexes"] = props["LocalSecondaryIndexes"]
        stream_view = (props.get("StreamSpecification") or {}).get("StreamViewType")
        if stream_view:
            request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream_view}
        description = self.clients.dynamodb.create_table(**request)["TableDescription"]
        ttl = props.get("TimeToLiveSpecification") or {}
        ttl_attribute = ttl.get("AttributeName") if ttl.get("Enabled") in (True, "true") else None
        if ttl_attribute:
            self.clients.dynamodb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl_attribute}
            )
        pitr_spec = props.get("PointInTimeRecoverySpecification") or {}
        if is_global:
            replicas = self._props(logical_id).get("Replicas") or [{}]
            replica = next((r for r in replicas if r.get("Region") == self.region), replicas[0])
            pitr_spec = self.resolver.resolve(
                replica.get("PointInTimeRecoverySpecification") or {},
                f"Resources.{logical_id}.Properties.Replicas.PointInTimeRecoverySpecification",
            )
        pitr = pitr_spec.get("PointInTimeRecoveryEnabled") in (True, "true")
        if pitr:
            self.clients.dynamodb.update_continuous_backups(
                TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
            )
        keys = {entry["KeyType"]: entry["AttributeName"] for entry in props["KeySchema"]}
        self.tables[logical_id] = ProvisionedTable(
            logical_id=logical_id,
            name=name,
            arn=str(description["TableArn"]),
            stream_arn=description.get("LatestStreamArn"),
            partition_key=keys["HASH"],
            sort_key=keys.get("RANGE"),
            gsis=tuple(gsi["IndexName"] for gsi in gsis),
            ttl_attribute=ttl_attribute,
            point_in_time_recovery=pitr,
        )

    def _create_secret(self, logical_id: str) -> None:
        props = self._props(logical_id)
        where = f"Resources.{logical_id}.Properties"
        request: dict[str, Any] = {"Name": self.name_of(logical_id)}
        if "Description" in props:
            request["Description"] = self.resolver.resolve_str(props["Description"], f"{where}.Description")
        if "SecretString" in props:
            request["SecretString"] = self.resolver.resolve_str(
                props["SecretString"], f"{where}.SecretString"
            )
        else:
            generate = self.resolver.resolve(
                props.get("GenerateSecretString") or {}, f"{where}.GenerateSecretString"
            )
            request["SecretString"] = _generate_secret(generate)
        self.secrets[logical_id] = str(self.clients.secretsmanager.create_secret(**request)["ARN"])

    def _create_queue(self, logical_id: str) -> None:
        """The queue with its plain attributes; encryption is not emulated (see the KMS skip reason)."""
        props = self._resolved(logical_id, _QUEUE_ATTRIBUTES)
        attributes = {
            key: (str(value).lower() if isinstance(value, bool) else str(value))
            for key, value in props.items()
        }
        response = self.clients.sqs.create_queue(QueueName=self.name_of(logical_id), Attributes=attributes)
        self.queues[logical_id] = str(response["QueueUrl"])

    def _set_redrive_policy(self, logical_id: str) -> None:
        """A queue's own dead-letter queue, set once every queue exists (it may be defined later)."""
        redrive = self._resolved(logical_id, ("RedrivePolicy",)).get("RedrivePolicy")
        if redrive is None:
            return
        self.clients.sqs.set_queue_attributes(
            QueueUrl=self.queues[logical_id],
            Attributes={"RedrivePolicy": redrive if isinstance(redrive, str) else json.dumps(redrive)},
        )

    def _create_topic(self, logical_id: str) -> None:
        attributes = {"FifoTopic": "true"} if self.name_of(logical_id).endswith(".fifo") else {}
        response = self.clients.sns.create_topic(Name=self.name_of(logical_id), Attributes=attributes)
        self.topics[logical_id] = str(response["TopicArn"])

    def _create_user_pool(self, logical_id: str) -> None:
        props = self._resolved(logical_id, _USER_POOL_PROPERTIES)
        if "Schema" in props:  # CloudFormation takes "true" and numbers where boto3 wants bool and str
            props["Schema"] = [_schema_attribute(attribute) for attribute in props["Schema"]]
        response = self.clients.cognito.create_user_pool(PoolName=self.name_of(logical_id), **props)
        self.user_pools[logical_id] = str(response["UserPool"]["Id"])

    def _create_user_pool_client(self, logical_id: str) -> None:
        props = self._resolved(logical_id, ("UserPoolId", *_USER_POOL_CLIENT_PROPERTIES))
        if "UserPoolId" not in props:
            raise ProvisioningError(f"{logical_id}: an app client needs a UserPoolId")
        response = self.clients.cognito.create_user_pool_client(ClientName=self.name_of(logical_id), **props)
        self.user_pool_clients[logical_id] = str(response["UserPoolClient"]["ClientId"])

    def _with_jwks_url(self, environment: dict[str, str]) -> dict[str, str]:
        """A function that names a local user pool verifies its tokens with the keys moto's server
        publishes for it (``iss`` in moto's tokens still names AWS, so the URL cannot be derived)."""
        pools = [value for value in environment.values() if value in self.user_pools.values()]
        if self.endpoint_url and len(set(pools)) == 1 and JWKS_URL_VARIABLE not in environment:
            return {**environment, JWKS_URL_VARIABLE: jwks_url(self.endpoint_url, pools[0])}
        return environment

    def _create_function(self, logical_id: str) -> None:
        props = self._props(logical_id)
        where = f"Resources.{logical_id}.Properties"
        if props.get("PackageType") == "Image" or "ImageUri" in (props.get("Code") or {}):
            raise ProvisioningError(f"{logical_id}: container-image functions cannot run in-process locally")
        if "Handler" not in props:
            raise ProvisioningError(f"{logical_id}: a function needs a Handler to run locally")
        handler = self.resolver.resolve_str(props["Handler"], f"{where}.Handler")
        variables = (props.get("Environment") or {}).get("Variables") or {}
        if is_intrinsic(variables):
            raise UnsupportedIntrinsicError(f"{where}.Environment.Variables: must be a literal object")
        environment = self._with_jwks_url(
            {
                key: self.resolver.resolve_str(value, f"{where}.Environment.Variables.{key}")
                for key, value in variables.items()
            }
        )
        runtime = self.resolver.resolve_str(props.get("Runtime", "python3.13"), f"{where}.Runtime")
        timeout = int(self.resolver.resolve_str(props.get("Timeout", 3), f"{where}.Timeout"))
        memory = int(self.resolver.resolve_str(props.get("MemorySize", 128), f"{where}.MemorySize"))
        name = self.name_of(logical_id)
        request: dict[str, Any] = {
            "FunctionName": name,
            "Runtime": runtime,
            "Role": self.role_arn,
            "Handler": handler,
            "Code": {"ZipFile": _tiny_zip()},
            "Timeout": timeout,
            "MemorySize": memory,
            "Environment": {"Variables": environment},
        }
        if "Description" in props:
            request["Description"] = self.resolver.resolve_str(props["Description"], f"{where}.Description")
        response = self.clients.lambda_.create_function(**request)
        self.functions[logical_id] = ProvisionedFunction(
            logical_id=logical_id,
            name=name,
            arn=str(response["FunctionArn"]),
            handler=handler,
            runtime=runtime,
            timeout_seconds=timeout,
            memory_mb=memory,
            environment=environment,
        )

    def _definition(self, logical_id: str) -> str:
        props = self._props(logical_id)
        where = f"Resources.{logical_id}.Properties"
        if "DefinitionString" in props:
            definition = self.resolver.resolve_str(props["DefinitionString"], f"{where}.DefinitionString")
        elif "Definition" in props:
            definition = json.dumps(self.resolver.resolve(props["Definition"], f"{where}.Definition"))
        elif "DefinitionS3Location" in props:
            location = self.resolver.resolve(props["DefinitionS3Location"], f"{where}.DefinitionS3Location")
            definition = self._read_asset(logical_id, str(location.get("Key", "")))
        else:
            raise ProvisioningError(
                f"{logical_id}: a state machine needs DefinitionString, Definition or DefinitionS3Location"
            )
        substitutions = props.get("DefinitionSubstitutions") or {}
        for key, value in substitutions.items():
            resolved = self.resolver.resolve(value, f"{where}.DefinitionSubstitutions.{key}")
            text = json.dumps(resolved) if isinstance(resolved, bool) else str(resolved)
            definition = definition.replace("${" + key + "}", text)
        try:
            json.loads(definition)
        except json.JSONDecodeError as exc:
            raise ProvisioningError(
                f"{logical_id}: the resolved definition is not valid JSON: {exc}"
            ) from exc
        return definition

    def _read_asset(self, logical_id: str, key: str) -> str:
        if self.asset_dir is None:
            raise ProvisioningError(
                f"{logical_id}: DefinitionS3Location needs the cloud assembly directory (asset_dir) "
                f"to read {key!r}"
            )
        candidates = [self.asset_dir / f"asset.{key}"]
        for manifest_path in sorted(self.asset_dir.glob("*.assets.json")):
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            for asset in (manifest.get("files") or {}).values():
                destinations = (asset.get("destinations") or {}).values()
                if any(dest.get("objectKey") == key for dest in destinations):
                    candidates.insert(0, self.asset_dir / asset["source"]["path"])
        for candidate in candidates:
            if candidate.is_file():
                return candidate.read_text(encoding="utf-8")
        raise ProvisioningError(f"{logical_id}: definition asset {key!r} not found under {self.asset_dir}")

    def _create_state_machine(self, logical_id: str) -> None:
        props = self._props(logical_id)
        machine_type = str(props.get("StateMachineType", "STANDARD"))
        response = self.clients.sfn.create_state_machine(
            name=self.name_of(logical_id),
            definition=self._definition(logical_id),
            roleArn=self.role_arn,
            type=machine_type,  # type: ignore[arg-type]
        )
        self.state_machines[logical_id] = str(response["stateMachineArn"])

    def _create_subscription(self, logical_id: str) -> None:
        props = self._resolved(
            logical_id, ("Protocol", "TopicArn", "Endpoint", "FilterPolicy", "FilterPolicyScope")
        )
        protocol = str(props.get("Protocol", "")).lower()
        if protocol != "lambda":
            self.skipped.append(
                SkippedResource(
                    logical_id,
                    "AWS::SNS::Subscription",
                    f"protocol {protocol!r} is not delivered locally (only lambda subscriptions are)",
                )
            )
            return
        attributes: dict[str, str] = {}
        if "FilterPolicy" in props:
            attributes["FilterPolicy"] = json.dumps(props["FilterPolicy"])
        if "FilterPolicyScope" in props:
            attributes["FilterPolicyScope"] = str(props["FilterPolicyScope"])
        self.clients.sns.subscribe(
            TopicArn=str(props["TopicArn"]),
            Protocol="lambda",
            Endpoint=str(props["Endpoint"]),
            Attributes=attributes,
        )

    def _create_event_source_mapping(self, logical_id: str) -> None:
        props = self._resolved(
            logical_id,
            (
                "EventSourceArn",
                "FunctionName",
                "StartingPosition",
                "Enabled",
                "BatchSize",
                *_MAPPING_NUMBERS,
                *_MAPPING_FLAGS,
                "DestinationConfig",
            ),
        )
        source = str(props.get("EventSourceArn", ""))
        if ":dynamodb:" not in source or "/stream/" not in source:
            self.skipped.append(
                SkippedResource(
                    logical_id,
                    "AWS::Lambda::EventSourceMapping",
                    f"only DynamoDB stream sources are wired locally (got {source or 'no EventSourceArn'})",
                )
            )
            return
        request: dict[str, Any] = {
            "EventSourceArn": source,
            "FunctionName": str(props["FunctionName"]),
            "StartingPosition": str(props.get("StartingPosition", "LATEST")),
            "Enabled": props.get("Enabled", True) in (True, "true"),
        }
        if "BatchSize" in props:
            request["BatchSize"] = int(props["BatchSize"])
        # Kept on the mapping for the local stream delivery (retries); moto itself ignores them.
        request.update({key: int(props[key]) for key in _MAPPING_NUMBERS if key in props})
        request.update({key: props[key] in (True, "true") for key in _MAPPING_FLAGS if key in props})
        if "DestinationConfig" in props:
            request["DestinationConfig"] = props["DestinationConfig"]
        self.mappings.append(str(self.clients.lambda_.create_event_source_mapping(**request)["UUID"]))

    # ---- read-only views for the scheduler and the HTTP adapter

    def _schedules(self) -> Iterator[ScheduledRule]:
        for logical_id, resource in self._of_type("AWS::Events::Rule", "AWS::Scheduler::Schedule"):
            props = self._props(logical_id)
            if "ScheduleExpression" not in props:
                self._note_skip(logical_id, "event-pattern rules are not driven locally")
                continue
            where = f"Resources.{logical_id}.Properties"
            expression = self.resolver.resolve_str(props["ScheduleExpression"], f"{where}.ScheduleExpression")
            timezone = props.get("ScheduleExpressionTimezone", "UTC")
            if timezone not in ("UTC", "Etc/UTC"):
                raise ProvisioningError(
                    f"{logical_id}: schedule time zone {timezone!r} is not supported (UTC only)"
                )
            try:
                parse_schedule_expression(expression)
            except LocalCloudError as exc:
                raise ProvisioningError(f"{logical_id}: {exc}") from exc
            if resource["Type"] == "AWS::Scheduler::Schedule":
                raw_targets = [{"Id": "Target", **(props.get("Target") or {})}]
                arn = self._arn("scheduler", f"schedule/default/{self.name_of(logical_id)}")
            else:
                raw_targets = list(props.get("Targets") or [])
                arn = self._arn("events", f"rule/{self.name_of(logical_id)}")
            targets = tuple(
                self._schedule_target(logical_id, raw, f"{where}.Targets[{index}]")
                for index, raw in enumerate(raw_targets)
            )
            yield ScheduledRule(
                logical_id=logical_id,
                name=self.name_of(logical_id),
                arn=arn,
                expression=expression,
                enabled=str(props.get("State", "ENABLED")).upper() == "ENABLED",
                targets=targets,
            )

    def _schedule_target(self, rule_id: str, raw: Mapping[str, Any], where: str) -> ScheduleTarget:
        for unsupported in ("InputPath", "InputTransformer"):
            if unsupported in raw:
                raise ProvisioningError(f"{rule_id}: target {unsupported} is not supported locally")
        arn = self.resolver.resolve_str(raw.get("Arn"), f"{where}.Arn")
        target_input = self.resolver.resolve(raw["Input"], f"{where}.Input") if "Input" in raw else None
        if target_input is not None and not isinstance(target_input, str):
            target_input = json.dumps(target_input)
        target_id = str(raw.get("Id", "Target"))
        function = next((fn for fn in self.functions.values() if fn.arn == arn), None)
        if function is not None:
            return ScheduleTarget(target_id, "lambda", arn, function.name, function.logical_id, target_input)
        machine = next((mid for mid, marn in self.state_machines.items() if marn == arn), None)
        if machine is not None:
            return ScheduleTarget(target_id, "states", arn, arn, machine, target_input)
        raise ProvisioningError(
            f"{rule_id}: target {arn} is neither a provisioned function nor a state machine"
        )

    def _resource_path(self, api_id: str, resource_ref: Any, where: str, depth: int = 0) -> str:
        if depth > 50:
            raise ProvisioningError(f"{where}: API resource tree is too deep or cyclic")
        if isinstance(resource_ref, dict) and "Fn::GetAtt" in resource_ref:
            return "/"
        if not (isinstance(resource_ref, dict) and "Ref" in resource_ref):
            raise UnsupportedIntrinsicError(f"{where}: expected Ref to an AWS::ApiGateway::Resource")
        resource_id = str(resource_ref["Ref"])
        if self.resources.get(resource_id, {}).get("Type") != "AWS::ApiGateway::Resource":
            raise ProvisioningError(f"{where}: {resource_id} is not an AWS::ApiGateway::Resource")
        props = self._props(resource_id)
        parent = self._resource_path(
            api_id, props.get("ParentId"), f"Resources.{resource_id}.ParentId", depth + 1
        )
        part = self.resolver.resolve_str(props.get("PathPart"), f"Resources.{resource_id}.PathPart")
        return parent.rstrip("/") + "/" + part

    def _stage_of(self, api_logical_id: str) -> str:
        for _, resource in self._of_type("AWS::ApiGateway::Stage", "AWS::ApiGateway::Deployment"):
            props = resource.get("Properties") or {}
            if props.get("RestApiId") == {"Ref": api_logical_id} and isinstance(props.get("StageName"), str):
                return str(props["StageName"])
        return DEFAULT_STAGE

    def _routes(self) -> Iterator[ApiRoute]:
        for logical_id, _ in self._of_type("AWS::ApiGateway::Method"):
            props = self._props(logical_id)
            where = f"Resources.{logical_id}.Properties"
            integration = props.get("Integration") or {}
            if integration.get("Type") != "AWS_PROXY":
                self._note_skip(
                    logical_id, f"integration {integration.get('Type', 'none')} is not served locally"
                )
                continue
            api_ref = props.get("RestApiId")
            if not (isinstance(api_ref, dict) and isinstance(api_ref.get("Ref"), str)):
                raise UnsupportedIntrinsicError(f"{where}.RestApiId: expected a Ref to the RestApi")
            api_logical_id = api_ref["Ref"]
            uri = self.resolver.resolve_str(integration.get("Uri"), f"{where}.Integration.Uri")
            match = _FUNCTION_ARN_IN_URI.search(uri)
            function = self._function_by_arn(match.group(1)) if match else None
            if function is None:
                raise ProvisioningError(
                    f"{logical_id}: integration URI {uri} does not name a provisioned function"
                )
            api_props = self._props(api_logical_id)
            yield ApiRoute(
                api_logical_id=api_logical_id,
                api_id=self.name_of(api_logical_id),
                stage=self._stage_of(api_logical_id),
                method=str(props.get("HttpMethod", "ANY")).upper(),
                path=self._resource_path(api_logical_id, props.get("ResourceId"), f"{where}.ResourceId"),
                function_logical_id=function.logical_id,
                function_name=function.name,
                binary_media_types=tuple(str(t) for t in api_props.get("BinaryMediaTypes") or ()),
            )

    def _function_by_arn(self, arn: str) -> ProvisionedFunction | None:
        return next((fn for fn in self.functions.values() if fn.arn == arn), None)

    def _note_skip(self, logical_id: str, reason: str) -> None:
        for index, entry in enumerate(self.skipped):
            if entry.logical_id == logical_id:
                self.skipped[index] = SkippedResource(logical_id, entry.type, reason)


def provision_file(path: Path, **options: Any) -> ProvisionedStack:
    """:func:`provision` a synthesized template file, with its cloud assembly directory (where CDK
    put the assets a template refers to, such as state-machine definitions) found beside it."""
    options.setdefault("asset_dir", path.parent)
    return provision(load_template(path), **options)


def provision(
    template: Mapping[str, Any],
    *,
    session: boto3.Session | None = None,
    endpoint_url: str | None = None,
    env_overrides: Mapping[str, str] | None = None,
    asset_dir: Path | None = None,
    stack_name: str = "Inplay",
    region: str = REGION,
    account_id: str = ACCOUNT_ID,
) -> ProvisionedStack:
    """Create the template's resources in moto (in-process ``mock_aws`` or a server at ``endpoint_url``).

    ``env_overrides`` replace function environment variables in the merged environment (it does not
    touch ``os.environ``; see :func:`local.cloud.lambda_patch.apply_environment`). ``asset_dir`` is
    the cloud assembly directory, needed only for ``DefinitionS3Location`` state machines.
    Raises :class:`ProvisioningError` naming the resource (and intrinsic) for anything unsupported.
    """
    provisioner = _Provisioner(
        template,
        _clients(session, endpoint_url, region),
        region=region,
        account_id=account_id,
        stack_name=stack_name,
        asset_dir=asset_dir,
        endpoint_url=endpoint_url,
    )
    return provisioner.run(env_overrides)
