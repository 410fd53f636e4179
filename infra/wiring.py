"""Pure rules that turn the shared specs into infrastructure settings (no ``aws_cdk`` here).

- :func:`dynamodb_actions`: least-privilege DynamoDB actions for an :class:`~inplay.config.Access`.
- :func:`function_environment`: exactly the variables a function's settings model declares.
- :func:`check_spec`: a ``FunctionSpec`` whose settings and its table, secret, topic or invoke
  grants disagree, or whose ``streams`` name a table without a stream, fails synth.
- :func:`reads_kalshi_credentials` / :func:`kalshi_secret_prefix`: which functions read the per-user
  Kalshi credential secrets, and under which name prefix; :func:`manages_kalshi_credentials`: which
  also write them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from inplay.config import (
    DASHBOARD_ENVS,
    FUNCTION_ENVS,
    SECRET_ENVS,
    STATE_MACHINE_ENVS,
    TOPIC_ENVS,
    WEBSOCKET_ENVS,
    Access,
    Env,
    FunctionSpec,
    KalshiSettings,
)
from inplay.store.schema import TABLES, TableSpec, table_spec

__all__ = [
    "AUTH_ENVS",
    "CREDENTIAL_MANAGING_FUNCTIONS",
    "EXECUTION_DESCRIBE_ACTIONS",
    "EXECUTION_START_ACTIONS",
    "FUNCTION_INVOKE_ACTIONS",
    "INDEX_READ_ACTIONS",
    "LATE_BOUND_ENVS",
    "READ_ACTIONS",
    "SECRET_LIST_ACTIONS",
    "SECRET_MANAGE_ACTIONS",
    "SECRET_READ_ACTIONS",
    "STREAM_READ_ACTIONS",
    "TOPIC_KEY_ACTIONS",
    "TOPIC_PUBLISH_ACTIONS",
    "WRITE_ACTIONS",
    "InfraConfigError",
    "check_spec",
    "dynamodb_actions",
    "function_environment",
    "invoked_function",
    "kalshi_secret_prefix",
    "manages_kalshi_credentials",
    "reads_kalshi_credentials",
    "settings_aliases",
    "state_machine_envs",
    "table_env_names",
]

READ_ACTIONS: Final = ("dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan")
INDEX_READ_ACTIONS: Final = ("dynamodb:Query", "dynamodb:Scan")
"""The only actions that address a GSI (``<table arn>/index/<name>``)."""
WRITE_ACTIONS: Final = (
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
)
SECRET_READ_ACTIONS: Final = ("secretsmanager:GetSecretValue",)
"""All a function needs to read a secret's value (no DescribeSecret, no ListSecrets)."""
SECRET_LIST_ACTIONS: Final = ("secretsmanager:ListSecrets",)
"""Names and ARNs only (never values); the action supports no resource-level permissions."""
SECRET_MANAGE_ACTIONS: Final = (
    "secretsmanager:CreateSecret",
    "secretsmanager:DeleteSecret",
    "secretsmanager:DescribeSecret",
    "secretsmanager:PutSecretValue",
    "secretsmanager:RestoreSecret",
    "secretsmanager:TagResource",
)
"""Save (create tagged, put a version, restore one scheduled for deletion) and delete users'
credential secrets; granted on the credential prefix only, to :data:`CREDENTIAL_MANAGING_FUNCTIONS`."""
CREDENTIAL_MANAGING_FUNCTIONS: Final = frozenset({"api"})
"""Functions (by ``FunctionSpec.name``) that write users' Kalshi credential secrets (onboarding)."""
TOPIC_PUBLISH_ACTIONS: Final = ("sns:Publish",)
TOPIC_KEY_ACTIONS: Final = ("kms:Decrypt", "kms:GenerateDataKey")
"""What a publisher needs on the key of a KMS-encrypted topic (no wildcard action)."""
STREAM_READ_ACTIONS: Final = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
)
"""What Lambda's event source mapping needs on a table's stream (granted on that stream's ARN only)."""
FUNCTION_INVOKE_ACTIONS: Final = ("lambda:InvokeFunction",)
EXECUTION_START_ACTIONS: Final = ("states:StartExecution",)
EXECUTION_DESCRIBE_ACTIONS: Final = ("states:DescribeExecution",)
LATE_BOUND_ENVS: Final = frozenset(
    STATE_MACHINE_ENVS | frozenset(FUNCTION_ENVS) | WEBSOCKET_ENVS | DASHBOARD_ENVS
)
"""Variables whose value exists only once the whole stack is built (a state machine invokes the
functions; a function may name a function built after it; the WebSocket API integrates a function;
the dashboard's config names the API): set by the construct that wires them."""
AUTH_ENVS: Final = frozenset({Env.COGNITO_USER_POOL_ID, Env.COGNITO_CLIENT_ID})
"""The user pool and app client a function verifies tokens of (``AuthSettings``): their values
come from the ``Auth`` construct through ``references``."""
APPEND_ONLY_FORBIDDEN: Final = frozenset(
    {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
)
"""Never granted on an append-only table. ``BatchWriteItem`` is here too: its ``DeleteRequest`` is
authorized by ``dynamodb:BatchWriteItem`` alone, so granting it would allow deletes."""


class InfraConfigError(ValueError):
    """The shared specs cannot be turned into a consistent stack; the message names the culprit."""


def dynamodb_actions(access: Access, *, append_only: bool = False) -> tuple[str, ...]:
    """Item-level actions on a table for ``access`` (sorted, no wildcards)."""
    actions = set(READ_ACTIONS)
    if access is Access.READ_WRITE:
        actions.update(WRITE_ACTIONS)
        if append_only:
            actions -= APPEND_ONLY_FORBIDDEN
    return tuple(sorted(actions))


def table_env_names() -> frozenset[str]:
    """Env-var names that carry a table name (one per table in the schema)."""
    return frozenset(spec.env.value for spec in TABLES)


def settings_aliases(spec: FunctionSpec) -> frozenset[str]:
    """The env-var names ``spec.settings`` declares (its pydantic field aliases)."""
    aliases: set[str] = set()
    for field_name, field in spec.settings.model_fields.items():
        if not field.alias:
            raise InfraConfigError(f"{spec.settings.__name__}.{field_name} has no env-var alias")
        aliases.add(field.alias)
    return frozenset(aliases)


def reads_kalshi_credentials(spec: FunctionSpec) -> bool:
    """The function talks to Kalshi for users: it reads their ``<prefix><user_id>`` secrets."""
    return issubclass(spec.settings, KalshiSettings)


def kalshi_secret_prefix(spec: FunctionSpec) -> str:
    """The credential-secret name prefix the function's environment carries (its model default)."""
    if not reads_kalshi_credentials(spec):
        raise InfraConfigError(f"function {spec.name!r} reads no Kalshi credentials")
    prefix = KalshiSettings.model_fields["kalshi_secret_prefix"].get_default(call_default_factory=True)
    return str(prefix)


def manages_kalshi_credentials(spec: FunctionSpec) -> bool:
    """The function saves and deletes users' credential secrets (it must also read them)."""
    if spec.name not in CREDENTIAL_MANAGING_FUNCTIONS:
        return False
    if not reads_kalshi_credentials(spec):
        raise InfraConfigError(f"function {spec.name!r} manages credential secrets but has no KalshiSettings")
    return True


def state_machine_envs(spec: FunctionSpec) -> frozenset[Env]:
    """The state-machine variables the function's settings declare (it starts executions there)."""
    return frozenset(env for env in STATE_MACHINE_ENVS if env.value in settings_aliases(spec))


def invoked_function(env: Env) -> str:
    """The ``FunctionSpec.name`` an invoke variable names."""
    try:
        return FUNCTION_ENVS[env]
    except KeyError:
        raise InfraConfigError(f"{env.value} names no function") from None


def check_spec(spec: FunctionSpec) -> None:
    """Every table, secret, topic and function the settings name is granted in the spec, nothing
    else is, and every stream the spec consumes exists."""
    _check_grants(spec, "secrets", spec.secrets, SECRET_ENVS, "secret")
    _check_grants(spec, "topics", spec.topics, TOPIC_ENVS, "topic")
    _check_grants(spec, "invokes", spec.invokes, frozenset(FUNCTION_ENVS), "function")
    _check_streams(spec)
    declared = settings_aliases(spec) & table_env_names()
    granted = {env.value for env in spec.tables}
    unknown = granted - table_env_names()
    if unknown:
        raise InfraConfigError(f"function {spec.name!r} grants {sorted(unknown)}, which name no table")
    if declared - granted:
        raise InfraConfigError(
            f"function {spec.name!r}: settings read {sorted(declared - granted)} "
            "but spec.tables grants no access"
        )
    if granted - declared:
        raise InfraConfigError(
            f"function {spec.name!r}: spec.tables grants {sorted(granted - declared)} "
            f"but {spec.settings.__name__} does not declare the variable"
        )


def _check_streams(spec: FunctionSpec) -> None:
    tables = {table.env for table in TABLES}
    for env in sorted(spec.streams):
        if env not in tables:
            raise InfraConfigError(
                f"function {spec.name!r}: spec.streams lists {env.value}, which names no table"
            )
        if table_spec(env).stream is None:
            raise InfraConfigError(
                f"function {spec.name!r} consumes the stream of {env.value}, but that table has no stream"
            )


def _check_grants(
    spec: FunctionSpec, attribute: str, granted: frozenset[Env], known: frozenset[Env], what: str
) -> None:
    names = {env.value for env in granted}
    unknown = names - {env.value for env in known}
    if unknown:
        raise InfraConfigError(
            f"function {spec.name!r}: spec.{attribute} lists {sorted(unknown)}, which name no {what}"
        )
    declared = settings_aliases(spec) & {env.value for env in known}
    if declared - names:
        raise InfraConfigError(
            f"function {spec.name!r}: settings read {sorted(declared - names)} "
            f"but spec.{attribute} does not grant it"
        )
    if names - declared:
        raise InfraConfigError(
            f"function {spec.name!r}: spec.{attribute} grants {sorted(names - declared)} "
            f"but {spec.settings.__name__} does not declare the variable"
        )


def _render(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list | frozenset | set):
        return ",".join(str(item) for item in value)
    return str(value)


def function_environment(
    spec: FunctionSpec, table_names: Mapping[Env, str], references: Mapping[Env, str] | None = None
) -> dict[str, str]:
    """The Lambda environment: one entry per settings alias, nothing more.

    Table variables take their value from ``table_names``, secret, topic and user-pool variables
    from ``references`` (ARNs and ids; CDK tokens at synth); every other variable is the model's
    default, rendered the way the model parses it back, and left unset when that default is ``None``.
    """
    check_spec(spec)
    tables = {table.env.value: table for table in TABLES}
    resources = {env.value: value for env, value in (references or {}).items()}
    resource_envs = {env.value for env in SECRET_ENVS | TOPIC_ENVS | AUTH_ENVS}
    late_envs = {env.value for env in LATE_BOUND_ENVS}
    environment: dict[str, str] = {}
    for field_name, field in spec.settings.model_fields.items():
        alias = field.alias or field_name  # check_spec() rejected alias-less fields
        table: TableSpec | None = tables.get(alias)
        if table is not None:
            environment[alias] = table_names[table.env]
        elif alias in late_envs:
            continue  # set once its target exists (see LATE_BOUND_ENVS)
        elif alias in resource_envs:
            if alias not in resources:
                raise InfraConfigError(
                    f"function {spec.name!r} reads {alias} but infra provides no resource for it"
                )
            environment[alias] = resources[alias]
        elif not field.is_required():
            default = field.get_default(call_default_factory=True)
            if default is not None:  # unset: the model's default applies
                environment[alias] = _render(default)
        else:
            raise InfraConfigError(
                f"{spec.settings.__name__}.{field_name} ({alias}) is required but infra has no value for it"
            )
    return environment
